// SPDX-License-Identifier: Apache-2.0
#include "kiosk_http.h"

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

#include "returnscan/core/aim.h"
#include "returnscan/store/receipt_json.h"
#include "returnscan/vision/preview.h"
#include "station_view.h"

namespace returnscan::app {

using nlohmann::json;
using station::ActionResult;

namespace {

struct StatusOf {
    std::string_view reason;
    int status;
};

// Every reason that is not 409. Photo-gate refusals (too_dark, ...), wrong_phase, incomplete,
// not_overridable, finish_current, other_order, already_synced, sync_running and the like are
// the parcel's or the station's state refusing the action: 409.
constexpr std::array kStatuses = {
    StatusOf{"bad_text", 400},     StatusOf{"bad_grade", 400},    StatusOf{"bad_flag", 400},
    StatusOf{"bad_role", 400},     StatusOf{"bad_outcome", 400},  StatusOf{"bad_reason", 400},
    StatusOf{"pin_required", 401}, StatusOf{"not_found", 404},    StatusOf{"unknown_action", 404},
    StatusOf{"store_error", 503},  StatusOf{"camera_error", 503}, StatusOf{"no_camera", 503},
    StatusOf{"sync_failed", 503},
};

std::string readWholeFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        return {};
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

int httpStatus(std::string_view reason)
{
    for (const auto& s : kStatuses) {
        if (s.reason == reason) {
            return s.status;
        }
    }
    return 409;
}

ui::Reply toReply(const ActionResult& r, const json& state)
{
    if (r.ok()) {
        return ui::Reply::ok(json{{"state", state}});
    }
    auto reply = ui::Reply::error(httpStatus(r.reason), r.reason, r.message);
    if (r.reason == "incomplete") {
        reply.body["missing"] = missingJson(r.missing);
    }
    return reply;
}

HttpController::HttpController(TaskThread& stationThread, station::Station& station,
                               store::SqliteStore& store, core::PhotoCamera& camera,
                               const core::Clock& clock, KioskHooks hooks)
    : tasks_(stationThread),
      station_(station),
      store_(store),
      camera_(camera),
      clock_(clock),
      hooks_(std::move(hooks))
{
}

json HttpController::state()
{
    return hooks_.snapshot();
}

ui::Reply HttpController::receipts(int limit, std::string_view query)
{
    const std::string q(query);
    return tasks_.call([&]() -> ui::Reply {
        auto found = store_.recentReceipts(limit, q);
        if (!found) {
            return ui::Reply::error(503, "store_error", found.error().message);
        }
        json list = json::array();
        for (const auto& r : found.value()) {
            list.push_back(json::parse(store::receiptToJson(r)));
        }
        return ui::Reply::ok(json{{"receipts", std::move(list)}});
    });
}

ui::Reply HttpController::action(std::string_view name, const json& body, const ui::Caller& caller)
{
    const auto r = act(name, body, caller);
    return toReply(r, state());
}

std::optional<ui::Blob> HttpController::photo(std::string_view sha256, bool thumbnail)
{
    const std::string sha(sha256);
    auto path = tasks_.call([&]() -> std::optional<std::string> {
        auto p = store_.findPhoto(sha);
        if (!p || !p.value()) {
            return std::nullopt;
        }
        return p.value()->path;
    });
    if (!path) {
        return std::nullopt;
    }
    std::string bytes = readWholeFile(*path);
    if (bytes.empty()) {
        return std::nullopt;
    }
    if (thumbnail) {
        auto t = vision::thumbnailJpeg(bytes, 320);
        if (!t) {
            return std::nullopt;
        }
        bytes = std::move(t).value();
    }
    return ui::Blob{"image/jpeg", std::move(bytes)};
}

std::optional<ui::Blob> HttpController::preview()
{
    auto jpeg = hooks_.preview ? hooks_.preview() : std::nullopt;
    if (!jpeg) {
        return std::nullopt;
    }
    return ui::Blob{"image/jpeg", std::move(*jpeg)};
}

ActionResult HttpController::act(std::string_view name, const json& body, const ui::Caller& caller)
{
    if (name == "photo") {
        auto it = body.find("role");
        return takePhoto(it != body.end() && it->is_string() ? it->get<std::string>() : "");
    }
    if ((name == "sync" || name == "override") && !caller.supervisor) {
        return ActionResult::fail("pin_required", "A supervisor must log in.");
    }
    if (name == "sync") {
        return tasks_.call([&] { return hooks_.startSync(); });
    }
    const std::string n(name);
    return tasks_.call([&] {
        auto r = onStation(n, body, caller);
        hooks_.publish();
        return r;
    });
}

ActionResult HttpController::onStation(const std::string& n, const json& body,
                                       const ui::Caller& caller)
{
    auto str = [&](const char* key) -> std::string {
        auto it = body.find(key);
        return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (n == "scan") {
        const std::string text = str("text");
        if (text.empty() || text.size() > 4096) {
            return ActionResult::fail("bad_text", "text: 1 to 4096 characters");
        }
        core::ScanEvent ev;
        ev.device = "ui";
        ev.role = "manual";
        ev.transport = core::Transport::Stdin;
        std::string_view rest = text;
        ev.aim = core::splitAimPrefix(text, rest);
        if (!ev.aim && !str("aim").empty()) {
            ev.aim = core::parseAimId(str("aim"));
        }
        ev.data = std::string(rest);
        ev.wallTime = clock_.now();
        ev.monotonic = std::chrono::steady_clock::now();
        return station_.onScan(ev);
    }
    if (n == "no-code") {
        return station_.noCode("ui");
    }
    if (n == "condition") {
        return station_.setCondition(str("grade"));
    }
    if (n == "flag") {
        auto on = body.find("on");
        return station_.setFlag(str("flag"),
                                on == body.end() || !on->is_boolean() || on->get<bool>());
    }
    if (n == "complete") {
        return station_.complete();
    }
    if (n == "abandon") {
        return station_.abandon();
    }
    if (n == "override") {
        return station_.override_(str("receipt"), str("outcome"), str("reason"),
                                  *caller.supervisor);
    }
    return ActionResult::fail("unknown_action", "No such action: " + n);
}

ActionResult HttpController::takePhoto(const std::string& role)
{
    std::lock_guard one(photoMutex_);  // one photo at a time
    auto job = tasks_.call([&] {
        auto j = station_.beginPhoto(role);
        if (!j) {
            hooks_.publish();
        }
        return j;
    });
    if (!job) {
        const auto& e = job.error();
        return ActionResult::fail(e.reason.empty() ? "wrong_phase" : e.reason, e.message);
    }
    // Off the station thread: a burst takes a few frames' time, and reads go on meanwhile.
    auto taken = camera_.take(job.value());
    return tasks_.call([&] {
        auto r = station_.finishPhoto(job.value(), taken);
        hooks_.publish();
        return r;
    });
}

}  // namespace returnscan::app
