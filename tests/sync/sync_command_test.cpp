// SPDX-License-Identifier: Apache-2.0
// `returnscan sync` as a child process: usage errors, the token file rule, no token in any
// output at debug level, `sync status`, SIGKILL at random moments, and the systemd units.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"
#include "sync/sync_test_support.h"

namespace returnscan::sync {
namespace {

using testing::Certificates;
using testing::Station;
using testing::TempDir;
using tests::runProcess;

class SyncCommandTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(Certificates::get().ok());
        server_ = testing::startServer(dir_);
        ASSERT_TRUE(server_);
    }

    [[nodiscard]] std::vector<std::string> syncArgs() const
    {
        return {RETURNSCAN_BINARY,
                "--db",
                station_.dbPath(),
                "sync",
                "--once",
                "--central",
                server_->url(),
                "--token-file",
                station_.tokenFile(),
                "--station",
                "dock-3",
                "--ca-file",
                Certificates::get().file("ca.pem")};
    }

    /// Environment for the child: quick backoff, small batches (more requests to be killed in).
    [[nodiscard]] static std::vector<std::string> quickEnv()
    {
        return {"RETURNSCAN_SYNC_BACKOFF_MS=20", "RETURNSCAN_SYNC_LOW_SPEED_SECONDS=2"};
    }

    void expectExactlyOnce()
    {
        EXPECT_EQ(server_->receiptIds(), station_.receiptIds());
        EXPECT_EQ(server_->photoNames(), station_.photoNames());
        auto store = station_.open();
        auto counts = store->outboxCounts();
        ASSERT_TRUE(counts.ok());
        EXPECT_EQ(counts->pendingReceipts, 0);
        EXPECT_EQ(counts->pendingPhotos, 0);
    }

    TempDir dir_;
    Station station_{dir_};
    std::unique_ptr<central::CentralServer> server_;
};

TEST_F(SyncCommandTest, WithoutACentralUrlIsAUsageError)
{
    station_.addReceipts(1);
    auto r = runProcess({RETURNSCAN_BINARY, "--db", station_.dbPath(), "sync", "--once",
                         "--token-file", station_.tokenFile()},
                        "", {"RETURNSCAN_CENTRAL_URL="});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("--central"), std::string::npos) << r.err;
}

TEST_F(SyncCommandTest, RefusesPlainHttpWithoutTheDevelopmentFlag)
{
    station_.addReceipts(1);
    auto args = syncArgs();
    args[6] = "http://127.0.0.1:" + std::to_string(server_->port());
    auto r = runProcess(args);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--allow-insecure-http"), std::string::npos) << r.err;
    EXPECT_EQ(server_->stats().requests, 0);
}

TEST_F(SyncCommandTest, RefusesATokenFileWithMode0644)
{
    station_.addReceipts(1);
    ASSERT_EQ(::chmod(station_.tokenFile().c_str(), 0644), 0);
    auto r = runProcess(syncArgs());
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("0644"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(testing::kToken), std::string::npos);
    EXPECT_EQ(server_->stats().requests, 0);
}

TEST_F(SyncCommandTest, TheTokenIsInNoOutputAtDebugLevel)
{
    station_.addReceipts(20);
    station_.addReceipts(2, 1, 3000);
    ASSERT_TRUE(server_->putAuthorization(testing::authJson(1, 1)).ok());
    server_->addFault([] {
        central::Fault f;
        f.kind = central::FaultKind::ServerError;
        f.endpoint = central::Endpoint::Receipts;
        return f;
    }());
    auto args = syncArgs();
    args.insert(args.end(), {"--log-level", "debug"});
    auto r = runProcess(args, "", quickEnv());
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find(testing::kToken), std::string::npos);
    EXPECT_EQ(r.err.find(testing::kToken), std::string::npos);
    // Debug really was on: the request headers were logged, redacted.
    EXPECT_NE(r.err.find("Authorization: [redacted]"), std::string::npos) << r.err.substr(0, 2000);
    EXPECT_NE(r.out.find("sync: complete"), std::string::npos) << r.out;

    // And the JSON summary of a dry run says what is queued without sending anything.
    station_.addReceipts(2);
    auto dry = syncArgs();
    dry.insert(dry.end(), {"--dry-run", "--json", "--log-level", "debug"});
    const auto posts = server_->stats().receiptPosts;
    auto d = runProcess(dry, "", quickEnv());
    EXPECT_EQ(d.status, 0) << d.err;
    EXPECT_NE(d.out.find("\"queued\":2"), std::string::npos) << d.out;
    EXPECT_EQ(server_->stats().receiptPosts, posts);
    EXPECT_EQ(d.err.find(testing::kToken), std::string::npos);
}

TEST_F(SyncCommandTest, StatusShowsRejectedAndConflictsToASupervisor)
{
    ASSERT_TRUE(server_->putAuthorization(testing::authJson(9, 2, "cancelled")).ok());
    station_.addReceipts(1, 0, 0, testing::codeNumber(9));
    station_.addReceipts(1, 0, 0, "", "bad-id-1");
    station_.addReceipts(2);
    auto r = runProcess(syncArgs(), "", quickEnv());
    EXPECT_EQ(r.status, 0) << r.out << r.err;  // everything sendable was sent
    auto s = runProcess({RETURNSCAN_BINARY, "--db", station_.dbPath(), "sync", "status"});
    EXPECT_EQ(s.status, 1) << s.err;  // issues for a supervisor
    EXPECT_NE(s.out.find("rejected  bad-id-1"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("code_cancelled"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("0 queued"), std::string::npos) << s.out;
    auto j = runProcess({RETURNSCAN_BINARY, "--db", station_.dbPath(), "sync", "status", "--json"});
    EXPECT_NE(j.out.find("\"receipts_rejected\":1"), std::string::npos) << j.out;
}

TEST_F(SyncCommandTest, SigkillAtRandomMomentsThenACleanRunIsExactlyOnce)
{
    constexpr int kKills = 100;
    station_.addReceipts(200);
    station_.addReceipts(10, 1, 20'000);
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delayMs(0, 120);
    auto args = syncArgs();
    args.insert(args.end(), {"--batch-size", "5"});
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    int authSerial = 0;
    int finishedBeforeKill = 0;
    for (int i = 0; i < kKills; ++i) {
        // New work arrives between runs, as on a real station: receipts, a photo, codes.
        station_.addReceipts(3, i % 4 == 0 ? 1 : 0, 10'000);
        for (int k = 0; k < 5; ++k) {
            ASSERT_TRUE(server_->putAuthorization(testing::authJson(++authSerial, 1)).ok());
        }
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            const int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
            ::setenv("RETURNSCAN_SYNC_BACKOFF_MS", "20", 1);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs(rng)));
        ::kill(pid, SIGKILL);
        int st = 0;
        ::waitpid(pid, &st, 0);
        if (WIFEXITED(st)) {
            ++finishedBeforeKill;
        }
    }
    // Most runs must really have been killed, or the test proves nothing.
    EXPECT_LT(finishedBeforeKill, kKills / 2);
    auto r = runProcess(syncArgs(), "", quickEnv());
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    expectExactlyOnce();
    auto store = station_.open();
    EXPECT_EQ(*store->authorizationCount(), authSerial);
    EXPECT_EQ(*store->integrityCheck(), "ok");
    EXPECT_TRUE(store->verifyAudit()->ok);
}

std::string readFile(const std::string& path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

TEST(SystemdUnitsTest, TimerIsNightlyPersistentAndRandomized)
{
    const std::string dir = std::string(RETURNSCAN_SOURCE_DIR) + "/packaging/systemd/";
    const auto timer = readFile(dir + "returnscan-sync.timer");
    EXPECT_NE(timer.find("\nOnCalendar=*-*-* 02:30:00\n"), std::string::npos);
    EXPECT_NE(timer.find("\nPersistent=true\n"), std::string::npos);
    EXPECT_TRUE(std::regex_search(timer, std::regex("\nRandomizedDelaySec=[1-9]")));
    const auto service = readFile(dir + "returnscan-sync.service");
    EXPECT_NE(service.find("ExecStart=/usr/bin/returnscan sync --once"), std::string::npos);
    EXPECT_NE(service.find("Type=oneshot"), std::string::npos);
}

TEST(SystemdUnitsTest, SystemdAnalyzeVerifiesTheUnits)
{
    if (::access("/usr/bin/systemd-analyze", X_OK) != 0) {
        GTEST_SKIP() << "systemd-analyze is not installed here (package systemd)";
    }
    TempDir tmp;
    const std::string src = std::string(RETURNSCAN_SOURCE_DIR) + "/packaging/systemd/";
    // verify checks that ExecStart's program exists: point it at the binary just built.
    auto service = readFile(src + "returnscan-sync.service");
    const std::string from = "/usr/bin/returnscan";
    service.replace(service.find(from), from.size(), RETURNSCAN_BINARY);
    tmp.write("returnscan-sync.service", service);
    tmp.write("returnscan-sync.timer", readFile(src + "returnscan-sync.timer"));
    auto r = runProcess({"/usr/bin/systemd-analyze", "verify", tmp.file("returnscan-sync.service"),
                         tmp.file("returnscan-sync.timer")});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.err.find("returnscan-sync"), std::string::npos) << r.err;
    auto cal = runProcess({"/usr/bin/systemd-analyze", "calendar", "*-*-* 02:30:00"});
    EXPECT_EQ(cal.status, 0) << cal.err;
}

}  // namespace
}  // namespace returnscan::sync
