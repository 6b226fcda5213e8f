// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by the core's implementation files (not part of the public API).
#pragma once

#include <string_view>

namespace returnscan::core::detail {

/// True for the whitespace a scanner or a terminal may add around a read (CR, LF, space, tab).
constexpr bool isEdgeSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// `text` without the CR/LF/space/tab at either end; nothing else is normalised.
constexpr std::string_view trimEdges(std::string_view text)
{
    while (!text.empty() && isEdgeSpace(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isEdgeSpace(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

constexpr bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

constexpr bool allDigits(std::string_view s)
{
    for (char c : s) {
        if (!isDigit(c)) {
            return false;
        }
    }
    return true;
}

}  // namespace returnscan::core::detail
