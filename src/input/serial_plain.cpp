// SPDX-License-Identifier: Apache-2.0
// Plain serial framing: a read ends with the configured suffix (CR, LF or CRLF); for Honeywell
// scanners that take menu commands, their replies (echo, ACK/ENQ/NAK, '!' or '.') set apart.
#include <string>

#include "returnscan/input/decoders.h"

namespace returnscan::input {
namespace {

// Status bytes of a Honeywell menu reply (Honeywell serial programming: ACK accepted, ENQ
// unknown tag or subtag, NAK value out of range); the storage character follows.
constexpr char kMenuAck = 0x06;
constexpr char kMenuEnq = 0x05;
constexpr char kMenuNak = 0x15;

bool isMenuStatus(char c)
{
    return c == kMenuAck || c == kMenuEnq || c == kMenuNak;
}

class PlainFramer final : public FrameDecoder {
public:
    PlainFramer(Suffix suffix, bool menuReplies) : suffix_(suffix), menuReplies_(menuReplies) {}

    void feed(std::span<const std::uint8_t> bytes, SteadyTime now, DecodeOutput& out) override
    {
        if (!bytes.empty())
            lastByte_ = now;
        for (std::uint8_t b : bytes) {
            const char c = static_cast<char>(b);
            if (menuReplies_ && !line_.empty() && isMenuStatus(line_.back())) {
                // The storage character ('!' or '.', or whatever a garbled reply has there)
                // ends a menu reply; the driver on the other side of the channel judges it.
                line_.push_back(c);
                out.replies.push_back(std::move(line_));
                line_.clear();
                discarded_ = 0;
                continue;
            }
            const bool isEnd =
                (suffix_ == Suffix::Cr && c == '\r') || (suffix_ != Suffix::Cr && c == '\n');
            if (isEnd) {
                finish(out);
                continue;
            }
            // The other half of a CR/LF pair at the start of a read is a scanner set to CRLF
            // while we expect CR (or LF): drop it rather than refuse the next read for it.
            if (line_.empty() && discarded_ == 0 && (c == '\r' || c == '\n'))
                continue;
            if (line_.size() >= kMaxFrameBytes) {
                ++discarded_;
                continue;
            }
            line_.push_back(c);
        }
    }

    void tick(SteadyTime now, DecodeOutput& out) override
    {
        const auto due = deadline();
        if (!due || now < *due)
            return;
        out.errors.push_back(std::to_string(line_.size() + discarded_) +
                             " bytes without a terminator for " +
                             std::to_string(kHoneywellFrameIdle.count()) +
                             " ms discarded (a truncated menu reply or line noise)");
        line_.clear();
        discarded_ = 0;
    }

    [[nodiscard]] std::optional<SteadyTime> deadline() const override
    {
        if (!menuReplies_ || (line_.empty() && discarded_ == 0))
            return std::nullopt;
        return lastByte_ + kHoneywellFrameIdle;
    }

    void reset(DecodeOutput& out) override
    {
        if (!line_.empty() || discarded_ > 0) {
            out.errors.push_back(
                "hangup in the middle of a read: " + std::to_string(line_.size() + discarded_) +
                " bytes without a terminator discarded");
        }
        line_.clear();
        discarded_ = 0;
    }

    [[nodiscard]] std::size_t pendingBytes() const override { return line_.size(); }

private:
    void finish(DecodeOutput& out)
    {
        if (suffix_ == Suffix::CrLf && !line_.empty() && line_.back() == '\r')
            line_.pop_back();
        if (discarded_ > 0) {
            out.errors.push_back("read longer than " + std::to_string(kMaxFrameBytes) +
                                 " bytes without a terminator: " +
                                 std::to_string(line_.size() + discarded_) + " bytes discarded");
        } else if (!line_.empty()) {
            RawRead r;
            std::string_view rest;
            r.aim = core::splitAimPrefix(line_, rest);
            r.data = std::string(rest);
            out.reads.push_back(std::move(r));
        }
        line_.clear();
        discarded_ = 0;
    }

    Suffix suffix_;
    bool menuReplies_;  ///< Honeywell: menu replies are told apart, idle partial frames dropped
    std::string line_;
    std::size_t discarded_ = 0;
    SteadyTime lastByte_{};
};

}  // namespace

std::string_view toString(Suffix s)
{
    switch (s) {
        case Suffix::Cr:
            return "cr";
        case Suffix::Lf:
            return "lf";
        case Suffix::CrLf:
            return "crlf";
    }
    return "cr";
}

std::optional<Suffix> parseSuffix(std::string_view s)
{
    if (s == "cr")
        return Suffix::Cr;
    if (s == "lf")
        return Suffix::Lf;
    if (s == "crlf")
        return Suffix::CrLf;
    return std::nullopt;
}

std::unique_ptr<FrameDecoder> makePlainFramer(Suffix suffix)
{
    return std::make_unique<PlainFramer>(suffix, false);
}

std::unique_ptr<FrameDecoder> makeHoneywellSerialFramer(Suffix suffix)
{
    return std::make_unique<PlainFramer>(suffix, true);
}

}  // namespace returnscan::input
