// SPDX-License-Identifier: Apache-2.0
// Internal: the part of the decision table that follows a successful format check.
#pragma once

#include <optional>

#include "returnscan/core/decision.h"

namespace returnscan::core::detail {

/// Rows 3 to 8 of the decision table, for an input whose code decideWithoutLookup() already
/// found well-formed (so the format is not checked a second time on the lookup path).
[[nodiscard]] Decision decideWellFormed(const DecisionInput& in,
                                        const std::optional<CodeState>& state);

}  // namespace returnscan::core::detail
