// SPDX-License-Identifier: Apache-2.0
// The SQLite store: one file, WAL, synchronous=FULL, one writer connection, migrations by
// user_version; authorizations, receipts, scans, photos, outbox and a hash-chained audit log.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/ports.h"
#include "returnscan/core/receipt.h"
#include "returnscan/core/receipt_store.h"
#include "returnscan/core/result.h"

namespace returnscan::store {

struct OpenOptions {
    std::string path;  ///< database file; its directory must exist
    std::chrono::milliseconds busyTimeout{5000};
    /// Clock for bookkeeping timestamps (authorizations.updated_at); borrowed, must outlive the
    /// store. Null: the system clock.
    const core::Clock* clock = nullptr;
};

/// How an incoming authorization changed the store.
enum class UpsertOutcome { Inserted, Updated, Unchanged };

/// Result of walking the audit chain.
struct AuditCheck {
    std::int64_t rows = 0;
    bool ok = true;
    std::optional<std::int64_t> firstBadRow;  ///< id of the first row whose hash does not chain
};

/// What a sync run surfaces to a supervisor (table sync_issues, schema version 2).
enum class SyncIssueKind {
    Rejected,       ///< the central system refused a receipt as sent; not retried
    Conflict,       ///< stored centrally, but the station acted on outdated information
    PhotoRejected,  ///< a photo the central system refused (422/413), or corrupt on disk
    PhotoMissing,   ///< a photo whose file is not on disk; retried on the next run
};
[[nodiscard]] std::string_view toString(SyncIssueKind k);

struct SyncIssue {
    std::int64_t id = 0;  ///< assigned by the store
    SyncIssueKind kind = SyncIssueKind::Rejected;
    std::string ref;                  ///< receipt id, or photo SHA-256
    std::optional<std::string> code;  ///< the return code concerned, when known
    std::string word;                 ///< machine word: the error or the conflict reason
    std::string message;              ///< display text from the server or the station
    core::Timestamp at{};
};

/// A queued receipt and the outbox revision read before its content (SqliteStore::outboxRevision),
/// for SqliteStore::markReceiptsSyncedIfUnchanged.
struct ReceiptRevision {
    std::string id;
    std::int64_t revision = 0;

    friend bool operator==(const ReceiptRevision&, const ReceiptRevision&) = default;
};

/// Queue sizes for `returnscan sync status`.
struct OutboxCounts {
    std::int64_t pendingReceipts = 0;  ///< to send (rejected ones excluded)
    std::int64_t syncedReceipts = 0;
    std::int64_t rejectedReceipts = 0;  ///< held for a person, not retried
    std::int64_t pendingPhotos = 0;     ///< distinct photos not yet held centrally
    std::int64_t uploadedPhotos = 0;
    /// Queued receipts whose parcel session is still open (completed_at NULL): not sent until
    /// completed, and not counted in pendingReceipts.
    std::int64_t openReceipts = 0;
};

/// Receipts decided in a period (countReceipts): the core's type.
using ReceiptCounts = core::ReceiptCounts;

/// One evidence file of a receipt (photos table): a photo, or an inspection clip (role
/// "inspection_video"), written by the vision module: the core's type.
using PhotoRecord = core::PhotoRecord;

/// The station's database. Owns one SQLite connection, used as the single writer. Not
/// thread-safe: use from one thread (the kiosk's store thread, or a CLI command).
class SqliteStore final : public core::ReceiptStore {
public:
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    /// Opens (creating when absent) and migrates the database. Sets journal_mode=WAL,
    /// synchronous=FULL (read back: an error if SQLite did not take it), foreign_keys=ON and
    /// the busy timeout. Errors: Io when the file cannot be opened, Database, Corrupt when the
    /// schema is newer than this program knows.
    [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> open(const OpenOptions& options);

    // core::ReturnStore
    [[nodiscard]] Result<std::optional<core::CodeState>> findCode(std::string_view code) override;
    [[nodiscard]] Status writeTransaction(const std::function<Status()>& body) override;
    [[nodiscard]] Status insertReceipt(const core::Receipt& r) override;
    [[nodiscard]] Status consumeCode(std::string_view code, std::string_view receiptId) override;

    /// Inserts or replaces one authorization by the version rule (core::replaces). Call inside
    /// writeTransaction for bulk work. The row must already be validated.
    [[nodiscard]] Result<UpsertOutcome> upsertAuthorization(const core::Authorization& a);

    /// Receipts decided at or after `since` (all when nullopt), oldest first, with their scans.
    [[nodiscard]] Result<std::vector<core::Receipt>> listReceipts(
        std::optional<core::Timestamp> since = std::nullopt);

    /// The receipt with this id, if any.
    [[nodiscard]] Result<std::optional<core::Receipt>> findReceipt(std::string_view id) override;

    /// Number of authorizations stored.
    [[nodiscard]] Result<std::int64_t> authorizationCount();

    /// Codes consumed without an accepted receipt of that code that exists (must always be
    /// empty). Accepted is the effective outcome: a supervisor's override to accepted counts.
    [[nodiscard]] Result<std::vector<std::string>> orphanConsumptions();

    /// Receipt ids waiting in the outbox, oldest first, without open receipts (completed_at
    /// NULL): those are not ready to send.
    [[nodiscard]] Result<std::vector<std::string>> pendingOutbox();

    /// Appends an audit record (kind, subject, JSON-free detail text) chained to the previous
    /// one. Inside writeTransaction when it must commit with other writes.
    [[nodiscard]] Status appendAudit(std::string_view kind, std::string_view subject,
                                     std::string_view detail, core::Timestamp at);

    /// Recomputes every audit hash from the first row.
    [[nodiscard]] Result<AuditCheck> verifyAudit();

    /// `PRAGMA integrity_check` ("ok" when sound).
    [[nodiscard]] Result<std::string> integrityCheck();

    /// Read back the pragmas in force (for tests and `returnscan doctor`).
    [[nodiscard]] Result<std::string> journalMode();
    [[nodiscard]] Result<int> synchronousLevel();
    [[nodiscard]] Result<int> schemaVersion();

    // Sync bookkeeping (issue 7). Writes join the caller's writeTransaction when one is open.

    /// Receipt ids queued for the central system, oldest first, without those it rejected and
    /// without open receipts (completed_at NULL).
    [[nodiscard]] Result<std::vector<std::string>> pendingReceiptIds();

    /// The photos of one receipt (any upload state).
    [[nodiscard]] Result<std::vector<PhotoRecord>> photosOfReceipt(
        std::string_view receiptId) override;

    /// The photos of every receipt still queued in the outbox (one query for a whole run),
    /// without those of open receipts.
    [[nodiscard]] Result<std::vector<PhotoRecord>> photosOfPendingReceipts();

    /// One row per distinct photo not yet held centrally and not refused, oldest first.
    [[nodiscard]] Result<std::vector<PhotoRecord>> pendingPhotos();

    /// Marks the outbox rows of these receipts as synced at `at`, whatever their revision. A
    /// sender that read the receipts while the kiosk may still change them should use
    /// markReceiptsSyncedIfUnchanged() instead.
    [[nodiscard]] Status markReceiptsSynced(const std::vector<std::string>& ids,
                                            core::Timestamp at);

    /// The revision of the receipt's outbox row (the unsynced one when there is one): 0 when
    /// queued, raised by one in the transaction of every updateReceipt() that changes the
    /// receipt while it is unsynced (an update that changes nothing leaves it alone).
    ///
    /// Correctness rule for a sender: read the revision BEFORE reading the receipt's content
    /// (findReceipt, photosOfReceipt, ...), never after. Read first, an update in between
    /// raises the revision past the one held, the mark does not match and the receipt is named
    /// as changed (the sync then tells a supervisor, docs/sync.md). Read after, the sender
    /// would hold the new revision with the old content, and the change would pass unseen.
    /// Errors: NotFound when the receipt has no outbox row; Database.
    [[nodiscard]] Result<std::int64_t> outboxRevision(std::string_view receiptId);

    /// Marks as synced at `at` the outbox rows of these receipts whose revision is still the
    /// given one (see outboxRevision() for where to read it). A receipt changed since then is
    /// not marked and stays queued, so its new version goes with the next run. Rows synced
    /// already are left as they are. Joins an open writeTransaction or runs in its own.
    /// Returns the ids left unmarked because their revision changed, in the given order.
    /// Errors: Database.
    [[nodiscard]] Result<std::vector<std::string>> markReceiptsSyncedIfUnchanged(
        const std::vector<ReceiptRevision>& receipts, core::Timestamp at);

    /// Records that the central system holds the photo `sha256`.
    [[nodiscard]] Status markPhotoUploaded(std::string_view sha256, core::Timestamp at);

    /// Records (or refreshes, by kind and ref) an issue for a supervisor.
    [[nodiscard]] Status recordSyncIssue(const SyncIssue& issue);

    /// Removes the PhotoMissing issue of `sha256`, if any (the file came back and was sent).
    [[nodiscard]] Status clearPhotoMissing(std::string_view sha256);

    /// Every recorded issue, oldest first.
    [[nodiscard]] Result<std::vector<SyncIssue>> syncIssues();

    /// A value of the sync_state table (nullopt when unset).
    [[nodiscard]] Result<std::optional<std::string>> syncState(std::string_view key);
    [[nodiscard]] Status setSyncState(std::string_view key, std::string_view value);

    [[nodiscard]] Result<OutboxCounts> outboxCounts();

    /// Records an evidence file of a receipt, with an audit record carrying its hash. Call
    /// inside the receipt's writeTransaction so the row commits with it (or alone: it then runs
    /// in a transaction of its own). Errors: NotFound when the receipt does not exist, Conflict
    /// when the receipt already has a file with this hash, InvalidArgument, Database.
    [[nodiscard]] Status insertPhoto(const PhotoRecord& photo) override;

    /// The evidence file with this SHA-256, whichever receipt it belongs to (every column; the
    /// earliest taken when several receipts share the file), for serving it to the UI. nullopt
    /// when no receipt has it.
    [[nodiscard]] Result<std::optional<PhotoRecord>> findPhoto(std::string_view sha256);

    // Parcel sessions (issue 6). core::receiveParcel writes the receipt at decision time and
    // leaves it open (completed_at NULL) while the operator inspects and photographs; the kiosk
    // completes or abandons it later. Open receipts are not sent to the central system.

    /// Brings the stored receipt `r.id` up to `r`. Mutable: condition, flags, completed_at (set
    /// or changed, never cleared), override, and order while the stored one is NULL. Scans are
    /// append-only: the stored scans must be a prefix of `r.scans`; the rest are appended. An
    /// audit record (kind "receipt.update") names what changed, and the revision of the
    /// receipt's unsynced outbox row is raised (outboxRevision()); an update that changes
    /// nothing writes nothing and succeeds. Joins an open writeTransaction or runs in its own.
    /// Errors: NotFound when the receipt does not exist; InvalidArgument "immutable field X"
    /// when station, operator, code, decision, reason, started_at, decided_at or a stored order
    /// differ, or for scans that do not extend the stored ones, a cleared completed_at, or text
    /// that is not UTF-8; Conflict "already_synced: ..." when the central system holds the
    /// receipt already (it keeps the first version it received); Database.
    [[nodiscard]] Status updateReceipt(const core::Receipt& r) override;

    /// Receipts still open (completed_at NULL), oldest decision first, with their scans: the
    /// parcels to show again after a restart.
    [[nodiscard]] Result<std::vector<core::Receipt>> openReceipts() override;

    /// At most `limit` receipts, newest decision first (then latest written), with their scans.
    /// A non-empty `query` keeps those whose code, order or id starts with it: an exact,
    /// case-sensitive prefix in which `%` and `_` are ordinary characters. Errors:
    /// InvalidArgument for a negative limit or a query that is not UTF-8.
    [[nodiscard]] Result<std::vector<core::Receipt>> recentReceipts(int limit,
                                                                    std::string_view query = {});

    /// Receipts decided at or after `since`, counted by effective outcome (the override's when
    /// there is one, else the decision); open ones included. One query, answered from indexes
    /// (docs/storage.md: 100,000 receipts in the period counted in tens of milliseconds).
    [[nodiscard]] Result<ReceiptCounts> countReceipts(core::Timestamp since) override;

    /// Test hook: prepares every statement of the store's registry (src/store/sql.cpp) on this
    /// connection, so that the SQL of a statement no other test runs (an error path, say) still
    /// fails a test when it does not fit the schema. Errors: Database naming the statement.
    [[nodiscard]] Status prepareAllStatementsForTest();

    /// Test hook: caps the database at `maxPages` pages (`PRAGMA max_page_count`) so a test can
    /// make writes fail exactly as on a full disk (SQLITE_FULL, reported as ErrorCode::Io).
    [[nodiscard]] Status limitPagesForTest(std::int64_t maxPages);

private:
    struct Impl;
    explicit SqliteStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::store
