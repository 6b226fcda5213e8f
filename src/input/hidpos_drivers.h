// SPDX-License-Identifier: Apache-2.0
// HID POS vendor profiles, one file each; listed in the driver table in hidpos_decoder.cpp.
#pragma once

#include <cstdint>
#include <span>

#include "returnscan/input/decoders.h"

namespace returnscan::input {

/// hidpos_honeywell.cpp: the fixed Honeywell report 0x02 layout.
[[nodiscard]] Result<HidPosLayout> honeywellHidPosLayout(std::span<const std::uint8_t> descriptor);
/// hidpos_generic.cpp: the layout read from the device's report descriptor.
[[nodiscard]] Result<HidPosLayout> genericHidPosLayout(std::span<const std::uint8_t> descriptor);

}  // namespace returnscan::input
