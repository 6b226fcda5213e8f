// SPDX-License-Identifier: Apache-2.0
// PIN hashes: format, round trip, wrong PINs, malformed hashes, and the constant-time compare.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "crypto.h"
#include "returnscan/ui/server.h"

namespace returnscan::ui {
namespace {

TEST(PinHashTest, HasTheDocumentedForm)
{
    const auto h = hashPin("1234");
    // pbkdf2-sha256$100000$<32 hex>$<64 hex>
    ASSERT_EQ(h.size(), std::string("pbkdf2-sha256$100000$").size() + 32 + 1 + 64) << h;
    EXPECT_EQ(h.rfind("pbkdf2-sha256$100000$", 0), 0u);
    EXPECT_TRUE(isPinHash(h));
    // A fresh salt each time.
    EXPECT_NE(hashPin("1234"), h);
}

TEST(PinHashTest, RoundTrips)
{
    const auto h = hashPin("482913");
    EXPECT_TRUE(verifyPin("482913", h));
    EXPECT_FALSE(verifyPin("482914", h));
    EXPECT_FALSE(verifyPin("48291", h));
    EXPECT_FALSE(verifyPin("", h));
    EXPECT_FALSE(verifyPin("4829130", h));
}

TEST(PinHashTest, VerifiesAKnownAnswer)
{
    // PBKDF2-HMAC-SHA256, P = "passwordPASSWORDpassword",
    // S = "saltSALTsaltSALTsaltSALTsaltSALTsalt", c = 4096, dkLen = 40: the published test
    // vector (as in RFC 6070 for SHA-1).
    const std::string h =
        "pbkdf2-sha256$4096$"
        "73616c7453414c5473616c7453414c5473616c7453414c5473616c7453414c5473616c74$"
        "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9";
    EXPECT_TRUE(verifyPin("passwordPASSWORDpassword", h));
    EXPECT_FALSE(verifyPin("passwordPASSWORDpassworD", h));
    // Hex case is not significant.
    std::string upper = h;
    std::transform(upper.begin() + 19, upper.end(), upper.begin() + 19,
                   [](char c) { return static_cast<char>(std::toupper(c)); });
    EXPECT_TRUE(verifyPin("passwordPASSWORDpassword", upper));
}

TEST(PinHashTest, MalformedHashesNeverMatch)
{
    const auto good = hashPin("1234");
    const auto salt = good.substr(21, 32);
    const auto hash = good.substr(54);
    const std::vector<std::string> bad{
        "",
        "1234",
        "pbkdf2-sha256$100000$" + salt,
        "pbkdf2-sha1$100000$" + salt + "$" + hash,
        "pbkdf2-sha256$0$" + salt + "$" + hash,
        "pbkdf2-sha256$0100000$" + salt + "$" + hash,
        "pbkdf2-sha256$-5$" + salt + "$" + hash,
        "pbkdf2-sha256$99999999$" + salt + "$" + hash,
        "pbkdf2-sha256$100000$" + salt + "$" + hash + "$",
        "pbkdf2-sha256$100000$" + salt.substr(1) + "$" + hash,
        "pbkdf2-sha256$100000$" + salt + "$" + hash.substr(0, 63),
        "pbkdf2-sha256$100000$" + salt + "$" + hash.substr(0, 62) + "zz",
        "pbkdf2-sha256$100000$abcd$" + hash,
        "pbkdf2-sha256$100000$$" + hash,
        "pbkdf2-sha256$1e5$" + salt + "$" + hash,
    };
    for (const auto& h : bad) {
        EXPECT_FALSE(isPinHash(h)) << h;
        EXPECT_FALSE(verifyPin("1234", h)) << h;
    }
}

TEST(PinHashTest, LoginsWithRealHashesWork)
{
    // The server tests use quick hashes; this one logs in against hashPin()'s own.
    const std::vector<SupervisorPin> supervisors{{"a", hashPin("1111")}, {"b", hashPin("2222")}};
    EXPECT_TRUE(verifyPin("2222", supervisors[1].pinHash));
    EXPECT_FALSE(verifyPin("2222", supervisors[0].pinHash));
    EXPECT_TRUE(isPinHash(supervisors[0].pinHash));
}

TEST(PinHashTest, WrongHashBytesDoNotMatch)
{
    auto h = hashPin("1234");
    h.back() = h.back() == '0' ? '1' : '0';
    EXPECT_TRUE(isPinHash(h));
    EXPECT_FALSE(verifyPin("1234", h));
}

TEST(ConstantTimeTest, ComparesLikeEquality)
{
    EXPECT_TRUE(detail::equalConstantTime("", ""));
    EXPECT_TRUE(detail::equalConstantTime("abc", "abc"));
    EXPECT_FALSE(detail::equalConstantTime("abc", "abd"));
    EXPECT_FALSE(detail::equalConstantTime("abc", "abcd"));
    EXPECT_FALSE(detail::equalConstantTime("", "a"));
}

// The comparison used for session ids, CSRF tokens (and, in verifyPin, the hashes) has no early
// exit: a difference in the first byte costs as much as one in the last. memcmp would answer
// the first case about a million times faster at this length.
TEST(ConstantTimeTest, TakesAsLongWhateverByteDiffers)
{
    const std::string a(4 << 20, 'x');
    std::string first = a;
    first.front() = 'y';
    std::string last = a;
    last.back() = 'y';
    auto median = [&](const std::string& b) {
        std::vector<std::chrono::nanoseconds> times;
        for (int i = 0; i < 9; ++i) {
            const auto t = std::chrono::steady_clock::now();
            EXPECT_FALSE(detail::equalConstantTime(a, b));
            times.push_back(std::chrono::steady_clock::now() - t);
        }
        std::sort(times.begin(), times.end());
        return times[times.size() / 2];
    };
    const auto early = median(first);
    const auto late = median(last);
    EXPECT_GT(early * 4, late) << "early " << early.count() << " ns, late " << late.count();
}

TEST(RandomHexTest, GivesFreshTokens)
{
    const auto a = detail::randomHex(32);
    const auto b = detail::randomHex(32);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->size(), 64u);
    EXPECT_NE(*a, *b);
    EXPECT_TRUE(std::all_of(a->begin(), a->end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }));
}

}  // namespace
}  // namespace returnscan::ui
