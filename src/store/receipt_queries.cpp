// SPDX-License-Identifier: Apache-2.0
// The store's queries for parcel sessions and the kiosk's page: the open receipts shown again
// after a restart, the recent receipts and their prefix search, the counts of a period.
#include <string>
#include <utility>

#include "store_impl.h"

namespace returnscan::store {
namespace {

using detail::Sql;

/// How many of the newest receipts RecentReceiptsInWindow filters first (sql.cpp says why).
constexpr std::int64_t kRecentWindow = 2000;

/// The smallest string above every string that starts with `prefix` (byte order, which is
/// SQLite's BINARY collation): the prefix with its last byte raised by one. `prefix` is
/// non-empty UTF-8, so it holds no 0xff byte and the increment cannot overflow.
[[nodiscard]] std::string prefixUpperBound(std::string_view prefix)
{
    std::string upper(prefix);
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    return upper;
}

}  // namespace

Result<std::vector<core::Receipt>> SqliteStore::openReceipts()
{
    auto q = impl_->use(Sql::OpenReceipts, "listing the open receipts");
    return impl_->receipts(q);
}

Result<std::vector<core::Receipt>> SqliteStore::recentReceipts(int limit, std::string_view query)
{
    if (limit < 0) {
        return makeError(ErrorCode::InvalidArgument, "a negative number of receipts was asked for");
    }
    if (!detail::isUtf8(query)) {
        return makeError(ErrorCode::InvalidArgument, "the receipt search text is not valid UTF-8");
    }
    if (query.empty()) {
        auto q = impl_->use(Sql::RecentReceipts, "listing the recent receipts");
        q.bind(limit);
        return impl_->receipts(q);
    }
    const std::string upper = prefixUpperBound(query);
    {
        auto q = impl_->use(Sql::RecentReceiptsInWindow, "searching the recent receipts");
        q.bind(limit, query, upper, kRecentWindow);
        auto recent = impl_->receipts(q, false);
        if (!recent) {
            return std::move(recent).takeError();
        }
        if (recent->size() == static_cast<std::size_t>(limit)) {
            return impl_->withScansOf(std::move(recent).value());
        }
    }
    auto q = impl_->use(Sql::RecentReceiptsByPrefix, "searching the receipts");
    q.bind(limit, query, upper);
    return impl_->receipts(q);
}

Result<ReceiptCounts> SqliteStore::countReceipts(core::Timestamp since)
{
    auto q = impl_->use(Sql::CountReceipts, "counting the receipts");
    q.bind(since);
    if (const int rc = q.step(); rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    ReceiptCounts counts;
    counts.total = q.integerAt(0);
    counts.accepted = q.integerAt(1);
    counts.rejected = q.integerAt(2);
    counts.held = q.integerAt(3);
    counts.abandoned = q.integerAt(4);
    return counts;
}

}  // namespace returnscan::store
