// SPDX-License-Identifier: Apache-2.0
// store::SqliteStore: the SQLite adapter of core::ReturnStore (schema, migrations, audit chain).
#include "returnscan/store/store.h"

#include "returnscan/core/utf8.h"
#include "returnscan/digest/sha256.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "returnscan/core/authorization.h"
#include "returnscan/core/decision.h"
#include "returnscan/core/log.h"

// Concurrency note. SQLite 3.40 (Debian 12) has the "WAL-reset" bug (fixed in 3.44.1 / 3.45.1):
// when two connections write and checkpoint a WAL database at the same moment, the WAL can be
// reset while the other is appending to it, which may corrupt the database. We avoid the race by
// design: each process uses exactly one connection (this class), that connection is the only
// writer of the process, and the station runs one writing process at a time (the kiosk; CLI
// commands that write run while the kiosk is stopped). Readers in other processes are safe.

namespace returnscan::store {
namespace {

// ---------------------------------------------------------------------------------------------
// Errors

[[nodiscard]] ErrorCode mapSqliteCode(int rc)
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

/// An Error for SQLite result `rc` raised while `doing` something, with SQLite's own words.
[[nodiscard]] Error sqliteError(sqlite3* db, int rc, std::string_view doing,
                                std::source_location where = std::source_location::current())
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

// ---------------------------------------------------------------------------------------------
// Statements

/// Owns one prepared statement (finalized on destruction).
class Statement {
public:
    Statement() = default;
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    [[nodiscard]] int prepare(sqlite3* db, std::string_view sql)
    {
        finalize();
        return sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    }
    [[nodiscard]] sqlite3_stmt* get() const { return stmt_; }
    void finalize()
    {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
    }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

/// One use of a cached statement: binds, steps, reads columns, and on destruction resets the
/// statement and clears its bindings so the next use starts clean. Text is bound without a copy
/// (SQLITE_STATIC), so bound strings must outlive the Query; binding a temporary is refused.
class Query {
public:
    explicit Query(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~Query()
    {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    Query& text(int index, std::string_view value)
    {
        // An empty view may have a null data pointer, which SQLite would bind as NULL.
        const char* data = value.data() != nullptr ? value.data() : "";
        note(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
        return *this;
    }
    Query& text(int index, const std::string& value)
    {
        return text(index, std::string_view(value));
    }
    Query& text(int index, std::string&& value) = delete;  // would dangle before step()
    Query& text(int index, const std::optional<std::string>& value)
    {
        return value ? text(index, std::string_view(*value)) : null(index);
    }
    Query& integer(int index, std::int64_t value)
    {
        note(sqlite3_bind_int64(stmt_, index, value));
        return *this;
    }
    Query& integer(int index, const std::optional<std::int64_t>& value)
    {
        return value ? integer(index, *value) : null(index);
    }
    Query& time(int index, core::Timestamp t)
    {
        return integer(index, t.time_since_epoch().count());
    }
    Query& time(int index, const std::optional<core::Timestamp>& t)
    {
        return t ? time(index, *t) : null(index);
    }
    Query& null(int index)
    {
        note(sqlite3_bind_null(stmt_, index));
        return *this;
    }

    /// sqlite3_step, or the first binding error.
    [[nodiscard]] int step() { return bindRc_ != SQLITE_OK ? bindRc_ : sqlite3_step(stmt_); }

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
    [[nodiscard]] std::optional<std::string> optTextAt(int col) const
    {
        if (isNull(col)) {
            return std::nullopt;
        }
        return std::string(textAt(col));
    }
    [[nodiscard]] std::optional<std::int64_t> optIntegerAt(int col) const
    {
        if (isNull(col)) {
            return std::nullopt;
        }
        return integerAt(col);
    }
    [[nodiscard]] core::Timestamp timeAt(int col) const
    {
        return core::Timestamp{std::chrono::seconds{integerAt(col)}};
    }
    [[nodiscard]] std::optional<core::Timestamp> optTimeAt(int col) const
    {
        if (isNull(col)) {
            return std::nullopt;
        }
        return timeAt(col);
    }

private:
    void note(int rc)
    {
        if (rc != SQLITE_OK && bindRc_ == SQLITE_OK) {
            bindRc_ = rc;
        }
    }

    sqlite3_stmt* stmt_;
    int bindRc_ = SQLITE_OK;
};

// Every statement the store runs, prepared on first use and kept for the connection's life.
enum class Sql : std::size_t {
    Begin,
    Commit,
    Rollback,
    UserVersion,
    FindCode,
    InsertAuthorization,
    AuthorizationVersion,
    UpdateAuthorization,
    ConsumeCode,
    ConsumedBy,
    InsertReceipt,
    InsertScan,
    InsertOutbox,
    ReceiptsSince,
    ReceiptById,
    ScansOfReceipt,
    AuthorizationCount,
    OrphanConsumptions,
    PendingOutbox,
    AuditTail,
    InsertAudit,
    AuditAll,
    IntegrityCheck,
    JournalMode,
    Synchronous,
    Count,
};

constexpr std::array<std::string_view, static_cast<std::size_t>(Sql::Count)> kSql = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "PRAGMA user_version",
    // FindCode: the decision path's only query (benchmarked against a bare SELECT by code).
    "SELECT order_no, status, issued_at, expires_at, category, lines_json, version, delivered_at,"
    " reported_at, last_activity_at, consumed_by FROM authorizations WHERE code = ?1",
    "INSERT INTO authorizations (code, order_no, status, issued_at, expires_at, category,"
    " lines_json, version, delivered_at, reported_at, last_activity_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (code) DO NOTHING",
    "SELECT version FROM authorizations WHERE code = ?1",
    // consumed_by is deliberately absent: a newer version of a code keeps its consumption.
    "UPDATE authorizations SET order_no = ?2, status = ?3, issued_at = ?4, expires_at = ?5,"
    " category = ?6, lines_json = ?7, version = ?8, delivered_at = ?9, reported_at = ?10,"
    " last_activity_at = ?11, updated_at = ?12 WHERE code = ?1",
    "UPDATE authorizations SET consumed_by = ?2 WHERE code = ?1 AND consumed_by IS NULL",
    "SELECT consumed_by FROM authorizations WHERE code = ?1",
    "INSERT INTO receipts (id, station, operator, code, order_no, decision, reason, flags_json,"
    " condition, started_at, decided_at, completed_at, override_json)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    "INSERT INTO scans (receipt_id, at, device, aim, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    "INSERT INTO outbox (kind, ref, created_at) VALUES (?1, ?2, ?3)",
    "SELECT id, station, operator, code, order_no, decision, reason, flags_json, condition,"
    " started_at, decided_at, completed_at, override_json FROM receipts"
    " WHERE decided_at >= ?1 ORDER BY decided_at, rowid",
    "SELECT id, station, operator, code, order_no, decision, reason, flags_json, condition,"
    " started_at, decided_at, completed_at, override_json FROM receipts WHERE id = ?1",
    "SELECT at, device, aim, data FROM scans WHERE receipt_id = ?1 ORDER BY id",
    "SELECT count(*) FROM authorizations",
    // A receipt accepted by a supervisor's override (decision held or rejected) may consume its
    // code too: the effective outcome counts, as in countReceipts().
    "SELECT a.code FROM authorizations AS a LEFT JOIN receipts AS r ON r.id = a.consumed_by"
    " WHERE a.consumed_by IS NOT NULL AND (r.id IS NULL OR r.code IS NOT a.code"
    " OR (CASE WHEN r.override_json IS NULL THEN r.decision"
    " ELSE json_extract(r.override_json, '$.outcome') END) IS NOT 'accepted') ORDER BY a.code",
    // Open receipts (completed_at NULL) are not ready to send; an outbox row without its
    // receipt stays visible, so the loss is reported rather than hidden.
    "SELECT o.ref FROM outbox AS o WHERE o.synced_at IS NULL AND o.kind = 'receipt' AND NOT"
    " EXISTS (SELECT 1 FROM receipts AS r WHERE r.id = o.ref AND r.completed_at IS NULL)"
    " ORDER BY o.id",
    "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
    "INSERT INTO audit (id, at, kind, subject, detail, prev_hash, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "SELECT id, at, kind, subject, detail, prev_hash, hash FROM audit ORDER BY id",
    "PRAGMA integrity_check",
    "PRAGMA journal_mode",
    "PRAGMA synchronous",
};

// ---------------------------------------------------------------------------------------------
// Schema

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

// ---------------------------------------------------------------------------------------------
// JSON columns

void appendJsonString(std::string& out, std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the pending run of characters that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;  // UTF-8 passes through unchanged
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0x0f];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

/// Lines as stored: a JSON array of {sku, gtin, qty, description} in that key order. Written by
/// hand because bulk import is benchmarked against a bare insert loop.
[[nodiscard]] std::string encodeLines(const std::vector<core::AuthLine>& lines)
{
    std::string out;
    out.reserve(64 * lines.size() + 2);
    out += '[';
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        if (i != 0) {
            out += ',';
        }
        out += "{\"sku\":";
        appendJsonString(out, l.sku);
        out += ",\"gtin\":";
        appendJsonString(out, l.gtin);
        out += ",\"qty\":";
        std::array<char, 24> digits{};
        // 24 bytes hold any int64, so to_chars cannot fail here.
        const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), l.qty);
        out.append(digits.data(), written.ptr);
        out += ",\"description\":";
        appendJsonString(out, l.description);
        out += '}';
    }
    out += ']';
    return out;
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

/// A small reader for exactly the layout encodeLines() writes (findCode is on the decision
/// path, so no general JSON parser there). Anything else makes it fail; the caller then falls
/// back to nlohmann::json, so rows written by other tools still read.
class LinesReader {
public:
    explicit LinesReader(std::string_view text) : s_(text) {}

    [[nodiscard]] bool read(std::vector<core::AuthLine>& lines)
    {
        if (!take('[')) {
            return false;
        }
        if (take(']')) {
            return pos_ == s_.size();
        }
        do {
            core::AuthLine l;
            if (!(take("{\"sku\":") && string(l.sku) && take(",\"gtin\":") && string(l.gtin) &&
                  take(",\"qty\":") && number(l.qty) && take(",\"description\":") &&
                  string(l.description) && take('}'))) {
                return false;
            }
            lines.push_back(std::move(l));
        } while (take(','));
        return take(']') && pos_ == s_.size();
    }

private:
    bool take(char c)
    {
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool take(std::string_view lit)
    {
        if (s_.substr(pos_, lit.size()) == lit) {
            pos_ += lit.size();
            return true;
        }
        return false;
    }
    bool number(std::int64_t& out)
    {
        const bool negative = take('-');
        const std::size_t start = pos_;
        std::int64_t v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            if (pos_ - start >= 18) {
                return false;  // leave huge numbers to the general parser
            }
            v = v * 10 + (s_[pos_] - '0');
            ++pos_;
        }
        if (pos_ == start) {
            return false;
        }
        out = negative ? -v : v;
        return true;
    }
    bool hex4(std::uint32_t& out)
    {
        if (s_.size() - pos_ < 4) {
            return false;
        }
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            out <<= 4;
            if (c >= '0' && c <= '9') {
                out |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                out |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                out |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }
    bool string(std::string& out)
    {
        if (!take('"')) {
            return false;
        }
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') {
                return true;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ == s_.size()) {
                return false;
            }
            const char e = s_[pos_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) {
                        return false;
                    }
                    if (cp >= 0xd800 && cp <= 0xdbff) {
                        std::uint32_t low = 0;
                        if (!take("\\u") || !hex4(low) || low < 0xdc00 || low > 0xdfff) {
                            return false;
                        }
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                        return false;
                    }
                    appendUtf8(out, cp);
                    break;
                }
                default:
                    return false;
            }
        }
        return false;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

[[nodiscard]] Result<std::vector<core::AuthLine>> decodeLines(std::string_view text,
                                                              std::string_view code)
{
    std::vector<core::AuthLine> lines;
    if (LinesReader(text).read(lines)) {
        return lines;
    }
    lines.clear();
    try {
        const auto j = nlohmann::json::parse(text);
        if (!j.is_array()) {
            throw std::invalid_argument("not an array");
        }
        for (const auto& item : j) {
            core::AuthLine l;
            l.sku = item.value("sku", std::string());
            l.gtin = item.value("gtin", std::string());
            l.qty = item.value("qty", std::int64_t{1});
            l.description = item.value("description", std::string());
            lines.push_back(std::move(l));
        }
        return lines;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "lines_json of authorization " +
                                                 core::displaySafe(code) +
                                                 " is not a valid lines array: " + e.what());
    }
}

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
[[nodiscard]] bool isUtf8(std::string_view s)
{
    return !core::firstInvalidUtf8(s).has_value();
}

[[nodiscard]] std::string encodeFlags(const std::vector<std::string>& flags)
{
    std::string out = "[";
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        appendJsonString(out, flags[i]);
    }
    out += ']';
    return out;
}

[[nodiscard]] std::string encodeOverride(const core::Override& o)
{
    std::string out = "{\"by\":";
    appendJsonString(out, o.by);
    out += ",\"reason\":";
    appendJsonString(out, o.reason);
    out += ",\"at\":";
    out += std::to_string(o.at.time_since_epoch().count());
    out += ",\"outcome\":";
    appendJsonString(out, core::toString(o.outcome));
    out += '}';
    return out;
}

// ---------------------------------------------------------------------------------------------
// Audit chain

constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

void appendField(std::string& out, std::string_view field)
{
    out += std::to_string(field.size());
    out += ':';
    out += field;
    out += '\n';
}

/// Hex SHA-256 of the canonical serialisation of one audit row: a version tag, then each field
/// (id, at, kind, subject, detail, prev_hash) as `<decimal length>:<bytes>\n`. The length prefix
/// makes the encoding unambiguous whatever bytes the fields hold.
[[nodiscard]] Result<std::string> auditHash(std::int64_t id, std::int64_t at, std::string_view kind,
                                            std::string_view subject, std::string_view detail,
                                            std::string_view prevHash)
{
    std::string canonical = "returnscan-audit-v1\n";
    appendField(canonical, std::to_string(id));
    appendField(canonical, std::to_string(at));
    appendField(canonical, kind);
    appendField(canonical, subject);
    appendField(canonical, detail);
    appendField(canonical, prevHash);

    std::string hex = digest::sha256Hex(canonical);
    if (hex.empty()) {
        return makeError(ErrorCode::Internal, "OpenSSL SHA-256 failed");
    }
    return hex;
}

[[nodiscard]] std::int64_t nowSeconds(const core::Clock* clock)
{
    if (clock != nullptr) {
        return clock->now().time_since_epoch().count();
    }
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
        .time_since_epoch()
        .count();
}

}  // namespace

// -------------------------------------------------------------------------------------------------

struct SqliteStore::Impl {
    sqlite3* db_ = nullptr;
    std::array<Statement, static_cast<std::size_t>(Sql::Count)> stmts_;
    std::map<std::string, Statement, std::less<>> adhoc_;
    bool inTransaction_ = false;
    const core::Clock* clock_ = nullptr;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl()
    {
        for (auto& s : stmts_) {
            s.finalize();  // before closing, so the close is not deferred ("zombie" connection)
        }
        adhoc_.clear();
        sqlite3_close_v2(db_);
    }

    /// The cached statement `id`, prepared on first use.
    [[nodiscard]] Result<sqlite3_stmt*> stmt(
        Sql id, std::source_location where = std::source_location::current())
    {
        auto& s = stmts_[static_cast<std::size_t>(id)];
        if (s.get() == nullptr) {
            const std::string_view sql = kSql[static_cast<std::size_t>(id)];
            const int rc = s.prepare(db_, sql);
            if (rc != SQLITE_OK) {
                return sqliteError(db_, rc, "preparing \"" + std::string(sql) + "\"", where);
            }
        }
        return s.get();
    }

    /// A statement outside the kSql table (photo and sync bookkeeping), prepared on first use
    /// and cached by its text like the table's, so a call in a loop does not prepare it again.
    [[nodiscard]] Result<sqlite3_stmt*> adhoc(std::string_view sql, std::string_view doing)
    {
        auto it = adhoc_.find(sql);
        if (it == adhoc_.end()) {
            it = adhoc_.try_emplace(std::string(sql)).first;
        }
        if (it->second.get() == nullptr) {
            if (const int rc = it->second.prepare(db_, sql); rc != SQLITE_OK) {
                adhoc_.erase(it);
                return sqliteError(db_, rc, std::string(doing));
            }
        }
        return it->second.get();
    }

    /// Runs a statement that returns no rows (or whose rows do not matter).
    [[nodiscard]] Status exec(Sql id, std::string_view doing)
    {
        auto s = stmt(id);
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        int rc = q.step();
        while (rc == SQLITE_ROW) {
            rc = q.step();
        }
        if (rc != SQLITE_DONE) {
            return sqliteError(db_, rc, doing);
        }
        return {};
    }

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

    [[nodiscard]] Status execScript(std::string_view sql, std::string_view doing)
    {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
        sqlite3_free(err);  // sqlite3_errmsg still holds the text for sqliteError
        if (rc != SQLITE_OK) {
            return sqliteError(db_, rc, doing);
        }
        return {};
    }

    /// Runs a one-off PRAGMA (not cached: each runs once per connection) and returns its first
    /// row's first column, or an empty string when it returns no rows.
    [[nodiscard]] Result<std::string> pragma(std::string_view sql, std::string_view doing)
    {
        Statement s;
        int rc = s.prepare(db_, sql);
        if (rc != SQLITE_OK) {
            return sqliteError(db_, rc, doing);
        }
        Query q(s.get());
        std::string value;
        bool first = true;
        while ((rc = q.step()) == SQLITE_ROW) {
            if (first) {
                value = std::string(q.textAt(0));
                first = false;
            }
        }
        if (rc != SQLITE_DONE) {
            return sqliteError(db_, rc, doing);
        }
        return value;
    }

    [[nodiscard]] Result<int> userVersion()
    {
        auto s = stmt(Sql::UserVersion);
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        const int rc = q.step();
        if (rc != SQLITE_ROW) {
            return sqliteError(db_, rc, "reading user_version");
        }
        return static_cast<int>(q.integerAt(0));
    }

    [[nodiscard]] Status configure(std::chrono::milliseconds busyTimeout);
    [[nodiscard]] Status setAndReadBack(const std::string& name, const std::string& value,
                                        const std::string& expected);
    [[nodiscard]] Status migrate();
    [[nodiscard]] Result<core::Receipt> readReceipt(const Query& q);
    [[nodiscard]] Status readScans(core::Receipt& r);
    /// Reads every row of `q` (the receipts columns in table order), with their scans unless
    /// `withScans` is false (then withScansOf() adds them).
    [[nodiscard]] Result<std::vector<core::Receipt>> receipts(Query& q, std::string_view doing,
                                                              bool withScans = true);
    [[nodiscard]] Result<std::vector<core::Receipt>> withScansOf(std::vector<core::Receipt> rs);
    /// Inserts one scan row of a receipt.
    [[nodiscard]] Status insertScan(std::string_view receiptId, const core::ScanRecord& scan)
    {
        auto s = stmt(Sql::InsertScan);
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        q.text(1, receiptId)
            .time(2, scan.at)
            .text(3, scan.device)
            .text(4, scan.aim)
            .text(5, scan.data);
        if (const int rc = q.step(); rc != SQLITE_DONE) {
            return sqliteError(db_, rc, "inserting a scan of a receipt");
        }
        return {};
    }

    [[nodiscard]] Status appendAudit(std::string_view kind, std::string_view subject,
                                     std::string_view detail, core::Timestamp at);
    [[nodiscard]] Result<std::vector<std::string>> firstColumn(Sql id, std::string_view doing);
};

/// Sets `PRAGMA name=value` and reads it back: SQLite ignores unknown values silently, so a
/// setting the station relies on must be checked, not assumed.
Status SqliteStore::Impl::setAndReadBack(const std::string& name, const std::string& value,
                                         const std::string& expected)
{
    auto set = pragma("PRAGMA " + name + "=" + value, "setting " + name + "=" + value);
    if (!set) {
        return std::move(set).takeError();
    }
    auto now = pragma("PRAGMA " + name, "reading " + name);
    if (!now) {
        return std::move(now).takeError();
    }
    if (*now != expected) {
        return makeError(ErrorCode::Database, "SQLite did not take " + name + "=" + value +
                                                  " (reads back " + *now + ")");
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
        return sqliteError(db_, rc, "setting the busy timeout");
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
        if (auto st = exec(Sql::Commit, doing); !st) {
            return rollbackWith(std::move(st).takeError());
        }
        core::Logger(core::LogCategory::Store)
            .notice("schema migrated to version " + std::to_string(next),
                    {.fields = {{"schema_version", std::to_string(next)}}});
    }
}

Result<core::Receipt> SqliteStore::Impl::readReceipt(const Query& q)
{
    core::Receipt r;
    r.id = std::string(q.textAt(0));
    r.station = std::string(q.textAt(1));
    r.operatorId = std::string(q.textAt(2));
    r.code = q.optTextAt(3);
    r.order = q.optTextAt(4);
    const auto decision = core::parseOutcome(q.textAt(5));
    const auto reason = core::parseReason(q.textAt(6));
    if (!decision || !reason) {
        return makeError(ErrorCode::Corrupt, "receipt " + core::displaySafe(r.id) +
                                                 " has an unknown decision or reason word");
    }
    r.decision = *decision;
    r.reason = *reason;
    try {
        const auto flags = nlohmann::json::parse(q.textAt(7));
        for (const auto& f : flags) {
            r.flags.push_back(f.get<std::string>());
        }
        if (!q.isNull(12)) {
            const auto o = nlohmann::json::parse(q.textAt(12));
            core::Override ov;
            ov.by = o.at("by").get<std::string>();
            ov.reason = o.at("reason").get<std::string>();
            ov.at = core::Timestamp{std::chrono::seconds{o.at("at").get<std::int64_t>()}};
            const auto outcome = core::parseOutcome(o.at("outcome").get<std::string>());
            if (!outcome) {
                throw std::invalid_argument("unknown override outcome");
            }
            ov.outcome = *outcome;
            r.override_ = std::move(ov);
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "receipt " + core::displaySafe(r.id) +
                                                 " has unreadable JSON columns: " + e.what());
    }
    r.condition = q.optTextAt(8);
    r.startedAt = q.timeAt(9);
    r.decidedAt = q.timeAt(10);
    r.completedAt = q.optTimeAt(11);
    return r;
}

Status SqliteStore::Impl::readScans(core::Receipt& r)
{
    auto s = stmt(Sql::ScansOfReceipt);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, r.id);
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        r.scans.push_back(core::ScanRecord{q.timeAt(0), std::string(q.textAt(1)),
                                           std::string(q.textAt(2)), std::string(q.textAt(3))});
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db_, rc, "reading the scans of a receipt");
    }
    return {};
}

Result<std::vector<core::Receipt>> SqliteStore::Impl::receipts(Query& q, std::string_view doing,
                                                               bool withScans)
{
    std::vector<core::Receipt> out;
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        auto r = readReceipt(q);
        if (!r) {
            return std::move(r).takeError();
        }
        out.push_back(std::move(r).value());
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db_, rc, doing);
    }
    if (!withScans) {
        return out;
    }
    return withScansOf(std::move(out));
}

Result<std::vector<core::Receipt>> SqliteStore::Impl::withScansOf(std::vector<core::Receipt> out)
{
    // Scans after the receipts: the scans statement is a different one, but reading the
    // receipts to the end first keeps one statement active at a time.
    for (auto& r : out) {
        if (auto st = readScans(r); !st) {
            return std::move(st).takeError();
        }
    }
    return out;
}

Status SqliteStore::Impl::appendAudit(std::string_view kind, std::string_view subject,
                                      std::string_view detail, core::Timestamp at)
{
    std::int64_t id = 1;
    std::string prevHash(kZeroHash);
    {
        auto s = stmt(Sql::AuditTail);
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        const int rc = q.step();
        if (rc == SQLITE_ROW) {
            id = q.integerAt(0) + 1;
            prevHash = std::string(q.textAt(1));
        } else if (rc != SQLITE_DONE) {
            return sqliteError(db_, rc, "reading the last audit record");
        }
    }
    const std::int64_t atSeconds = at.time_since_epoch().count();
    auto hash = auditHash(id, atSeconds, kind, subject, detail, prevHash);
    if (!hash) {
        return std::move(hash).takeError();
    }
    auto s = stmt(Sql::InsertAudit);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.integer(1, id)
        .integer(2, atSeconds)
        .text(3, kind)
        .text(4, subject)
        .text(5, detail)
        .text(6, std::string_view(prevHash))
        .text(7, std::string_view(*hash));
    if (const int rc = q.step(); rc != SQLITE_DONE) {
        return sqliteError(db_, rc, "appending an audit record");
    }
    return {};
}

Result<std::vector<std::string>> SqliteStore::Impl::firstColumn(Sql id, std::string_view doing)
{
    auto s = stmt(id);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    std::vector<std::string> out;
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        out.emplace_back(q.textAt(0));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db_, rc, doing);
    }
    return out;
}

// -------------------------------------------------------------------------------------------------

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
        auto e = sqliteError(impl->db_, rc, "opening database '" + options.path + "'");
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

Result<std::optional<core::CodeState>> SqliteStore::findCode(std::string_view code)
{
    auto s = impl_->stmt(Sql::FindCode);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, code);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<core::CodeState>();
    }
    if (rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "looking up a return code");
    }
    core::CodeState state;
    auto& a = state.auth;
    a.code = std::string(code);
    a.order = std::string(q.textAt(0));
    const auto status = core::parseAuthStatus(q.textAt(1));
    if (!status) {
        return makeError(ErrorCode::Corrupt,
                         "authorization " + core::displaySafe(code) + " has an unknown status");
    }
    a.status = *status;
    a.issuedAt = q.timeAt(2);
    a.expiresAt = q.optTimeAt(3);
    if (!q.isNull(4)) {
        a.category = core::parseCategory(q.textAt(4));
        if (!a.category) {
            return makeError(ErrorCode::Corrupt, "authorization " + core::displaySafe(code) +
                                                     " has an unknown category");
        }
    }
    if (!q.isNull(5)) {
        auto lines = decodeLines(q.textAt(5), code);
        if (!lines) {
            return std::move(lines).takeError();
        }
        a.lines = std::move(lines).value();
    }
    a.version = q.optIntegerAt(6);
    a.deliveredAt = q.optTimeAt(7);
    a.reportedAt = q.optTimeAt(8);
    a.lastActivityAt = q.optTimeAt(9);
    state.consumedBy = q.optTextAt(10);
    return std::optional<core::CodeState>(std::move(state));
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

namespace {

/// Flags and the override are stored as JSON, which cannot carry bytes that are not UTF-8;
/// refused before writing rather than write a receipt that could not be read back (and synced).
[[nodiscard]] Status checkReceiptJsonText(const core::Receipt& r)
{
    for (const auto& f : r.flags) {
        if (!isUtf8(f)) {
            return makeError(ErrorCode::InvalidArgument,
                             "receipt flag " + core::displaySafe(f) + " is not valid UTF-8");
        }
    }
    if (r.override_ && (!isUtf8(r.override_->by) || !isUtf8(r.override_->reason))) {
        return makeError(ErrorCode::InvalidArgument,
                         "the override's supervisor or reason text is not valid UTF-8");
    }
    return {};
}

}  // namespace

Status SqliteStore::insertReceipt(const core::Receipt& r)
{
    if (auto st = checkReceiptJsonText(r); !st) {
        return st;
    }
    return impl_->inTransaction(*this, [&]() -> Status {
        {
            auto s = impl_->stmt(Sql::InsertReceipt);
            if (!s) {
                return std::move(s).takeError();
            }
            const std::string flags = encodeFlags(r.flags);
            const std::optional<std::string> overrideJson =
                r.override_ ? std::optional<std::string>(encodeOverride(*r.override_))
                            : std::nullopt;
            Query q(*s);
            q.text(1, r.id)
                .text(2, r.station)
                .text(3, r.operatorId)
                .text(4, r.code)
                .text(5, r.order)
                .text(6, core::toString(r.decision))
                .text(7, core::toString(r.reason))
                .text(8, std::string_view(flags))
                .text(9, r.condition)
                .time(10, r.startedAt)
                .time(11, r.decidedAt)
                .time(12, r.completedAt)
                .text(13, overrideJson);
            const int rc = q.step();
            if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
                return makeError(ErrorCode::Conflict,
                                 "receipt " + core::displaySafe(r.id) + " already exists");
            }
            if (rc == SQLITE_CONSTRAINT_UNIQUE) {
                return makeError(ErrorCode::Conflict, "code " +
                                                          core::displaySafe(r.code.value_or("")) +
                                                          " already has an accepted receipt");
            }
            if (rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "inserting a receipt");
            }
        }
        for (const auto& scan : r.scans) {
            if (auto st = impl_->insertScan(r.id, scan); !st) {
                return st;
            }
        }
        {
            auto s = impl_->stmt(Sql::InsertOutbox);
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            q.text(1, std::string_view("receipt")).text(2, r.id).time(3, r.decidedAt);
            if (const int rc = q.step(); rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "queueing a receipt in the outbox");
            }
        }
        std::string detail = "decision=";
        detail += core::toString(r.decision);
        detail += " reason=";
        detail += core::toString(r.reason);
        detail += " code=";
        detail += r.code ? *r.code : std::string("-");
        return impl_->appendAudit("receipt", r.id, detail, r.decidedAt);
    });
}

Status SqliteStore::consumeCode(std::string_view code, std::string_view receiptId)
{
    auto s = impl_->stmt(Sql::ConsumeCode);
    if (!s) {
        return std::move(s).takeError();
    }
    {
        Query q(*s);
        q.text(1, code).text(2, receiptId);
        if (const int rc = q.step(); rc != SQLITE_DONE) {
            return sqliteError(impl_->db_, rc, "consuming a return code");
        }
    }
    if (sqlite3_changes(impl_->db_) == 1) {
        return {};
    }
    // Nothing changed: say why (failure path only, so the extra query costs nothing normally).
    auto c = impl_->stmt(Sql::ConsumedBy);
    if (!c) {
        return std::move(c).takeError();
    }
    Query q(*c);
    q.text(1, code);
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
        return makeError(ErrorCode::Conflict, "code " + core::displaySafe(code) +
                                                  " is already consumed by receipt " +
                                                  core::displaySafe(q.textAt(0)));
    }
    if (rc == SQLITE_DONE) {
        return makeError(ErrorCode::Conflict, "code " + core::displaySafe(code) + " is unknown");
    }
    return sqliteError(impl_->db_, rc, "reading a code's consumption");
}

Result<UpsertOutcome> SqliteStore::upsertAuthorization(const core::Authorization& a)
{
    UpsertOutcome outcome = UpsertOutcome::Unchanged;
    const std::int64_t now = nowSeconds(impl_->clock_);
    const std::optional<std::string> lines =
        a.lines.empty() ? std::nullopt : std::optional<std::string>(encodeLines(a.lines));
    const std::optional<std::string_view> category =
        a.category ? std::optional<std::string_view>(core::toString(*a.category)) : std::nullopt;
    auto bindRow = [&](Query& q) {
        q.text(1, a.code)
            .text(2, a.order)
            .text(3, core::toString(a.status))
            .time(4, a.issuedAt)
            .time(5, a.expiresAt)
            .text(7, lines)
            .integer(8, a.version)
            .time(9, a.deliveredAt)
            .time(10, a.reportedAt)
            .time(11, a.lastActivityAt)
            .integer(12, now);
        if (category) {
            q.text(6, *category);
        } else {
            q.null(6);
        }
    };

    auto st = impl_->inTransaction(*this, [&]() -> Status {
        // Fast path: a new code is one INSERT (bulk import is mostly new codes).
        {
            auto s = impl_->stmt(Sql::InsertAuthorization);
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            bindRow(q);
            if (const int rc = q.step(); rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "inserting an authorization");
            }
            if (sqlite3_changes(impl_->db_) == 1) {
                outcome = UpsertOutcome::Inserted;
                return {};
            }
        }
        std::optional<std::int64_t> stored;
        {
            auto s = impl_->stmt(Sql::AuthorizationVersion);
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            q.text(1, a.code);
            const int rc = q.step();
            if (rc != SQLITE_ROW) {
                return sqliteError(impl_->db_, rc == SQLITE_DONE ? SQLITE_ERROR : rc,
                                   "reading an authorization's version");
            }
            stored = q.optIntegerAt(0);
        }
        // The version rule alone decides: an Updated row may carry the same values as before
        // (for instance an unversioned row sent twice); it still counts as Updated because the
        // rule said the incoming row replaces the stored one. consumed_by is kept.
        if (!core::replaces(a.version, stored)) {
            outcome = UpsertOutcome::Unchanged;
            return {};
        }
        auto s = impl_->stmt(Sql::UpdateAuthorization);
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        bindRow(q);
        if (const int rc = q.step(); rc != SQLITE_DONE) {
            return sqliteError(impl_->db_, rc, "updating an authorization");
        }
        outcome = UpsertOutcome::Updated;
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    return outcome;
}

Result<std::vector<core::Receipt>> SqliteStore::listReceipts(std::optional<core::Timestamp> since)
{
    auto s = impl_->stmt(Sql::ReceiptsSince);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.integer(1,
              since ? since->time_since_epoch().count() : std::numeric_limits<std::int64_t>::min());
    return impl_->receipts(q, "listing receipts");
}

Result<std::optional<core::Receipt>> SqliteStore::findReceipt(std::string_view id)
{
    auto s = impl_->stmt(Sql::ReceiptById);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, id);
    auto rows = impl_->receipts(q, "reading a receipt");
    if (!rows) {
        return std::move(rows).takeError();
    }
    if (rows->empty()) {
        return std::optional<core::Receipt>();
    }
    return std::optional<core::Receipt>(std::move(rows->front()));
}

Result<std::int64_t> SqliteStore::authorizationCount()
{
    auto s = impl_->stmt(Sql::AuthorizationCount);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    const int rc = q.step();
    if (rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "counting authorizations");
    }
    return q.integerAt(0);
}

Result<std::vector<std::string>> SqliteStore::orphanConsumptions()
{
    return impl_->firstColumn(Sql::OrphanConsumptions, "looking for orphan consumptions");
}

Result<std::vector<std::string>> SqliteStore::pendingOutbox()
{
    return impl_->firstColumn(Sql::PendingOutbox, "reading the outbox");
}

Status SqliteStore::appendAudit(std::string_view kind, std::string_view subject,
                                std::string_view detail, core::Timestamp at)
{
    // Reading the tail and appending must not interleave with another writer: own transaction
    // unless the caller has one.
    return impl_->inTransaction(*this,
                                [&]() { return impl_->appendAudit(kind, subject, detail, at); });
}

Result<AuditCheck> SqliteStore::verifyAudit()
{
    auto s = impl_->stmt(Sql::AuditAll);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    AuditCheck check;
    std::string expectedPrev(kZeroHash);
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        ++check.rows;
        if (!check.ok) {
            continue;  // count the rest; the first bad row is what matters
        }
        const std::int64_t id = q.integerAt(0);
        const std::string_view prevHash = q.textAt(5);
        const std::string_view hash = q.textAt(6);
        auto computed =
            auditHash(id, q.integerAt(1), q.textAt(2), q.textAt(3), q.textAt(4), prevHash);
        if (!computed) {
            return std::move(computed).takeError();
        }
        if (prevHash != expectedPrev || hash != *computed) {
            check.ok = false;
            check.firstBadRow = id;
            continue;
        }
        expectedPrev = std::string(hash);
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "reading the audit log");
    }
    return check;
}

Result<std::string> SqliteStore::integrityCheck()
{
    auto rows = impl_->firstColumn(Sql::IntegrityCheck, "running integrity_check");
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
    auto rows = impl_->firstColumn(Sql::JournalMode, "reading journal_mode");
    if (!rows) {
        return std::move(rows).takeError();
    }
    return rows->empty() ? std::string() : rows->front();
}

Result<int> SqliteStore::synchronousLevel()
{
    auto s = impl_->stmt(Sql::Synchronous);
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    const int rc = q.step();
    if (rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "reading synchronous");
    }
    return static_cast<int>(q.integerAt(0));
}

Result<int> SqliteStore::schemaVersion()
{
    return impl_->userVersion();
}

Status SqliteStore::insertPhoto(const PhotoRecord& photo)
{
    if (photo.sha256.size() != 64 || photo.role.empty() || photo.path.empty() ||
        !isUtf8(photo.path) || !isUtf8(photo.role)) {
        return makeError(ErrorCode::InvalidArgument,
                         "photo record needs a SHA-256, a role and a UTF-8 path");
    }
    return impl_->inTransaction(*this, [&]() -> Status {
        {
            // Prepared per call (not in kSql): photos are a few per parcel, not a hot path.
            auto s = impl_->adhoc(
                "INSERT INTO photos (receipt_id, sha256, role, path, taken_at, bytes, width,"
                " height, order_label_visible) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                "preparing the photo insert");
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            q.text(1, photo.receiptId)
                .text(2, photo.sha256)
                .text(3, photo.role)
                .text(4, photo.path)
                .time(5, photo.takenAt)
                .integer(6, photo.bytes)
                .integer(7, photo.width ? std::optional<std::int64_t>(*photo.width) : std::nullopt)
                .integer(8,
                         photo.height ? std::optional<std::int64_t>(*photo.height) : std::nullopt)
                .integer(9, photo.orderLabelVisible ? 1 : 0);
            const int rc = q.step();
            if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
                return makeError(ErrorCode::Conflict, "receipt " +
                                                          core::displaySafe(photo.receiptId) +
                                                          " already has photo " + photo.sha256);
            }
            if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
                return makeError(ErrorCode::NotFound,
                                 "no receipt " + core::displaySafe(photo.receiptId));
            }
            if (rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "inserting a photo");
            }
        }
        return impl_->appendAudit("photo", photo.receiptId,
                                  "sha256=" + photo.sha256 + " role=" + photo.role, photo.takenAt);
    });
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

// ---------------------------------------------------------------------------------------------
// Sync bookkeeping (issue 7). Statements are prepared per call, not cached in kSql: they run a
// few times per batch of 100 receipts, far off the decision path.

namespace {

// Open receipts (completed_at NULL) wait until completed: the central system keeps the first
// version it receives. NOT EXISTS rather than a join, so an outbox row whose receipt is missing
// still reaches sync, which reports it.
constexpr std::string_view kPendingReceiptIds =
    "SELECT o.ref FROM outbox AS o WHERE o.synced_at IS NULL AND o.kind = 'receipt'"
    " AND NOT EXISTS (SELECT 1 FROM sync_issues AS i WHERE i.kind = 'rejected' AND i.ref = o.ref)"
    " AND NOT EXISTS (SELECT 1 FROM receipts AS r WHERE r.id = o.ref AND r.completed_at IS NULL)"
    " ORDER BY o.id";
constexpr std::string_view kPhotosOfReceipt =
    "SELECT receipt_id, sha256, role, path, taken_at, bytes FROM photos WHERE receipt_id = ?1"
    " ORDER BY taken_at, sha256";
// One row per distinct SHA-256 (the same file may belong to two receipts); bare columns of an
// aggregate come from the row holding min(taken_at), so the oldest reference names the file.
constexpr std::string_view kPendingPhotos =
    "SELECT receipt_id, sha256, role, path, min(taken_at), bytes FROM photos AS p"
    " WHERE NOT EXISTS (SELECT 1 FROM sync_photos AS s WHERE s.sha256 = p.sha256)"
    " AND NOT EXISTS (SELECT 1 FROM sync_issues AS i WHERE i.kind = 'photo_rejected'"
    " AND i.ref = p.sha256) GROUP BY sha256 ORDER BY min(taken_at), sha256";

[[nodiscard]] std::optional<SyncIssueKind> parseSyncIssueKind(std::string_view word)
{
    for (auto k : {SyncIssueKind::Rejected, SyncIssueKind::Conflict, SyncIssueKind::PhotoRejected,
                   SyncIssueKind::PhotoMissing}) {
        if (toString(k) == word) {
            return k;
        }
    }
    return std::nullopt;
}

/// The columns sync needs (receipt_id, sha256, role, path, taken_at, bytes) as a PhotoRecord.
[[nodiscard]] PhotoRecord readPhotoRef(const Query& q)
{
    PhotoRecord p;
    p.receiptId = std::string(q.textAt(0));
    p.sha256 = std::string(q.textAt(1));
    p.role = std::string(q.textAt(2));
    p.path = std::string(q.textAt(3));
    p.takenAt = q.timeAt(4);
    p.bytes = q.integerAt(5);
    return p;
}

}  // namespace

std::string_view toString(SyncIssueKind k)
{
    switch (k) {
        case SyncIssueKind::Rejected:
            return "rejected";
        case SyncIssueKind::Conflict:
            return "conflict";
        case SyncIssueKind::PhotoRejected:
            return "photo_rejected";
        case SyncIssueKind::PhotoMissing:
            return "photo_missing";
    }
    return "rejected";
}

Result<std::vector<std::string>> SqliteStore::pendingReceiptIds()
{
    auto s = impl_->adhoc(kPendingReceiptIds, "preparing the pending-receipts query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    std::vector<std::string> out;
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        out.emplace_back(q.textAt(0));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "reading the receipts queued for sync");
    }
    return out;
}

namespace {

/// Every row of a photo query (readPhotoRef's columns).
Result<std::vector<PhotoRecord>> readPhotoRows(sqlite3* db, Query& q, const char* what)
{
    std::vector<PhotoRecord> out;
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        out.push_back(readPhotoRef(q));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, rc, what);
    }
    return out;
}

}  // namespace

Result<std::vector<PhotoRecord>> SqliteStore::photosOfReceipt(std::string_view receiptId)
{
    auto s = impl_->adhoc(kPhotosOfReceipt, "preparing the photos query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, receiptId);
    return readPhotoRows(impl_->db_, q, "reading the photos of a receipt");
}

Result<std::vector<PhotoRecord>> SqliteStore::photosOfPendingReceipts()
{
    auto s = impl_->adhoc(
        "SELECT p.receipt_id, p.sha256, p.role, p.path, p.taken_at, p.bytes FROM photos AS p"
        " JOIN outbox AS o ON o.kind = 'receipt' AND o.ref = p.receipt_id"
        " JOIN receipts AS r ON r.id = p.receipt_id"
        " WHERE o.synced_at IS NULL AND r.completed_at IS NOT NULL"
        " ORDER BY p.receipt_id, p.taken_at, p.sha256",
        "preparing the queued receipts' photos query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    return readPhotoRows(impl_->db_, q, "reading the photos of queued receipts");
}

Result<std::vector<PhotoRecord>> SqliteStore::pendingPhotos()
{
    auto s = impl_->adhoc(kPendingPhotos, "preparing the pending-photos query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    return readPhotoRows(impl_->db_, q, "reading the photos queued for sync");
}

Status SqliteStore::markReceiptsSynced(const std::vector<std::string>& ids, core::Timestamp at)
{
    return impl_->inTransaction(*this, [&]() -> Status {
        auto s = impl_->adhoc(
            "UPDATE outbox SET synced_at = ?2, attempts = attempts + 1"
            " WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL",
            "preparing the outbox update");
        if (!s) {
            return std::move(s).takeError();
        }
        for (const auto& id : ids) {
            Query q(*s);
            q.text(1, id).time(2, at);
            if (const int rc = q.step(); rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "marking a receipt as synced");
            }
        }
        return {};
    });
}

Result<std::int64_t> SqliteStore::outboxRevision(std::string_view receiptId)
{
    // The unsynced row when there is one (the one sync works on), else the latest.
    auto s = impl_->adhoc(
        "SELECT revision FROM outbox WHERE kind = 'receipt' AND ref = ?1"
        " ORDER BY synced_at IS NULL DESC, id DESC LIMIT 1",
        "preparing the outbox revision query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, receiptId);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return makeError(ErrorCode::NotFound,
                         "receipt " + core::displaySafe(receiptId) + " has no outbox row");
    }
    if (rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "reading the outbox revision of a receipt");
    }
    return q.integerAt(0);
}

Result<std::vector<std::string>> SqliteStore::markReceiptsSyncedIfUnchanged(
    const std::vector<ReceiptRevision>& receipts, core::Timestamp at)
{
    std::vector<std::string> changed;
    auto st = impl_->inTransaction(*this, [&]() -> Status {
        changed.clear();  // a retried body starts again
        auto mark = impl_->adhoc(
            "UPDATE outbox SET synced_at = ?2, attempts = attempts + 1"
            " WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL AND revision = ?3",
            "preparing the revision-checked outbox update");
        if (!mark) {
            return std::move(mark).takeError();
        }
        for (const auto& r : receipts) {
            {
                Query q(*mark);
                q.text(1, r.id).time(2, at).integer(3, r.revision);
                if (const int rc = q.step(); rc != SQLITE_DONE) {
                    return sqliteError(impl_->db_, rc, "marking a receipt as synced");
                }
                if (sqlite3_changes(impl_->db_) > 0) {
                    continue;
                }
            }
            // Nothing marked: either synced already (a repeated mark, harmless) or changed since
            // its revision was read. Only the second leaves it queued; the rare path pays for
            // the extra query.
            auto queued = impl_->adhoc(
                "SELECT 1 FROM outbox WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL"
                " LIMIT 1",
                "preparing the outbox state query");
            if (!queued) {
                return std::move(queued).takeError();
            }
            Query q(*queued);
            q.text(1, r.id);
            const int rc = q.step();
            if (rc == SQLITE_ROW) {
                changed.push_back(r.id);
            } else if (rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "reading the outbox state of a receipt");
            }
        }
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    return changed;
}

Status SqliteStore::markPhotoUploaded(std::string_view sha256, core::Timestamp at)
{
    auto s = impl_->adhoc(
        "INSERT INTO sync_photos (sha256, uploaded_at) VALUES (?1, ?2)"
        " ON CONFLICT (sha256) DO NOTHING",
        "preparing the photo bookkeeping");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, sha256).time(2, at);
    if (const int rc = q.step(); rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "recording an uploaded photo");
    }
    return {};
}

Status SqliteStore::recordSyncIssue(const SyncIssue& issue)
{
    auto s = impl_->adhoc(
        "INSERT INTO sync_issues (kind, ref, code, word, message, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (kind, ref) DO UPDATE SET"
        " code = excluded.code, word = excluded.word, message = excluded.message,"
        " at = excluded.at",
        "preparing the sync issue insert");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, toString(issue.kind))
        .text(2, issue.ref)
        .text(3, issue.code)
        .text(4, issue.word)
        .text(5, issue.message)
        .time(6, issue.at);
    if (const int rc = q.step(); rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "recording a sync issue");
    }
    return {};
}

Status SqliteStore::clearPhotoMissing(std::string_view sha256)
{
    auto s = impl_->adhoc(
        "DELETE FROM sync_issues WHERE kind ="
        " 'photo_missing' AND ref = ?1",
        "preparing the sync issue delete");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, sha256);
    if (const int rc = q.step(); rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "clearing a missing-photo issue");
    }
    return {};
}

Result<std::vector<SyncIssue>> SqliteStore::syncIssues()
{
    auto s = impl_->adhoc(
        "SELECT id, kind, ref, code, word, message, at"
        " FROM sync_issues ORDER BY at, id",
        "preparing the sync issues query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    std::vector<SyncIssue> out;
    int rc = SQLITE_OK;
    while ((rc = q.step()) == SQLITE_ROW) {
        const auto kind = parseSyncIssueKind(q.textAt(1));
        if (!kind) {
            return makeError(ErrorCode::Corrupt, "sync issue with an unknown kind");
        }
        out.push_back(SyncIssue{q.integerAt(0), *kind, std::string(q.textAt(2)), q.optTextAt(3),
                                std::string(q.textAt(4)), std::string(q.textAt(5)), q.timeAt(6)});
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "reading the sync issues");
    }
    return out;
}

Result<std::optional<std::string>> SqliteStore::syncState(std::string_view key)
{
    auto s = impl_->adhoc("SELECT value FROM sync_state WHERE key = ?1",
                          "preparing the sync state query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, key);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<std::string>();
    }
    if (rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "reading the sync state");
    }
    return std::optional<std::string>(std::string(q.textAt(0)));
}

Status SqliteStore::setSyncState(std::string_view key, std::string_view value)
{
    auto s = impl_->adhoc(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        "preparing the sync state update");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, key).text(2, value);
    if (const int rc = q.step(); rc != SQLITE_DONE) {
        return sqliteError(impl_->db_, rc, "writing the sync state");
    }
    return {};
}

Result<OutboxCounts> SqliteStore::outboxCounts()
{
    // pendingReceipts counts what pendingReceiptIds() lists; openReceipts walks the small
    // receipts_open index.
    auto s = impl_->adhoc(
        "SELECT"
        " (SELECT count(*) FROM outbox AS o WHERE o.kind = 'receipt' AND o.synced_at IS NULL"
        "  AND NOT EXISTS (SELECT 1 FROM sync_issues AS i WHERE i.kind = 'rejected'"
        "  AND i.ref = o.ref) AND NOT EXISTS (SELECT 1 FROM receipts AS r WHERE r.id = o.ref"
        "  AND r.completed_at IS NULL)),"
        " (SELECT count(*) FROM outbox WHERE kind = 'receipt' AND synced_at IS NOT NULL),"
        " (SELECT count(*) FROM sync_issues WHERE kind = 'rejected'),"
        " (SELECT count(DISTINCT sha256) FROM photos AS p WHERE NOT EXISTS (SELECT 1 FROM"
        "  sync_photos AS s WHERE s.sha256 = p.sha256) AND NOT EXISTS (SELECT 1 FROM"
        "  sync_issues AS i WHERE i.kind = 'photo_rejected' AND i.ref = p.sha256)),"
        " (SELECT count(*) FROM sync_photos),"
        " (SELECT count(*) FROM receipts AS r WHERE r.completed_at IS NULL AND EXISTS (SELECT 1"
        "  FROM outbox AS o WHERE o.kind = 'receipt' AND o.ref = r.id AND o.synced_at IS NULL))",
        "preparing the outbox counts");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "counting the outbox");
    }
    OutboxCounts counts;
    counts.pendingReceipts = q.integerAt(0);
    counts.syncedReceipts = q.integerAt(1);
    counts.rejectedReceipts = q.integerAt(2);
    counts.pendingPhotos = q.integerAt(3);
    counts.uploadedPhotos = q.integerAt(4);
    counts.openReceipts = q.integerAt(5);
    return counts;
}

// ---------------------------------------------------------------------------------------------
// Parcel sessions (issue 6). Statements are cached by their text (Impl::adhoc), like the sync
// bookkeeping's.

namespace {

constexpr std::string_view kOpenReceipts =
    "SELECT id, station, operator, code, order_no, decision, reason, flags_json, condition,"
    " started_at, decided_at, completed_at, override_json FROM receipts"
    " WHERE completed_at IS NULL ORDER BY decided_at, rowid";
constexpr std::string_view kRecentReceipts =
    "SELECT id, station, operator, code, order_no, decision, reason, flags_json, condition,"
    " started_at, decided_at, completed_at, override_json FROM receipts"
    " ORDER BY decided_at DESC, rowid DESC LIMIT ?1";
// A prefix is a range [?2, ?3) on each column: no LIKE, so `%` and `_` are plain characters.
// Two plans, because neither is good for every prefix (200,000 receipts, measured):
// - kRecentReceiptsInWindow filters the newest ?4 receipts (walking receipts_decided_at
//   backwards): about 1 ms whatever the prefix. When it finds `limit` matches they are the
//   answer, as every match outside the window is older. A short prefix ("R", "RC", "1") is
//   answered here.
// - Otherwise kRecentReceiptsByPrefix reads each range from an index (receipts_code,
//   receipts_order, the primary key on id) and sorts the matches: instant for a selective
//   prefix, but 0.3-0.5 s when the matches run into the hundred thousands, which is why the
//   window goes first. What is left to it has few matches among recent receipts.
constexpr std::string_view kRecentReceiptsInWindow =
    "SELECT id, station, operator, code, order_no, decision, reason, flags_json, condition,"
    " started_at, decided_at, completed_at, override_json FROM (SELECT rowid AS rid, id,"
    " station, operator, code, order_no, decision, reason, flags_json, condition, started_at,"
    " decided_at, completed_at, override_json FROM receipts"
    " ORDER BY decided_at DESC, rowid DESC LIMIT ?4)"
    " WHERE (code >= ?2 AND code < ?3) OR (order_no >= ?2 AND order_no < ?3)"
    " OR (id >= ?2 AND id < ?3) ORDER BY decided_at DESC, rid DESC LIMIT ?1";
constexpr std::int64_t kRecentWindow = 2000;
constexpr std::string_view kRecentReceiptsByPrefix =
    "SELECT id, station, operator, code, order_no, decision, reason, flags_json, condition,"
    " started_at, decided_at, completed_at, override_json FROM receipts"
    " WHERE (code >= ?2 AND code < ?3) OR (order_no >= ?2 AND order_no < ?3)"
    " OR (id >= ?2 AND id < ?3) ORDER BY decided_at DESC, rowid DESC LIMIT ?1";
// Counted from indexes, not by reading every row of the period (one query; 100,000 receipts
// in the period: 15-30 ms, against 85-90 ms when each row was read; docs/storage.md):
// - per decision: three range counts on receipts_decision (decision, decided_at), which walk
//   the index only;
// - overrides (rare): the rows of receipts_overridden move from their decision's count to the
//   override's outcome;
// - abandoned (rare): the rows of receipts_abandoned, each confirmed with json_each so that
//   only a whole "abandoned" element counts (the index's instr() term must stay as written
//   here for SQLite to use it).
constexpr std::string_view kCountReceipts =
    "WITH d AS (SELECT"
    " (SELECT count(*) FROM receipts WHERE decision = 'accepted' AND decided_at >= ?1) AS a,"
    " (SELECT count(*) FROM receipts WHERE decision = 'rejected' AND decided_at >= ?1) AS r,"
    " (SELECT count(*) FROM receipts WHERE decision = 'held' AND decided_at >= ?1) AS h),"
    " o AS (SELECT count(*) FILTER (WHERE decision = 'accepted') AS fa,"
    " count(*) FILTER (WHERE decision = 'rejected') AS fr,"
    " count(*) FILTER (WHERE decision = 'held') AS fh,"
    " count(*) FILTER (WHERE json_extract(override_json, '$.outcome') = 'accepted') AS ta,"
    " count(*) FILTER (WHERE json_extract(override_json, '$.outcome') = 'rejected') AS tr,"
    " count(*) FILTER (WHERE json_extract(override_json, '$.outcome') = 'held') AS th"
    " FROM receipts WHERE decided_at >= ?1 AND override_json IS NOT NULL),"
    " b AS (SELECT count(*) AS n FROM receipts WHERE decided_at >= ?1"
    " AND instr(flags_json, '\"abandoned\"') > 0"
    " AND EXISTS (SELECT 1 FROM json_each(receipts.flags_json) WHERE value = 'abandoned'))"
    " SELECT d.a + d.r + d.h, d.a - o.fa + o.ta, d.r - o.fr + o.tr, d.h - o.fh + o.th, b.n"
    " FROM d, o, b";
constexpr std::string_view kOutboxSyncedAt =
    "SELECT synced_at FROM outbox WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NOT NULL"
    " LIMIT 1";
constexpr std::string_view kUpdateReceipt =
    "UPDATE receipts SET order_no = ?2, flags_json = ?3, condition = ?4, completed_at = ?5,"
    " override_json = ?6 WHERE id = ?1";
// A change to a queued receipt makes any copy already on its way to the central system outdated:
// sync marks a receipt synced only at the revision it read (markReceiptsSyncedIfUnchanged).
constexpr std::string_view kBumpOutboxRevision =
    "UPDATE outbox SET revision = revision + 1"
    " WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL";
constexpr std::string_view kFindPhoto =
    "SELECT receipt_id, sha256, role, path, taken_at, bytes, width, height, order_label_visible"
    " FROM photos WHERE sha256 = ?1 ORDER BY taken_at, receipt_id LIMIT 1";

/// The smallest string above every string that starts with `prefix` (byte order, which is
/// SQLite's BINARY collation): the prefix with its last byte raised by one. `prefix` is
/// non-empty UTF-8, so it holds no 0xff byte and the increment cannot overflow.
[[nodiscard]] std::string prefixUpperBound(std::string_view prefix)
{
    std::string upper(prefix);
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    return upper;
}

/// The name of the first field of `next` that differs from the stored `old` and may not change,
/// or empty.
[[nodiscard]] std::string_view changedImmutableField(const core::Receipt& old,
                                                     const core::Receipt& next)
{
    if (next.station != old.station) {
        return "station";
    }
    if (next.operatorId != old.operatorId) {
        return "operator";
    }
    if (next.code != old.code) {
        return "code";
    }
    if (next.decision != old.decision) {
        return "decision";
    }
    if (next.reason != old.reason) {
        return "reason";
    }
    if (next.startedAt != old.startedAt) {
        return "started_at";
    }
    if (next.decidedAt != old.decidedAt) {
        return "decided_at";
    }
    if (old.order && next.order != old.order) {
        return "order_no";  // set once: only a NULL order may be filled in
    }
    return {};
}

/// The audit detail of an update: `field=value` for each changed part, space-separated (empty
/// when nothing changed). Values are for people; "-" stands for "none".
[[nodiscard]] std::string describeUpdate(const core::Receipt& old, const core::Receipt& next)
{
    std::string detail;
    auto add = [&detail](std::string_view field, std::string_view value) {
        if (!detail.empty()) {
            detail += ' ';
        }
        detail += field;
        detail += '=';
        detail += value;
    };
    if (next.condition != old.condition) {
        add("condition", next.condition ? std::string_view(*next.condition) : "-");
    }
    if (next.flags != old.flags) {
        std::string list;
        for (const auto& f : next.flags) {
            list += list.empty() ? "" : ",";
            list += f;
        }
        add("flags", list.empty() ? "-" : list);
    }
    if (next.completedAt != old.completedAt) {
        add("completed_at", next.completedAt ? core::formatRfc3339(*next.completedAt) : "-");
    }
    if (next.override_ != old.override_) {
        std::string o = "-";
        if (next.override_) {
            o = std::string(core::toString(next.override_->outcome)) + "(by " + next.override_->by +
                ")";
        }
        add("override", o);
    }
    if (!old.order && next.order) {
        add("order", *next.order);
    }
    if (next.scans.size() > old.scans.size()) {
        add("scans", "+" + std::to_string(next.scans.size() - old.scans.size()));
    }
    return detail;
}

}  // namespace

Status SqliteStore::updateReceipt(const core::Receipt& r)
{
    if (auto st = checkReceiptJsonText(r); !st) {
        return st;
    }
    return impl_->inTransaction(*this, [&]() -> Status {
        // Read inside the transaction (BEGIN IMMEDIATE holds the write lock): nobody can change
        // the receipt or mark it synced between this check and the write.
        std::vector<core::Receipt> rows;
        {
            auto s = impl_->stmt(Sql::ReceiptById);
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            q.text(1, r.id);
            auto read = impl_->receipts(q, "reading a receipt to update");
            if (!read) {
                return std::move(read).takeError();
            }
            rows = std::move(read).value();
        }
        if (rows.empty()) {
            return makeError(ErrorCode::NotFound, "no receipt " + core::displaySafe(r.id));
        }
        const core::Receipt& old = rows.front();
        if (const auto field = changedImmutableField(old, r); !field.empty()) {
            return makeError(ErrorCode::InvalidArgument,
                             "immutable field " + std::string(field) + " of receipt " +
                                 core::displaySafe(r.id) + " differs from the stored one");
        }
        if (old.completedAt && !r.completedAt) {
            return makeError(ErrorCode::InvalidArgument,
                             "completed_at of receipt " + core::displaySafe(r.id) +
                                 " cannot be cleared: a completed receipt is not reopened");
        }
        if (r.scans.size() < old.scans.size() ||
            !std::equal(old.scans.begin(), old.scans.end(), r.scans.begin())) {
            return makeError(ErrorCode::InvalidArgument,
                             "scans are append-only: the " + std::to_string(old.scans.size()) +
                                 " stored scans of receipt " + core::displaySafe(r.id) +
                                 " are not a prefix of the given ones");
        }
        const std::string detail = describeUpdate(old, r);
        if (detail.empty()) {
            return {};  // nothing changed: nothing to write, nothing to audit
        }
        {
            auto s = impl_->adhoc(kOutboxSyncedAt, "preparing the outbox state query");
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            q.text(1, r.id);
            const int rc = q.step();
            if (rc == SQLITE_ROW) {
                return makeError(ErrorCode::Conflict,
                                 "already_synced: receipt " + core::displaySafe(r.id) +
                                     " was sent to the central system at " +
                                     core::formatRfc3339(q.timeAt(0)) +
                                     ", which keeps the first version it received");
            }
            if (rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "reading the outbox state of a receipt");
            }
        }
        {
            auto s = impl_->adhoc(kUpdateReceipt, "preparing the receipt update");
            if (!s) {
                return std::move(s).takeError();
            }
            const std::string flags = encodeFlags(r.flags);
            const std::optional<std::string> overrideJson =
                r.override_ ? std::optional<std::string>(encodeOverride(*r.override_))
                            : std::nullopt;
            const std::optional<std::string>& order = old.order ? old.order : r.order;
            Query q(*s);
            q.text(1, r.id)
                .text(2, order)
                .text(3, std::string_view(flags))
                .text(4, r.condition)
                .time(5, r.completedAt)
                .text(6, overrideJson);
            if (const int rc = q.step(); rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "updating a receipt");
            }
        }
        for (std::size_t i = old.scans.size(); i < r.scans.size(); ++i) {
            if (auto st = impl_->insertScan(r.id, r.scans[i]); !st) {
                return st;
            }
        }
        {
            // In the update's transaction: a sync that read the receipt before this commit
            // holds the old revision, and its mark will not match (it reports the change).
            auto s = impl_->adhoc(kBumpOutboxRevision, "preparing the outbox revision update");
            if (!s) {
                return std::move(s).takeError();
            }
            Query q(*s);
            q.text(1, r.id);
            if (const int rc = q.step(); rc != SQLITE_DONE) {
                return sqliteError(impl_->db_, rc, "raising the outbox revision of a receipt");
            }
        }
        const core::Timestamp now{std::chrono::seconds{nowSeconds(impl_->clock_)}};
        return impl_->appendAudit("receipt.update", r.id, detail, now);
    });
}

Result<std::vector<core::Receipt>> SqliteStore::openReceipts()
{
    auto s = impl_->adhoc(kOpenReceipts, "preparing the open receipts query");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    return impl_->receipts(q, "listing the open receipts");
}

Result<std::vector<core::Receipt>> SqliteStore::recentReceipts(int limit, std::string_view query)
{
    if (limit < 0) {
        return makeError(ErrorCode::InvalidArgument, "a negative number of receipts was asked for");
    }
    if (!isUtf8(query)) {
        return makeError(ErrorCode::InvalidArgument, "the receipt search text is not valid UTF-8");
    }
    if (query.empty()) {
        auto s = impl_->adhoc(kRecentReceipts, "preparing the recent receipts query");
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        q.integer(1, limit);
        return impl_->receipts(q, "listing the recent receipts");
    }
    const std::string upper = prefixUpperBound(query);
    {
        auto s = impl_->adhoc(kRecentReceiptsInWindow, "preparing the receipt search");
        if (!s) {
            return std::move(s).takeError();
        }
        Query q(*s);
        q.integer(1, limit).text(2, query).text(3, upper).integer(4, kRecentWindow);
        auto recent = impl_->receipts(q, "searching the recent receipts", false);
        if (!recent) {
            return std::move(recent).takeError();
        }
        if (recent->size() == static_cast<std::size_t>(limit)) {
            return impl_->withScansOf(std::move(recent).value());
        }
    }
    auto s = impl_->adhoc(kRecentReceiptsByPrefix, "preparing the receipt search");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.integer(1, limit).text(2, query).text(3, upper);
    return impl_->receipts(q, "searching the receipts");
}

Result<ReceiptCounts> SqliteStore::countReceipts(core::Timestamp since)
{
    auto s = impl_->adhoc(kCountReceipts, "preparing the receipt counts");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.time(1, since);
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "counting the receipts");
    }
    ReceiptCounts counts;
    counts.total = q.integerAt(0);
    counts.accepted = q.integerAt(1);
    counts.rejected = q.integerAt(2);
    counts.held = q.integerAt(3);
    counts.abandoned = q.integerAt(4);
    return counts;
}

Result<std::optional<PhotoRecord>> SqliteStore::findPhoto(std::string_view sha256)
{
    auto s = impl_->adhoc(kFindPhoto, "preparing the photo lookup");
    if (!s) {
        return std::move(s).takeError();
    }
    Query q(*s);
    q.text(1, sha256);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<PhotoRecord>();
    }
    if (rc != SQLITE_ROW) {
        return sqliteError(impl_->db_, rc, "looking up a photo");
    }
    PhotoRecord p = readPhotoRef(q);
    if (!q.isNull(6)) {
        p.width = static_cast<int>(q.integerAt(6));
    }
    if (!q.isNull(7)) {
        p.height = static_cast<int>(q.integerAt(7));
    }
    p.orderLabelVisible = q.integerAt(8) != 0;
    return std::optional<PhotoRecord>(std::move(p));
}

}  // namespace returnscan::store
