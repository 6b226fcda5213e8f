// SPDX-License-Identifier: Apache-2.0
// Receiving a parcel: decide and record atomically, so nothing reports "accepted" before the
// receipt and the consumption of its code are durable together.
#pragma once

#include <string>
#include <vector>

#include "returnscan/core/advisory.h"
#include "returnscan/core/decision.h"
#include "returnscan/core/ports.h"
#include "returnscan/core/receipt.h"

namespace returnscan::core {

struct ReceiveRequest {
    DecisionInput input;    ///< code (or none), scanned order, scan time
    std::string receiptId;  ///< the session's UUID
    std::string station;
    std::string operatorId;
    Timestamp startedAt{};
    std::vector<ScanRecord> scans;
    /// Leave the receipt open (completed_at unset): the kiosk completes it after inspection
    /// and photos. Otherwise it is complete at the decision time (the CLI's `receive`).
    bool leaveOpen = false;
};

struct ReceiveOutcome {
    Decision decision;
    Receipt receipt;              ///< as committed
    std::vector<AuthLine> lines;  ///< the authorization's expected lines (empty when unknown)
};

/// In one write transaction of `store`: looks the code up, applies the decision table, writes
/// the receipt (every outcome gets one; advisory flags added for known codes) and, when
/// accepted, consumes the code. Returns only after the commit succeeded; on any error nothing
/// is written and the error is returned.
[[nodiscard]] Result<ReceiveOutcome> receiveParcel(ReturnStore& store, const CodeFormats& formats,
                                                   const ReceiveRequest& request);

/// Looks the code up (when its format allows) and decides, writing nothing.
[[nodiscard]] Result<Decision> checkParcel(ReturnStore& store, const CodeFormats& formats,
                                           const DecisionInput& input);

}  // namespace returnscan::core
