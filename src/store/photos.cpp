// SPDX-License-Identifier: Apache-2.0
// The store's evidence photos: recording one with its audit record, finding one by hash for the
// UI, and the photo lists the sync sends.
#include <string>
#include <utility>

#include "store_impl.h"

namespace returnscan::store {
namespace {

using detail::Sql;

/// The columns sync needs (receipt_id, sha256, role, path, taken_at, bytes) as a PhotoRecord.
[[nodiscard]] PhotoRecord readPhotoRef(const detail::Stmt& q)
{
    PhotoRecord p;
    p.receiptId = q.stringAt(0);
    p.sha256 = q.stringAt(1);
    p.role = q.stringAt(2);
    p.path = q.stringAt(3);
    p.takenAt = q.timeAt(4);
    p.bytes = q.integerAt(5);
    return p;
}

/// Every column of the photos table: readPhotoRef's, then width, height, order_label_visible.
[[nodiscard]] PhotoRecord readPhoto(const detail::Stmt& q)
{
    PhotoRecord p = readPhotoRef(q);
    if (!q.isNull(6)) {
        p.width = static_cast<int>(q.integerAt(6));
    }
    if (!q.isNull(7)) {
        p.height = static_cast<int>(q.integerAt(7));
    }
    p.orderLabelVisible = q.integerAt(8) != 0;
    return p;
}

/// Every row of a photo query, read by `read`.
[[nodiscard]] Result<std::vector<PhotoRecord>> readPhotoRows(
    detail::Stmt& q, PhotoRecord (*read)(const detail::Stmt&) = readPhotoRef)
{
    std::vector<PhotoRecord> out;
    if (auto st = q.each([&out, read](const detail::Stmt& row) { out.push_back(read(row)); });
        !st) {
        return std::move(st).takeError();
    }
    return out;
}

}  // namespace

Status SqliteStore::insertPhoto(const PhotoRecord& photo)
{
    if (photo.sha256.size() != 64 || photo.role.empty() || photo.path.empty() ||
        !detail::isUtf8(photo.path) || !detail::isUtf8(photo.role)) {
        return makeError(ErrorCode::InvalidArgument,
                         "photo record needs a SHA-256, a role and a UTF-8 path");
    }
    return impl_->inTransaction(*this, [&]() -> Status {
        {
            auto q = impl_->use(Sql::InsertPhoto, "inserting a photo");
            q.bind(photo.receiptId, photo.sha256, photo.role, photo.path, photo.takenAt,
                   photo.bytes, photo.width, photo.height, photo.orderLabelVisible);
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
                return q.fail(rc);
            }
        }
        return impl_->appendAudit("photo", photo.receiptId,
                                  "sha256=" + photo.sha256 + " role=" + photo.role, photo.takenAt);
    });
}

Result<std::optional<PhotoRecord>> SqliteStore::findPhoto(std::string_view sha256)
{
    auto q = impl_->use(Sql::FindPhoto, "looking up a photo");
    q.bind(sha256);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<PhotoRecord>();
    }
    if (rc != SQLITE_ROW) {
        return q.fail(rc);
    }
    return std::optional<PhotoRecord>(readPhoto(q));
}

Result<std::vector<PhotoRecord>> SqliteStore::photosOfReceipt(std::string_view receiptId)
{
    // Every column: a restarted station rebuilds the open parcel from these, and whether the
    // order label was read in a photo decides whether another is needed.
    auto q = impl_->use(Sql::PhotosOfReceipt, "reading the photos of a receipt");
    q.bind(receiptId);
    return readPhotoRows(q, readPhoto);
}

Result<std::vector<PhotoRecord>> SqliteStore::photosOfPendingReceipts()
{
    auto q = impl_->use(Sql::PhotosOfPendingReceipts, "reading the photos of queued receipts");
    return readPhotoRows(q);
}

Result<std::vector<PhotoRecord>> SqliteStore::pendingPhotos()
{
    auto q = impl_->use(Sql::PendingPhotos, "reading the photos queued for sync");
    return readPhotoRows(q);
}

}  // namespace returnscan::store
