// SPDX-License-Identifier: Apache-2.0
// Scanner feedback: the station's cues as scanner commands (good-read beep and green, or the
// error beep and red) on the scanner that read the code.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/core/station_ports.h"
#include "returnscan/firmware_if/channel.h"

namespace returnscan::app {

/// Where a scanner takes its commands.
struct FeedbackTarget {
    std::string path;                             ///< tty, hidraw node or /dev/returnscan/ link
    const firmware_if::Driver* driver = nullptr;  ///< borrowed from the driver table
    /// The input loop's device id: the kiosk's opener then asks input::InputLoop for a
    /// channel to a serial line it holds (TIOCEXCL), or for the node it has open for a hidraw
    /// scanner (found by vendor and product ID, maybe replugged elsewhere), opened a second
    /// time. Empty: open `path`.
    std::string inputDevice{};
};

/// Opens a channel to a target (the kiosk routes serial scanners through its input loop;
/// tests inject one; the default opens `path`).
using ChannelOpener =
    std::function<Result<std::unique_ptr<firmware_if::Channel>>(const FeedbackTarget&)>;

/// Not thread-safe: called from the thread that decides. Each signal() costs at most
/// commands × attempts × replyTimeout (by default 2 × 1 × 150 ms), so a dead scanner cannot
/// stall the kiosk for long; failures are returned, never thrown.
class ScannerFeedback {
public:
    explicit ScannerFeedback(ChannelOpener opener = {}, firmware_if::ExchangeOptions options = {
                                                            std::chrono::milliseconds(150), 1});

    /// Binds the device id that appears in ScanEvent::device to its command target.
    void bind(const std::string& deviceId, FeedbackTarget target);

    /// Whether `deviceId` has a command target.
    [[nodiscard]] bool bound(const std::string& deviceId) const
    {
        const auto it = targets_.find(deviceId);
        return it != targets_.end() && it->second.driver != nullptr;
    }

    /// The commands for a cue, in the order sent: good-read beep and green, or the error beep
    /// and red (station::feedbackFor maps a decision to its cue).
    [[nodiscard]] static std::vector<firmware_if::Command> commandsFor(core::FeedbackCue cue);

    /// Sends the cue's commands to the scanner `deviceId`. Errors: NotFound (no binding),
    /// Io (the device could not be opened). Commands the scanner cannot do come back with
    /// Exchange::Outcome::Unsupported; the others are still sent.
    [[nodiscard]] Result<std::vector<firmware_if::Exchange>> signal(const std::string& deviceId,
                                                                    core::FeedbackCue cue);

private:
    ChannelOpener opener_;
    firmware_if::ExchangeOptions options_;
    std::map<std::string, FeedbackTarget> targets_;
    std::map<std::string, bool> setupDone_;  ///< setup frames (HID feature report) sent once
};

}  // namespace returnscan::app
