// SPDX-License-Identifier: Apache-2.0
// One read from any source (scanner or camera), and the de-duplication of repeated reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "returnscan/core/aim.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

/// Where a read came from.
enum class Transport { Evdev, Hidraw, Libusb, Serial, Camera, File, Stdin };
[[nodiscard]] std::string_view toString(Transport t);

/// A reading device's state as the station shows it (reported by the input module).
enum class DeviceState {
    Absent,   ///< not plugged in (or unplugged); reopened with backoff or on hotplug
    Present,  ///< open and being read
    Refused,  ///< present but not used: the exclusive grab failed (a keyboard wedge would type
              ///< into the desktop), or the device is not what the configuration says
    Stalled,  ///< libusb: the endpoint stalled; the halt is being cleared
    Closed,   ///< hung up and not reopened (the loop was told not to reopen)
};
/// Words: absent, present, refused, stalled, closed.
[[nodiscard]] std::string_view toString(DeviceState s);

/// One read, as every input (scanner transport, camera decoder) hands it to the rest of the
/// station. `data` has passed readProblem() (at most kMaxReadBytes, valid UTF-8, no control
/// characters but GS); the AIM identifier is split off into `aim`.
struct ScanEvent {
    std::string device;  ///< configured device id (or the device path when unconfigured)
    std::string role;    ///< configured role, e.g. "handheld", "overhead-camera"
    Transport transport = Transport::Stdin;
    std::optional<AimId> aim;  ///< symbology identifier, when the source reported one
    std::string data;          ///< the read's text, without AIM prefix or terminator
    Timestamp wallTime{};      ///< UTC, for records
    std::chrono::steady_clock::time_point monotonic{};  ///< for windows and latency
};

/// Drops a read when the same data arrived within `window` before it: from the same device
/// (a scanner's double read), or from any device when `acrossDevices` (a camera seeing the
/// label the handheld just scanned). Keyed on data; time is the events' monotonic time.
/// Not thread-safe: one instance per event loop.
class ReadDeduplicator {
public:
    explicit ReadDeduplicator(std::chrono::milliseconds window, bool acrossDevices = true)
        : window_(window), acrossDevices_(acrossDevices)
    {
    }

    /// True when `e` is new and should be passed on; false for a repeat within the window.
    [[nodiscard]] bool admit(const ScanEvent& e);

private:
    struct Seen {
        std::string device;
        std::string data;
        std::chrono::steady_clock::time_point at;
    };
    std::chrono::milliseconds window_;
    bool acrossDevices_;
    std::deque<Seen> recent_;
};

}  // namespace returnscan::core
