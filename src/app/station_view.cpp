// SPDX-License-Identifier: Apache-2.0
#include "station_view.h"

#include <string>

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

json lastJson(const station::LastParcel& l)
{
    const auto& r = l.receipt;
    return json{{"id", r.id},
                {"code", optionalString(r.code)},
                {"order", optionalString(r.order)},
                {"outcome", core::toString(l.outcome)},
                {"reason", core::toString(r.reason)},
                {"text", core::describe(r.reason)},
                {"overridden", r.override_.has_value()},
                {"completed_at", timeJson(r.completedAt)},
                {"abandoned", l.abandoned}};
}

json sessionJson(const station::SessionView& v)
{
    const auto& s = v.session;
    const auto& r = v.receipt;
    json sj{{"id", s.id()},
            {"phase", core::toString(s.phase())},
            {"started_at", core::formatRfc3339(s.startedAt())},
            {"code", optionalString(r.code)},
            {"order", optionalString(r.order)},
            {"condition", s.condition() ? json(core::toString(*s.condition())) : json()},
            {"flags", s.flags()},
            {"abandon_at", core::formatRfc3339(v.abandonAt)}};
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
    sj["missing"] = missingJson(v.missing);
    sj["can_complete"] = v.canComplete;
    return sj;
}

}  // namespace

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

json stateJson(const station::StationView& v)
{
    json j{{"version", 1},
           {"station", v.station},
           {"operator", v.operatorId},
           {"language", v.language},
           {"now", core::formatRfc3339(v.now)}};
    j["session"] = v.session ? sessionJson(*v.session) : json();
    j["prompt"] = v.prompt;
    j["last"] = v.last ? lastJson(*v.last) : json();
    if (v.notice) {
        j["message"] =
            json{{"level", v.notice->level}, {"word", v.notice->word}, {"text", v.notice->text}};
    } else {
        j["message"] = nullptr;
    }
    if (v.countsError.empty()) {
        j["counts"] = json{{"accepted", v.counts.accepted},
                           {"rejected", v.counts.rejected},
                           {"held", v.counts.held},
                           {"abandoned", v.counts.abandoned},
                           {"total", v.counts.total}};
    } else {
        j["counts"] = json{{"error", v.countsError}};
    }
    j["camera"] = v.camera;
    return j;
}

}  // namespace returnscan::app
