// SPDX-License-Identifier: Apache-2.0
// libudev enumeration and monitoring, and the binding of configured scanners to device nodes.
#include "returnscan/input/discovery.h"

#include <libudev.h>
#include <poll.h>
#include <stdlib.h>

#include <charconv>
#include <cstring>
#include <memory>

#include "device_path.h"

namespace returnscan::input {

std::string detail::canonicalPath(const std::string& path)
{
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr)
        return path;
    std::string r(real);
    ::free(real);
    return r;
}

namespace {

struct UdevDeleter {
    void operator()(udev* u) const { udev_unref(u); }
    void operator()(udev_enumerate* e) const { udev_enumerate_unref(e); }
    void operator()(udev_device* d) const { udev_device_unref(d); }
    void operator()(udev_monitor* m) const { udev_monitor_unref(m); }
};
template <typename T>
using UdevPtr = std::unique_ptr<T, UdevDeleter>;

std::optional<std::uint16_t> hex16(const char* s)
{
    if (s == nullptr)
        return std::nullopt;
    unsigned v = 0;
    const char* end = s + std::strlen(s);
    auto [p, ec] = std::from_chars(s, end, v, 16);
    if (ec != std::errc() || p != end || v > 0xFFFF)
        return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

UdevDevice describe(udev_device* d)
{
    UdevDevice u;
    if (const char* s = udev_device_get_subsystem(d))
        u.subsystem = s;
    if (const char* n = udev_device_get_devnode(d))
        u.devnode = n;
    for (udev_list_entry* e = udev_device_get_devlinks_list_entry(d); e != nullptr;
         e = udev_list_entry_get_next(e)) {
        u.devlinks.emplace_back(udev_list_entry_get_name(e));
    }
    // ID_VENDOR_ID / ID_MODEL_ID come from the usb_id builtin on the node itself (input,
    // tty, hidraw all get them through 60-persistent-*.rules).
    u.vendorId = hex16(udev_device_get_property_value(d, "ID_VENDOR_ID"));
    u.productId = hex16(udev_device_get_property_value(d, "ID_MODEL_ID"));
    if (!u.vendorId) {
        if (udev_device* usb =
                udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device")) {
            u.vendorId = hex16(udev_device_get_sysattr_value(usb, "idVendor"));
            u.productId = hex16(udev_device_get_sysattr_value(usb, "idProduct"));
        }
    }
    const char* kbd = udev_device_get_property_value(d, "ID_INPUT_KEYBOARD");
    u.keyboard = kbd != nullptr && std::strcmp(kbd, "1") == 0;
    if (const char* a = udev_device_get_action(d))
        u.action = a;
    return u;
}

class RealUdevMonitor final : public UdevMonitor {
public:
    RealUdevMonitor(UdevPtr<udev> u, UdevPtr<udev_monitor> m)
        : udev_(std::move(u)), mon_(std::move(m))
    {
    }
    [[nodiscard]] int fd() const override { return udev_monitor_get_fd(mon_.get()); }
    [[nodiscard]] std::vector<UdevDevice> receive() override
    {
        std::vector<UdevDevice> out;
        for (int i = 0; i < 64; ++i) {
            pollfd p{fd(), POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0)
                break;
            UdevPtr<udev_device> d(udev_monitor_receive_device(mon_.get()));
            if (!d)
                break;
            UdevDevice u = describe(d.get());
            if (!u.devnode.empty())
                out.push_back(std::move(u));
        }
        return out;
    }

private:
    UdevPtr<udev> udev_;
    UdevPtr<udev_monitor> mon_;
};

}  // namespace

std::string_view subsystemFor(core::Transport t)
{
    switch (t) {
        case core::Transport::Evdev:
            return "input";
        case core::Transport::Hidraw:
            return "hidraw";
        case core::Transport::Serial:
            return "tty";
        case core::Transport::Libusb:
            return "usb";
        default:
            return "";
    }
}

bool bindsTo(const ScannerConfig& config, const UdevDevice& device)
{
    if (!device.subsystem.empty() && device.subsystem != subsystemFor(config.transport))
        return false;
    if (!config.path.empty()) {
        if (config.path == device.devnode)
            return true;
        for (const auto& link : device.devlinks) {
            if (link == config.path)
                return true;
        }
        // The link may not exist any more (remove events): compare the resolved node too.
        return detail::canonicalPath(config.path) == device.devnode;
    }
    if (!config.vendorId || !config.productId)
        return false;
    if (device.vendorId != config.vendorId || device.productId != config.productId)
        return false;
    // A wedge scanner has several event nodes (keyboard, consumer keys...): the keyboard one.
    if (config.transport == core::Transport::Evdev && !device.keyboard)
        return false;
    // evdev: only eventN nodes, not the legacy mouseN/jsN.
    if (config.transport == core::Transport::Evdev &&
        device.devnode.find("/event") == std::string::npos)
        return false;
    return true;
}

Result<std::vector<UdevDevice>> enumerateDevices(std::string_view subsystem)
{
    UdevPtr<udev> u(udev_new());
    if (!u)
        return makeError(ErrorCode::Io, "udev_new failed");
    UdevPtr<udev_enumerate> e(udev_enumerate_new(u.get()));
    if (!e)
        return makeError(ErrorCode::Io, "udev_enumerate_new failed");
    const std::string sub(subsystem);
    udev_enumerate_add_match_subsystem(e.get(), sub.c_str());
    if (int rc = udev_enumerate_scan_devices(e.get()); rc < 0)
        return makeError(ErrorCode::Io,
                         "udev enumeration failed: " + std::string(std::strerror(-rc)));
    std::vector<UdevDevice> out;
    for (udev_list_entry* l = udev_enumerate_get_list_entry(e.get()); l != nullptr;
         l = udev_list_entry_get_next(l)) {
        UdevPtr<udev_device> d(udev_device_new_from_syspath(u.get(), udev_list_entry_get_name(l)));
        if (!d)
            continue;
        UdevDevice dev = describe(d.get());
        if (!dev.devnode.empty())
            out.push_back(std::move(dev));
    }
    return out;
}

Result<std::unique_ptr<UdevMonitor>> openUdevMonitor()
{
    UdevPtr<udev> u(udev_new());
    if (!u)
        return makeError(ErrorCode::Io, "udev_new failed");
    UdevPtr<udev_monitor> m(udev_monitor_new_from_netlink(u.get(), "udev"));
    if (!m)
        return makeError(ErrorCode::Io, "cannot open the udev monitor (netlink)");
    for (const char* sub : {"input", "hidraw", "tty", "usb"})
        udev_monitor_filter_add_match_subsystem_devtype(m.get(), sub, nullptr);
    if (udev_monitor_enable_receiving(m.get()) < 0)
        return makeError(ErrorCode::Io, "cannot enable the udev monitor");
    return std::unique_ptr<UdevMonitor>(
        std::make_unique<RealUdevMonitor>(std::move(u), std::move(m)));
}

}  // namespace returnscan::input
