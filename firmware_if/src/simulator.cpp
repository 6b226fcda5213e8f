// SPDX-License-Identifier: Apache-2.0
// The simulated scanner firmware (SSI, Honeywell serial, plain).
#include "returnscan/firmware_if/simulator.h"

#include "returnscan/firmware_if/command.h"
#include "returnscan/firmware_if/ssi.h"

namespace returnscan::firmware_if {
namespace {

constexpr char kSyn = 0x16;
constexpr char kAck = 0x06;
constexpr char kEnq = 0x05;
constexpr char kNak = 0x15;
constexpr std::size_t kMaxBuffered = 4096;
constexpr std::uint8_t kSsiTypeCode128 = 0x03;
constexpr std::size_t kSsiChunk = 200;  ///< data bytes per DECODE_DATA packet

std::string decoderPacket(std::uint8_t opcode, std::span<const std::uint8_t> data,
                          std::uint8_t status = 0)
{
    return ssiPacket(opcode, kSsiSourceDecoder, status, data);
}

std::string ssiCommandWord(std::uint8_t opcode, std::span<const std::uint8_t> data)
{
    const std::uint8_t arg = data.empty() ? 0xFF : data[0];
    switch (opcode) {
        case kSsiBeep:
            return arg == 0x00   ? "beep-good"
                   : arg == 0x06 ? "beep-error"
                                 : "beep " + std::to_string(arg);
        case kSsiLedOn:
            return arg == 0x01   ? "led-green"
                   : arg == 0x02 ? "led-red"
                                 : "led-on " + std::to_string(arg);
        case kSsiLedOff:
            return "led-off";
        case kSsiScanEnable:
            return "scan-enable";
        case kSsiScanDisable:
            return "scan-disable";
        case kSsiStartDecode:
            return "start-decode";
        case kSsiStopDecode:
            return "stop-decode";
        case kSsiRequestRevision:
            return "identify";
        case kSsiParamSend:
            return data.size() >= 3 && data.back() == 1 ? "symbology-on" : "symbology-off";
        default:
            return {};
    }
}

}  // namespace

std::string_view toString(SimProtocol p)
{
    switch (p) {
        case SimProtocol::Ssi:
            return "ssi";
        case SimProtocol::Honeywell:
            return "honeywell";
        case SimProtocol::Plain:
            return "plain";
    }
    return "unknown";
}

std::optional<SimProtocol> parseSimProtocol(std::string_view word)
{
    for (auto p : {SimProtocol::Ssi, SimProtocol::Honeywell, SimProtocol::Plain}) {
        if (toString(p) == word)
            return p;
    }
    return std::nullopt;
}

ScannerSimulator::ScannerSimulator(SimProtocol protocol, SimFaults faults)
    : protocol_(protocol), faults_(faults)
{
}

std::string ScannerSimulator::onHostBytes(std::string_view bytes)
{
    const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    return onHostBytes(std::span(p, bytes.size()));
}

std::string ScannerSimulator::answer(std::string ack, std::string nak, std::string corrupt)
{
    if (faults_.silent > 0) {
        --faults_.silent;
        log_.emplace_back("silent");
        return {};
    }
    if (faults_.nak > 0) {
        --faults_.nak;
        log_.emplace_back("nak");
        return nak;
    }
    if (faults_.corrupt > 0) {
        --faults_.corrupt;
        log_.emplace_back("corrupt");
        return corrupt;
    }
    if (faults_.truncate > 0) {
        --faults_.truncate;
        log_.emplace_back("truncate");
        return ack.substr(0, ack.size() / 2);
    }
    return ack;
}

std::string ScannerSimulator::onHostBytes(std::span<const std::uint8_t> bytes)
{
    if (protocol_ == SimProtocol::Plain) {
        if (!bytes.empty())
            log_.push_back("ignored " + std::to_string(bytes.size()) + " bytes");
        return {};
    }
    buf_.append(bytes.begin(), bytes.end());
    std::string out;
    if (protocol_ == SimProtocol::Ssi) {
        for (;;) {
            const auto* d = reinterpret_cast<const std::uint8_t*>(buf_.data());
            const SsiScan s = scanSsi(std::span(d, buf_.size()));
            if (s.kind == SsiScan::Kind::NeedMore)
                break;
            if (s.kind == SsiScan::Kind::Packet) {
                out += ssiMessage(std::span(d, s.consumed));
            } else if (s.kind == SsiScan::Kind::BadChecksum) {
                log_.emplace_back("bad-checksum");
                const std::uint8_t reason = kSsiNakResend;
                out += decoderPacket(kSsiCmdNak, std::span(&reason, 1));
            }
            buf_.erase(0, s.consumed);
        }
    } else {
        // Honeywell: SYN M CR ... ('!' | '.'), SYN T CR, SYN U CR, SYN BEL CR.
        for (;;) {
            const auto syn = buf_.find(kSyn);
            if (syn == std::string::npos) {
                buf_.clear();
                break;
            }
            buf_.erase(0, syn);
            if (buf_.size() < 3)
                break;
            if (buf_[1] != 'M') {
                const std::string msg = buf_.substr(0, 3);
                buf_.erase(0, 3);
                out += honeywellMessage(msg);
                continue;
            }
            const auto end = buf_.find_first_of("!.", 3);
            if (end == std::string::npos)
                break;
            const std::string msg = buf_.substr(0, end + 1);
            buf_.erase(0, end + 1);
            out += honeywellMessage(msg);
        }
    }
    if (buf_.size() > kMaxBuffered)
        buf_.clear();
    return out;
}

std::string ScannerSimulator::ssiMessage(std::span<const std::uint8_t> packet)
{
    const std::uint8_t opcode = packet[1];
    const auto data = packet.subspan(kSsiHeader, packet[0] - kSsiHeader);
    if (opcode == kSsiCmdAck || opcode == kSsiCmdNak) {
        log_.emplace_back(opcode == kSsiCmdAck ? "host-ack" : "host-nak");
        return {};
    }
    std::string word = ssiCommandWord(opcode, data);
    if (word.empty()) {
        log_.push_back("unknown opcode " + std::to_string(opcode));
        const std::uint8_t reason = kSsiNakBadContext;
        return decoderPacket(kSsiCmdNak, std::span(&reason, 1));
    }
    log_.push_back(word);
    const std::uint8_t resend = kSsiNakResend;
    const std::string nak = decoderPacket(kSsiCmdNak, std::span(&resend, 1));
    if (faults_.deny) {
        const std::uint8_t denied = kSsiNakDenied;
        return decoderPacket(kSsiCmdNak, std::span(&denied, 1));
    }
    std::string ack;
    if (opcode == kSsiRequestRevision) {
        const std::string_view rev = kRevision;
        ack =
            decoderPacket(kSsiReplyRevision,
                          std::span(reinterpret_cast<const std::uint8_t*>(rev.data()), rev.size()));
    } else {
        ack = decoderPacket(kSsiCmdAck, {});
    }
    std::string corrupt = ack;
    corrupt.back() = static_cast<char>(corrupt.back() ^ 0x5A);
    return answer(ack, nak, corrupt);
}

std::string ScannerSimulator::honeywellMessage(std::string_view message)
{
    if (message[1] == 'T') {
        log_.emplace_back("start-decode");
        return {};
    }
    if (message[1] == 'U') {
        log_.emplace_back("stop-decode");
        return {};
    }
    if (message[1] == 0x07) {
        log_.emplace_back("beep-good");
        return {};
    }
    if (message[1] != 'M' || message.size() < 5) {
        log_.emplace_back("unknown message");
        return {};
    }
    const std::string_view body = message.substr(3, message.size() - 4);
    const char storage = message.back();
    std::string word;
    if (body == "REVINF") {
        word = "identify";
    } else if (body.size() == 7 && body.substr(3, 3) == "ENA" &&
               (body[6] == '0' || body[6] == '1')) {
        word = std::string(body[6] == '1' ? "symbology-on " : "symbology-off ") +
               std::string(body.substr(0, 3));
    }
    const std::string echo(body);
    if (word.empty()) {
        log_.push_back("unknown " + echo);
        return echo + kEnq + storage;
    }
    log_.push_back(word);
    return answer(echo + kAck + storage, echo + kNak + storage, echo + kAck + '?');
}

std::string ScannerSimulator::readBytes(std::string_view data) const
{
    if (protocol_ != SimProtocol::Ssi)
        return std::string(data) + '\r';
    std::string out;
    std::size_t pos = 0;
    do {
        const std::size_t n = std::min(kSsiChunk, data.size() - pos);
        std::string chunk(1, static_cast<char>(kSsiTypeCode128));
        chunk += data.substr(pos, n);
        pos += n;
        const std::uint8_t status = pos < data.size() ? kSsiStatusContinuation : 0;
        out += decoderPacket(
            kSsiDecodeData,
            std::span(reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()), status);
    } while (pos < data.size());
    return out;
}

}  // namespace returnscan::firmware_if
