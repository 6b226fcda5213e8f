// SPDX-License-Identifier: Apache-2.0
// When the kiosk starts its nightly sync: once a day at a fixed UTC time of day. UTC has no
// daylight-saving shifts, so a day is always 24 hours and the time never repeats or vanishes.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::station {

class SyncSchedule {
public:
    /// "HH:MM" (00:00 to 23:59, UTC). Errors: InvalidArgument.
    [[nodiscard]] static Result<SyncSchedule> parse(std::string_view hhmm);

    /// The time of day, from midnight UTC.
    [[nodiscard]] std::chrono::minutes timeOfDay() const { return timeOfDay_; }

    /// The latest scheduled time at or before `now`.
    [[nodiscard]] core::Timestamp latestDue(core::Timestamp now) const;

    /// Whether a run is due at `now`: today's time has passed and no run was taken for it.
    /// Taking it (`take`) marks today's run done. A kiosk started after today's time runs at
    /// once (the night's run was missed while it was off); one started before waits for the
    /// time. A run that could not start when due (another still running) starts at the next
    /// check; missed days are made up once, not once each.
    [[nodiscard]] bool due(core::Timestamp now) const;
    void take(core::Timestamp now);

    /// The next scheduled time after `now` (for the page and logs).
    [[nodiscard]] core::Timestamp next(core::Timestamp now) const;

private:
    explicit SyncSchedule(std::chrono::minutes t) : timeOfDay_(t) {}

    std::chrono::minutes timeOfDay_;
    std::optional<core::Timestamp> taken_;
};

}  // namespace returnscan::station
