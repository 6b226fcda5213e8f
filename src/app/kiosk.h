// SPDX-License-Identifier: Apache-2.0
// The kiosk process: the station thread, the scanners, the cameras, the web UI, the sync
// schedule and systemd's readiness and watchdog, wired from a KioskConfig.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "returnscan/vision/synthetic.h"

namespace returnscan::app {

struct KioskRun {
    KioskConfig config;
    /// FIFOs read as scanners, one scan per line (created when absent): `--scanner fifo:PATH`.
    std::vector<std::string> fifoScanners;
    /// Demo: the scripted parcels to play ("" none), with this pause between steps.
    std::vector<std::string> demoSteps;
    int paceMs = 1500;
    /// Demo: print the simulated scanners' beeps and LEDs on stdout.
    bool demoFeedback = false;
    /// Called on the station thread after every change with the open, decided parcel's order
    /// (the demo's simulated camera shows that order's label); may be empty.
    std::function<void(const std::optional<std::string>&)> onOpenOrder;
    /// The scene of `synthetic:` cameras (demo and tests); null: each has its own.
    std::shared_ptr<vision::SyntheticControl> syntheticControl;
    /// Set to stop the kiosk (besides SIGTERM/SIGINT); may be null.
    std::atomic<bool>* stop = nullptr;
};

/// Runs until SIGTERM/SIGINT (or `run.stop`). Prints "returnscan: UI at URL" on stdout once
/// serving. Returns the process exit status: 0 after a clean stop, 2 when the start failed
/// (the reason on stderr).
[[nodiscard]] int runKioskService(const KioskRun& run);

}  // namespace returnscan::app
