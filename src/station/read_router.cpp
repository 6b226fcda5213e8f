// SPDX-License-Identifier: Apache-2.0
#include "returnscan/station/read_router.h"

namespace returnscan::station {

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
    if (next_) {
        next_(event);
    }
    return true;
}

void ReadRouter::noteFailure(const std::string& /*device*/)
{
    std::lock_guard lock(mutex_);
    ++stats_.failures;
}

void ReadRouter::noteDeviceState(const std::string& device, core::DeviceState state)
{
    std::lock_guard lock(mutex_);
    states_[device] = state;
}

ReadRouter::Stats ReadRouter::stats() const
{
    std::lock_guard lock(mutex_);
    return stats_;
}

std::optional<core::DeviceState> ReadRouter::deviceState(const std::string& device) const
{
    std::lock_guard lock(mutex_);
    auto it = states_.find(device);
    if (it == states_.end()) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace returnscan::station
