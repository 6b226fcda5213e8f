// SPDX-License-Identifier: Apache-2.0
// Decoder: format lists and roles, synthetic frames, and the decode-regression frames that make
// ZXing 1.4's multi-symbol path abort (decoded here in this process: an abort fails the suite).
#include "returnscan/vision/decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vision/vision_test_support.h"

namespace returnscan::vision {
namespace {

using testing::labelFrame;
using testing::sharedData;
using testing::viewOf;

std::vector<std::string> texts(const std::vector<DecodedCode>& codes)
{
    std::vector<std::string> out;
    for (const auto& c : codes) {
        out.push_back(c.text);
    }
    return out;
}

TEST(SymbolsTest, ParsesNamesCaseAndPunctuationInsensitively)
{
    auto s = parseSymbols("code128, QRCode,ean-13,EAN8,qr");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE(s->has(Symbol::Code128));
    EXPECT_TRUE(s->has(Symbol::QrCode));
    EXPECT_TRUE(s->has(Symbol::Ean13));
    EXPECT_TRUE(s->has(Symbol::Ean8));
    EXPECT_FALSE(s->has(Symbol::DataMatrix));
    EXPECT_EQ(toString(Symbol::Ean13), "EAN-13");
}

TEST(SymbolsTest, ParsesGroupsAndRejectsUnknownNames)
{
    auto linear = parseSymbols("linear");
    ASSERT_TRUE(linear.ok());
    EXPECT_TRUE(linear->has(Symbol::Itf));
    EXPECT_FALSE(linear->has(Symbol::QrCode));
    EXPECT_EQ(parseSymbols("all")->bits, allSymbols().bits);
    auto bad = parseSymbols("code128,bogus");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(bad.error().message.find("bogus"), std::string::npos);
}

TEST(SymbolsTest, RolesRestrictFormats)
{
    auto overhead = symbolsForRole("overhead");
    ASSERT_TRUE(overhead.ok());
    EXPECT_TRUE(overhead->has(Symbol::Code128));
    EXPECT_FALSE(overhead->has(Symbol::Ean13));
    auto item = symbolsForRole("item");
    ASSERT_TRUE(item.ok());
    EXPECT_TRUE(item->has(Symbol::Ean13));
    EXPECT_FALSE(item->has(Symbol::QrCode));
    EXPECT_FALSE(symbolsForRole("ceiling").ok());
}

TEST(DecoderTest, RefusesEmptyFrame)
{
    const Decoder d;
    auto r = d.decode(FrameView{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

TEST(DecoderTest, ReadsCode128AndQrFromSyntheticBgrFrame)
{
    const cv::Mat frame = labelFrame(1280, 720,
                                     {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128},
                                      {"100045678", ZXing::BarcodeFormat::QRCode}},
                                     3);
    DecodeOptions o;
    o.effort = Effort::Thorough;
    const Decoder d(o);
    auto r = d.decode(viewOf(frame));
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto t = texts(*r);
    EXPECT_NE(std::find(t.begin(), t.end(), "RC7K3M9Q2XWR"), t.end());
    EXPECT_NE(std::find(t.begin(), t.end(), "100045678"), t.end());
    for (const auto& c : *r) {
        if (c.symbol == Symbol::Code128) {
            EXPECT_EQ(c.aim, "]C0");
        }
    }
}

TEST(DecoderTest, BalancedStopsAtTheFirstCode)
{
    const cv::Mat frame = labelFrame(1280, 720,
                                     {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128},
                                      {"100045678", ZXing::BarcodeFormat::QRCode}},
                                     3);
    const Decoder d;  // Balanced: what a live camera uses
    auto r = d.decode(viewOf(frame));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ(d.stats().frames, 1U);
    EXPECT_EQ(d.stats().quickHits, 1U);
}

TEST(DecoderTest, RespectsFormatRestriction)
{
    const cv::Mat frame =
        labelFrame(1280, 720, {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128}}, 3);
    DecodeOptions o;
    o.symbols.add(Symbol::QrCode);
    const Decoder d(o);
    auto r = d.decode(viewOf(frame));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
}

TEST(DecoderTest, EmptyFrameGivesNothing)
{
    const cv::Mat frame = labelFrame(1920, 1080, {});
    const Decoder d;
    auto r = d.decode(viewOf(frame));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
}

// A 1080p frame whose Code 128 (3 px per module, blurred like a camera's) does not read in the
// quick pass at half size and stands 400 px tall: the region pass reads every second row of the
// upright crop, then confirms the code on the rows around the hit at full resolution.
TEST(DecoderTest, BalancedReadsATallCode128InTheRegionPass)
{
    cv::Mat frame(1080, 1920, CV_8UC1, cv::Scalar(190));
    cv::Mat symbol = testing::symbolImage("RET2024000123456789", ZXing::BarcodeFormat::Code128, 3);
    cv::resize(symbol, symbol, cv::Size(symbol.cols, 400), 0, 0, cv::INTER_NEAREST);
    symbol.copyTo(frame(cv::Rect(400, 300, symbol.cols, symbol.rows)));
    cv::GaussianBlur(frame, frame, cv::Size(0, 0), 1.2);
    cv::Mat noise(frame.size(), CV_8UC1);
    cv::theRNG().state = 11;
    cv::randn(noise, cv::Scalar(0), cv::Scalar(4));
    frame += noise;
    const Decoder d;
    auto r = d.decode(viewOf(frame));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ((*r)[0].text, "RET2024000123456789");
    EXPECT_EQ((*r)[0].symbol, Symbol::Code128);
    EXPECT_NEAR((*r)[0].centreY, 500, 200);
    EXPECT_EQ(d.stats().quickHits, 0U);
    EXPECT_EQ(d.stats().harderPasses, 1U);
}

// Every decode-regression frame (1920x1080, Code 128 at 3 px/module, QR and DataMatrix at 6)
// must give its expected texts, in this process, with every effort level the station uses.
TEST(DecodeRegressionTest, EveryFrameDecodesToItsExpectedTextsWithoutAbort)
{
    const std::string dir = sharedData("decode-regression");
    if (dir.empty()) {
        GTEST_SKIP() << "../shared/data/decode-regression not found (RETURNSCAN_SHARED_DIR="
                     << RETURNSCAN_SHARED_DIR << ")";
    }
    std::ifstream manifest(dir + "/MANIFEST.tsv");
    ASSERT_TRUE(manifest) << "no MANIFEST.tsv in " << dir;
    std::string line;
    std::getline(manifest, line);  // header
    int frames = 0;
    while (std::getline(manifest, line)) {
        if (line.empty()) {
            continue;
        }
        std::istringstream fields(line);
        std::string image, formats, expected;
        std::getline(fields, image, '\t');
        std::getline(fields, formats, '\t');
        std::getline(fields, expected, '\t');
        std::vector<std::string> want;
        std::istringstream parts(expected);
        for (std::string t; std::getline(parts, t, ';');) {
            if (!t.empty()) {
                want.push_back(t);
            }
        }
        const cv::Mat gray = cv::imread(dir + "/" + image, cv::IMREAD_GRAYSCALE);
        ASSERT_FALSE(gray.empty()) << image;
        ++frames;
        for (Effort effort : {Effort::Balanced, Effort::Thorough}) {
            DecodeOptions o;
            o.effort = effort;
            const Decoder d(o);
            auto r = d.decode(viewOf(gray));
            ASSERT_TRUE(r.ok()) << image << ": " << r.error().message;
            std::vector<std::string> got;
            std::vector<std::string> gotFormats;
            for (const auto& c : *r) {
                got.push_back(c.text);
                gotFormats.push_back(std::string(toString(c.symbol)));
            }
            std::sort(got.begin(), got.end());
            std::sort(want.begin(), want.end());
            if (effort == Effort::Thorough) {
                // Thorough (what `returnscan decode` uses) finds every code in the frame.
                EXPECT_EQ(got, want) << image;
                std::istringstream fs(formats);
                for (std::string f; std::getline(fs, f, ',');) {
                    EXPECT_NE(std::find(gotFormats.begin(), gotFormats.end(), f), gotFormats.end())
                        << image << " lacks " << f;
                }
            } else {
                // Balanced (live camera) stops at the first code: one right text, nothing wrong.
                EXPECT_EQ(got.empty(), want.empty()) << image;
                for (const auto& t : got) {
                    EXPECT_NE(std::find(want.begin(), want.end(), t), want.end()) << image;
                }
            }
        }
    }
    EXPECT_EQ(frames, 6);
}

}  // namespace
}  // namespace returnscan::vision
