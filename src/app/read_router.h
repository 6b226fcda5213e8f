// SPDX-License-Identifier: Apache-2.0
// The station's read path (station::ReadRouter) as the input loop's InputSink and the cameras'
// callback: the adapter between the device modules and the station.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "returnscan/core/scan_event.h"
#include "returnscan/input/scanner.h"
#include "returnscan/station/read_router.h"
#include "returnscan/vision/capture.h"

namespace returnscan::app {

/// Every read of the station passes here: scanner reads from the input loop (this is its
/// InputSink) and camera reads from camera worker threads (cameraSink()), into the station's
/// de-duplicating router. Thread-safe.
class ReadRouter final : public station::ReadRouter, public input::InputSink {
public:
    using station::ReadRouter::ReadRouter;

    /// The callback a vision::CameraReader takes; it submits here.
    [[nodiscard]] vision::CameraReader::Sink cameraSink();

    // input::InputSink
    void onScan(const core::ScanEvent& event) override;
    void onReadFailure(const input::ReadFailure& failure) override;
    void onDeviceState(const std::string& device, input::DeviceState state,
                       std::string_view detail) override;
};

}  // namespace returnscan::app
