// SPDX-License-Identifier: Apache-2.0
// Tests of the advisory policy flags at their day boundaries.
#include "returnscan/core/advisory.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace returnscan::core {
namespace {

using std::chrono::days;
using std::chrono::seconds;

bool has(const std::vector<std::string>& flags, std::string_view f)
{
    return std::find(flags.begin(), flags.end(), f) != flags.end();
}

class AdvisoryTest : public ::testing::Test {
protected:
    Timestamp delivered_ = Timestamp{} + days{20000};

    Authorization auth(std::chrono::seconds reportedAfterDelivery,
                       std::optional<Category> category = Category::Damaged) const
    {
        Authorization a;
        a.code = "RC7K3M9Q2XWR";
        a.order = "100045678";
        a.status = AuthStatus::Approved;
        a.deliveredAt = delivered_;
        a.issuedAt = delivered_ + reportedAfterDelivery;
        a.category = category;
        return a;
    }

    Timestamp soonAfter(const Authorization& a) const { return a.issuedAt + days{1}; }
};

TEST_F(AdvisoryTest, NoFlagsForPromptClaim)
{
    const auto a = auth(days{3});
    EXPECT_TRUE(advisoryFlags(a, soonAfter(a)).empty());
}

TEST_F(AdvisoryTest, FunctionalityLateOnlyAfterMoreThanFifteenDays)
{
    const auto exact = auth(days{15}, Category::Functionality);
    EXPECT_FALSE(has(advisoryFlags(exact, soonAfter(exact)), "functionality_reported_late"));
    const auto late = auth(days{15} + seconds{1}, Category::Functionality);
    EXPECT_TRUE(has(advisoryFlags(late, soonAfter(late)), "functionality_reported_late"));
}

TEST_F(AdvisoryTest, FunctionalityFlagNeedsFunctionalityCategory)
{
    for (auto cat : {std::optional<Category>(Category::Damaged),
                     std::optional<Category>(Category::WrongItem), std::optional<Category>()}) {
        const auto a = auth(days{16}, cat);
        EXPECT_FALSE(has(advisoryFlags(a, soonAfter(a)), "functionality_reported_late"));
    }
}

TEST_F(AdvisoryTest, PresumedGoodAfterMoreThanFourteenDays)
{
    const auto exact = auth(days{14});
    EXPECT_FALSE(has(advisoryFlags(exact, soonAfter(exact)), "presumed_good_condition"));
    const auto late = auth(days{14} + seconds{1});
    EXPECT_TRUE(has(advisoryFlags(late, soonAfter(late)), "presumed_good_condition"));
}

TEST_F(AdvisoryTest, ReportedAfterThirtyDaysBoundary)
{
    const auto exact = auth(days{30}, Category::Functionality);
    const auto flagsExact = advisoryFlags(exact, soonAfter(exact));
    EXPECT_FALSE(has(flagsExact, "reported_after_30_days"));
    const auto late = auth(days{30} + seconds{1}, Category::Functionality);
    const auto flags = advisoryFlags(late, soonAfter(late));
    EXPECT_EQ(flags,
              (std::vector<std::string>{"functionality_reported_late", "reported_after_30_days",
                                        "presumed_good_condition"}));
}

TEST_F(AdvisoryTest, ReportedAtOverridesIssuedAt)
{
    auto a = auth(days{1});
    a.reportedAt = delivered_ + days{20};
    EXPECT_TRUE(has(advisoryFlags(a, soonAfter(a)), "presumed_good_condition"));
}

TEST_F(AdvisoryTest, NoDeliveryDateNoLatenessFlags)
{
    auto a = auth(days{40}, Category::Functionality);
    a.deliveredAt.reset();
    EXPECT_TRUE(advisoryFlags(a, soonAfter(a)).empty());
}

TEST_F(AdvisoryTest, TicketIdleAfterMoreThanThirtyDays)
{
    auto a = auth(days{1});
    EXPECT_FALSE(has(advisoryFlags(a, a.issuedAt + days{30}), "ticket_idle_30_days"));
    EXPECT_TRUE(has(advisoryFlags(a, a.issuedAt + days{30} + seconds{1}), "ticket_idle_30_days"));
    a.lastActivityAt = a.issuedAt + days{10};
    EXPECT_FALSE(has(advisoryFlags(a, a.issuedAt + days{30} + seconds{1}), "ticket_idle_30_days"));
    EXPECT_TRUE(has(advisoryFlags(a, a.issuedAt + days{40} + seconds{1}), "ticket_idle_30_days"));
}

TEST_F(AdvisoryTest, TicketIdleCountsFromReportedAt)
{
    auto a = auth(days{1});
    a.reportedAt = a.issuedAt + days{5};
    EXPECT_FALSE(has(advisoryFlags(a, a.issuedAt + days{35}), "ticket_idle_30_days"));
    EXPECT_TRUE(has(advisoryFlags(a, a.issuedAt + days{35} + seconds{1}), "ticket_idle_30_days"));
}

}  // namespace
}  // namespace returnscan::core
