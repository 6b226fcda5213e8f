// SPDX-License-Identifier: Apache-2.0
// Implementation header of the input module: device paths as the kernel names them.
#pragma once

#include <string>

namespace returnscan::input::detail {

/// `path` with every symbolic link resolved (/dev/serial/by-id/... becomes /dev/ttyACM0), as
/// udev reports device nodes; `path` unchanged when it cannot be resolved (absent, no access).
/// Defined in discovery.cpp.
[[nodiscard]] std::string canonicalPath(const std::string& path);

}  // namespace returnscan::input::detail
