// SPDX-License-Identifier: Apache-2.0
// The store's sync bookkeeping (issue 7): the outbox (what to send, marks, revisions), the
// photos the central system holds, the issues for a supervisor, the sync_state values (the
// download cursor among them) and the queue sizes of `returnscan sync status`.
#include <string>
#include <utility>

#include "store_impl.h"

namespace returnscan::store {
namespace {

using detail::Sql;

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

Result<std::vector<std::string>> SqliteStore::pendingOutbox()
{
    return impl_->texts(Sql::PendingOutbox, "reading the outbox");
}

Result<std::vector<std::string>> SqliteStore::pendingReceiptIds()
{
    return impl_->texts(Sql::PendingReceiptIds, "reading the receipts queued for sync");
}

Status SqliteStore::markReceiptsSynced(const std::vector<std::string>& ids, core::Timestamp at)
{
    return impl_->inTransaction(*this, [&]() -> Status {
        for (const auto& id : ids) {
            if (auto st =
                    impl_->exec(Sql::MarkReceiptSynced, "marking a receipt as synced", id, at);
                !st) {
                return st;
            }
        }
        return {};
    });
}

Result<std::int64_t> SqliteStore::outboxRevision(std::string_view receiptId)
{
    auto q = impl_->use(Sql::OutboxRevision, "reading the outbox revision of a receipt");
    q.bind(receiptId);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return makeError(ErrorCode::NotFound,
                         "receipt " + core::displaySafe(receiptId) + " has no outbox row");
    }
    if (rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    return q.integerAt(0);
}

Result<std::vector<std::string>> SqliteStore::markReceiptsSyncedIfUnchanged(
    const std::vector<ReceiptRevision>& receipts, core::Timestamp at)
{
    std::vector<std::string> changed;
    auto st = impl_->inTransaction(*this, [&]() -> Status {
        changed.clear();  // a retried body starts again
        for (const auto& r : receipts) {
            {
                auto q =
                    impl_->use(Sql::MarkReceiptSyncedAtRevision, "marking a receipt as synced");
                q.bind(r.id, at, r.revision);
                if (auto marked = q.run(); !marked) {
                    return marked;
                }
                if (q.changes() > 0) {
                    continue;
                }
            }
            // Nothing marked: either synced already (a repeated mark, harmless) or changed since
            // its revision was read. Only the second leaves it queued; the rare path pays for
            // the extra query.
            auto q = impl_->use(Sql::ReceiptQueued, "reading the outbox state of a receipt");
            q.bind(r.id);
            const int rc = q.step();
            if (rc == SQLITE_ROW) {
                changed.push_back(r.id);
            } else if (rc != SQLITE_DONE) {
                return q.fail(rc);
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
    return impl_->exec(Sql::MarkPhotoUploaded, "recording an uploaded photo", sha256, at);
}

Status SqliteStore::recordSyncIssue(const SyncIssue& issue)
{
    return impl_->exec(Sql::RecordSyncIssue, "recording a sync issue", toString(issue.kind),
                       issue.ref, issue.code, issue.word, issue.message, issue.at);
}

Status SqliteStore::clearPhotoMissing(std::string_view sha256)
{
    return impl_->exec(Sql::ClearPhotoMissing, "clearing a missing-photo issue", sha256);
}

Result<std::vector<SyncIssue>> SqliteStore::syncIssues()
{
    auto q = impl_->use(Sql::SyncIssues, "reading the sync issues");
    std::vector<SyncIssue> out;
    auto st = q.each([&out](const detail::Stmt& row) -> Status {
        const auto kind = parseSyncIssueKind(row.textAt(1));
        if (!kind) {
            return makeError(ErrorCode::Corrupt, "sync issue with an unknown kind");
        }
        out.push_back(SyncIssue{row.integerAt(0), *kind, row.stringAt(2), row.optTextAt(3),
                                row.stringAt(4), row.stringAt(5), row.timeAt(6)});
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    return out;
}

Result<std::optional<std::string>> SqliteStore::syncState(std::string_view key)
{
    auto q = impl_->use(Sql::SyncState, "reading the sync state");
    q.bind(key);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<std::string>();
    }
    if (rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    return std::optional<std::string>(q.stringAt(0));
}

Status SqliteStore::setSyncState(std::string_view key, std::string_view value)
{
    return impl_->exec(Sql::SetSyncState, "writing the sync state", key, value);
}

Result<OutboxCounts> SqliteStore::outboxCounts()
{
    auto q = impl_->use(Sql::OutboxCounts, "counting the outbox");
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return q.fail(rc);
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

}  // namespace returnscan::store
