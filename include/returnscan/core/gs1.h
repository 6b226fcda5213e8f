// SPDX-License-Identifier: Apache-2.0
// GS1 element strings: GS-separated (as transmitted) and bracketed (`(01)...` / `[01]...`) forms.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/result.h"

namespace returnscan::core {

/// ASCII 29, the group separator that stands for FNC1 inside a transmitted element string.
inline constexpr char kGs = '\x1d';

struct Gs1Element {
    std::string ai;     ///< application identifier, 2 to 4 digits, e.g. "01"
    std::string value;  ///< the data after the AI

    friend bool operator==(const Gs1Element&, const Gs1Element&) = default;
};

/// Length of the AI that begins `digits` (by the GS1 table keyed on the first two digits),
/// or 0 when those digits start no known AI.
[[nodiscard]] std::size_t gs1AiLength(std::string_view digits);

/// Total length (AI + data) of an element whose AI starts with these two digits when that
/// prefix is in the GS1 predefined-length table (no separator follows), else 0.
[[nodiscard]] std::size_t gs1PredefinedLength(std::string_view aiPrefix);

/// Parses a transmitted element string: concatenated AI+value, variable-length values ended
/// by GS or the end. A leading GS (FNC1) is skipped. Check digits of (00) SSCC, (01) GTIN and
/// (02) are verified. Errors (ErrorCode::Parse) say which element is wrong.
[[nodiscard]] Result<std::vector<Gs1Element>> parseGs1(std::string_view data);

/// Parses the human-readable bracketed form `(01)04006381333931(10)ABC` or `[01]...`.
[[nodiscard]] Result<std::vector<Gs1Element>> parseGs1Bracketed(std::string_view text);

/// True when `digits` (all digits, length 8, 12, 13, 14 or 18) ends in its GS1 mod-10 check digit.
[[nodiscard]] bool gs1CheckDigitValid(std::string_view digits);

}  // namespace returnscan::core
