// SPDX-License-Identifier: Apache-2.0
// Command exchanges against the simulated firmware over a pty: ACK, NAK and resend, timeout
// and retry, malformed and truncated replies, unsupported commands, decode data meanwhile.
#include "returnscan/firmware_if/channel.h"

#include <gtest/gtest.h>

#include "firmware_if/firmware_test_support.h"
#include "returnscan/firmware_if/ssi.h"

namespace returnscan::firmware_if {
namespace {

using tests::SimPty;

ExchangeOptions fast()
{
    ExchangeOptions o;
    o.replyTimeout = std::chrono::milliseconds(300);  // generous: CI machines are loaded
    o.attempts = 3;
    return o;
}

Exchange run(SimPty& sim, const char* driverName, Command c, ExchangeOptions o = fast())
{
    auto ch = openSerialChannel(sim.slaveName);
    EXPECT_TRUE(ch.ok());
    if (!ch.ok())
        return {};
    Request r;
    r.command = c;
    return exchange(**ch, *findDriver(driverName), r, o);
}

TEST(SsiExchangeTest, AcknowledgedCommandTakesOneAttempt)
{
    SimPty sim(SimProtocol::Ssi);
    const Exchange ex = run(sim, "ssi", Command::BeepError);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.attempts, 1u);
    ASSERT_EQ(ex.sent.size(), 1u);
    EXPECT_EQ(hex(ex.sent[0]), "05 E6 04 00 06 FF 0B");
    EXPECT_EQ(ex.received, ssiPacket(kSsiCmdAck, kSsiSourceDecoder, 0, {}));
    sim.stop();
    EXPECT_EQ(sim.log(), std::vector<std::string>{"beep-error"});
}

TEST(SsiExchangeTest, ResendsWithRetransmitBitAfterNak)
{
    SimFaults f;
    f.nak = 2;
    SimPty sim(SimProtocol::Ssi, f);
    const Exchange ex = run(sim, "ssi", Command::LedRed);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.attempts, 3u);
    ASSERT_EQ(ex.sent.size(), 3u);
    EXPECT_EQ(static_cast<std::uint8_t>(ex.sent[1][3]), kSsiStatusRetransmit);
    sim.stop();
    EXPECT_EQ(sim.log(), (std::vector<std::string>{"led-red", "nak", "led-red", "nak", "led-red"}));
}

TEST(SsiExchangeTest, GivesUpAfterTheRetriesWhenEveryAnswerIsNak)
{
    SimFaults f;
    f.nak = 10;
    SimPty sim(SimProtocol::Ssi, f);
    const Exchange ex = run(sim, "ssi", Command::LedGreen);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Nak);
    EXPECT_EQ(ex.attempts, 3u);
}

TEST(SsiExchangeTest, DeniedNakIsFinalWithoutResend)
{
    SimFaults f;
    f.deny = true;
    SimPty sim(SimProtocol::Ssi, f);
    const Exchange ex = run(sim, "ssi", Command::ScanDisable);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Nak);
    EXPECT_EQ(ex.attempts, 1u);
    EXPECT_EQ(ex.detail, "NAK denied");
}

TEST(SsiExchangeTest, RetriesAfterATimeout)
{
    SimFaults f;
    f.silent = 1;
    SimPty sim(SimProtocol::Ssi, f);
    const auto t0 = std::chrono::steady_clock::now();
    const Exchange ex = run(sim, "ssi", Command::StartDecode);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.attempts, 2u);
    EXPECT_EQ(ex.notes.front(), "timeout");
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));
}

TEST(SsiExchangeTest, NoAnswerIsReportedWithinTheRetryBudget)
{
    SimFaults f;
    f.silent = 10;
    SimPty sim(SimProtocol::Ssi, f);
    const auto t0 = std::chrono::steady_clock::now();
    const Exchange ex = run(sim, "ssi", Command::StopDecode);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::NoAnswer);
    EXPECT_EQ(ex.attempts, 3u);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(3000));
}

TEST(SsiExchangeTest, ResendsAfterAReplyWithABadChecksum)
{
    SimFaults f;
    f.corrupt = 1;
    SimPty sim(SimProtocol::Ssi, f);
    const Exchange ex = run(sim, "ssi", Command::ScanEnable);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.attempts, 2u);
    EXPECT_NE(ex.notes.front().find("bad checksum"), std::string::npos);
}

TEST(SsiExchangeTest, DropsATruncatedReplyAndResends)
{
    SimFaults f;
    f.truncate = 1;
    SimPty sim(SimProtocol::Ssi, f);
    const Exchange ex = run(sim, "ssi", Command::LedOff);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.attempts, 2u);
    EXPECT_NE(ex.notes.front().find("truncated reply dropped"), std::string::npos);
}

TEST(SsiExchangeTest, IdentifyReadsTheRevisionReply)
{
    SimPty sim(SimProtocol::Ssi);
    const Exchange ex = run(sim, "ssi", Command::Identify);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.detail, std::string("revision ") + ScannerSimulator::kRevision);
}

TEST(SsiExchangeTest, AcknowledgesDecodeDataArrivingWhileWaiting)
{
    SimFaults f;
    f.silent = 1;  // the first answer is lost; a read arrives meanwhile
    SimPty sim(SimProtocol::Ssi, f);
    auto ch = openSerialChannel(sim.slaveName);
    ASSERT_TRUE(ch.ok());
    ScannerSimulator shape(SimProtocol::Ssi);
    sim.inject(shape.readBytes("RMA-1"));
    Request r;
    r.command = Command::BeepGood;
    const Exchange ex = exchange(**ch, *findDriver("ssi"), r, fast());
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    sim.stop();
    const auto log = sim.log();
    EXPECT_NE(std::find(log.begin(), log.end(), "host-ack"), log.end());
}

TEST(SsiExchangeTest, SkipsGarbageBeforeTheReply)
{
    SimPty sim(SimProtocol::Ssi);
    auto ch = openSerialChannel(sim.slaveName);
    ASSERT_TRUE(ch.ok());
    sim.inject(std::string("\x00\x01\x02", 3));
    Request r;
    r.command = Command::LedGreen;
    const Exchange ex = exchange(**ch, *findDriver("ssi"), r, fast());
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.attempts, 1u);
}

TEST(HoneywellExchangeTest, MenuCommandIsAcknowledged)
{
    SimPty sim(SimProtocol::Honeywell);
    const Exchange ex = run(sim, "honeywell-serial", Command::Identify);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_EQ(ex.received, "REVINF\x06.");
}

TEST(HoneywellExchangeTest, SymbologyCommandNakAndMalformedReplies)
{
    SimFaults f;
    f.corrupt = 1;
    f.nak = 1;
    SimPty sim(SimProtocol::Honeywell, f);
    auto ch = openSerialChannel(sim.slaveName);
    ASSERT_TRUE(ch.ok());
    Request r;
    r.command = Command::SymbologyOn;
    r.symbology = Symbology::DataMatrix;
    const Exchange nak = exchange(**ch, *findDriver("honeywell-serial"), r, fast());
    EXPECT_EQ(nak.outcome, Exchange::Outcome::Nak);  // NAK: data out of range, not resent
    const Exchange again = exchange(**ch, *findDriver("honeywell-serial"), r, fast());
    EXPECT_EQ(again.outcome, Exchange::Outcome::Ack);  // corrupt first, then resent
    EXPECT_EQ(again.attempts, 2u);
    sim.stop();
    EXPECT_EQ(sim.log().front(), "symbology-on IDM");
}

TEST(HoneywellExchangeTest, TriggerNeedsNoReply)
{
    SimPty sim(SimProtocol::Honeywell);
    const Exchange ex = run(sim, "honeywell-serial", Command::StartDecode);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    EXPECT_TRUE(ex.received.empty());
    EXPECT_TRUE(sim.waitForLog(1));
    EXPECT_EQ(sim.log(), std::vector<std::string>{"start-decode"});
}

TEST(HoneywellExchangeTest, UnsupportedCommandSendsNothing)
{
    SimPty sim(SimProtocol::Honeywell);
    const Exchange ex = run(sim, "honeywell-serial", Command::LedRed);
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Unsupported);
    EXPECT_TRUE(ex.sent.empty());
}

TEST(HidrawChannelTest, FeatureReportOnANonHidrawNodeIsNotedAndTheCommandStillGoes)
{
    SimPty sim(SimProtocol::Plain);
    auto ch = openHidrawChannel(sim.slaveName);
    ASSERT_TRUE(ch.ok());
    Request r;
    r.command = Command::BeepGood;
    const Exchange ex = exchange(**ch, *findDriver("honeywell-hidpos"), r, fast());
    EXPECT_EQ(ex.outcome, Exchange::Outcome::Ack);
    ASSERT_EQ(ex.sent.size(), 2u);
    EXPECT_EQ(hex(ex.sent[1]), "04 40");
    EXPECT_NE(ex.notes.front().find("not a hidraw node"), std::string::npos);
}

TEST(ChannelTest, OpeningAMissingDeviceFailsWithNotFound)
{
    auto ch = openSerialChannel("/nonexistent/ttyACM9");
    ASSERT_FALSE(ch.ok());
    EXPECT_EQ(ch.error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace returnscan::firmware_if
