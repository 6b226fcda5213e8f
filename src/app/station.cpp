// SPDX-License-Identifier: Apache-2.0
#include "station.h"

#include <algorithm>
#include <utility>

#include "returnscan/core/classify.h"
#include "returnscan/core/receive.h"
#include "returnscan/store/receipt_json.h"

namespace returnscan::app {

using nlohmann::json;

namespace {

json optionalString(const std::optional<std::string>& s)
{
    return s ? json(*s) : json(nullptr);
}

json timeJson(const std::optional<core::Timestamp>& t)
{
    return t ? json(core::formatRfc3339(*t)) : json(nullptr);
}

core::Timestamp startOfDay(core::Timestamp t)
{
    return std::chrono::floor<std::chrono::days>(t);
}

/// The HTTP-like status and the word of a session error ("wrong_phase: ...").
ActionResult fromSessionError(const Status& st)
{
    auto [word, text] = splitWord(st.error().message, "wrong_phase");
    const int status = word == "bad_flag" ? 400 : 409;
    return ActionResult::fail(status, std::move(word), std::move(text));
}

json missingJson(const std::vector<core::Missing>& missing)
{
    json out = json::array();
    for (const auto& m : missing) {
        json j{{"what", m.what}};
        if (m.what == "photo") {
            j["role"] = m.role;
            j["count"] = m.count;
        }
        out.push_back(std::move(j));
    }
    return out;
}

std::string aimText(const std::optional<core::AimId>& aim)
{
    return aim ? aim->text() : std::string();
}

}  // namespace

std::pair<std::string, std::string> splitWord(const std::string& message, std::string_view fallback)
{
    const auto colon = message.find(": ");
    if (colon == std::string::npos) {
        return {std::string(fallback), message};
    }
    return {message.substr(0, colon), message.substr(colon + 2)};
}

ActionResult ActionResult::fail(int status, std::string word, std::string message)
{
    ActionResult r;
    r.status = status;
    r.word = std::move(word);
    r.message = std::move(message);
    return r;
}

Station::Station(store::SqliteStore& store, const core::Clock& clock, core::IdSource& ids,
                 StationSettings settings)
    : store_(store), clock_(clock), ids_(ids), settings_(std::move(settings))
{
}

void Station::setCameraAvailable(bool available)
{
    settings_.rules.camerasAvailable = available;
}

Status Station::resume()
{
    auto open = store_.openReceipts();
    if (!open) {
        return std::move(open).takeError();
    }
    auto& receipts = open.value();
    for (std::size_t i = 0; i < receipts.size(); ++i) {
        const auto& r = receipts[i];
        std::vector<core::AuthLine> lines;
        if (r.code) {
            auto found = store_.findCode(*r.code);
            if (found && found.value()) {
                lines = found.value()->auth.lines;
            }
        }
        std::vector<core::SessionPhoto> photos;
        auto stored = store_.photosOfReceipt(r.id);
        if (!stored) {
            return std::move(stored).takeError();
        }
        for (const auto& p : stored.value()) {
            if (p.role == "inspection_video") {
                continue;
            }
            photos.push_back({p.sha256, p.role, p.orderLabelVisible, p.takenAt});
        }
        auto s =
            core::ParcelSession::resume(r, std::move(lines), std::move(photos), settings_.rules);
        if (i + 1 < receipts.size()) {
            // Only one parcel is on the bench: older open ones were left behind.
            s.abandon(clock_.now());
        }
        if (s.closed()) {
            if (auto st =
                    store_.updateReceipt(s.toReceipt(settings_.station, settings_.operatorId));
                !st) {
                return st;
            }
            continue;
        }
        session_ = std::move(s);
        notice("info", "resumed", "The open parcel was restored after a restart.");
    }
    refreshCounts();
    return {};
}

ActionResult Station::storeFailure(const Error& e)
{
    auto r = ActionResult::fail(503, "store_error", "Not saved: " + e.message);
    notice("error", r.word, r.message);
    return r;
}

void Station::notice(std::string level, std::string word, std::string text)
{
    notice_ = Notice{std::move(level), std::move(word), std::move(text)};
}

ActionResult Station::sessionError(const Status& st)
{
    auto r = fromSessionError(st);
    notice("error", r.word, r.message);
    return r;
}

Status Station::persist(const core::ParcelSession& next, const std::function<Status()>& extra)
{
    const core::Receipt r = next.toReceipt(settings_.station, settings_.operatorId);
    Status st = store_.writeTransaction([&]() -> Status {
        if (extra) {
            if (auto e = extra(); !e) {
                return e;
            }
        }
        return store_.updateReceipt(r);
    });
    if (!st) {
        return st;
    }
    session_ = next;
    if (session_->closed()) {
        closeCurrent();
    }
    return {};
}

void Station::closeCurrent()
{
    if (!session_) {
        return;
    }
    const auto& s = *session_;
    json last{{"id", s.id()}};
    const auto r = s.toReceipt(settings_.station, settings_.operatorId);
    last["code"] = optionalString(r.code);
    last["order"] = optionalString(r.order);
    const auto outcome = s.effectiveOutcome().value_or(core::Outcome::Rejected);
    last["outcome"] = core::toString(outcome);
    last["reason"] = core::toString(r.reason);
    last["text"] = core::describe(r.reason);
    last["overridden"] = r.override_.has_value();
    last["completed_at"] = timeJson(r.completedAt);
    last["abandoned"] = s.phase() == core::Phase::Abandoned;
    if (s.phase() == core::Phase::Abandoned && countsDay_ == startOfDay(clock_.now())) {
        ++counts_.abandoned;
    }
    last_ = std::move(last);
    session_.reset();
}

// The day's counts are read from the store at the start, at midnight (UTC) and after an
// override, and otherwise kept up to date as parcels are decided and abandoned: counting the
// day's receipts costs time in proportion to them, and a busy day has tens of thousands.
void Station::refreshCounts()
{
    const auto day = startOfDay(clock_.now());
    auto c = store_.countReceipts(day);
    countsDay_ = day;
    if (!c) {
        countsError_ = c.error().message;
        counts_ = {};
        return;
    }
    countsError_.clear();
    counts_ = c.value();
}

void Station::countDecision(core::Outcome o)
{
    if (countsDay_ != startOfDay(clock_.now())) {
        refreshCounts();  // the receipt is already in the store: counted by the query
        return;
    }
    ++counts_.total;
    switch (o) {
        case core::Outcome::Accepted:
            ++counts_.accepted;
            break;
        case core::Outcome::Rejected:
            ++counts_.rejected;
            break;
        case core::Outcome::Held:
            ++counts_.held;
            break;
    }
}

ActionResult Station::onScan(const core::ScanEvent& event)
{
    const auto c = core::classify(event.data, event.aim, settings_.formats);
    const core::ScanRecord scan{event.wallTime, event.device, aimText(event.aim), event.data};
    const bool camera = event.transport == core::Transport::Camera;
    const bool decided = session_ && session_->decision().has_value();
    switch (c.kind) {
        case core::ReadKind::ReturnCode:
        case core::ReadKind::MalformedReturnCode: {
            if (decided) {
                const auto& d = *session_->decision();
                if (d.code == c.value || camera) {
                    return {};  // the same label read again, or a camera seeing codes around
                }
                notice("warning", "finish_current",
                       "Finish or abandon the open parcel before the next one.");
                return ActionResult::fail(409, "finish_current",
                                          "Finish or abandon the open parcel first.");
            }
            return decideParcel(c.kind == core::ReadKind::ReturnCode ? c.value : event.data, &scan,
                                event.device);
        }
        case core::ReadKind::OrderLabel: {
            if (decided) {
                const auto& order = session_->decision()->order;
                if (camera || (order && *order == c.value)) {
                    return {};
                }
                notice("warning", "other_order",
                       "Order label " + c.value + " belongs to another order than this parcel.");
                return ActionResult::fail(409, "other_order", notice_->text);
            }
            if (!session_) {
                session_.emplace(ids_.newId(), event.wallTime);
            }
            session_->noteScan(scan);
            (void)session_->noteOrderLabel(c.value, event.wallTime);
            notice("info", "order_scanned", "Order " + c.value + ": now scan the return code.");
            return {};
        }
        case core::ReadKind::ItemGtin: {
            if (!decided || session_->effectiveOutcome() != core::Outcome::Accepted) {
                if (camera) {
                    return {};
                }
                notice("warning", "item_without_parcel",
                       "An item barcode: scan the parcel's return code first.");
                return ActionResult::fail(409, "item_without_parcel", notice_->text);
            }
            auto next = *session_;
            next.noteScan(scan);
            auto match = next.noteItem(c.value, event.wallTime);
            if (!match) {
                return sessionError(Status(std::move(match).takeError()));
            }
            if (auto st = persist(next); !st) {
                return storeFailure(st.error());
            }
            switch (match.value()) {
                case core::ItemMatch::Matched:
                    notice("info", "item_matched", "Item " + c.value + " matches the order.");
                    break;
                case core::ItemMatch::Surplus:
                    notice("warning", "item_surplus",
                           "Item " + c.value + ": more than the order lists.");
                    break;
                case core::ItemMatch::NotExpected:
                    notice("warning", "item_not_expected",
                           "Item " + c.value + " is not in the order: flag a wrong item?");
                    break;
            }
            return {};
        }
        case core::ReadKind::Sscc:
        case core::ReadKind::Other:
            if (!camera) {
                notice("info", "not_a_code", "That is not a return code or order label.");
            }
            return {};
        case core::ReadKind::Invalid:
            if (!camera) {
                notice("warning", "unreadable", "Unreadable scan: " + c.problem);
            }
            return {};
    }
    return {};
}

ActionResult Station::noCode(std::string_view device)
{
    if (session_ && session_->decision()) {
        notice("warning", "finish_current", "Finish or abandon the open parcel first.");
        return ActionResult::fail(409, "finish_current",
                                  "Finish or abandon the open parcel first.");
    }
    return decideParcel(std::nullopt, nullptr, device);
}

ActionResult Station::decideParcel(std::optional<std::string> code, const core::ScanRecord* scan,
                                   std::string_view device)
{
    const auto now = clock_.now();
    core::ParcelSession next = session_ ? *session_ : core::ParcelSession(ids_.newId(), now);
    if (scan != nullptr) {
        next.noteScan(*scan);
    }
    core::ReceiveRequest req;
    req.input = {std::move(code), next.scannedOrder(), scan != nullptr ? scan->at : now};
    req.receiptId = next.id();
    req.station = settings_.station;
    req.operatorId = settings_.operatorId;
    req.startedAt = next.startedAt();
    req.scans = next.scans();
    req.leaveOpen = true;
    auto done = core::receiveParcel(store_, settings_.formats, req);
    if (!done) {
        return storeFailure(done.error());
    }
    auto& out = done.value();
    if (auto st = next.applyDecision(out.decision, out.lines, out.receipt.flags, req.input.at);
        !st) {
        return sessionError(st);
    }
    session_ = next;
    notice_.reset();
    countDecision(out.decision.outcome);
    // A refused parcel with nothing to photograph is done at once.
    if (next.effectiveOutcome() != core::Outcome::Accepted &&
        next.missing(settings_.rules).empty()) {
        auto closing = next;
        if (closing.complete(req.input.at, settings_.rules)) {
            if (auto st = persist(closing); !st) {
                notice("error", "store_error", "Not recorded: " + st.error().message);
            }
        }
    }
    if (onDecision_) {
        onDecision_(std::string(device), out.decision.outcome);
    }
    return {};
}

ActionResult Station::setCondition(std::string_view grade)
{
    auto c = core::parseCondition(grade);
    if (!c) {
        return ActionResult::fail(400, "bad_grade",
                                  "grade must be ok, damaged_minor, damaged_major or "
                                  "damaged_severe");
    }
    if (!session_) {
        return ActionResult::fail(409, "wrong_phase", "No parcel is open.");
    }
    auto next = *session_;
    if (auto st = next.setCondition(*c, clock_.now()); !st) {
        return sessionError(st);
    }
    if (auto st = persist(next); !st) {
        return storeFailure(st.error());
    }
    return {};
}

ActionResult Station::setFlag(std::string_view flag, bool on)
{
    if (!session_) {
        return ActionResult::fail(409, "wrong_phase", "No parcel is open.");
    }
    auto next = *session_;
    if (auto st = next.setFlag(flag, on, clock_.now()); !st) {
        return sessionError(st);
    }
    if (auto st = persist(next); !st) {
        return storeFailure(st.error());
    }
    return {};
}

ActionResult Station::complete()
{
    if (!session_) {
        return ActionResult::fail(409, "wrong_phase", "No parcel is open.");
    }
    auto next = *session_;
    if (auto st = next.complete(clock_.now(), settings_.rules); !st) {
        auto r = sessionError(st);
        r.extra["missing"] = missingJson(session_->missing(settings_.rules));
        return r;
    }
    if (auto st = persist(next); !st) {
        return storeFailure(st.error());
    }
    notice("info", "completed", "Parcel complete.");
    return {};
}

ActionResult Station::abandon()
{
    if (!session_) {
        return ActionResult::fail(409, "wrong_phase", "No parcel is open.");
    }
    const auto now = clock_.now();
    if (!session_->decision()) {
        // Never lost: a parcel without a code yet is recorded as refused (no_code).
        if (auto r = decideParcel(std::nullopt, nullptr, "ui"); !r.ok()) {
            return r;
        }
        if (!session_) {
            return {};
        }
    }
    auto next = *session_;
    next.abandon(now);
    if (auto st = persist(next); !st) {
        return storeFailure(st.error());
    }
    notice("warning", "abandoned", "The parcel was closed as abandoned.");
    return {};
}

bool Station::tick()
{
    const auto now = clock_.now();
    bool changed = false;
    if (startOfDay(now) != countsDay_) {
        refreshCounts();
        changed = true;
    }
    if (session_ && session_->abandonDue(now, settings_.abandonAfter)) {
        (void)abandon();
        changed = true;
    }
    return changed;
}

Result<PhotoJob> Station::beginPhoto(std::string_view role)
{
    auto r = vision::parsePhotoRole(role);
    if (!r) {
        return makeError(ErrorCode::InvalidArgument,
                         "bad_role: role must be overview, label, damage or contents");
    }
    if (!session_ || !session_->decision() || session_->closed()) {
        return makeError(ErrorCode::Conflict,
                         "wrong_phase: photos are taken for a decided, open parcel");
    }
    if (!settings_.rules.camerasAvailable) {
        return makeError(ErrorCode::Unsupported, "no_camera: this station has no photo camera");
    }
    const auto rec = session_->toReceipt(settings_.station, settings_.operatorId);
    PhotoJob job;
    job.receiptId = session_->id();
    job.request.outDir = settings_.photoDir;
    job.request.order = rec.order.value_or("");
    job.request.code = rec.code.value_or("");
    job.request.station = settings_.station;
    job.request.role = r.value();
    job.request.takenAt = clock_.now();
    job.request.jpegQuality = settings_.jpegQuality;
    job.request.limits = settings_.quality;
    job.request.checkOrderLabel = true;
    return job;
}

ActionResult Station::finishPhoto(const PhotoJob& job, const Result<vision::PhotoOutcome>& outcome)
{
    if (!outcome) {
        notice("error", "camera_error", "The photo failed: " + outcome.error().message);
        return ActionResult::fail(503, "camera_error", outcome.error().message);
    }
    const auto& o = outcome.value();
    if (o.refused()) {
        const std::string word = o.quality.refusal.empty() ? "refused" : o.quality.refusal;
        notice("error", word, "Photo refused (" + word + "): hold still, light the parcel, retry.");
        return ActionResult::fail(409, word, notice_->text);
    }
    const auto& saved = *o.saved;
    if (!session_ || session_->id() != job.receiptId || session_->closed()) {
        // The parcel closed while the camera worked: the file stays, unreferenced, and is
        // reported; nothing else changes.
        return ActionResult::fail(409, "wrong_phase", "The parcel closed before the photo.");
    }
    store::PhotoRecord rec;
    rec.receiptId = job.receiptId;
    rec.sha256 = saved.sha256;
    rec.role = std::string(vision::toString(job.request.role));
    rec.path = saved.path;
    rec.takenAt = job.request.takenAt;
    rec.bytes = static_cast<std::int64_t>(saved.bytes);
    rec.width = saved.width;
    rec.height = saved.height;
    rec.orderLabelVisible = saved.orderLabelVisible;
    auto next = *session_;
    if (auto st = next.addPhoto({rec.sha256, rec.role, rec.orderLabelVisible, rec.takenAt},
                                settings_.rules);
        !st) {
        return sessionError(st);
    }
    if (auto st = persist(next, [&] { return store_.insertPhoto(rec); }); !st) {
        return storeFailure(st.error());
    }
    if (!saved.orderLabelVisible && rec.role == "label") {
        notice("warning", "label_not_visible",
               "Photo saved, but the order label could not be read in it.");
    } else {
        notice("info", "photo_saved", "Photo saved.");
    }
    return {};
}

ActionResult Station::override_(std::string_view receiptId, std::string_view outcome,
                                std::string_view reason, std::string_view supervisor)
{
    auto o = core::parseOutcome(outcome);
    if (!o || *o == core::Outcome::Held) {
        return ActionResult::fail(400, "bad_outcome", "outcome must be accepted or rejected");
    }
    if (reason.empty() || reason.size() > 500) {
        return ActionResult::fail(400, "bad_reason", "a reason (1 to 500 characters) is required");
    }
    const core::Override ov{std::string(supervisor), std::string(reason), clock_.now(), *o};
    if (session_ && session_->id() == receiptId) {
        auto next = *session_;
        if (auto st = next.applyOverride(ov); !st) {
            return sessionError(st);
        }
        const auto code = next.decision()->code;
        const bool consume = *o == core::Outcome::Accepted && !code.empty();
        auto st = persist(next, [&]() -> Status {
            if (!consume) {
                return {};
            }
            auto known = store_.findCode(code);
            if (known && known.value() && !known.value()->consumedBy) {
                return store_.consumeCode(code, next.id());
            }
            return {};
        });
        if (!st) {
            return storeFailure(st.error());
        }
        refreshCounts();  // the effective outcome changed
        notice("info", "overridden", "Supervisor " + std::string(supervisor) + " overrode.");
        return {};
    }
    auto found = store_.findReceipt(receiptId);
    if (!found) {
        return storeFailure(found.error());
    }
    if (!found.value()) {
        return ActionResult::fail(404, "not_found", "No receipt with this id.");
    }
    core::Receipt r = *found.value();
    if (r.decision == core::Outcome::Accepted || r.override_ || *o == r.decision) {
        return ActionResult::fail(409, "not_overridable",
                                  "Only a rejected or held decision is overridden, once.");
    }
    r.override_ = ov;
    Status st = store_.writeTransaction([&]() -> Status {
        if (*o == core::Outcome::Accepted && r.code) {
            auto known = store_.findCode(*r.code);
            if (known && known.value() && !known.value()->consumedBy) {
                if (auto c = store_.consumeCode(*r.code, r.id); !c) {
                    return c;
                }
            }
        }
        return store_.updateReceipt(r);
    });
    if (!st) {
        if (st.error().code == ErrorCode::Conflict &&
            st.error().message.starts_with("already_synced")) {
            return ActionResult::fail(409, "already_synced", st.error().message);
        }
        return storeFailure(st.error());
    }
    refreshCounts();
    return {};
}

std::optional<std::string> Station::openSessionId() const
{
    return session_ ? std::optional<std::string>(session_->id()) : std::nullopt;
}

std::optional<std::string> Station::openOrder() const
{
    if (!session_ || !session_->decision()) {
        return std::nullopt;
    }
    return session_->toReceipt(settings_.station, settings_.operatorId).order;
}

nlohmann::json Station::state()
{
    const auto now = clock_.now();
    json j{{"version", 1},
           {"station", settings_.station},
           {"operator", settings_.operatorId},
           {"language", settings_.language},
           {"now", core::formatRfc3339(now)}};
    std::string prompt = "scan_code";
    if (session_) {
        const auto& s = *session_;
        const auto r = s.toReceipt(settings_.station, settings_.operatorId);
        json sj{{"id", s.id()},
                {"phase", core::toString(s.phase())},
                {"started_at", core::formatRfc3339(s.startedAt())},
                {"code", optionalString(r.code)},
                {"order", optionalString(r.order)},
                {"condition", s.condition() ? json(core::toString(*s.condition())) : json()},
                {"flags", s.flags()},
                {"abandon_at", core::formatRfc3339(s.abandonAt(settings_.abandonAfter))}};
        if (const auto& d = s.decision()) {
            sj["decision"] = json{{"outcome", core::toString(d->outcome)},
                                  {"reason", core::toString(d->reason)},
                                  {"text", core::describe(d->reason)},
                                  {"expires_at", timeJson(d->expiresAt)}};
            if (!r.code && !d->code.empty()) {
                sj["read"] = d->code;  // the malformed text as read (display-safe)
            }
        } else {
            sj["decision"] = nullptr;
        }
        if (const auto& o = s.override_()) {
            sj["override"] = json{{"by", o->by},
                                  {"reason", o->reason},
                                  {"at", core::formatRfc3339(o->at)},
                                  {"outcome", core::toString(o->outcome)}};
        } else {
            sj["override"] = nullptr;
        }
        json lines = json::array();
        for (const auto& lp : s.lines()) {
            lines.push_back({{"sku", lp.line.sku},
                             {"gtin", lp.line.gtin},
                             {"qty", lp.line.qty},
                             {"description", lp.line.description},
                             {"scanned", lp.scanned}});
        }
        sj["lines"] = std::move(lines);
        json photos = json::array();
        for (const auto& p : s.photos()) {
            photos.push_back({{"sha256", p.sha256},
                              {"role", p.role},
                              {"order_label_visible", p.orderLabelVisible},
                              {"url", "/api/photos/" + p.sha256},
                              {"taken_at", core::formatRfc3339(p.takenAt)}});
        }
        sj["photos"] = std::move(photos);
        const auto missing = s.missing(settings_.rules);
        sj["missing"] = missingJson(missing);
        sj["can_complete"] = s.decision().has_value() && missing.empty();
        j["session"] = std::move(sj);
        const auto outcome = s.effectiveOutcome();
        if (!s.decision()) {
            prompt = "scan_code_or_no_code";
        } else if (outcome == core::Outcome::Accepted) {
            prompt = !s.condition() ? "inspect" : (missing.empty() ? "complete" : "take_photos");
        } else {
            prompt = s.decision()->outcome == core::Outcome::Accepted || s.override_()
                         ? "refusal_photo"
                         : "override_or_refusal_photo";
        }
    } else {
        j["session"] = nullptr;
    }
    j["prompt"] = prompt;
    j["last"] = last_ ? *last_ : json();
    if (notice_) {
        j["message"] =
            json{{"level", notice_->level}, {"word", notice_->word}, {"text", notice_->text}};
    } else {
        j["message"] = nullptr;
    }
    if (countsError_.empty()) {
        j["counts"] = json{{"accepted", counts_.accepted},
                           {"rejected", counts_.rejected},
                           {"held", counts_.held},
                           {"abandoned", counts_.abandoned},
                           {"total", counts_.total}};
    } else {
        j["counts"] = json{{"error", countsError_}};
    }
    j["camera"] = settings_.rules.camerasAvailable;
    return j;
}

}  // namespace returnscan::app
