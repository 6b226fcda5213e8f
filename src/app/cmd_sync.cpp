// SPDX-License-Identifier: Apache-2.0
// The sync module's commands (none yet).
#include <CLI/CLI.hpp>

#include "commands.h"

namespace returnscan::app {

void addSyncCommands(CLI::App& /*app*/, const Globals& /*globals*/, int& /*status*/)
{
}

}  // namespace returnscan::app
