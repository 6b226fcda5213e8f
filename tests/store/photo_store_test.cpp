// SPDX-License-Identifier: Apache-2.0
// SqliteStore::insertPhoto: the photo row commits with its receipt's transaction, or not at all.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "returnscan/store/store.h"
#include "store/store_test_support.h"

namespace returnscan::store {
namespace {

using testing::at;
using testing::RawDb;
using testing::TempDir;

const std::string kSha(64, 'a');

core::Receipt noCodeReceipt(const std::string& id)
{
    core::Receipt r;
    r.id = id;
    r.station = "dock-3";
    r.operatorId = "op-17";
    r.decision = core::Outcome::Rejected;
    r.reason = core::Reason::NoCode;
    r.startedAt = at(0);
    r.decidedAt = at(5);
    return r;
}

PhotoRecord photo(const std::string& receiptId, std::string sha = kSha)
{
    PhotoRecord p;
    p.receiptId = receiptId;
    p.sha256 = std::move(sha);
    p.role = "overview";
    p.path = "/var/lib/returnscan/photos/x.jpg";
    p.takenAt = at(4);
    p.bytes = 123456;
    p.width = 1920;
    p.height = 1148;
    p.orderLabelVisible = true;
    return p;
}

class PhotoStoreTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto opened = SqliteStore::open(OpenOptions{dir_.file("station.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
    }
    TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(PhotoStoreTest, PhotoCommitsWithItsReceipt)
{
    const std::string id = "6f1c1e6e-4a36-4c47-9d36-0c6e4b1f0a11";
    const Status st = store_->writeTransaction([&]() -> Status {
        if (auto s = store_->insertReceipt(noCodeReceipt(id)); !s) {
            return s;
        }
        return store_->insertPhoto(photo(id));
    });
    ASSERT_TRUE(st.ok()) << st.error().message;
    RawDb raw(dir_.file("station.db"));
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM photos WHERE receipt_id = '" + id + "'"), "1");
    EXPECT_EQ(raw.scalar("SELECT order_label_visible FROM photos"), "1");
    EXPECT_EQ(raw.scalar("SELECT width || 'x' || height FROM photos"), "1920x1148");
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit WHERE kind = 'photo'"), "1");
    auto audit = store_->verifyAudit();
    ASSERT_TRUE(audit.ok());
    EXPECT_TRUE(audit->ok);
}

TEST_F(PhotoStoreTest, FailedReceiptTransactionLeavesNoPhotoRow)
{
    const std::string id = "6f1c1e6e-4a36-4c47-9d36-0c6e4b1f0a12";
    const Status st = store_->writeTransaction([&]() -> Status {
        if (auto s = store_->insertReceipt(noCodeReceipt(id)); !s) {
            return s;
        }
        if (auto s = store_->insertPhoto(photo(id)); !s) {
            return s;
        }
        return makeError(ErrorCode::Io, "the receipt's later step failed");
    });
    EXPECT_FALSE(st.ok());
    RawDb raw(dir_.file("station.db"));
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM photos"), "0");
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM receipts"), "0");
}

TEST_F(PhotoStoreTest, RefusesPhotoOfUnknownReceipt)
{
    const Status st = store_->insertPhoto(photo("no-such-receipt"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::NotFound);
}

TEST_F(PhotoStoreTest, RefusesSamePhotoTwiceAndBadHash)
{
    const std::string id = "6f1c1e6e-4a36-4c47-9d36-0c6e4b1f0a13";
    ASSERT_TRUE(store_->insertReceipt(noCodeReceipt(id)).ok());
    ASSERT_TRUE(store_->insertPhoto(photo(id)).ok());
    const Status again = store_->insertPhoto(photo(id));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Conflict);
    const Status bad = store_->insertPhoto(photo(id, "abc"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace returnscan::store
