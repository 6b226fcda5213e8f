// SPDX-License-Identifier: Apache-2.0
// RFC 3339 timestamps: a strict hand-written parser (no locale) and the API's `Z` format.
#include "returnscan/core/time.h"

#include <cstdint>

#include "returnscan/core/code_format.h"
#include "text.h"

namespace returnscan::core {

namespace {

// Reads exactly `count` digits at `pos`; false when any is missing or not a digit.
bool readDigits(std::string_view text, std::size_t pos, std::size_t count, int& out)
{
    if (pos + count > text.size()) {
        return false;
    }
    int v = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (!detail::isDigit(c)) {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

void appendDigits(std::string& out, long long value, int width)
{
    char buf[24];
    int len = 0;
    const bool negative = value < 0;
    unsigned long long v = negative ? 0ULL - static_cast<unsigned long long>(value)
                                    : static_cast<unsigned long long>(value);
    do {
        buf[len++] = static_cast<char>('0' + static_cast<int>(v % 10));
        v /= 10;
    } while (v != 0 && len < 20);
    while (len < width) {
        buf[len++] = '0';
    }
    if (negative) {
        out.push_back('-');
    }
    while (len > 0) {
        out.push_back(buf[--len]);
    }
}

}  // namespace

Result<Timestamp> parseRfc3339(std::string_view text)
{
    const auto fail = [&](std::string_view why) -> Error {
        std::string m = "timestamp '";
        m += displaySafe(text);
        m += "' ";
        m += why;
        return makeError(ErrorCode::Parse, std::move(m));
    };
    constexpr std::string_view kShape =
        "is not an RFC 3339 date-time (expected YYYY-MM-DDTHH:MM:SSZ)";

    int year = 0;
    int month = 0;
    int day = 0;
    if (!readDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
        !readDigits(text, 5, 2, month) || text[7] != '-' || !readDigits(text, 8, 2, day)) {
        return fail(kShape);
    }
    if (text.size() == 10) {
        return fail("has no time of day");
    }
    const char sep = text[10];
    if (sep != 'T' && sep != 't' && sep != ' ') {
        return fail(kShape);
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!readDigits(text, 11, 2, hour) || text.size() < 19 || text[13] != ':' ||
        !readDigits(text, 14, 2, minute) || text[16] != ':' || !readDigits(text, 17, 2, second)) {
        return fail(kShape);
    }
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < text.size() && detail::isDigit(text[pos])) {
            ++pos;
        }
        if (pos == start) {
            return fail("has a '.' without fractional digits");
        }
        // The fraction is dropped: written time + fraction, floored to the second, is the
        // written second itself (the offset below is whole minutes, so flooring commutes).
    }
    if (pos == text.size()) {
        return fail("has no UTC offset (expected Z, +hh:mm or -hh:mm)");
    }
    int offsetMinutes = 0;
    const char o = text[pos];
    if (o == 'Z' || o == 'z') {
        ++pos;
    } else if (o == '+' || o == '-') {
        int oh = 0;
        int om = 0;
        if (!readDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !readDigits(text, pos + 4, 2, om)) {
            return fail("has a malformed UTC offset (expected +hh:mm or -hh:mm)");
        }
        if (oh > 23 || om > 59) {
            return fail("has a UTC offset out of range");
        }
        offsetMinutes = (oh * 60 + om) * (o == '-' ? -1 : 1);
        pos += 6;
    } else {
        return fail("has no UTC offset (expected Z, +hh:mm or -hh:mm)");
    }
    if (pos != text.size()) {
        return fail("has trailing text after the UTC offset");
    }

    if (year < 1970 || year > 9999) {
        return fail("has a year outside 1970..9999");
    }
    const std::chrono::year_month_day ymd{std::chrono::year{year},
                                          std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) {
        return fail("is not a calendar date");
    }
    if (hour > 23 || minute > 59) {
        return fail("has a time of day out of range");
    }
    if (second == 60) {
        return fail("is a leap second, which the station does not accept");
    }
    if (second > 59) {
        return fail("has a time of day out of range");
    }
    const std::chrono::sys_days days{ymd};
    return Timestamp{days} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
           std::chrono::seconds{second} - std::chrono::minutes{offsetMinutes};
}

std::string formatRfc3339(Timestamp t)
{
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{t - days};
    std::string out;
    out.reserve(20);
    appendDigits(out, static_cast<int>(ymd.year()), 4);
    out.push_back('-');
    appendDigits(out, static_cast<unsigned>(ymd.month()), 2);
    out.push_back('-');
    appendDigits(out, static_cast<unsigned>(ymd.day()), 2);
    out.push_back('T');
    appendDigits(out, hms.hours().count(), 2);
    out.push_back(':');
    appendDigits(out, hms.minutes().count(), 2);
    out.push_back(':');
    appendDigits(out, hms.seconds().count(), 2);
    out.push_back('Z');
    return out;
}

}  // namespace returnscan::core
