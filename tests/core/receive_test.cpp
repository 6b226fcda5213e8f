// SPDX-License-Identifier: Apache-2.0
// Tests of receiveParcel/checkParcel against the in-memory FakeReturnStore.
#include "returnscan/core/receive.h"

#include <gtest/gtest.h>

#include "fakes/fake_receipt_store.h"

namespace returnscan::core {
namespace {

using std::chrono::days;
using std::chrono::seconds;

constexpr const char* kCode = "RC7K3M9Q2XWR";
constexpr const char* kOrder = "100045678";
constexpr const char* kId1 = "0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11";
constexpr const char* kId2 = "1c7a4d2f-7b54-4a2f-8e66-3a2b9f1f8d22";

class ReceiveTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        Authorization a;
        a.code = kCode;
        a.order = kOrder;
        a.status = AuthStatus::Approved;
        a.issuedAt = issued_;
        a.category = Category::Damaged;
        store_.putAuthorization(a);
    }

    ReceiveRequest request(std::optional<std::string> code, std::string id = kId1,
                           std::optional<std::string> order = std::nullopt) const
    {
        ReceiveRequest r;
        r.input.code = std::move(code);
        r.input.order = std::move(order);
        r.input.at = issued_ + days{2};
        r.receiptId = std::move(id);
        r.station = "dock-3";
        r.operatorId = "op-17";
        r.startedAt = r.input.at - seconds{2};
        r.scans.push_back(ScanRecord{r.input.at, "handheld-1", "]C0", r.input.code.value_or("")});
        return r;
    }

    Timestamp issued_ = Timestamp{} + days{20000};
    CodeFormats formats_ = CodeFormats::defaults();
    tests::FakeReturnStore store_;
};

TEST_F(ReceiveTest, AcceptedParcelWritesReceiptAndConsumesCode)
{
    const auto req = request(kCode);
    auto out = receiveParcel(store_, formats_, req);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->decision.outcome, Outcome::Accepted);
    ASSERT_EQ(store_.receipts().size(), 1U);
    const Receipt& r = store_.receipts()[0];
    EXPECT_EQ(r, out->receipt);
    EXPECT_EQ(r.id, kId1);
    EXPECT_EQ(r.station, "dock-3");
    EXPECT_EQ(r.operatorId, "op-17");
    EXPECT_EQ(r.code, std::optional<std::string>(kCode));
    EXPECT_EQ(r.order, std::optional<std::string>(kOrder));
    EXPECT_EQ(r.decision, Outcome::Accepted);
    EXPECT_EQ(r.reason, Reason::Accepted);
    EXPECT_EQ(r.startedAt, req.startedAt);
    EXPECT_EQ(r.decidedAt, req.input.at);
    EXPECT_EQ(r.completedAt, std::optional<Timestamp>(req.input.at));
    EXPECT_EQ(r.scans, req.scans);
    EXPECT_EQ(store_.state(kCode)->consumedBy, std::optional<std::string>(kId1));
    EXPECT_EQ(store_.committedConsumes(), 1U);
}

TEST_F(ReceiveTest, KioskLeavesTheReceiptOpenAndGetsTheLines)
{
    auto req = request(kCode);
    req.leaveOpen = true;
    auto out = receiveParcel(store_, formats_, req);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_FALSE(out->receipt.completedAt);
    EXPECT_FALSE(store_.receipts()[0].completedAt);
    EXPECT_EQ(out->lines, store_.state(kCode)->auth.lines);
    EXPECT_EQ(store_.state(kCode)->consumedBy, std::optional<std::string>(kId1));
}

TEST_F(ReceiveTest, SecondReceiveIsAlreadyReceivedWithoutSecondConsumption)
{
    ASSERT_TRUE(receiveParcel(store_, formats_, request(kCode, kId1)).ok());
    auto second = receiveParcel(store_, formats_, request(kCode, kId2));
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(second->decision.outcome, Outcome::Rejected);
    EXPECT_EQ(second->decision.reason, Reason::AlreadyReceived);
    ASSERT_EQ(store_.receipts().size(), 2U);
    EXPECT_EQ(store_.receipts()[1].reason, Reason::AlreadyReceived);
    EXPECT_EQ(store_.receipts()[1].code, std::optional<std::string>(kCode));
    EXPECT_EQ(store_.state(kCode)->consumedBy, std::optional<std::string>(kId1));
    EXPECT_EQ(store_.committedConsumes(), 1U);
}

TEST_F(ReceiveTest, InjectedInsertFailureLeavesNothingWritten)
{
    store_.failNextInsertForTest();
    auto out = receiveParcel(store_, formats_, request(kCode));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, ErrorCode::Database);
    EXPECT_TRUE(store_.receipts().empty());
    EXPECT_FALSE(store_.state(kCode)->consumedBy.has_value());
    EXPECT_EQ(store_.rollbacks(), 1U);
    // The same session can be received again afterwards.
    auto retry = receiveParcel(store_, formats_, request(kCode));
    ASSERT_TRUE(retry.ok());
    EXPECT_EQ(retry->decision.outcome, Outcome::Accepted);
}

TEST_F(ReceiveTest, InjectedConsumeFailureRollsBackTheReceipt)
{
    store_.failNextConsumeForTest();
    auto out = receiveParcel(store_, formats_, request(kCode));
    ASSERT_FALSE(out.ok());
    EXPECT_TRUE(store_.receipts().empty());
    EXPECT_FALSE(store_.state(kCode)->consumedBy.has_value());
}

TEST_F(ReceiveTest, InjectedCommitFailureLeavesNothingWritten)
{
    store_.failNextCommitForTest();
    auto out = receiveParcel(store_, formats_, request(kCode));
    ASSERT_FALSE(out.ok());
    EXPECT_TRUE(store_.receipts().empty());
    EXPECT_FALSE(store_.state(kCode)->consumedBy.has_value());
    EXPECT_EQ(store_.committedConsumes(), 0U);
}

TEST_F(ReceiveTest, LookupFailureIsReturned)
{
    store_.failNextFindForTest();
    auto out = receiveParcel(store_, formats_, request(kCode));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, ErrorCode::Database);
    EXPECT_TRUE(store_.receipts().empty());
}

TEST_F(ReceiveTest, DuplicateReceiptIdIsAConflictAndChangesNothing)
{
    ASSERT_TRUE(receiveParcel(store_, formats_, request(std::nullopt, kId1)).ok());
    auto out = receiveParcel(store_, formats_, request(kCode, kId1));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, ErrorCode::Conflict);
    EXPECT_EQ(store_.receipts().size(), 1U);
    EXPECT_FALSE(store_.state(kCode)->consumedBy.has_value());
}

TEST_F(ReceiveTest, EveryOutcomeWritesAReceipt)
{
    Authorization pending;
    pending.code = *withCheckCharacter("RC000000000", CheckScheme::Iso7064Mod37_36);
    pending.order = "200000000";
    pending.status = AuthStatus::Pending;
    pending.issuedAt = issued_;
    store_.putAuthorization(pending);
    Authorization expired = pending;
    expired.code = *withCheckCharacter("RC111111111", CheckScheme::Iso7064Mod37_36);
    expired.status = AuthStatus::Approved;
    expired.issuedAt = issued_ - days{30};
    store_.putAuthorization(expired);

    struct Case {
        std::optional<std::string> code;
        std::optional<std::string> order;
        Outcome outcome;
        Reason reason;
        bool codeRecorded;
    };
    const std::vector<Case> cases = {
        {std::nullopt, std::nullopt, Outcome::Rejected, Reason::NoCode, false},
        {std::string("RC'; DROP TABLE--"), std::nullopt, Outcome::Rejected, Reason::MalformedCode,
         false},
        {*withCheckCharacter("RC999999999", CheckScheme::Iso7064Mod37_36), std::nullopt,
         Outcome::Rejected, Reason::UnknownCode, true},
        {pending.code, std::nullopt, Outcome::Rejected, Reason::NotApproved, true},
        {expired.code, std::nullopt, Outcome::Rejected, Reason::Expired, true},
        {std::string(kCode), std::string("111111111"), Outcome::Held, Reason::OrderMismatch, true},
        {std::string(kCode), std::string(kOrder), Outcome::Accepted, Reason::Accepted, true},
    };
    std::size_t n = 0;
    for (const Case& c : cases) {
        const std::string id = "00000000-0000-4000-8000-00000000000" + std::to_string(n);
        auto out = receiveParcel(store_, formats_, request(c.code, id, c.order));
        ASSERT_TRUE(out.ok()) << out.error().message;
        EXPECT_EQ(out->decision.reason, c.reason);
        ++n;
        ASSERT_EQ(store_.receipts().size(), n);
        const Receipt& r = store_.receipts().back();
        EXPECT_EQ(r.id, id);
        EXPECT_EQ(r.decision, c.outcome);
        EXPECT_EQ(r.reason, c.reason);
        EXPECT_EQ(r.code.has_value(), c.codeRecorded) << toString(c.reason);
    }
    // Only the accepted parcel consumed its code.
    EXPECT_EQ(store_.committedConsumes(), 1U);
    EXPECT_FALSE(store_.state(pending.code)->consumedBy.has_value());
    EXPECT_FALSE(store_.state(expired.code)->consumedBy.has_value());
}

TEST_F(ReceiveTest, HeldParcelDoesNotConsumeCode)
{
    auto out = receiveParcel(store_, formats_, request(kCode, kId1, "111111111"));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->decision.outcome, Outcome::Held);
    EXPECT_EQ(out->receipt.order, std::optional<std::string>(kOrder));
    EXPECT_FALSE(store_.state(kCode)->consumedBy.has_value());
}

TEST_F(ReceiveTest, MalformedCodeIsNotLookedUpNorRecorded)
{
    auto out = receiveParcel(store_, formats_, request(std::string("rc7k3m9q2xwr")));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->decision.reason, Reason::MalformedCode);
    EXPECT_EQ(store_.finds(), 0U);
    EXPECT_FALSE(out->receipt.code.has_value());
}

TEST_F(ReceiveTest, KnownCodeGetsAdvisoryFlags)
{
    Authorization a;
    a.code = kCode;
    a.order = kOrder;
    a.status = AuthStatus::Approved;
    a.issuedAt = issued_;
    a.deliveredAt = issued_ - days{20};
    store_.putAuthorization(a);
    auto out = receiveParcel(store_, formats_, request(kCode));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->receipt.flags, (std::vector<std::string>{"presumed_good_condition"}));
}

TEST_F(ReceiveTest, TrimmedCodeIsLookedUpAndRecorded)
{
    auto out = receiveParcel(store_, formats_, request(std::string(kCode) + "\r\n"));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->decision.outcome, Outcome::Accepted);
    EXPECT_EQ(out->receipt.code, std::optional<std::string>(kCode));
    EXPECT_EQ(store_.state(kCode)->consumedBy, std::optional<std::string>(kId1));
}

TEST_F(ReceiveTest, CheckParcelDecidesWithoutWriting)
{
    const auto req = request(kCode);
    auto d = checkParcel(store_, formats_, req.input);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->outcome, Outcome::Accepted);
    EXPECT_TRUE(store_.receipts().empty());
    EXPECT_EQ(store_.commits(), 0U);
    EXPECT_FALSE(store_.state(kCode)->consumedBy.has_value());

    auto unknown = checkParcel(
        store_, formats_,
        request(*withCheckCharacter("RC999999999", CheckScheme::Iso7064Mod37_36)).input);
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->reason, Reason::UnknownCode);
}

TEST_F(ReceiveTest, CheckParcelPassesLookupErrors)
{
    store_.failNextFindForTest();
    auto d = checkParcel(store_, formats_, request(kCode).input);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::Database);
}

TEST_F(ReceiveTest, CheckParcelNoCodeNeedsNoStore)
{
    auto d = checkParcel(store_, formats_, request(std::nullopt).input);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->reason, Reason::NoCode);
    EXPECT_EQ(store_.finds(), 0U);
}

}  // namespace
}  // namespace returnscan::core
