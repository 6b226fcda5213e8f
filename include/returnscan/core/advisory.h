// SPDX-License-Identifier: Apache-2.0
// Advisory policy flags (15 / 30 / 14 days): computed here, sent with the receipt, decided
// centrally.
#pragma once

#include <string>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

inline constexpr std::chrono::seconds kFunctionalityReportWindow = std::chrono::days(15);
inline constexpr std::chrono::seconds kLateAssessmentAfter = std::chrono::days(30);
inline constexpr std::chrono::seconds kPresumedGoodAfter = std::chrono::days(14);
inline constexpr std::chrono::seconds kTicketIdleAfter = std::chrono::days(30);

/// Flag words (part of the receipt interface):
/// - `functionality_reported_late`: category functionality, reported more than 15 days after
/// delivery
/// - `reported_after_30_days`: reported more than 30 days after delivery (central may assess)
/// - `presumed_good_condition`: reported more than 14 days after delivery (good condition presumed)
/// - `ticket_idle_30_days`: no activity on the ticket for more than 30 days at `now`
/// Dates that the authorization lacks produce no flag: the station never guesses a delivery date.
/// `reportedAt` defaults to `issuedAt`, `lastActivityAt` to `reportedAt` or `issuedAt`.
[[nodiscard]] std::vector<std::string> advisoryFlags(const Authorization& a, Timestamp now);

}  // namespace returnscan::core
