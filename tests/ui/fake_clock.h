// SPDX-License-Identifier: Apache-2.0
// A settable clock that server threads may read while the test moves it (core::ManualClock is
// not thread-safe).
#pragma once

#include <chrono>
#include <mutex>

#include "returnscan/core/clock.h"

namespace returnscan::ui::testing {

class FakeClock final : public core::Clock {
public:
    explicit FakeClock(core::Timestamp start) : now_(start) {}

    [[nodiscard]] core::Timestamp now() const override
    {
        std::lock_guard lock(mutex_);
        return now_;
    }
    [[nodiscard]] std::chrono::steady_clock::time_point monotonic() const override
    {
        std::lock_guard lock(mutex_);
        return mono_;
    }
    void advance(std::chrono::seconds d)
    {
        std::lock_guard lock(mutex_);
        now_ += d;
        mono_ += d;
    }

private:
    mutable std::mutex mutex_;
    core::Timestamp now_;
    // Not zero: nothing in the server may assume the monotonic clock starts at its epoch.
    std::chrono::steady_clock::time_point mono_{std::chrono::hours(1000)};
};

}  // namespace returnscan::ui::testing
