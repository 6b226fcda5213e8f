// SPDX-License-Identifier: Apache-2.0
// Writing to a device the input loop owns (InputLoop::send) and commands with replies through
// it (InputLoop::openChannel): ptys and the simulated firmware, the loop on its own thread as
// in the kiosk. The serial line is opened with TIOCEXCL, so this is the only way back.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "firmware_if/firmware_test_support.h"
#include "input/input_test_support.h"
#include "returnscan/firmware_if/channel.h"
#include "returnscan/firmware_if/driver.h"
#include "returnscan/input/scanner.h"
#include "support/temp_dir.h"

namespace returnscan::input {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace fw = firmware_if;
using tests::CollectingSink;
using tests::Pty;
using tests::runUntil;
using tests::SimPty;

ScannerConfig serialConfig(const std::string& path, SerialProtocol protocol)
{
    ScannerConfig c;
    c.id = "handheld-1";
    c.transport = core::Transport::Serial;
    c.path = path;
    c.protocol = protocol;
    return c;
}

ScannerConfig honeywellConfig(const std::string& path)
{
    ScannerConfig c = serialConfig(path, SerialProtocol::Plain);
    c.honeywellReplies = true;
    return c;
}

std::string readAvailable(int fd)
{
    std::string out;
    char buf[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0)
            return out;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0)
            return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

fw::Request request(fw::Command c, fw::Symbology s = fw::Symbology::Code128)
{
    fw::Request r;
    r.command = c;
    r.symbology = s;
    return r;
}

/// A patient budget for a loaded CI machine (replies come in microseconds here).
const fw::ExchangeOptions kPatient{1000ms, 3};

/// The loop on its own thread, as the kiosk runs it; what it reports is read under a lock.
class LoopThread {
public:
    explicit LoopThread(LoopOptions o = {}) : loop_(clock_, sink_, o) {}
    ~LoopThread() { stop(); }
    LoopThread(const LoopThread&) = delete;
    LoopThread& operator=(const LoopThread&) = delete;

    /// Devices are added before start(): addDevice belongs to the loop's thread.
    [[nodiscard]] InputLoop& loop() { return loop_; }
    void start()
    {
        thread_ = std::thread([this] {
            while (!stop_)
                (void)loop_.runOnce(20ms);
        });
    }
    /// Adds `config`'s device, starts the loop and opens a command channel to the device;
    /// null (the failure reported) when a step fails.
    [[nodiscard]] std::unique_ptr<fw::Channel> startWithChannel(const ScannerConfig& config)
    {
        const auto added = loop_.addDevice(config);
        EXPECT_TRUE(added.ok()) << added.error().message;
        if (!added.ok())
            return nullptr;
        start();
        auto channel = loop_.openChannel(config.id);
        EXPECT_TRUE(channel.ok()) << channel.error().message;
        return channel.ok() ? std::move(*channel) : nullptr;
    }
    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    [[nodiscard]] std::vector<std::string> scans() const
    {
        std::lock_guard lock(sink_.mutex);
        return sink_.records.data();
    }
    [[nodiscard]] std::vector<std::string> failures() const
    {
        std::lock_guard lock(sink_.mutex);
        return sink_.records.failures;
    }
    bool waitForScans(std::size_t n, std::chrono::milliseconds timeout = 3s) const
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (scans().size() < n) {
            if (std::chrono::steady_clock::now() > end)
                return false;
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }

private:
    struct LockedSink final : InputSink {
        void onScan(const core::ScanEvent& e) override
        {
            std::lock_guard lock(mutex);
            records.onScan(e);
        }
        void onReadFailure(const ReadFailure& f) override
        {
            std::lock_guard lock(mutex);
            records.onReadFailure(f);
        }
        void onDeviceState(const std::string& d, DeviceState s, std::string_view detail) override
        {
            std::lock_guard lock(mutex);
            records.onDeviceState(d, s, detail);
        }
        mutable std::mutex mutex;
        CollectingSink records;
    };

    core::SystemClock clock_;
    LockedSink sink_;
    InputLoop loop_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

LoopOptions noDedup()
{
    LoopOptions o;
    o.dedupWindow = 0ms;  // a read delivered twice would show
    return o;
}

// ---- InputLoop::send ------------------------------------------------------------------------

TEST(InputLoopSendTest, BytesFromAnotherThreadWakeTheLoopAndReachTheLine)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName, SerialProtocol::Plain)).ok());
    // One round that may wait 5 s in poll(): only the wake-up can explain a quick write.
    std::thread round([&] { (void)loop.runOnce(5000ms); });
    std::this_thread::sleep_for(100ms);  // the loop is in poll() now
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(loop.send("handheld-1", "\x16T\r").ok());
    EXPECT_EQ(pty.readBack(2000), "\x16T\r");
    round.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(InputLoopSendTest, PartialWritesAndEagainKeepEveryByteInOrder)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName, SerialProtocol::Plain)).ok());
    // Nobody reads the master: the pty's buffer (some 15 KiB) fills, writes come back short
    // and then with EAGAIN, and the rest waits in the loop until the line takes more.
    std::string sent;
    bool busy = false;
    for (int i = 0; i < 200 && !busy; ++i) {
        std::string chunk(1000, '\0');
        for (std::size_t k = 0; k < chunk.size(); ++k)
            chunk[k] = static_cast<char>((sent.size() + k) * 7 % 251);
        auto st = loop.send("handheld-1", chunk);
        if (!st) {
            ASSERT_EQ(st.error().code, ErrorCode::Busy) << st.error().message;
            busy = true;
        } else {
            sent += chunk;
        }
        ASSERT_TRUE(loop.runOnce(0ms).ok());
    }
    ASSERT_TRUE(busy) << "the line never pushed back; " << sent.size() << " bytes written";
    EXPECT_GT(sent.size(), 8000u);
    std::string got;
    ASSERT_TRUE(runUntil(loop, [&] {
        got += readAvailable(pty.master);
        return got.size() >= sent.size();
    }));
    EXPECT_TRUE(got == sent) << "bytes lost or out of order: " << got.size() << " of "
                             << sent.size();
    EXPECT_TRUE(sink.failures.empty()) << ::testing::PrintToString(sink.failures);
}

TEST(InputLoopSendTest, ALineThatTakesNothingIsDroppedAfterTheWriteTimeout)
{
    Pty pty;
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.writeTimeout = 200ms;
    InputLoop loop(clock, sink, o);
    ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName, SerialProtocol::Plain)).ok());
    const std::string chunk(1000, 'x');
    bool busy = false;
    for (int i = 0; i < 200 && !busy; ++i) {
        busy = !loop.send("handheld-1", chunk).ok();
        ASSERT_TRUE(loop.runOnce(0ms).ok());
    }
    ASSERT_TRUE(busy);
    const auto t0 = std::chrono::steady_clock::now();
    auto dropped = [&] {
        for (const auto& f : sink.failures) {
            if (f.find("took no data for 200 ms") != std::string::npos)
                return true;
        }
        return false;
    };
    ASSERT_TRUE(runUntil(loop, dropped, 2000ms)) << ::testing::PrintToString(sink.failures);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Present);
    // The line drains; the device takes bytes again.
    (void)readAvailable(pty.master);
    ASSERT_TRUE(loop.send("handheld-1", "AFTER").ok());
    std::string got;
    ASSERT_TRUE(runUntil(loop, [&] {
        got += readAvailable(pty.master);
        return got.find("AFTER") != std::string::npos;
    }));
}

TEST(InputLoopSendTest, UnknownIdIsNotFoundAndNonSerialDevicesAreUnsupported)
{
    tests::TempDir dir;
    const std::string fifo = dir.file("events");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    core::SystemClock clock;
    CollectingSink sink;
    InputLoop loop(clock, sink);
    ScannerConfig wedge;
    wedge.id = "wedge";
    wedge.transport = core::Transport::Evdev;
    wedge.path = fifo;
    ASSERT_TRUE(loop.addDevice(wedge).ok());
    EXPECT_EQ(loop.send("nobody", "x").error().code, ErrorCode::NotFound);
    EXPECT_EQ(loop.openChannel("nobody").error().code, ErrorCode::NotFound);
    EXPECT_EQ(loop.send("wedge", "x").error().code, ErrorCode::Unsupported);
    EXPECT_EQ(loop.openChannel("wedge").error().code, ErrorCode::Unsupported);
}

TEST(InputLoopSendTest, GoneOrReplacedDeviceIsAnErrorAndNothingCrashesAndTheNodeFollows)
{
    tests::TempDir dir;
    const std::string link = dir.file("scanner");
    auto pty = std::make_unique<Pty>();
    ASSERT_EQ(::symlink(pty->slaveName.c_str(), link.c_str()), 0);
    core::SystemClock clock;
    CollectingSink sink;
    LoopOptions o;
    o.backoffMin = 20ms;
    o.backoffMax = 100ms;
    InputLoop loop(clock, sink, o);
    ASSERT_TRUE(loop.addDevice(serialConfig(link, SerialProtocol::Ssi)).ok());
    auto channel = loop.openChannel("handheld-1");
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    EXPECT_EQ(loop.openChannel("handheld-1").error().code, ErrorCode::Busy);
    // The node behind the link, for a second opener (HID POS feedback).
    auto node = loop.currentNode("handheld-1");
    ASSERT_TRUE(node.ok()) << node.error().message;
    EXPECT_EQ(*node, fs::canonical(pty->slaveName).string());
    EXPECT_EQ(loop.currentNode("nobody").error().code, ErrorCode::NotFound);

    // Unplugged with bytes queued that the loop has not written yet.
    ASSERT_TRUE(loop.send("handheld-1", "queued").ok());
    pty.reset();
    ASSERT_TRUE(runUntil(loop, [&] { return loop.devices()[0].state == DeviceState::Absent; }));
    EXPECT_EQ(loop.send("handheld-1", "x").error().code, ErrorCode::Io);
    fw::Frame f;
    f.bytes = "x";
    EXPECT_EQ((*channel)->send(f).error().code, ErrorCode::Io);
    auto r = (*channel)->receive(50ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Io);
    EXPECT_EQ(loop.openChannel("handheld-1").error().code, ErrorCode::Io);
    EXPECT_EQ(loop.currentNode("handheld-1").error().code, ErrorCode::Io);

    // Replugged: the old channel stays dead (it spoke to the old device), a new one works.
    pty = std::make_unique<Pty>();
    ::unlink(link.c_str());
    ASSERT_EQ(::symlink(pty->slaveName.c_str(), link.c_str()), 0);
    ASSERT_TRUE(runUntil(loop, [&] { return loop.devices()[0].state == DeviceState::Present; }));
    node = loop.currentNode("handheld-1");
    ASSERT_TRUE(node.ok()) << node.error().message;
    EXPECT_EQ(*node, fs::canonical(pty->slaveName).string()) << "the new node";
    EXPECT_EQ((*channel)->send(f).error().code, ErrorCode::Io);
    channel->reset();
    auto again = loop.openChannel("handheld-1");
    ASSERT_TRUE(again.ok()) << again.error().message;
    ASSERT_TRUE((*again)->send(f).ok());
    std::string got;
    ASSERT_TRUE(runUntil(loop, [&] {
        got += readAvailable(pty->master);
        return !got.empty();
    }));
    EXPECT_EQ(got, "x");  // nothing of the unplugged device's queue
}

TEST(InputLoopSendTest, AChannelOutlivingTheLoopFailsInsteadOfWaiting)
{
    Pty pty;
    std::unique_ptr<fw::Channel> channel;
    {
        core::SystemClock clock;
        CollectingSink sink;
        InputLoop loop(clock, sink);
        ASSERT_TRUE(loop.addDevice(serialConfig(pty.slaveName, SerialProtocol::Ssi)).ok());
        auto c = loop.openChannel("handheld-1");
        ASSERT_TRUE(c.ok());
        channel = std::move(*c);
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto r = channel->receive(2000ms);
    EXPECT_FALSE(r.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

// ---- SSI commands through the loop ------------------------------------------------------------

TEST(SsiLoopChannelTest, TheScannersAckReachesTheExchange)
{
    SimPty sim(fw::SimProtocol::Ssi);
    LoopThread lt(noDedup());
    ASSERT_TRUE(lt.loop().addDevice(serialConfig(sim.slaveName, SerialProtocol::Ssi)).ok());
    lt.start();
    auto channel = lt.loop().openChannel("handheld-1");
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    const auto ex =
        fw::exchange(**channel, *fw::findDriver("ssi"), request(fw::Command::BeepGood), kPatient);
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << ex.detail;
    EXPECT_EQ(ex.attempts, 1u);
    EXPECT_EQ(ex.received, ssiPacket(kSsiCmdAck, 0, 0, {}));
    const auto led =
        fw::exchange(**channel, *fw::findDriver("ssi"), request(fw::Command::LedGreen), kPatient);
    EXPECT_EQ(led.outcome, fw::Exchange::Outcome::Ack) << led.detail;
    sim.stop();
    EXPECT_EQ(sim.log(), (std::vector<std::string>{"beep-good", "led-green"}));
    lt.stop();
    EXPECT_TRUE(lt.scans().empty());  // the ACKs were no reads
    EXPECT_TRUE(lt.failures().empty()) << ::testing::PrintToString(lt.failures());
}

TEST(SsiLoopChannelTest, NakResendIsRetriedWithTheRetransmitBitAndDeniedIsFinal)
{
    fw::SimFaults nakOnce;
    nakOnce.nak = 1;
    SimPty sim(fw::SimProtocol::Ssi, nakOnce);
    LoopThread lt;
    auto channel = lt.startWithChannel(serialConfig(sim.slaveName, SerialProtocol::Ssi));
    ASSERT_NE(channel, nullptr);
    const auto ex =
        fw::exchange(*channel, *fw::findDriver("ssi"), request(fw::Command::LedRed), kPatient);
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << ex.detail;
    EXPECT_EQ(ex.attempts, 2u);
    ASSERT_EQ(ex.sent.size(), 2u);
    EXPECT_EQ(static_cast<std::uint8_t>(ex.sent[1][3]), firmware_if::kSsiStatusRetransmit);
    ASSERT_FALSE(ex.notes.empty());
    EXPECT_EQ(ex.notes[0], "NAK resend");
    sim.stop();
    EXPECT_EQ(sim.log(), (std::vector<std::string>{"led-red", "nak", "led-red"}));

    fw::SimFaults deny;
    deny.deny = true;
    SimPty denying(fw::SimProtocol::Ssi, deny);
    LoopThread lt2;
    ASSERT_TRUE(lt2.loop().addDevice(serialConfig(denying.slaveName, SerialProtocol::Ssi)).ok());
    lt2.start();
    auto c2 = lt2.loop().openChannel("handheld-1");
    ASSERT_TRUE(c2.ok());
    const auto denied =
        fw::exchange(**c2, *fw::findDriver("ssi"), request(fw::Command::BeepError), kPatient);
    EXPECT_EQ(denied.outcome, fw::Exchange::Outcome::Nak);
    EXPECT_EQ(denied.attempts, 1u);
    EXPECT_EQ(denied.detail, "NAK denied");
}

TEST(SsiLoopChannelTest, ASilentScannerCostsAtMostTheRetryBudget)
{
    fw::SimFaults silent;
    silent.silent = 10;
    SimPty sim(fw::SimProtocol::Ssi, silent);
    LoopThread lt;
    auto channel = lt.startWithChannel(serialConfig(sim.slaveName, SerialProtocol::Ssi));
    ASSERT_NE(channel, nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    const auto ex =
        fw::exchange(*channel, *fw::findDriver("ssi"), request(fw::Command::BeepError), {150ms, 2});
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::NoAnswer);
    EXPECT_EQ(ex.attempts, 2u);
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 700ms);
    EXPECT_TRUE(sim.waitForLog(4));  // both attempts reached the firmware
}

TEST(SsiLoopChannelTest, StaleRepliesDoNotAnswerALaterCommand)
{
    fw::SimFaults silent;
    silent.silent = 10;
    SimPty sim(fw::SimProtocol::Ssi, silent);
    LoopThread lt;
    ASSERT_TRUE(lt.loop().addDevice(serialConfig(sim.slaveName, SerialProtocol::Ssi)).ok());
    lt.start();
    // An ACK nobody waits for (a reply that came after its exchange gave up), then a read so
    // that we know the loop has taken both.
    sim.inject(ssiPacket(kSsiCmdAck, 0, 0, {}));
    sim.inject(fw::ScannerSimulator(fw::SimProtocol::Ssi).readBytes("MARK-1"));
    ASSERT_TRUE(lt.waitForScans(1));
    auto channel = lt.loop().openChannel("handheld-1");
    ASSERT_TRUE(channel.ok());
    const auto ex =
        fw::exchange(**channel, *fw::findDriver("ssi"), request(fw::Command::BeepGood), {150ms, 1});
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::NoAnswer) << ex.detail;
}

TEST(SsiLoopChannelTest, ReadsAroundTheReplyInOneChunkAreDeliveredOnceAndAcked)
{
    Pty pty;  // the test is the firmware: it controls how the bytes are chunked
    LoopThread lt(noDedup());
    ASSERT_TRUE(lt.loop().addDevice(serialConfig(pty.slaveName, SerialProtocol::Ssi)).ok());
    lt.start();
    ASSERT_TRUE(pty.waitForRawMode());
    auto channel = lt.loop().openChannel("handheld-1");
    ASSERT_TRUE(channel.ok());
    fw::Exchange ex;
    std::thread sender([&] {
        ex = fw::exchange(**channel, *fw::findDriver("ssi"), request(fw::Command::LedGreen),
                          kPatient);
    });
    const std::uint8_t green = 0x01;
    EXPECT_EQ(pty.readBack(2000), ssiPacket(fw::kSsiLedOn, 4, 0, std::span(&green, 1)));
    const fw::ScannerSimulator encoder(fw::SimProtocol::Ssi);
    pty.write(encoder.readBytes("RMA-1") + ssiPacket(kSsiCmdAck, 0, 0, {}) +
              encoder.readBytes("RMA-2"));
    sender.join();
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << ex.detail;
    EXPECT_EQ(ex.attempts, 1u);
    ASSERT_TRUE(lt.waitForScans(2));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(lt.scans(), (std::vector<std::string>{"RMA-1", "RMA-2"}));
    // The host still ACKs both decode packets (and nothing else).
    const std::string ack = ssiPacket(kSsiCmdAck, 4, 0, {});
    EXPECT_EQ(pty.readBack(500), ack + ack);
    EXPECT_TRUE(lt.failures().empty()) << ::testing::PrintToString(lt.failures());
}

TEST(SsiLoopChannelTest, ReadsStreamingDuringExchangesAreNeitherLostNorDoubled)
{
    SimPty sim(fw::SimProtocol::Ssi);
    LoopThread lt(noDedup());
    ASSERT_TRUE(lt.loop().addDevice(serialConfig(sim.slaveName, SerialProtocol::Ssi)).ok());
    lt.start();
    const fw::ScannerSimulator encoder(fw::SimProtocol::Ssi);
    std::vector<std::string> codes;
    for (int i = 0; i < 30; ++i)
        codes.push_back("RMA-" + std::to_string(100 + i));
    std::thread scanner([&] {
        for (const auto& c : codes) {
            sim.inject(encoder.readBytes(c));
            std::this_thread::sleep_for(3ms);
        }
    });
    auto channel = lt.loop().openChannel("handheld-1");
    ASSERT_TRUE(channel.ok());
    for (int i = 0; i < 10; ++i) {
        const auto c = i % 2 == 0 ? fw::Command::BeepGood : fw::Command::LedGreen;
        const auto ex = fw::exchange(**channel, *fw::findDriver("ssi"), request(c), kPatient);
        EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << i << ": " << ex.detail;
    }
    scanner.join();
    ASSERT_TRUE(lt.waitForScans(codes.size()));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(lt.scans(), codes);
    sim.stop();
    std::size_t hostAcks = 0;
    for (const auto& w : sim.log())
        hostAcks += w == "host-ack" ? 1 : 0;
    EXPECT_EQ(hostAcks, codes.size());
    EXPECT_TRUE(lt.failures().empty()) << ::testing::PrintToString(lt.failures());
}

TEST(SsiLoopChannelTest, AFloodOfGarbageNeitherBlocksTheExchangeNorTheNextRead)
{
    fw::SimFaults silent;
    silent.silent = 10;
    SimPty sim(fw::SimProtocol::Ssi, silent);
    LoopThread lt;
    auto channel = lt.startWithChannel(serialConfig(sim.slaveName, SerialProtocol::Ssi));
    ASSERT_NE(channel, nullptr);
    std::atomic<bool> flooding{true};
    std::thread flood([&] {
        // Bytes that start no packet, and packets that answer nothing we asked, until the
        // exchange is over: the replies nobody reads are bounded, the junk is skipped.
        const std::string junk(4096, '\x01');
        std::string unasked;
        for (int i = 0; i < 100; ++i)
            unasked += ssiPacket(0xA0, 0, 0, {});
        for (int i = 0; flooding; ++i) {
            sim.inject(i % 2 == 0 ? junk : unasked);
            std::this_thread::sleep_for(1ms);
        }
    });
    const auto t0 = std::chrono::steady_clock::now();
    const auto ex =
        fw::exchange(*channel, *fw::findDriver("ssi"), request(fw::Command::BeepGood), {150ms, 2});
    const auto took = std::chrono::steady_clock::now() - t0;
    flooding = false;
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::NoAnswer) << ex.detail;
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 1000ms);
    flood.join();
    sim.inject(fw::ScannerSimulator(fw::SimProtocol::Ssi).readBytes("AFTER-1"));
    ASSERT_TRUE(lt.waitForScans(1));
    EXPECT_EQ(lt.scans(), std::vector<std::string>{"AFTER-1"});
}

TEST(SsiLoopChannelTest, RepliesNobodyReadsAreBoundedAndKeptAsWholePackets)
{
    SimPty sim(fw::SimProtocol::Ssi);
    LoopThread lt;
    auto channel = lt.startWithChannel(serialConfig(sim.slaveName, SerialProtocol::Ssi));
    ASSERT_NE(channel, nullptr);
    const std::string unasked = ssiPacket(0xA0, 0, 0, {});  // 6 bytes
    for (int i = 0; i < 40; ++i) {
        std::string chunk;
        for (int k = 0; k < 50; ++k)
            chunk += unasked;
        sim.inject(chunk);
        std::this_thread::sleep_for(1ms);
    }
    sim.inject(fw::ScannerSimulator(fw::SimProtocol::Ssi).readBytes("MARK-2"));
    ASSERT_TRUE(lt.waitForScans(1));  // the loop has taken all 12,000 bytes of replies
    auto r = channel->receive(0ms);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->empty());
    EXPECT_LE(r->size(), 4096u);
    EXPECT_EQ(r->size() % unasked.size(), 0u);
    EXPECT_EQ(r->substr(0, unasked.size()), unasked);
}

// ---- Honeywell serial commands through the loop -----------------------------------------------

TEST(HoneywellLoopChannelTest, MenuReplyReachesTheExchangeAndTriggerNeedsNone)
{
    SimPty sim(fw::SimProtocol::Honeywell);
    LoopThread lt(noDedup());
    auto channel = lt.startWithChannel(honeywellConfig(sim.slaveName));
    ASSERT_NE(channel, nullptr);
    const auto* driver = fw::findDriver("honeywell-serial");
    const auto ex = fw::exchange(*channel, *driver, request(fw::Command::SymbologyOn), kPatient);
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << ex.detail;
    EXPECT_EQ(ex.attempts, 1u);
    EXPECT_EQ(ex.received, "128ENA1\x06!");
    const auto beep = fw::exchange(*channel, *driver, request(fw::Command::BeepGood), kPatient);
    EXPECT_EQ(beep.outcome, fw::Exchange::Outcome::Ack);
    EXPECT_TRUE(sim.waitForLog(2));
    sim.stop();
    EXPECT_EQ(sim.log(), (std::vector<std::string>{"symbology-on 128", "beep-good"}));
    lt.stop();
    EXPECT_TRUE(lt.scans().empty());  // the echoed command was no read
    EXPECT_TRUE(lt.failures().empty()) << ::testing::PrintToString(lt.failures());
}

TEST(HoneywellLoopChannelTest, GarbledReplyIsResentAndNakIsFinal)
{
    fw::SimFaults corrupt;
    corrupt.corrupt = 1;  // ACK followed by '?' instead of the storage character
    SimPty sim(fw::SimProtocol::Honeywell, corrupt);
    LoopThread lt;
    auto channel = lt.startWithChannel(honeywellConfig(sim.slaveName));
    ASSERT_NE(channel, nullptr);
    const auto* driver = fw::findDriver("honeywell-serial");
    const auto ex = fw::exchange(*channel, *driver, request(fw::Command::SymbologyOff), kPatient);
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << ex.detail;
    EXPECT_EQ(ex.attempts, 2u);

    fw::SimFaults nak;
    nak.nak = 1;
    SimPty refusing(fw::SimProtocol::Honeywell, nak);
    LoopThread lt2;
    ASSERT_TRUE(lt2.loop().addDevice(honeywellConfig(refusing.slaveName)).ok());
    lt2.start();
    auto c2 = lt2.loop().openChannel("handheld-1");
    ASSERT_TRUE(c2.ok());
    const auto refused = fw::exchange(**c2, *driver, request(fw::Command::SymbologyOn), kPatient);
    EXPECT_EQ(refused.outcome, fw::Exchange::Outcome::Nak);
    EXPECT_EQ(refused.attempts, 1u);
    lt.stop();
    lt2.stop();
    EXPECT_TRUE(lt.scans().empty());
    EXPECT_TRUE(lt2.scans().empty());
}

TEST(HoneywellLoopChannelTest, ASilentScannerCostsAtMostTheRetryBudget)
{
    fw::SimFaults silent;
    silent.silent = 10;
    SimPty sim(fw::SimProtocol::Honeywell, silent);
    LoopThread lt;
    auto channel = lt.startWithChannel(honeywellConfig(sim.slaveName));
    ASSERT_NE(channel, nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    const auto ex = fw::exchange(*channel, *fw::findDriver("honeywell-serial"),
                                 request(fw::Command::Identify), {150ms, 2});
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::NoAnswer);
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 700ms);
}

TEST(HoneywellLoopChannelTest, ReadsAroundTheReplyInOneChunkAreDeliveredOnce)
{
    Pty pty;
    LoopThread lt(noDedup());
    ASSERT_TRUE(lt.loop().addDevice(honeywellConfig(pty.slaveName)).ok());
    lt.start();
    ASSERT_TRUE(pty.waitForRawMode());
    auto channel = lt.loop().openChannel("handheld-1");
    ASSERT_TRUE(channel.ok());
    fw::Exchange ex;
    std::thread sender([&] {
        ex = fw::exchange(**channel, *fw::findDriver("honeywell-serial"),
                          request(fw::Command::SymbologyOn, fw::Symbology::Qr), kPatient);
    });
    EXPECT_EQ(pty.readBack(2000), "\x16M\rQRCENA1!");
    pty.write("RMA-1\rQRCENA1\x06!RMA-2\r");
    sender.join();
    EXPECT_EQ(ex.outcome, fw::Exchange::Outcome::Ack) << ex.detail;
    ASSERT_TRUE(lt.waitForScans(2));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(lt.scans(), (std::vector<std::string>{"RMA-1", "RMA-2"}));
    EXPECT_TRUE(lt.failures().empty()) << ::testing::PrintToString(lt.failures());
}

TEST(HoneywellLoopChannelTest, HalfAReplyIsDroppedAfterAPauseAndTheNextReadIsClean)
{
    Pty pty;
    LoopThread lt(noDedup());
    ASSERT_TRUE(lt.loop().addDevice(honeywellConfig(pty.slaveName)).ok());
    lt.start();
    ASSERT_TRUE(pty.waitForRawMode());
    pty.write("128EN");  // a truncated reply, nobody waiting for it
    std::this_thread::sleep_for(kHoneywellFrameIdle + 200ms);
    pty.write("RMA-3\r");
    ASSERT_TRUE(lt.waitForScans(1));
    EXPECT_EQ(lt.scans(), std::vector<std::string>{"RMA-3"});
    const auto failures = lt.failures();
    ASSERT_EQ(failures.size(), 1u) << ::testing::PrintToString(failures);
    EXPECT_NE(failures[0].find("5 bytes without a terminator"), std::string::npos);
}

}  // namespace
}  // namespace returnscan::input
