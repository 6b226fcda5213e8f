// SPDX-License-Identifier: Apache-2.0
// The station's scanner feedback port in the kiosk: cues are sent from a feedback thread of
// their own (a silent scanner costs its retry budget there, never on the station thread).
#pragma once

#include <map>
#include <string>

#include "feedback.h"
#include "returnscan/core/log.h"
#include "returnscan/core/station_ports.h"
#include "task_thread.h"

namespace returnscan::app {

class FeedbackService final : public core::ScannerFeedbackPort {
public:
    /// `demo`: print the simulated scanners' beeps and LEDs ("demo..." devices) on stdout.
    FeedbackService(ChannelOpener opener, bool demo);
    ~FeedbackService() override;

    /// Binds a scanner before start().
    void bind(const std::string& deviceId, FeedbackTarget target);
    void start();
    void stop();

    // core::ScannerFeedbackPort: queues the commands; a failure is reported once per failure
    // spell and scanner, and again when the scanner answers again.
    void signal(const std::string& device, core::FeedbackCue cue) override;

private:
    void send(const std::string& device, core::FeedbackCue cue);

    ScannerFeedback feedback_;
    bool demo_;
    /// Per scanner: a failure is logged once per spell (feedback thread only).
    std::map<std::string, core::FailureSpell> spells_;
    TaskThread thread_{nullptr};
};

}  // namespace returnscan::app
