// SPDX-License-Identifier: Apache-2.0
// Tests of AIM symbology identifier parsing.
#include "returnscan/core/aim.h"

#include <gtest/gtest.h>

namespace returnscan::core {
namespace {

struct AimRow {
    const char* id;
    Symbology symbology;
    bool gs1;
};

TEST(AimTest, ParsesIdentifierTable)
{
    for (const AimRow& row :
         {AimRow{"]C0", Symbology::Code128, false},    AimRow{"]C1", Symbology::Code128, true},
          AimRow{"]C2", Symbology::Code128, false},    AimRow{"]C4", Symbology::Code128, false},
          AimRow{"]A0", Symbology::Code39, false},     AimRow{"]G0", Symbology::Code93, false},
          AimRow{"]F0", Symbology::Codabar, false},    AimRow{"]E0", Symbology::Ean, false},
          AimRow{"]E4", Symbology::Ean, false},        AimRow{"]I1", Symbology::Itf, false},
          AimRow{"]Q1", Symbology::Qr, false},         AimRow{"]Q3", Symbology::Qr, true},
          AimRow{"]d1", Symbology::DataMatrix, false}, AimRow{"]d2", Symbology::DataMatrix, true},
          AimRow{"]L2", Symbology::Pdf417, false},     AimRow{"]z0", Symbology::Aztec, false},
          AimRow{"]e0", Symbology::DataBar, true},     AimRow{"]e1", Symbology::DataBar, true},
          AimRow{"]e2", Symbology::DataBar, true},     AimRow{"]U0", Symbology::MaxiCode, false},
          AimRow{"]J1", Symbology::DotCode, true},     AimRow{"]J0", Symbology::DotCode, false},
          AimRow{"]X0", Symbology::Other, false},      AimRow{"]H1", Symbology::Other, false},
          AimRow{"]Z0", Symbology::Other, false}}) {
        auto id = parseAimId(row.id);
        ASSERT_TRUE(id.has_value()) << row.id;
        EXPECT_EQ(id->symbology, row.symbology) << row.id;
        EXPECT_EQ(id->gs1, row.gs1) << row.id;
        EXPECT_EQ(id->code, row.id[1]);
        EXPECT_EQ(id->modifier, row.id[2]);
        EXPECT_EQ(id->text(), row.id);
    }
}

TEST(AimTest, RejectsNonIdentifiers)
{
    for (const char* s :
         {"", "]", "]C", "]C10", "C1]", "[C1", "]W0", "]C-", "]q1", "]C\x1d", "RC7"}) {
        EXPECT_FALSE(parseAimId(s).has_value()) << s;
    }
}

TEST(AimTest, SplitsLeadingIdentifier)
{
    std::string_view rest;
    auto id = splitAimPrefix("]C1RC7K3M9Q2XWR", rest);
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(id->symbology, Symbology::Code128);
    EXPECT_EQ(rest, "RC7K3M9Q2XWR");
}

TEST(AimTest, LeavesDataWithoutIdentifierUntouched)
{
    std::string_view rest = "junk";
    EXPECT_FALSE(splitAimPrefix("RC7K3M9Q2XWR", rest).has_value());
    EXPECT_EQ(rest, "RC7K3M9Q2XWR");
    EXPECT_FALSE(splitAimPrefix("]C", rest).has_value());
    EXPECT_EQ(rest, "]C");
}

TEST(AimTest, SplitsIdentifierWithEmptyRest)
{
    std::string_view rest = "junk";
    ASSERT_TRUE(splitAimPrefix("]Q1", rest).has_value());
    EXPECT_TRUE(rest.empty());
}

TEST(AimTest, NamesSymbologiesInLowerCase)
{
    EXPECT_EQ(toString(Symbology::Code128), "code128");
    EXPECT_EQ(toString(Symbology::Qr), "qr");
    EXPECT_EQ(toString(Symbology::DataMatrix), "datamatrix");
    EXPECT_EQ(toString(Symbology::Ean), "ean");
    EXPECT_EQ(toString(Symbology::DataBar), "databar");
    EXPECT_EQ(toString(Symbology::Unknown), "unknown");
}

}  // namespace
}  // namespace returnscan::core
