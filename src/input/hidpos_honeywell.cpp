// SPDX-License-Identifier: Apache-2.0
// HID POS profile for Honeywell scanners (Voyager, Xenon, Granit; VID 0x0c2e / 0x0536).
#include "hidpos_drivers.h"

namespace returnscan::input {

// Honeywell's firmware sends input report 0x02, 64 bytes with the ID:
//   [0] 0x02 | [1] data length 0..56 | [2..4] AIM identifier ("]C1") | [5..60] data |
//   [61..62] Honeywell "HHP" code id (vendor page 0xFF66) | [63] bit0 Decode Data Continued.
// The descriptor says the same, but the fixed layout also works where no descriptor can be
// read (a FIFO in tests, a replay), and it is what Honeywell's own host code assumes.
Result<HidPosLayout> honeywellHidPosLayout(std::span<const std::uint8_t> /*descriptor*/)
{
    HidPosLayout l;
    l.reportId = 0x02;
    l.reportSize = 64;
    l.lengthOffset = 1;
    l.aimOffset = 2;
    l.dataOffset = 5;
    l.dataCapacity = 56;
    l.continuedByte = 63;
    l.continuedMask = 0x01;
    return l;
}

}  // namespace returnscan::input
