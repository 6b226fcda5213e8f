// SPDX-License-Identifier: Apache-2.0
// The presenter of the operator page: turns the station's view into the state JSON of
// docs/ui-api.md. The workflow (src/station) knows no JSON; this file knows no workflow.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "returnscan/core/session.h"
#include "returnscan/station/station.h"

namespace returnscan::app {

/// The "missing" list: [{"what": "condition"}, {"what": "photo", "role": ..., "count": n}].
[[nodiscard]] nlohmann::json missingJson(const std::vector<core::Missing>& missing);

/// The state JSON without its "devices" and "sync" parts (the kiosk adds those).
[[nodiscard]] nlohmann::json stateJson(const station::StationView& view);

}  // namespace returnscan::app
