// SPDX-License-Identifier: Apache-2.0
// Supervisor login with lockout, and the session table behind the rs_session cookie.
#include "supervisors.h"

#include <algorithm>
#include <utility>

#include "crypto.h"

namespace returnscan::ui::detail {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 256-bit session ids and CSRF tokens

}  // namespace

SupervisorAuth::SupervisorAuth(std::vector<SupervisorPin> supervisors, int maxTries,
                               std::chrono::seconds lockout, std::chrono::seconds idle,
                               const core::Clock& clock)
    : supervisors_(std::move(supervisors)),
      maxTries_(maxTries),
      lockoutFor_(lockout),
      idle_(idle),
      clock_(clock)
{
}

std::optional<Lockout> SupervisorAuth::lockoutLocked(std::chrono::steady_clock::time_point now)
{
    if (!lockedUntil_) {
        return std::nullopt;
    }
    if (now >= *lockedUntil_) {
        // The lockout is over: a fresh series of tries.
        lockedUntil_.reset();
        wrongInARow_ = 0;
        return std::nullopt;
    }
    const auto left = *lockedUntil_ - now;
    auto seconds = std::chrono::ceil<std::chrono::seconds>(left);
    seconds = std::max(seconds, std::chrono::seconds(1));
    return Lockout{seconds, clock_.now() + seconds};
}

void SupervisorAuth::expireLocked(std::chrono::steady_clock::time_point now)
{
    std::erase_if(sessions_, [&](const Session& s) { return now - s.lastUsed >= idle_; });
}

LoginOutcome SupervisorAuth::login(std::string_view pin, std::string_view replaces)
{
    std::lock_guard serial(loginMutex_);
    {
        std::lock_guard lock(mutex_);
        if (auto l = lockoutLocked(clock_.monotonic())) {
            return *l;
        }
    }
    // Every hash is checked, whatever matched first: the time taken does not tell which
    // supervisor (or whether any) has the PIN.
    const SupervisorPin* match = nullptr;
    for (const auto& s : supervisors_) {
        if (verifyPin(pin, s.pinHash) && match == nullptr) {
            match = &s;
        }
    }
    std::lock_guard lock(mutex_);
    const auto now = clock_.monotonic();
    if (match == nullptr) {
        ++wrongInARow_;
        if (wrongInARow_ >= maxTries_) {
            lockedUntil_ = now + lockoutFor_;
            return *lockoutLocked(now);
        }
        return WrongPin{maxTries_ - wrongInARow_};
    }
    wrongInARow_ = 0;
    auto id = randomHex(kTokenBytes);
    auto csrf = randomHex(kTokenBytes);
    if (!id || !csrf) {
        return LoginFailed{};
    }
    expireLocked(now);
    if (!replaces.empty()) {
        std::erase_if(sessions_,
                      [&](const Session& s) { return equalConstantTime(s.id, replaces); });
    }
    if (sessions_.size() >= kMaxSessions) {
        sessions_.erase(std::min_element(
            sessions_.begin(), sessions_.end(),
            [](const Session& a, const Session& b) { return a.lastUsed < b.lastUsed; }));
    }
    sessions_.push_back(Session{*id, *csrf, match->id, now});
    return SessionView{std::move(*id), match->id, std::move(*csrf)};
}

std::optional<SessionView> SupervisorAuth::find(const std::vector<std::string_view>& ids,
                                                bool touch)
{
    if (ids.empty()) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    const auto now = clock_.monotonic();
    expireLocked(now);
    for (const auto id : ids) {
        // Compare with every session so the time does not depend on which one matched.
        Session* found = nullptr;
        for (auto& s : sessions_) {
            if (equalConstantTime(s.id, id) && found == nullptr) {
                found = &s;
            }
        }
        if (found != nullptr) {
            if (touch) {
                found->lastUsed = now;
            }
            return SessionView{found->id, found->supervisor, found->csrf};
        }
    }
    return std::nullopt;
}

void SupervisorAuth::logout(std::string_view id)
{
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [&](const Session& s) { return equalConstantTime(s.id, id); });
}

std::optional<Lockout> SupervisorAuth::lockout()
{
    std::lock_guard lock(mutex_);
    return lockoutLocked(clock_.monotonic());
}

std::size_t SupervisorAuth::sessionCount()
{
    std::lock_guard lock(mutex_);
    expireLocked(clock_.monotonic());
    return sessions_.size();
}

}  // namespace returnscan::ui::detail
