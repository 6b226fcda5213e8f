// SPDX-License-Identifier: Apache-2.0
// UTF-8 validation, shared by read checks and by everything that stores text as JSON.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace returnscan::core {

/// Offset of the first byte that breaks UTF-8 in `s` (a bad lead byte, a truncated sequence or
/// a bad continuation byte, an overlong form, a surrogate, or a code point above U+10FFFF);
/// nullopt when all of `s` is valid UTF-8.
[[nodiscard]] std::optional<std::size_t> firstInvalidUtf8(std::string_view s);

}  // namespace returnscan::core
