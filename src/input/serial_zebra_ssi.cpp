// SPDX-License-Identifier: Apache-2.0
// Zebra (Symbol) SSI, Simple Serial Interface, as spoken by DS2208/DS4308/DS9908 in CDC mode
// with parameter 0xEE "decode data packet format" = 1 (packeted).
#include <cstdio>
#include <string>

#include "returnscan/input/decoders.h"

namespace returnscan::input {
namespace {

using firmware_if::kSsiEvent;
using firmware_if::kSsiNakResend;
using firmware_if::kSsiSourceHost;
using firmware_if::kSsiStatusContinuation;
using firmware_if::kSsiStatusRetransmit;
using firmware_if::SsiScan;

class SsiDecoder final : public FrameDecoder {
public:
    void feed(std::span<const std::uint8_t> bytes, SteadyTime /*now*/, DecodeOutput& out) override
    {
        buf_.insert(buf_.end(), bytes.begin(), bytes.end());
        std::size_t pos = 0;
        while (pos < buf_.size()) {
            const SsiScan s = firmware_if::scanSsi(std::span(buf_).subspan(pos));
            if (s.kind == SsiScan::Kind::NeedMore)
                break;  // wait for the rest; at most 257 bytes are ever buffered
            if (s.kind == SsiScan::Kind::Junk) {
                // Not a packet start (line noise, a WAKEUP byte echoed): skip one byte.
                ++junk_;
                ++pos;
                continue;
            }
            reportJunk(out);
            packet(s, std::span(buf_).subspan(pos, s.consumed), out);
            pos += s.consumed;
        }
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos));
        reportJunk(out);
    }

    void reset(DecodeOutput& out) override
    {
        if (!data_.empty() || !buf_.empty()) {
            out.errors.push_back("hangup in the middle of an SSI read: " +
                                 std::to_string(data_.size() + buf_.size()) + " bytes discarded");
        }
        buf_.clear();
        data_.clear();
        overflow_ = false;
        junk_ = 0;
    }

    [[nodiscard]] std::size_t pendingBytes() const override { return buf_.size() + data_.size(); }

private:
    void reportJunk(DecodeOutput& out)
    {
        if (junk_ > 0) {
            out.errors.push_back("SSI: skipped " + std::to_string(junk_) +
                                 " bytes that do not start a packet");
            junk_ = 0;
        }
    }

    void packet(const SsiScan& s, std::span<const std::uint8_t> raw, DecodeOutput& out)
    {
        if (s.kind == SsiScan::Kind::BadChecksum) {
            ++checksumErrors_;
            char msg[128];
            std::snprintf(msg, sizeof msg,
                          "SSI checksum mismatch on opcode 0x%02X (got 0x%04X, want 0x%04X); "
                          "NAK sent, bad packets so far: %llu",
                          s.packet.opcode, s.checksumGot, s.checksumWant,
                          static_cast<unsigned long long>(checksumErrors_));
            out.errors.push_back(msg);
            const std::uint8_t reason = kSsiNakResend;
            out.reply += ssiPacket(kSsiCmdNak, kSsiSourceHost, 0, std::span(&reason, 1));
            return;
        }
        const std::uint8_t opcode = s.packet.opcode;
        const std::uint8_t status = s.packet.status;
        auto data = s.packet.data;
        if (opcode == kSsiEvent) {
            out.reply += ssiPacket(kSsiCmdAck, kSsiSourceHost, 0, {});
            return;
        }
        if (opcode != kSsiDecodeData) {
            // CMD_ACK, CMD_NAK, REPLY_REVISION...: answers to host commands, for the command
            // channel (firmware_if's driver reads them), never a read.
            out.replies.emplace_back(raw.begin(), raw.end());
            return;
        }
        out.reply += ssiPacket(kSsiCmdAck, kSsiSourceHost, 0, {});
        // A retransmission means our ACK was lost: the decoder sends the same packet again.
        const std::string payload(data.begin(), data.end());
        if ((status & kSsiStatusRetransmit) && havePrevious_ && payload == last_)
            return;
        last_ = payload;
        havePrevious_ = true;
        if (data.empty()) {
            out.errors.push_back("SSI DECODE_DATA without a barcode type byte");
            return;
        }
        if (data_.empty() && !overflow_)
            type_ = data[0];
        if (data_.size() + data.size() - 1 > kMaxFrameBytes)
            overflow_ = true;
        else if (!overflow_)
            data_.append(data.begin() + 1, data.end());
        if (status & kSsiStatusContinuation)
            return;
        if (overflow_) {
            out.errors.push_back("SSI read longer than " + std::to_string(kMaxFrameBytes) +
                                 " bytes: discarded");
        } else if (!data_.empty()) {
            RawRead r;
            std::string_view rest;
            // With "transmit AIM code ID" on, the scanner puts ]xx before the data itself.
            r.aim = core::splitAimPrefix(data_, rest);
            r.data = std::string(rest);
            if (!r.aim)
                r.aim = aimForSsiType(type_);
            out.reads.push_back(std::move(r));
        }
        data_.clear();
        overflow_ = false;
    }

    std::vector<std::uint8_t> buf_;
    std::string data_;
    std::string last_;  ///< data of the last DECODE_DATA packet, to spot retransmissions
    bool havePrevious_ = false;
    std::uint8_t type_ = 0;
    bool overflow_ = false;
    std::size_t junk_ = 0;
    std::uint64_t checksumErrors_ = 0;
};

}  // namespace

std::optional<core::AimId> aimForSsiType(std::uint8_t type)
{
    // SSI barcode type bytes (Zebra SSI Programmer's Guide, as observed by enioka's
    // SsiSymbologyTranslator) to the AIM identifier the symbol would carry.
    const char* id = nullptr;
    switch (type) {
        case 0x01:
            id = "]A0";
            break;  // Code 39
        case 0x02:
            id = "]F0";
            break;  // Codabar
        case 0x03:
            id = "]C0";
            break;  // Code 128
        case 0x04:
            id = "]S0";
            break;  // Discrete 2 of 5
        case 0x06:
            id = "]I0";
            break;  // Interleaved 2 of 5
        case 0x07:
            id = "]G0";
            break;  // Code 93
        case 0x08:  // UPC-A
        case 0x09:  // UPC-E
        case 0x0B:
            id = "]E0";
            break;  // EAN-13
        case 0x0A:
            id = "]E4";
            break;  // EAN-8
        case 0x0C:
            id = "]H0";
            break;  // Code 11
        case 0x0E:
            id = "]M0";
            break;  // MSI
        case 0x0F:
            id = "]C1";
            break;  // GS1-128
        case 0x11:
            id = "]L0";
            break;  // PDF417
        case 0x13:
            id = "]A4";
            break;  // Code 39 full ASCII
        case 0x1B:
            id = "]d1";
            break;  // Data Matrix
        case 0x1C:
            id = "]Q1";
            break;  // QR Code
        case 0x2D:
            id = "]z0";
            break;  // Aztec
        case 0x30:  // GS1 DataBar omnidirectional
        case 0x31:  // GS1 DataBar limited
        case 0x32:
            id = "]e0";
            break;  // GS1 DataBar expanded
        default:
            return std::nullopt;
    }
    return core::parseAimId(id);
}

std::unique_ptr<FrameDecoder> makeSsiDecoder()
{
    return std::make_unique<SsiDecoder>();
}

}  // namespace returnscan::input
