// SPDX-License-Identifier: Apache-2.0
// The store's receipts: insert (with scans, outbox row and audit record, one transaction), read,
// and the update of an open or completed receipt under the lifecycle rules (docs/storage.md,
// "Open receipts"). The kiosk's queries over receipts are in receipt_queries.cpp.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "json_columns.h"
#include "returnscan/core/decision.h"
#include "returnscan/core/receipt_rules.h"
#include "store_impl.h"

namespace returnscan::store {
namespace {

using detail::Sql;

/// One row of RS_RECEIPT_COLUMNS (sql.cpp) as a receipt, without its scans.
[[nodiscard]] Result<core::Receipt> readReceipt(const detail::Stmt& q)
{
    core::Receipt r;
    r.id = q.stringAt(0);
    r.station = q.stringAt(1);
    r.operatorId = q.stringAt(2);
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
    const std::optional<std::string_view> overrideJson =
        q.isNull(12) ? std::nullopt : std::optional<std::string_view>(q.textAt(12));
    if (auto st = detail::decodeReceiptJson(q.textAt(7), overrideJson, r); !st) {
        return std::move(st).takeError();
    }
    r.condition = q.optTextAt(8);
    r.startedAt = q.timeAt(9);
    r.decidedAt = q.timeAt(10);
    r.completedAt = q.optTimeAt(11);
    return r;
}

/// Flags and the override are stored as JSON, which cannot carry bytes that are not UTF-8;
/// refused before writing rather than write a receipt that could not be read back (and synced).
[[nodiscard]] Status checkReceiptJsonText(const core::Receipt& r)
{
    for (const auto& f : r.flags) {
        if (!detail::isUtf8(f)) {
            return makeError(ErrorCode::InvalidArgument,
                             "receipt flag " + core::displaySafe(f) + " is not valid UTF-8");
        }
    }
    if (r.override_ && (!detail::isUtf8(r.override_->by) || !detail::isUtf8(r.override_->reason))) {
        return makeError(ErrorCode::InvalidArgument,
                         "the override's supervisor or reason text is not valid UTF-8");
    }
    return {};
}

/// The override as stored (override_json), or NULL.
[[nodiscard]] std::optional<std::string> overrideJsonOf(const core::Receipt& r)
{
    return r.override_ ? std::optional<std::string>(detail::encodeOverride(*r.override_))
                       : std::nullopt;
}

}  // namespace

Result<std::vector<core::Receipt>> SqliteStore::Impl::receipts(detail::Stmt& q, bool withScans)
{
    std::vector<core::Receipt> out;
    auto st = q.each([&](const detail::Stmt& row) -> Status {
        auto r = readReceipt(row);
        if (!r) {
            return std::move(r).takeError();
        }
        out.push_back(std::move(r).value());
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
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
        auto q = use(Sql::ScansOfReceipt, "reading the scans of a receipt");
        q.bind(r.id);
        auto st = q.each([&r](const detail::Stmt& row) {
            r.scans.push_back(
                core::ScanRecord{row.timeAt(0), row.stringAt(1), row.stringAt(2), row.stringAt(3)});
        });
        if (!st) {
            return std::move(st).takeError();
        }
    }
    return out;
}

Status SqliteStore::Impl::insertScan(std::string_view receiptId, const core::ScanRecord& scan)
{
    return exec(Sql::InsertScan, "inserting a scan of a receipt", receiptId, scan.at, scan.device,
                scan.aim, scan.data);
}

Status SqliteStore::insertReceipt(const core::Receipt& r)
{
    if (auto st = checkReceiptJsonText(r); !st) {
        return st;
    }
    return impl_->inTransaction(*this, [&]() -> Status {
        {
            const std::string flags = detail::encodeFlags(r.flags);
            const std::optional<std::string> overrideJson = overrideJsonOf(r);
            auto q = impl_->use(Sql::InsertReceipt, "inserting a receipt");
            q.bind(r.id, r.station, r.operatorId, r.code, r.order, core::toString(r.decision),
                   core::toString(r.reason), flags, r.condition, r.startedAt, r.decidedAt,
                   r.completedAt, overrideJson);
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
                return q.fail(rc);
            }
        }
        for (const auto& scan : r.scans) {
            if (auto st = impl_->insertScan(r.id, scan); !st) {
                return st;
            }
        }
        if (auto st = impl_->exec(Sql::InsertOutbox, "queueing a receipt in the outbox", "receipt",
                                  r.id, r.decidedAt);
            !st) {
            return st;
        }
        std::string what = "decision=";
        what += core::toString(r.decision);
        what += " reason=";
        what += core::toString(r.reason);
        what += " code=";
        what += r.code ? *r.code : std::string("-");
        return impl_->appendAudit("receipt", r.id, what, r.decidedAt);
    });
}

Result<std::vector<core::Receipt>> SqliteStore::listReceipts(std::optional<core::Timestamp> since)
{
    auto q = impl_->use(Sql::ReceiptsSince, "listing receipts");
    q.bind(since ? since->time_since_epoch().count() : std::numeric_limits<std::int64_t>::min());
    return impl_->receipts(q);
}

Result<std::optional<core::Receipt>> SqliteStore::findReceipt(std::string_view id)
{
    auto q = impl_->use(Sql::ReceiptById, "reading a receipt");
    q.bind(id);
    auto rows = impl_->receipts(q);
    if (!rows) {
        return std::move(rows).takeError();
    }
    if (rows->empty()) {
        return std::optional<core::Receipt>();
    }
    return std::optional<core::Receipt>(std::move(rows->front()));
}

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
            auto q = impl_->use(Sql::ReceiptById, "reading a receipt to update");
            q.bind(r.id);
            auto read = impl_->receipts(q);
            if (!read) {
                return std::move(read).takeError();
            }
            rows = std::move(read).value();
        }
        if (rows.empty()) {
            return makeError(ErrorCode::NotFound, "no receipt " + core::displaySafe(r.id));
        }
        const core::Receipt& old = rows.front();
        // The lifecycle rules are the core's (receipt_rules.h), the same for every store.
        auto change = core::checkReceiptUpdate(old, r);
        if (!change) {
            return std::move(change).takeError();
        }
        const std::string& changes = change.value();
        if (changes.empty()) {
            return {};  // nothing changed: nothing to write, nothing to audit
        }
        {
            auto q = impl_->use(Sql::OutboxSyncedAt, "reading the outbox state of a receipt");
            q.bind(r.id);
            const int rc = q.step();
            if (rc == SQLITE_ROW) {
                return core::alreadySyncedError(r.id, q.timeAt(0));
            }
            if (rc != SQLITE_DONE) {
                return q.fail(rc);
            }
        }
        const std::string flags = detail::encodeFlags(r.flags);
        const std::optional<std::string> overrideJson = overrideJsonOf(r);
        const std::optional<std::string>& order = old.order ? old.order : r.order;
        if (auto st = impl_->exec(Sql::UpdateReceipt, "updating a receipt", r.id, order, flags,
                                  r.condition, r.completedAt, overrideJson);
            !st) {
            return st;
        }
        for (std::size_t i = old.scans.size(); i < r.scans.size(); ++i) {
            if (auto st = impl_->insertScan(r.id, r.scans[i]); !st) {
                return st;
            }
        }
        // In the update's transaction: a sync that read the receipt before this commit holds
        // the old revision, and its mark will not match (it reports the change).
        if (auto st = impl_->exec(Sql::BumpOutboxRevision,
                                  "raising the outbox revision of a receipt", r.id);
            !st) {
            return st;
        }
        return impl_->appendAudit("receipt.update", r.id, changes, impl_->now());
    });
}

}  // namespace returnscan::store
