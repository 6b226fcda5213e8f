// SPDX-License-Identifier: Apache-2.0
// The real UsbCalls: thin forwarding to libusb-1.0.
#include <libusb.h>

#include <functional>

#include "returnscan/input/usb.h"

namespace returnscan::input {
namespace {

class LibusbCalls final : public UsbCalls {
public:
    LibusbCalls() { initRc_ = libusb_init(&ctx_); }
    ~LibusbCalls() override
    {
        close();
        if (hotplugHandle_ != 0)
            libusb_hotplug_deregister_callback(ctx_, hotplugHandle_);
        if (ctx_ != nullptr)
            libusb_exit(ctx_);
    }
    LibusbCalls(const LibusbCalls&) = delete;
    LibusbCalls& operator=(const LibusbCalls&) = delete;

    int open(std::uint16_t vendorId, std::uint16_t productId, int interfaceNumber) override
    {
        if (initRc_ != LIBUSB_SUCCESS)
            return initRc_;
        close();
        handle_ = libusb_open_device_with_vid_pid(ctx_, vendorId, productId);
        if (handle_ == nullptr)
            return LIBUSB_ERROR_NO_DEVICE;
        // usbhid holds the interface of a HID scanner; detach it while we read.
        (void)libusb_set_auto_detach_kernel_driver(handle_, 1);
        const int rc = libusb_claim_interface(handle_, interfaceNumber);
        if (rc != LIBUSB_SUCCESS) {
            libusb_close(handle_);
            handle_ = nullptr;
            return rc;
        }
        interface_ = interfaceNumber;
        return LIBUSB_SUCCESS;
    }

    int interruptIn(std::uint8_t endpoint, std::uint8_t* buffer, int length, int* transferred,
                    unsigned timeoutMs) override
    {
        if (handle_ == nullptr)
            return LIBUSB_ERROR_NO_DEVICE;
        return libusb_interrupt_transfer(handle_, endpoint, buffer, length, transferred, timeoutMs);
    }

    int clearHalt(std::uint8_t endpoint) override
    {
        return handle_ == nullptr ? LIBUSB_ERROR_NO_DEVICE : libusb_clear_halt(handle_, endpoint);
    }

    void close() override
    {
        if (handle_ == nullptr)
            return;
        (void)libusb_release_interface(handle_, interface_);
        libusb_close(handle_);
        handle_ = nullptr;
    }

    int registerHotplug(std::uint16_t vendorId, std::uint16_t productId,
                        std::function<void(bool)> onEvent) override
    {
        if (initRc_ != LIBUSB_SUCCESS)
            return initRc_;
        if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) == 0)
            return LIBUSB_ERROR_NOT_SUPPORTED;
        onEvent_ = std::move(onEvent);
        return libusb_hotplug_register_callback(
            ctx_,
            static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                              LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
            LIBUSB_HOTPLUG_NO_FLAGS, vendorId, productId, LIBUSB_HOTPLUG_MATCH_ANY, &trampoline,
            this, &hotplugHandle_);
    }

    int handleEvents(unsigned timeoutMs) override
    {
        if (initRc_ != LIBUSB_SUCCESS)
            return initRc_;
        timeval tv{static_cast<time_t>(timeoutMs / 1000),
                   static_cast<suseconds_t>((timeoutMs % 1000) * 1000)};
        return libusb_handle_events_timeout_completed(ctx_, &tv, nullptr);
    }

private:
    static int LIBUSB_CALL trampoline(libusb_context* /*ctx*/, libusb_device* /*dev*/,
                                      libusb_hotplug_event event, void* self)
    {
        auto* calls = static_cast<LibusbCalls*>(self);
        if (calls->onEvent_)
            calls->onEvent_(event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED);
        return 0;  // stay registered
    }

    libusb_context* ctx_ = nullptr;
    int initRc_ = LIBUSB_ERROR_OTHER;
    libusb_device_handle* handle_ = nullptr;
    int interface_ = 0;
    libusb_hotplug_callback_handle hotplugHandle_ = 0;
    std::function<void(bool)> onEvent_;
};

}  // namespace

std::unique_ptr<UsbCalls> makeLibusbCalls()
{
    return std::make_unique<LibusbCalls>();
}

}  // namespace returnscan::input
