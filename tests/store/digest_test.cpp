// SPDX-License-Identifier: Apache-2.0
// SHA-256: known answers, and the incremental form agrees with the one-shot form.
#include "returnscan/digest/sha256.h"

#include <gtest/gtest.h>

namespace returnscan::digest {
namespace {

TEST(Sha256Test, KnownAnswers)
{
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, IncrementalMatchesOneShot)
{
    std::string data(100000, 'x');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(i * 7);
    Sha256 h;
    ASSERT_TRUE(h.ok());
    for (std::size_t i = 0; i < data.size(); i += 4099) {
        h.update(std::string_view(data).substr(i, 4099));
    }
    EXPECT_EQ(h.hex(), sha256Hex(data));
    EXPECT_EQ(h.hex(), "");  // spent
}

TEST(Sha256Test, HexFormIsSixtyFourLowerCaseDigits)
{
    EXPECT_TRUE(isSha256Hex(sha256Hex("abc")));
    EXPECT_TRUE(isSha256Hex(std::string(64, 'a')));
    EXPECT_FALSE(isSha256Hex(std::string(64, 'A')));
    EXPECT_FALSE(isSha256Hex(std::string(63, 'a')));
    EXPECT_FALSE(isSha256Hex(std::string(65, 'a')));
    EXPECT_FALSE(isSha256Hex(std::string(63, 'a') + "g"));
    EXPECT_FALSE(isSha256Hex(""));
}

}  // namespace
}  // namespace returnscan::digest
