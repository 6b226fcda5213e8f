// SPDX-License-Identifier: Apache-2.0
// The station's one event path for reads: scanners and cameras, de-duplicated across devices.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "returnscan/core/scan_event.h"
#include "returnscan/input/scanner.h"
#include "returnscan/vision/capture.h"

namespace returnscan::app {

/// Every read of the station passes here: scanner reads from the input loop (this is its
/// InputSink) and camera reads from camera worker threads (cameraSink()). One
/// core::ReadDeduplicator across devices drops a read that any device delivered within the
/// window, so the overhead camera seeing the label the handheld just scanned is not a second
/// parcel event. Admitted events go to `next`, called with the router's lock held, in the order
/// they were admitted: `next` must be quick (queue the event, don't decide a parcel there).
/// Thread-safe.
class ReadRouter final : public input::InputSink {
public:
    using Next = std::function<void(const core::ScanEvent&)>;

    ReadRouter(std::chrono::milliseconds window, Next next);

    /// Offers one read from any thread; true when it was passed on, false for a repeat.
    bool submit(const core::ScanEvent& event);

    /// The callback a vision::CameraReader takes; it submits here.
    [[nodiscard]] vision::CameraReader::Sink cameraSink();

    // input::InputSink
    void onScan(const core::ScanEvent& event) override;
    void onReadFailure(const input::ReadFailure& failure) override;
    void onDeviceState(const std::string& device, input::DeviceState state,
                       std::string_view detail) override;

    struct Stats {
        std::uint64_t admitted = 0;
        std::uint64_t duplicates = 0;
        std::uint64_t failures = 0;
    };
    [[nodiscard]] Stats stats() const;
    /// The last state a scanner reported (nullopt: never heard of it).
    [[nodiscard]] std::optional<input::DeviceState> deviceState(const std::string& device) const;

private:
    mutable std::mutex mutex_;
    core::ReadDeduplicator dedup_;
    Next next_;
    Stats stats_;
    std::map<std::string, input::DeviceState> states_;
};

}  // namespace returnscan::app
