// SPDX-License-Identifier: Apache-2.0
// Registration of the command groups that live in their own files (one per adapter module).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace returnscan::app {

/// Options every command sees.
struct Globals {
    std::string db;  ///< the SQLite database path (--db, RETURNSCAN_DB, or the default)
};

/// Each adds its subcommands to `app`. A subcommand's callback stores its exit status in
/// `status`; `globals` is filled in by the time any callback runs.
void addInputCommands(CLI::App& app, const Globals& globals, int& status);
void addVisionCommands(CLI::App& app, const Globals& globals, int& status);
void addSyncCommands(CLI::App& app, const Globals& globals, int& status);
void addFirmwareCommands(CLI::App& app, const Globals& globals, int& status);

}  // namespace returnscan::app
