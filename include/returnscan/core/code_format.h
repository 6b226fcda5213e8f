// SPDX-License-Identifier: Apache-2.0
// Printed code formats (return codes, order numbers): a pattern plus a check scheme.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/result.h"

namespace returnscan::core {

/// Longest text any read may have; longer reads are refused before any other processing.
inline constexpr std::size_t kMaxReadBytes = 256;

/// A compiled anchored pattern in a small, linear-time subset of regular expressions:
/// literal characters, character classes `[A-Z0-9]`, and counted repetition `{n}` or `{n,m}`
/// after a literal or class. Example: `RC[0-9A-Z]{10}`. No backtracking: matching is O(length).
class Pattern {
public:
    /// Compiles `text`; ErrorCode::InvalidArgument names the offending position.
    [[nodiscard]] static Result<Pattern> compile(std::string_view text);

    /// True when the whole of `s` matches.
    [[nodiscard]] bool matches(std::string_view s) const;

    [[nodiscard]] const std::string& source() const { return source_; }

private:
    struct Atom {
        bool allowed[256];
        std::size_t min;
        std::size_t max;
    };
    std::vector<Atom> atoms_;
    std::string source_;
};

/// Check-character schemes understood by the station.
enum class CheckScheme {
    None,             ///< no check character
    Iso7064Mod37_36,  ///< ISO/IEC 7064 MOD 37,36 (hybrid), alphabet 0-9A-Z; last character is the
                      ///< check
    Gs1Mod10,         ///< GS1 mod-10 over digits; last digit is the check
};

/// Parses `none`, `iso7064-mod37-36`, `gs1-mod10`.
[[nodiscard]] Result<CheckScheme> parseCheckScheme(std::string_view name);
[[nodiscard]] std::string_view toString(CheckScheme scheme);

/// ISO/IEC 7064 MOD 37,36 check character over `body` (characters 0-9A-Z); nullopt when `body`
/// holds any other character. Example: `A12425GABC1234002` gives 'M'.
[[nodiscard]] std::optional<char> iso7064Mod37_36Check(std::string_view body);

/// GS1 mod-10 check digit over `body` (digits only); nullopt when a non-digit is present.
[[nodiscard]] std::optional<char> gs1Mod10Check(std::string_view body);

/// A format: the text must match `pattern` in full, and its last character must be the check
/// character of the rest under `check`.
struct CodeFormat {
    Pattern pattern;
    CheckScheme check = CheckScheme::None;

    /// True when `text` matches the pattern and the check character is right.
    [[nodiscard]] bool valid(std::string_view text) const;

    /// Builds a format from configuration text.
    [[nodiscard]] static Result<CodeFormat> make(std::string_view pattern, CheckScheme check);
};

/// The formats the station works with, from configuration.
struct CodeFormats {
    CodeFormat returnCode;  ///< default `RC[0-9A-Z]{10}` with iso7064-mod37-36
    CodeFormat order;       ///< default `[0-9]{9}` with no check
    /// Prefix that marks a read as "meant to be a return code" even when malformed (default "RC").
    std::string returnCodePrefix = "RC";

    /// The central API's default formats (central-api.md, "Return codes and order numbers").
    [[nodiscard]] static CodeFormats defaults();
};

/// Appends the check character of `body` under `scheme` (for demo data and tests).
/// Error when `body` has characters outside the scheme's alphabet.
[[nodiscard]] Result<std::string> withCheckCharacter(std::string_view body, CheckScheme scheme);

/// A printable, bounded rendering of untrusted text for messages and logs: at most 64 bytes
/// of input shown, bytes outside printable ASCII as `\xNN`, and `...` when truncated.
[[nodiscard]] std::string displaySafe(std::string_view text);

}  // namespace returnscan::core
