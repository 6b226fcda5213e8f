// SPDX-License-Identifier: Apache-2.0
// Scanner vendor IDs (usb.ids 2025.07.26; FIELD-FACTS 1d).
#include "returnscan/firmware_if/vendors.h"

#include <array>

namespace returnscan::firmware_if {
namespace {

constexpr std::array<ScannerVendor, 8> kVendors{{
    {0x0536, "Honeywell (Hand Held Products)"},
    {0x05e0, "Zebra (Symbol)"},
    {0x05f9, "Datalogic (PSC)"},
    {0x065a, "Opticon"},
    {0x067e, "Honeywell (Intermec)"},
    {0x080c, "Datalogic"},
    {0x0c2e, "Honeywell (Metrologic)"},
    {0x1eab, "Newland"},
}};

}  // namespace

std::span<const ScannerVendor> scannerVendors()
{
    return kVendors;
}

const char* scannerVendorName(std::uint16_t vendorId)
{
    for (const auto& v : kVendors) {
        if (v.id == vendorId)
            return v.name;
    }
    return nullptr;
}

}  // namespace returnscan::firmware_if
