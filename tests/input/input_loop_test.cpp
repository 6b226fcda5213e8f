// SPDX-License-Identifier: Apache-2.0
// The input loop against real descriptors: ptys for serial scanners (hangup, EIO, reopen),
// FIFOs for evdev and hidraw, sanitising and de-duplication, bad-barcode inputs.
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include <thread>

#include "input/input_test_support.h"
#include "returnscan/input/scanner.h"
#include "support/log_capture.h"
#include "support/temp_dir.h"

namespace returnscan::input {
namespace {

using namespace std::chrono_literals;
using tests::CollectingSink;
using tests::Pty;
using tests::runUntil;

ScannerConfig serialConfig(const std::string& path)
{
    ScannerConfig c;
    c.id = "handheld-1";
    c.role = "handheld";
    c.transport = core::Transport::Serial;
    c.path = path;
    return c;
}

LoopOptions fastReopen()
{
    LoopOptions o;
    o.backoffMin = 20ms;
    o.backoffMax = 200ms;
    return o;
}

TEST(SerialReaderTest, ReadsFromAPtyIntoScanEvents)
{
    Pty pty;
    ASSERT_FALSE(pty.slaveName.empty());
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName)).ok());
    pty.write("]C0RC7K3M9Q2XWR\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    const core::ScanEvent& e = sink.scans[0];
    EXPECT_EQ(e.data, "RC7K3M9Q2XWR");
    EXPECT_EQ(e.device, "handheld-1");
    EXPECT_EQ(e.role, "handheld");
    EXPECT_EQ(e.transport, core::Transport::Serial);
    ASSERT_TRUE(e.aim.has_value());
    EXPECT_EQ(e.aim->symbology, core::Symbology::Code128);
    EXPECT_GT(e.wallTime.time_since_epoch().count(), 0);
}

TEST(SerialReaderTest, SameReadWithinTheWindowIsOneEvent)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.dedupWindow = 300ms;
    InputLoop loop(clock, sink, o);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName)).ok());
    pty.write("SAME1\rSAME1\rOTHER\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 2; }));
    std::this_thread::sleep_for(350ms);
    pty.write("SAME1\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 3; }));
    EXPECT_EQ(sink.data(), (std::vector<std::string>{"SAME1", "OTHER", "SAME1"}));
    EXPECT_EQ(loop.devices()[0].duplicates, 1u);
}

TEST(SerialReaderTest, HangupInTheMiddleOfACodeIsReportedAndMarksAbsentWithinASecond)
{
    auto pty = std::make_unique<Pty>();
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink, fastReopen());
    ASSERT_TRUE(loop.addDevice(serialConfig(pty->slaveName)).ok());
    pty->write("RC7K3M");
    // Let the loop take the six bytes before the line goes down.
    (void)runUntil(
        loop, [] { return false; }, 100ms);
    const auto start = std::chrono::steady_clock::now();
    pty.reset();  // closes the master: the slave reads EIO, as on a CDC-ACM unplug
    ASSERT_TRUE(runUntil(
        loop, [&] { return loop.devices()[0].state == DeviceState::Absent; }, 1000ms));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    bool reported = false;
    for (const auto& f : sink.failures)
        reported =
            reported || f.find("hangup in the middle of a read: 6 bytes") != std::string::npos;
    EXPECT_TRUE(reported) << ::testing::PrintToString(sink.failures);
    EXPECT_TRUE(sink.scans.empty());
}

TEST(SerialReaderTest, ReopensWithBackoffWhenTheDeviceComesBackAndLeaksNoDescriptor)
{
    tests::TempDir dir;
    const std::string link = dir.file("scanner");  // like /dev/returnscan/handheld
    const int fdsBefore = tests::openFdCount();
    {
        auto pty = std::make_unique<Pty>();
        ASSERT_EQ(::symlink(pty->slaveName.c_str(), link.c_str()), 0);
        core::SystemClock clock;
        CollectingSink sink;
        InputLoop loop(clock, sink, fastReopen());
        ASSERT_TRUE(loop.addDevice(serialConfig(link)).ok());
        for (int round = 0; round < 3; ++round) {
            pty->write("ROUND" + std::to_string(round) + "\r");
            ASSERT_TRUE(
                runUntil(loop, [&] { return sink.scans.size() == std::size_t(round) + 1; }));
            pty.reset();
            ASSERT_TRUE(
                runUntil(loop, [&] { return loop.devices()[0].state == DeviceState::Absent; }));
            // Unplugged for a while: retries fail and back off, without spinning.
            (void)runUntil(
                loop, [] { return false; }, 150ms);
            pty = std::make_unique<Pty>();
            ::unlink(link.c_str());
            ASSERT_EQ(::symlink(pty->slaveName.c_str(), link.c_str()), 0);
            ASSERT_TRUE(
                runUntil(loop, [&] { return loop.devices()[0].state == DeviceState::Present; }));
        }
        EXPECT_EQ(loop.devices()[0].opens, 4u);
        EXPECT_EQ(sink.data(), (std::vector<std::string>{"ROUND0", "ROUND1", "ROUND2"}));
    }
    EXPECT_EQ(tests::openFdCount(), fdsBefore);
}

TEST(InputLoopLogTest, AScannerThatGoesAndComesBackIsLoggedOncePerSpell)
{
    tests::ScopedLogCaptureForTest capture(core::LogLevels(core::LogLevel::Info));
    tests::TempDir dir;
    const std::string link = dir.file("scanner");
    auto pty = std::make_unique<Pty>();
    ASSERT_EQ(::symlink(pty->slaveName.c_str(), link.c_str()), 0);
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink, fastReopen());
    ASSERT_TRUE(loop.addDevice(serialConfig(link)).ok());
    const std::uint64_t opensBefore = loop.devices()[0].opens;
    for (int round = 0; round < 3; ++round) {
        pty.reset();
        ASSERT_TRUE(runUntil(loop, [&] { return loop.devices()[0].state == DeviceState::Absent; }));
        // Unplugged for a while: several reopen attempts fail (backoff 20 ms doubling: about
        // four in 400 ms, at least one even on a loaded machine), none of them is logged.
        (void)runUntil(
            loop, [] { return false; }, 400ms);
        pty = std::make_unique<Pty>();
        ::unlink(link.c_str());
        ASSERT_EQ(::symlink(pty->slaveName.c_str(), link.c_str()), 0);
        ASSERT_TRUE(
            runUntil(loop, [&] { return loop.devices()[0].state == DeviceState::Present; }));
    }
    EXPECT_EQ(loop.devices()[0].opens, opensBefore + 3);

    const auto& log = capture.sink();
    ASSERT_EQ(log.matching("scanner opened").size(), 1u) << ::testing::PrintToString(log.messages());
    const auto lost = log.matching("scanner lost");
    const auto back = log.matching("scanner back");
    ASSERT_EQ(lost.size(), 3u) << ::testing::PrintToString(log.messages());
    ASSERT_EQ(back.size(), 3u) << ::testing::PrintToString(log.messages());
    EXPECT_TRUE(log.matching("scanner not available").empty());
    for (const auto& r : lost) {
        EXPECT_EQ(r.level, core::LogLevel::Warning);
        EXPECT_EQ(r.category, core::LogCategory::Input);
        EXPECT_EQ(r.device, "handheld-1");
    }
    for (const auto& r : back) {
        EXPECT_EQ(r.level, core::LogLevel::Warning);  // where the loss was seen
        EXPECT_EQ(r.device, "handheld-1");
        ASSERT_FALSE(r.fields.empty());
        EXPECT_EQ(r.fields.back().key, "failures");
        // The loss and the failed reopen attempts, all in one spell.
        EXPECT_GE(std::stoi(r.fields.back().value), 2);
    }
}

TEST(InputLoopLogTest, ARefusedScannerIsOneErrorHoweverOftenItIsRetried)
{
    tests::ScopedLogCaptureForTest capture(core::LogLevels(core::LogLevel::Info));
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o = fastReopen();
    o.backoffMax = 10ms;  // a refused device is retried at backoffMax
    InputLoop loop(clock, sink, o);
    ScannerConfig c = serialConfig(pty.slaveName);
    c.baud = 12345;
    ASSERT_TRUE(loop.addDevice(c).ok());
    (void)runUntil(
        loop, [] { return false; }, 200ms);
    EXPECT_GE(sink.failures.size(), 5u);  // each attempt is still reported to the sink
    const auto refused = capture.sink().matching("scanner refused");
    ASSERT_EQ(refused.size(), 1u) << ::testing::PrintToString(capture.sink().messages());
    EXPECT_EQ(refused[0].level, core::LogLevel::Error);
    EXPECT_NE(refused[0].message.find("baud"), std::string::npos);
}

TEST(InputLoopLogTest, BadReadsAreLoggedButRateLimited)
{
    tests::ScopedLogCaptureForTest capture(core::LogLevels(core::LogLevel::Info));
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName)).ok());
    std::string bad;
    for (int i = 0; i < 30; ++i)
        bad += "A\x1b[0mB\r";
    pty.write(bad + "GOOD1\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_EQ(sink.failures.size(), 30u);  // the sink still sees every one
    const auto refused = capture.sink().matching("read refused");
    EXPECT_EQ(refused.size(), 10u);  // LogRateLimit's default burst
    ASSERT_FALSE(refused.empty());
    EXPECT_EQ(refused[0].level, core::LogLevel::Warning);
    EXPECT_EQ(refused[0].device, "handheld-1");
}

TEST(SerialReaderTest, UdevRemoveClosesAndUdevAddReopensAtOnce)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.backoffMin = 5000ms;  // so that only the add event can explain a quick reopen
    o.backoffMax = 5000ms;
    InputLoop loop(clock, sink, o);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName)).ok());
    loop.deviceRemovedForTest(pty.slaveName);
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Absent);
    loop.deviceAddedForTest(pty.slaveName);
    ASSERT_TRUE(runUntil(
        loop, [&] { return loop.devices()[0].state == DeviceState::Present; }, 500ms));
    pty.write("BACK1\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
}

TEST(SerialReaderTest, SsiAckGoesBackToTheScanner)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ScannerConfig c = serialConfig(pty.slaveName);
    c.protocol = SerialProtocol::Ssi;
    ASSERT_TRUE(loop.addDevice(c).ok());
    std::vector<std::uint8_t> data{0x03, 'A', 'B', 'C'};
    pty.write(ssiPacket(kSsiDecodeData, 0, 0, data));
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_EQ(pty.readBack(), ssiPacket(kSsiCmdAck, 4, 0, {}));
}

TEST(SerialReaderTest, BadBarcodesAreRefusedAndTheNextGoodScanIsRead)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.dedupWindow = 0ms;
    InputLoop loop(clock, sink, o);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName)).ok());
    pty.write(
        std::string("A\x01"
                    "B\r",
                    4));                        // a control character
    pty.write("\x1b[2J\x1b]0;pwned\x07RC1\r");  // terminal escape sequences
    pty.write(std::string(300, 'L') + "\r");    // over the 256-byte limit
    pty.write("\xff\xfe\r");                    // not UTF-8
    pty.write("GOOD1\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_EQ(sink.data(), (std::vector<std::string>{"GOOD1"}));
    ASSERT_EQ(sink.failures.size(), 4u) << ::testing::PrintToString(sink.failures);
    EXPECT_NE(sink.failures[0].find("control character 0x01"), std::string::npos);
    EXPECT_NE(sink.failures[1].find("control character 0x1b"), std::string::npos);
    EXPECT_NE(sink.failures[2].find("300 bytes"), std::string::npos);
    EXPECT_NE(sink.failures[3].find("UTF-8"), std::string::npos);
    EXPECT_EQ(loop.devices()[0].errors, 4u);
}

TEST(SerialReaderTest, MegabyteWithoutTerminatorThroughAPtyIsBounded)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName)).ok());
    const int fl = ::fcntl(pty.master, F_GETFL);
    ::fcntl(pty.master, F_SETFL, fl | O_NONBLOCK);
    std::string mb(1 << 20, 'M');
    std::size_t sent = 0;
    while (sent < mb.size()) {
        const ssize_t n = ::write(pty.master, mb.data() + sent, mb.size() - sent);
        if (n > 0)
            sent += static_cast<std::size_t>(n);
        ASSERT_TRUE(loop.runOnce(5ms).ok());
    }
    pty.write("\rNEXT1\r");
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_EQ(sink.data()[0], "NEXT1");
    ASSERT_EQ(sink.failures.size(), 1u);
    EXPECT_NE(sink.failures[0].find("1048576 bytes discarded"), std::string::npos)
        << sink.failures[0];
}

TEST(SerialReaderTest, UnsupportedBaudIsRefusedAtStart)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.reopen = false;
    InputLoop loop(clock, sink, o);
    ScannerConfig c = serialConfig(pty.slaveName);
    c.baud = 12345;
    auto st = loop.addDevice(c);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("baud"), std::string::npos);
}

// ---- FIFOs: evdev and hidraw ----------------------------------------------------------------

struct Fifo {
    std::string path;
    int writer = -1;
    explicit Fifo(const std::string& p) : path(p) { EXPECT_EQ(::mkfifo(p.c_str(), 0600), 0); }
    /// Opens the writing end (after the reader has opened, so it does not block).
    void open() { writer = ::open(path.c_str(), O_WRONLY | O_CLOEXEC); }
    void write(const std::string& s) const { (void)!::write(writer, s.data(), s.size()); }
    void close()
    {
        if (writer >= 0)
            ::close(writer);
        writer = -1;
    }
    ~Fifo() { close(); }
};

TEST(EvdevReaderTest, FifoOfInputEventsWithGermanLayout)
{
    tests::TempDir dir;
    Fifo fifo(dir.file("event0"));
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.reopen = false;
    InputLoop loop(clock, sink, o);
    ScannerConfig c;
    c.transport = core::Transport::Evdev;
    c.path = fifo.path;
    c.wedge.layout = "de";
    ASSERT_TRUE(loop.addDevice(c).ok());
    fifo.open();
    fifo.write(tests::keyBytes(KEY_Y) + tests::keyBytes(KEY_Z, KEY_LEFTSHIFT) +
               tests::keyBytes(KEY_MINUS) + tests::keyBytes(KEY_ENTER));
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_EQ(sink.scans[0].data, "zYß");
    EXPECT_EQ(sink.scans[0].transport, core::Transport::Evdev);
    fifo.close();
    ASSERT_TRUE(runUntil(loop, [&] { return loop.finished(); }));
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Closed);
}

TEST(EvdevReaderTest, NonEvdevCharacterDeviceIsRefused)
{
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.reopen = false;
    InputLoop loop(clock, sink, o);
    ScannerConfig c;
    c.transport = core::Transport::Evdev;
    c.path = "/dev/null";
    auto st = loop.addDevice(c);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("not an evdev device"), std::string::npos);
    EXPECT_TRUE(sink.sawState(DeviceState::Refused));
}

TEST(EvdevReaderTest, BadKeysAreRefusedAndTheNextScanIsRead)
{
    tests::TempDir dir;
    Fifo fifo(dir.file("event1"));
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ScannerConfig c;
    c.transport = core::Transport::Evdev;
    c.path = fifo.path;
    ASSERT_TRUE(loop.addDevice(c).ok());
    fifo.open();
    // Escape, then Ctrl+C inside a code; then a megabyte of 'a' without Enter; then a good one.
    fifo.write(tests::keyBytes(KEY_ESC) + tests::typeUs("abc"));
    fifo.write(tests::typeUs("ab", 0) + tests::keyBytes(KEY_C, KEY_LEFTCTRL) + tests::typeUs("d"));
    const std::string a = tests::keyBytes(KEY_A);
    std::string block;
    for (int i = 0; i < 512; ++i)
        block += a;
    const int fl = ::fcntl(fifo.writer, F_GETFL);
    ::fcntl(fifo.writer, F_SETFL, fl | O_NONBLOCK);
    std::size_t chars = 0;
    while (chars < (1u << 20) / 8) {  // 128 Ki characters = 1 Ki * 128 * 96 bytes of events
        std::size_t off = 0;
        while (off < block.size()) {
            const ssize_t n = ::write(fifo.writer, block.data() + off, block.size() - off);
            if (n > 0)
                off += static_cast<std::size_t>(n);
            ASSERT_TRUE(loop.runOnce(0ms).ok());
        }
        chars += 512;
    }
    ::fcntl(fifo.writer, F_SETFL, fl);
    fifo.write(tests::keyBytes(KEY_ENTER) + tests::typeUs("Good7"));
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_EQ(sink.scans[0].data, "Good7");
    ASSERT_EQ(sink.failures.size(), 3u) << ::testing::PrintToString(sink.failures);
    EXPECT_NE(sink.failures[0].find("0x1b"), std::string::npos);
    EXPECT_NE(sink.failures[1].find("0x03"), std::string::npos);
    EXPECT_NE(sink.failures[2].find("without a terminator"), std::string::npos);
}

TEST(HidrawReaderTest, FifoOfReportsWithReassembly)
{
    tests::TempDir dir;
    Fifo fifo(dir.file("hidraw0"));
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ScannerConfig c;
    c.transport = core::Transport::Hidraw;
    c.path = fifo.path;  // no descriptor: the Honeywell profile
    ASSERT_TRUE(loop.addDevice(c).ok());
    fifo.open();
    fifo.write(tests::honeywellReport("]Q1", std::string(56, 'q'), true) +
               tests::honeywellReport("]Q1", "tail") +
               tests::honeywellReport("]C0", std::string("A\x1b") + "B") +
               tests::honeywellReport("]C0", "OK2"));
    ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 2; }));
    EXPECT_EQ(sink.scans[0].data, std::string(56, 'q') + "tail");
    EXPECT_EQ(sink.scans[0].aim->symbology, core::Symbology::Qr);
    EXPECT_EQ(sink.scans[1].data, "OK2");
    ASSERT_EQ(sink.failures.size(), 1u);
    EXPECT_NE(sink.failures[0].find("0x1b"), std::string::npos);
}

TEST(HidrawReaderTest, WriterGoneAndBackIsAbsentThenPresentWithoutLeakingDescriptors)
{
    tests::TempDir dir;
    Fifo fifo(dir.file("hidraw2"));
    const int fdsBefore = tests::openFdCount();
    {
        core::SystemClock clock;
        CollectingSink sink;
        InputLoop loop(clock, sink, fastReopen());
        ScannerConfig c;
        c.transport = core::Transport::Hidraw;
        c.path = fifo.path;
        ASSERT_TRUE(loop.addDevice(c).ok());
        for (int round = 0; round < 3; ++round) {
            fifo.open();
            fifo.write(tests::honeywellReport("]C0", "HID" + std::to_string(round)));
            ASSERT_TRUE(
                runUntil(loop, [&] { return sink.scans.size() == std::size_t(round) + 1; }));
            fifo.close();  // end of file: the device went away
            ASSERT_TRUE(runUntil(
                loop, [&] { return loop.devices()[0].state == DeviceState::Absent; }, 1000ms));
            ASSERT_TRUE(runUntil(
                loop, [&] { return loop.devices()[0].state == DeviceState::Present; }, 1000ms));
        }
        EXPECT_EQ(sink.data(), (std::vector<std::string>{"HID0", "HID1", "HID2"}));
    }
    EXPECT_EQ(tests::openFdCount(), fdsBefore);
}

TEST(HidrawReaderTest, GenericProfileWithoutDescriptorIsAConfigurationError)
{
    tests::TempDir dir;
    Fifo fifo(dir.file("hidraw1"));
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.reopen = false;
    InputLoop loop(clock, sink, o);
    ScannerConfig c;
    c.transport = core::Transport::Hidraw;
    c.path = fifo.path;
    c.profile = "generic";
    auto st = loop.addDevice(c);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("report descriptor"), std::string::npos);
}

TEST(InputLoopTest, DeduplicationIsPerDeviceUnlessAcrossDevicesIsSet)
{
    for (bool across : {false, true}) {
        Pty a, b;
        core::SystemClock clock;
        CollectingSink sink;
        LoopOptions o;
        o.dedupAcrossDevices = across;
        InputLoop loop(clock, sink, o);
        ScannerConfig ca = serialConfig(a.slaveName), cb = serialConfig(b.slaveName);
        ca.id = "left";
        cb.id = "right";
        cb.role = "overhead";
        ASSERT_TRUE(loop.addDevice(ca).ok());
        ASSERT_TRUE(loop.addDevice(cb).ok());
        a.write("SAME9\r");
        ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.size() == 1; }));
        b.write("SAME9\r");
        b.write("END\r");
        ASSERT_TRUE(runUntil(loop, [&] { return sink.scans.back().data == "END"; }));
        ASSERT_EQ(sink.scans.size(), across ? 2u : 3u);
        EXPECT_EQ(sink.scans.back().device, "right");
        EXPECT_EQ(sink.scans.back().role, "overhead");
    }
}

TEST(InputLoopTest, MissingDeviceIsAbsentAndRetriedWithGrowingBackoff)
{
    tests::TempDir dir;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.backoffMin = 10ms;
    o.backoffMax = 80ms;
    InputLoop loop(clock, sink, o);
    ASSERT_TRUE(loop.addDevice(serialConfig(dir.file("ttyACM9"))).ok());
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Absent);
    EXPECT_FALSE(loop.finished());
    // A poll round never blocks longer than asked, even with nothing to read.
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(loop.runOnce(30ms).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);
    auto st = loop.addDevice(ScannerConfig{});
    EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace returnscan::input
