// SPDX-License-Identifier: Apache-2.0
// The decision table of BRIEF.md (rows 1..8, first match decides) and its words.
#include "returnscan/core/decision.h"

#include "decision_detail.h"

#include "returnscan/core/classify.h"
#include "text.h"

namespace returnscan::core {

std::string_view toString(Outcome o)
{
    switch (o) {
        case Outcome::Accepted:
            return "accepted";
        case Outcome::Rejected:
            return "rejected";
        case Outcome::Held:
            return "held";
    }
    return "rejected";
}

std::string_view toString(Reason r)
{
    switch (r) {
        case Reason::Accepted:
            return "accepted";
        case Reason::NoCode:
            return "no_code";
        case Reason::MalformedCode:
            return "malformed_code";
        case Reason::UnknownCode:
            return "unknown_code";
        case Reason::NotApproved:
            return "not_approved";
        case Reason::Expired:
            return "expired";
        case Reason::AlreadyReceived:
            return "already_received";
        case Reason::OrderMismatch:
            return "order_mismatch";
    }
    return "no_code";
}

std::optional<Outcome> parseOutcome(std::string_view word)
{
    for (auto o : {Outcome::Accepted, Outcome::Rejected, Outcome::Held}) {
        if (toString(o) == word) {
            return o;
        }
    }
    return std::nullopt;
}

std::optional<Reason> parseReason(std::string_view word)
{
    for (auto r :
         {Reason::Accepted, Reason::NoCode, Reason::MalformedCode, Reason::UnknownCode,
          Reason::NotApproved, Reason::Expired, Reason::AlreadyReceived, Reason::OrderMismatch}) {
        if (toString(r) == word) {
            return r;
        }
    }
    return std::nullopt;
}

std::string_view describe(Reason r)
{
    switch (r) {
        case Reason::Accepted:
            return "Return code valid: accept the parcel and go on with the inspection.";
        case Reason::NoCode:
            return "No return code: refuse the parcel, take a refusal photo, refusal shelf.";
        case Reason::MalformedCode:
            return "Not a valid return code (format or check character): scan again or refuse.";
        case Reason::UnknownCode:
            return "Return code not known to this station: refuse, or ask a supervisor.";
        case Reason::NotApproved:
            return "Return code not approved (pending, rejected or cancelled): refuse.";
        case Reason::Expired:
            return "Return code expired (valid for 2 weeks from issue): refuse.";
        case Reason::AlreadyReceived:
            return "This return code was already used for a received parcel: refuse.";
        case Reason::OrderMismatch:
            return "The order label is for another order than the return code: hold for a "
                   "supervisor.";
    }
    return "";
}

std::optional<Decision> decideWithoutLookup(const DecisionInput& in, const CodeFormats& formats)
{
    if (!in.code) {
        Decision d;
        d.outcome = Outcome::Rejected;
        d.reason = Reason::NoCode;
        d.order = in.order;
        return d;
    }
    const std::string_view code = detail::trimEdges(*in.code);
    // Anything that is not an acceptable read (too long, control bytes, bad UTF-8, empty) is
    // malformed as well; the raw length is judged so padding cannot hide an oversized read.
    const bool acceptable = in.code->size() <= kMaxReadBytes && readProblem(code).empty();
    if (acceptable && formats.returnCode.valid(code)) {
        return std::nullopt;
    }
    Decision d;
    d.outcome = Outcome::Rejected;
    d.reason = Reason::MalformedCode;
    d.code = displaySafe(code);
    d.order = in.order;
    return d;
}

Decision decide(const DecisionInput& in, const CodeFormats& formats,
                const std::optional<CodeState>& state)
{
    if (auto early = decideWithoutLookup(in, formats)) {
        return std::move(*early);
    }
    return detail::decideWellFormed(in, state);
}

Decision detail::decideWellFormed(const DecisionInput& in, const std::optional<CodeState>& state)
{
    Decision d;
    d.code = std::string(detail::trimEdges(*in.code));
    if (!state) {
        d.outcome = Outcome::Rejected;
        d.reason = Reason::UnknownCode;
        d.order = in.order;
        return d;
    }
    const Authorization& auth = state->auth;
    if (!auth.order.empty()) {
        d.order = auth.order;
    } else {
        d.order = in.order;
    }
    const Timestamp expiry = auth.effectiveExpiry();
    d.expiresAt = expiry;
    d.outcome = Outcome::Rejected;
    if (auth.status != AuthStatus::Approved) {
        d.reason = Reason::NotApproved;
    } else if (in.at >= expiry) {
        d.reason = Reason::Expired;
    } else if (state->consumedBy) {
        d.reason = Reason::AlreadyReceived;
    } else if (in.order && detail::trimEdges(*in.order) != auth.order) {
        d.outcome = Outcome::Held;
        d.reason = Reason::OrderMismatch;
    } else {
        d.outcome = Outcome::Accepted;
        d.reason = Reason::Accepted;
    }
    return d;
}

}  // namespace returnscan::core
