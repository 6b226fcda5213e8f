// SPDX-License-Identifier: Apache-2.0
// The driver entries defined in the per-vendor files, and helpers they share.
#pragma once

#include <cstdint>
#include <string>

#include "returnscan/firmware_if/driver.h"

namespace returnscan::firmware_if::detail {

extern const Driver kZebraSsiDriver;         // driver_zebra_ssi.cpp
extern const Driver kHoneywellSerialDriver;  // driver_honeywell.cpp
extern const Driver kHoneywellHidPosDriver;  // driver_honeywell.cpp
extern const Driver kGenericHidPosDriver;    // driver_hidpos_generic.cpp

// HID POS Trigger Report (usage 0x14), as Honeywell's descriptor lays it out and as the HID
// POS usage tables order the usages: bit1 Prevent Read (0x5F), bit2 Initiate Read (0x60),
// bit5 Sound Error Beep (0x85), bit6 Sound Good Read Beep (0x86).
inline constexpr std::uint8_t kTriggerReportId = 0x04;
inline constexpr std::uint8_t kTriggerPreventRead = 0x02;
inline constexpr std::uint8_t kTriggerInitiateRead = 0x04;
inline constexpr std::uint8_t kTriggerErrorBeep = 0x20;
inline constexpr std::uint8_t kTriggerGoodBeep = 0x40;

/// The HID POS trigger-report frame for the commands it covers; Unsupported otherwise.
[[nodiscard]] Result<std::vector<Frame>> triggerReportFrames(Command command,
                                                             std::string_view driverName);

[[nodiscard]] Error unsupported(Command command, std::string_view driverName);

}  // namespace returnscan::firmware_if::detail
