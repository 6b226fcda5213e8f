// SPDX-License-Identifier: Apache-2.0
// Tests of the decision table (BRIEF.md): every row, their precedence and the expiry instant.
#include "returnscan/core/decision.h"

#include <gtest/gtest.h>

#include <string>

namespace returnscan::core {
namespace {

using std::chrono::days;
using std::chrono::seconds;

constexpr const char* kCode = "RC7K3M9Q2XWR";
constexpr const char* kOrder = "100045678";

Timestamp at(std::string_view text)
{
    auto t = parseRfc3339(text);
    EXPECT_TRUE(t.ok()) << text;
    return t.ok() ? *t : Timestamp{};
}

class DecisionTest : public ::testing::Test {
protected:
    CodeFormats formats_ = CodeFormats::defaults();
    Timestamp issued_ = at("2026-11-20T10:15:00Z");
    Timestamp expires_ = at("2026-12-04T10:15:00Z");

    CodeState state(AuthStatus status = AuthStatus::Approved) const
    {
        CodeState s;
        s.auth.code = kCode;
        s.auth.order = kOrder;
        s.auth.status = status;
        s.auth.issuedAt = issued_;
        s.auth.expiresAt = expires_;
        return s;
    }

    static DecisionInput input(std::optional<std::string> code, Timestamp when,
                               std::optional<std::string> order = std::nullopt)
    {
        DecisionInput in;
        in.code = std::move(code);
        in.order = std::move(order);
        in.at = when;
        return in;
    }

    Decision run(const DecisionInput& in, const std::optional<CodeState>& s) const
    {
        return decide(in, formats_, s);
    }

    Timestamp midway() const { return issued_ + days{3}; }
};

void expectDecision(const Decision& d, Outcome o, Reason r)
{
    EXPECT_EQ(d.outcome, o) << toString(d.outcome);
    EXPECT_EQ(d.reason, r) << toString(d.reason);
}

// ---- row 1 ----

TEST_F(DecisionTest, RejectsNoCode)
{
    const auto d = run(input(std::nullopt, midway(), kOrder), state());
    expectDecision(d, Outcome::Rejected, Reason::NoCode);
    EXPECT_TRUE(d.code.empty());
    EXPECT_EQ(d.order, std::optional<std::string>(kOrder));
    EXPECT_FALSE(d.expiresAt.has_value());
}

TEST_F(DecisionTest, NoCodeNeedsNoLookup)
{
    const auto d = decideWithoutLookup(input(std::nullopt, midway()), formats_);
    ASSERT_TRUE(d.has_value());
    expectDecision(*d, Outcome::Rejected, Reason::NoCode);
}

// ---- row 2 ----

TEST_F(DecisionTest, RejectsMalformedCodes)
{
    for (const std::string& s :
         {std::string("RC7K3M9Q2XWS"), std::string("rc7k3m9q2xwr"), std::string("RC7K3M9Q2XW"),
          std::string("RC7K3M9Q2XWRR"), std::string("RC'; DROP TABLE--"), std::string(""),
          std::string("RC7K3M9Q\x01XWR"), std::string("RC7K3M9Q2XW\xc3"), std::string(300, 'R'),
          std::string("RC7K3M 9Q2XWR"), std::string("100045678")}) {
        // Malformed beats everything after it: even a matching known state does not help.
        const auto d = run(input(s, midway()), state());
        expectDecision(d, Outcome::Rejected, Reason::MalformedCode);
        EXPECT_FALSE(d.expiresAt.has_value());
        EXPECT_EQ(d.code, displaySafe(s));
        ASSERT_TRUE(decideWithoutLookup(input(s, midway()), formats_).has_value()) << s;
    }
}

TEST_F(DecisionTest, MalformedCodeIsShownSafely)
{
    const auto d = run(input(std::string("RC\x1b[2J") + std::string(100, 'X'), midway()), state());
    expectDecision(d, Outcome::Rejected, Reason::MalformedCode);
    EXPECT_EQ(d.code.find('\x1b'), std::string::npos);
    EXPECT_LE(d.code.size(), 64U * 4 + 3);
}

TEST_F(DecisionTest, TrimsSurroundingWhitespaceOnly)
{
    const auto d = run(input(std::string(" \t") + kCode + "\r\n", midway()), state());
    expectDecision(d, Outcome::Accepted, Reason::Accepted);
    EXPECT_EQ(d.code, kCode);
    EXPECT_FALSE(decideWithoutLookup(input(std::string(kCode) + "\n", midway()), formats_));
}

TEST_F(DecisionTest, WellFormedCodeNeedsLookup)
{
    EXPECT_FALSE(decideWithoutLookup(input(kCode, midway()), formats_).has_value());
}

// ---- row 3 ----

TEST_F(DecisionTest, RejectsUnknownCode)
{
    const auto d = run(input(kCode, midway(), "999999999"), std::nullopt);
    expectDecision(d, Outcome::Rejected, Reason::UnknownCode);
    EXPECT_EQ(d.code, kCode);
    EXPECT_EQ(d.order, std::optional<std::string>("999999999"));
    EXPECT_FALSE(d.expiresAt.has_value());
}

// ---- row 4 ----

TEST_F(DecisionTest, RejectsEveryStatusButApproved)
{
    for (auto status : {AuthStatus::Pending, AuthStatus::Rejected, AuthStatus::Cancelled}) {
        const auto d = run(input(kCode, midway()), state(status));
        expectDecision(d, Outcome::Rejected, Reason::NotApproved);
        EXPECT_EQ(d.order, std::optional<std::string>(kOrder));
        EXPECT_EQ(d.expiresAt, std::optional<Timestamp>(expires_));
    }
    expectDecision(run(input(kCode, midway()), state(AuthStatus::Approved)), Outcome::Accepted,
                   Reason::Accepted);
}

TEST_F(DecisionTest, NotApprovedBeatsExpiredAndConsumed)
{
    auto s = state(AuthStatus::Cancelled);
    s.consumedBy = "0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11";
    expectDecision(run(input(kCode, expires_ + days{10}, "111111111"), s), Outcome::Rejected,
                   Reason::NotApproved);
}

// ---- row 5 ----

TEST_F(DecisionTest, AcceptsOneSecondBeforeExpiry)
{
    expectDecision(run(input(kCode, expires_ - seconds{1}), state()), Outcome::Accepted,
                   Reason::Accepted);
}

TEST_F(DecisionTest, RejectsExpiredCodeAtExactExpiry)
{
    const auto d = run(input(kCode, expires_), state());
    expectDecision(d, Outcome::Rejected, Reason::Expired);
    EXPECT_EQ(d.expiresAt, std::optional<Timestamp>(expires_));
}

TEST_F(DecisionTest, RejectsExpiredCodeAfterExpiry)
{
    expectDecision(run(input(kCode, expires_ + seconds{1}), state()), Outcome::Rejected,
                   Reason::Expired);
}

TEST_F(DecisionTest, DefaultsExpiryToFourteenDaysAfterIssueToTheSecond)
{
    auto s = state();
    s.auth.expiresAt.reset();
    const Timestamp expiry = at("2026-12-04T10:15:00Z");
    EXPECT_EQ(s.auth.effectiveExpiry(), expiry);
    expectDecision(run(input(kCode, expiry - seconds{1}), s), Outcome::Accepted, Reason::Accepted);
    const auto d = run(input(kCode, expiry), s);
    expectDecision(d, Outcome::Rejected, Reason::Expired);
    EXPECT_EQ(d.expiresAt, std::optional<Timestamp>(expiry));
    expectDecision(run(input(kCode, expiry + seconds{1}), s), Outcome::Rejected, Reason::Expired);
}

TEST_F(DecisionTest, ExpiryWithOffsetsIsTheSameInstant)
{
    auto s = state();
    s.auth.expiresAt = at("2026-12-04T12:15:00+02:00");
    expectDecision(run(input(kCode, at("2026-12-04T04:44:59-05:30")), s), Outcome::Accepted,
                   Reason::Accepted);
    expectDecision(run(input(kCode, at("2026-12-04T04:45:00-05:30")), s), Outcome::Rejected,
                   Reason::Expired);
}

TEST_F(DecisionTest, ExpiredBeatsAlreadyReceivedAndOrderMismatch)
{
    auto s = state();
    s.consumedBy = "0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11";
    expectDecision(run(input(kCode, expires_, "111111111"), s), Outcome::Rejected, Reason::Expired);
}

// ---- row 6 ----

TEST_F(DecisionTest, RejectsAlreadyReceivedCode)
{
    auto s = state();
    s.consumedBy = "0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11";
    expectDecision(run(input(kCode, midway()), s), Outcome::Rejected, Reason::AlreadyReceived);
}

TEST_F(DecisionTest, AlreadyReceivedBeatsOrderMismatch)
{
    auto s = state();
    s.consumedBy = "0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11";
    expectDecision(run(input(kCode, midway(), "111111111"), s), Outcome::Rejected,
                   Reason::AlreadyReceived);
}

// ---- row 7 ----

TEST_F(DecisionTest, HoldsOnOrderMismatch)
{
    const auto d = run(input(kCode, midway(), "111111111"), state());
    expectDecision(d, Outcome::Held, Reason::OrderMismatch);
    EXPECT_EQ(d.order, std::optional<std::string>(kOrder));  // the authorization's order
}

// ---- row 8 ----

TEST_F(DecisionTest, AcceptsMatchingOrder)
{
    const auto d = run(input(kCode, midway(), kOrder), state());
    expectDecision(d, Outcome::Accepted, Reason::Accepted);
    EXPECT_EQ(d.code, kCode);
    EXPECT_EQ(d.order, std::optional<std::string>(kOrder));
    EXPECT_EQ(d.expiresAt, std::optional<Timestamp>(expires_));
}

TEST_F(DecisionTest, AcceptsWithoutScannedOrder)
{
    const auto d = run(input(kCode, midway()), state());
    expectDecision(d, Outcome::Accepted, Reason::Accepted);
    EXPECT_EQ(d.order, std::optional<std::string>(kOrder));
}

TEST_F(DecisionTest, AcceptsAtIssueInstant)
{
    expectDecision(run(input(kCode, issued_), state()), Outcome::Accepted, Reason::Accepted);
}

// ---- words ----

TEST_F(DecisionTest, ReasonWordsAreStable)
{
    EXPECT_EQ(toString(Reason::Accepted), "accepted");
    EXPECT_EQ(toString(Reason::NoCode), "no_code");
    EXPECT_EQ(toString(Reason::MalformedCode), "malformed_code");
    EXPECT_EQ(toString(Reason::UnknownCode), "unknown_code");
    EXPECT_EQ(toString(Reason::NotApproved), "not_approved");
    EXPECT_EQ(toString(Reason::Expired), "expired");
    EXPECT_EQ(toString(Reason::AlreadyReceived), "already_received");
    EXPECT_EQ(toString(Reason::OrderMismatch), "order_mismatch");
    EXPECT_EQ(toString(Outcome::Accepted), "accepted");
    EXPECT_EQ(toString(Outcome::Rejected), "rejected");
    EXPECT_EQ(toString(Outcome::Held), "held");
}

TEST_F(DecisionTest, WordsRoundTripAndUnknownWordsFail)
{
    for (auto r :
         {Reason::Accepted, Reason::NoCode, Reason::MalformedCode, Reason::UnknownCode,
          Reason::NotApproved, Reason::Expired, Reason::AlreadyReceived, Reason::OrderMismatch}) {
        EXPECT_EQ(parseReason(toString(r)), r);
        EXPECT_FALSE(describe(r).empty());
    }
    for (auto o : {Outcome::Accepted, Outcome::Rejected, Outcome::Held}) {
        EXPECT_EQ(parseOutcome(toString(o)), o);
    }
    EXPECT_FALSE(parseReason("Expired").has_value());
    EXPECT_FALSE(parseOutcome("").has_value());
    EXPECT_EQ(describe(Reason::Expired),
              "Return code expired (valid for 2 weeks from issue): refuse.");
}

}  // namespace
}  // namespace returnscan::core
