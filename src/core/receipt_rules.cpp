// SPDX-License-Identifier: Apache-2.0
#include "returnscan/core/receipt_rules.h"

#include <algorithm>

#include "returnscan/core/code_format.h"

namespace returnscan::core {

namespace {

/// The name of the first field of `next` that differs from `old` and may not change, or empty.
std::string_view changedImmutableField(const Receipt& old, const Receipt& next)
{
    if (next.station != old.station) {
        return "station";
    }
    if (next.operatorId != old.operatorId) {
        return "operator";
    }
    if (next.code != old.code) {
        return "code";
    }
    if (next.decision != old.decision) {
        return "decision";
    }
    if (next.reason != old.reason) {
        return "reason";
    }
    if (next.startedAt != old.startedAt) {
        return "started_at";
    }
    if (next.decidedAt != old.decidedAt) {
        return "decided_at";
    }
    if (old.order && next.order != old.order) {
        return "order_no";  // set once: only an absent order may be filled in
    }
    return {};
}

/// The audit detail of an update. Values are for people; "-" stands for "none".
std::string describeUpdate(const Receipt& old, const Receipt& next)
{
    std::string detail;
    auto add = [&detail](std::string_view field, std::string_view value) {
        if (!detail.empty()) {
            detail += ' ';
        }
        detail += field;
        detail += '=';
        detail += value;
    };
    if (next.condition != old.condition) {
        add("condition", next.condition ? std::string_view(*next.condition) : "-");
    }
    if (next.flags != old.flags) {
        std::string list;
        for (const auto& f : next.flags) {
            list += list.empty() ? "" : ",";
            list += f;
        }
        add("flags", list.empty() ? "-" : list);
    }
    if (next.completedAt != old.completedAt) {
        add("completed_at", next.completedAt ? formatRfc3339(*next.completedAt) : "-");
    }
    if (next.override_ != old.override_) {
        std::string o = "-";
        if (next.override_) {
            o = std::string(toString(next.override_->outcome)) + "(by " + next.override_->by + ")";
        }
        add("override", o);
    }
    if (!old.order && next.order) {
        add("order", *next.order);
    }
    if (next.scans.size() > old.scans.size()) {
        add("scans", "+" + std::to_string(next.scans.size() - old.scans.size()));
    }
    return detail;
}

}  // namespace

Result<std::string> checkReceiptUpdate(const Receipt& stored, const Receipt& next)
{
    if (const auto field = changedImmutableField(stored, next); !field.empty()) {
        return makeError(ErrorCode::InvalidArgument, ReasonWord{"immutable_field"},
                         "immutable field " + std::string(field) + " of receipt " +
                             displaySafe(next.id) + " differs from the stored one");
    }
    if (stored.completedAt && !next.completedAt) {
        return makeError(ErrorCode::InvalidArgument, ReasonWord{"completed_cleared"},
                         "completed_at of receipt " + displaySafe(next.id) +
                             " cannot be cleared: a completed receipt is not reopened");
    }
    if (next.scans.size() < stored.scans.size() ||
        !std::equal(stored.scans.begin(), stored.scans.end(), next.scans.begin())) {
        return makeError(ErrorCode::InvalidArgument, ReasonWord{"scans_not_appended"},
                         "scans are append-only: the " + std::to_string(stored.scans.size()) +
                             " stored scans of receipt " + displaySafe(next.id) +
                             " are not a prefix of the given ones");
    }
    return describeUpdate(stored, next);
}

Error alreadySyncedError(std::string_view receiptId, Timestamp syncedAt)
{
    return makeError(ErrorCode::Conflict, ReasonWord{"already_synced"},
                     "receipt " + displaySafe(receiptId) + " was sent to the central system at " +
                         formatRfc3339(syncedAt) + ", which keeps the first version it received");
}

}  // namespace returnscan::core
