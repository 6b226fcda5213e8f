// SPDX-License-Identifier: Apache-2.0
#include "read_router.h"

namespace returnscan::app {

vision::CameraReader::Sink ReadRouter::cameraSink()
{
    return [this](core::ScanEvent e) { (void)submit(e); };
}

void ReadRouter::onScan(const core::ScanEvent& event)
{
    (void)submit(event);
}

void ReadRouter::onReadFailure(const input::ReadFailure& failure)
{
    noteFailure(failure.device);
}

void ReadRouter::onDeviceState(const std::string& device, input::DeviceState state,
                               std::string_view /*detail*/)
{
    noteDeviceState(device, state);
}

}  // namespace returnscan::app
