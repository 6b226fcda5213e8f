// SPDX-License-Identifier: Apache-2.0
// The "devices" part of the page's state (docs/ui-api.md): every scanner and camera of the
// kiosk with a state word the page shows (ok, absent, error) and a detail.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "read_router.h"

namespace returnscan::app {

/// A camera as the device list shows it.
struct CameraStatus {
    std::string id;
    std::string role;
    std::string state;  ///< ok, absent, error
    std::string source;
};

/// What the kiosk reads from, besides the configured scanners.
struct ExtraScanners {
    std::vector<std::string> fifos;  ///< `--scanner fifo:PATH`
    bool demo = false;               ///< the demo's simulated scanner
};

/// Configured scanners take the state their input device last reported to `router`
/// (present: ok; absent or closed: absent; refused or stalled: error, with the word as detail).
[[nodiscard]] nlohmann::json devicesJson(const std::vector<ScannerEntry>& scanners,
                                         const ReadRouter& router, const ExtraScanners& extra,
                                         const std::vector<CameraStatus>& cameras);

}  // namespace returnscan::app
