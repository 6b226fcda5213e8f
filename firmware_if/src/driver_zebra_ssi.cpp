// SPDX-License-Identifier: Apache-2.0
// Zebra (Symbol) SSI host commands over serial (RS-232 or USB CDC), as DS2208/DS4308/DS9908
// speak them with software handshaking on (parameter 0x9F, the default): every host packet is
// answered with CMD_ACK or CMD_NAK, REQUEST_REVISION with REPLY_REVISION.
#include "drivers_internal.h"
#include "returnscan/firmware_if/ssi.h"

namespace returnscan::firmware_if::detail {
namespace {

constexpr const char* kName = "ssi";

// BEEP codes from the SSI beep table: 0x00 one short high (good read), 0x06 two short low
// (error). Not yet heard on a device; see docs/firmware.md.
constexpr std::uint8_t kBeepGood = 0x00;
constexpr std::uint8_t kBeepError = 0x06;
// LED masks (enioka's SSI SDK): bit0 green, bit1 red.
constexpr std::uint8_t kLedGreen = 0x01;
constexpr std::uint8_t kLedRed = 0x02;
// PARAM_SEND data starts with a beep code; 0xFF = no beep.
constexpr std::uint8_t kParamNoBeep = 0xFF;

/// Parameter numbers (Zebra PRG parameter table; 0xF0 prefixes an extended number). Aztec's
/// extended number differs between models, so it is not offered.
Result<std::vector<std::uint8_t>> symbologyParam(Symbology s)
{
    switch (s) {
        case Symbology::Code39:
            return std::vector<std::uint8_t>{0x00};
        case Symbology::Ean13:
            return std::vector<std::uint8_t>{0x03};
        case Symbology::Code128:
            return std::vector<std::uint8_t>{0x08};
        case Symbology::Gs1_128:
            return std::vector<std::uint8_t>{0x0E};
        case Symbology::Pdf417:
            return std::vector<std::uint8_t>{0x0F};
        case Symbology::DataMatrix:
            return std::vector<std::uint8_t>{0xF0, 0x24};
        case Symbology::Qr:
            return std::vector<std::uint8_t>{0xF0, 0x25};
        case Symbology::Aztec:
            break;
    }
    return makeError(ErrorCode::Unsupported, "symbology " + std::string(toString(s)) +
                                                 " has no SSI parameter in the ssi driver");
}

std::vector<Frame> setup()
{
    return {};
}

Result<std::vector<Frame>> encode(const Request& r, unsigned attempt)
{
    std::uint8_t opcode = 0;
    std::vector<std::uint8_t> data;
    switch (r.command) {
        case Command::BeepGood:
            opcode = kSsiBeep;
            data = {kBeepGood};
            break;
        case Command::BeepError:
            opcode = kSsiBeep;
            data = {kBeepError};
            break;
        case Command::LedGreen:
            opcode = kSsiLedOn;
            data = {kLedGreen};
            break;
        case Command::LedRed:
            opcode = kSsiLedOn;
            data = {kLedRed};
            break;
        case Command::LedOff:
            opcode = kSsiLedOff;
            data = {kLedGreen | kLedRed};
            break;
        case Command::ScanEnable:
            opcode = kSsiScanEnable;
            break;
        case Command::ScanDisable:
            opcode = kSsiScanDisable;
            break;
        case Command::StartDecode:
            opcode = kSsiStartDecode;
            break;
        case Command::StopDecode:
            opcode = kSsiStopDecode;
            break;
        case Command::Identify:
            opcode = kSsiRequestRevision;
            break;
        case Command::SymbologyOn:
        case Command::SymbologyOff: {
            auto param = symbologyParam(r.symbology);
            if (!param)
                return param.error();
            opcode = kSsiParamSend;
            data.push_back(kParamNoBeep);
            data.insert(data.end(), param->begin(), param->end());
            data.push_back(r.command == Command::SymbologyOn ? 1 : 0);
            break;
        }
    }
    // Status bit3 = 0: a temporary parameter change. A resend carries the retransmit bit.
    const std::uint8_t status = attempt > 0 ? kSsiStatusRetransmit : 0;
    Frame f;
    f.bytes = ssiPacket(opcode, kSsiSourceHost, status, data);
    return std::vector<Frame>{f};
}

bool expectsReply(Command /*c*/)
{
    return true;
}

std::string nakReason(std::uint8_t reason)
{
    switch (reason) {
        case kSsiNakResend:
            return "NAK resend";
        case kSsiNakBadContext:
            return "NAK bad context";
        case kSsiNakDenied:
            return "NAK denied";
        case kSsiNakCancel:
            return "NAK cancel";
        default:
            return "NAK reason " + std::to_string(reason);
    }
}

Reply decodeReply(std::span<const std::uint8_t> bytes)
{
    Reply r;
    const SsiScan s = scanSsi(bytes);
    r.consumed = s.consumed;
    switch (s.kind) {
        case SsiScan::Kind::NeedMore:
            r.kind = Reply::Kind::NeedMore;
            return r;
        case SsiScan::Kind::Junk:
            r.kind = Reply::Kind::Malformed;
            r.detail = "byte that starts no SSI packet skipped";
            return r;
        case SsiScan::Kind::BadChecksum:
            r.kind = Reply::Kind::Malformed;
            r.retry = true;
            r.detail = "reply with a bad checksum (got " +
                       hex(std::string{static_cast<char>(s.checksumGot >> 8),
                                       static_cast<char>(s.checksumGot & 0xFF)}) +
                       ")";
            return r;
        case SsiScan::Kind::Packet:
            break;
    }
    const SsiPacketView& p = s.packet;
    if (p.opcode == kSsiCmdAck) {
        r.kind = Reply::Kind::Ack;
        r.detail = "ACK";
    } else if (p.opcode == kSsiCmdNak) {
        r.kind = Reply::Kind::Nak;
        const std::uint8_t reason = p.data.empty() ? 0 : p.data[0];
        r.retry = reason == kSsiNakResend;
        r.detail = nakReason(reason);
    } else if (p.opcode == kSsiReplyRevision) {
        r.kind = Reply::Kind::Ack;
        r.detail = "revision " + std::string(p.data.begin(), p.data.end());
    } else {
        // Decode data or an event while we wait: the decoder wants an ACK for it, else it
        // resends; the read itself belongs to the input loop and is dropped here.
        r.kind = Reply::Kind::Unsolicited;
        r.detail = "unsolicited SSI opcode " + hex(std::string(1, static_cast<char>(p.opcode)));
        if (p.opcode == kSsiDecodeData || p.opcode == kSsiEvent)
            r.answer = ssiPacket(kSsiCmdAck, kSsiSourceHost, 0, {});
    }
    return r;
}

}  // namespace

const Driver kZebraSsiDriver{
    kName,
    "ssi",
    "Zebra SSI over serial/CDC: packets with checksum, ACK/NAK, resend on NAK or timeout",
    false,
    setup,
    encode,
    expectsReply,
    decodeReply,
};

}  // namespace returnscan::firmware_if::detail
