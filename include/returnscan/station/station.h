// SPDX-License-Identifier: Apache-2.0
// The station: the parcel workflow host. One parcel session at a time, fed by reads and the
// operator's actions, over the core's ports only (receipts, scanner feedback; photos through
// PhotoJob/PhotoTaken). Runs on one thread (the kiosk's station thread); every change is
// durable in the store before it is reported. Knows no device, database, network or JSON: the
// kiosk's HTTP controller turns its results and its view into the page's API.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/ports.h"
#include "returnscan/core/receipt_store.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/core/session.h"
#include "returnscan/core/station_ports.h"

namespace returnscan::station {

struct StationSettings {
    std::string station = "station-1";
    std::string operatorId = "operator";
    std::string language = "en";
    core::CodeFormats formats = core::CodeFormats::defaults();
    core::PhotoRules rules;
    std::chrono::seconds abandonAfter{600};
};

/// The answer to an operator or supervisor action: success, or a stable reason word
/// (docs/ui-api.md) with a sentence for people.
struct ActionResult {
    std::string reason;                  ///< empty on success
    std::string message;                 ///< for people
    std::vector<core::Missing> missing;  ///< with reason "incomplete": what is still needed

    [[nodiscard]] bool ok() const { return reason.empty(); }
    [[nodiscard]] static ActionResult fail(std::string reason, std::string message);
};

/// The decision-to-feedback mapping: accepted is the good-read cue; rejected and held the
/// error cue.
[[nodiscard]] core::FeedbackCue feedbackFor(core::Outcome outcome);

/// A short line for the page (level info, warning or error).
struct Notice {
    std::string level;
    std::string word;
    std::string text;
};

/// The parcel that closed last (shown until the next one closes).
struct LastParcel {
    core::Receipt receipt;
    core::Outcome outcome = core::Outcome::Rejected;  ///< effective
    bool abandoned = false;
};

/// The open parcel as the page shows it.
struct SessionView {
    core::ParcelSession session;
    core::Receipt receipt;  ///< as it is stored now
    std::vector<core::Missing> missing;
    bool canComplete = false;
    core::Timestamp abandonAt{};
};

/// Everything the page shows of the station (built into JSON by the kiosk's presenter).
struct StationView {
    std::string station;
    std::string operatorId;
    std::string language;
    core::Timestamp now{};
    std::optional<SessionView> session;
    /// What the operator is asked to do: scan_code, scan_code_or_no_code, inspect,
    /// take_photos, complete, refusal_photo, override_or_refusal_photo.
    std::string prompt;
    std::optional<LastParcel> last;
    std::optional<Notice> notice;
    core::ReceiptCounts counts;
    std::string countsError;  ///< why the counts could not be read (empty: they could)
    bool camera = false;
};

class Station {
public:
    /// `feedback` may be null (no scanner signals).
    Station(core::ReceiptStore& store, const core::Clock& clock, core::IdSource& ids,
            StationSettings settings, core::ScannerFeedbackPort* feedback = nullptr);

    /// Re-opens the newest open receipt as the current session (after a restart) and closes
    /// older open ones as abandoned. Errors: store errors.
    [[nodiscard]] Status resume();

    /// Whether a camera can take photos (no camera: no photo is required).
    void setCameraAvailable(bool available);

    /// A read from any scanner or camera (already de-duplicated).
    ActionResult onScan(const core::ScanEvent& event);

    // Operator actions (docs/ui-api.md).
    ActionResult noCode(std::string_view device = "ui");
    ActionResult setCondition(std::string_view grade);
    ActionResult setFlag(std::string_view flag, bool on);
    ActionResult complete();
    ActionResult abandon();
    /// Checks that a photo may be taken now and prepares its job. Errors (Error::reason):
    /// bad_role, wrong_phase, no_camera.
    [[nodiscard]] Result<core::PhotoJob> beginPhoto(std::string_view role);
    /// Records what came of `job` (a saved photo, the gate's refusal, or the camera's error).
    ActionResult finishPhoto(const core::PhotoJob& job, const Result<core::PhotoTaken>& taken);

    // Supervisor actions.
    ActionResult override_(std::string_view receiptId, std::string_view outcome,
                           std::string_view reason, std::string_view supervisor);

    /// Closes the session when it has been left alone for abandonAfter, and re-reads the
    /// day's counts after midnight (UTC). Returns true when the state changed.
    bool tick();

    /// What the page shows now.
    [[nodiscard]] StationView view() const;

    /// The receipt id of the open session, if any (for tests and the demo camera).
    [[nodiscard]] std::optional<std::string> openSessionId() const;
    /// The order number the open, decided session is about (for the demo camera's label).
    [[nodiscard]] std::optional<std::string> openOrder() const;
    [[nodiscard]] const StationSettings& settings() const { return settings_; }

private:
    ActionResult decideParcel(std::optional<std::string> code, const core::ScanRecord* scan,
                              std::string_view device);
    /// Persists `next` (photos are written in the same transaction through `extra`) and makes
    /// it current.
    Status persist(const core::ParcelSession& next, const std::function<Status()>& extra = {});
    /// Consumes the receipt's code when an override accepts it (inside a transaction).
    Status consumeOnAccept(const std::optional<std::string>& code, std::string_view receiptId);
    void closeCurrent();
    void notice(std::string level, std::string word, std::string text);
    ActionResult sessionError(const Error& e);
    ActionResult storeFailure(const Error& e);
    void refreshCounts();
    void countDecision(core::Outcome o);
    [[nodiscard]] core::Receipt receiptOf(const core::ParcelSession& s) const;

    core::ReceiptStore& store_;
    const core::Clock& clock_;
    core::IdSource& ids_;
    StationSettings settings_;
    core::ScannerFeedbackPort* feedback_;
    std::optional<core::ParcelSession> session_;
    std::optional<LastParcel> last_;
    std::optional<Notice> notice_;
    core::ReceiptCounts counts_;
    std::string countsError_;
    core::Timestamp countsDay_{};
};

}  // namespace returnscan::station
