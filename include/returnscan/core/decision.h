// SPDX-License-Identifier: Apache-2.0
// The decision table of BRIEF.md for one parcel: pure, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "returnscan/core/authorization.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

enum class Outcome { Accepted, Rejected, Held };

/// Reason words: part of the interface (CLI JSON, UI, sync); never renamed.
enum class Reason {
    Accepted,
    NoCode,
    MalformedCode,
    UnknownCode,
    NotApproved,
    Expired,
    AlreadyReceived,
    OrderMismatch,
};

[[nodiscard]] std::string_view toString(Outcome o);
[[nodiscard]] std::string_view toString(Reason r);
[[nodiscard]] std::optional<Outcome> parseOutcome(std::string_view word);
[[nodiscard]] std::optional<Reason> parseReason(std::string_view word);
/// Operator-facing sentence for a reason ("The return code has expired.").
[[nodiscard]] std::string_view describe(Reason r);

/// What the store knows about a code.
struct CodeState {
    Authorization auth;
    std::optional<std::string> consumedBy;  ///< receipt id that consumed the code, if any
};

/// One parcel's facts at decision time.
struct DecisionInput {
    std::optional<std::string> code;   ///< the return-code text read; nullopt = no code presented
    std::optional<std::string> order;  ///< an order-label number scanned for this parcel, if any
    Timestamp at{};                    ///< scan time
};

struct Decision {
    Outcome outcome = Outcome::Rejected;
    Reason reason = Reason::NoCode;
    std::string code;  ///< the code as read (displaySafe() form when malformed); empty for no_code
    std::optional<std::string> order;    ///< the authorization's order, else the scanned one
    std::optional<Timestamp> expiresAt;  ///< effective expiry when the code is known
};

/// True when the format check alone decides (rows 1 and 2): then no lookup is needed.
/// Returns the decision in that case.
[[nodiscard]] std::optional<Decision> decideWithoutLookup(const DecisionInput& in,
                                                          const CodeFormats& formats);

/// The decision table, rows 1..8 in order, the first that applies decides. `state` is what the
/// store holds for the code (nullopt: unknown). Expiry: rejected when `at >= expiresAt`.
[[nodiscard]] Decision decide(const DecisionInput& in, const CodeFormats& formats,
                              const std::optional<CodeState>& state);

}  // namespace returnscan::core
