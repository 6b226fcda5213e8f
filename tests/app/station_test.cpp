// SPDX-License-Identifier: Apache-2.0
// The station over a real SQLite file and the page's state JSON: the parcel workflow,
// durability, restart, overrides. (tests/station has the fast tests over the in-memory fake.)
#include "returnscan/station/station.h"

#include <gtest/gtest.h>

#include "demo.h"
#include "kiosk_http.h"
#include "returnscan/core/clock.h"
#include "returnscan/store/store.h"
#include "station_view.h"
#include "support/temp_dir.h"

namespace returnscan::app {
namespace {

using station::ActionResult;
using station::Station;
using station::StationSettings;

using returnscan::tests::TempDir;
using std::chrono::seconds;
using namespace std::chrono_literals;

class CountingIds final : public core::IdSource {
public:
    std::string newId() override
    {
        std::array<std::uint8_t, 16> b{};
        b[15] = static_cast<std::uint8_t>(++n_);
        b[14] = static_cast<std::uint8_t>(n_ >> 8);
        return core::uuidV4FromBytes(b);
    }

private:
    int n_ = 0;
};

/// The scanner feedback the station asked for.
class SignalLog final : public core::ScannerFeedbackPort,
                        public std::vector<std::pair<std::string, core::FeedbackCue>> {
public:
    void signal(const std::string& device, core::FeedbackCue cue) override
    {
        emplace_back(device, cue);
    }
};

class StationTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        openStore();
        ASSERT_TRUE(seedDemo(*store_, clock_, ids_, "test-station"));
        station_ = makeStation();
    }

    void openStore()
    {
        store::OpenOptions oo;
        oo.path = dir_.file("returnscan.db");
        auto st = store::SqliteStore::open(oo);
        ASSERT_TRUE(st) << st.error().message;
        store_ = std::move(st).value();
    }

    std::unique_ptr<Station> makeStation(bool camera = true)
    {
        StationSettings s;
        s.station = "test-station";
        s.operatorId = "op-1";
        s.abandonAfter = 600s;
        auto st = std::make_unique<Station>(*store_, clock_, ids_, s, &signals_);
        st->setCameraAvailable(camera);
        EXPECT_TRUE(st->resume());
        return st;
    }

    core::ScanEvent scan(const std::string& text, core::Transport t = core::Transport::Serial)
    {
        core::ScanEvent e;
        e.device = t == core::Transport::Camera ? "cam-1" : "handheld-1";
        e.transport = t;
        e.data = text;
        e.wallTime = clock_.now();
        return e;
    }

    /// A photo as the camera side would report it (the file itself is not needed here).
    Result<core::PhotoTaken> saved(const core::PhotoJob& job, bool labelVisible)
    {
        core::PhotoRecord p;
        p.receiptId = job.receiptId;
        p.sha256 = std::string(63, 'a') + std::to_string(++photos_ % 10);
        p.role = job.role;
        p.path = dir_.file(p.sha256 + ".jpg");
        p.takenAt = job.takenAt;
        p.bytes = 1000;
        p.width = 640;
        p.height = 480;
        p.orderLabelVisible = labelVisible;
        return core::PhotoTaken{p, {}};
    }

    ActionResult photo(const std::string& role, bool labelVisible = false)
    {
        auto job = station_->beginPhoto(role);
        if (!job) {
            return ActionResult::fail("begin", job.error().message);
        }
        return station_->finishPhoto(job.value(), saved(job.value(), labelVisible));
    }

    nlohmann::json state() { return stateJson(station_->view()); }
    nlohmann::json session() { return state()["session"]; }

    TempDir dir_;
    core::ManualClock clock_{core::Timestamp{seconds{1'790'000'000}}};
    CountingIds ids_;
    std::unique_ptr<store::SqliteStore> store_;
    std::unique_ptr<Station> station_;
    SignalLog signals_;
    int photos_ = 0;
};

TEST_F(StationTest, AcceptedParcelThroughInspectionPhotosAndCompletion)
{
    const auto code = demoCode("DEMO00001");
    ASSERT_TRUE(station_->onScan(scan(code)).ok());
    auto s = session();
    EXPECT_EQ(s["phase"], "decision");
    EXPECT_EQ(s["decision"]["outcome"], "accepted");
    EXPECT_EQ(s["code"], code);
    EXPECT_EQ(s["order"], "100000001");
    EXPECT_EQ(s["lines"].size(), 1u);
    EXPECT_EQ(state()["prompt"], "inspect");
    ASSERT_EQ(signals_.size(), 1u);
    EXPECT_EQ(signals_[0], std::make_pair(std::string("handheld-1"), core::FeedbackCue::Good));

    // Durable at once, but open: not yet for the sync queue.
    auto stored = store_->findReceipt(s["id"].get<std::string>());
    ASSERT_TRUE(stored && stored.value());
    EXPECT_FALSE(stored.value()->completedAt);

    auto early = station_->complete();
    EXPECT_EQ(early.reason, "incomplete");
    EXPECT_EQ(httpStatus(early.reason), 409);
    EXPECT_EQ(toReply(early, {}).body["missing"][0]["what"], "condition");

    ASSERT_TRUE(station_->setCondition("ok").ok());
    ASSERT_TRUE(photo("overview").ok());
    ASSERT_TRUE(photo("label", true).ok());
    EXPECT_TRUE(session()["can_complete"].get<bool>());
    EXPECT_EQ(state()["prompt"], "complete");
    clock_.advance(30s);
    ASSERT_TRUE(station_->complete().ok());

    auto st = state();
    EXPECT_TRUE(st["session"].is_null());
    EXPECT_EQ(st["last"]["outcome"], "accepted");
    EXPECT_EQ(st["counts"]["accepted"], 1);
    stored = store_->findReceipt(st["last"]["id"].get<std::string>());
    ASSERT_TRUE(stored && stored.value());
    EXPECT_EQ(stored.value()->completedAt, clock_.now());
    EXPECT_EQ(stored.value()->condition, "ok");
    auto ph = store_->photosOfReceipt(stored.value()->id);
    ASSERT_TRUE(ph);
    EXPECT_EQ(ph.value().size(), 2u);
}

TEST_F(StationTest, RefusedParcelClosesAfterItsRefusalPhoto)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00005"))).ok());
    EXPECT_EQ(session()["decision"]["reason"], "expired");
    EXPECT_EQ(state()["prompt"], "override_or_refusal_photo");
    EXPECT_EQ(station_->setCondition("ok").reason, "wrong_phase");
    ASSERT_TRUE(photo("overview").ok());
    auto st = state();
    EXPECT_TRUE(st["session"].is_null());
    EXPECT_EQ(st["last"]["reason"], "expired");
    EXPECT_EQ(st["counts"]["rejected"], 1);
}

TEST_F(StationTest, WithoutCameraRefusalsCloseAtOnce)
{
    station_ = makeStation(/*camera=*/false);
    ASSERT_TRUE(station_->noCode().ok());
    auto st = state();
    EXPECT_TRUE(st["session"].is_null());
    EXPECT_EQ(st["last"]["reason"], "no_code");
    EXPECT_FALSE(st["camera"].get<bool>());
    EXPECT_FALSE(station_->beginPhoto("overview"));
}

TEST_F(StationTest, OrderMismatchHeldThenOverriddenToAccepted)
{
    ASSERT_TRUE(station_->onScan(scan("100000099")).ok());
    EXPECT_EQ(session()["phase"], "idle");
    EXPECT_EQ(state()["prompt"], "scan_code_or_no_code");
    const auto code = demoCode("DEMO00008");
    ASSERT_TRUE(station_->onScan(scan(code)).ok());
    EXPECT_EQ(session()["decision"]["outcome"], "held");
    const auto id = session()["id"].get<std::string>();

    EXPECT_EQ(station_->override_(id, "held", "x", "sup-1").reason, "bad_outcome");
    EXPECT_EQ(station_->override_(id, "accepted", "", "sup-1").reason, "bad_reason");
    ASSERT_TRUE(station_->override_(id, "accepted", "customer confirmed", "sup-1").ok());
    auto s = session();
    EXPECT_EQ(s["override"]["by"], "sup-1");
    EXPECT_EQ(s["decision"]["outcome"], "held");  // kept next to the override
    EXPECT_EQ(s["phase"], "inspection");
    // The override consumed the code: the next parcel with it is already_received.
    auto state = store_->findCode(code);
    ASSERT_TRUE(state && state.value());
    EXPECT_EQ(state.value()->consumedBy, id);
}

TEST_F(StationTest, OverrideOfPastReceiptAndItsLimits)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00002"))).ok());
    const auto id = session()["id"].get<std::string>();
    ASSERT_TRUE(photo("overview").ok());  // closes it
    ASSERT_TRUE(station_->override_(id, "accepted", "approved by phone", "sup-1").ok());
    auto r = store_->findReceipt(id);
    ASSERT_TRUE(r && r.value() && r.value()->override_);
    EXPECT_EQ(r.value()->override_->outcome, core::Outcome::Accepted);
    EXPECT_EQ(state()["counts"]["accepted"], 1);
    EXPECT_EQ(station_->override_(id, "rejected", "again", "sup-1").reason, "not_overridable");
    EXPECT_EQ(station_->override_("nope", "accepted", "x", "sup-1").reason, "not_found");
}

TEST_F(StationTest, NextCodeWaitsForTheOpenParcel)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    // The same label again (a double read, a camera): nothing happens.
    EXPECT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    EXPECT_TRUE(station_->onScan(scan(demoCode("DEMO0000A"), core::Transport::Camera)).ok());
    auto r = station_->onScan(scan(demoCode("DEMO0000A")));
    EXPECT_EQ(r.reason, "finish_current");
    EXPECT_EQ(state()["message"]["word"], "finish_current");
    EXPECT_EQ(station_->noCode().reason, "finish_current");
}

TEST_F(StationTest, ItemScansCountAgainstTheOrderLines)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    ASSERT_TRUE(station_->onScan(scan("]E004012345678901")).ok());
    EXPECT_EQ(session()["lines"][0]["scanned"], 1);
    ASSERT_TRUE(station_->onScan(scan("]E04006381333931")).ok());
    EXPECT_EQ(state()["message"]["word"], "item_not_expected");
}

TEST_F(StationTest, AbandonedAfterTimeoutIsRecorded)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    const auto id = session()["id"].get<std::string>();
    clock_.advance(599s);
    EXPECT_FALSE(station_->tick());
    clock_.advance(1s);
    EXPECT_TRUE(station_->tick());
    auto st = state();
    EXPECT_TRUE(st["session"].is_null());
    EXPECT_TRUE(st["last"]["abandoned"].get<bool>());
    EXPECT_EQ(st["counts"]["abandoned"], 1);
    auto r = store_->findReceipt(id);
    ASSERT_TRUE(r && r.value());
    EXPECT_TRUE(r.value()->completedAt);
    EXPECT_NE(std::find(r.value()->flags.begin(), r.value()->flags.end(), "abandoned"),
              r.value()->flags.end());
}

TEST_F(StationTest, UndecidedParcelAbandonedAsNoCode)
{
    ASSERT_TRUE(station_->onScan(scan("100000001")).ok());
    clock_.advance(600s);
    EXPECT_TRUE(station_->tick());
    auto st = state();
    EXPECT_EQ(st["last"]["reason"], "no_code");
    EXPECT_TRUE(st["last"]["abandoned"].get<bool>());
    auto r = store_->findReceipt(st["last"]["id"].get<std::string>());
    ASSERT_TRUE(r && r.value());
    EXPECT_EQ(r.value()->order, "100000001");
}

TEST_F(StationTest, OpenSessionShownAgainAfterRestart)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    ASSERT_TRUE(station_->setCondition("damaged_minor").ok());
    ASSERT_TRUE(station_->setFlag("wrong_item", true).ok());
    ASSERT_TRUE(photo("overview").ok());
    // The label was read in this one: after the restart it must not be asked for again.
    ASSERT_TRUE(photo("label", /*labelVisible=*/true).ok());
    const auto before = session();
    station_.reset();
    store_.reset();
    openStore();
    station_ = makeStation();
    const auto after = session();
    EXPECT_EQ(after["id"], before["id"]);
    EXPECT_EQ(after["phase"], before["phase"]);
    EXPECT_EQ(after["condition"], "damaged_minor");
    EXPECT_EQ(after["flags"], before["flags"]);
    EXPECT_EQ(after["photos"].size(), 2u);
    EXPECT_EQ(after["photos"], before["photos"]);
    EXPECT_EQ(after["missing"], before["missing"]);
    EXPECT_EQ(state()["message"]["word"], "resumed");
}

TEST_F(StationTest, KeptCountsEqualTheStoresCount)
{
    auto same = [&] {
        auto c = store_->countReceipts(std::chrono::floor<std::chrono::days>(clock_.now()));
        ASSERT_TRUE(c);
        const auto j = state()["counts"];
        EXPECT_EQ(j["accepted"], c.value().accepted);
        EXPECT_EQ(j["rejected"], c.value().rejected);
        EXPECT_EQ(j["held"], c.value().held);
        EXPECT_EQ(j["abandoned"], c.value().abandoned);
        EXPECT_EQ(j["total"], c.value().total);
    };
    same();
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00005"))).ok());
    same();
    ASSERT_TRUE(photo("overview").ok());
    same();
    ASSERT_TRUE(station_->onScan(scan("100000099")).ok());
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00008"))).ok());
    same();
    const auto held = session()["id"].get<std::string>();
    ASSERT_TRUE(station_->override_(held, "accepted", "checked", "sup-1").ok());
    same();
    ASSERT_TRUE(station_->abandon().ok());
    same();
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    clock_.advance(601s);
    EXPECT_TRUE(station_->tick());
    same();
    EXPECT_EQ(state()["counts"]["total"], 3);
}

TEST(DemoDataTest, SeedingLateInTheDayLeavesTheDaysCountsAtZero)
{
    // The code received once during set-up is received on the day before, whatever the time:
    // received 20 hours before a start after 20:00 UTC, it was counted as one of the day's
    // accepted parcels (a kiosk test failed every evening).
    for (const auto secondsIntoDay : {0, 14 * 3600, 20 * 3600 + 1, 23 * 3600 + 59 * 60}) {
        TempDir dir;
        store::OpenOptions oo;
        oo.path = dir.file("returnscan.db");
        auto st = store::SqliteStore::open(oo);
        ASSERT_TRUE(st) << st.error().message;
        const core::Timestamp day{seconds{1'790'035'200}};  // 2026-09-22T00:00:00Z
        core::ManualClock clock(day + seconds{secondsIntoDay});
        CountingIds ids;
        ASSERT_TRUE(seedDemo(**st, clock, ids, "test-station"));
        auto today = (*st)->countReceipts(day);
        ASSERT_TRUE(today) << today.error().message;
        EXPECT_EQ(today.value().total, 0) << secondsIntoDay << " s into the day";
        auto since = (*st)->countReceipts(day - std::chrono::days(1));
        ASSERT_TRUE(since) << since.error().message;
        EXPECT_EQ(since.value().accepted, 1) << "the pre-received code is received";
    }
}

TEST_F(StationTest, RefusedPhotoChangesNothing)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    auto job = station_->beginPhoto("overview");
    ASSERT_TRUE(job);
    core::PhotoTaken o;
    o.refusal = "too_blurry";
    auto r = station_->finishPhoto(job.value(), o);
    EXPECT_EQ(r.reason, "too_blurry");
    EXPECT_EQ(httpStatus(r.reason), 409);
    EXPECT_EQ(session()["photos"].size(), 0u);
    EXPECT_EQ(station_->beginPhoto("selfie").error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(station_->beginPhoto("selfie").error().is("bad_role"));
}

TEST_F(StationTest, FullDiskLosesNothingAlreadyRecorded)
{
    ASSERT_TRUE(station_->onScan(scan(demoCode("DEMO00001"))).ok());
    const auto id = session()["id"].get<std::string>();
    ASSERT_TRUE(store_->limitPagesForTest(1));  // no page beyond the present ones
    ActionResult r;
    for (int i = 0; i < 20000 && r.ok(); ++i) {
        r = station_->setFlag("wrong_item", i % 2 == 0);
    }
    ASSERT_EQ(r.reason, "store_error");
    EXPECT_EQ(httpStatus(r.reason), 503);
    // What the screen shows is what the disk holds.
    auto stored = store_->findReceipt(id);
    ASSERT_TRUE(stored && stored.value());
    EXPECT_EQ(session()["flags"], nlohmann::json(stored.value()->flags));
    EXPECT_EQ(state()["message"]["word"], "store_error");
    EXPECT_FALSE(station_->onScan(scan(demoCode("DEMO0000A"))).ok());
}

}  // namespace
}  // namespace returnscan::app
