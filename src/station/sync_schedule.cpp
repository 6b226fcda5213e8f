// SPDX-License-Identifier: Apache-2.0
#include "returnscan/station/sync_schedule.h"

#include <string>

namespace returnscan::station {

namespace {

std::optional<int> twoDigits(std::string_view s)
{
    if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
        return std::nullopt;
    }
    return (s[0] - '0') * 10 + (s[1] - '0');
}

}  // namespace

Result<SyncSchedule> SyncSchedule::parse(std::string_view hhmm)
{
    const auto bad = [&] {
        return makeError(ErrorCode::InvalidArgument,
                         "a time of day must be HH:MM, 00:00 to 23:59 (UTC), not \"" +
                             std::string(hhmm.substr(0, 16)) + "\"");
    };
    if (hhmm.size() != 5 || hhmm[2] != ':') {
        return bad();
    }
    const auto h = twoDigits(hhmm.substr(0, 2));
    const auto m = twoDigits(hhmm.substr(3, 2));
    if (!h || !m || *h > 23 || *m > 59) {
        return bad();
    }
    return SyncSchedule(std::chrono::hours(*h) + std::chrono::minutes(*m));
}

core::Timestamp SyncSchedule::latestDue(core::Timestamp now) const
{
    const auto today = std::chrono::floor<std::chrono::days>(now) + timeOfDay_;
    return now >= today ? today : today - std::chrono::days(1);
}

bool SyncSchedule::due(core::Timestamp now) const
{
    const auto today = std::chrono::floor<std::chrono::days>(now) + timeOfDay_;
    return now >= today && (!taken_ || *taken_ < today);
}

void SyncSchedule::take(core::Timestamp now)
{
    taken_ = latestDue(now);
}

core::Timestamp SyncSchedule::next(core::Timestamp now) const
{
    return latestDue(now) + std::chrono::days(1);
}

}  // namespace returnscan::station
