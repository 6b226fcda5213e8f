// SPDX-License-Identifier: Apache-2.0
// The store's schema: the migration steps (kMigrations; PRAGMA user_version is the schema
// version), the connection's settings read back at open, and the uncached path for the
// statements built at run time (a pragma with its value, a migration script).
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "returnscan/core/log.h"
#include "store_impl.h"

namespace returnscan::store {
namespace {

using detail::Sql;

/// Migration steps: step i (0-based) takes the schema from user_version i to i + 1. Each runs in
/// its own transaction together with its user_version bump. Never edit a released step; append.
constexpr std::array<std::string_view, 4> kMigrations = {
    // 1: the initial schema. Timestamps are INTEGER seconds since the epoch, UTC.
    R"sql(
CREATE TABLE receipts (
    id            TEXT PRIMARY KEY NOT NULL,
    station       TEXT NOT NULL,
    operator      TEXT NOT NULL,
    code          TEXT,
    order_no      TEXT,
    decision      TEXT NOT NULL
                  CHECK (decision = 'accepted' OR decision = 'rejected' OR decision = 'held'),
    reason        TEXT NOT NULL,
    flags_json    TEXT NOT NULL DEFAULT '[]',
    condition     TEXT,
    started_at    INTEGER NOT NULL,
    decided_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    override_json TEXT
) STRICT;
-- Safety net under the decision table: one accepted receipt per code, whatever the code path.
CREATE UNIQUE INDEX receipts_accepted_code ON receipts (code) WHERE decision = 'accepted';
CREATE INDEX receipts_decided_at ON receipts (decided_at);

-- WITHOUT ROWID: the lookup by code reads one b-tree instead of an index plus the table.
CREATE TABLE authorizations (
    code             TEXT PRIMARY KEY NOT NULL,
    order_no         TEXT NOT NULL,
    -- CHECKs are written as OR chains, not IN lists: SQLite 3.40 evaluates a CHECK with an IN
    -- list through an ephemeral table per row, which halved the bulk import speed.
    status           TEXT NOT NULL CHECK (status = 'approved' OR status = 'pending'
                                          OR status = 'rejected' OR status = 'cancelled'),
    issued_at        INTEGER NOT NULL,
    expires_at       INTEGER,
    category         TEXT CHECK (category = 'wrong_item' OR category = 'damaged'
                                 OR category = 'missing_item' OR category = 'functionality'
                                 OR category = 'other'),
    lines_json       TEXT,  -- NULL when there are no lines
    version          INTEGER CHECK (version >= 0),
    delivered_at     INTEGER,
    reported_at      INTEGER,
    last_activity_at INTEGER,
    -- Deferred, so a receipt and the consumption of its code may be written in either order
    -- inside one transaction; checked at COMMIT.
    consumed_by      TEXT REFERENCES receipts (id) DEFERRABLE INITIALLY DEFERRED,
    updated_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- No index on consumed_by: it made every INSERT write a second b-tree, and bulk import measured
-- about 8% slower. Receipts are never deleted, so the foreign key needs no reverse lookup, and
-- orphanConsumptions() (a consistency check, not a hot path) may scan.

CREATE TABLE scans (
    id         INTEGER PRIMARY KEY,
    receipt_id TEXT NOT NULL REFERENCES receipts (id),
    at         INTEGER NOT NULL,
    device     TEXT NOT NULL,
    aim        TEXT NOT NULL,
    data       TEXT NOT NULL
) STRICT;
CREATE INDEX scans_receipt ON scans (receipt_id, id);

CREATE TABLE photos (
    receipt_id          TEXT NOT NULL REFERENCES receipts (id),
    sha256              TEXT NOT NULL,
    role                TEXT NOT NULL,
    path                TEXT NOT NULL,
    taken_at            INTEGER NOT NULL,
    bytes               INTEGER NOT NULL,
    width               INTEGER,
    height              INTEGER,
    order_label_visible INTEGER NOT NULL DEFAULT 0
                        CHECK (order_label_visible = 0 OR order_label_visible = 1),
    PRIMARY KEY (receipt_id, sha256)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind = 'receipt' OR kind = 'photo'),
    ref        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    synced_at  INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox (id) WHERE synced_at IS NULL;

-- Hash-chained: hash = SHA-256 over (id, at, kind, subject, detail, prev_hash), see auditHash().
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql",
    // 2: sync bookkeeping (issue 7). sync_issues: what the central system refused or flagged,
    // for a supervisor; one row per (kind, ref), refreshed when seen again. sync_photos: photos
    // the central system holds (content-addressed, so one row per SHA-256 whatever the receipt).
    R"sql(
CREATE TABLE sync_issues (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind = 'rejected' OR kind = 'conflict'
                                 OR kind = 'photo_rejected' OR kind = 'photo_missing'),
    ref     TEXT NOT NULL,
    code    TEXT,
    word    TEXT NOT NULL,
    message TEXT NOT NULL,
    at      INTEGER NOT NULL,
    UNIQUE (kind, ref)
) STRICT;

CREATE TABLE sync_photos (
    sha256      TEXT PRIMARY KEY NOT NULL,
    uploaded_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Marking a receipt synced finds its outbox row by ref; without this index every mark scanned
-- the whole outbox (10,000 receipts: 10^8 row visits per night). One more b-tree per receipt
-- insert, which happens once per parcel.
CREATE INDEX outbox_ref ON outbox (kind, ref);
)sql",
    // 3: parcel sessions (issue 6). receipts_open: the open receipts shown after a restart (a
    // handful of rows, so the index stays tiny). receipts_code and receipts_order: the prefix
    // search of recentReceipts() (by range on the index; id has its primary key). photos_sha256:
    // findPhoto() serves a file by its hash whatever the receipt. Four b-trees more per receipt
    // (the partial ones only for the few rows they hold), one per photo: once per parcel, far
    // off the import path.
    R"sql(
CREATE INDEX receipts_open ON receipts (decided_at) WHERE completed_at IS NULL;
CREATE INDEX receipts_code ON receipts (code) WHERE code IS NOT NULL;
CREATE INDEX receipts_order ON receipts (order_no) WHERE order_no IS NOT NULL;
CREATE INDEX photos_sha256 ON photos (sha256);
-- countReceipts(): counts per decision from this index alone, and the rare overridden and
-- abandoned receipts from two small partial indexes (a day's counts read indexes, not rows).
CREATE INDEX receipts_decision ON receipts (decision, decided_at);
CREATE INDEX receipts_overridden ON receipts (decided_at) WHERE override_json IS NOT NULL;
CREATE INDEX receipts_abandoned ON receipts (decided_at)
    WHERE instr(flags_json, '"abandoned"') > 0;
)sql",
    // 4: the revision of a queued receipt. updateReceipt() raises it in the update's transaction
    // while the outbox row is unsynced; the sync's revision-checked mark names a receipt whose
    // revision is no longer the one read before its content, so a change made while it was on
    // its way (a supervisor's override after completion) is noticed, not passed off as sent.
    // Existing rows start at 0: nothing is on its way while the schema is migrated.
    R"sql(
ALTER TABLE outbox ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
)sql",
};

constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

/// SQLite's page cache per connection in KiB (negative cache_size means KiB): enough for the
/// upper levels of the authorizations b-tree at a million codes, small for a station PC.
constexpr int kCacheKiB = 16 * 1024;

}  // namespace

Status SqliteStore::Impl::execScript(std::string_view sql, std::string_view doing)
{
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);  // sqlite3_errmsg still holds the text for sqliteError
    if (rc != SQLITE_OK) {
        return detail::sqliteError(db_, rc, doing);
    }
    return {};
}

/// Runs a one-off PRAGMA (not in the registry: each runs once per connection, some with a value
/// in their text) and returns its first row's first column, or an empty string when it returns
/// no rows.
Result<std::string> SqliteStore::Impl::pragma(std::string_view sql, std::string_view doing)
{
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> s(raw, &sqlite3_finalize);
    if (rc != SQLITE_OK) {
        return detail::sqliteError(db_, rc, doing);
    }
    std::string value;
    bool first = true;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        if (first) {
            const unsigned char* text = sqlite3_column_text(s.get(), 0);
            value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
            first = false;
        }
    }
    if (rc != SQLITE_DONE) {
        return detail::sqliteError(db_, rc, doing);
    }
    return value;
}

Result<int> SqliteStore::Impl::userVersion()
{
    auto q = use(Sql::UserVersion, "reading user_version");
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    return static_cast<int>(q.integerAt(0));
}

/// Sets `PRAGMA name=value` and reads it back: SQLite ignores unknown values silently, so a
/// setting the station relies on must be checked, not assumed.
Status SqliteStore::Impl::setAndReadBack(const std::string& name, const std::string& value,
                                         const std::string& expected)
{
    auto set = pragma("PRAGMA " + name + "=" + value, "setting " + name + "=" + value);
    if (!set) {
        return std::move(set).takeError();
    }
    auto readBack = pragma("PRAGMA " + name, "reading " + name);
    if (!readBack) {
        return std::move(readBack).takeError();
    }
    if (*readBack != expected) {
        return makeError(ErrorCode::Database, "SQLite did not take " + name + "=" + value +
                                                  " (reads back " + *readBack + ")");
    }
    return {};
}

Status SqliteStore::Impl::configure(std::chrono::milliseconds busyTimeout)
{
    sqlite3_extended_result_codes(db_, 1);
    const auto ms = busyTimeout.count();
    const int timeout = ms > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                                             : static_cast<int>(ms);
    if (const int rc = sqlite3_busy_timeout(db_, timeout); rc != SQLITE_OK) {
        return detail::sqliteError(db_, rc, "setting the busy timeout");
    }
    if (sqlite3_db_readonly(db_, "main") == 1) {
        return makeError(ErrorCode::Io, "the database file is read-only for this user");
    }

    auto mode = pragma("PRAGMA journal_mode=WAL", "setting journal_mode=WAL");
    if (!mode) {
        return std::move(mode).takeError();
    }
    if (*mode != "wal") {
        return makeError(ErrorCode::Database,
                         "SQLite refused journal_mode=WAL (answered '" + *mode + "')");
    }

    // synchronous=FULL (2): a commit is on disk before COMMIT returns, which is what lets the UI
    // say "done". Read back, because SQLite ignores unknown values and pragmas silently.
    if (auto st = setAndReadBack("synchronous", "FULL", "2"); !st) {
        return st;
    }
    if (auto st = setAndReadBack("foreign_keys", "ON", "1"); !st) {
        return st;
    }

    auto cache = pragma("PRAGMA cache_size=-" + std::to_string(kCacheKiB), "setting cache_size");
    if (!cache) {
        return std::move(cache).takeError();
    }
    return {};
}

Status SqliteStore::Impl::migrate()
{
    for (;;) {
        // Read the version inside an IMMEDIATE transaction: another process opening the same
        // file at the same time then waits (busy timeout) and sees the migrated version.
        if (auto st = exec(Sql::Begin, "beginning a migration transaction"); !st) {
            return st;
        }
        auto rollbackWith = [this](Error e) -> Status {
            if (sqlite3_get_autocommit(db_) == 0) {
                (void)exec(Sql::Rollback, "rolling back a migration");
            }
            return e;
        };
        auto version = userVersion();
        if (!version) {
            return rollbackWith(std::move(version).takeError());
        }
        if (*version > kSchemaVersion) {
            return rollbackWith(
                makeError(ErrorCode::Corrupt, "schema version " + std::to_string(*version) +
                                                  " is newer than this program (" +
                                                  std::to_string(kSchemaVersion) + ")"));
        }
        if (*version < 0) {
            return rollbackWith(makeError(
                ErrorCode::Corrupt, "schema version " + std::to_string(*version) + " is invalid"));
        }
        if (*version == kSchemaVersion) {
            return exec(Sql::Commit, "ending the migration check");
        }
        const int next = *version + 1;
        const std::string doing = "migrating the schema to version " + std::to_string(next);
        if (auto st = execScript(kMigrations[static_cast<std::size_t>(*version)], doing); !st) {
            return rollbackWith(std::move(st).takeError());
        }
        // PRAGMA takes no parameters; `next` is our own integer, not outside input.
        if (auto st = execScript("PRAGMA user_version = " + std::to_string(next), doing); !st) {
            return rollbackWith(std::move(st).takeError());
        }
        if (auto st = exec(Sql::Commit, doing.c_str()); !st) {
            return rollbackWith(std::move(st).takeError());
        }
        core::Logger(core::LogCategory::Store)
            .notice("schema migrated to version " + std::to_string(next),
                    {.fields = {{"schema_version", std::to_string(next)}}});
    }
}

}  // namespace returnscan::store
