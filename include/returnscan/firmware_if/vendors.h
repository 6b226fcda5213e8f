// SPDX-License-Identifier: Apache-2.0
// The barcode-scanner USB vendors the station knows: one list for `returnscan devices` and the
// check that udev/70-returnscan.rules names the same vendors.
#pragma once

#include <cstdint>
#include <span>

namespace returnscan::firmware_if {

struct ScannerVendor {
    std::uint16_t id;  ///< USB vendor ID
    const char* name;
};

/// Sorted by vendor ID, as the udev rules are.
[[nodiscard]] std::span<const ScannerVendor> scannerVendors();

/// The vendor's name, or nullptr when `vendorId` is no scanner vendor.
[[nodiscard]] const char* scannerVendorName(std::uint16_t vendorId);

}  // namespace returnscan::firmware_if
