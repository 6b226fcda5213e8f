// SPDX-License-Identifier: Apache-2.0
// The station's one event path for reads: every scanner and camera, de-duplicated across
// devices, with the devices' last reported states.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "returnscan/core/scan_event.h"

namespace returnscan::station {

/// One core::ReadDeduplicator across devices drops a read that any device delivered within the
/// window, so the overhead camera seeing the label the handheld just scanned is not a second
/// parcel event. Admitted events go to `next`, called with the router's lock held, in the order
/// they were admitted: `next` must be quick (queue the event, don't decide a parcel there).
/// Thread-safe.
class ReadRouter {
public:
    using Next = std::function<void(const core::ScanEvent&)>;

    ReadRouter(std::chrono::milliseconds window, Next next);

    /// Offers one read from any thread; true when it was passed on, false for a repeat.
    bool submit(const core::ScanEvent& event);
    /// A read that failed on `device` (counted).
    void noteFailure(const std::string& device);
    /// The state a device reported.
    void noteDeviceState(const std::string& device, core::DeviceState state);

    struct Stats {
        std::uint64_t admitted = 0;
        std::uint64_t duplicates = 0;
        std::uint64_t failures = 0;
    };
    [[nodiscard]] Stats stats() const;
    /// The last state a device reported (nullopt: never heard of it).
    [[nodiscard]] std::optional<core::DeviceState> deviceState(const std::string& device) const;

private:
    mutable std::mutex mutex_;
    core::ReadDeduplicator dedup_;
    Next next_;
    Stats stats_;
    std::map<std::string, core::DeviceState> states_;
};

}  // namespace returnscan::station
