// SPDX-License-Identifier: Apache-2.0
// Helpers for the store tests: a fresh temporary directory and a raw second SQLite connection.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

#include "returnscan/core/authorization.h"
#include "returnscan/core/time.h"
#include "support/temp_dir.h"

namespace returnscan::store::testing {

using TempDir = returnscan::tests::TempDir;

/// A second, raw connection to a store's file: what another process (or an attacker with file
/// access) could do behind the store's back.
class RawDb {
public:
    explicit RawDb(const std::string& path)
    {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "raw open of " << path << ": " << sqlite3_errmsg(db_);
        }
        sqlite3_busy_timeout(db_, 5000);
    }
    ~RawDb() { sqlite3_close_v2(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    /// Runs SQL; returns SQLite's result code (and reports failures unless `expectFailure`).
    int exec(const std::string& sql, bool expectFailure = false)
    {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK && !expectFailure) {
            ADD_FAILURE() << "raw exec '" << sql << "': " << (err != nullptr ? err : "?");
        }
        sqlite3_free(err);
        return rc;
    }

    /// First column of the first row as text ("" when there is no row).
    std::string scalar(const std::string& sql)
    {
        sqlite3_stmt* stmt = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "raw prepare '" << sql << "': " << sqlite3_errmsg(db_);
            return out;
        }
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        return out;
    }

    /// The connection itself, for what exec() and scalar() do not cover.
    [[nodiscard]] sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

/// 2026-11-20T10:15:00Z plus `seconds`.
inline core::Timestamp at(std::int64_t seconds = 0)
{
    using namespace std::chrono;
    return sys_days{year{2026} / November / 20} + hours{10} + minutes{15} +
           std::chrono::seconds{seconds};
}

/// An approved authorization with a fixed order and issue time.
inline core::Authorization makeAuth(std::string code, std::optional<std::int64_t> version = 1,
                                    std::string order = "100045678")
{
    core::Authorization a;
    a.code = std::move(code);
    a.order = std::move(order);
    a.status = core::AuthStatus::Approved;
    a.issuedAt = at();
    a.version = version;
    return a;
}

}  // namespace returnscan::store::testing
