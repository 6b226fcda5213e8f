// SPDX-License-Identifier: Apache-2.0
#include "kiosk_feedback.h"

#include <iostream>

namespace returnscan::app {

namespace fw = firmware_if;

FeedbackService::FeedbackService(ChannelOpener opener, bool demo)
    : feedback_(std::move(opener)), demo_(demo)
{
}

FeedbackService::~FeedbackService()
{
    stop();
}

void FeedbackService::bind(const std::string& deviceId, FeedbackTarget target)
{
    feedback_.bind(deviceId, std::move(target));
}

void FeedbackService::start()
{
    thread_.start();
}

void FeedbackService::stop()
{
    thread_.stop();
}

void FeedbackService::signal(const std::string& device, core::FeedbackCue cue)
{
    if (demo_ && device.starts_with("demo")) {
        std::cout << "[" << device << "] "
                  << (cue == core::FeedbackCue::Good ? "good-read beep, LED green"
                                                     : "error beep, LED red")
                  << std::endl;
        return;
    }
    thread_.post([this, device, cue] { send(device, cue); });
}

void FeedbackService::send(const std::string& device, core::FeedbackCue cue)
{
    if (!feedback_.bound(device)) {
        return;  // a scanner without feedback, the page, a FIFO
    }
    auto r = feedback_.signal(device, cue);
    std::string problem = r ? std::string() : r.error().message;
    if (r) {
        const auto commands = ScannerFeedback::commandsFor(cue);
        for (std::size_t i = 0; i < r->size() && problem.empty(); ++i) {
            const auto& ex = (*r)[i];
            const auto outcome = ex.outcome;
            if (outcome == fw::Exchange::Outcome::Nak ||
                outcome == fw::Exchange::Outcome::NoAnswer ||
                outcome == fw::Exchange::Outcome::Failed) {
                problem = std::string(fw::toString(commands.at(i))) + ": " +
                          std::string(fw::toString(outcome)) + " (" + ex.detail + ")";
            }
        }
    }
    // Once per failure spell and scanner, so a dead scanner does not fill the journal with a
    // line per parcel; a scanner that answers again ends the spell with one line.
    auto it = spells_.find(device);
    if (it == spells_.end()) {
        it = spells_
                 .emplace(device,
                          core::FailureSpell(core::Logger(core::LogCategory::Firmware, device)))
                 .first;
    }
    if (problem.empty()) {
        (void)it->second.recovered("feedback on scanner " + device + " works again");
    } else {
        (void)it->second.failed("no feedback on scanner " + device + ": " + problem,
                                {.key = "feedback"});
    }
}

}  // namespace returnscan::app
