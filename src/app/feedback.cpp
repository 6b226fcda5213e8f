// SPDX-License-Identifier: Apache-2.0
// Decision to scanner feedback (beep and LED per outcome).
#include "feedback.h"

namespace returnscan::app {

namespace fw = firmware_if;

ScannerFeedback::ScannerFeedback(ChannelOpener opener, fw::ExchangeOptions options)
    : opener_(std::move(opener)), options_(options)
{
    if (!opener_) {
        opener_ = [](const FeedbackTarget& t) {
            return t.driver->hid ? fw::openHidrawChannel(t.path) : fw::openSerialChannel(t.path);
        };
    }
}

void ScannerFeedback::bind(const std::string& deviceId, FeedbackTarget target)
{
    targets_[deviceId] = std::move(target);
    setupDone_.erase(deviceId);
}

std::vector<fw::Command> ScannerFeedback::commandsFor(core::FeedbackCue cue)
{
    if (cue == core::FeedbackCue::Good)
        return {fw::Command::BeepGood, fw::Command::LedGreen};
    return {fw::Command::BeepError, fw::Command::LedRed};
}

Result<std::vector<fw::Exchange>> ScannerFeedback::signal(const std::string& deviceId,
                                                          core::FeedbackCue cue)
{
    const auto it = targets_.find(deviceId);
    if (it == targets_.end() || it->second.driver == nullptr)
        return makeError(ErrorCode::NotFound, "no command target bound for scanner " + deviceId);
    auto channel = opener_(it->second);
    if (!channel)
        return channel.error();
    std::vector<fw::Exchange> done;
    for (fw::Command c : commandsFor(cue)) {
        fw::Request r;
        r.command = c;
        const bool withSetup = !setupDone_[deviceId];
        done.push_back(fw::exchange(**channel, *it->second.driver, r, options_, withSetup));
        if (done.back().outcome != fw::Exchange::Outcome::Unsupported)
            setupDone_[deviceId] = true;
    }
    return done;
}

}  // namespace returnscan::app
