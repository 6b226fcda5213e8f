// SPDX-License-Identifier: Apache-2.0
// Implementation header of the store: the one statement registry (ids in `Sql`, their text in
// sql.cpp), the cache of prepared statements, and `Stmt`, one use of a statement (bind, step,
// read columns, report SQLite's error). Every statement the store runs goes through here; only
// schema set-up (pragmas with values, migration scripts) takes the uncached path in schema.cpp.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>

#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::store::detail {

// ---------------------------------------------------------------------------------------------
// Errors

/// Our ErrorCode for an SQLite (extended) result code: Busy, Corrupt, Io or Database.
[[nodiscard]] ErrorCode mapSqliteCode(int rc);

/// An Error for SQLite result `rc` raised while `doing` something, with SQLite's own words and
/// the extended code ("SQLite failed while <doing>: <message> [SQLite code N]").
[[nodiscard]] Error sqliteError(sqlite3* db, int rc, std::string_view doing,
                                std::source_location where = std::source_location::current());

// ---------------------------------------------------------------------------------------------
// The registry

/// Every statement the store runs, by concern. The text of each is in sql.cpp (one table, in
/// this order); each is prepared on first use and kept for the connection's life.
enum class Sql : std::size_t {
    // Transactions and schema (sqlite_store.cpp, schema.cpp)
    Begin,
    Commit,
    Rollback,
    UserVersion,
    IntegrityCheck,
    JournalMode,
    Synchronous,
    // Authorizations (authorizations.cpp)
    FindCode,
    InsertAuthorization,
    AuthorizationVersion,
    UpdateAuthorization,
    ConsumeCode,
    ConsumedBy,
    AuthorizationCount,
    OrphanConsumptions,
    // Receipts and their scans (receipts.cpp)
    InsertReceipt,
    InsertScan,
    ReceiptsSince,
    ReceiptById,
    ScansOfReceipt,
    UpdateReceipt,
    OutboxSyncedAt,
    BumpOutboxRevision,
    // Parcel sessions: open, recent, counted (receipt_queries.cpp)
    OpenReceipts,
    RecentReceipts,
    RecentReceiptsInWindow,
    RecentReceiptsByPrefix,
    CountReceipts,
    // Photos (photos.cpp)
    InsertPhoto,
    FindPhoto,
    PhotosOfReceipt,
    PhotosOfPendingReceipts,
    PendingPhotos,
    // Sync bookkeeping: outbox, cursors, issues (sync_bookkeeping.cpp)
    InsertOutbox,
    PendingOutbox,
    PendingReceiptIds,
    MarkReceiptSynced,
    OutboxRevision,
    MarkReceiptSyncedAtRevision,
    ReceiptQueued,
    MarkPhotoUploaded,
    RecordSyncIssue,
    ClearPhotoMissing,
    SyncIssues,
    SyncState,
    SetSyncState,
    OutboxCounts,
    // Audit chain (audit.cpp)
    AuditTail,
    InsertAudit,
    AuditAll,
    Count,
};

inline constexpr std::size_t kSqlCount = static_cast<std::size_t>(Sql::Count);

/// The SQL text of `id` (sql.cpp).
[[nodiscard]] std::string_view sqlText(Sql id);

/// The prepared statements of one connection, each prepared on first use (persistent: kept
/// for the connection's life). Finalizes them on destruction, before the connection closes.
class StatementCache {
public:
    StatementCache() = default;
    ~StatementCache() { finalizeAll(); }
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    /// The statement `id` of connection `db`, prepared now if it was not yet; nullptr with
    /// `rc` set when SQLite could not prepare it.
    [[nodiscard]] sqlite3_stmt* get(sqlite3* db, Sql id, int& rc)
    {
        sqlite3_stmt*& s = stmts_[static_cast<std::size_t>(id)];
        if (s == nullptr) {
            rc = prepare(db, id, s);
        }
        return s;
    }

    /// Finalizes every prepared statement (before sqlite3_close, so the close is not deferred).
    void finalizeAll();

private:
    [[nodiscard]] static int prepare(sqlite3* db, Sql id, sqlite3_stmt*& out);

    std::array<sqlite3_stmt*, kSqlCount> stmts_{};
};

// ---------------------------------------------------------------------------------------------
// One use of a statement

/// What a statement is doing, for its error message ("inserting a photo"), and where in the
/// store it was asked for. Built implicitly from a string literal: the text is not copied, so
/// it must be static.
struct Doing {
    Doing(const char* what,  // NOLINT(google-explicit-constructor): literals at every call
          std::source_location at = std::source_location::current())
        : text(what), where(at)
    {
    }
    const char* text;
    std::source_location where;
};

namespace bind_rules {
/// An rvalue that owns its text: bound without a copy (SQLITE_STATIC), it would be gone before
/// the statement steps.
template <typename A>
inline constexpr bool kOwnsTemporaryText =
    !std::is_lvalue_reference_v<A> &&
    (std::is_same_v<std::remove_cvref_t<A>, std::string> ||
     std::is_same_v<std::remove_cvref_t<A>, std::optional<std::string>>);
}  // namespace bind_rules

/// One use of a registry statement. bind() binds ?1, ?2, ... in order; step() steps; the
/// column getters read the current row; fail(rc) makes the Error. On destruction the statement
/// is reset and its bindings cleared, so the next use starts clean. A statement that could not
/// be prepared, or a binding that failed, reports its code from the first step(). Text is bound
/// without a copy (SQLITE_STATIC): bound strings must outlive the Stmt, and bind() refuses a
/// temporary std::string at compile time (SqliteStore::Impl::exec binds and steps within one
/// expression, so it takes them). Not copyable or movable: use it where it was made.
class Stmt {
public:
    Stmt(sqlite3* db, Sql id, sqlite3_stmt* stmt, int prepareRc, Doing doing)
        : db_(db),
          stmt_(stmt),
          id_(id),
          firstRc_(prepareRc),
          prepareFailed_(stmt == nullptr),
          doing_(doing)
    {
    }
    ~Stmt()
    {
        if (stmt_ != nullptr) {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        }
    }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    /// Binds the next parameters, in order: text (std::string_view, std::string, const char*),
    /// integers, bool (0/1), core::Timestamp (seconds), std::optional of each (NULL when
    /// empty) and std::nullopt (NULL).
    template <typename... Args>
    Stmt& bind(Args&&... args)
    {
        static_assert((!bind_rules::kOwnsTemporaryText<Args> && ...),
                      "binding a temporary string: it would be gone before step()");
        (one(args), ...);
        return *this;
    }

    /// Binds like bind(), temporaries included: for a caller that steps within the same full
    /// expression (SqliteStore::Impl::exec).
    template <typename... Args>
    Stmt& bindInExpression(const Args&... args)
    {
        (one(args), ...);
        return *this;
    }

    /// sqlite3_step, or the code of a failed prepare or binding.
    [[nodiscard]] int step() { return firstRc_ != SQLITE_OK ? firstRc_ : sqlite3_step(stmt_); }

    /// Steps to the end, ignoring rows; an Error unless it ends in SQLITE_DONE.
    [[nodiscard]] Status run();

    /// Steps through every row, calling `onRow(*this)` on each; onRow returns void or Status
    /// (an error stops the walk and is returned).
    template <typename OnRow>
    [[nodiscard]] Status each(OnRow&& onRow)
    {
        int rc = SQLITE_OK;
        while ((rc = step()) == SQLITE_ROW) {
            if constexpr (std::is_void_v<decltype(onRow(*this))>) {
                onRow(*this);
            } else {
                if (auto st = onRow(*this); !st) {
                    return st;
                }
            }
        }
        return rc == SQLITE_DONE ? Status{} : Status{fail(rc)};
    }

    /// The Error for result `rc` of this statement: SQLite's message and extended code, the
    /// Doing text (or the SQL when it could not be prepared) and the place that asked for it.
    [[nodiscard]] Error fail(int rc) const;

    /// Rows changed by the last step of this statement (sqlite3_changes).
    [[nodiscard]] int changes() const { return sqlite3_changes(db_); }

    [[nodiscard]] bool isNull(int col) const
    {
        return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
    }
    [[nodiscard]] std::int64_t integerAt(int col) const
    {
        return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, col));
    }
    [[nodiscard]] std::string_view textAt(int col) const
    {
        const unsigned char* p = sqlite3_column_text(stmt_, col);
        if (p == nullptr) {
            return {};
        }
        const int n = sqlite3_column_bytes(stmt_, col);
        return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
    }
    [[nodiscard]] std::string stringAt(int col) const { return std::string(textAt(col)); }
    [[nodiscard]] std::optional<std::string> optTextAt(int col) const
    {
        return isNull(col) ? std::nullopt : std::optional<std::string>(textAt(col));
    }
    [[nodiscard]] std::optional<std::int64_t> optIntegerAt(int col) const
    {
        return isNull(col) ? std::nullopt : std::optional<std::int64_t>(integerAt(col));
    }
    [[nodiscard]] core::Timestamp timeAt(int col) const
    {
        return core::Timestamp{std::chrono::seconds{integerAt(col)}};
    }
    [[nodiscard]] std::optional<core::Timestamp> optTimeAt(int col) const
    {
        return isNull(col) ? std::nullopt : std::optional<core::Timestamp>(timeAt(col));
    }

private:
    void note(int rc)
    {
        if (rc != SQLITE_OK && firstRc_ == SQLITE_OK) {
            firstRc_ = rc;
        }
    }
    int nextIndex() { return ++bound_; }

    void one(std::string_view value)
    {
        const int index = nextIndex();
        if (stmt_ != nullptr) {
            // An empty view may have a null data pointer, which SQLite would bind as NULL.
            const char* data = value.data() != nullptr ? value.data() : "";
            note(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
        }
    }
    void one(const std::string& value) { one(std::string_view(value)); }
    void one(const char* value) { one(std::string_view(value)); }
    void one(std::int64_t value)
    {
        const int index = nextIndex();
        if (stmt_ != nullptr) {
            note(sqlite3_bind_int64(stmt_, index, value));
        }
    }
    void one(int value) { one(static_cast<std::int64_t>(value)); }
    void one(bool value) { one(std::int64_t{value ? 1 : 0}); }
    void one(core::Timestamp t) { one(static_cast<std::int64_t>(t.time_since_epoch().count())); }
    void one(std::nullopt_t)
    {
        const int index = nextIndex();
        if (stmt_ != nullptr) {
            note(sqlite3_bind_null(stmt_, index));
        }
    }
    template <typename T>
    void one(const std::optional<T>& value)
    {
        if (value) {
            one(*value);
        } else {
            one(std::nullopt);
        }
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_;
    Sql id_;
    int firstRc_;
    bool prepareFailed_;
    int bound_ = 0;
    Doing doing_;
};

}  // namespace returnscan::store::detail
