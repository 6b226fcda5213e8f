// SPDX-License-Identifier: Apache-2.0
#include "returnscan/station/read_router.h"

#include <gtest/gtest.h>

#include <vector>

namespace returnscan::station {
namespace {

using namespace std::chrono_literals;

core::ScanEvent read(std::string device, std::string data, std::chrono::milliseconds at)
{
    core::ScanEvent e;
    e.device = std::move(device);
    e.data = std::move(data);
    e.monotonic = std::chrono::steady_clock::time_point(at);
    return e;
}

TEST(StationReadRouterTest, OneLabelSeenByTwoDevicesIsOneEvent)
{
    std::vector<std::string> passed;
    ReadRouter router(1500ms, [&](const core::ScanEvent& e) { passed.push_back(e.device); });
    EXPECT_TRUE(router.submit(read("handheld", "RC1", 1000ms)));
    EXPECT_FALSE(router.submit(read("camera", "RC1", 1200ms)));
    EXPECT_TRUE(router.submit(read("camera", "RC2", 1300ms)));
    EXPECT_TRUE(router.submit(read("handheld", "RC1", 4000ms)));  // after the window
    EXPECT_EQ(passed, (std::vector<std::string>{"handheld", "camera", "handheld"}));
    EXPECT_EQ(router.stats().admitted, 3u);
    EXPECT_EQ(router.stats().duplicates, 1u);
}

TEST(StationReadRouterTest, KeepsEachDevicesLastStateAndCountsFailures)
{
    ReadRouter router(1s, {});
    EXPECT_FALSE(router.deviceState("h1"));
    router.noteDeviceState("h1", core::DeviceState::Present);
    router.noteDeviceState("h1", core::DeviceState::Absent);
    router.noteFailure("h1");
    EXPECT_EQ(router.deviceState("h1"), core::DeviceState::Absent);
    EXPECT_EQ(router.stats().failures, 1u);
    EXPECT_EQ(core::toString(core::DeviceState::Refused), "refused");
}

}  // namespace
}  // namespace returnscan::station
