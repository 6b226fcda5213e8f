// SPDX-License-Identifier: Apache-2.0
// HID POS (usage page 0x8C) scanned-data reports to reads, with multi-report reassembly, and
// the HID POS driver table.
#include <algorithm>
#include <string>

#include "hidpos_drivers.h"
#include "returnscan/input/decoders.h"

namespace returnscan::input {
namespace {

class HidPosDecoder final : public FrameDecoder {
public:
    HidPosDecoder(const HidPosLayout& layout, bool reportPerCall)
        : layout_(layout), reportPerCall_(reportPerCall)
    {
    }

    void feed(std::span<const std::uint8_t> bytes, SteadyTime /*now*/, DecodeOutput& out) override
    {
        if (reportPerCall_) {
            report(bytes, out);
            return;
        }
        // A FIFO carries back-to-back reports of reportSize bytes; reads may split them.
        for (std::uint8_t b : bytes) {
            chunk_.push_back(b);
            if (chunk_.size() == layout_.reportSize) {
                report(chunk_, out);
                chunk_.clear();
            }
        }
    }

    void reset(DecodeOutput& out) override
    {
        if (!data_.empty() || inProgress_) {
            out.errors.push_back("device went away in the middle of a multi-report read: " +
                                 std::to_string(data_.size()) + " bytes discarded");
        }
        data_.clear();
        chunk_.clear();
        inProgress_ = false;
        overflow_ = false;
    }

    [[nodiscard]] std::size_t pendingBytes() const override { return data_.size() + chunk_.size(); }

private:
    void report(std::span<const std::uint8_t> r, DecodeOutput& out)
    {
        if (r.empty() || r[0] != layout_.reportId)
            return;  // another report (status, trigger echo): not a read
        auto at = [&](std::size_t i) -> std::uint8_t { return i < r.size() ? r[i] : 0; };
        const std::size_t len = at(layout_.lengthOffset);
        if (len > layout_.dataCapacity) {
            out.errors.push_back("HID POS report claims " + std::to_string(len) +
                                 " data bytes; the report holds at most " +
                                 std::to_string(layout_.dataCapacity) + ": read discarded");
            data_.clear();
            inProgress_ = false;
            overflow_ = false;
            return;
        }
        if (!inProgress_ && layout_.aimOffset) {
            // The identifier of the first report names the whole read; Honeywell repeats it
            // in continuation reports.
            std::string id;
            for (std::size_t k = 0; k < 3; ++k)
                id.push_back(static_cast<char>(at(*layout_.aimOffset + k)));
            aim_ = core::parseAimId(id);
        } else if (!inProgress_) {
            aim_.reset();
        }
        inProgress_ = true;
        if (data_.size() + len > kMaxFrameBytes) {
            overflow_ = true;
        } else if (!overflow_) {
            for (std::size_t k = 0; k < len; ++k)
                data_.push_back(static_cast<char>(at(layout_.dataOffset + k)));
        }
        const bool more =
            layout_.continuedMask != 0 && (at(layout_.continuedByte) & layout_.continuedMask);
        if (more)
            return;
        if (overflow_) {
            out.errors.push_back("HID POS read longer than " + std::to_string(kMaxFrameBytes) +
                                 " bytes: discarded");
        } else if (!data_.empty()) {
            RawRead rr;
            if (aim_) {
                rr.aim = aim_;
                rr.data = std::move(data_);
            } else {
                std::string_view rest;
                rr.aim = core::splitAimPrefix(data_, rest);
                rr.data = std::string(rest);
            }
            out.reads.push_back(std::move(rr));
        }
        data_.clear();
        inProgress_ = false;
        overflow_ = false;
    }

    HidPosLayout layout_;
    bool reportPerCall_;
    std::vector<std::uint8_t> chunk_;
    std::string data_;
    std::optional<core::AimId> aim_;
    bool inProgress_ = false;
    bool overflow_ = false;
};

// The profile table: one entry per vendor file (STYLE.md, gpsd's drivers.c), for the HID POS
// profiles of firmware_if's model table (HidPosProfileTest checks that they match).
constexpr HidPosDriver kDrivers[] = {
    {firmware_if::ReadProfile::HidPosHoneywell, "honeywell", &honeywellHidPosLayout},
    {firmware_if::ReadProfile::HidPosGeneric, "generic", &genericHidPosLayout},
};

}  // namespace

std::span<const HidPosDriver> hidPosDrivers()
{
    return kDrivers;
}

const HidPosDriver* findHidPosDriver(std::string_view name)
{
    for (const auto& d : kDrivers) {
        if (name == d.name)
            return &d;
    }
    return nullptr;
}

std::unique_ptr<FrameDecoder> makeHidPosDecoder(const HidPosLayout& layout, bool reportPerCall)
{
    return std::make_unique<HidPosDecoder>(layout, reportPerCall);
}

}  // namespace returnscan::input
