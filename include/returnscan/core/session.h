// SPDX-License-Identifier: Apache-2.0
// One parcel's session at the bench (BRIEF.md, "The parcel workflow"): pure state and rules,
// no I/O. The kiosk feeds it facts (a decision committed, a photo saved, a grade chosen) and
// persists what it says; the session decides what is allowed next and what is still missing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/decision.h"
#include "returnscan/core/receipt.h"
#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

/// Where a parcel is. Words (toString) are part of the UI API.
enum class Phase {
    Idle,        ///< open, no code yet (an order label was scanned)
    Decision,    ///< decided; nothing done since
    Inspection,  ///< accepted: grading, flags, item scans
    Photos,      ///< all but photos done (or rejected/held: the refusal photo)
    Complete,    ///< closed by the operator (or automatically after the refusal photo)
    Abandoned,   ///< closed after the timeout or by the operator's "abandon"
};
[[nodiscard]] std::string_view toString(Phase p);

/// Condition grades (policy: compensation by severity). Words: ok, damaged_minor, ...
enum class Condition { Ok, DamagedMinor, DamagedMajor, DamagedSevere };
[[nodiscard]] std::string_view toString(Condition c);
[[nodiscard]] std::optional<Condition> parseCondition(std::string_view word);

/// Flags an operator may set during inspection (policy: wrong items, missing items, misuse).
inline constexpr std::string_view kFlagWrongItem = "wrong_item";
inline constexpr std::string_view kFlagMissingItem = "missing_item";
inline constexpr std::string_view kFlagMisuse = "misuse_suspected";
inline constexpr std::string_view kFlagAltered = "altered";
/// Set by the station, never by the operator.
inline constexpr std::string_view kFlagAbandoned = "abandoned";
/// True for the four operator flags.
[[nodiscard]] bool isOperatorFlag(std::string_view flag);

/// Which photos a parcel needs before it can be completed (docs/configuration.md [photos]).
struct PhotoRules {
    /// Roles every accepted parcel needs, one photo each.
    std::vector<std::string> accepted = {"overview", "label"};
    /// Roles a rejected or held parcel needs (the proof of refusal).
    std::vector<std::string> refusal = {"overview"};
    /// Extra "damage" photos by grade (policy: more photos as severity rises).
    int damagedMinor = 1;
    int damagedMajor = 2;
    int damagedSevere = 3;
    /// "damage" photos needed when misuse_suspected or altered is set (at least this many).
    int misuse = 1;
    /// An accepted parcel needs at least one photo in which the order label was decoded.
    bool labelMustBeVisible = true;
    /// False when the station has no camera for photos: then no photo is required.
    bool camerasAvailable = true;
};

/// A photo taken in the session (already durable on disk and in the store).
struct SessionPhoto {
    std::string sha256;
    std::string role;
    bool orderLabelVisible = false;
    Timestamp takenAt{};
};

/// Something still needed before the parcel can be completed.
struct Missing {
    std::string what;  ///< "condition", "photo" or "label_visible"
    std::string role;  ///< for "photo"
    int count = 0;     ///< for "photo": how many more

    friend bool operator==(const Missing&, const Missing&) = default;
};

/// An expected line with the item barcodes scanned against it.
struct LineProgress {
    AuthLine line;
    std::int64_t scanned = 0;
};

/// The outcome of scanning an item barcode during inspection.
enum class ItemMatch {
    Matched,     ///< counted against an expected line
    Surplus,     ///< matches a line already complete (more than expected)
    NotExpected  ///< no line has this GTIN: wrong_item is suggested
};

/// The override rule (policy: a supervisor may change a rejected or held decision, once, to
/// another outcome than held, naming themself and a reason). One rule for open sessions
/// (ParcelSession::applyOverride) and closed receipts (overrideReceipt). Errors: Conflict with
/// reason not_overridable.
[[nodiscard]] Status checkOverride(Outcome decided, const std::optional<Override>& existing,
                                   const Override& o);

/// Applies a supervisor's override to a stored (closed) receipt under checkOverride's rule.
[[nodiscard]] Status overrideReceipt(Receipt& r, const Override& o);

/// Errors of the transitions carry one of these reasons (Error::reason): "wrong_phase",
/// "incomplete", "not_overridable", "bad_flag".
class ParcelSession {
public:
    /// A new session, opened at `at`, with the receipt id it will be recorded under.
    ParcelSession(std::string id, Timestamp at);

    [[nodiscard]] const std::string& id() const { return id_; }
    [[nodiscard]] Phase phase() const { return phase_; }
    [[nodiscard]] bool closed() const
    {
        return phase_ == Phase::Complete || phase_ == Phase::Abandoned;
    }
    [[nodiscard]] Timestamp startedAt() const { return startedAt_; }
    [[nodiscard]] Timestamp lastActivity() const { return lastActivity_; }
    /// The order label scanned for this parcel, if any.
    [[nodiscard]] const std::optional<std::string>& scannedOrder() const { return order_; }
    [[nodiscard]] const std::optional<Decision>& decision() const { return decision_; }
    [[nodiscard]] const std::optional<Override>& override_() const { return override__; }
    /// The outcome in force: the override's when there is one, else the decision's.
    [[nodiscard]] std::optional<Outcome> effectiveOutcome() const;
    [[nodiscard]] const std::optional<Condition>& condition() const { return condition_; }
    /// Operator and station flags, sorted, no repeats.
    [[nodiscard]] const std::vector<std::string>& flags() const { return flags_; }
    [[nodiscard]] const std::vector<SessionPhoto>& photos() const { return photos_; }
    [[nodiscard]] const std::vector<LineProgress>& lines() const { return lines_; }
    [[nodiscard]] const std::vector<ScanRecord>& scans() const { return scans_; }
    [[nodiscard]] const std::optional<Timestamp>& closedAt() const { return closedAt_; }

    /// Records a read of any kind (kept with the receipt). Any phase before closing.
    void noteScan(const ScanRecord& scan);
    /// An order label before the decision. A second, different label replaces the first.
    /// Errors: wrong_phase after the decision.
    [[nodiscard]] Status noteOrderLabel(std::string order, Timestamp at);
    /// The decision committed for this parcel (receiveParcel): Idle -> Decision. `lines` are
    /// the authorization's expected lines (empty when unknown); `stationFlags` the flags the
    /// receipt was committed with (advisory flags).
    [[nodiscard]] Status applyDecision(const Decision& d, std::vector<AuthLine> lines,
                                       std::vector<std::string> stationFlags, Timestamp at);
    /// Grade: accepted parcels only (Decision/Inspection/Photos -> Inspection or Photos).
    [[nodiscard]] Status setCondition(Condition c, Timestamp at);
    /// Sets or clears an operator flag (accepted parcels only).
    [[nodiscard]] Status setFlag(std::string_view flag, bool on, Timestamp at);
    /// An item barcode (GTIN-14) scanned during inspection. Errors: wrong_phase.
    [[nodiscard]] Result<ItemMatch> noteItem(std::string_view gtin14, Timestamp at);
    /// A photo saved for this parcel (after the decision, before closing). A rejected or held
    /// parcel closes as Complete once its refusal photos are all taken.
    [[nodiscard]] Status addPhoto(const SessionPhoto& photo, const PhotoRules& rules);
    /// A supervisor's override of a rejected or held decision. To accepted: the parcel goes to
    /// inspection; to rejected (from held): refusal photos. Errors: not_overridable (accepted,
    /// or no decision yet), wrong_phase (closed).
    [[nodiscard]] Status applyOverride(const Override& o);
    /// What is still needed under `rules` (empty: can complete). Before the decision: nothing
    /// can complete, and the list is empty.
    [[nodiscard]] std::vector<Missing> missing(const PhotoRules& rules) const;
    /// Closes as Complete. Errors: wrong_phase (no decision, or closed), incomplete (message
    /// lists the missing items).
    [[nodiscard]] Status complete(Timestamp at, const PhotoRules& rules);
    /// True when nothing happened for `timeout` and the session is still open.
    [[nodiscard]] bool abandonDue(Timestamp now, std::chrono::seconds timeout) const;
    /// Closes as Abandoned (adds the abandoned flag). No-op when already closed.
    void abandon(Timestamp at);
    /// When the session will be abandoned if nothing happens.
    [[nodiscard]] Timestamp abandonAt(std::chrono::seconds timeout) const;

    /// The receipt as it should be stored now (id, times, code, order, outcome, flags,
    /// condition, override, scans). `station` and `operatorId` are filled in. The grade is
    /// stored as central-api.md shows it: condition "ok", or "damaged" with the grade word
    /// (damaged_minor, ...) among the flags.
    [[nodiscard]] Receipt toReceipt(std::string_view station, std::string_view operatorId) const;

    /// Rebuilds an open session from its stored receipt and photos (after a restart).
    [[nodiscard]] static ParcelSession resume(const Receipt& r, std::vector<AuthLine> lines,
                                              std::vector<SessionPhoto> photos,
                                              const PhotoRules& rules);

private:
    void touch(Timestamp at);
    void settlePhase(const PhotoRules* rules);

    std::string id_;
    Phase phase_ = Phase::Idle;
    Timestamp startedAt_{};
    Timestamp lastActivity_{};
    std::optional<std::string> order_;
    std::optional<Decision> decision_;
    std::optional<Timestamp> decidedAt_;
    std::optional<Override> override__;
    std::optional<Condition> condition_;
    std::vector<std::string> flags_;
    std::vector<SessionPhoto> photos_;
    std::vector<LineProgress> lines_;
    std::vector<ScanRecord> scans_;
    std::optional<Timestamp> closedAt_;
};

}  // namespace returnscan::core
