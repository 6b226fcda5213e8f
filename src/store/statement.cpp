// SPDX-License-Identifier: Apache-2.0
// The store's statement machinery: SQLite result codes to our errors, the prepared-statement
// cache, and the parts of Stmt that are not on the hot path.
#include "statement.h"

#include "returnscan/core/log.h"

#include <utility>

namespace returnscan::store::detail {

ErrorCode mapSqliteCode(int rc)
{
    switch (rc & 0xff) {  // the primary code of an extended result code
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return ErrorCode::Busy;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return ErrorCode::Corrupt;
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_FULL:
            return ErrorCode::Io;
        default:
            return ErrorCode::Database;
    }
}

Error sqliteError(sqlite3* db, int rc, std::string_view doing, std::source_location where)
{
    std::string message = "SQLite failed while ";
    message += doing;
    message += ": ";
    // sqlite3_errmsg describes the most recent failed call on the connection; fall back to the
    // generic text when the connection's last error is not this one (or there is no connection).
    if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
        message += sqlite3_errmsg(db);
    } else {
        message += sqlite3_errstr(rc);
    }
    if ((rc & 0xff) == SQLITE_FULL) {
        message += " (disk full: nothing of this write was stored; free space and retry)";
    }
    message += " [SQLite code ";
    message += std::to_string(rc);
    message += "]";
    const ErrorCode code = mapSqliteCode(rc);
    if (code == ErrorCode::Busy || code == ErrorCode::Corrupt) {
        // Busy beyond the timeout or a damaged file: worth an operator's look. Rate-limited
        // per kind (a stuck writer makes every call fail the same way).
        core::Logger(core::LogCategory::Store)
            .error(message, {.fields = {{"sqlite_code", std::to_string(rc)}},
                             .key = code == ErrorCode::Busy ? "busy" : "corrupt"},
                   where);
    }
    return makeError(code, std::move(message), where);
}

int StatementCache::prepare(sqlite3* db, Sql id, sqlite3_stmt*& out)
{
    const std::string_view sql = sqlText(id);
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &out, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(out);  // NULL after a failed prepare; harmless
        out = nullptr;
    }
    return rc;
}

void StatementCache::finalizeAll()
{
    for (auto& s : stmts_) {
        sqlite3_finalize(s);
        s = nullptr;
    }
}

Status Stmt::run()
{
    int rc = step();
    while (rc == SQLITE_ROW) {
        rc = step();
    }
    if (rc != SQLITE_DONE) {
        return fail(rc);
    }
    return {};
}

Error Stmt::fail(int rc) const
{
    if (prepareFailed_) {
        return sqliteError(db_, rc,
                           "preparing \"" + std::string(sqlText(id_)) + "\" for " + doing_.text,
                           doing_.where);
    }
    return sqliteError(db_, rc, doing_.text, doing_.where);
}

}  // namespace returnscan::store::detail
