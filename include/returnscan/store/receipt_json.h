// SPDX-License-Identifier: Apache-2.0
// Receipts as JSON, in the central API's field names (central-api.md section 2).
#pragma once

#include <string>

#include "returnscan/core/receipt.h"

namespace returnscan::store {

/// One receipt as a compact JSON object (invalid UTF-8 in any field is replaced, never thrown).
[[nodiscard]] std::string receiptToJson(const core::Receipt& r);

}  // namespace returnscan::store
