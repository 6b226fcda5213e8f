// SPDX-License-Identifier: Apache-2.0
// The station over the in-memory receipt store: the workflow's rules in milliseconds. (The
// same workflow over a real SQLite file and the page's JSON: tests/app/station_test.cpp.)
#include "returnscan/station/station.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/fake_receipt_store.h"
#include "returnscan/core/code_format.h"

namespace returnscan::station {
namespace {

using std::chrono::seconds;
using namespace std::chrono_literals;

const core::Timestamp kNow{seconds{1'790'000'000}};

class CountingIds final : public core::IdSource {
public:
    std::string newId() override
    {
        std::array<std::uint8_t, 16> b{};
        b[15] = static_cast<std::uint8_t>(++n_);
        return core::uuidV4FromBytes(b);
    }

private:
    int n_ = 0;
};

class Signals final : public core::ScannerFeedbackPort {
public:
    void signal(const std::string& device, core::FeedbackCue cue) override
    {
        log.emplace_back(device, cue);
    }
    std::vector<std::pair<std::string, core::FeedbackCue>> log;
};

std::string code(const std::string& body)
{
    return *core::withCheckCharacter("RC" + body, core::CheckScheme::Iso7064Mod37_36);
}

core::Authorization auth(const std::string& body, const std::string& order,
                         core::AuthStatus status = core::AuthStatus::Approved,
                         std::chrono::seconds age = 24h)
{
    core::Authorization a;
    a.code = code(body);
    a.order = order;
    a.status = status;
    a.issuedAt = kNow - age;
    return a;
}

class StationFakeTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto ok = auth("AAAA00001", "100000001");
        ok.lines = {{"SKU-1", "04012345678901", 1, "T-shirt"}};
        store_.putAuthorization(ok);
        store_.putAuthorization(auth("AAAA00002", "100000002", core::AuthStatus::Pending));
        store_.putAuthorization(auth("AAAA00003", "100000003"));
        station_ = make();
    }

    std::unique_ptr<Station> make(bool camera = true)
    {
        StationSettings s;
        s.station = "st-1";
        s.operatorId = "op-1";
        s.abandonAfter = 600s;
        auto st = std::make_unique<Station>(store_, clock_, ids_, s, &signals_);
        st->setCameraAvailable(camera);
        EXPECT_TRUE(st->resume());
        return st;
    }

    core::ScanEvent scan(const std::string& text, core::Transport t = core::Transport::Serial)
    {
        core::ScanEvent e;
        e.device = t == core::Transport::Camera ? "cam-1" : "hand-1";
        e.transport = t;
        e.data = text;
        e.wallTime = clock_.now();
        return e;
    }

    ActionResult photo(const std::string& role, bool label = false)
    {
        auto job = station_->beginPhoto(role);
        if (!job) {
            return ActionResult::fail(job.error().reason, job.error().message);
        }
        core::PhotoRecord p;
        p.sha256 = std::string(63, 'b') + std::to_string(++photos_ % 10);
        p.path = "/nowhere/" + p.sha256 + ".jpg";
        p.bytes = 10;
        p.orderLabelVisible = label;
        return station_->finishPhoto(job.value(), core::PhotoTaken{p, {}});
    }

    [[nodiscard]] const core::Receipt& stored(const std::string& id) const
    {
        const auto& all = store_.receipts();
        return *std::find_if(all.begin(), all.end(), [&](const auto& r) { return r.id == id; });
    }

    core::ManualClock clock_{kNow};
    CountingIds ids_;
    Signals signals_;
    tests::FakeReceiptStore store_;
    std::unique_ptr<Station> station_;
    int photos_ = 0;
};

TEST_F(StationFakeTest, AcceptedParcelThroughInspectionPhotosAndCompletion)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00001"))).ok());
    auto v = station_->view();
    ASSERT_TRUE(v.session);
    EXPECT_EQ(v.prompt, "inspect");
    EXPECT_EQ(v.session->session.phase(), core::Phase::Decision);
    ASSERT_EQ(signals_.log.size(), 1u);
    EXPECT_EQ(signals_.log[0], std::make_pair(std::string("hand-1"), core::FeedbackCue::Good));
    const auto id = v.session->session.id();
    EXPECT_FALSE(stored(id).completedAt);  // durable at once, still open

    auto early = station_->complete();
    EXPECT_EQ(early.reason, "incomplete");
    ASSERT_FALSE(early.missing.empty());
    EXPECT_EQ(early.missing[0].what, "condition");

    ASSERT_TRUE(station_->setCondition("ok").ok());
    ASSERT_TRUE(photo("overview").ok());
    ASSERT_TRUE(photo("label", true).ok());
    EXPECT_EQ(station_->view().prompt, "complete");
    EXPECT_TRUE(station_->view().session->canComplete);
    clock_.advance(30s);
    ASSERT_TRUE(station_->complete().ok());
    v = station_->view();
    EXPECT_FALSE(v.session);
    ASSERT_TRUE(v.last);
    EXPECT_EQ(v.last->outcome, core::Outcome::Accepted);
    EXPECT_EQ(v.counts.accepted, 1);
    EXPECT_EQ(stored(id).completedAt, clock_.now());
    EXPECT_EQ(store_.photosOfReceipt(id).value().size(), 2u);
    EXPECT_EQ(store_.state(code("AAAA00001"))->consumedBy, id);
}

TEST_F(StationFakeTest, RefusedParcelSignalsErrorAndClosesAfterItsRefusalPhoto)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00002"))).ok());
    EXPECT_EQ(station_->view().prompt, "override_or_refusal_photo");
    EXPECT_EQ(signals_.log.at(0).second, core::FeedbackCue::Error);
    EXPECT_EQ(station_->setCondition("ok").reason, "wrong_phase");
    ASSERT_TRUE(photo("overview").ok());
    const auto v = station_->view();
    EXPECT_FALSE(v.session);
    EXPECT_EQ(v.last->receipt.reason, core::Reason::NotApproved);
    EXPECT_EQ(v.counts.rejected, 1);
}

TEST_F(StationFakeTest, PhotoErrorsCarryTheirReasons)
{
    EXPECT_TRUE(station_->beginPhoto("overview").error().is("wrong_phase"));
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00001"))).ok());
    EXPECT_TRUE(station_->beginPhoto("selfie").error().is("bad_role"));
    auto job = station_->beginPhoto("damage");
    ASSERT_TRUE(job);
    EXPECT_EQ(job.value().code, code("AAAA00001"));
    EXPECT_EQ(job.value().order, "100000001");
    EXPECT_EQ(station_->finishPhoto(job.value(), core::PhotoTaken{std::nullopt, "too_dark"}).reason,
              "too_dark");
    EXPECT_EQ(station_->finishPhoto(job.value(), core::PhotoTaken{}).reason, "refused");
    EXPECT_EQ(station_->finishPhoto(job.value(), makeError(ErrorCode::Io, "gone")).reason,
              "camera_error");
    EXPECT_TRUE(station_->view().session->session.photos().empty());
    station_ = make(/*camera=*/false);
    EXPECT_TRUE(station_->beginPhoto("overview").error().is("no_camera"));
}

TEST_F(StationFakeTest, OverrideOfAClosedReceiptFollowsTheSessionsRule)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00002"))).ok());
    const auto id = station_->view().session->session.id();
    ASSERT_TRUE(photo("overview").ok());  // closes it
    EXPECT_EQ(station_->override_(id, "held", "x", "sup").reason, "bad_outcome");
    EXPECT_EQ(station_->override_(id, "accepted", "", "sup").reason, "bad_reason");
    EXPECT_EQ(station_->override_(id, "rejected", "same", "sup").reason, "not_overridable");
    ASSERT_TRUE(station_->override_(id, "accepted", "approved by phone", "sup").ok());
    EXPECT_EQ(stored(id).override_->by, "sup");
    EXPECT_EQ(store_.state(code("AAAA00002"))->consumedBy, id);  // consumed on acceptance
    EXPECT_EQ(station_->view().counts.accepted, 1);
    EXPECT_EQ(station_->override_(id, "rejected", "again", "sup").reason, "not_overridable");
    EXPECT_EQ(station_->override_("nope", "accepted", "x", "sup").reason, "not_found");
}

TEST_F(StationFakeTest, AnOverrideTheCentralSystemHoldsAlreadyIsRefusedWithItsReason)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00002"))).ok());
    const auto id = station_->view().session->session.id();
    ASSERT_TRUE(photo("overview").ok());
    store_.markSyncedForTest(id, clock_.now());
    const auto r = station_->override_(id, "accepted", "approved by phone", "sup");
    EXPECT_EQ(r.reason, "already_synced");
    EXPECT_FALSE(stored(id).override_);
    EXPECT_FALSE(store_.state(code("AAAA00002"))->consumedBy);  // rolled back with it
}

TEST_F(StationFakeTest, OverrideOfTheOpenParcelConsumesTheCodeOnce)
{
    ASSERT_TRUE(station_->onScan(scan("100000099")).ok());
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00003"))).ok());  // order mismatch: held
    const auto id = station_->view().session->session.id();
    EXPECT_EQ(station_->view().session->session.decision()->outcome, core::Outcome::Held);
    ASSERT_TRUE(station_->override_(id, "accepted", "checked", "sup").ok());
    EXPECT_EQ(station_->view().session->session.phase(), core::Phase::Inspection);
    EXPECT_EQ(store_.state(code("AAAA00003"))->consumedBy, id);
    EXPECT_EQ(station_->override_(id, "accepted", "again", "sup").reason, "not_overridable");
}

TEST_F(StationFakeTest, AStoreFailureIsReportedAndNothingIsShownAsSaved)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00001"))).ok());
    store_.failNextUpdateForTest();
    const auto r = station_->setCondition("ok");
    EXPECT_EQ(r.reason, "store_error");
    EXPECT_FALSE(station_->view().session->session.condition());
    EXPECT_EQ(station_->view().notice->word, "store_error");
    ASSERT_TRUE(station_->setCondition("ok").ok());  // works again
}

TEST_F(StationFakeTest, AbandonedAfterTheTimeoutAndRestoredAfterARestart)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00001"))).ok());
    ASSERT_TRUE(station_->setCondition("damaged_minor").ok());
    const auto id = station_->view().session->session.id();
    station_ = make();  // a restart: the open parcel comes back
    ASSERT_TRUE(station_->view().session);
    EXPECT_EQ(station_->view().session->session.id(), id);
    EXPECT_EQ(station_->view().notice->word, "resumed");
    clock_.advance(599s);
    EXPECT_FALSE(station_->tick());
    clock_.advance(1s);
    EXPECT_TRUE(station_->tick());
    EXPECT_TRUE(station_->view().last->abandoned);
    EXPECT_EQ(station_->view().counts.abandoned, 1);
    const auto& flags = stored(id).flags;
    EXPECT_NE(std::find(flags.begin(), flags.end(), "abandoned"), flags.end());
}

TEST_F(StationFakeTest, CameraReadsAroundTheOpenParcelAreIgnored)
{
    ASSERT_TRUE(station_->onScan(scan(code("AAAA00001"))).ok());
    EXPECT_TRUE(station_->onScan(scan(code("AAAA00003"), core::Transport::Camera)).ok());
    EXPECT_TRUE(station_->onScan(scan("100000077", core::Transport::Camera)).ok());
    EXPECT_EQ(station_->onScan(scan(code("AAAA00003"))).reason, "finish_current");
    EXPECT_EQ(station_->onScan(scan("100000077")).reason, "other_order");
    EXPECT_EQ(signals_.log.size(), 1u);
}

TEST(FeedbackForTest, AcceptedIsGoodEverythingElseIsError)
{
    EXPECT_EQ(feedbackFor(core::Outcome::Accepted), core::FeedbackCue::Good);
    EXPECT_EQ(feedbackFor(core::Outcome::Rejected), core::FeedbackCue::Error);
    EXPECT_EQ(feedbackFor(core::Outcome::Held), core::FeedbackCue::Error);
}

}  // namespace
}  // namespace returnscan::station
