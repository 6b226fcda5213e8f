// SPDX-License-Identifier: Apache-2.0
// The store's authorizations: the decision path's lookup (findCode), a code's consumption, the
// version-rule upsert of the import and the sync download, and their consistency checks.
#include <optional>
#include <string>
#include <utility>

#include "json_columns.h"
#include "returnscan/core/decision.h"
#include "store_impl.h"

namespace returnscan::store {

using detail::Sql;

Result<std::optional<core::CodeState>> SqliteStore::findCode(std::string_view code)
{
    auto q = impl_->use(Sql::FindCode, "looking up a return code");
    q.bind(code);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<core::CodeState>();
    }
    if (rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    core::CodeState state;
    auto& a = state.auth;
    a.code = std::string(code);
    a.order = q.stringAt(0);
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
        auto lines = detail::decodeLines(q.textAt(5), code);
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

Status SqliteStore::consumeCode(std::string_view code, std::string_view receiptId)
{
    {
        auto q = impl_->use(Sql::ConsumeCode, "consuming a return code");
        q.bind(code, receiptId);
        if (auto st = q.run(); !st) {
            return st;
        }
        if (q.changes() == 1) {
            return {};
        }
    }
    // Nothing changed: say why (failure path only, so the extra query costs nothing normally).
    auto q = impl_->use(Sql::ConsumedBy, "reading a code's consumption");
    q.bind(code);
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
        return makeError(ErrorCode::Conflict, "code " + core::displaySafe(code) +
                                                  " is already consumed by receipt " +
                                                  core::displaySafe(q.textAt(0)));
    }
    if (rc == SQLITE_DONE) {
        return makeError(ErrorCode::Conflict, "code " + core::displaySafe(code) + " is unknown");
    }
    return q.fail(rc);
}

Result<UpsertOutcome> SqliteStore::upsertAuthorization(const core::Authorization& a)
{
    UpsertOutcome outcome = UpsertOutcome::Unchanged;
    const core::Timestamp now = impl_->now();
    const std::optional<std::string> lines =
        a.lines.empty() ? std::nullopt : std::optional<std::string>(detail::encodeLines(a.lines));
    const std::optional<std::string_view> category =
        a.category ? std::optional<std::string_view>(core::toString(*a.category)) : std::nullopt;
    // ?1..?12 of InsertAuthorization and UpdateAuthorization alike.
    auto bindRow = [&](detail::Stmt& q) {
        q.bind(a.code, a.order, core::toString(a.status), a.issuedAt, a.expiresAt, category, lines,
               a.version, a.deliveredAt, a.reportedAt, a.lastActivityAt, now);
    };

    auto st = impl_->inTransaction(*this, [&]() -> Status {
        // Fast path: a new code is one INSERT (bulk import is mostly new codes).
        {
            auto q = impl_->use(Sql::InsertAuthorization, "inserting an authorization");
            bindRow(q);
            if (auto inserted = q.run(); !inserted) {
                return inserted;
            }
            if (q.changes() == 1) {
                outcome = UpsertOutcome::Inserted;
                return {};
            }
        }
        std::optional<std::int64_t> stored;
        {
            auto q = impl_->use(Sql::AuthorizationVersion, "reading an authorization's version");
            q.bind(a.code);
            const int rc = q.step();
            if (rc != SQLITE_ROW) {
                return q.fail(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
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
        auto q = impl_->use(Sql::UpdateAuthorization, "updating an authorization");
        bindRow(q);
        if (auto updated = q.run(); !updated) {
            return updated;
        }
        outcome = UpsertOutcome::Updated;
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    return outcome;
}

Result<std::int64_t> SqliteStore::authorizationCount()
{
    auto q = impl_->use(Sql::AuthorizationCount, "counting authorizations");
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    return q.integerAt(0);
}

Result<std::vector<std::string>> SqliteStore::orphanConsumptions()
{
    return impl_->texts(Sql::OrphanConsumptions, "looking for orphan consumptions");
}

}  // namespace returnscan::store
