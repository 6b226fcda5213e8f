// SPDX-License-Identifier: Apache-2.0
// The Clock port: wall-clock time for timestamps and validity, monotonic time for intervals.
#pragma once

#include <chrono>

#include "returnscan/core/time.h"

namespace returnscan::core {

/// Source of time, injected everywhere so tests can control it. Implementations must be
/// thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    /// Current UTC wall-clock time, truncated to the second.
    [[nodiscard]] virtual Timestamp now() const = 0;
    /// Monotonic time for timeouts and intervals; never goes backwards.
    [[nodiscard]] virtual std::chrono::steady_clock::time_point monotonic() const = 0;
};

/// The real clocks of the machine.
class SystemClock final : public Clock {
public:
    [[nodiscard]] Timestamp now() const override;
    [[nodiscard]] std::chrono::steady_clock::time_point monotonic() const override;
};

/// A clock that only moves when told to; for tests and for `check --at`.
/// Not thread-safe: set it up before sharing.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start) : now_(start) {}
    [[nodiscard]] Timestamp now() const override { return now_; }
    [[nodiscard]] std::chrono::steady_clock::time_point monotonic() const override { return mono_; }
    void set(Timestamp t) { now_ = t; }
    void advance(std::chrono::seconds d)
    {
        now_ += d;
        mono_ += d;
    }

private:
    Timestamp now_;
    std::chrono::steady_clock::time_point mono_{};
};

}  // namespace returnscan::core
