// SPDX-License-Identifier: Apache-2.0
// UTC timestamps at one-second precision and their RFC 3339 text form.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "returnscan/core/result.h"

namespace returnscan::core {

/// A point in UTC time, exact to the second (the policy's "2 weeks" is judged to the second).
using Timestamp = std::chrono::sys_seconds;

/// Parses RFC 3339 date-time text with a mandatory offset (`Z`, `+hh:mm`, `-hh:mm`) and returns
/// it in UTC. Fractional seconds are accepted and truncated toward the earlier second. Years
/// outside 1970..9999, invalid calendar dates, a missing offset or trailing text are errors
/// (ErrorCode::Parse) whose message names the problem.
[[nodiscard]] Result<Timestamp> parseRfc3339(std::string_view text);

/// Formats as `YYYY-MM-DDTHH:MM:SSZ` (the central API's form).
[[nodiscard]] std::string formatRfc3339(Timestamp t);

}  // namespace returnscan::core
