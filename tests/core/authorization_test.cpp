// SPDX-License-Identifier: Apache-2.0
// Tests of authorization words, validation and the version-replacement rule.
#include "returnscan/core/authorization.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

using std::chrono::days;
using std::chrono::seconds;

Authorization valid()
{
    Authorization a;
    a.code = "RC7K3M9Q2XWR";
    a.order = "100045678";
    a.status = AuthStatus::Approved;
    a.issuedAt = Timestamp{} + days{20000};
    a.expiresAt = a.issuedAt + days{14};
    a.version = 17;
    return a;
}

TEST(AuthorizationTest, StatusWordsRoundTrip)
{
    for (auto s :
         {AuthStatus::Approved, AuthStatus::Pending, AuthStatus::Rejected, AuthStatus::Cancelled}) {
        EXPECT_EQ(parseAuthStatus(toString(s)), s);
    }
    EXPECT_EQ(toString(AuthStatus::Cancelled), "cancelled");
    EXPECT_FALSE(parseAuthStatus("Approved").has_value());
    EXPECT_FALSE(parseAuthStatus("canceled").has_value());
}

TEST(AuthorizationTest, CategoryWordsRoundTrip)
{
    for (auto c : {Category::WrongItem, Category::Damaged, Category::MissingItem,
                   Category::Functionality, Category::Other}) {
        EXPECT_EQ(parseCategory(toString(c)), c);
    }
    EXPECT_EQ(toString(Category::WrongItem), "wrong_item");
    EXPECT_FALSE(parseCategory("broken").has_value());
}

TEST(AuthorizationTest, EffectiveExpiryDefaultsToFourteenDays)
{
    auto a = valid();
    EXPECT_EQ(a.effectiveExpiry(), a.issuedAt + days{14});
    a.expiresAt = a.issuedAt + days{3};
    EXPECT_EQ(a.effectiveExpiry(), a.issuedAt + days{3});
    a.expiresAt.reset();
    EXPECT_EQ(a.effectiveExpiry(), a.issuedAt + seconds{14 * 86400});
}

TEST(AuthorizationTest, ValidatesGoodAuthorization)
{
    const auto f = CodeFormats::defaults();
    EXPECT_TRUE(validateAuthorization(valid(), f).ok());
    auto noExpiry = valid();
    noExpiry.expiresAt.reset();
    noExpiry.version.reset();
    EXPECT_TRUE(validateAuthorization(noExpiry, f).ok());
}

TEST(AuthorizationTest, RejectsBadFields)
{
    const auto f = CodeFormats::defaults();
    auto badCode = valid();
    badCode.code = "RC7K3M9Q2XWS";
    auto badOrder = valid();
    badOrder.order = "12345";
    auto expiryBeforeIssue = valid();
    expiryBeforeIssue.expiresAt = expiryBeforeIssue.issuedAt;
    auto negativeVersion = valid();
    negativeVersion.version = -1;
    struct Case {
        Authorization a;
        const char* word;
    };
    for (const Case& c :
         {Case{badCode, "code"}, Case{badOrder, "order"}, Case{expiryBeforeIssue, "expires_at"},
          Case{negativeVersion, "version"}}) {
        const auto st = validateAuthorization(c.a, f);
        ASSERT_FALSE(st.ok()) << c.word;
        EXPECT_EQ(st.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(st.error().message.find(c.word), std::string::npos) << st.error().message;
    }
}

TEST(AuthorizationTest, VersionReplacementRule)
{
    using V = std::optional<std::int64_t>;
    EXPECT_TRUE(replaces(V{18}, V{17}));
    EXPECT_FALSE(replaces(V{17}, V{17}));
    EXPECT_FALSE(replaces(V{16}, V{17}));
    EXPECT_TRUE(replaces(V{}, V{}));
    EXPECT_FALSE(replaces(V{}, V{17}));
    EXPECT_TRUE(replaces(V{0}, V{}));
}

}  // namespace
}  // namespace returnscan::core
