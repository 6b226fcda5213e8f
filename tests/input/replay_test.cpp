// SPDX-License-Identifier: Apache-2.0
// Recorded sessions: the format, and each session under tests/replay/sessions replayed through
// the real path (`returnscan replay` into a pty or FIFO, `returnscan listen` reading it) and
// compared with its golden .chk. RETURNSCAN_REGENERATE_GOLDENS=1 rewrites the goldens instead
// (target `regenerate_input_goldens`); a changed golden needs a reason in the commit.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "input/input_test_support.h"
#include "returnscan/input/session.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace returnscan::input {
namespace {

namespace fs = std::filesystem;

TEST(SessionFormatTest, ParsesHeaderAndEveryFrameKind)
{
    auto s = parseSession(
        "# comment\nmodel: Test 1\ntransport: serial\nnotes: a: b\n\n"
        "@0.5 text \"]C0A\\x1dB\\r\"  # trailing comment\n@0.75 hex 0D 0a\n@1 ev 1 30 1 ; 0 0 0\n");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->header.at("model"), "Test 1");
    EXPECT_EQ(s->header.at("notes"), "a: b");
    ASSERT_EQ(s->frames.size(), 3u);
    EXPECT_EQ(s->frames[0].bytes,
              "]C0A\x1d"
              "B\r");
    EXPECT_EQ(s->frames[0].offset, std::chrono::microseconds(500000));
    EXPECT_EQ(s->frames[1].bytes, "\r\n");
    EXPECT_EQ(s->frames[2].bytes.size(), 2 * sizeof(input_event));
}

TEST(SessionFormatTest, ReportsTheLineOfAnError)
{
    auto a = parseSession("transport: serial\n@0.1 hex 0G\n");
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.error().message.find("line 2"), std::string::npos);
    auto b = parseSession("transport: serial\n@0.5 hex 00\n@0.1 hex 00\n");
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("backwards"), std::string::npos);
    auto c = parseSession("model: x\n@0.1 hex 00\n");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("transport"), std::string::npos);
}

TEST(SessionFormatTest, HidrawFramesArePaddedToTheReportSize)
{
    auto s = parseSession("transport: hidraw\n@0 hex 02 03 5D 43 30 41 42 43\n");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->frames[0].bytes.size(), 64u);
}

std::vector<std::string> splitArgs(const std::string& s)
{
    std::istringstream in(s);
    std::vector<std::string> v;
    std::string w;
    while (in >> w)
        v.push_back(w);
    return v;
}

/// stdout events and stderr errors with the volatile fields (time, device path) removed.
std::string normalise(const tests::ProcessResult& r)
{
    std::string out;
    auto add = [&](const std::string& text, const char* kind) {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded()) {
                out += std::string("unparsable ") + kind + " line: " + line + "\n";
                continue;
            }
            j.erase("time");
            j.erase("device");
            out += std::string(kind) + " " + j.dump() + "\n";
        }
    };
    add(r.out, "event");
    add(r.err, "error");
    return out;
}

class SessionReplayTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SessionReplayTest, MatchesGolden)
{
    const fs::path sessionFile = GetParam();
    auto session = loadSession(sessionFile.string());
    ASSERT_TRUE(session.ok()) << session.error().message;
    ASSERT_TRUE(session->header.count("listen")) << "session header needs 'listen: ARGS'";
    tests::TempDir dir;
    const std::string target = dir.file("scanner");
    if (session->transport() != "serial") {
        ASSERT_EQ(::mkfifo(target.c_str(), 0600), 0);
    }
    // Original timing (no --fast): the inter-character timeout and the de-duplication window
    // see the recorded gaps.
    const pid_t replay =
        tests::spawn({RETURNSCAN_BINARY, "replay", sessionFile.string(), "--to", target});
    if (session->transport() == "serial") {
        struct stat st {};
        for (int i = 0; i < 500 && ::lstat(target.c_str(), &st) != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::vector<std::string> argv{RETURNSCAN_BINARY, "listen"};
    for (auto& a : splitArgs(session->header.at("listen")))
        argv.push_back(a);
    argv.insert(argv.end(), {"--device", target, "--json"});
    const auto r = tests::runProcess(argv);
    EXPECT_EQ(tests::waitExit(replay), 0);
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string got = normalise(r);
    fs::path golden = sessionFile;
    golden.replace_extension(".chk");
    const char* regen = std::getenv("RETURNSCAN_REGENERATE_GOLDENS");
    if (regen != nullptr && std::string(regen) == "1") {
        std::ofstream(golden) << got;
        GTEST_SKIP() << "regenerated " << golden;
    }
    std::ifstream in(golden);
    ASSERT_TRUE(in.good()) << "no golden " << golden
                           << " (run with RETURNSCAN_REGENERATE_GOLDENS=1)";
    std::stringstream want;
    want << in.rdbuf();
    EXPECT_EQ(got, want.str()) << "session " << sessionFile;
}

std::vector<std::string> sessionFiles()
{
    std::vector<std::string> v;
    const fs::path dir = fs::path(RETURNSCAN_SOURCE_DIR) / "tests/replay/sessions";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() == ".session")
            v.push_back(e.path().string());
    }
    std::sort(v.begin(), v.end());
    return v;
}

INSTANTIATE_TEST_SUITE_P(Recorded, SessionReplayTest, ::testing::ValuesIn(sessionFiles()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                             std::string n = fs::path(i.param).stem().string();
                             for (char& c : n) {
                                 if (!std::isalnum(static_cast<unsigned char>(c)))
                                     c = '_';
                             }
                             return n;
                         });

TEST(SessionCatalogueTest, EveryTransportHasARecordedSession)
{
    std::set<std::string> seen;
    for (const auto& f : sessionFiles()) {
        auto s = loadSession(f);
        ASSERT_TRUE(s.ok()) << s.error().message;
        seen.insert(s->transport() +
                    (s->header.count("protocol") ? "/" + s->header.at("protocol") : ""));
    }
    for (const char* t : {"evdev", "hidraw", "serial/plain", "serial/ssi"})
        EXPECT_TRUE(seen.count(t)) << "no recorded session for " << t;
}

TEST(ReplayCliTest, ExistingRegularFileIsRefused)
{
    tests::TempDir dir;
    const std::string session = dir.write("s.session", "transport: serial\n@0 text \"A\\r\"\n");
    const std::string file = dir.write("plain", "x");
    auto r = tests::runProcess({RETURNSCAN_BINARY, "replay", session, "--to", file, "--fast"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("neither a FIFO nor a character device"), std::string::npos) << r.err;
    auto m = tests::runProcess({RETURNSCAN_BINARY, "replay", dir.file("missing"), "--to", file});
    EXPECT_EQ(m.status, 2);
}

}  // namespace
}  // namespace returnscan::input
