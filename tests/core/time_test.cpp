// SPDX-License-Identifier: Apache-2.0
// Tests of RFC 3339 parsing and formatting.
#include "returnscan/core/time.h"

#include <gtest/gtest.h>

#include <string>

namespace returnscan::core {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Timestamp utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0)
{
    return Timestamp{std::chrono::sys_days{std::chrono::year{y} / m / d}} + hours{hh} +
           minutes{mm} + seconds{ss};
}

TEST(TimeTest, ParsesUtcWithZ)
{
    auto t = parseRfc3339("2026-11-20T10:15:00Z");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(*t, utc(2026, 11, 20, 10, 15, 0));
}

TEST(TimeTest, ParsesEpoch)
{
    auto t = parseRfc3339("1970-01-01T00:00:00Z");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->time_since_epoch().count(), 0);
}

TEST(TimeTest, OffsetsConvertToTheSameInstant)
{
    const auto z = parseRfc3339("2026-11-20T10:15:00Z");
    const auto plus = parseRfc3339("2026-11-20T12:15:00+02:00");
    const auto minus = parseRfc3339("2026-11-20T04:45:00-05:30");
    const auto zeroOffset = parseRfc3339("2026-11-20T10:15:00+00:00");
    ASSERT_TRUE(z.ok() && plus.ok() && minus.ok() && zeroOffset.ok());
    EXPECT_EQ(*plus, *z);
    EXPECT_EQ(*minus, *z);
    EXPECT_EQ(*zeroOffset, *z);
}

TEST(TimeTest, OffsetCrossesMidnightAndYear)
{
    auto t = parseRfc3339("2027-01-01T01:00:00+02:00");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, utc(2026, 12, 31, 23, 0, 0));
    auto u = parseRfc3339("2026-12-31T22:00:00-05:30");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(*u, utc(2027, 1, 1, 3, 30, 0));
}

TEST(TimeTest, AcceptsLowerCaseSeparatorsAndSpace)
{
    const auto expected = utc(2026, 11, 20, 10, 15, 0);
    for (const char* s : {"2026-11-20t10:15:00z", "2026-11-20 10:15:00Z", "2026-11-20T10:15:00z"}) {
        auto t = parseRfc3339(s);
        ASSERT_TRUE(t.ok()) << s;
        EXPECT_EQ(*t, expected) << s;
    }
}

TEST(TimeTest, TruncatesFractionalSecondsTowardEarlierSecond)
{
    auto t = parseRfc3339("2026-11-20T10:15:00.999999Z");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, utc(2026, 11, 20, 10, 15, 0));
    auto withOffset = parseRfc3339("2026-11-20T10:15:59.5-05:30");
    ASSERT_TRUE(withOffset.ok());
    EXPECT_EQ(*withOffset, utc(2026, 11, 20, 15, 45, 59));
    auto epochFraction = parseRfc3339("1970-01-01T00:00:00.9Z");
    ASSERT_TRUE(epochFraction.ok());
    EXPECT_EQ(epochFraction->time_since_epoch().count(), 0);
}

TEST(TimeTest, AcceptsLeapDayInLeapYears)
{
    auto t = parseRfc3339("2028-02-29T12:00:00Z");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t + days{1}, utc(2028, 3, 1, 12, 0, 0));
    EXPECT_TRUE(parseRfc3339("2000-02-29T00:00:00Z").ok());  // divisible by 400
}

TEST(TimeTest, RejectsLeapDayInCommonYears)
{
    EXPECT_FALSE(parseRfc3339("2026-02-29T00:00:00Z").ok());
    EXPECT_FALSE(parseRfc3339("2100-02-29T00:00:00Z").ok());  // divisible by 100, not 400
}

TEST(TimeTest, RejectsImpossibleDatesAndTimes)
{
    for (const char* s : {"2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
                          "2026-01-01T23:60:00Z", "2026-01-01T23:59:61Z",
                          "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60"}) {
        auto t = parseRfc3339(s);
        EXPECT_FALSE(t.ok()) << s;
        if (!t.ok()) {
            EXPECT_EQ(t.error().code, ErrorCode::Parse);
        }
    }
}

TEST(TimeTest, RejectsLeapSecond)
{
    auto t = parseRfc3339("2016-12-31T23:59:60Z");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("leap second"), std::string::npos);
}

TEST(TimeTest, RejectsYearsOutOfRange)
{
    auto before = parseRfc3339("1969-12-31T23:59:59Z");
    ASSERT_FALSE(before.ok());
    EXPECT_NE(before.error().message.find("1970..9999"), std::string::npos);
    EXPECT_FALSE(parseRfc3339("0000-01-01T00:00:00Z").ok());
    EXPECT_TRUE(parseRfc3339("9999-12-31T23:59:59Z").ok());
    EXPECT_FALSE(parseRfc3339("10000-01-01T00:00:00Z").ok());
}

TEST(TimeTest, RejectsMissingOffsetWithClearMessage)
{
    auto t = parseRfc3339("2026-11-20T10:15:00");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, ErrorCode::Parse);
    EXPECT_EQ(t.error().message,
              "timestamp '2026-11-20T10:15:00' has no UTC offset (expected Z, "
              "+hh:mm or -hh:mm)");
    EXPECT_FALSE(parseRfc3339("2026-11-20T10:15:00.123").ok());
}

TEST(TimeTest, RejectsGarbage)
{
    for (const char* s :
         {"", "garbage", "2026-11-20", "2026-11-20T10:15Z", "2026/11/20T10:15:00Z",
          "2026-11-20X10:15:00Z", "2026-11-20T10:15:00ZZ", "2026-11-20T10:15:00Z ",
          " 2026-11-20T10:15:00Z", "2026-11-20T10:15:00+0200", "2026-11-20T10:15:00+02",
          "2026-11-20T10:15:00.Z", "2026-1-20T10:15:00Z", "+2026-11-20T10:15:00Z",
          "2026-11-20T10:15:00 UTC", "2026-11-20T1a:15:00Z"}) {
        EXPECT_FALSE(parseRfc3339(s).ok()) << "'" << s << "'";
    }
}

TEST(TimeTest, ErrorMessageShowsUntrustedTextSafely)
{
    auto t = parseRfc3339(std::string("2026-11-20T10:15:00\x01", 20));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("\\x01"), std::string::npos);
}

TEST(TimeTest, FormatsAsApiForm)
{
    EXPECT_EQ(formatRfc3339(utc(2026, 11, 26, 9, 30, 0)), "2026-11-26T09:30:00Z");
    EXPECT_EQ(formatRfc3339(Timestamp{}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(formatRfc3339(utc(2028, 2, 29, 23, 59, 59)), "2028-02-29T23:59:59Z");
}

TEST(TimeTest, FormatThenParseRoundTrips)
{
    // A spread of instants over the supported range, including month and year ends.
    for (std::int64_t s = 0; s < 253402300799LL; s += 86400LL * 37 + 3607) {
        const Timestamp t{seconds{s}};
        auto back = parseRfc3339(formatRfc3339(t));
        ASSERT_TRUE(back.ok()) << formatRfc3339(t);
        EXPECT_EQ(*back, t);
    }
}

}  // namespace
}  // namespace returnscan::core
