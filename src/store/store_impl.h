// SPDX-License-Identifier: Apache-2.0
// Implementation header of the store: SqliteStore::Impl, the one connection and its statement
// cache, shared by the files of src/store/ (one a concern: schema.cpp, authorizations.cpp,
// receipts.cpp, receipt_queries.cpp, photos.cpp, sync_bookkeeping.cpp, audit.cpp; the
// connection and transactions in sqlite_store.cpp).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "returnscan/store/store.h"
#include "statement.h"

namespace returnscan::store {

struct SqliteStore::Impl {
    sqlite3* db_ = nullptr;
    detail::StatementCache stmts_;
    bool inTransaction_ = false;
    const core::Clock* clock_ = nullptr;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl()
    {
        stmts_.finalizeAll();  // before closing, so the close is not deferred ("zombie")
        sqlite3_close_v2(db_);
    }

    /// One use of the registry statement `id`, prepared on first use (statement.h).
    [[nodiscard]] detail::Stmt use(detail::Sql id, detail::Doing doing)
    {
        int rc = SQLITE_OK;
        sqlite3_stmt* s = stmts_.get(db_, id, rc);
        return detail::Stmt(db_, id, s, rc, doing);
    }

    /// Binds `args` to `id`, steps it to the end (rows ignored) and resets it.
    template <typename... Args>
    [[nodiscard]] Status exec(detail::Sql id, detail::Doing doing, const Args&... args)
    {
        auto q = use(id, doing);
        q.bindInExpression(args...);
        return q.run();
    }

    /// The first column of every row of `id`, as text.
    [[nodiscard]] Result<std::vector<std::string>> texts(detail::Sql id, detail::Doing doing);

    /// Runs `body` in a transaction of its own unless one is open already. A template, so the
    /// common case (already inside a transaction) wraps nothing in a std::function.
    template <typename Body>
    [[nodiscard]] Status inTransaction(SqliteStore& self, Body&& body)
    {
        if (inTransaction_) {
            return body();
        }
        return self.writeTransaction(std::function<Status()>(std::forward<Body>(body)));
    }

    /// The store's clock in whole seconds (the system clock when none was given).
    [[nodiscard]] core::Timestamp now() const;

    // Schema and connection set-up (schema.cpp). The uncached path: statements built at run
    // time (a pragma with its value, a migration script), each run once per connection.
    [[nodiscard]] Status configure(std::chrono::milliseconds busyTimeout);
    [[nodiscard]] Status setAndReadBack(const std::string& name, const std::string& value,
                                        const std::string& expected);
    [[nodiscard]] Status migrate();
    [[nodiscard]] Result<int> userVersion();
    [[nodiscard]] Status execScript(std::string_view sql, std::string_view doing);
    [[nodiscard]] Result<std::string> pragma(std::string_view sql, std::string_view doing);

    // Receipts (receipts.cpp)
    /// Reads every row of `q` (RS_RECEIPT_COLUMNS of sql.cpp), with their scans unless
    /// `withScans` is false (then withScansOf() adds them).
    [[nodiscard]] Result<std::vector<core::Receipt>> receipts(detail::Stmt& q,
                                                              bool withScans = true);
    [[nodiscard]] Result<std::vector<core::Receipt>> withScansOf(std::vector<core::Receipt> rs);
    [[nodiscard]] Status insertScan(std::string_view receiptId, const core::ScanRecord& scan);

    // Audit chain (audit.cpp)
    /// Appends one record chained to the last; the caller holds the write transaction.
    [[nodiscard]] Status appendAudit(std::string_view kind, std::string_view subject,
                                     std::string_view detail, core::Timestamp at);
};

namespace detail {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
[[nodiscard]] bool isUtf8(std::string_view s);

}  // namespace detail
}  // namespace returnscan::store
