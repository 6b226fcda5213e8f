// SPDX-License-Identifier: Apache-2.0
// Receipt to JSON in the central API's field names.
#include "returnscan/store/receipt_json.h"

#include <nlohmann/json.hpp>

#include "returnscan/core/time.h"

namespace returnscan::store {

std::string receiptToJson(const core::Receipt& r)
{
    using nlohmann::json;
    auto optString = [](const std::optional<std::string>& s) -> json {
        return s ? json(*s) : json(nullptr);
    };
    json scans = json::array();
    for (const auto& s : r.scans) {
        scans.push_back({{"at", core::formatRfc3339(s.at)},
                         {"device", s.device},
                         {"aim", s.aim},
                         {"data", s.data}});
    }
    json override_ = nullptr;
    if (r.override_) {
        override_ = {{"by", r.override_->by},
                     {"reason", r.override_->reason},
                     {"at", core::formatRfc3339(r.override_->at)},
                     {"decision", core::toString(r.override_->outcome)}};
    }
    json j = {
        {"id", r.id},
        {"station", r.station},
        {"operator", r.operatorId},
        {"code", optString(r.code)},
        {"order", optString(r.order)},
        {"decision", core::toString(r.decision)},
        {"reason", core::toString(r.reason)},
        {"flags", r.flags},
        {"condition", optString(r.condition)},
        {"started_at", core::formatRfc3339(r.startedAt)},
        {"decided_at", core::formatRfc3339(r.decidedAt)},
        {"completed_at", r.completedAt ? json(core::formatRfc3339(*r.completedAt)) : json(nullptr)},
        {"override", override_},
        {"scans", scans},
        {"photos", json::array()},
    };
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace returnscan::store
