// SPDX-License-Identifier: Apache-2.0
// SystemClock: the machine's wall clock (to the second) and its monotonic clock.
#include "returnscan/core/clock.h"

namespace returnscan::core {

Timestamp SystemClock::now() const
{
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point SystemClock::monotonic() const
{
    return std::chrono::steady_clock::now();
}

}  // namespace returnscan::core
