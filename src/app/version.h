// SPDX-License-Identifier: Apache-2.0
// The program's version and the git revision it was built from (`returnscan --version`).
#pragma once

#include <string>

namespace returnscan::app {

/// "returnscan VERSION (revision REV)": VERSION is the package's version (x.y.z for a release,
/// x.y.z+gitN.gCOMMIT between releases), REV the commit id ("unknown" outside a git checkout).
/// Fixed when the build is configured (cmake/ReturnscanVersion.cmake).
[[nodiscard]] std::string versionLine();

}  // namespace returnscan::app
