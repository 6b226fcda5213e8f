// SPDX-License-Identifier: Apache-2.0
// Supervisor login: PIN checks with the lockout, and the sessions behind the rs_session cookie.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/ui/server.h"

namespace returnscan::ui::detail {

/// A live supervisor session.
struct SessionView {
    std::string id;  ///< the cookie value (64 hex digits)
    std::string supervisor;
    std::string csrf;  ///< the token POSTs must echo in X-CSRF-Token
};

/// Logins are refused until this time.
struct Lockout {
    std::chrono::seconds retryAfter;  ///< whole seconds, at least 1
    core::Timestamp until;            ///< wall-clock time of the end (for the page)
};

struct WrongPin {
    int triesLeft;  ///< before the lockout
};

struct LoginFailed {};  ///< the random generator failed: answer 500

using LoginOutcome = std::variant<SessionView, WrongPin, Lockout, LoginFailed>;

/// PIN checks and sessions. Thread-safe: logins are serialised (a PIN check is slow on
/// purpose and parallel guesses must not slip past the counter); lookups only take a short
/// lock and do not wait for a login in progress.
class SupervisorAuth {
public:
    /// `clock` is borrowed and must outlive this object. Intervals use its monotonic time.
    SupervisorAuth(std::vector<SupervisorPin> supervisors, int maxTries,
                   std::chrono::seconds lockout, std::chrono::seconds idle,
                   const core::Clock& clock);

    /// Checks `pin` against every supervisor's hash (all of them, always). On success the
    /// wrong-PIN count is reset and a new session is made; `replaces` (the caller's current
    /// session id, if any) ends.
    [[nodiscard]] LoginOutcome login(std::string_view pin, std::string_view replaces = {});

    /// The live session whose id is one of `ids` (cookie values), compared in constant time.
    /// `touch` restarts its idle time. Expired sessions are removed.
    [[nodiscard]] std::optional<SessionView> find(const std::vector<std::string_view>& ids,
                                                  bool touch);

    /// Ends the session `id` (no-op when unknown).
    void logout(std::string_view id);

    /// The running lockout, if any.
    [[nodiscard]] std::optional<Lockout> lockout();

    /// Number of live sessions (for tests).
    [[nodiscard]] std::size_t sessionCount();

    /// At most this many sessions live at once; a new one evicts the longest idle.
    static constexpr std::size_t kMaxSessions = 16;

private:
    struct Session {
        std::string id;
        std::string csrf;
        std::string supervisor;
        std::chrono::steady_clock::time_point lastUsed;
    };

    // Callers hold mutex_.
    void expireLocked(std::chrono::steady_clock::time_point now);
    [[nodiscard]] std::optional<Lockout> lockoutLocked(std::chrono::steady_clock::time_point now);

    const std::vector<SupervisorPin> supervisors_;
    const int maxTries_;
    const std::chrono::seconds lockoutFor_;
    const std::chrono::seconds idle_;
    const core::Clock& clock_;

    std::mutex loginMutex_;  // held for a whole login, PBKDF2 included
    std::mutex mutex_;       // guards everything below
    int wrongInARow_ = 0;
    std::optional<std::chrono::steady_clock::time_point> lockedUntil_;
    std::vector<Session> sessions_;
};

}  // namespace returnscan::ui::detail
