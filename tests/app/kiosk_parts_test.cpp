// SPDX-License-Identifier: Apache-2.0
// The kiosk's parts, each on its own: the station thread, the HTTP controller's status table
// and replies, the device list, the demo player and the sync child. (The whole process:
// kiosk_test.cpp.)
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "demo_player.h"
#include "device_status.h"
#include "kiosk_http.h"
#include "read_router.h"
#include "returnscan/core/clock.h"
#include "sync_runner.h"
#include "task_thread.h"

namespace returnscan::app {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(TaskThreadTest, RunsTasksInOrderAndAnswersCalls)
{
    std::vector<int> seen;
    TaskThread t(nullptr);
    t.start();
    for (int i = 0; i < 100; ++i) {
        t.post([&seen, i] { seen.push_back(i); });
    }
    const auto id = t.call([] { return std::this_thread::get_id(); });
    EXPECT_NE(id, std::this_thread::get_id());
    const auto n = t.call([&] { return seen.size(); });
    EXPECT_EQ(n, 100u);
    t.stop();
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
    }
}

TEST(TaskThreadTest, TicksWhenIdleAndStopsPromptly)
{
    std::atomic<int> ticks{0};
    TaskThread t([&] { ++ticks; }, 20ms);
    t.start();
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (ticks < 3 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_GE(ticks.load(), 3);
    const auto before = std::chrono::steady_clock::now();
    t.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
}

TEST(HttpStatusTest, OneTableForEveryReason)
{
    for (const auto* r :
         {"bad_text", "bad_grade", "bad_flag", "bad_role", "bad_outcome", "bad_reason"}) {
        EXPECT_EQ(httpStatus(r), 400) << r;
    }
    EXPECT_EQ(httpStatus("pin_required"), 401);
    EXPECT_EQ(httpStatus("not_found"), 404);
    EXPECT_EQ(httpStatus("unknown_action"), 404);
    for (const auto* r : {"store_error", "camera_error", "no_camera", "sync_failed"}) {
        EXPECT_EQ(httpStatus(r), 503) << r;
    }
    for (const auto* r : {"wrong_phase", "incomplete", "not_overridable", "already_synced",
                          "finish_current", "too_blurry", "sync_running", "sync_not_configured"}) {
        EXPECT_EQ(httpStatus(r), 409) << r;
    }
}

TEST(HttpStatusTest, RepliesCarryTheWordTheSentenceAndWhatIsMissing)
{
    auto ok = toReply({}, json{{"prompt", "scan_code"}});
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body["state"]["prompt"], "scan_code");
    auto r = station::ActionResult::fail("incomplete", "condition");
    r.missing = {{"condition", "", 0}, {"photo", "overview", 1}};
    auto bad = toReply(r, {});
    EXPECT_EQ(bad.status, 409);
    EXPECT_EQ(bad.body["error"], "incomplete");
    EXPECT_EQ(bad.body["message"], "condition");
    EXPECT_EQ(
        bad.body["missing"],
        json::parse(R"([{"what":"condition"},{"what":"photo","role":"overview","count":1}])"));
    EXPECT_FALSE(
        toReply(station::ActionResult::fail("wrong_phase", "x"), {}).body.contains("missing"));
}

TEST(DeviceStatusTest, ScannersShowTheirLastStateAndExtrasFollow)
{
    ReadRouter router(1s, {});
    std::vector<ScannerEntry> scanners(3);
    scanners[0].input.id = "hand";
    scanners[0].input.role = "handheld";
    scanners[1].input.id = "wedge";
    scanners[2].input.id = "never";
    router.onDeviceState("hand", input::DeviceState::Present, "");
    router.onDeviceState("wedge", input::DeviceState::Refused, "grab failed");
    auto j = devicesJson(scanners, router, ExtraScanners{{"/tmp/a.fifo"}, true},
                         {{"cam-1", "overhead", "ok", "/dev/video0"}});
    ASSERT_EQ(j.size(), 6u);
    EXPECT_EQ(j[0]["state"], "ok");
    EXPECT_EQ(j[0]["role"], "handheld");
    EXPECT_EQ(j[1]["state"], "error");
    EXPECT_EQ(j[1]["detail"], "refused");
    EXPECT_EQ(j[2]["state"], "absent");
    EXPECT_EQ(j[3]["name"], "fifo");
    EXPECT_EQ(j[4]["name"], "demo-scanner");
    EXPECT_EQ(j[5]["kind"], "camera");
    EXPECT_EQ(j[5]["detail"], "/dev/video0");
}

TEST(DemoPlayerTest, PlaysEachStepOnceAndReportsFailures)
{
    core::ManualClock clock(core::Timestamp{std::chrono::seconds{1'790'000'000}});
    std::vector<std::string> acts;
    std::vector<std::string> scans;
    std::ostringstream out;
    DemoPlayer p(
        {"say hello", "scan RC123", "no-code", "condition ok", "flag wrong_item", "photo overview",
         "complete"},
        [&](std::string_view name, const json& body) {
            acts.push_back(std::string(name) + " " + body.dump());
            return name == "complete" ? station::ActionResult::fail("incomplete", "photo")
                                      : station::ActionResult{};
        },
        [&](const core::ScanEvent& e) { scans.push_back(e.device + ":" + e.data); }, clock, out,
        0ms, 0ms);
    EXPECT_TRUE(p.play());
    EXPECT_EQ(scans, (std::vector<std::string>{"demo-scanner:RC123"}));
    EXPECT_EQ(acts, (std::vector<std::string>{"no-code {}", R"(condition {"grade":"ok"})",
                                              R"(flag {"flag":"wrong_item","on":true})",
                                              R"(photo {"role":"overview"})", "complete {}"}));
    EXPECT_NE(out.str().find("demo: hello"), std::string::npos);
    EXPECT_NE(out.str().find("demo: complete: incomplete (photo)"), std::string::npos);
}

TEST(DemoPlayerTest, StopEndsAPausedPlayer)
{
    core::ManualClock clock(core::Timestamp{});
    std::ostringstream out;
    DemoPlayer p(
        {"scan A", "scan B"}, [](std::string_view, const json&) { return station::ActionResult{}; },
        [](const core::ScanEvent&) {}, clock, out, 60s, 0ms);
    p.start();
    std::this_thread::sleep_for(50ms);
    const auto before = std::chrono::steady_clock::now();
    p.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
}

TEST(SyncRunnerTest, StartsTheChildOnceAndReapsIt)
{
    KioskConfig cfg;
    EXPECT_EQ(SyncRunner(cfg, "/bin/true").start().reason, "sync_not_configured");
    cfg.database = "/tmp/x.db";
    cfg.stationId = "st-1";
    cfg.sync.centralUrl = "https://central.test";
    cfg.sync.caFile = "/etc/ca.pem";
    SyncRunner runner(cfg, "/bin/sleep");
    const auto args = runner.arguments();
    EXPECT_EQ(args, (std::vector<std::string>{"returnscan", "--db", "/tmp/x.db", "sync", "--once",
                                              "--central", "https://central.test", "--token-file",
                                              cfg.sync.tokenFile, "--station", "st-1", "--ca-file",
                                              "/etc/ca.pem"}));
    // /bin/sleep refuses these arguments at once: the child ends and is reaped.
    ASSERT_TRUE(runner.start().ok());
    EXPECT_TRUE(runner.running());
    EXPECT_EQ(runner.start().reason, "sync_running");
    const auto until = std::chrono::steady_clock::now() + 10s;
    bool reaped = false;
    while (!reaped && std::chrono::steady_clock::now() < until) {
        reaped = runner.poll();
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(reaped);
    EXPECT_FALSE(runner.running());
    EXPECT_EQ(SyncRunner(cfg, "/nonexistent/returnscan").start().reason, "sync_failed");
}

}  // namespace
}  // namespace returnscan::app
