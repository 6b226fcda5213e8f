// SPDX-License-Identifier: Apache-2.0
// The `returnscan` command line.
#pragma once

namespace returnscan::app {

/// Exit statuses shared by every command (documented in docs/cli.md).
inline constexpr int kExitOk = 0;       ///< success; for check/receive: accepted
inline constexpr int kExitRefused = 1;  ///< check/receive: rejected or held; import: invalid rows
inline constexpr int kExitUsage = 2;    ///< usage or data error (message on stderr)

/// Parses the arguments and runs the command; returns the process exit status.
int runCli(int argc, char** argv);

}  // namespace returnscan::app
