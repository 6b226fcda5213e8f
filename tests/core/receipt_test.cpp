// SPDX-License-Identifier: Apache-2.0
// Tests of receipt ids (UUID v4).
#include "returnscan/core/receipt.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

TEST(ReceiptTest, FormatsVersion4Uuid)
{
    std::array<std::uint8_t, 16> zeros{};
    EXPECT_EQ(uuidV4FromBytes(zeros), "00000000-0000-4000-8000-000000000000");
    std::array<std::uint8_t, 16> ones;
    ones.fill(0xff);
    EXPECT_EQ(uuidV4FromBytes(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    std::array<std::uint8_t, 16> seq{};
    for (std::size_t i = 0; i < seq.size(); ++i) {
        seq[i] = static_cast<std::uint8_t>(i * 17);
    }
    EXPECT_EQ(uuidV4FromBytes(seq), "00112233-4455-4677-8899-aabbccddeeff");
}

TEST(ReceiptTest, GeneratedUuidsAreCanonical)
{
    std::array<std::uint8_t, 16> b{};
    for (int round = 0; round < 256; ++round) {
        for (std::size_t i = 0; i < b.size(); ++i) {
            b[i] = static_cast<std::uint8_t>(round * 31 + static_cast<int>(i) * 7);
        }
        EXPECT_TRUE(isUuid(uuidV4FromBytes(b)));
    }
}

TEST(ReceiptTest, RecognisesCanonicalUuidsOnly)
{
    EXPECT_TRUE(isUuid("0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11"));
    EXPECT_FALSE(isUuid("0B6F3C1E-6A43-4F1E-9D55-2F1A8F0E7C11"));  // upper case
    EXPECT_FALSE(isUuid("0b6f3c1e6a434f1e9d552f1a8f0e7c11"));
    EXPECT_FALSE(isUuid("0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c1"));
    EXPECT_FALSE(isUuid("0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11 "));
    EXPECT_FALSE(isUuid("0b6f3c1e-6a43-4f1e-9d55_2f1a8f0e7c11"));
    EXPECT_FALSE(isUuid("gb6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11"));
    EXPECT_FALSE(isUuid(""));
}

}  // namespace
}  // namespace returnscan::core
