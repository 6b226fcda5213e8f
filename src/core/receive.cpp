// SPDX-License-Identifier: Apache-2.0
// Receiving a parcel: lookup, decision, receipt and code consumption in one write transaction.
#include "returnscan/core/receive.h"

#include "decision_detail.h"

#include <utility>

#include "text.h"

namespace returnscan::core {

namespace {

// Runs rows 1-2 without the store, else looks the code up and runs the whole table. `state`
// receives what the store knows (nullopt when unknown or not looked up).
Result<Decision> lookupAndDecide(ReturnStore& store, const CodeFormats& formats,
                                 const DecisionInput& input, std::optional<CodeState>& state)
{
    state.reset();
    if (auto early = decideWithoutLookup(input, formats)) {
        return std::move(*early);
    }
    auto found = store.findCode(detail::trimEdges(*input.code));
    if (!found) {
        return std::move(found).takeError();
    }
    state = std::move(found).value();
    return detail::decideWellFormed(input, state);
}

}  // namespace

Result<ReceiveOutcome> receiveParcel(ReturnStore& store, const CodeFormats& formats,
                                     const ReceiveRequest& request)
{
    std::optional<ReceiveOutcome> done;
    Status st = store.writeTransaction([&]() -> Status {
        std::optional<CodeState> state;
        auto decided = lookupAndDecide(store, formats, request.input, state);
        if (!decided) {
            return std::move(decided).takeError();
        }
        Decision& d = decided.value();

        Receipt r;
        r.id = request.receiptId;
        r.station = request.station;
        r.operatorId = request.operatorId;
        if (d.reason != Reason::NoCode && d.reason != Reason::MalformedCode) {
            r.code = d.code;  // well-formed: the trimmed code itself
        }
        r.order = d.order;
        r.decision = d.outcome;
        r.reason = d.reason;
        if (state) {
            r.flags = advisoryFlags(state->auth, request.input.at);
        }
        r.startedAt = request.startedAt;
        r.decidedAt = request.input.at;
        if (!request.leaveOpen) {
            r.completedAt = request.input.at;
        }
        r.scans = request.scans;

        if (auto ins = store.insertReceipt(r); !ins) {
            return ins;
        }
        if (d.outcome == Outcome::Accepted) {
            if (auto con = store.consumeCode(d.code, r.id); !con) {
                return con;
            }
        }
        done = ReceiveOutcome{std::move(d), std::move(r),
                              state ? state->auth.lines : std::vector<AuthLine>{}};
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    if (!done) {
        return makeError(ErrorCode::Internal,
                         "write transaction succeeded without running its body");
    }
    return std::move(*done);
}

Result<Decision> checkParcel(ReturnStore& store, const CodeFormats& formats,
                             const DecisionInput& input)
{
    std::optional<CodeState> state;
    return lookupAndDecide(store, formats, input, state);
}

}  // namespace returnscan::core
