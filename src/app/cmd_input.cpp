// SPDX-License-Identifier: Apache-2.0
// The input module's commands (none yet).
#include <CLI/CLI.hpp>

#include "commands.h"

namespace returnscan::app {

void addInputCommands(CLI::App& /*app*/, const Globals& /*globals*/, int& /*status*/)
{
}

}  // namespace returnscan::app
