// SPDX-License-Identifier: Apache-2.0
// Scan events: transport names and de-duplication of repeated reads.
#include "returnscan/core/scan_event.h"

namespace returnscan::core {

std::string_view toString(DeviceState s)
{
    switch (s) {
        case DeviceState::Absent:
            return "absent";
        case DeviceState::Present:
            return "present";
        case DeviceState::Refused:
            return "refused";
        case DeviceState::Stalled:
            return "stalled";
        case DeviceState::Closed:
            return "closed";
    }
    return "absent";
}

std::string_view toString(Transport t)
{
    switch (t) {
        case Transport::Evdev:
            return "evdev";
        case Transport::Hidraw:
            return "hidraw";
        case Transport::Libusb:
            return "libusb";
        case Transport::Serial:
            return "serial";
        case Transport::Camera:
            return "camera";
        case Transport::File:
            return "file";
        case Transport::Stdin:
            return "stdin";
    }
    return "stdin";
}

bool ReadDeduplicator::admit(const ScanEvent& e)
{
    // Forget what fell out of the window (events arrive in monotonic order per loop; an
    // out-of-order older event simply finds nothing to compare with).
    while (!recent_.empty() && e.monotonic - recent_.front().at > window_) {
        recent_.pop_front();
    }
    for (const Seen& s : recent_) {
        if (s.data == e.data && (acrossDevices_ || s.device == e.device) &&
            e.monotonic - s.at <= window_) {
            return false;
        }
    }
    // Bounded: at most one entry per distinct read inside the window, and never more than 256
    // (a flood of distinct reads must not grow memory).
    if (recent_.size() >= 256)
        recent_.pop_front();
    recent_.push_back({e.device, e.data, e.monotonic});
    return true;
}

}  // namespace returnscan::core
