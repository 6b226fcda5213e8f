// SPDX-License-Identifier: Apache-2.0
// Plain serial framing: a read ends with the configured suffix (CR, LF or CRLF).
#include <string>

#include "returnscan/input/decoders.h"

namespace returnscan::input {
namespace {

class PlainFramer final : public FrameDecoder {
public:
    explicit PlainFramer(Suffix suffix) : suffix_(suffix) {}

    void feed(std::span<const std::uint8_t> bytes, SteadyTime /*now*/, DecodeOutput& out) override
    {
        for (std::uint8_t b : bytes) {
            const char c = static_cast<char>(b);
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
    std::string line_;
    std::size_t discarded_ = 0;
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
    return std::make_unique<PlainFramer>(suffix);
}

}  // namespace returnscan::input
