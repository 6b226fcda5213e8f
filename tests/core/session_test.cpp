// SPDX-License-Identifier: Apache-2.0
#include "returnscan/core/session.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

using std::chrono::seconds;

const Timestamp kT0 = Timestamp{seconds{1'790'000'000}};

Decision accepted()
{
    Decision d;
    d.outcome = Outcome::Accepted;
    d.reason = Reason::Accepted;
    d.code = "RCABCDEFGHI5";
    d.order = "100045678";
    return d;
}

Decision rejected(Reason r = Reason::Expired)
{
    Decision d;
    d.outcome = Outcome::Rejected;
    d.reason = r;
    d.code = r == Reason::NoCode ? "" : "RCABCDEFGHI5";
    return d;
}

Decision held()
{
    Decision d = accepted();
    d.outcome = Outcome::Held;
    d.reason = Reason::OrderMismatch;
    return d;
}

std::vector<AuthLine> twoLines()
{
    return {AuthLine{"SKU-1", "04012345678901", 2, "Shirt"},
            AuthLine{"SKU-2", "4012345678918", 1, "Scarf"}};
}

SessionPhoto photo(std::string role, bool label = false, int at = 20)
{
    static int n = 0;
    return SessionPhoto{"sha" + std::to_string(++n), std::move(role), label, kT0 + seconds{at}};
}

bool hasWord(const Status& st, std::string_view word)
{
    return !st && st.error().is(word) && !st.error().message.starts_with(word);
}

ParcelSession decided(const Decision& d, std::vector<AuthLine> lines = {})
{
    ParcelSession s("id-1", kT0);
    EXPECT_TRUE(s.applyDecision(d, std::move(lines), {}, kT0 + seconds{2}));
    return s;
}

TEST(SessionWords, PhaseAndCondition)
{
    EXPECT_EQ(toString(Phase::Idle), "idle");
    EXPECT_EQ(toString(Phase::Decision), "decision");
    EXPECT_EQ(toString(Phase::Inspection), "inspection");
    EXPECT_EQ(toString(Phase::Photos), "photos");
    EXPECT_EQ(toString(Phase::Complete), "complete");
    EXPECT_EQ(toString(Phase::Abandoned), "abandoned");
    for (auto c : {Condition::Ok, Condition::DamagedMinor, Condition::DamagedMajor,
                   Condition::DamagedSevere}) {
        EXPECT_EQ(parseCondition(toString(c)), c);
    }
    EXPECT_EQ(toString(Condition::DamagedSevere), "damaged_severe");
    EXPECT_FALSE(parseCondition("damaged"));
    EXPECT_FALSE(parseCondition(""));
    EXPECT_TRUE(isOperatorFlag("wrong_item"));
    EXPECT_TRUE(isOperatorFlag("altered"));
    EXPECT_FALSE(isOperatorFlag("abandoned"));
    EXPECT_FALSE(isOperatorFlag("damaged_minor"));
}

TEST(Session, StartsIdleWithOrderLabel)
{
    ParcelSession s("id-1", kT0);
    EXPECT_EQ(s.phase(), Phase::Idle);
    EXPECT_FALSE(s.closed());
    ASSERT_TRUE(s.noteOrderLabel("100045678", kT0 + seconds{1}));
    ASSERT_TRUE(s.noteOrderLabel("100045679", kT0 + seconds{2}));  // replaces
    EXPECT_EQ(s.scannedOrder(), "100045679");
    EXPECT_EQ(s.lastActivity(), kT0 + seconds{2});
    EXPECT_TRUE(s.missing(PhotoRules{}).empty());
    EXPECT_TRUE(hasWord(s.complete(kT0 + seconds{3}, PhotoRules{}), "wrong_phase"));
}

TEST(Session, OrderLabelAfterDecisionIsWrongPhase)
{
    auto s = decided(accepted());
    EXPECT_TRUE(hasWord(s.noteOrderLabel("1", kT0 + seconds{3}), "wrong_phase"));
}

TEST(Session, DecisionOnlyOnce)
{
    auto s = decided(accepted());
    EXPECT_EQ(s.phase(), Phase::Decision);
    EXPECT_TRUE(hasWord(s.applyDecision(accepted(), {}, {}, kT0 + seconds{3}), "wrong_phase"));
}

TEST(Session, AcceptedNeedsConditionAndPhotos)
{
    PhotoRules rules;
    auto s = decided(accepted());
    auto missing = s.missing(rules);
    ASSERT_EQ(missing.size(), 4u);
    EXPECT_EQ(missing[0], (Missing{"condition", "", 0}));
    EXPECT_EQ(missing[1], (Missing{"photo", "overview", 1}));
    EXPECT_EQ(missing[2], (Missing{"photo", "label", 1}));
    EXPECT_EQ(missing[3], (Missing{"label_visible", "", 0}));
    EXPECT_TRUE(hasWord(s.complete(kT0 + seconds{5}, rules), "incomplete"));

    ASSERT_TRUE(s.setCondition(Condition::Ok, kT0 + seconds{5}));
    EXPECT_EQ(s.phase(), Phase::Photos);
    ASSERT_TRUE(s.addPhoto(photo("overview"), rules));
    ASSERT_TRUE(s.addPhoto(photo("label", /*label=*/false), rules));
    missing = s.missing(rules);
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].what, "label_visible");
    ASSERT_TRUE(s.addPhoto(photo("label", /*label=*/true), rules));
    EXPECT_TRUE(s.missing(rules).empty());
    EXPECT_FALSE(s.closed());  // accepted parcels close only when the operator says so
    ASSERT_TRUE(s.complete(kT0 + seconds{40}, rules));
    EXPECT_EQ(s.phase(), Phase::Complete);
    EXPECT_EQ(s.closedAt(), kT0 + seconds{40});
    EXPECT_TRUE(hasWord(s.complete(kT0 + seconds{41}, rules), "wrong_phase"));
    EXPECT_TRUE(hasWord(s.addPhoto(photo("overview"), rules), "wrong_phase"));
}

TEST(Session, DamagePhotosRiseWithSeverity)
{
    PhotoRules rules;
    rules.labelMustBeVisible = false;
    rules.accepted.clear();
    struct Case {
        Condition c;
        int damage;
    };
    for (auto [c, damage] : {Case{Condition::Ok, 0}, Case{Condition::DamagedMinor, 1},
                             Case{Condition::DamagedMajor, 2}, Case{Condition::DamagedSevere, 3}}) {
        auto s = decided(accepted());
        ASSERT_TRUE(s.setCondition(c, kT0 + seconds{3}));
        auto missing = s.missing(rules);
        if (damage == 0) {
            EXPECT_TRUE(missing.empty());
        } else {
            ASSERT_EQ(missing.size(), 1u) << toString(c);
            EXPECT_EQ(missing[0], (Missing{"photo", "damage", damage}));
        }
    }
}

TEST(Session, MisuseNeedsDamagePhotos)
{
    PhotoRules rules;
    rules.accepted.clear();
    rules.labelMustBeVisible = false;
    rules.misuse = 2;
    auto s = decided(accepted());
    ASSERT_TRUE(s.setCondition(Condition::DamagedMinor, kT0 + seconds{3}));
    ASSERT_TRUE(s.setFlag(kFlagAltered, true, kT0 + seconds{4}));
    auto missing = s.missing(rules);
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0], (Missing{"photo", "damage", 2}));  // max(1 minor, 2 misuse)
    ASSERT_TRUE(s.addPhoto(photo("damage"), rules));
    EXPECT_EQ(s.missing(rules)[0].count, 1);
    ASSERT_TRUE(s.setFlag(kFlagAltered, false, kT0 + seconds{5}));
    EXPECT_TRUE(s.missing(rules).empty());
}

TEST(Session, FlagsAreSortedUniqueAndOperatorOnly)
{
    auto s = decided(accepted());
    ASSERT_TRUE(s.setFlag(kFlagWrongItem, true, kT0 + seconds{3}));
    ASSERT_TRUE(s.setFlag(kFlagMissingItem, true, kT0 + seconds{3}));
    ASSERT_TRUE(s.setFlag(kFlagWrongItem, true, kT0 + seconds{3}));
    EXPECT_EQ(s.flags(), (std::vector<std::string>{"missing_item", "wrong_item"}));
    EXPECT_TRUE(hasWord(s.setFlag("abandoned", true, kT0 + seconds{3}), "bad_flag"));
    EXPECT_TRUE(hasWord(s.setFlag("nonsense", true, kT0 + seconds{3}), "bad_flag"));
    EXPECT_EQ(s.phase(), Phase::Inspection);
}

TEST(Session, RejectedCannotBeGraded)
{
    auto s = decided(rejected());
    EXPECT_TRUE(hasWord(s.setCondition(Condition::Ok, kT0 + seconds{3}), "wrong_phase"));
    EXPECT_TRUE(hasWord(s.setFlag(kFlagWrongItem, true, kT0 + seconds{3}), "wrong_phase"));
    EXPECT_FALSE(s.noteItem("04012345678901", kT0 + seconds{3}));
}

TEST(Session, RefusalPhotoClosesRejectedParcel)
{
    PhotoRules rules;
    auto s = decided(rejected(Reason::NoCode));
    auto missing = s.missing(rules);
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0], (Missing{"photo", "overview", 1}));
    ASSERT_TRUE(s.addPhoto(photo("overview", false, 30), rules));
    EXPECT_EQ(s.phase(), Phase::Complete);
    EXPECT_EQ(s.closedAt(), kT0 + seconds{30});
}

TEST(Session, HeldNeedsRefusalPhotoToo)
{
    PhotoRules rules;
    rules.refusal = {"overview", "label"};
    auto s = decided(held());
    ASSERT_TRUE(s.addPhoto(photo("overview"), rules));
    EXPECT_EQ(s.phase(), Phase::Photos);
    ASSERT_TRUE(s.addPhoto(photo("label"), rules));
    EXPECT_EQ(s.phase(), Phase::Complete);
}

TEST(Session, NoCameraRequiresNoPhoto)
{
    PhotoRules rules;
    rules.camerasAvailable = false;
    auto s = decided(accepted());
    auto missing = s.missing(rules);
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].what, "condition");
    ASSERT_TRUE(s.setCondition(Condition::Ok, kT0 + seconds{3}));
    EXPECT_TRUE(s.complete(kT0 + seconds{4}, rules));

    auto r = decided(rejected());
    EXPECT_TRUE(r.missing(rules).empty());
    EXPECT_TRUE(r.complete(kT0 + seconds{4}, rules));
}

TEST(Session, ItemsCountAgainstLines)
{
    auto s = decided(accepted(), twoLines());
    EXPECT_EQ(s.noteItem("04012345678901", kT0 + seconds{3}).value(), ItemMatch::Matched);
    EXPECT_EQ(s.noteItem("04012345678901", kT0 + seconds{3}).value(), ItemMatch::Matched);
    EXPECT_EQ(s.noteItem("04012345678901", kT0 + seconds{3}).value(), ItemMatch::Surplus);
    // A line's GTIN-13 matches its GTIN-14 form.
    EXPECT_EQ(s.noteItem("04012345678918", kT0 + seconds{3}).value(), ItemMatch::Matched);
    EXPECT_EQ(s.noteItem("00000000000017", kT0 + seconds{3}).value(), ItemMatch::NotExpected);
    EXPECT_EQ(s.lines()[0].scanned, 3);
    EXPECT_EQ(s.lines()[1].scanned, 1);
    EXPECT_EQ(s.phase(), Phase::Inspection);
}

TEST(Session, OverrideToAcceptedGoesToInspection)
{
    PhotoRules rules;
    auto s = decided(rejected());
    Override o{"sup-1", "customer called", kT0 + seconds{10}, Outcome::Accepted};
    ASSERT_TRUE(s.applyOverride(o));
    EXPECT_EQ(s.effectiveOutcome(), Outcome::Accepted);
    EXPECT_EQ(s.decision()->outcome, Outcome::Rejected);  // kept next to the override
    EXPECT_EQ(s.phase(), Phase::Inspection);
    EXPECT_EQ(s.missing(rules)[0].what, "condition");
    EXPECT_TRUE(s.setCondition(Condition::Ok, kT0 + seconds{11}));
    // A second override is refused.
    EXPECT_TRUE(hasWord(s.applyOverride(o), "not_overridable"));
}

TEST(Session, OverrideRules)
{
    auto a = decided(accepted());
    EXPECT_TRUE(hasWord(a.applyOverride({"sup", "x", kT0, Outcome::Rejected}), "not_overridable"));
    ParcelSession idle("id", kT0);
    EXPECT_TRUE(
        hasWord(idle.applyOverride({"sup", "x", kT0, Outcome::Accepted}), "not_overridable"));
    auto h = decided(held());
    EXPECT_TRUE(hasWord(h.applyOverride({"sup", "x", kT0, Outcome::Held}), "not_overridable"));
    ASSERT_TRUE(h.applyOverride({"sup", "wrong parcel", kT0 + seconds{5}, Outcome::Rejected}));
    EXPECT_EQ(h.phase(), Phase::Photos);
    auto r = decided(rejected());
    EXPECT_TRUE(hasWord(r.applyOverride({"sup", "x", kT0, Outcome::Rejected}), "not_overridable"));
    EXPECT_TRUE(hasWord(r.applyOverride({"", "x", kT0, Outcome::Accepted}), "not_overridable"));
    EXPECT_TRUE(hasWord(r.applyOverride({"sup", "", kT0, Outcome::Accepted}), "not_overridable"));
}

TEST(Session, AbandonAfterTimeout)
{
    const seconds timeout{600};
    auto s = decided(accepted());
    EXPECT_EQ(s.abandonAt(timeout), kT0 + seconds{602});
    EXPECT_FALSE(s.abandonDue(kT0 + seconds{601}, timeout));
    EXPECT_TRUE(s.abandonDue(kT0 + seconds{602}, timeout));
    ASSERT_TRUE(s.setCondition(Condition::Ok, kT0 + seconds{500}));
    EXPECT_FALSE(s.abandonDue(kT0 + seconds{700}, timeout));
    s.abandon(kT0 + seconds{1100});
    EXPECT_EQ(s.phase(), Phase::Abandoned);
    EXPECT_TRUE(s.closed());
    EXPECT_FALSE(s.abandonDue(kT0 + seconds{5000}, timeout));
    EXPECT_EQ(s.flags(), std::vector<std::string>{"abandoned"});
    s.abandon(kT0 + seconds{2000});  // no-op
    EXPECT_EQ(s.closedAt(), kT0 + seconds{1100});
}

TEST(Session, ReceiptCarriesGradeAsCentralShowsIt)
{
    auto s = decided(accepted());
    s.noteScan({kT0 + seconds{2}, "handheld-1", "]C0", "RCABCDEFGHI5"});
    ASSERT_TRUE(s.setCondition(Condition::DamagedMinor, kT0 + seconds{3}));
    ASSERT_TRUE(s.setFlag(kFlagWrongItem, true, kT0 + seconds{4}));
    Receipt r = s.toReceipt("dock-3", "op-17");
    EXPECT_EQ(r.id, "id-1");
    EXPECT_EQ(r.station, "dock-3");
    EXPECT_EQ(r.operatorId, "op-17");
    EXPECT_EQ(r.code, "RCABCDEFGHI5");
    EXPECT_EQ(r.order, "100045678");
    EXPECT_EQ(r.decision, Outcome::Accepted);
    EXPECT_EQ(r.condition, "damaged");
    EXPECT_EQ(r.flags, (std::vector<std::string>{"damaged_minor", "wrong_item"}));
    EXPECT_EQ(r.startedAt, kT0);
    EXPECT_EQ(r.decidedAt, kT0 + seconds{2});
    EXPECT_FALSE(r.completedAt);
    ASSERT_EQ(r.scans.size(), 1u);

    auto ok = decided(accepted());
    ASSERT_TRUE(ok.setCondition(Condition::Ok, kT0 + seconds{3}));
    EXPECT_EQ(ok.toReceipt("s", "o").condition, "ok");
    EXPECT_TRUE(ok.toReceipt("s", "o").flags.empty());
}

TEST(Session, NoCodeReceiptHasNoCode)
{
    auto s = decided(rejected(Reason::NoCode));
    Receipt r = s.toReceipt("s", "o");
    EXPECT_FALSE(r.code);
    EXPECT_EQ(r.reason, Reason::NoCode);
}

TEST(Session, AdvisoryFlagsKept)
{
    ParcelSession s("id-1", kT0);
    ASSERT_TRUE(s.applyDecision(accepted(), {}, {"past_14_days"}, kT0 + seconds{2}));
    ASSERT_TRUE(s.setFlag(kFlagMisuse, true, kT0 + seconds{3}));
    EXPECT_EQ(s.flags(), (std::vector<std::string>{"misuse_suspected", "past_14_days"}));
}

TEST(Session, ResumeRestoresTheOpenSession)
{
    PhotoRules rules;
    auto s = decided(accepted(), twoLines());
    ASSERT_TRUE(s.setCondition(Condition::DamagedMajor, kT0 + seconds{3}));
    ASSERT_TRUE(s.setFlag(kFlagMissingItem, true, kT0 + seconds{4}));
    ASSERT_TRUE(s.addPhoto(photo("overview", false, 6), rules));
    Receipt r = s.toReceipt("s", "o");

    auto back = ParcelSession::resume(r, twoLines(), s.photos(), rules);
    EXPECT_EQ(back.id(), "id-1");
    EXPECT_EQ(back.phase(), s.phase());
    EXPECT_EQ(back.condition(), Condition::DamagedMajor);
    EXPECT_EQ(back.flags(), s.flags());
    EXPECT_EQ(back.missing(rules), s.missing(rules));
    EXPECT_EQ(back.lastActivity(), kT0 + seconds{6});
    EXPECT_EQ(back.toReceipt("s", "o"), r);

    // A freshly decided receipt resumes in the decision phase.
    auto fresh = decided(rejected());
    auto again = ParcelSession::resume(fresh.toReceipt("s", "o"), {}, {}, rules);
    EXPECT_EQ(again.phase(), Phase::Decision);
    EXPECT_EQ(again.effectiveOutcome(), Outcome::Rejected);
}

TEST(Session, OpenSessionsAndClosedReceiptsShareTheOverrideRule)
{
    const Override toAccepted{"sup", "phoned", kT0, Outcome::Accepted};
    // Closed receipts go through the same rule as open sessions (overrideReceipt).
    Receipt r = decided(rejected()).toReceipt("s", "o");
    ASSERT_TRUE(overrideReceipt(r, toAccepted));
    EXPECT_EQ(r.override_, toAccepted);
    EXPECT_TRUE(hasWord(overrideReceipt(r, toAccepted), "not_overridable"));  // once only
    Receipt acc = decided(accepted()).toReceipt("s", "o");
    EXPECT_TRUE(
        hasWord(overrideReceipt(acc, {"sup", "x", kT0, Outcome::Rejected}), "not_overridable"));
    EXPECT_FALSE(acc.override_);
    Receipt held = r;
    held.decision = Outcome::Held;
    held.override_.reset();
    EXPECT_TRUE(
        hasWord(overrideReceipt(held, {"sup", "x", kT0, Outcome::Held}), "not_overridable"));
    EXPECT_TRUE(
        hasWord(overrideReceipt(held, {"", "x", kT0, Outcome::Rejected}), "not_overridable"));
    EXPECT_TRUE(overrideReceipt(held, {"sup", "x", kT0, Outcome::Rejected}));
    // And the session answers checkOverride's way for the same cases.
    EXPECT_TRUE(
        hasWord(checkOverride(Outcome::Accepted, std::nullopt, toAccepted), "not_overridable"));
    EXPECT_TRUE(checkOverride(Outcome::Held, std::nullopt, toAccepted));
}

}  // namespace
}  // namespace returnscan::core
