// SPDX-License-Identifier: Apache-2.0
#include "returnscan/station/station.h"

#include <utility>

#include "returnscan/core/classify.h"
#include "returnscan/core/log.h"
#include "returnscan/core/receive.h"

namespace returnscan::station {

namespace {

core::Timestamp startOfDay(core::Timestamp t)
{
    return std::chrono::floor<std::chrono::days>(t);
}

core::Logger stationLog()
{
    return core::Logger(core::LogCategory::Station);
}

std::string aimText(const std::optional<core::AimId>& aim)
{
    return aim ? aim->text() : std::string();
}

/// The reason of a session transition's error (the session always names one).
std::string sessionReason(const Error& e)
{
    return e.reason.empty() ? std::string("wrong_phase") : e.reason;
}

}  // namespace

ActionResult ActionResult::fail(std::string reason, std::string message)
{
    ActionResult r;
    r.reason = std::move(reason);
    r.message = std::move(message);
    return r;
}

core::FeedbackCue feedbackFor(core::Outcome outcome)
{
    return outcome == core::Outcome::Accepted ? core::FeedbackCue::Good : core::FeedbackCue::Error;
}

Station::Station(core::ReceiptStore& store, const core::Clock& clock, core::IdSource& ids,
                 StationSettings settings, core::ScannerFeedbackPort* feedback)
    : store_(store), clock_(clock), ids_(ids), settings_(std::move(settings)), feedback_(feedback)
{
}

void Station::setCameraAvailable(bool available)
{
    settings_.rules.camerasAvailable = available;
}

core::Receipt Station::receiptOf(const core::ParcelSession& s) const
{
    return s.toReceipt(settings_.station, settings_.operatorId);
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
            if (auto st = store_.updateReceipt(receiptOf(s)); !st) {
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
    stationLog().error("not saved: " + e.message,
                       {.receipt = session_ ? session_->id() : std::string(), .key = "store"});
    auto r = ActionResult::fail("store_error", "Not saved: " + e.message);
    notice("error", r.reason, r.message);
    return r;
}

void Station::notice(std::string level, std::string word, std::string text)
{
    notice_ = Notice{std::move(level), std::move(word), std::move(text)};
}

ActionResult Station::sessionError(const Error& e)
{
    auto r = ActionResult::fail(sessionReason(e), e.message);
    notice("error", r.reason, r.message);
    return r;
}

Status Station::persist(const core::ParcelSession& next, const std::function<Status()>& extra)
{
    const core::Receipt r = receiptOf(next);
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

Status Station::consumeOnAccept(const std::optional<std::string>& code, std::string_view receiptId)
{
    if (!code || code->empty()) {
        return {};
    }
    auto known = store_.findCode(*code);
    if (known && known.value() && !known.value()->consumedBy) {
        return store_.consumeCode(*code, receiptId);
    }
    return {};
}

void Station::closeCurrent()
{
    if (!session_) {
        return;
    }
    const auto& s = *session_;
    LastParcel last;
    last.receipt = receiptOf(s);
    last.outcome = s.effectiveOutcome().value_or(core::Outcome::Rejected);
    last.abandoned = s.phase() == core::Phase::Abandoned;
    if (last.abandoned && countsDay_ == startOfDay(clock_.now())) {
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
                return ActionResult::fail("finish_current",
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
                return ActionResult::fail("other_order", notice_->text);
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
                return ActionResult::fail("item_without_parcel", notice_->text);
            }
            auto next = *session_;
            next.noteScan(scan);
            auto match = next.noteItem(c.value, event.wallTime);
            if (!match) {
                return sessionError(match.error());
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
        return ActionResult::fail("finish_current", "Finish or abandon the open parcel first.");
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
        return sessionError(st.error());
    }
    session_ = next;
    notice_.reset();
    countDecision(out.decision.outcome);
    stationLog().info(std::string("parcel ") + std::string(core::toString(out.decision.outcome)) +
                          ": " + std::string(core::toString(out.decision.reason)),
                      {.device = std::string(device), .receipt = next.id()});
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
    if (feedback_ != nullptr) {
        feedback_->signal(std::string(device), feedbackFor(out.decision.outcome));
    }
    return {};
}

ActionResult Station::setCondition(std::string_view grade)
{
    auto c = core::parseCondition(grade);
    if (!c) {
        return ActionResult::fail("bad_grade",
                                  "grade must be ok, damaged_minor, damaged_major or "
                                  "damaged_severe");
    }
    if (!session_) {
        return ActionResult::fail("wrong_phase", "No parcel is open.");
    }
    auto next = *session_;
    if (auto st = next.setCondition(*c, clock_.now()); !st) {
        return sessionError(st.error());
    }
    if (auto st = persist(next); !st) {
        return storeFailure(st.error());
    }
    return {};
}

ActionResult Station::setFlag(std::string_view flag, bool on)
{
    if (!session_) {
        return ActionResult::fail("wrong_phase", "No parcel is open.");
    }
    auto next = *session_;
    if (auto st = next.setFlag(flag, on, clock_.now()); !st) {
        return sessionError(st.error());
    }
    if (auto st = persist(next); !st) {
        return storeFailure(st.error());
    }
    return {};
}

ActionResult Station::complete()
{
    if (!session_) {
        return ActionResult::fail("wrong_phase", "No parcel is open.");
    }
    auto next = *session_;
    if (auto st = next.complete(clock_.now(), settings_.rules); !st) {
        auto r = sessionError(st.error());
        r.missing = session_->missing(settings_.rules);
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
        return ActionResult::fail("wrong_phase", "No parcel is open.");
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
    stationLog().notice("parcel abandoned", {.receipt = next.id()});
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

Result<core::PhotoJob> Station::beginPhoto(std::string_view role)
{
    if (!core::isPhotoRole(role)) {
        return makeError(ErrorCode::InvalidArgument, ReasonWord{"bad_role"},
                         "role must be overview, label, damage or contents");
    }
    if (!session_ || !session_->decision() || session_->closed()) {
        return makeError(ErrorCode::Conflict, ReasonWord{"wrong_phase"},
                         "photos are taken for a decided, open parcel");
    }
    if (!settings_.rules.camerasAvailable) {
        return makeError(ErrorCode::Unsupported, ReasonWord{"no_camera"},
                         "this station has no photo camera");
    }
    const auto rec = receiptOf(*session_);
    core::PhotoJob job;
    job.receiptId = session_->id();
    job.role = std::string(role);
    job.order = rec.order.value_or("");
    job.code = rec.code.value_or("");
    job.station = settings_.station;
    job.takenAt = clock_.now();
    return job;
}

ActionResult Station::finishPhoto(const core::PhotoJob& job, const Result<core::PhotoTaken>& taken)
{
    if (!taken) {
        notice("error", "camera_error", "The photo failed: " + taken.error().message);
        return ActionResult::fail("camera_error", taken.error().message);
    }
    const auto& t = taken.value();
    if (!t.saved) {
        const std::string word = t.refusal.empty() ? "refused" : t.refusal;
        notice("error", word, "Photo refused (" + word + "): hold still, light the parcel, retry.");
        return ActionResult::fail(word, notice_->text);
    }
    if (!session_ || session_->id() != job.receiptId || session_->closed()) {
        // The parcel closed while the camera worked: the file stays, unreferenced, and is
        // reported; nothing else changes.
        return ActionResult::fail("wrong_phase", "The parcel closed before the photo.");
    }
    core::PhotoRecord rec = *t.saved;
    rec.receiptId = job.receiptId;
    rec.role = job.role;
    rec.takenAt = job.takenAt;
    auto next = *session_;
    if (auto st = next.addPhoto({rec.sha256, rec.role, rec.orderLabelVisible, rec.takenAt},
                                settings_.rules);
        !st) {
        return sessionError(st.error());
    }
    if (auto st = persist(next, [&] { return store_.insertPhoto(rec); }); !st) {
        return storeFailure(st.error());
    }
    if (!rec.orderLabelVisible && rec.role == "label") {
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
        return ActionResult::fail("bad_outcome", "outcome must be accepted or rejected");
    }
    if (reason.empty() || reason.size() > 500) {
        return ActionResult::fail("bad_reason", "a reason (1 to 500 characters) is required");
    }
    const core::Override ov{std::string(supervisor), std::string(reason), clock_.now(), *o};
    const bool accepting = *o == core::Outcome::Accepted;
    if (session_ && session_->id() == receiptId) {
        auto next = *session_;
        if (auto st = next.applyOverride(ov); !st) {
            return sessionError(st.error());
        }
        const auto code = next.decision()->code;
        auto st = persist(next, [&]() -> Status {
            return accepting ? consumeOnAccept(code, next.id()) : Status{};
        });
        if (!st) {
            return storeFailure(st.error());
        }
        refreshCounts();  // the effective outcome changed
        stationLog().notice("override to " + std::string(outcome) + " by " +
                                std::string(supervisor),
                            {.receipt = next.id(), .fields = {{"reason", std::string(reason)}}});
        notice("info", "overridden", "Supervisor " + std::string(supervisor) + " overrode.");
        return {};
    }
    // A closed receipt: the same override rule as an open session's.
    auto found = store_.findReceipt(receiptId);
    if (!found) {
        return storeFailure(found.error());
    }
    if (!found.value()) {
        return ActionResult::fail("not_found", "No receipt with this id.");
    }
    core::Receipt r = *found.value();
    if (auto st = core::overrideReceipt(r, ov); !st) {
        return ActionResult::fail("not_overridable",
                                  "Only a rejected or held decision is overridden, once.");
    }
    Status st = store_.writeTransaction([&]() -> Status {
        if (accepting) {
            if (auto c = consumeOnAccept(r.code, r.id); !c) {
                return c;
            }
        }
        return store_.updateReceipt(r);
    });
    if (!st) {
        if (st.error().is("already_synced")) {
            return ActionResult::fail("already_synced", st.error().message);
        }
        return storeFailure(st.error());
    }
    refreshCounts();
    stationLog().notice("override to " + std::string(outcome) + " by " + std::string(supervisor),
                        {.receipt = r.id, .fields = {{"reason", std::string(reason)}}});
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
    return receiptOf(*session_).order;
}

StationView Station::view() const
{
    StationView v;
    v.station = settings_.station;
    v.operatorId = settings_.operatorId;
    v.language = settings_.language;
    v.now = clock_.now();
    v.prompt = "scan_code";
    if (session_) {
        const auto& s = *session_;
        SessionView sv{s, receiptOf(s), s.missing(settings_.rules), false,
                       s.abandonAt(settings_.abandonAfter)};
        sv.canComplete = s.decision().has_value() && sv.missing.empty();
        const auto outcome = s.effectiveOutcome();
        if (!s.decision()) {
            v.prompt = "scan_code_or_no_code";
        } else if (outcome == core::Outcome::Accepted) {
            v.prompt =
                !s.condition() ? "inspect" : (sv.missing.empty() ? "complete" : "take_photos");
        } else {
            v.prompt = s.decision()->outcome == core::Outcome::Accepted || s.override_()
                           ? "refusal_photo"
                           : "override_or_refusal_photo";
        }
        v.session = std::move(sv);
    }
    v.last = last_;
    v.notice = notice_;
    v.counts = counts_;
    v.countsError = countsError_;
    v.camera = settings_.rules.camerasAvailable;
    return v;
}

}  // namespace returnscan::station
