// SPDX-License-Identifier: Apache-2.0
// The scanner models the station knows, in one table: per model and USB mode, its USB IDs, how
// the input module reads it and which command driver talks to it. `returnscan devices` (vendor
// names), driverFor() (command-line and configuration words), the input module's HID POS
// profiles and the udev rules test all read this table (docs/firmware.md "Adding a model").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "returnscan/firmware_if/driver.h"

namespace returnscan::firmware_if {

/// How the input module reads a model's scans in one USB mode.
enum class ReadProfile {
    Keyboard,         ///< HID keyboard (evdev and xkb; docs/input.md "Keyboard wedge")
    SerialPlain,      ///< CDC serial, each read ended by a suffix (input protocol "plain")
    SerialSsi,        ///< CDC serial, Zebra SSI packets (input protocol "ssi")
    HidPosHoneywell,  ///< HID POS, Honeywell's fixed report 0x02 layout (profile "honeywell")
    HidPosGeneric,    ///< HID POS, the layout read from the report descriptor (profile "generic")
};

/// The profile's word: "keyboard", "plain", "ssi", "honeywell", "generic" (the HID POS words
/// are the input module's `--profile` and configuration `profile` values).
[[nodiscard]] std::string_view toString(ReadProfile profile);
/// The HID POS profile of `word` ("honeywell", "generic"); nullopt for any other word.
[[nodiscard]] std::optional<ReadProfile> parseHidPosProfile(std::string_view word);
/// True for the HID POS profiles.
[[nodiscard]] bool isHidPos(ReadProfile profile);

/// One scanner model (or family) in one USB mode.
struct ScannerModel {
    const char* vendor;      ///< the vendor's name as `returnscan devices` shows it
    std::uint16_t vendorId;  ///< USB vendor ID
    /// Product IDs known for this mode (usb.ids, FIELD-FACTS 1d). Empty: not pinned. Nothing
    /// matches on them: a model's product ID changes with its USB mode and terminal ID, so the
    /// udev rules and `returnscan devices` go by vendor ID.
    std::span<const std::uint16_t> productIds;
    const char* model;     ///< "DS2208 / DS4308 / DS9908 (CDC, SSI)"
    ReadProfile read;      ///< how its reads are decoded
    const Driver* driver;  ///< its command driver (driver.h); nullptr: no commands (keyboard)
};

/// The table, sorted by vendor ID as the udev rules are. Rows of one vendor ID carry the same
/// vendor name. Lives for the whole program; thread-safe.
[[nodiscard]] std::span<const ScannerModel> scannerModels();

/// The vendor IDs of the table, each once, sorted (`returnscan devices` lists their nodes).
[[nodiscard]] std::vector<std::uint16_t> scannerVendorIds();
/// The vendor's name, or nullptr when no model of the table has `vendorId`.
[[nodiscard]] const char* scannerVendorName(std::uint16_t vendorId);

}  // namespace returnscan::firmware_if
