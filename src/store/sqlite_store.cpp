// SPDX-License-Identifier: Apache-2.0
// store::SqliteStore, the SQLite adapter of core::ReturnStore: the connection (open, close),
// write transactions and the connection's read-back checks. The rest is in one file a concern
// (store_impl.h lists them; docs/storage.md, "Source files").
#include "returnscan/store/store.h"

#include <exception>
#include <string>
#include <utility>

#include "returnscan/core/utf8.h"
#include "store_impl.h"

// Concurrency note. SQLite 3.40 (Debian 12) has the "WAL-reset" bug (fixed in 3.44.1 / 3.45.1):
// when two connections write and checkpoint a WAL database at the same moment, the WAL can be
// reset while the other is appending to it, which may corrupt the database. We avoid the race by
// design: each process uses exactly one connection (this class), that connection is the only
// writer of the process, and the station runs one writing process at a time (the kiosk; CLI
// commands that write run while the kiosk is stopped). Readers in other processes are safe.

namespace returnscan::store {

using detail::Sql;

bool detail::isUtf8(std::string_view s)
{
    return !core::firstInvalidUtf8(s).has_value();
}

core::Timestamp SqliteStore::Impl::now() const
{
    if (clock_ != nullptr) {
        return clock_->now();
    }
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

Result<std::vector<std::string>> SqliteStore::Impl::texts(Sql id, detail::Doing doing)
{
    auto q = use(id, doing);
    std::vector<std::string> out;
    if (auto st = q.each([&](const detail::Stmt& row) { out.push_back(row.stringAt(0)); }); !st) {
        return std::move(st).takeError();
    }
    return out;
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const OpenOptions& options)
{
    if (options.path.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no database path given");
    }
    auto impl = std::make_unique<Impl>();
    impl->clock_ = options.clock;
    // NOMUTEX: the connection is used from one thread (see the class comment), so SQLite's
    // per-connection mutex is not needed.
    const int rc = sqlite3_open_v2(
        options.path.c_str(), &impl->db_,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    if (rc != SQLITE_OK) {
        auto e = detail::sqliteError(impl->db_, rc, "opening database '" + options.path + "'");
        if (e.code == ErrorCode::Database) {
            e.code = ErrorCode::Io;  // any failure to open the file is an I/O matter to callers
        }
        e.message += " (check that the directory exists and is writable)";
        return e;
    }
    if (auto st = impl->configure(options.busyTimeout); !st) {
        auto e = std::move(st).takeError();
        e.message = "database '" + options.path + "': " + e.message;
        return e;
    }
    if (auto st = impl->migrate(); !st) {
        auto e = std::move(st).takeError();
        e.message = "database '" + options.path + "': " + e.message;
        return e;
    }
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Status SqliteStore::writeTransaction(const std::function<Status()>& body)
{
    if (impl_->inTransaction_) {
        return makeError(ErrorCode::Internal, "writeTransaction is not reentrant");
    }
    if (auto st = impl_->exec(Sql::Begin, "beginning a write transaction"); !st) {
        return st;
    }
    impl_->inTransaction_ = true;
    auto rollback = [this] {
        impl_->inTransaction_ = false;
        // SQLite may have rolled back on its own already (SQLITE_FULL, IOERR, ...).
        if (sqlite3_get_autocommit(impl_->db_) == 0) {
            (void)impl_->exec(Sql::Rollback, "rolling back a write transaction");
        }
    };
    Status result;
    try {
        result = body();
    } catch (const std::exception& e) {
        rollback();
        return makeError(ErrorCode::Internal,
                         std::string("exception inside a write transaction: ") + e.what());
    } catch (...) {
        rollback();
        return makeError(ErrorCode::Internal, "unknown exception inside a write transaction");
    }
    if (!result) {
        rollback();
        return result;
    }
    if (auto st = impl_->exec(Sql::Commit, "committing a write transaction"); !st) {
        // A failed COMMIT (deferred foreign key, disk full, busy) may leave the transaction open.
        rollback();
        return st;
    }
    impl_->inTransaction_ = false;
    return {};
}

Result<std::string> SqliteStore::integrityCheck()
{
    auto rows = impl_->texts(Sql::IntegrityCheck, "running integrity_check");
    if (!rows) {
        return std::move(rows).takeError();
    }
    std::string out;
    for (const auto& row : *rows) {
        if (!out.empty()) {
            out += '\n';
        }
        out += row;
    }
    return out;
}

Result<std::string> SqliteStore::journalMode()
{
    auto rows = impl_->texts(Sql::JournalMode, "reading journal_mode");
    if (!rows) {
        return std::move(rows).takeError();
    }
    return rows->empty() ? std::string() : rows->front();
}

Result<int> SqliteStore::synchronousLevel()
{
    auto q = impl_->use(Sql::Synchronous, "reading synchronous");
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    return static_cast<int>(q.integerAt(0));
}

Result<int> SqliteStore::schemaVersion()
{
    return impl_->userVersion();
}

Status SqliteStore::prepareAllStatementsForTest()
{
    for (std::size_t i = 0; i < detail::kSqlCount; ++i) {
        const auto id = static_cast<Sql>(i);
        int rc = SQLITE_OK;
        if (impl_->stmts_.get(impl_->db_, id, rc) == nullptr) {
            return detail::sqliteError(impl_->db_, rc,
                                       "preparing \"" + std::string(detail::sqlText(id)) + "\"");
        }
    }
    return {};
}

Status SqliteStore::limitPagesForTest(std::int64_t maxPages)
{
    auto value = impl_->pragma("PRAGMA max_page_count=" + std::to_string(maxPages),
                               "setting max_page_count");
    if (!value) {
        return std::move(value).takeError();
    }
    return {};
}

}  // namespace returnscan::store
