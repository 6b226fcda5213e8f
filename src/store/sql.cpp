// SPDX-License-Identifier: Apache-2.0
// The statement registry: the SQL text of every statement the store runs, one row per `Sql` id,
// with why each is written as it is. The schema the statements read is in schema.cpp.
#include "statement.h"

namespace returnscan::store::detail {
namespace {

struct Entry {
    Sql id;
    std::string_view text;
};

// The columns of a receipt in the order SqliteStore::Impl::readReceipt reads them.
#define RS_RECEIPT_COLUMNS                                                            \
    "id, station, operator, code, order_no, decision, reason, flags_json, condition," \
    " started_at, decided_at, completed_at, override_json"

constexpr std::array<Entry, kSqlCount> kSql = {{
    // --- Transactions and schema -------------------------------------------------------------
    {Sql::Begin, "BEGIN IMMEDIATE"},
    {Sql::Commit, "COMMIT"},
    {Sql::Rollback, "ROLLBACK"},
    {Sql::UserVersion, "PRAGMA user_version"},
    {Sql::IntegrityCheck, "PRAGMA integrity_check"},
    {Sql::JournalMode, "PRAGMA journal_mode"},
    {Sql::Synchronous, "PRAGMA synchronous"},

    // --- Authorizations ----------------------------------------------------------------------
    // The decision path's only query (benchmarked against a bare SELECT by code).
    {Sql::FindCode,
     "SELECT order_no, status, issued_at, expires_at, category, lines_json, version, delivered_at,"
     " reported_at, last_activity_at, consumed_by FROM authorizations WHERE code = ?1"},
    {Sql::InsertAuthorization,
     "INSERT INTO authorizations (code, order_no, status, issued_at, expires_at, category,"
     " lines_json, version, delivered_at, reported_at, last_activity_at, updated_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (code) DO NOTHING"},
    {Sql::AuthorizationVersion, "SELECT version FROM authorizations WHERE code = ?1"},
    // consumed_by is deliberately absent: a newer version of a code keeps its consumption.
    {Sql::UpdateAuthorization,
     "UPDATE authorizations SET order_no = ?2, status = ?3, issued_at = ?4, expires_at = ?5,"
     " category = ?6, lines_json = ?7, version = ?8, delivered_at = ?9, reported_at = ?10,"
     " last_activity_at = ?11, updated_at = ?12 WHERE code = ?1"},
    {Sql::ConsumeCode,
     "UPDATE authorizations SET consumed_by = ?2 WHERE code = ?1 AND consumed_by IS NULL"},
    {Sql::ConsumedBy, "SELECT consumed_by FROM authorizations WHERE code = ?1"},
    {Sql::AuthorizationCount, "SELECT count(*) FROM authorizations"},
    // A receipt accepted by a supervisor's override (decision held or rejected) may consume its
    // code too: the effective outcome counts, as in countReceipts().
    {Sql::OrphanConsumptions,
     "SELECT a.code FROM authorizations AS a LEFT JOIN receipts AS r ON r.id = a.consumed_by"
     " WHERE a.consumed_by IS NOT NULL AND (r.id IS NULL OR r.code IS NOT a.code"
     " OR (CASE WHEN r.override_json IS NULL THEN r.decision"
     " ELSE json_extract(r.override_json, '$.outcome') END) IS NOT 'accepted') ORDER BY a.code"},

    // --- Receipts and their scans ------------------------------------------------------------
    {Sql::InsertReceipt, "INSERT INTO receipts (" RS_RECEIPT_COLUMNS ")"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"},
    {Sql::InsertScan,
     "INSERT INTO scans (receipt_id, at, device, aim, data) VALUES (?1, ?2, ?3, ?4, ?5)"},
    {Sql::ReceiptsSince, "SELECT " RS_RECEIPT_COLUMNS
                         " FROM receipts WHERE decided_at >= ?1 ORDER BY decided_at, rowid"},
    {Sql::ReceiptById, "SELECT " RS_RECEIPT_COLUMNS " FROM receipts WHERE id = ?1"},
    {Sql::ScansOfReceipt,
     "SELECT at, device, aim, data FROM scans WHERE receipt_id = ?1 ORDER BY id"},
    {Sql::UpdateReceipt,
     "UPDATE receipts SET order_no = ?2, flags_json = ?3, condition = ?4, completed_at = ?5,"
     " override_json = ?6 WHERE id = ?1"},
    {Sql::OutboxSyncedAt,
     "SELECT synced_at FROM outbox WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NOT NULL"
     " LIMIT 1"},
    // A change to a queued receipt makes any copy already on its way to the central system
    // outdated: sync marks a receipt synced only at the revision it read
    // (markReceiptsSyncedIfUnchanged).
    {Sql::BumpOutboxRevision,
     "UPDATE outbox SET revision = revision + 1"
     " WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL"},

    // --- Parcel sessions: open, recent, counted ----------------------------------------------
    {Sql::OpenReceipts, "SELECT " RS_RECEIPT_COLUMNS " FROM receipts WHERE completed_at IS NULL"
                        " ORDER BY decided_at, rowid"},
    {Sql::RecentReceipts,
     "SELECT " RS_RECEIPT_COLUMNS " FROM receipts ORDER BY decided_at DESC, rowid DESC LIMIT ?1"},
    // A prefix is a range [?2, ?3) on each column: no LIKE, so `%` and `_` are plain characters.
    // Two plans, because neither is good for every prefix (200,000 receipts, measured):
    // - RecentReceiptsInWindow filters the newest ?4 receipts (walking receipts_decided_at
    //   backwards): about 1 ms whatever the prefix. When it finds `limit` matches they are the
    //   answer, as every match outside the window is older. A short prefix ("R", "RC", "1") is
    //   answered here.
    // - Otherwise RecentReceiptsByPrefix reads each range from an index (receipts_code,
    //   receipts_order, the primary key on id) and sorts the matches: instant for a selective
    //   prefix, but 0.3-0.5 s when the matches run into the hundred thousands, which is why the
    //   window goes first. What is left to it has few matches among recent receipts.
    {Sql::RecentReceiptsInWindow,
     "SELECT " RS_RECEIPT_COLUMNS " FROM (SELECT rowid AS rid, " RS_RECEIPT_COLUMNS
     " FROM receipts ORDER BY decided_at DESC, rowid DESC LIMIT ?4)"
     " WHERE (code >= ?2 AND code < ?3) OR (order_no >= ?2 AND order_no < ?3)"
     " OR (id >= ?2 AND id < ?3) ORDER BY decided_at DESC, rid DESC LIMIT ?1"},
    {Sql::RecentReceiptsByPrefix,
     "SELECT " RS_RECEIPT_COLUMNS " FROM receipts"
     " WHERE (code >= ?2 AND code < ?3) OR (order_no >= ?2 AND order_no < ?3)"
     " OR (id >= ?2 AND id < ?3) ORDER BY decided_at DESC, rowid DESC LIMIT ?1"},
    // Counted from indexes, not by reading every row of the period (one query; 100,000 receipts
    // in the period: 15-30 ms, against 85-90 ms when each row was read; docs/storage.md):
    // - per decision: three range counts on receipts_decision (decision, decided_at), which
    //   walk the index only;
    // - overrides (rare): the rows of receipts_overridden move from their decision's count to
    //   the override's outcome;
    // - abandoned (rare): the rows of receipts_abandoned, each confirmed with json_each so that
    //   only a whole "abandoned" element counts (the index's instr() term must stay as written
    //   here for SQLite to use it).
    {Sql::CountReceipts,
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
     " FROM d, o, b"},

    // --- Photos -------------------------------------------------------------------------------
    {Sql::InsertPhoto,
     "INSERT INTO photos (receipt_id, sha256, role, path, taken_at, bytes, width,"
     " height, order_label_visible) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    {Sql::FindPhoto,
     "SELECT receipt_id, sha256, role, path, taken_at, bytes, width, height, order_label_visible"
     " FROM photos WHERE sha256 = ?1 ORDER BY taken_at, receipt_id LIMIT 1"},
    {Sql::PhotosOfReceipt,
     "SELECT receipt_id, sha256, role, path, taken_at, bytes, width, height, order_label_visible"
     " FROM photos WHERE receipt_id = ?1 ORDER BY taken_at, sha256"},
    {Sql::PhotosOfPendingReceipts,
     "SELECT p.receipt_id, p.sha256, p.role, p.path, p.taken_at, p.bytes FROM photos AS p"
     " JOIN outbox AS o ON o.kind = 'receipt' AND o.ref = p.receipt_id"
     " JOIN receipts AS r ON r.id = p.receipt_id"
     " WHERE o.synced_at IS NULL AND r.completed_at IS NOT NULL"
     " ORDER BY p.receipt_id, p.taken_at, p.sha256"},
    // One row per distinct SHA-256 (the same file may belong to two receipts); bare columns of
    // an aggregate come from the row holding min(taken_at), so the oldest reference names the
    // file.
    {Sql::PendingPhotos,
     "SELECT receipt_id, sha256, role, path, min(taken_at), bytes FROM photos AS p"
     " WHERE NOT EXISTS (SELECT 1 FROM sync_photos AS s WHERE s.sha256 = p.sha256)"
     " AND NOT EXISTS (SELECT 1 FROM sync_issues AS i WHERE i.kind = 'photo_rejected'"
     " AND i.ref = p.sha256) GROUP BY sha256 ORDER BY min(taken_at), sha256"},

    // --- Sync bookkeeping: outbox, cursors, issues --------------------------------------------
    {Sql::InsertOutbox, "INSERT INTO outbox (kind, ref, created_at) VALUES (?1, ?2, ?3)"},
    // Open receipts (completed_at NULL) are not ready to send; an outbox row without its
    // receipt stays visible, so the loss is reported rather than hidden.
    {Sql::PendingOutbox,
     "SELECT o.ref FROM outbox AS o WHERE o.synced_at IS NULL AND o.kind = 'receipt' AND NOT"
     " EXISTS (SELECT 1 FROM receipts AS r WHERE r.id = o.ref AND r.completed_at IS NULL)"
     " ORDER BY o.id"},
    // As PendingOutbox, without the receipts the central system rejected. Open receipts wait
    // until completed: the central system keeps the first version it receives. NOT EXISTS
    // rather than a join, so an outbox row whose receipt is missing still reaches sync, which
    // reports it.
    {Sql::PendingReceiptIds,
     "SELECT o.ref FROM outbox AS o WHERE o.synced_at IS NULL AND o.kind = 'receipt'"
     " AND NOT EXISTS (SELECT 1 FROM sync_issues AS i WHERE i.kind = 'rejected' AND i.ref = o.ref)"
     " AND NOT EXISTS (SELECT 1 FROM receipts AS r WHERE r.id = o.ref AND r.completed_at IS NULL)"
     " ORDER BY o.id"},
    {Sql::MarkReceiptSynced,
     "UPDATE outbox SET synced_at = ?2, attempts = attempts + 1"
     " WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL"},
    // The unsynced row when there is one (the one sync works on), else the latest.
    {Sql::OutboxRevision,
     "SELECT revision FROM outbox WHERE kind = 'receipt' AND ref = ?1"
     " ORDER BY synced_at IS NULL DESC, id DESC LIMIT 1"},
    {Sql::MarkReceiptSyncedAtRevision,
     "UPDATE outbox SET synced_at = ?2, attempts = attempts + 1"
     " WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL AND revision = ?3"},
    {Sql::ReceiptQueued,
     "SELECT 1 FROM outbox WHERE kind = 'receipt' AND ref = ?1 AND synced_at IS NULL LIMIT 1"},
    {Sql::MarkPhotoUploaded,
     "INSERT INTO sync_photos (sha256, uploaded_at) VALUES (?1, ?2)"
     " ON CONFLICT (sha256) DO NOTHING"},
    {Sql::RecordSyncIssue,
     "INSERT INTO sync_issues (kind, ref, code, word, message, at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (kind, ref) DO UPDATE SET"
     " code = excluded.code, word = excluded.word, message = excluded.message,"
     " at = excluded.at"},
    {Sql::ClearPhotoMissing, "DELETE FROM sync_issues WHERE kind = 'photo_missing' AND ref = ?1"},
    {Sql::SyncIssues,
     "SELECT id, kind, ref, code, word, message, at FROM sync_issues ORDER BY at, id"},
    {Sql::SyncState, "SELECT value FROM sync_state WHERE key = ?1"},
    {Sql::SetSyncState,
     "INSERT INTO sync_state (key, value) VALUES (?1, ?2)"
     " ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
    // pendingReceipts counts what PendingReceiptIds lists; openReceipts walks the small
    // receipts_open index.
    {Sql::OutboxCounts,
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
     "  FROM outbox AS o WHERE o.kind = 'receipt' AND o.ref = r.id AND o.synced_at IS NULL))"},

    // --- Audit chain --------------------------------------------------------------------------
    {Sql::AuditTail, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"},
    {Sql::InsertAudit,
     "INSERT INTO audit (id, at, kind, subject, detail, prev_hash, hash)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
    {Sql::AuditAll, "SELECT id, at, kind, subject, detail, prev_hash, hash FROM audit ORDER BY id"},
}};

#undef RS_RECEIPT_COLUMNS

/// Each row stands at the index of its id, so sqlText() is one array read.
constexpr bool inIdOrder()
{
    for (std::size_t i = 0; i < kSql.size(); ++i) {
        if (static_cast<std::size_t>(kSql[i].id) != i || kSql[i].text.empty()) {
            return false;
        }
    }
    return true;
}
static_assert(inIdOrder(), "kSql must list every Sql id once, in the enum's order");

}  // namespace

std::string_view sqlText(Sql id)
{
    return kSql[static_cast<std::size_t>(id)].text;
}

}  // namespace returnscan::store::detail
