// SPDX-License-Identifier: Apache-2.0
// The audit log's hash chain: appended rows verify, and edits made behind the store's back show.
#include <gtest/gtest.h>

#include <string>

#include "returnscan/store/store.h"
#include "store/store_test_support.h"

namespace returnscan::store {
namespace {

using testing::at;
using testing::RawDb;
using testing::TempDir;

class AuditChainTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto opened = SqliteStore::open(OpenOptions{dir_.file("station.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
        for (int i = 1; i <= 5; ++i) {
            ASSERT_TRUE(store_
                            ->appendAudit("override", "receipt-" + std::to_string(i),
                                          "by=sup-2 reason=row " + std::to_string(i), at(i))
                            .ok());
        }
    }

    AuditCheck verify()
    {
        auto check = store_->verifyAudit();
        EXPECT_TRUE(check.ok()) << check.error().message;
        return check.ok() ? *check : AuditCheck{};
    }

    TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(AuditChainTest, EmptyLogVerifies)
{
    TempDir other;
    auto opened = SqliteStore::open(OpenOptions{other.file("empty.db")});
    ASSERT_TRUE(opened.ok());
    auto check = (*opened)->verifyAudit();
    ASSERT_TRUE(check.ok());
    EXPECT_EQ(check->rows, 0);
    EXPECT_TRUE(check->ok);
    EXPECT_FALSE(check->firstBadRow.has_value());
}

TEST_F(AuditChainTest, AppendedRowsChainFromZeros)
{
    const auto check = verify();
    EXPECT_EQ(check.rows, 5);
    EXPECT_TRUE(check.ok);
    EXPECT_FALSE(check.firstBadRow.has_value());
    RawDb raw(dir_.file("station.db"));
    EXPECT_EQ(raw.scalar("SELECT prev_hash FROM audit WHERE id = 1"), std::string(64, '0'));
    EXPECT_EQ(raw.scalar("SELECT prev_hash FROM audit WHERE id = 2"),
              raw.scalar("SELECT hash FROM audit WHERE id = 1"));
    EXPECT_EQ(raw.scalar("SELECT length(hash) FROM audit WHERE id = 5"), "64");
}

TEST_F(AuditChainTest, EditedDetailIsDetected)
{
    {
        RawDb raw(dir_.file("station.db"));
        raw.exec("UPDATE audit SET detail = 'by=nobody' WHERE id = 3");
    }
    const auto check = verify();
    EXPECT_EQ(check.rows, 5);
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.firstBadRow, 3);
}

TEST_F(AuditChainTest, CorrectlyRehashedRowBreaksTheNextLink)
{
    // A forger who knows the algorithm builds a valid row 2 with other content (here: in a
    // second database with the same row 1) and swaps it in. Row 2 then verifies; row 3 does not.
    TempDir forgeDir;
    {
        auto forge = SqliteStore::open(OpenOptions{forgeDir.file("forge.db")});
        ASSERT_TRUE(forge.ok());
        ASSERT_TRUE(
            (*forge)->appendAudit("override", "receipt-1", "by=sup-2 reason=row 1", at(1)).ok());
        ASSERT_TRUE(
            (*forge)->appendAudit("override", "receipt-2", "by=sup-9 reason=forged", at(2)).ok());
    }
    {
        RawDb raw(dir_.file("station.db"));
        raw.exec("ATTACH DATABASE '" + forgeDir.file("forge.db") + "' AS forge");
        raw.exec(
            "UPDATE audit SET detail = f.detail, hash = f.hash FROM forge.audit AS f "
            "WHERE audit.id = 2 AND f.id = 2");
        EXPECT_EQ(raw.scalar("SELECT detail FROM audit WHERE id = 2"), "by=sup-9 reason=forged");
    }
    const auto check = verify();
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.firstBadRow, 3);
}

TEST_F(AuditChainTest, DeletedRowIsDetected)
{
    {
        RawDb raw(dir_.file("station.db"));
        raw.exec("DELETE FROM audit WHERE id = 2");
    }
    const auto check = verify();
    EXPECT_EQ(check.rows, 4);
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.firstBadRow, 3);
}

TEST_F(AuditChainTest, FieldBoundariesAreUnambiguous)
{
    {
        // Moving text from one field into its neighbour keeps the concatenation the same; the
        // length prefixes make the hash differ.
        RawDb raw(dir_.file("station.db"));
        raw.exec("UPDATE audit SET kind = 'overrid', subject = 'e' || subject WHERE id = 4");
    }
    const auto check = verify();
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.firstBadRow, 4);
}

TEST_F(AuditChainTest, AppendingContinuesAcrossReopen)
{
    store_.reset();
    auto opened = SqliteStore::open(OpenOptions{dir_.file("station.db")});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->appendAudit("sync", "outbox", "sent=3", at(10)).ok());
    const auto check = verify();
    EXPECT_EQ(check.rows, 6);
    EXPECT_TRUE(check.ok);
}

}  // namespace
}  // namespace returnscan::store
