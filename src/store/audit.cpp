// SPDX-License-Identifier: Apache-2.0
// The store's audit chain: each record's hash covers its fields and the previous record's hash
// (docs/storage.md, table audit); appending one, and walking the chain to verify it.
#include <string>
#include <utility>

#include "returnscan/digest/sha256.h"
#include "store_impl.h"

namespace returnscan::store {
namespace {

using detail::Sql;

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

}  // namespace

Status SqliteStore::Impl::appendAudit(std::string_view kind, std::string_view subject,
                                      std::string_view detail, core::Timestamp at)
{
    std::int64_t id = 1;
    std::string prevHash(kZeroHash);
    {
        auto q = use(Sql::AuditTail, "reading the last audit record");
        const int rc = q.step();
        if (rc == SQLITE_ROW) {
            id = q.integerAt(0) + 1;
            prevHash = q.stringAt(1);
        } else if (rc != SQLITE_DONE) {
            return q.fail(rc);
        }
    }
    const std::int64_t atSeconds = at.time_since_epoch().count();
    auto hash = auditHash(id, atSeconds, kind, subject, detail, prevHash);
    if (!hash) {
        return std::move(hash).takeError();
    }
    return exec(Sql::InsertAudit, "appending an audit record", id, atSeconds, kind, subject, detail,
                prevHash, *hash);
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
    auto q = impl_->use(Sql::AuditAll, "reading the audit log");
    AuditCheck check;
    std::string expectedPrev(kZeroHash);
    auto st = q.each([&](const detail::Stmt& row) -> Status {
        ++check.rows;
        if (!check.ok) {
            return {};  // count the rest; the first bad row is what matters
        }
        const std::int64_t id = row.integerAt(0);
        const std::string_view prevHash = row.textAt(5);
        const std::string_view hash = row.textAt(6);
        auto computed =
            auditHash(id, row.integerAt(1), row.textAt(2), row.textAt(3), row.textAt(4), prevHash);
        if (!computed) {
            return std::move(computed).takeError();
        }
        if (prevHash != expectedPrev || hash != *computed) {
            check.ok = false;
            check.firstBadRow = id;
            return {};
        }
        expectedPrev = std::string(hash);
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    return check;
}

}  // namespace returnscan::store
