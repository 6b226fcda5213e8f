// SPDX-License-Identifier: Apache-2.0
// Advisory policy flags from an authorization's dates; the station reports, central decides.
#include "returnscan/core/advisory.h"

namespace returnscan::core {

std::vector<std::string> advisoryFlags(const Authorization& a, Timestamp now)
{
    std::vector<std::string> flags;
    const Timestamp reported = a.reportedAt.value_or(a.issuedAt);
    // Without a delivery date the station cannot tell how late the claim was: no guess.
    if (a.deliveredAt) {
        const auto late = reported - *a.deliveredAt;
        if (a.category == Category::Functionality && late > kFunctionalityReportWindow) {
            flags.emplace_back("functionality_reported_late");
        }
        if (late > kLateAssessmentAfter) {
            flags.emplace_back("reported_after_30_days");
        }
        if (late > kPresumedGoodAfter) {
            flags.emplace_back("presumed_good_condition");
        }
    }
    const Timestamp lastActivity = a.lastActivityAt.value_or(reported);
    if (now - lastActivity > kTicketIdleAfter) {
        flags.emplace_back("ticket_idle_30_days");
    }
    return flags;
}

}  // namespace returnscan::core
