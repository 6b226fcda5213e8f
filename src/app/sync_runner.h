// SPDX-License-Identifier: Apache-2.0
// The kiosk's sync: `returnscan sync --once` started as a child process (its own store
// connection, like the systemd timer's run), reaped when it ends, and the sync part of the
// page's state.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "returnscan/station/station.h"
#include "returnscan/store/store.h"

namespace returnscan::app {

/// Station thread only.
class SyncRunner {
public:
    SyncRunner(const KioskConfig& config, std::string executable = "/proc/self/exe");
    ~SyncRunner();

    /// The command line of the child (argv[0] first).
    [[nodiscard]] std::vector<std::string> arguments() const;

    /// Starts a run. Fails with sync_not_configured (no central URL), sync_running, or
    /// sync_failed (the child could not be started).
    station::ActionResult start();
    /// Reaps the child when it has ended; true when it did just now.
    bool poll();
    [[nodiscard]] bool running() const { return pid_ > 0; }

    /// The "sync" part of the state JSON (docs/ui-api.md), read from the store.
    [[nodiscard]] nlohmann::json status(store::SqliteStore& store) const;

private:
    const KioskConfig& config_;
    std::string executable_;
    pid_t pid_ = 0;
};

}  // namespace returnscan::app
