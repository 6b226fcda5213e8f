// SPDX-License-Identifier: Apache-2.0
// Decisions drive feedback on the scanner that read the code, through the simulator.
#include "feedback.h"

#include "returnscan/station/station.h"

#include <gtest/gtest.h>

#include "firmware_if/firmware_test_support.h"

namespace returnscan::app {
namespace {

namespace fw = firmware_if;
using tests::SimPty;

/// Feedback with a reply timeout that a loaded CI machine meets.
ScannerFeedback patient()
{
    return ScannerFeedback({}, fw::ExchangeOptions{std::chrono::milliseconds(1000), 1});
}

TEST(ScannerFeedbackTest, AcceptedGivesGoodBeepAndGreen)
{
    SimPty handheld(fw::SimProtocol::Ssi);
    ScannerFeedback fb = patient();
    fb.bind("handheld-1", {handheld.slaveName, fw::findDriver("ssi")});
    auto r = fb.signal("handheld-1", station::feedbackFor(core::Outcome::Accepted));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].outcome, fw::Exchange::Outcome::Ack);
    EXPECT_EQ((*r)[1].outcome, fw::Exchange::Outcome::Ack);
    handheld.stop();
    EXPECT_EQ(handheld.log(), (std::vector<std::string>{"beep-good", "led-green"}));
}

TEST(ScannerFeedbackTest, RejectedAndHeldGiveErrorBeepAndRedOnTheReadingScanner)
{
    SimPty handheld(fw::SimProtocol::Ssi);
    SimPty presentation(fw::SimProtocol::Ssi);
    ScannerFeedback fb = patient();
    fb.bind("handheld-1", {handheld.slaveName, fw::findDriver("ssi")});
    fb.bind("presentation", {presentation.slaveName, fw::findDriver("ssi")});
    ASSERT_TRUE(fb.signal("presentation", station::feedbackFor(core::Outcome::Rejected)).ok());
    ASSERT_TRUE(fb.signal("presentation", station::feedbackFor(core::Outcome::Held)).ok());
    handheld.stop();
    presentation.stop();
    EXPECT_TRUE(handheld.log().empty());
    EXPECT_EQ(presentation.log(),
              (std::vector<std::string>{"beep-error", "led-red", "beep-error", "led-red"}));
}

TEST(ScannerFeedbackTest, UnsupportedCommandsAreReportedAndTheRestStillSent)
{
    SimPty honeywell(fw::SimProtocol::Honeywell);
    ScannerFeedback fb = patient();
    fb.bind("hw", {honeywell.slaveName, fw::findDriver("honeywell-serial")});
    auto r = fb.signal("hw", station::feedbackFor(core::Outcome::Accepted));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0].outcome, fw::Exchange::Outcome::Ack);          // SYN BEL CR
    EXPECT_EQ((*r)[1].outcome, fw::Exchange::Outcome::Unsupported);  // no LED command
    EXPECT_TRUE(honeywell.waitForLog(1));
    honeywell.stop();
    EXPECT_EQ(honeywell.log(), std::vector<std::string>{"beep-good"});
}

TEST(ScannerFeedbackTest, ASilentScannerCostsAtMostTheRetryBudget)
{
    fw::SimFaults f;
    f.silent = 10;
    SimPty dead(fw::SimProtocol::Ssi, f);
    ScannerFeedback fb;
    fb.bind("dead", {dead.slaveName, fw::findDriver("ssi")});
    const auto t0 = std::chrono::steady_clock::now();
    auto r = fb.signal("dead", station::feedbackFor(core::Outcome::Rejected));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0].outcome, fw::Exchange::Outcome::NoAnswer);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
}

TEST(ScannerFeedbackTest, UnboundOrMissingScannerIsAnError)
{
    ScannerFeedback fb;
    EXPECT_EQ(fb.signal("nobody", station::feedbackFor(core::Outcome::Accepted)).error().code,
              ErrorCode::NotFound);
    fb.bind("gone", {"/nonexistent/ttyACM3", fw::findDriver("ssi")});
    EXPECT_FALSE(fb.signal("gone", station::feedbackFor(core::Outcome::Accepted)).ok());
}

}  // namespace
}  // namespace returnscan::app
