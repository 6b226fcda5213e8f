// SPDX-License-Identifier: Apache-2.0
// Tests of read hygiene (readProblem) and classification of reads.
#include "returnscan/core/classify.h"

#include <gtest/gtest.h>

#include <string>

namespace returnscan::core {
namespace {

const CodeFormats& formats()
{
    static const CodeFormats f = CodeFormats::defaults();
    return f;
}

Classified run(std::string_view data, std::optional<AimId> aim = std::nullopt)
{
    return classify(data, aim, formats());
}

std::string withGs(std::string_view a, std::string_view b)
{
    std::string s(a);
    s.push_back(kGs);
    s += b;
    return s;
}

// ---- readProblem ----

TEST(ClassifyTest, ReadProblemAcceptsPlainAndUnicodeText)
{
    EXPECT_EQ(readProblem("RC7K3M9Q2XWR"), "");
    EXPECT_EQ(readProblem("Grüße €𝄞"), "");
    EXPECT_EQ(readProblem(withGs("10ABC", "21X")), "");
    EXPECT_EQ(readProblem(std::string(kMaxReadBytes, 'A')), "");
}

TEST(ClassifyTest, ReadProblemRejectsEmpty)
{
    EXPECT_EQ(readProblem(""), "empty read");
}

TEST(ClassifyTest, ReadProblemRejectsOverlongReads)
{
    const auto p = readProblem(std::string(kMaxReadBytes + 1, 'A'));
    EXPECT_NE(p.find("257 bytes"), std::string::npos) << p;
}

TEST(ClassifyTest, ReadProblemRejectsControlCharacters)
{
    for (const std::string& s :
         {std::string("RC\n1"), std::string("RC\r"), std::string("\t"), std::string("A\0B", 3),
          std::string("A\x7f"), std::string("\x1b[31m")}) {
        const auto p = readProblem(s);
        EXPECT_NE(p.find("control character"), std::string::npos) << displaySafe(s) << ": " << p;
    }
}

TEST(ClassifyTest, ReadProblemRejectsInvalidUtf8)
{
    for (const std::string& s : {
             std::string("\xc0\xaf"),          // overlong '/'
             std::string("\xc1\xbf"),          // overlong
             std::string("\xe0\x80\xaf"),      // overlong 3-byte
             std::string("\xf0\x80\x80\xaf"),  // overlong 4-byte
             std::string("\xed\xa0\x80"),      // surrogate U+D800
             std::string("\xed\xbf\xbf"),      // surrogate U+DFFF
             std::string("\xf4\x90\x80\x80"),  // U+110000
             std::string("\xf5\x80\x80\x80"),  // lead byte above F4
             std::string("\x80"),              // stray continuation
             std::string("A\xc3"),             // truncated sequence
             std::string("\xe2\x82"),          // truncated 3-byte
             std::string("\xc3\x28"),          // bad continuation
             std::string("\xff"),              // never valid
         }) {
        const auto p = readProblem(s);
        EXPECT_NE(p.find("UTF-8"), std::string::npos) << displaySafe(s) << ": " << p;
    }
    // The edges of the valid range are accepted.
    EXPECT_EQ(readProblem("\xc2\x80"), "");          // U+0080
    EXPECT_EQ(readProblem("\xed\x9f\xbf"), "");      // U+D7FF
    EXPECT_EQ(readProblem("\xee\x80\x80"), "");      // U+E000
    EXPECT_EQ(readProblem("\xf4\x8f\xbf\xbf"), "");  // U+10FFFF
}

// ---- classify ----

TEST(ClassifyTest, ClassifiesValidReturnCode)
{
    const auto c = run("RC7K3M9Q2XWR");
    EXPECT_EQ(c.kind, ReadKind::ReturnCode);
    EXPECT_EQ(c.value, "RC7K3M9Q2XWR");
    EXPECT_TRUE(c.problem.empty());
}

TEST(ClassifyTest, StripsAimPrefixInsideData)
{
    const auto c = run("]C0RC7K3M9Q2XWR");
    EXPECT_EQ(c.kind, ReadKind::ReturnCode);
    EXPECT_EQ(c.value, "RC7K3M9Q2XWR");
    ASSERT_TRUE(c.aim.has_value());
    EXPECT_EQ(c.aim->text(), "]C0");
}

TEST(ClassifyTest, KeepsTransportAim)
{
    const auto c = run("RC7K3M9Q2XWR", parseAimId("]Q1"));
    EXPECT_EQ(c.kind, ReadKind::ReturnCode);
    ASSERT_TRUE(c.aim.has_value());
    EXPECT_EQ(c.aim->symbology, Symbology::Qr);
}

TEST(ClassifyTest, TrimsTrailingLineEnd)
{
    const auto c = run("RC7K3M9Q2XWR\r\n");
    EXPECT_EQ(c.kind, ReadKind::ReturnCode);
    EXPECT_EQ(c.value, "RC7K3M9Q2XWR");
}

TEST(ClassifyTest, MalformedReturnCodeNamesWrongCheckCharacter)
{
    const auto c = run("RC7K3M9Q2XWS");
    EXPECT_EQ(c.kind, ReadKind::MalformedReturnCode);
    EXPECT_NE(c.problem.find("check character"), std::string::npos) << c.problem;
}

TEST(ClassifyTest, MalformedReturnCodeNamesPatternFailure)
{
    for (const char* s : {"RC7K3M9Q2XW", "RC7k3m9q2xwr", "RC'; DROP TABLE--", "RC"}) {
        const auto c = run(s);
        EXPECT_EQ(c.kind, ReadKind::MalformedReturnCode) << s;
        EXPECT_NE(c.problem.find("format"), std::string::npos) << c.problem;
    }
}

TEST(ClassifyTest, LowerCaseCodeIsNotNormalised)
{
    const auto c = run("rc7k3m9q2xwr");
    EXPECT_EQ(c.kind, ReadKind::Other);
}

TEST(ClassifyTest, ClassifiesOrderLabel)
{
    const auto c = run("100045678");
    EXPECT_EQ(c.kind, ReadKind::OrderLabel);
    EXPECT_EQ(c.value, "100045678");
}

TEST(ClassifyTest, ClassifiesPlainGtins)
{
    for (const char* s : {"96385074", "036000291452", "4006381333931", "04006381333931"}) {
        const auto c = run(s, parseAimId("]E0"));
        EXPECT_EQ(c.kind, ReadKind::ItemGtin) << s;
        EXPECT_EQ(c.value, s);
    }
    EXPECT_EQ(run("4006381333932").kind, ReadKind::Other);  // wrong check digit
}

TEST(ClassifyTest, ClassifiesPlainSscc)
{
    const auto c = run("123456789012345675");
    EXPECT_EQ(c.kind, ReadKind::Sscc);
    EXPECT_EQ(c.value, "123456789012345675");
    EXPECT_EQ(run("123456789012345670").kind, ReadKind::Other);
}

TEST(ClassifyTest, ClassifiesGs1SsccLabel)
{
    const auto c = run(withGs("00123456789012345675400PO-77", "42012345"), parseAimId("]C1"));
    EXPECT_EQ(c.kind, ReadKind::Sscc);
    EXPECT_EQ(c.value, "123456789012345675");
    ASSERT_EQ(c.gs1.size(), 3U);
    EXPECT_EQ(c.gs1[1].value, "PO-77");
}

TEST(ClassifyTest, ClassifiesGs1DataMatrixGtin)
{
    const auto c = run("]d2" + withGs("010400638133393110ABC123", "21XYZ"));
    EXPECT_EQ(c.kind, ReadKind::ItemGtin);
    EXPECT_EQ(c.value, "04006381333931");
    EXPECT_EQ(c.gs1.size(), 3U);
}

TEST(ClassifyTest, ClassifiesBracketedDataBar)
{
    const auto c = run("(01)04006381333931(3103)000123", parseAimId("]e0"));
    EXPECT_EQ(c.kind, ReadKind::ItemGtin);
    EXPECT_EQ(c.value, "04006381333931");
    const auto noAim = run("[01]04006381333931[3103]000123");
    EXPECT_EQ(noAim.kind, ReadKind::ItemGtin);
}

TEST(ClassifyTest, GroupSeparatorWithoutIdentifierMeansGs1)
{
    const auto c = run(withGs("010400638133393110ABC123", "21XYZ"));
    EXPECT_EQ(c.kind, ReadKind::ItemGtin);
    EXPECT_EQ(c.value, "04006381333931");
    // A non-GS1 identifier wins over the heuristic.
    EXPECT_EQ(run(withGs("010400638133393110ABC123", "21XYZ"), parseAimId("]C0")).kind,
              ReadKind::Other);
}

TEST(ClassifyTest, ClassifiesGs1OrderNumber)
{
    const auto c = run("400100045678", parseAimId("]C1"));
    EXPECT_EQ(c.kind, ReadKind::OrderLabel);
    EXPECT_EQ(c.value, "100045678");
    const auto other = run("400PO-77", parseAimId("]C1"));
    EXPECT_EQ(other.kind, ReadKind::Other);
}

TEST(ClassifyTest, BadGs1IsInvalid)
{
    const auto c = run("0104006381333932", parseAimId("]C1"));
    EXPECT_EQ(c.kind, ReadKind::Invalid);
    EXPECT_NE(c.problem.find("check digit"), std::string::npos);
    EXPECT_EQ(run("]Q3RC7K3M9Q2XWR").kind, ReadKind::Invalid);
    EXPECT_EQ(run("(01)0400638133393").kind, ReadKind::Invalid);
}

TEST(ClassifyTest, ClassifiesOtherText)
{
    EXPECT_EQ(run("RMA-123456", parseAimId("]C0")).kind, ReadKind::Other);
    EXPECT_EQ(run("https://example.com/t?id=1").kind, ReadKind::Other);
    EXPECT_EQ(run("(hello)").kind, ReadKind::Other);
}

TEST(ClassifyTest, BadInputIsInvalid)
{
    for (const std::string& s :
         {std::string(""), std::string("RC7K3M9Q2XWR\x01"), std::string("RC\xff\xfe"),
          std::string(300, 'A'), std::string("RC7K3M\nQ2XWR"), std::string("   ")}) {
        const auto c = run(s);
        EXPECT_EQ(c.kind, ReadKind::Invalid) << displaySafe(s);
        EXPECT_FALSE(c.problem.empty());
    }
}

TEST(ClassifyTest, PaddingDoesNotHideOverlongRead)
{
    const auto c = run(std::string(200, ' ') + "RC7K3M9Q2XWR" + std::string(100, ' '));
    EXPECT_EQ(c.kind, ReadKind::Invalid);
}

TEST(ClassifyTest, NamesKinds)
{
    EXPECT_EQ(toString(ReadKind::ReturnCode), "return_code");
    EXPECT_EQ(toString(ReadKind::MalformedReturnCode), "malformed_return_code");
    EXPECT_EQ(toString(ReadKind::OrderLabel), "order_label");
    EXPECT_EQ(toString(ReadKind::ItemGtin), "item_gtin");
    EXPECT_EQ(toString(ReadKind::Sscc), "sscc");
    EXPECT_EQ(toString(ReadKind::Other), "other");
    EXPECT_EQ(toString(ReadKind::Invalid), "invalid");
}

}  // namespace
}  // namespace returnscan::core
