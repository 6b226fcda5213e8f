// SPDX-License-Identifier: Apache-2.0
// Internal helpers of the durable-write path shared by photos and clips.
#pragma once

#include <string>

#include "returnscan/core/result.h"

namespace returnscan::vision::detail {

/// fsync of `path` (a file or a directory). Errors: Io.
[[nodiscard]] Status fsyncPath(const std::string& path, bool directory);

/// SHA-256 (hex) and size of the file at `path`. Errors: Io.
[[nodiscard]] Result<std::pair<std::string, std::uint64_t>> hashFile(const std::string& path);

/// Renames `from` to `dir/name` and fsyncs `dir`. Errors: Io.
[[nodiscard]] Status publish(const std::string& from, const std::string& dir,
                             const std::string& name);

/// An Io error with errno's text.
[[nodiscard]] Error ioError(const std::string& doing, int err);

}  // namespace returnscan::vision::detail
