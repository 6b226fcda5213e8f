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

/// The station's database. Owns one SQLite connection, used as the single writer. Not
/// thread-safe: use from one thread (the kiosk's store thread, or a CLI command).
class SqliteStore final : public core::ReturnStore {
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
    [[nodiscard]] Result<std::optional<core::Receipt>> findReceipt(std::string_view id);

    /// Number of authorizations stored.
    [[nodiscard]] Result<std::int64_t> authorizationCount();

    /// Codes consumed without a receipt that exists (must always be empty).
    [[nodiscard]] Result<std::vector<std::string>> orphanConsumptions();

    /// Receipt ids waiting in the outbox, oldest first.
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

    /// Test hook: caps the database at `maxPages` pages (`PRAGMA max_page_count`) so a test can
    /// make writes fail exactly as on a full disk (SQLITE_FULL, reported as ErrorCode::Io).
    [[nodiscard]] Status limitPagesForTest(std::int64_t maxPages);

private:
    struct Impl;
    explicit SqliteStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::store
