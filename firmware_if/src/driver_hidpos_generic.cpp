// SPDX-License-Identifier: Apache-2.0
// Generic HID POS (usage page 0x8C) scanner: the Trigger Report only (beeps, prevent/initiate
// read). No feature report, no menu commands, no LED (the Good Read LED usage 0x7D has no
// common report), no replies: a device whose descriptor puts the trigger report elsewhere
// ignores the report, which is why the docs ask to check by ear.
#include "drivers_internal.h"

namespace returnscan::firmware_if::detail {
namespace {

constexpr const char* kName = "generic-hidpos";

std::vector<Frame> setup()
{
    return {};
}

Result<std::vector<Frame>> encode(const Request& r, unsigned /*attempt*/)
{
    return triggerReportFrames(r.command, kName);
}

bool expectsReply(Command /*c*/)
{
    return false;
}

Reply decodeReply(std::span<const std::uint8_t> bytes)
{
    // Nothing is a reply; input reports arriving meanwhile are scans, skipped here.
    Reply r;
    if (!bytes.empty()) {
        r.kind = Reply::Kind::Unsolicited;
        r.consumed = bytes.size();
        r.detail = "input report skipped";
    }
    return r;
}

}  // namespace

const Driver kGenericHidPosDriver{
    kName,
    "generic",
    "HID POS over hidraw, trigger report 0x04 only (beeps, scan enable/disable, decode)",
    true,
    setup,
    encode,
    expectsReply,
    decodeReply,
};

}  // namespace returnscan::firmware_if::detail
