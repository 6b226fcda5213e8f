// SPDX-License-Identifier: Apache-2.0
// UTF-8 validation: the offset of the first bad byte.
#include "returnscan/core/utf8.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

TEST(Utf8Test, AcceptsAsciiAndMultibyteText)
{
    EXPECT_FALSE(firstInvalidUtf8("").has_value());
    EXPECT_FALSE(firstInvalidUtf8("RC7K3M9Q2XWR").has_value());
    EXPECT_FALSE(firstInvalidUtf8("Gr\xc3\xb6\xc3\x9f"
                                  "e \xe2\x82\xac \xf0\x9f\x93\xa6")
                     .has_value());
}

TEST(Utf8Test, NamesTheFirstBadByte)
{
    EXPECT_EQ(firstInvalidUtf8("ab\xff"), 2u);            // never a lead byte
    EXPECT_EQ(firstInvalidUtf8("a\xc3"), 1u);             // truncated sequence
    EXPECT_EQ(firstInvalidUtf8("a\xc3(b"), 2u);           // bad continuation byte
    EXPECT_EQ(firstInvalidUtf8("\xc0\xaf"), 0u);          // overlong 2-byte form
    EXPECT_EQ(firstInvalidUtf8("x\xe0\x80\xaf"), 1u);     // overlong 3-byte form
    EXPECT_EQ(firstInvalidUtf8("\xed\xa0\x80"), 0u);      // surrogate U+D800
    EXPECT_EQ(firstInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
    EXPECT_EQ(firstInvalidUtf8("ok\x80"), 2u);            // stray continuation byte
}

}  // namespace
}  // namespace returnscan::core
