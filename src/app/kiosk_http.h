// SPDX-License-Identifier: Apache-2.0
// The kiosk's HTTP controller: the page's API (docs/ui-api.md) onto the station. Actions run on
// the station thread in order; photos are taken off it; the one table of HTTP statuses by
// reason word is here.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "returnscan/core/clock.h"
#include "returnscan/core/station_ports.h"
#include "returnscan/station/station.h"
#include "returnscan/store/store.h"
#include "returnscan/ui/server.h"
#include "task_thread.h"

namespace returnscan::app {

/// The HTTP status of a failed action, by its reason word (docs/ui-api.md): 400 for bad input,
/// 401 without a supervisor, 404 for unknown things, 503 when the station cannot do it now
/// (store, camera, sync start), 409 for everything the parcel's state refuses.
[[nodiscard]] int httpStatus(std::string_view reason);

/// The reply to an action: {"ok": true, "state": ...} or the error with its status; an
/// "incomplete" error carries the "missing" list.
[[nodiscard]] ui::Reply toReply(const station::ActionResult& r, const nlohmann::json& state);

/// What the controller needs of the kiosk around the station.
struct KioskHooks {
    /// Station thread: builds and publishes the state after a change.
    std::function<void()> publish;
    /// The last published state (any thread).
    std::function<nlohmann::json()> snapshot;
    /// Station thread: starts a sync run.
    std::function<station::ActionResult()> startSync;
    /// The newest preview frame as JPEG (any thread); nullopt without a preview camera.
    std::function<std::optional<std::string>()> preview;
};

class HttpController final : public ui::Controller {
public:
    HttpController(TaskThread& stationThread, station::Station& station, store::SqliteStore& store,
                   core::PhotoCamera& camera, const core::Clock& clock, KioskHooks hooks);

    /// The operator's and supervisor's actions (the page's POSTs and the demo player).
    station::ActionResult act(std::string_view name, const nlohmann::json& body,
                              const ui::Caller& caller);

    // ui::Controller
    nlohmann::json state() override;
    ui::Reply receipts(int limit, std::string_view query) override;
    ui::Reply action(std::string_view name, const nlohmann::json& body,
                     const ui::Caller& caller) override;
    std::optional<ui::Blob> photo(std::string_view sha256, bool thumbnail) override;
    std::optional<ui::Blob> preview() override;

private:
    station::ActionResult takePhoto(const std::string& role);
    station::ActionResult onStation(const std::string& name, const nlohmann::json& body,
                                    const ui::Caller& caller);

    TaskThread& tasks_;
    station::Station& station_;
    store::SqliteStore& store_;
    core::PhotoCamera& camera_;
    const core::Clock& clock_;
    KioskHooks hooks_;
    std::mutex photoMutex_;
};

}  // namespace returnscan::app
