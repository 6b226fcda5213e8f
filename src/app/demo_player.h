// SPDX-License-Identifier: Apache-2.0
// The demo's simulated operator and scanner: plays the scripted steps of `kiosk --demo`
// (`say TEXT`, `scan TEXT`, `no-code`, `condition GRADE`, `flag FLAG`, `photo ROLE`,
// `complete`; docs/kiosk-demo.md) once, on a thread of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "returnscan/core/clock.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/station/station.h"

namespace returnscan::app {

class DemoPlayer {
public:
    using Act = std::function<station::ActionResult(std::string_view, const nlohmann::json&)>;
    using Scan = std::function<void(const core::ScanEvent&)>;

    /// `out` gets the `say` lines and failed steps. `startDelay` before the first step, `pace`
    /// between steps.
    DemoPlayer(std::vector<std::string> steps, Act act, Scan scan, const core::Clock& clock,
               std::ostream& out, std::chrono::milliseconds pace,
               std::chrono::milliseconds startDelay = std::chrono::milliseconds(1500));
    ~DemoPlayer();

    void start();
    /// Stops between steps (waits for the step under way).
    void stop();
    /// Plays the steps on the calling thread (tests); returns false when stopped.
    bool play();

private:
    bool pause(std::chrono::milliseconds d);

    std::vector<std::string> steps_;
    Act act_;
    Scan scan_;
    const core::Clock& clock_;
    std::ostream& out_;
    std::chrono::milliseconds pace_;
    std::chrono::milliseconds startDelay_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
    std::thread thread_;
};

}  // namespace returnscan::app
