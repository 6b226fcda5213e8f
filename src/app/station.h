// SPDX-License-Identifier: Apache-2.0
// The station: one parcel session at a time over the store, fed by scans and the operator's
// actions, producing the state the UI shows. Runs on one thread (the kiosk's station thread);
// every change is durable in the store before it is reported.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "returnscan/core/clock.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/ports.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/core/session.h"
#include "returnscan/store/store.h"
#include "returnscan/vision/photo.h"

namespace returnscan::app {

struct StationSettings {
    std::string station = "station-1";
    std::string operatorId = "operator";
    std::string language = "en";
    core::CodeFormats formats = core::CodeFormats::defaults();
    core::PhotoRules rules;
    std::chrono::seconds abandonAfter{600};
    std::string photoDir;  ///< where photos are written
    vision::QualityThresholds quality;
    int jpegQuality = 90;
};

/// The answer to an operator or supervisor action.
struct ActionResult {
    int status = 200;     ///< HTTP-like: 200, 400, 401, 404, 409, 503
    std::string word;     ///< empty on success, else the error word (docs/ui-api.md)
    std::string message;  ///< sentence for people
    nlohmann::json extra = nlohmann::json::object();  ///< e.g. "missing" for incomplete

    [[nodiscard]] bool ok() const { return word.empty(); }
    [[nodiscard]] static ActionResult fail(int status, std::string word, std::string message);
};

/// Splits a station or session error message "word: sentence" into its word and sentence
/// (a message without a word gets `fallback`).
[[nodiscard]] std::pair<std::string, std::string> splitWord(const std::string& message,
                                                            std::string_view fallback);

/// What the station asks of the camera side when a photo is to be taken.
struct PhotoJob {
    std::string receiptId;
    vision::PhotoRequest request;
};

/// Called after every decision with the device that read the code (may be "ui").
using DecisionListener = std::function<void(const std::string& device, core::Outcome outcome)>;

class Station {
public:
    Station(store::SqliteStore& store, const core::Clock& clock, core::IdSource& ids,
            StationSettings settings);

    /// Re-opens the newest open receipt as the current session (after a restart) and closes
    /// older open ones as abandoned. Errors: store errors.
    [[nodiscard]] Status resume();

    void setDecisionListener(DecisionListener listener) { onDecision_ = std::move(listener); }
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
    /// Checks that a photo may be taken now and prepares its request.
    Result<PhotoJob> beginPhoto(std::string_view role);
    /// Records a photo taken for `job` (or the quality gate's refusal, or the camera's error).
    ActionResult finishPhoto(const PhotoJob& job, const Result<vision::PhotoOutcome>& outcome);

    // Supervisor actions.
    ActionResult override_(std::string_view receiptId, std::string_view outcome,
                           std::string_view reason, std::string_view supervisor);

    /// Closes the session when it has been left alone for abandonAfter. Returns true when the
    /// state changed.
    bool tick();

    /// The state JSON of docs/ui-api.md (devices, sync and camera parts are filled in by the
    /// caller: see Kiosk).
    [[nodiscard]] nlohmann::json state();

    /// The receipt id of the open session, if any (for tests and the demo camera).
    [[nodiscard]] std::optional<std::string> openSessionId() const;
    /// The order number the open, decided session is about (for the demo camera's label).
    [[nodiscard]] std::optional<std::string> openOrder() const;
    [[nodiscard]] const StationSettings& settings() const { return settings_; }

private:
    struct Notice {
        std::string level;  ///< info, warning, error
        std::string word;
        std::string text;
    };

    ActionResult decideParcel(std::optional<std::string> code, const core::ScanRecord* scan,
                              std::string_view device);
    /// Persists `next` (the receipt row; photos are written by the caller in the same
    /// transaction through `extra`) and makes it current.
    Status persist(const core::ParcelSession& next, const std::function<Status()>& extra = {});
    void closeCurrent();
    void notice(std::string level, std::string word, std::string text);
    ActionResult sessionError(const Status& st);
    ActionResult storeFailure(const Error& e);
    void refreshCounts();
    void countDecision(core::Outcome o);

    store::SqliteStore& store_;
    const core::Clock& clock_;
    core::IdSource& ids_;
    StationSettings settings_;
    DecisionListener onDecision_;
    std::optional<core::ParcelSession> session_;
    std::optional<nlohmann::json> last_;
    std::optional<Notice> notice_;
    store::ReceiptCounts counts_;
    std::string countsError_;  ///< why the counts could not be read (empty: they could)
    core::Timestamp countsDay_{};
};

}  // namespace returnscan::app
