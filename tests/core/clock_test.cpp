// SPDX-License-Identifier: Apache-2.0
// Tests of the system and manual clocks.
#include "returnscan/core/clock.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

using std::chrono::seconds;

TEST(ClockTest, SystemClockIsWholeSecondsNearSystemTime)
{
    const SystemClock clock;
    const auto before = std::chrono::floor<seconds>(std::chrono::system_clock::now());
    const Timestamp now = clock.now();
    const auto after = std::chrono::floor<seconds>(std::chrono::system_clock::now());
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
}

TEST(ClockTest, SystemMonotonicNeverGoesBackwards)
{
    const SystemClock clock;
    auto last = clock.monotonic();
    for (int i = 0; i < 1000; ++i) {
        const auto next = clock.monotonic();
        EXPECT_LE(last, next);
        last = next;
    }
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold)
{
    ManualClock clock(Timestamp{seconds{1000}});
    const auto mono = clock.monotonic();
    EXPECT_EQ(clock.now(), Timestamp{seconds{1000}});
    clock.advance(seconds{5});
    EXPECT_EQ(clock.now(), Timestamp{seconds{1005}});
    EXPECT_EQ(clock.monotonic() - mono, seconds{5});
    clock.set(Timestamp{seconds{10}});
    EXPECT_EQ(clock.now(), Timestamp{seconds{10}});
    EXPECT_EQ(clock.monotonic() - mono, seconds{5});  // setting the wall clock is not time passing
}

}  // namespace
}  // namespace returnscan::core
