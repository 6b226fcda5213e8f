// SPDX-License-Identifier: Apache-2.0
// The receipt's lifecycle (BRIEF.md, "Receipts"): what may change on a stored receipt, and when.
// Pure rules: every ReceiptStore (the SQLite adapter, the tests' fake) applies these, so the
// rules are written once and a fake cannot drift from the real store.
#pragma once

#include <string>
#include <string_view>

#include "returnscan/core/receipt.h"
#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

/// Checks that `next` is a permitted update of the stored receipt `stored` (same id). Mutable:
/// condition, flags, completed_at (set or changed, never cleared), override, and the order
/// while the stored one is absent. Scans are append-only: the stored scans must be a prefix of
/// `next.scans`. Returns the audit detail of the change (`field=value` pairs, space-separated;
/// empty when nothing changes). Errors: InvalidArgument with reason "immutable_field" (station,
/// operator, code, decision, reason, started_at, decided_at, a stored order),
/// "completed_cleared" or "scans_not_appended".
[[nodiscard]] Result<std::string> checkReceiptUpdate(const Receipt& stored, const Receipt& next);

/// The error for a change to a receipt the central system already holds (it keeps the first
/// version it received): Conflict with reason "already_synced".
[[nodiscard]] Error alreadySyncedError(std::string_view receiptId, Timestamp syncedAt);

}  // namespace returnscan::core
