// SPDX-License-Identifier: Apache-2.0
// The version line; the only file that includes the generated header, so a new commit
// recompiles this file alone.
#include "version.h"

#include "build_version.h"

namespace returnscan::app {

std::string versionLine()
{
    return std::string("returnscan ") + RETURNSCAN_VERSION + " (revision " + RETURNSCAN_REVISION +
           ")";
}

}  // namespace returnscan::app
