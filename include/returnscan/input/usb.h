// SPDX-License-Identifier: Apache-2.0
// The libusb call boundary for HID POS scanners without a hidraw node, and its device states.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace returnscan::input {

/// The few libusb calls the libusb transport makes, one virtual per call, so that tests put a
/// fake here (STYLE.md: a fake at the call boundary). Return values are libusb's own codes
/// (LIBUSB_SUCCESS, LIBUSB_ERROR_*), passed through unchanged. Implementations are used from
/// one thread (the transport's reader thread) at a time.
class UsbCalls {
public:
    virtual ~UsbCalls() = default;
    /// Opens the first device with this VID:PID, detaches the kernel driver (usbhid) and claims
    /// `interfaceNumber`.
    virtual int open(std::uint16_t vendorId, std::uint16_t productId, int interfaceNumber) = 0;
    /// libusb_interrupt_transfer on an IN endpoint.
    virtual int interruptIn(std::uint8_t endpoint, std::uint8_t* buffer, int length,
                            int* transferred, unsigned timeoutMs) = 0;
    /// libusb_clear_halt after a stall.
    virtual int clearHalt(std::uint8_t endpoint) = 0;
    /// Releases the interface and closes the handle (no-op when not open).
    virtual void close() = 0;
    /// libusb_hotplug_register_callback for this VID:PID; `onEvent(true)` on arrival,
    /// `onEvent(false)` on departure, called from inside handleEvents(). Returns
    /// LIBUSB_ERROR_NOT_SUPPORTED where the platform has no hotplug.
    virtual int registerHotplug(std::uint16_t vendorId, std::uint16_t productId,
                                std::function<void(bool arrived)> onEvent) = 0;
    /// libusb_handle_events_timeout: runs pending hotplug callbacks, waits at most `timeoutMs`.
    virtual int handleEvents(unsigned timeoutMs) = 0;
};

/// The real libusb. Errors at libusb_init show as LIBUSB_ERROR_* from open().
[[nodiscard]] std::unique_ptr<UsbCalls> makeLibusbCalls();

/// What a libusb return code means for the device.
enum class UsbOutcome {
    Data,         ///< LIBUSB_SUCCESS: a report arrived
    Idle,         ///< LIBUSB_ERROR_TIMEOUT: nothing scanned; the device is present
    Gone,         ///< LIBUSB_ERROR_NO_DEVICE: unplugged; mark absent, wait for it
    Stalled,      ///< LIBUSB_ERROR_PIPE: endpoint halted; clear the halt and go on
    Overflow,     ///< LIBUSB_ERROR_OVERFLOW: the device sent more than a report; counted error
    Interrupted,  ///< LIBUSB_ERROR_INTERRUPTED: retry
    Failed,       ///< anything else: close and reopen with backoff
};
[[nodiscard]] UsbOutcome classifyUsbResult(int libusbCode);
[[nodiscard]] std::string_view toString(UsbOutcome o);

}  // namespace returnscan::input
