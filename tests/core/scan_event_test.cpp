// SPDX-License-Identifier: Apache-2.0
// ReadDeduplicator: repeated reads within the window are one event.
#include "returnscan/core/scan_event.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

using namespace std::chrono_literals;

ScanEvent event(const std::string& device, const std::string& data, std::chrono::milliseconds at)
{
    ScanEvent e;
    e.device = device;
    e.data = data;
    e.monotonic = std::chrono::steady_clock::time_point(at);
    return e;
}

TEST(ReadDeduplicatorTest, SameDataSameDeviceWithinWindowIsOneEvent)
{
    ReadDeduplicator d(500ms, false);
    EXPECT_TRUE(d.admit(event("handheld", "RC1", 1000ms)));
    EXPECT_FALSE(d.admit(event("handheld", "RC1", 1300ms)));
    EXPECT_FALSE(d.admit(event("handheld", "RC1", 1500ms)));  // the window is inclusive
    EXPECT_TRUE(d.admit(event("handheld", "RC1", 2001ms)));
    EXPECT_TRUE(d.admit(event("handheld", "RC2", 2002ms)));
}

TEST(ReadDeduplicatorTest, OtherDeviceCountsOnlyAcrossDevices)
{
    ReadDeduplicator perDevice(500ms, false);
    EXPECT_TRUE(perDevice.admit(event("handheld", "RC1", 1000ms)));
    EXPECT_TRUE(perDevice.admit(event("camera", "RC1", 1100ms)));

    ReadDeduplicator across(500ms, true);
    EXPECT_TRUE(across.admit(event("handheld", "RC1", 1000ms)));
    EXPECT_FALSE(across.admit(event("camera", "RC1", 1100ms)));
}

TEST(ReadDeduplicatorTest, MemoryStaysBoundedUnderAFloodOfDistinctReads)
{
    ReadDeduplicator d(10s, true);
    for (int i = 0; i < 10000; ++i) {
        EXPECT_TRUE(d.admit(event("h", std::to_string(i), std::chrono::milliseconds(i))));
    }
    // The newest reads are still remembered.
    EXPECT_FALSE(d.admit(event("h", "9999", 10000ms)));
}

TEST(TransportTest, NamesAreStable)
{
    EXPECT_EQ(toString(Transport::Serial), "serial");
    EXPECT_EQ(toString(Transport::Hidraw), "hidraw");
    EXPECT_EQ(toString(Transport::Evdev), "evdev");
    EXPECT_EQ(toString(Transport::Camera), "camera");
}

}  // namespace
}  // namespace returnscan::core
