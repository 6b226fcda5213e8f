// SPDX-License-Identifier: Apache-2.0
// Registration of the command groups that live in their own files (one per adapter module).
#pragma once

#include <string>
#include <vector>

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
/// `pin-hash`.
void addKioskCommands(CLI::App& app, const Globals& globals, int& status);

/// The options of `kiosk` (both the web kiosk and the terminal kiosk).
struct KioskArgs {
    bool demo = false;
    bool terminal = false;  ///< the terminal kiosk (stdin scans) instead of the web kiosk
    std::string config;     ///< web kiosk: the TOML file
    std::string http;       ///< web kiosk: HOST:PORT, overrides [ui] listen
    std::vector<std::string> scanners;   ///< web kiosk: fifo:PATH
    std::string demoScript = "default";  ///< web demo: default, none
    bool listDemoCodes = false;
    bool checkConfig = false;
    std::string script;
    int paceMs = -1;
    bool keep = false;
    std::string station;
    std::string operatorId = "operator";
};

/// The web kiosk (`kiosk` without --terminal): returns the exit status.
[[nodiscard]] int runWebKiosk(const Globals& globals, const KioskArgs& args);

}  // namespace returnscan::app
