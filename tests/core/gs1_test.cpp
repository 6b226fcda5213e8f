// SPDX-License-Identifier: Apache-2.0
// Tests of GS1 element-string parsing (GS-separated and bracketed) and check digits.
#include "returnscan/core/gs1.h"

#include <gtest/gtest.h>

#include <string>

namespace returnscan::core {
namespace {

using Elements = std::vector<Gs1Element>;

std::string gs(std::string_view a, std::string_view b)
{
    std::string s(a);
    s.push_back(kGs);
    s += b;
    return s;
}

TEST(Gs1Test, AiLengthByFirstTwoDigits)
{
    EXPECT_EQ(gs1AiLength("00"), 2U);
    EXPECT_EQ(gs1AiLength("01123"), 2U);
    EXPECT_EQ(gs1AiLength("10"), 2U);
    EXPECT_EQ(gs1AiLength("17"), 2U);
    EXPECT_EQ(gs1AiLength("21"), 2U);
    EXPECT_EQ(gs1AiLength("240"), 3U);
    EXPECT_EQ(gs1AiLength("30"), 2U);
    EXPECT_EQ(gs1AiLength("3103"), 4U);
    EXPECT_EQ(gs1AiLength("37"), 2U);
    EXPECT_EQ(gs1AiLength("3922"), 4U);
    EXPECT_EQ(gs1AiLength("400"), 3U);
    EXPECT_EQ(gs1AiLength("420"), 3U);
    EXPECT_EQ(gs1AiLength("4300"), 4U);
    EXPECT_EQ(gs1AiLength("7003"), 4U);
    EXPECT_EQ(gs1AiLength("8020"), 4U);
    EXPECT_EQ(gs1AiLength("91"), 2U);
    EXPECT_EQ(gs1AiLength("99"), 2U);
    EXPECT_EQ(gs1AiLength("03"), 0U);
    EXPECT_EQ(gs1AiLength("18"), 0U);
    EXPECT_EQ(gs1AiLength("50"), 0U);
    EXPECT_EQ(gs1AiLength("RC"), 0U);
    EXPECT_EQ(gs1AiLength("1"), 0U);
    EXPECT_EQ(gs1AiLength(""), 0U);
}

TEST(Gs1Test, PredefinedLengthTable)
{
    EXPECT_EQ(gs1PredefinedLength("00"), 20U);
    EXPECT_EQ(gs1PredefinedLength("01"), 16U);
    EXPECT_EQ(gs1PredefinedLength("02"), 16U);
    EXPECT_EQ(gs1PredefinedLength("03"), 16U);
    EXPECT_EQ(gs1PredefinedLength("04"), 18U);
    EXPECT_EQ(gs1PredefinedLength("11"), 8U);
    EXPECT_EQ(gs1PredefinedLength("19"), 8U);
    EXPECT_EQ(gs1PredefinedLength("20"), 4U);
    EXPECT_EQ(gs1PredefinedLength("31"), 10U);
    EXPECT_EQ(gs1PredefinedLength("36"), 10U);
    EXPECT_EQ(gs1PredefinedLength("41"), 16U);
    EXPECT_EQ(gs1PredefinedLength("10"), 0U);
    EXPECT_EQ(gs1PredefinedLength("21"), 0U);
    EXPECT_EQ(gs1PredefinedLength("40"), 0U);  // (402) is fixed N17 yet needs a GS
    EXPECT_EQ(gs1PredefinedLength("x"), 0U);
}

TEST(Gs1Test, ParsesSsccWithOrderAndPostcode)
{
    auto r = parseGs1(gs("00123456789012345675400PO-77", "42012345"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (Elements{{"00", "123456789012345675"}, {"400", "PO-77"}, {"420", "12345"}}));
}

TEST(Gs1Test, ParsesGtinBatchAndSerial)
{
    auto r = parseGs1(gs("010400638133393110ABC123", "21XYZ"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (Elements{{"01", "04006381333931"}, {"10", "ABC123"}, {"21", "XYZ"}}));
}

TEST(Gs1Test, ParsesGtinAndSerialWithoutSeparator)
{
    auto r = parseGs1("010400638133393121XYZ");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, (Elements{{"01", "04006381333931"}, {"21", "XYZ"}}));
}

TEST(Gs1Test, SkipsLeadingFnc1AndToleratesGsAfterFixedField)
{
    auto r = parseGs1(gs("", gs("0104006381333931", "21XYZ")));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (Elements{{"01", "04006381333931"}, {"21", "XYZ"}}));
}

TEST(Gs1Test, ParsesBracketedParenthesesForm)
{
    auto r = parseGs1Bracketed("(01)04006381333931(3103)000123");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (Elements{{"01", "04006381333931"}, {"3103", "000123"}}));
}

TEST(Gs1Test, ParsesBracketedSquareForm)
{
    auto r = parseGs1Bracketed("[00]123456789012345675[400]PO-77[420]12345");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (Elements{{"00", "123456789012345675"}, {"400", "PO-77"}, {"420", "12345"}}));
}

TEST(Gs1Test, BracketedValueMayContainOtherBrackets)
{
    auto r = parseGs1Bracketed("(400)PO(7)[x](21)A");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (Elements{{"400", "PO(7)[x]"}, {"21", "A"}}));
}

TEST(Gs1Test, RejectsWrongCheckDigits)
{
    for (const std::string& s :
         {std::string("00123456789012345670"), std::string("0104006381333932"),
          std::string("0204006381333930")}) {
        auto r = parseGs1(s);
        ASSERT_FALSE(r.ok()) << s;
        EXPECT_EQ(r.error().code, ErrorCode::Parse);
        EXPECT_NE(r.error().message.find("check digit"), std::string::npos) << r.error().message;
    }
    EXPECT_FALSE(parseGs1Bracketed("(01)04006381333932").ok());
}

TEST(Gs1Test, RejectsUnknownAi)
{
    auto r = parseGs1("5012345");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("'50'"), std::string::npos) << r.error().message;
    EXPECT_FALSE(parseGs1("RC7K3M9Q2XWR").ok());
    EXPECT_FALSE(parseGs1Bracketed("(50)12345").ok());
    EXPECT_FALSE(parseGs1Bracketed("(4000)12345").ok());  // 40x AIs have three digits
}

TEST(Gs1Test, RejectsTruncatedFixedLengthFields)
{
    auto r = parseGs1("01040063813339");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("(01)"), std::string::npos);
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos);
    EXPECT_FALSE(parseGs1(gs("010400638133", "21XYZ")).ok());
    EXPECT_FALSE(parseGs1("0012345").ok());
    EXPECT_FALSE(parseGs1Bracketed("(01)0400638133393").ok());
    EXPECT_FALSE(parseGs1Bracketed("(01)040063813339311").ok());
    EXPECT_FALSE(parseGs1("310").ok());  // AI cut short
}

TEST(Gs1Test, RejectsNonDigitsInNumericFields)
{
    EXPECT_FALSE(parseGs1("01040063813339AB").ok());
    EXPECT_FALSE(parseGs1("11ABCDEF").ok());
    EXPECT_FALSE(parseGs1Bracketed("(3103)00012X").ok());
}

TEST(Gs1Test, RejectsEmptyAndOverlongValues)
{
    EXPECT_FALSE(parseGs1(gs("10", "21XYZ")).ok());
    EXPECT_FALSE(parseGs1("").ok());
    EXPECT_FALSE(parseGs1(std::string(1, kGs)).ok());
    EXPECT_FALSE(parseGs1(gs("10ABC", "")).ok());  // trailing separator
    EXPECT_FALSE(parseGs1Bracketed("(10)(21)XYZ").ok());
    EXPECT_TRUE(parseGs1("91" + std::string(90, 'A')).ok());
    EXPECT_FALSE(parseGs1("91" + std::string(91, 'A')).ok());
}

TEST(Gs1Test, RejectsMalformedBracketedText)
{
    for (const char* s :
         {"", "01)0400", "(01", "(1)23", "(01234)5", "(01]04006381333931", "x(01)04006381333931"}) {
        EXPECT_FALSE(parseGs1Bracketed(s).ok()) << s;
    }
}

TEST(Gs1Test, CheckDigitValidForSupportedLengths)
{
    EXPECT_TRUE(gs1CheckDigitValid("4006381333931"));       // EAN-13
    EXPECT_TRUE(gs1CheckDigitValid("04006381333931"));      // GTIN-14
    EXPECT_TRUE(gs1CheckDigitValid("123456789012345675"));  // SSCC
    EXPECT_TRUE(gs1CheckDigitValid("00614141000012"));
    EXPECT_TRUE(gs1CheckDigitValid("96385074"));      // EAN-8
    EXPECT_TRUE(gs1CheckDigitValid("036000291452"));  // UPC-A
    EXPECT_FALSE(gs1CheckDigitValid("4006381333932"));
    EXPECT_FALSE(gs1CheckDigitValid("400638133393"));     // 12 digits, wrong check
    EXPECT_FALSE(gs1CheckDigitValid("629912345678907"));  // 15 digits: no such length
    EXPECT_FALSE(gs1CheckDigitValid("400638133393A"));
    EXPECT_FALSE(gs1CheckDigitValid(""));
}

}  // namespace
}  // namespace returnscan::core
