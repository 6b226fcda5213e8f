// SPDX-License-Identifier: Apache-2.0
// Built-in demo data: authorizations relative to today covering every decision-table row,
// and the scan script `kiosk --demo` plays.
#pragma once

#include <string>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/time.h"

namespace returnscan::app {

struct DemoData {
    std::vector<core::Authorization> authorizations;
    /// Codes that the demo set-up receives once before the script, so the script can show
    /// `already_received`.
    std::vector<std::string> preReceived;
};

/// Deterministic for a given UTC day: every date is midnight of `now`'s day plus an offset.
[[nodiscard]] DemoData makeDemoData(core::Timestamp now);

/// The demo scan script (format: docs/kiosk-demo.md), one scan or command per line.
[[nodiscard]] std::string demoScript();

/// The demo code with the given 9-character body (check character added).
[[nodiscard]] std::string demoCode(const std::string& body);

}  // namespace returnscan::app
