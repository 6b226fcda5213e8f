// SPDX-License-Identifier: Apache-2.0
// One parcel's session: phases, what is still missing, and the receipt it amounts to.
#include "returnscan/core/session.h"

#include <algorithm>
#include <array>
#include <utility>

namespace returnscan::core {

namespace {

constexpr std::array<std::string_view, 4> kConditionWords = {"ok", "damaged_minor", "damaged_major",
                                                             "damaged_severe"};
constexpr std::string_view kDamagedCondition = "damaged";

Error sessionError(std::string_view word, std::string_view detail)
{
    return makeError(ErrorCode::Conflict, ReasonWord{word}, std::string(detail));
}

bool isGradeFlag(std::string_view flag)
{
    return flag != kConditionWords[0] &&
           std::find(kConditionWords.begin(), kConditionWords.end(), flag) != kConditionWords.end();
}

/// GTIN-8/12/13/14 to the 14-digit form (left-padded with zeros); other text unchanged.
std::string gtin14(std::string_view gtin)
{
    if (gtin.size() >= 14 || gtin.empty()) {
        return std::string(gtin);
    }
    return std::string(14 - gtin.size(), '0') + std::string(gtin);
}

void addSorted(std::vector<std::string>& flags, std::string_view flag)
{
    auto it = std::lower_bound(flags.begin(), flags.end(), flag);
    if (it == flags.end() || *it != flag) {
        flags.insert(it, std::string(flag));
    }
}

}  // namespace

std::string_view toString(Phase p)
{
    switch (p) {
        case Phase::Idle:
            return "idle";
        case Phase::Decision:
            return "decision";
        case Phase::Inspection:
            return "inspection";
        case Phase::Photos:
            return "photos";
        case Phase::Complete:
            return "complete";
        case Phase::Abandoned:
            return "abandoned";
    }
    return "idle";
}

std::string_view toString(Condition c)
{
    return kConditionWords.at(static_cast<std::size_t>(c));
}

std::optional<Condition> parseCondition(std::string_view word)
{
    for (std::size_t i = 0; i < kConditionWords.size(); ++i) {
        if (kConditionWords[i] == word) {
            return static_cast<Condition>(i);
        }
    }
    return std::nullopt;
}

bool isOperatorFlag(std::string_view flag)
{
    return flag == kFlagWrongItem || flag == kFlagMissingItem || flag == kFlagMisuse ||
           flag == kFlagAltered;
}

ParcelSession::ParcelSession(std::string id, Timestamp at)
    : id_(std::move(id)), startedAt_(at), lastActivity_(at)
{
}

std::optional<Outcome> ParcelSession::effectiveOutcome() const
{
    if (override__) {
        return override__->outcome;
    }
    if (decision_) {
        return decision_->outcome;
    }
    return std::nullopt;
}

void ParcelSession::touch(Timestamp at)
{
    lastActivity_ = std::max(lastActivity_, at);
}

void ParcelSession::noteScan(const ScanRecord& scan)
{
    if (closed()) {
        return;
    }
    scans_.push_back(scan);
    touch(scan.at);
}

Status ParcelSession::noteOrderLabel(std::string order, Timestamp at)
{
    if (decision_ || closed()) {
        return sessionError("wrong_phase", "the parcel is already decided");
    }
    order_ = std::move(order);
    touch(at);
    return {};
}

Status ParcelSession::applyDecision(const Decision& d, std::vector<AuthLine> lines,
                                    std::vector<std::string> stationFlags, Timestamp at)
{
    if (decision_ || closed()) {
        return sessionError("wrong_phase", "the parcel is already decided");
    }
    decision_ = d;
    decidedAt_ = at;
    lines_.clear();
    for (auto& line : lines) {
        lines_.push_back(LineProgress{std::move(line), 0});
    }
    flags_.clear();
    for (const auto& f : stationFlags) {
        addSorted(flags_, f);
    }
    phase_ = Phase::Decision;
    touch(at);
    return {};
}

// Where an open, decided parcel stands after an operator action.
void ParcelSession::settlePhase(const PhotoRules* rules)
{
    if (!decision_ || closed()) {
        return;
    }
    if (effectiveOutcome() == Outcome::Accepted) {
        phase_ = condition_ ? Phase::Photos : Phase::Inspection;
        return;
    }
    phase_ = Phase::Photos;
    if (rules != nullptr && missing(*rules).empty() && !photos_.empty()) {
        phase_ = Phase::Complete;
        closedAt_ = photos_.back().takenAt;
    }
}

Status ParcelSession::setCondition(Condition c, Timestamp at)
{
    if (!decision_ || closed() || effectiveOutcome() != Outcome::Accepted) {
        return sessionError("wrong_phase", "only an accepted, open parcel is graded");
    }
    condition_ = c;
    touch(at);
    settlePhase(nullptr);
    return {};
}

Status ParcelSession::setFlag(std::string_view flag, bool on, Timestamp at)
{
    if (!isOperatorFlag(flag)) {
        return sessionError("bad_flag", "not an inspection flag");
    }
    if (!decision_ || closed() || effectiveOutcome() != Outcome::Accepted) {
        return sessionError("wrong_phase", "only an accepted, open parcel is flagged");
    }
    if (on) {
        addSorted(flags_, flag);
    } else {
        std::erase(flags_, flag);
    }
    touch(at);
    if (phase_ == Phase::Decision) {
        settlePhase(nullptr);
    }
    return {};
}

Result<ItemMatch> ParcelSession::noteItem(std::string_view gtin, Timestamp at)
{
    if (!decision_ || closed() || effectiveOutcome() != Outcome::Accepted) {
        return sessionError("wrong_phase", "items are scanned while inspecting an accepted parcel");
    }
    touch(at);
    if (phase_ == Phase::Decision) {
        settlePhase(nullptr);
    }
    const std::string wanted = gtin14(gtin);
    LineProgress* full = nullptr;
    for (auto& lp : lines_) {
        if (gtin14(lp.line.gtin) != wanted) {
            continue;
        }
        if (lp.scanned < lp.line.qty) {
            ++lp.scanned;
            return ItemMatch::Matched;
        }
        full = full != nullptr ? full : &lp;
    }
    if (full != nullptr) {
        ++full->scanned;
        return ItemMatch::Surplus;
    }
    return ItemMatch::NotExpected;
}

Status ParcelSession::addPhoto(const SessionPhoto& photo, const PhotoRules& rules)
{
    if (!decision_ || closed()) {
        return sessionError("wrong_phase", "photos are taken after the decision, before closing");
    }
    photos_.push_back(photo);
    touch(photo.takenAt);
    settlePhase(&rules);
    return {};
}

Status checkOverride(Outcome decided, const std::optional<Override>& existing, const Override& o)
{
    if (decided == Outcome::Accepted) {
        return sessionError("not_overridable", "only a rejected or held decision is overridden");
    }
    if (existing) {
        return sessionError("not_overridable", "the decision is already overridden");
    }
    if (o.outcome == Outcome::Held || o.outcome == decided) {
        return sessionError("not_overridable", "the override must change the outcome");
    }
    if (o.by.empty() || o.reason.empty()) {
        return sessionError("not_overridable", "an override needs the supervisor and a reason");
    }
    return {};
}

Status overrideReceipt(Receipt& r, const Override& o)
{
    if (auto st = checkOverride(r.decision, r.override_, o); !st) {
        return st;
    }
    r.override_ = o;
    return {};
}

Status ParcelSession::applyOverride(const Override& o)
{
    if (closed()) {
        return sessionError("wrong_phase", "the parcel is closed");
    }
    if (!decision_) {
        return sessionError("not_overridable", "only a rejected or held decision is overridden");
    }
    if (auto st = checkOverride(decision_->outcome, override__, o); !st) {
        return st;
    }
    override__ = o;
    touch(o.at);
    settlePhase(nullptr);
    return {};
}

std::vector<Missing> ParcelSession::missing(const PhotoRules& rules) const
{
    std::vector<Missing> out;
    if (!decision_ || closed()) {
        return out;
    }
    const bool accepted = effectiveOutcome() == Outcome::Accepted;
    if (accepted && !condition_) {
        out.push_back(Missing{"condition", "", 0});
    }
    if (!rules.camerasAvailable) {
        return out;
    }
    // Roles in the order they are asked for; a role may be required more than once.
    std::vector<std::pair<std::string, int>> needed;
    auto need = [&](std::string_view role, int count) {
        if (count <= 0) {
            return;
        }
        for (auto& [r, n] : needed) {
            if (r == role) {
                n = std::max(n, count);
                return;
            }
        }
        needed.emplace_back(std::string(role), count);
    };
    for (const auto& role : accepted ? rules.accepted : rules.refusal) {
        need(role, 1);
    }
    if (accepted) {
        int damage = 0;
        if (condition_ == Condition::DamagedMinor) {
            damage = rules.damagedMinor;
        } else if (condition_ == Condition::DamagedMajor) {
            damage = rules.damagedMajor;
        } else if (condition_ == Condition::DamagedSevere) {
            damage = rules.damagedSevere;
        }
        const bool misuse = std::binary_search(flags_.begin(), flags_.end(), kFlagMisuse) ||
                            std::binary_search(flags_.begin(), flags_.end(), kFlagAltered);
        if (misuse) {
            damage = std::max(damage, rules.misuse);
        }
        need("damage", damage);
    }
    for (const auto& [role, count] : needed) {
        const auto have = std::count_if(photos_.begin(), photos_.end(),
                                        [&](const SessionPhoto& p) { return p.role == role; });
        if (have < count) {
            out.push_back(Missing{"photo", role, count - static_cast<int>(have)});
        }
    }
    if (accepted && rules.labelMustBeVisible &&
        std::none_of(photos_.begin(), photos_.end(),
                     [](const SessionPhoto& p) { return p.orderLabelVisible; })) {
        out.push_back(Missing{"label_visible", "", 0});
    }
    return out;
}

Status ParcelSession::complete(Timestamp at, const PhotoRules& rules)
{
    if (!decision_ || closed()) {
        return sessionError("wrong_phase", "no open, decided parcel to complete");
    }
    auto still = missing(rules);
    if (!still.empty()) {
        std::string list;
        for (const auto& m : still) {
            list += list.empty() ? "" : ", ";
            list += m.what;
            if (!m.role.empty()) {
                list += ":" + m.role + " x" + std::to_string(m.count);
            }
        }
        return sessionError("incomplete", list);
    }
    phase_ = Phase::Complete;
    closedAt_ = at;
    touch(at);
    return {};
}

bool ParcelSession::abandonDue(Timestamp now, std::chrono::seconds timeout) const
{
    return !closed() && now >= abandonAt(timeout);
}

Timestamp ParcelSession::abandonAt(std::chrono::seconds timeout) const
{
    return lastActivity_ + timeout;
}

void ParcelSession::abandon(Timestamp at)
{
    if (closed()) {
        return;
    }
    addSorted(flags_, kFlagAbandoned);
    phase_ = Phase::Abandoned;
    closedAt_ = at;
}

Receipt ParcelSession::toReceipt(std::string_view station, std::string_view operatorId) const
{
    Receipt r;
    r.id = id_;
    r.station = std::string(station);
    r.operatorId = std::string(operatorId);
    r.startedAt = startedAt_;
    r.flags = flags_;
    if (decision_) {
        if (decision_->reason != Reason::NoCode && decision_->reason != Reason::MalformedCode) {
            r.code = decision_->code;
        }
        r.order = decision_->order ? decision_->order : order_;
        r.decision = decision_->outcome;
        r.reason = decision_->reason;
        r.decidedAt = decidedAt_.value_or(startedAt_);
    } else {
        r.order = order_;
    }
    if (condition_) {
        if (*condition_ == Condition::Ok) {
            r.condition = std::string(toString(Condition::Ok));
        } else {
            r.condition = std::string(kDamagedCondition);
            addSorted(r.flags, toString(*condition_));
        }
    }
    r.completedAt = closedAt_;
    r.override_ = override__;
    r.scans = scans_;
    return r;
}

ParcelSession ParcelSession::resume(const Receipt& r, std::vector<AuthLine> lines,
                                    std::vector<SessionPhoto> photos, const PhotoRules& rules)
{
    ParcelSession s(r.id, r.startedAt);
    Decision d;
    d.outcome = r.decision;
    d.reason = r.reason;
    d.code = r.code.value_or("");
    d.order = r.order;
    s.decision_ = d;
    s.decidedAt_ = r.decidedAt;
    s.touch(r.decidedAt);
    for (auto& line : lines) {
        s.lines_.push_back(LineProgress{std::move(line), 0});
    }
    for (const auto& f : r.flags) {
        if (isGradeFlag(f)) {
            s.condition_ = parseCondition(f);
        } else {
            addSorted(s.flags_, f);
        }
    }
    if (!s.condition_ && r.condition) {
        s.condition_ = parseCondition(*r.condition);
    }
    s.override__ = r.override_;
    if (r.override_) {
        s.touch(r.override_->at);
    }
    s.scans_ = r.scans;
    for (const auto& scan : r.scans) {
        s.touch(scan.at);
    }
    s.photos_ = std::move(photos);
    for (const auto& p : s.photos_) {
        s.touch(p.takenAt);
    }
    if (r.completedAt) {
        s.closedAt_ = r.completedAt;
        s.phase_ = std::binary_search(s.flags_.begin(), s.flags_.end(), kFlagAbandoned)
                       ? Phase::Abandoned
                       : Phase::Complete;
        return s;
    }
    const bool untouched = !s.condition_ && !s.override__ && s.photos_.empty() &&
                           std::none_of(s.flags_.begin(), s.flags_.end(),
                                        [](const std::string& f) { return isOperatorFlag(f); });
    s.phase_ = Phase::Decision;
    if (!untouched) {
        s.settlePhase(&rules);
    }
    return s;
}

}  // namespace returnscan::core
