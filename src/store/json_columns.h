// SPDX-License-Identifier: Apache-2.0
// Implementation header of the store: the JSON columns (authorizations.lines_json,
// receipts.flags_json and override_json), written and read by hand where the import or the
// decision path is benchmarked, through nlohmann-json elsewhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/receipt.h"
#include "returnscan/core/result.h"

namespace returnscan::store::detail {

/// Lines as stored: a JSON array of {sku, gtin, qty, description} in that key order. Written by
/// hand because bulk import is benchmarked against a bare insert loop.
[[nodiscard]] std::string encodeLines(const std::vector<core::AuthLine>& lines);

/// The lines of authorization `code` from its lines_json: the fixed layout encodeLines() writes
/// through a small reader (findCode is on the decision path), anything else through nlohmann.
/// Errors: Corrupt when the text is not a lines array.
[[nodiscard]] Result<std::vector<core::AuthLine>> decodeLines(std::string_view text,
                                                              std::string_view code);

/// flags_json: a JSON array of strings.
[[nodiscard]] std::string encodeFlags(const std::vector<std::string>& flags);

/// override_json: {"by", "reason", "at" (seconds), "outcome"}.
[[nodiscard]] std::string encodeOverride(const core::Override& o);

/// Sets r.flags and r.override_ from the stored columns. Errors: Corrupt naming the receipt.
[[nodiscard]] Status decodeReceiptJson(std::string_view flagsJson,
                                       const std::optional<std::string_view>& overrideJson,
                                       core::Receipt& r);

}  // namespace returnscan::store::detail
