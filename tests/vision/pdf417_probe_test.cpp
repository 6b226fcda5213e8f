// SPDX-License-Identifier: Apache-2.0
// The PDF417 probe decides whether the decoder runs ZXing's PDF417 reader at all: it must see
// every PDF417 symbol, at any quarter turn, and stay quiet on frames without one.
#include "pdf417_probe.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <string>

#include "binarizer.h"
#include "returnscan/vision/decoder.h"
#include "vision/vision_test_support.h"

namespace returnscan::vision {
namespace {

using testing::labelFrame;
using testing::sharedData;
using testing::viewOf;

constexpr const char* kCarrierText = "1Z999AA10123456784 SHIP TO 100045678 DOCK 3";

detail::Pdf417Probe probe(const cv::Mat& bgrOrGray)
{
    cv::Mat gray = bgrOrGray;
    if (gray.channels() == 3) {
        cv::cvtColor(bgrOrGray, gray, cv::COLOR_BGR2GRAY);
    }
    detail::BinarizeScratch scratch;
    cv::Mat binary;
    EXPECT_TRUE(detail::binarizeLocalAverage(gray, binary, scratch));
    return detail::probePdf417(binary);
}

TEST(Pdf417ProbeTest, SeesASymbolAtEveryQuarterTurn)
{
    const cv::Mat frame = labelFrame(1280, 720, {{kCarrierText, ZXing::BarcodeFormat::PDF417}}, 3);
    const auto upright = probe(frame);
    EXPECT_TRUE(upright.likely());
    EXPECT_GT(upright.rowHits, 0);
    cv::Mat turned;
    cv::rotate(frame, turned, cv::ROTATE_180);
    EXPECT_GT(probe(turned).rowHits, 0);  // start and stop patterns read right to left
    cv::rotate(frame, turned, cv::ROTATE_90_CLOCKWISE);
    const auto quarter = probe(turned);
    EXPECT_TRUE(quarter.likely());
    EXPECT_GT(quarter.columnHits, 0);
    EXPECT_EQ(quarter.rowHits, 0);
}

TEST(Pdf417ProbeTest, QuietOnFramesWithoutPdf417)
{
    EXPECT_FALSE(probe(labelFrame(1280, 720,
                                  {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128},
                                   {"100045678", ZXing::BarcodeFormat::QRCode}},
                                  3))
                     .likely());
    const std::string dir = sharedData("decode-regression");
    if (dir.empty()) {
        GTEST_SKIP() << "../shared/data/decode-regression not found";
    }
    for (const char* image : {"c128_1080p.png", "c128_rot90_1080p.png", "c128_qr_1080p.png",
                              "qr_1080p.png", "dm_1080p.png", "empty_1080p.png"}) {
        const cv::Mat gray = cv::imread(dir + "/" + image, cv::IMREAD_GRAYSCALE);
        ASSERT_FALSE(gray.empty()) << image;
        const auto p = probe(gray);
        EXPECT_FALSE(p.likely()) << image << ": " << p.rowHits << "/" << p.columnHits;
    }
}

// The camera effort reads a carrier label's PDF417 upright, upside down and turned by 90 degrees
// (on every 4th row first, or whole when the symbol stands on its side).
TEST(Pdf417ProbeTest, BalancedReadsPdf417AtEveryQuarterTurn)
{
    const cv::Mat frame = labelFrame(1280, 720, {{kCarrierText, ZXing::BarcodeFormat::PDF417}}, 3);
    const Decoder decoder;
    for (int turn = 0; turn < 4; ++turn) {
        cv::Mat turned = frame;
        if (turn > 0) {
            cv::rotate(frame, turned,
                       turn == 1 ? cv::ROTATE_90_CLOCKWISE
                                 : (turn == 2 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE));
        }
        auto codes = decoder.decode(viewOf(turned));
        ASSERT_TRUE(codes.ok()) << codes.error().message;
        ASSERT_EQ(codes->size(), 1U) << "turn " << turn;
        EXPECT_EQ((*codes)[0].symbol, Symbol::Pdf417);
        EXPECT_EQ((*codes)[0].text, kCarrierText);
    }
}

}  // namespace
}  // namespace returnscan::vision
