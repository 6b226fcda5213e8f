// SPDX-License-Identifier: Apache-2.0
// Built-in demo data: authorizations relative to today covering every decision-table row,
// and the scan script `kiosk --demo` plays.
#pragma once

#include <string>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/ports.h"
#include "returnscan/core/result.h"
#include "returnscan/core/time.h"
#include "returnscan/store/store.h"

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

/// A demo code and what the station decides for it on a fresh demo database.
struct DemoCode {
    std::string code;
    std::string expect;  ///< accepted, rejected or held
    std::string reason;  ///< the reason word
    std::string order;   ///< order label to scan first ("" none)
};

/// Every demo case, for `kiosk --demo --list-demo-codes` and the browser tests.
[[nodiscard]] std::vector<DemoCode> demoCodes();

/// The web kiosk demo's scripted parcels, one step per entry: `say TEXT`, `scan TEXT`,
/// `no-code`, `condition GRADE`, `flag FLAG`, `photo ROLE`, `complete`.
[[nodiscard]] std::vector<std::string> webDemoSteps();

/// Loads the demo authorizations into `st` and receives the pre-received codes.
[[nodiscard]] Status seedDemo(store::SqliteStore& st, const core::Clock& clock, core::IdSource& ids,
                              const std::string& station);

/// A temporary data directory for the demo, removed with its contents at exit unless keep().
class DemoDir {
public:
    DemoDir();
    ~DemoDir();
    DemoDir(const DemoDir&) = delete;
    DemoDir& operator=(const DemoDir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    void keep() { keep_ = true; }

private:
    std::string path_;
    bool keep_ = false;
};

}  // namespace returnscan::app
