// SPDX-License-Identifier: Apache-2.0
#include "returnscan/station/sync_schedule.h"

#include <gtest/gtest.h>

namespace returnscan::station {
namespace {

using namespace std::chrono_literals;

const core::Timestamp kDay{std::chrono::sys_days{std::chrono::year{2026} / 12 / 7}};

SyncSchedule at(std::string_view hhmm)
{
    auto s = SyncSchedule::parse(hhmm);
    EXPECT_TRUE(s) << hhmm;
    return s.value();
}

TEST(SyncScheduleTest, ParsesHoursAndMinutesOnly)
{
    EXPECT_EQ(at("02:30").timeOfDay(), 150min);
    EXPECT_EQ(at("00:00").timeOfDay(), 0min);
    EXPECT_EQ(at("23:59").timeOfDay(), 23h + 59min);
    for (const auto* bad : {"24:00", "2:30", "02:60", "0230", "02:3x", "", "02:30 ", "-1:00"}) {
        auto s = SyncSchedule::parse(bad);
        EXPECT_FALSE(s) << bad;
        if (!s) {
            EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
        }
    }
}

TEST(SyncScheduleTest, DueOnceADayAtTheTime)
{
    auto s = at("02:00");
    EXPECT_FALSE(s.due(kDay + 1h + 59min));  // started before the time: waits
    EXPECT_TRUE(s.due(kDay + 2h));
    s.take(kDay + 2h);
    EXPECT_FALSE(s.due(kDay + 2h + 1s));
    EXPECT_FALSE(s.due(kDay + 23h + 59min));
    EXPECT_FALSE(s.due(kDay + 24h + 1h));
    EXPECT_TRUE(s.due(kDay + 24h + 2h));
    EXPECT_EQ(s.next(kDay + 2h), kDay + 24h + 2h);
}

TEST(SyncScheduleTest, AMissedDayRunsOnceAtTheNextCheck)
{
    auto s = at("02:00");
    s.take(kDay + 2h);
    // The station was off for two days; it comes back at 10:00.
    const auto back = kDay + 72h + 10h;
    EXPECT_TRUE(s.due(back));
    s.take(back);
    EXPECT_FALSE(s.due(back + 1min));
    EXPECT_TRUE(s.due(kDay + 96h + 2h));
}

TEST(SyncScheduleTest, AStartAfterTheTimeRunsAtOnce)
{
    auto s = at("02:00");
    EXPECT_TRUE(s.due(kDay + 9h));
}

TEST(SyncScheduleTest, ATimeJustBeforeMidnightAcrossTheDayBoundary)
{
    auto s = at("23:50");
    EXPECT_FALSE(s.due(kDay + 23h + 49min));
    EXPECT_TRUE(s.due(kDay + 23h + 50min));
    s.take(kDay + 23h + 55min);
    EXPECT_FALSE(s.due(kDay + 24h));  // after midnight: today's time is still ahead
    EXPECT_FALSE(s.due(kDay + 24h + 23h + 49min));
    EXPECT_TRUE(s.due(kDay + 24h + 23h + 50min));
    EXPECT_EQ(s.latestDue(kDay + 24h + 1h), kDay + 23h + 50min);
}

TEST(SyncScheduleTest, AStartBlockedByARunningSyncStartsLater)
{
    auto s = at("02:00");
    // At 02:00 a supervisor's run is still going: the kiosk checks due() each tick and takes
    // it when it can start.
    EXPECT_TRUE(s.due(kDay + 2h));
    EXPECT_TRUE(s.due(kDay + 2h + 5min));
    s.take(kDay + 2h + 5min);
    EXPECT_FALSE(s.due(kDay + 2h + 6min));
}

}  // namespace
}  // namespace returnscan::station
