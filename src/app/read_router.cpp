// SPDX-License-Identifier: Apache-2.0
// The one event path for scanner and camera reads.
#include "read_router.h"

namespace returnscan::app {

ReadRouter::ReadRouter(std::chrono::milliseconds window, Next next)
    : dedup_(window, /*acrossDevices=*/true), next_(std::move(next))
{
}

bool ReadRouter::submit(const core::ScanEvent& event)
{
    std::lock_guard lock(mutex_);
    if (!dedup_.admit(event)) {
        ++stats_.duplicates;
        return false;
    }
    ++stats_.admitted;
    if (next_)
        next_(event);
    return true;
}

vision::CameraReader::Sink ReadRouter::cameraSink()
{
    return [this](core::ScanEvent e) { (void)submit(e); };
}

void ReadRouter::onScan(const core::ScanEvent& event)
{
    (void)submit(event);
}

void ReadRouter::onReadFailure(const input::ReadFailure& /*failure*/)
{
    std::lock_guard lock(mutex_);
    ++stats_.failures;
}

void ReadRouter::onDeviceState(const std::string& device, input::DeviceState state,
                               std::string_view /*detail*/)
{
    std::lock_guard lock(mutex_);
    states_[device] = state;
}

ReadRouter::Stats ReadRouter::stats() const
{
    std::lock_guard lock(mutex_);
    return stats_;
}

std::optional<input::DeviceState> ReadRouter::deviceState(const std::string& device) const
{
    std::lock_guard lock(mutex_);
    auto it = states_.find(device);
    if (it == states_.end())
        return std::nullopt;
    return it->second;
}

}  // namespace returnscan::app
