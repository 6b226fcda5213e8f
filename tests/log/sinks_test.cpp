// SPDX-License-Identifier: Apache-2.0
// Tests of the log sinks: the stderr line, the journal fields (through an injected
// sd_journal_sendv seam, and through the real journal when journald runs), and the choice of
// the journal by $JOURNAL_STREAM.
#include "returnscan/log/sinks.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "support/temp_dir.h"

namespace returnscan::log {
namespace {

core::LogRecord sample()
{
    core::LogRecord r;
    r.level = core::LogLevel::Warning;
    r.category = core::LogCategory::Input;
    r.device = "handheld-1";
    r.receipt = "0190a3c4-0000-4000-8000-000000000001";
    r.message = "device lost: read failed: Input/output error";
    r.fields = {{"errno", "5"}, {"node path", "/dev/ttyACM0"}};
    return r;
}

TEST(StderrSinkTest, OneReadableLinePerRecord)
{
    EXPECT_EQ(formatLine(sample()),
              "returnscan: warning: input: handheld-1: device lost: read failed: Input/output "
              "error (receipt=0190a3c4-0000-4000-8000-000000000001, errno=5, node "
              "path=/dev/ttyACM0)");
    core::LogRecord bare;
    bare.level = core::LogLevel::Notice;
    bare.category = core::LogCategory::Sync;
    bare.message = "sync run finished";
    EXPECT_EQ(formatLine(bare), "returnscan: notice: sync: sync run finished");
}

TEST(StderrSinkTest, ControlCharactersAreEscapedSoARecordStaysOneLine)
{
    core::LogRecord r;
    r.message = "two\nlines\tand \x1b[0m";
    r.fields = {{"data", "A\rB"}};
    EXPECT_EQ(formatLine(r, "x"), "x: info: app: two\\nlines\\tand \\x1b[0m (data=A\\x0dB)");
}

TEST(StderrSinkTest, WireRecordsDoNotRepeatTheBytes)
{
    core::LogRecord r;
    r.level = core::LogLevel::Wire;
    r.message = "rx 2 bytes: 41 0d";
    r.fields = {{"direction", "rx"}, {"hex", "41 0d"}};
    EXPECT_EQ(formatLine(r), "returnscan: wire: app: rx 2 bytes: 41 0d (direction=rx)");
}

TEST(StderrSinkTest, WritesToItsStream)
{
    tests::TempDir dir;
    const std::string path = dir.file("err.txt");
    std::FILE* f = std::fopen(path.c_str(), "w+");
    ASSERT_NE(f, nullptr);
    {
        StderrSink sink(f);
        sink.write(sample());
        sink.write(sample());
    }
    std::rewind(f);
    char buf[1024] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const std::string text(buf, n);
    EXPECT_EQ(text, formatLine(sample()) + "\n" + formatLine(sample()) + "\n");
}

TEST(JournaldSinkTest, FieldsCarryPriorityCategoryDeviceReceiptAndCallSite)
{
    auto r = sample();
    r.where = std::source_location::current();
    auto f = journalFields(r);
    const std::vector<std::string> head{
        "MESSAGE=device lost: read failed: Input/output error",
        "PRIORITY=4",
        "SYSLOG_IDENTIFIER=returnscan",
        "RETURNSCAN_CATEGORY=input",
        "RETURNSCAN_LEVEL=warning",
        "RETURNSCAN_DEVICE=handheld-1",
        "RETURNSCAN_RECEIPT=0190a3c4-0000-4000-8000-000000000001",
        "RETURNSCAN_ERRNO=5",
        "RETURNSCAN_NODE_PATH=/dev/ttyACM0",
    };
    ASSERT_EQ(f.size(), head.size() + 3);
    EXPECT_EQ(std::vector<std::string>(f.begin(), f.begin() + 9), head);
    EXPECT_NE(f[9].find("CODE_FILE="), std::string::npos);
    EXPECT_NE(f[9].find("sinks_test.cpp"), std::string::npos);
    EXPECT_EQ(f[10], "CODE_LINE=" + std::to_string(r.where.line()));
    EXPECT_EQ(f[11].rfind("CODE_FUNC=", 0), 0u);
}

TEST(JournaldSinkTest, PriorityPerLevelAndOptionalFieldsLeftOut)
{
    const std::pair<core::LogLevel, const char*> cases[] = {
        {core::LogLevel::Error, "PRIORITY=3"}, {core::LogLevel::Warning, "PRIORITY=4"},
        {core::LogLevel::Notice, "PRIORITY=5"}, {core::LogLevel::Info, "PRIORITY=6"},
        {core::LogLevel::Debug, "PRIORITY=7"},  {core::LogLevel::Wire, "PRIORITY=7"}};
    for (auto [level, priority] : cases) {
        core::LogRecord r;
        r.level = level;
        auto f = journalFields(r, "rs");
        EXPECT_EQ(f[1], priority);
        EXPECT_EQ(f[2], "SYSLOG_IDENTIFIER=rs");
        EXPECT_EQ(f.size(), 8u);  // no device, receipt or free field
    }
}

TEST(JournaldSinkTest, FreeKeysBecomeValidJournalFieldNames)
{
    core::LogRecord r;
    r.fields = {{"http-status", "503"}, {std::string(80, 'k'), "v"}, {"_trusted", "x"}};
    auto f = journalFields(r);
    EXPECT_EQ(f[5], "RETURNSCAN_HTTP_STATUS=503");
    EXPECT_EQ(f[6], std::string("RETURNSCAN_") + std::string(53, 'K') + "=v");
    EXPECT_EQ(f[7], "RETURNSCAN__TRUSTED=x");  // prefixed: never a trusted field
}

TEST(JournaldSinkTest, SendsTheFieldsAsIovecsThroughTheSeam)
{
    std::vector<std::string> sent;
    JournaldSink sink("returnscan", [&](const struct iovec* iov, int n) {
        for (int i = 0; i < n; ++i)
            sent.emplace_back(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
        return 0;
    });
    auto r = sample();
    r.message = std::string("binary\0safe", 11);
    sink.write(r);
    EXPECT_EQ(sent, journalFields(r));
    EXPECT_EQ(sent[0].size(), std::string("MESSAGE=").size() + 11);
    EXPECT_EQ(sink.failures(), 0u);
}

TEST(JournaldSinkTest, RefusedRecordIsCounted)
{
    JournaldSink sink("returnscan", [](const struct iovec*, int) { return -2; });
    sink.write(sample());  // also written to stderr, which the test runner shows
    EXPECT_EQ(sink.failures(), 1u);
}

/// The real journal: only where journald runs (not in most containers and CI).
TEST(JournaldSinkTest, ReachesTheRealJournalWhenJournaldRuns)
{
    struct stat st {};
    if (::stat("/run/systemd/journal/socket", &st) != 0)
        GTEST_SKIP() << "no journald socket at /run/systemd/journal/socket";
    std::random_device rd;
    const std::string tag = "returnscan-test-" + std::to_string(rd()) + std::to_string(rd());
    JournaldSink sink("returnscan-test");
    auto r = sample();
    r.receipt = tag;
    r.where = std::source_location::current();
    sink.write(r);
    if (sink.failures() != 0)
        GTEST_SKIP() << "journald does not take records (a socket left behind by a stopped one)";

    sd_journal* j = nullptr;
    if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
        GTEST_SKIP() << "cannot open the journal for reading";
    const std::string match = "RETURNSCAN_RECEIPT=" + tag;
    ASSERT_EQ(sd_journal_add_match(j, match.data(), match.size()), 0);
    bool found = false;
    std::string category;
    std::string device;
    std::vector<std::string> codeFiles;
    for (int attempt = 0; attempt < 50 && !found; ++attempt) {
        (void)sd_journal_seek_head(j);
        if (sd_journal_next(j) > 0) {
            found = true;
            const void* data = nullptr;
            std::size_t len = 0;
            if (sd_journal_get_data(j, "RETURNSCAN_CATEGORY", &data, &len) >= 0)
                category.assign(static_cast<const char*>(data), len);
            if (sd_journal_get_data(j, "RETURNSCAN_DEVICE", &data, &len) >= 0)
                device.assign(static_cast<const char*>(data), len);
            SD_JOURNAL_FOREACH_DATA(j, data, len)
            {
                std::string field(static_cast<const char*>(data), len);
                if (field.starts_with("CODE_FILE="))
                    codeFiles.push_back(field);
            }
        } else {
            (void)sd_journal_wait(j, 100'000);
        }
    }
    sd_journal_close(j);
    ASSERT_TRUE(found) << "the record did not reach the journal";
    EXPECT_EQ(category, "RETURNSCAN_CATEGORY=input");
    EXPECT_EQ(device, "RETURNSCAN_DEVICE=handheld-1");
    // The record's own call site only, not the sink's (SD_JOURNAL_SUPPRESS_LOCATION).
    ASSERT_EQ(codeFiles.size(), 1u) << ::testing::PrintToString(codeFiles);
    EXPECT_NE(codeFiles[0].find("sinks_test.cpp"), std::string::npos);
}

TEST(JournalStreamTest, MatchesOnlyTheDescriptorsOwnDeviceAndInode)
{
    tests::TempDir dir;
    const std::string path = dir.file("stream");
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0);
    const std::string mine =
        std::to_string(st.st_dev) + ":" + std::to_string(static_cast<unsigned long>(st.st_ino));
    EXPECT_TRUE(isJournalStream(mine.c_str(), fd));
    const std::string otherInode =
        std::to_string(st.st_dev) + ":" + std::to_string(static_cast<unsigned long>(st.st_ino + 1));
    EXPECT_FALSE(isJournalStream(otherInode.c_str(), fd));
    EXPECT_FALSE(isJournalStream(nullptr, fd));
    EXPECT_FALSE(isJournalStream("", fd));
    EXPECT_FALSE(isJournalStream("garbage", fd));
    EXPECT_FALSE(isJournalStream((mine + "x").c_str(), fd));
    EXPECT_FALSE(isJournalStream(mine.c_str(), -1));
    ::close(fd);
}

}  // namespace
}  // namespace returnscan::log
