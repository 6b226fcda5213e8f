// SPDX-License-Identifier: Apache-2.0
// Finding scanners with libudev: enumeration, binding configured devices, hotplug monitoring.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/input/scanner.h"

namespace returnscan::input {

/// What udev says about one device node.
struct UdevDevice {
    std::string subsystem;              ///< "input", "hidraw", "tty", "usb"
    std::string devnode;                ///< "/dev/input/event5"
    std::vector<std::string> devlinks;  ///< by-id, by-path and /dev/returnscan/ links
    std::optional<std::uint16_t> vendorId;
    std::optional<std::uint16_t> productId;
    bool keyboard = false;  ///< ID_INPUT_KEYBOARD (evdev wedge candidates)
    std::string action;     ///< monitor events: "add", "remove", ...; empty from enumeration
};

/// The udev subsystem whose nodes a transport opens.
[[nodiscard]] std::string_view subsystemFor(core::Transport t);

/// True when `device` is the one `config` binds: by path (the node itself or any of its
/// links, after resolving symlinks of `config.path`), or by VID:PID when no path is set.
[[nodiscard]] bool bindsTo(const ScannerConfig& config, const UdevDevice& device);

/// Enumerates the device nodes of `subsystem` now present. Errors: Io without udev.
[[nodiscard]] Result<std::vector<UdevDevice>> enumerateDevices(std::string_view subsystem);

/// A udev monitor on the "udev" netlink source for input, hidraw and tty.
class UdevMonitor {
public:
    virtual ~UdevMonitor() = default;
    /// The descriptor to poll (non-blocking).
    [[nodiscard]] virtual int fd() const = 0;
    /// Receives the pending events without blocking.
    [[nodiscard]] virtual std::vector<UdevDevice> receive() = 0;
};
[[nodiscard]] Result<std::unique_ptr<UdevMonitor>> openUdevMonitor();

}  // namespace returnscan::input
