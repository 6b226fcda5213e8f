// SPDX-License-Identifier: Apache-2.0
#include "returnscan/core/receipt_rules.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

using std::chrono::seconds;

const Timestamp kT0{seconds{1'790'000'000}};

Receipt stored()
{
    Receipt r;
    r.id = "r-1";
    r.station = "st";
    r.operatorId = "op";
    r.code = "RC1";
    r.decision = Outcome::Rejected;
    r.reason = Reason::NotApproved;
    r.startedAt = kT0;
    r.decidedAt = kT0 + seconds{2};
    r.scans = {{kT0 + seconds{1}, "h", "]C0", "RC1"}};
    return r;
}

TEST(ReceiptRules, NothingChangedIsAnEmptyDetail)
{
    auto d = checkReceiptUpdate(stored(), stored());
    ASSERT_TRUE(d);
    EXPECT_EQ(d.value(), "");
}

TEST(ReceiptRules, TheDetailNamesEachChangedField)
{
    auto next = stored();
    next.condition = "damaged";
    next.flags = {"damaged_minor", "wrong_item"};
    next.completedAt = kT0 + seconds{60};
    next.override_ = Override{"sup", "ok", kT0 + seconds{30}, Outcome::Accepted};
    next.order = "100000001";
    next.scans.push_back({kT0 + seconds{5}, "h", "]E0", "4006381333931"});
    auto d = checkReceiptUpdate(stored(), next);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d.value(),
              "condition=damaged flags=damaged_minor,wrong_item "
              "completed_at=2026-09-21T14:14:20Z override=accepted(by sup) order=100000001 "
              "scans=+1");
}

TEST(ReceiptRules, ImmutableFieldsAndHistoryAreRefusedWithReasons)
{
    auto expect = [](const Receipt& next, std::string_view reason, std::string_view field) {
        auto d = checkReceiptUpdate(stored(), next);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(d.error().is(reason)) << d.error().reason;
        EXPECT_NE(d.error().message.find(field), std::string::npos) << d.error().message;
    };
    auto n = stored();
    n.operatorId = "other";
    expect(n, "immutable_field", "operator");
    n = stored();
    n.reason = Reason::Expired;
    expect(n, "immutable_field", "reason");
    n = stored();
    n.startedAt += seconds{1};
    expect(n, "immutable_field", "started_at");
    auto withOrder = stored();
    withOrder.order = "1";
    n = withOrder;
    n.order = "2";
    auto d = checkReceiptUpdate(withOrder, n);
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().is("immutable_field"));
    n = stored();
    n.scans[0].data = "RC2";
    expect(n, "scans_not_appended", "append-only");
    auto done = stored();
    done.completedAt = kT0 + seconds{9};
    d = checkReceiptUpdate(done, stored());
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().is("completed_cleared"));
}

TEST(ReceiptRules, AlreadySyncedNamesTheReceiptAndTheTime)
{
    const auto e = alreadySyncedError("r-1", kT0);
    EXPECT_EQ(e.code, ErrorCode::Conflict);
    EXPECT_TRUE(e.is("already_synced"));
    EXPECT_NE(e.message.find("r-1"), std::string::npos);
    EXPECT_NE(e.message.find("2026-09-21T14:13:20Z"), std::string::npos);
}

}  // namespace
}  // namespace returnscan::core
