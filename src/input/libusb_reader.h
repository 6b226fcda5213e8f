// SPDX-License-Identifier: Apache-2.0
// The libusb HID POS reader: a thread doing interrupt IN transfers through UsbCalls, handing
// reports and device states to the event loop through a pipe.
#pragma once

#include "returnscan/input/scanner.h"
#include "returnscan/input/usb.h"

namespace returnscan::input {

/// Starts the reader for `config` (VID:PID, interface, endpoint, HID POS profile). `usb` is
/// borrowed and must outlive the reader; null: the real libusb (owned by the reader).
/// The device need not be present: the reader reports Absent and waits for it.
[[nodiscard]] Result<std::unique_ptr<ScannerReader>> openLibusbScanner(const ScannerConfig& config,
                                                                       UsbCalls* usb);

}  // namespace returnscan::input
