// SPDX-License-Identifier: Apache-2.0
// Reading authorizations from JSON Lines and CSV files (and single JSON objects, for sync).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/result.h"
#include "returnscan/store/store.h"

namespace returnscan::store {

/// Parses one authorization object as in central-api.md section 1 (unknown fields ignored).
/// Also validates it against `formats`. Errors name the field and the problem.
[[nodiscard]] Result<core::Authorization> parseAuthorizationJson(std::string_view json,
                                                                 const core::CodeFormats& formats);

/// The CSV header the importer accepts (exactly, after trimming; `version` may follow).
inline constexpr std::string_view kCsvHeader = "code,order,status,issued_at,expires_at,category";

enum class ImportFormat { JsonLines, Csv };

struct ImportProblem {
    std::int64_t line = 0;  ///< 1-based line number in the file
    std::string message;    ///< why the row was refused (display-safe)
};

struct ImportReport {
    ImportFormat format = ImportFormat::JsonLines;
    std::int64_t imported = 0;   ///< new codes
    std::int64_t updated = 0;    ///< stored codes replaced by a higher version
    std::int64_t unchanged = 0;  ///< rows that did not replace the stored one
    std::int64_t invalid = 0;    ///< refused rows (see problems)
    std::vector<ImportProblem> problems;
    bool committed = false;  ///< false when --strict refused the file
};

struct ImportOptions {
    bool strict = false;  ///< any invalid row: nothing is written
    /// Called every few thousand rows with (bytes read, total bytes); may be empty.
    std::function<void(std::uint64_t, std::uint64_t)> progress;
};

/// Imports a JSON Lines or CSV file (detected from its first non-empty line) in one write
/// transaction. Blank lines are skipped. Lines over 64 KiB are invalid rows. Errors: Io when
/// the file cannot be read, Parse when it is neither format (unknown CSV header).
[[nodiscard]] Result<ImportReport> importAuthorizations(SqliteStore& store, const std::string& path,
                                                        const core::CodeFormats& formats,
                                                        const ImportOptions& options = {});

}  // namespace returnscan::store
