// SPDX-License-Identifier: Apache-2.0
// Tests of the logging port: level names and specifications, level filtering, the rate
// limiter (on a manual clock), the suppressed-count line, Logger and FailureSpell.
#include "returnscan/core/log.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/log_capture.h"

namespace returnscan::core {
namespace {

using std::chrono::seconds;
using tests::CapturingLogSink;

Timestamp start()
{
    return Timestamp{} + seconds(1'800'000'000);
}

struct HubFixture {
    ManualClock clock{start()};
    LogHub hub{&clock, LogRateLimit{3, seconds(10)}};
    std::shared_ptr<CapturingLogSink> sink = std::make_shared<CapturingLogSink>();
    explicit HubFixture(LogLevels levels = LogLevels(LogLevel::Debug))
    {
        hub.setLevels(levels);
        (void)hub.setSink(sink);
    }
};

TEST(LogLevelTest, NamesRoundTripAndWarnIsAnAlias)
{
    for (std::size_t i = 0; i < kLogLevelCount; ++i) {
        const auto l = static_cast<LogLevel>(i);
        EXPECT_EQ(parseLogLevel(toString(l)), l);
    }
    for (std::size_t i = 0; i < kLogCategoryCount; ++i) {
        const auto c = static_cast<LogCategory>(i);
        EXPECT_EQ(parseLogCategory(toString(c)), c);
    }
    EXPECT_EQ(parseLogLevel("warn"), LogLevel::Warning);
    EXPECT_EQ(parseLogLevel("WARNING"), std::nullopt);
    EXPECT_EQ(parseLogCategory("camera"), std::nullopt);
}

TEST(LogLevelTest, SpecificationSetsAllThenCategories)
{
    auto l = parseLogLevels("info,input=wire, sync = debug,vision=off");
    ASSERT_TRUE(l.ok()) << l.error().message;
    EXPECT_EQ((*l)[LogCategory::Store], LogLevel::Info);
    EXPECT_EQ((*l)[LogCategory::Input], LogLevel::Wire);
    EXPECT_EQ((*l)[LogCategory::Sync], LogLevel::Debug);
    EXPECT_EQ((*l)[LogCategory::Vision], std::nullopt);

    auto over = parseLogLevels("input=debug", LogLevels(LogLevel::Notice));
    ASSERT_TRUE(over.ok());
    EXPECT_EQ((*over)[LogCategory::App], LogLevel::Notice);
    EXPECT_EQ((*over)[LogCategory::Input], LogLevel::Debug);
    EXPECT_EQ((*parseLogLevels("off"))[LogCategory::Ui], std::nullopt);
}

TEST(LogLevelTest, BadSpecificationsNameTheItem)
{
    for (const char* bad : {"", "loud", "input=loud", "camera=debug", "input=debug,info", "info,"}) {
        auto l = parseLogLevels(bad);
        ASSERT_FALSE(l.ok()) << bad;
        EXPECT_EQ(l.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(l.error().message.find("log level"), std::string::npos);
    }
    EXPECT_NE(parseLogLevels("input=loud").error().message.find("input=loud"), std::string::npos);
}

TEST(LogHubTest, LevelFilteringIsPerCategory)
{
    LogLevels levels(LogLevel::Warning);
    levels.perCategory[static_cast<std::size_t>(LogCategory::Input)] = LogLevel::Wire;
    levels.perCategory[static_cast<std::size_t>(LogCategory::Sync)] = std::nullopt;
    HubFixture f(levels);
    Logger store(LogCategory::Store, {}, &f.hub);
    Logger input(LogCategory::Input, "scanner-1", &f.hub);
    Logger sync(LogCategory::Sync, {}, &f.hub);
    EXPECT_TRUE(store.enabled(LogLevel::Warning));
    EXPECT_FALSE(store.enabled(LogLevel::Notice));
    EXPECT_TRUE(input.enabled(LogLevel::Wire));
    EXPECT_FALSE(sync.enabled(LogLevel::Error));
    store.error("e");
    store.warning("w");
    store.notice("n");
    store.debug("d");
    input.debug("input debug");
    input.wire("rx", std::string("\x02\x41\xff", 3));
    sync.error("sync is off");
    EXPECT_EQ(f.sink->messages(),
              (std::vector<std::string>{"e", "w", "input debug", "rx 3 bytes: 02 41 ff"}));
    const auto wire = f.sink->records().back();
    EXPECT_EQ(wire.level, LogLevel::Wire);
    EXPECT_EQ(wire.device, "scanner-1");
    ASSERT_EQ(wire.fields.size(), 2u);
    EXPECT_EQ(wire.fields[1].key, "hex");
    EXPECT_EQ(wire.fields[1].value, "02 41 ff");
}

TEST(LogHubTest, WithoutASinkNothingIsEnabled)
{
    ManualClock clock(start());
    LogHub hub(&clock);
    hub.setLevels(LogLevels(LogLevel::Wire));
    EXPECT_FALSE(hub.enabled(LogCategory::App, LogLevel::Error));
    auto sink = std::make_shared<CapturingLogSink>();
    EXPECT_EQ(hub.setSink(sink), nullptr);
    EXPECT_TRUE(hub.enabled(LogCategory::App, LogLevel::Wire));
    EXPECT_EQ(hub.setSink(nullptr), sink);
    Logger(LogCategory::App, {}, &hub).error("dropped");
    EXPECT_TRUE(sink->records().empty());
}

TEST(LogHubTest, RecordCarriesContextAndCallSite)
{
    HubFixture f;
    Logger log(LogCategory::Station, "cam-top", &f.hub);
    const int line = __LINE__ + 1;
    log.notice("receipt closed", {.receipt = "R-1", .fields = {{"photos", "2"}}});
    log.notice("other device", {.device = "handheld"});
    auto r = f.sink->records();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].category, LogCategory::Station);
    EXPECT_EQ(r[0].device, "cam-top");
    EXPECT_EQ(r[0].receipt, "R-1");
    ASSERT_EQ(r[0].fields.size(), 1u);
    EXPECT_EQ(r[0].fields[0].key, "photos");
    EXPECT_EQ(r[0].where.line(), static_cast<unsigned>(line));
    EXPECT_NE(std::string(r[0].where.file_name()).find("log_test.cpp"), std::string::npos);
    EXPECT_EQ(r[1].device, "handheld");
}

TEST(LogRateLimiterTest, AtMostBurstPerIntervalThenTheCountComesWithTheNext)
{
    LogRateLimiter limiter(LogRateLimit{3, seconds(10)});
    const auto t0 = std::chrono::steady_clock::time_point{} + seconds(100);
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(limiter.admit("k", t0 + seconds(i)).pass);
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(limiter.admit("k", t0 + seconds(5)).pass);
    EXPECT_TRUE(limiter.admit("other", t0 + seconds(5)).pass);  // keys are independent
    auto v = limiter.admit("k", t0 + seconds(10));                // the interval is over
    EXPECT_TRUE(v.pass);
    EXPECT_EQ(v.suppressedBefore, 5u);
    auto next = limiter.admit("k", t0 + seconds(11));
    EXPECT_TRUE(next.pass);
    EXPECT_EQ(next.suppressedBefore, 0u);
}

TEST(LogRateLimiterTest, KeysStayBounded)
{
    LogRateLimiter limiter(LogRateLimit{1, seconds(1)});
    auto t = std::chrono::steady_clock::time_point{};
    for (int i = 0; i < 5000; ++i) {
        t += std::chrono::milliseconds(1);
        (void)limiter.admit("key" + std::to_string(i), t);
    }
    EXPECT_LE(limiter.keys(), LogRateLimiter::kMaxKeys);
}

TEST(LogHubTest, RepeatedMessagesAreSuppressedThenCountedInOneLine)
{
    HubFixture f;  // 3 per 10 s
    Logger log(LogCategory::Input, "scanner-1", &f.hub);
    for (int i = 0; i < 20; ++i)
        log.warning("read failed: EIO");
    log.warning("another message");  // its own key
    EXPECT_EQ(f.sink->messages().size(), 4u);
    EXPECT_EQ(f.hub.suppressed(), 17u);
    f.clock.advance(seconds(10));
    log.warning("read failed: EIO");
    auto m = f.sink->messages();
    ASSERT_EQ(m.size(), 6u);
    EXPECT_EQ(m[4], "suppressed 17 similar messages");
    EXPECT_EQ(m[5], "read failed: EIO");
    const auto note = f.sink->records()[4];
    EXPECT_EQ(note.level, LogLevel::Warning);
    EXPECT_EQ(note.device, "scanner-1");
}

TEST(LogHubTest, ExplicitKeyGroupsDifferentTextsAndDebugIsNotLimited)
{
    HubFixture f;
    Logger log(LogCategory::Input, {}, &f.hub);
    for (int i = 0; i < 10; ++i)
        log.warning("bad frame " + std::to_string(i), {.key = "bad-frame"});
    EXPECT_EQ(f.sink->messages().size(), 3u);
    for (int i = 0; i < 10; ++i)
        log.debug("same debug line");
    EXPECT_EQ(f.sink->messages().size(), 13u);
}

TEST(LogHubTest, SameKeyInAnotherCategoryIsNotSuppressed)
{
    HubFixture f;
    for (int i = 0; i < 5; ++i) {
        Logger(LogCategory::Input, {}, &f.hub).warning("x", {.key = "k"});
        Logger(LogCategory::Vision, {}, &f.hub).warning("x", {.key = "k"});
    }
    EXPECT_EQ(f.sink->messages().size(), 6u);
}

TEST(LogHubTest, ConcurrentLoggingLosesNothing)
{
    ManualClock clock(start());
    LogHub hub(&clock, LogRateLimit{1000000, seconds(60)});
    hub.setLevels(LogLevels(LogLevel::Info));
    auto sink = std::make_shared<CapturingLogSink>();
    (void)hub.setSink(sink);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            Logger log(LogCategory::Sync, "t" + std::to_string(t), &hub);
            for (int i = 0; i < 500; ++i)
                log.info("message " + std::to_string(i));
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(sink->records().size(), 2000u);
    EXPECT_EQ(hub.written(), 2000u);
}

TEST(FailureSpellTest, LogsOnceWhenItStartsAndOnceWhenItClears)
{
    HubFixture f;
    FailureSpell spell(Logger(LogCategory::Vision, "cam-top", &f.hub));
    EXPECT_FALSE(spell.recovered("camera back"));  // nothing to clear
    EXPECT_TRUE(spell.failed("camera lost: ENODEV"));
    for (int i = 0; i < 50; ++i)
        EXPECT_FALSE(spell.failed("camera lost: ENODEV"));
    EXPECT_TRUE(spell.active());
    EXPECT_EQ(spell.failures(), 51u);
    EXPECT_TRUE(spell.recovered("camera back"));
    EXPECT_FALSE(spell.recovered("camera back"));
    EXPECT_FALSE(spell.active());
    auto r = f.sink->records();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].level, LogLevel::Warning);
    EXPECT_EQ(r[0].message, "camera lost: ENODEV");
    EXPECT_EQ(r[1].level, LogLevel::Warning);  // seen wherever the start was
    EXPECT_EQ(r[1].message, "camera back (after 51 failures)");
    ASSERT_EQ(r[1].fields.size(), 1u);
    EXPECT_EQ(r[1].fields[0].key, "failures");
    EXPECT_EQ(r[1].fields[0].value, "51");
    EXPECT_EQ(r[1].device, "cam-top");

    // A second spell is logged again.
    EXPECT_TRUE(spell.failed("camera lost again"));
    EXPECT_EQ(f.sink->records().size(), 3u);
}

TEST(FailureSpellTest, EndOfAnErrorSpellIsAWarningAndOfANoticeSpellANotice)
{
    HubFixture f;
    FailureSpell error(Logger(LogCategory::Store, {}, &f.hub), LogLevel::Error);
    (void)error.failed("database is locked");
    (void)error.recovered("database usable again");
    FailureSpell notice(Logger(LogCategory::Sync, {}, &f.hub), LogLevel::Notice);
    (void)notice.failed("offline");
    (void)notice.recovered("online");
    auto r = f.sink->records();
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].level, LogLevel::Error);
    EXPECT_EQ(r[1].level, LogLevel::Warning);
    EXPECT_EQ(r[2].level, LogLevel::Notice);
    EXPECT_EQ(r[3].level, LogLevel::Notice);
}

TEST(ProcessLogHubTest, CaptureScopeRestoresTheSinkAndLevels)
{
    auto& hub = processLogHub();
    const auto before = hub.levels();
    {
        tests::ScopedLogCaptureForTest capture(LogLevels(LogLevel::Info));
        Logger(LogCategory::Ui).info("seen");
        EXPECT_EQ(capture.sink().messages(), (std::vector<std::string>{"seen"}));
    }
    EXPECT_EQ(hub.levels()[LogCategory::Ui], before[LogCategory::Ui]);
}

}  // namespace
}  // namespace returnscan::core
