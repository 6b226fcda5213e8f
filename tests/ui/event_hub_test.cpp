// SPDX-License-Identifier: Apache-2.0
// The SSE hub without sockets: frames, the per-client bound, closing, keep-alive timing.
#include <gtest/gtest.h>

#include <thread>

#include "event_hub.h"

namespace returnscan::ui::detail {
namespace {

using namespace std::chrono_literals;

TEST(EventHubTest, FramesAreOneEventEach)
{
    EXPECT_EQ(EventHub::frame("state", nlohmann::json{{"a", 1}}),
              "event: state\ndata: {\"a\":1}\n\n");
    // A newline inside a string is escaped by JSON, so it cannot end the frame.
    EXPECT_EQ(EventHub::frame("x", nlohmann::json{{"t", "a\nb"}}),
              "event: x\ndata: {\"t\":\"a\\nb\"}\n\n");
    // Invalid UTF-8 is replaced, not thrown on.
    EXPECT_NO_THROW((void)EventHub::frame("x", nlohmann::json{{"t", "\xff"}}));
}

TEST(EventHubTest, DeliversInOrder)
{
    EventHub hub(64);
    auto c = hub.connect("retry: 2000\n\n", -1, 4);
    ASSERT_TRUE(c);
    hub.publish("a", 1);
    hub.publish("b", 2);
    std::string out;
    EXPECT_EQ(hub.next(*c, out, 10s), NextFrames::Data);
    EXPECT_EQ(out, "retry: 2000\n\nevent: a\ndata: 1\n\nevent: b\ndata: 2\n\n");
}

TEST(EventHubTest, IgnoresEventNamesThatWouldBreakTheFrame)
{
    EventHub hub(64);
    auto c = hub.connect("", -1, 4);
    std::string out;
    ASSERT_EQ(hub.next(*c, out, 10s), NextFrames::Data);
    hub.publish("bad\nevent: x", 1);
    hub.publish("", 1);
    EXPECT_EQ(hub.next(*c, out, 50ms, 10ms), NextFrames::KeepAlive);
}

TEST(EventHubTest, DropsAClientThatFallsBehind)
{
    EventHub hub(64);
    auto slow = hub.connect("r", -1, 4);
    auto fast = hub.connect("r", -1, 4);
    std::string out;
    for (int i = 0; i < 63; ++i) {  // with the first frame: 64 queued
        hub.publish("e", i);
        if (i % 10 == 0) {
            (void)hub.next(*fast, out, 10s);
        }
    }
    EXPECT_EQ(hub.size(), 2u);
    hub.publish("e", 63);  // the 65th frame for the slow one
    EXPECT_EQ(hub.size(), 1u);
    EXPECT_EQ(hub.dropped(), 1u);
    EXPECT_EQ(hub.next(*slow, out, 10s), NextFrames::Closed);
    EXPECT_EQ(hub.next(*fast, out, 10s), NextFrames::Data);
    hub.disconnect(slow);
    hub.disconnect(slow);  // idempotent
}

TEST(EventHubTest, LimitsTheNumberOfClients)
{
    EventHub hub(64);
    auto a = hub.connect("", -1, 2);
    auto b = hub.connect("", -1, 2);
    EXPECT_TRUE(a && b);
    EXPECT_FALSE(hub.connect("", -1, 2));
    hub.disconnect(a);
    EXPECT_TRUE(hub.connect("", -1, 2));
}

TEST(EventHubTest, KeepAliveAfterTheInterval)
{
    EventHub hub(64);
    auto c = hub.connect("r", -1, 4);
    std::string out;
    ASSERT_EQ(hub.next(*c, out, 10s), NextFrames::Data);
    const auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(hub.next(*c, out, 100ms, 10ms), NextFrames::KeepAlive);
    EXPECT_EQ(out, ": keep-alive\n\n");
    EXPECT_GE(std::chrono::steady_clock::now() - t, 90ms);
}

TEST(EventHubTest, CloseAllWakesWaitersAndRefusesNewClients)
{
    EventHub hub(64);
    auto c = hub.connect("r", -1, 4);
    std::string out;
    ASSERT_EQ(hub.next(*c, out, 10s), NextFrames::Data);
    std::thread waiter([&] {
        std::string o;
        EXPECT_EQ(hub.next(*c, o, 60s), NextFrames::Closed);
    });
    std::this_thread::sleep_for(20ms);
    const auto t = std::chrono::steady_clock::now();
    hub.closeAll();
    waiter.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t, 1s);
    EXPECT_EQ(hub.size(), 0u);
    EXPECT_FALSE(hub.connect("", -1, 4));
    hub.publish("late", 1);
}

TEST(EventHubTest, WakesOnPublish)
{
    EventHub hub(64);
    auto c = hub.connect("r", -1, 4);
    std::string out;
    ASSERT_EQ(hub.next(*c, out, 10s), NextFrames::Data);
    std::thread publisher([&] {
        std::this_thread::sleep_for(20ms);
        hub.publish("e", 1);
    });
    const auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(hub.next(*c, out, 60s, 10s), NextFrames::Data);
    EXPECT_LT(std::chrono::steady_clock::now() - t, 1s);
    publisher.join();
}

}  // namespace
}  // namespace returnscan::ui::detail
