// SPDX-License-Identifier: Apache-2.0
// The decoder's own local-average binarisation must give ZXing exactly the bits ZXing 1.4 would
// have made itself: checked against a plain reference of the algorithm and, through ZXing's
// public API, by reading the same codes from both.
#include "binarizer.h"

#define ZX_USE_UTF8
#include <ZXing/ReadBarcode.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "vision/vision_test_support.h"

namespace returnscan::vision::detail {
namespace {

using testing::labelFrame;
using testing::sharedData;

/// ZXing 1.4's HybridBinarizer as its documentation describes it, one pixel at a time.
cv::Mat reference(const cv::Mat& gray)
{
    const int w = gray.cols;
    const int h = gray.rows;
    const int bw = (w + 7) / 8;
    const int bh = (h + 7) / 8;
    std::vector<int> bp(static_cast<std::size_t>(bw * bh));
    auto at = [&](int x, int y) -> int& { return bp[static_cast<std::size_t>(y * bw + x)]; };
    for (int by = 0; by < bh; ++by) {
        for (int bx = 0; bx < bw; ++bx) {
            const int x0 = std::min(bx * 8, w - 8);
            const int y0 = std::min(by * 8, h - 8);
            int sum = 0;
            int lo = 255;
            int hi = 0;
            for (int y = y0; y < y0 + 8; ++y) {
                for (int x = x0; x < x0 + 8; ++x) {
                    const int v = gray.at<std::uint8_t>(y, x);
                    sum += v;
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            }
            int black = sum / 64;
            if (hi - lo <= 24) {
                black = lo / 2;
                if (bx > 0 && by > 0) {
                    const int n = (at(bx, by - 1) + 2 * at(bx - 1, by) + at(bx - 1, by - 1)) / 4;
                    black = lo < n ? n : black;
                }
            }
            at(bx, by) = black;
        }
    }
    cv::Mat out(h, w, CV_8UC1, cv::Scalar(255));
    for (int by = 0; by < bh; ++by) {
        for (int bx = 0; bx < bw; ++bx) {
            const int cx = std::clamp(bx, 2, bw - 3);
            const int cy = std::clamp(by, 2, bh - 3);
            int sum = 0;
            for (int dy = -2; dy <= 2; ++dy) {
                for (int dx = -2; dx <= 2; ++dx) {
                    sum += at(cx + dx, cy + dy);
                }
            }
            const int t = sum / 25;
            const int x0 = std::min(bx * 8, w - 8);
            const int y0 = std::min(by * 8, h - 8);
            for (int y = y0; y < y0 + 8; ++y) {
                for (int x = x0; x < x0 + 8; ++x) {
                    out.at<std::uint8_t>(y, x) = gray.at<std::uint8_t>(y, x) <= t ? 0 : 255;
                }
            }
        }
    }
    return out;
}

void expectSameAsReference(const cv::Mat& gray, const std::string& what)
{
    BinarizeScratch scratch;
    cv::Mat ours;
    ASSERT_TRUE(binarizeLocalAverage(gray, ours, scratch)) << what;
    const cv::Mat want = reference(gray);
    ASSERT_EQ(ours.size(), want.size()) << what;
    EXPECT_EQ(cv::countNonZero(ours != want), 0) << what;
}

TEST(BinarizerTest, MatchesTheReferenceOnAnySizeAndContent)
{
    cv::RNG rng(42);
    // Sizes around the 8-pixel blocks and the 16-pixel vector width, the smallest accepted.
    for (const cv::Size size : {cv::Size(40, 40), cv::Size(41, 57), cv::Size(63, 40),
                                cv::Size(100, 99), cv::Size(257, 131), cv::Size(640, 480)}) {
        cv::Mat noise(size, CV_8UC1);
        rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
        expectSameAsReference(noise, "noise " + std::to_string(size.width));
        // Flat areas with a soft gradient and a few dark marks: the low-contrast rule and the
        // neighbours' black point.
        cv::Mat flat(size, CV_8UC1);
        for (int y = 0; y < flat.rows; ++y) {
            for (int x = 0; x < flat.cols; ++x) {
                flat.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(150 + (x + y) / 16 % 20);
            }
        }
        cv::rectangle(flat, cv::Rect(size.width / 4, size.height / 4, size.width / 3, 12),
                      cv::Scalar(20), cv::FILLED);
        expectSameAsReference(flat, "flat " + std::to_string(size.width));
    }
    // A view into a larger image (rows not contiguous) and a label frame.
    const cv::Mat frame = labelFrame(1280, 720, {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128}});
    cv::Mat gray;
    cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
    expectSameAsReference(gray, "label frame");
    expectSameAsReference(gray(cv::Rect(3, 5, 611, 403)), "view");
}

TEST(BinarizerTest, RefusesImagesZxingBinarisesGlobally)
{
    BinarizeScratch scratch;
    cv::Mat out;
    EXPECT_FALSE(binarizeLocalAverage(cv::Mat(39, 200, CV_8UC1, cv::Scalar(0)), out, scratch));
    EXPECT_FALSE(binarizeLocalAverage(cv::Mat(200, 39, CV_8UC1, cv::Scalar(0)), out, scratch));
    EXPECT_TRUE(out.empty());
}

std::vector<std::string> readAll(const cv::Mat& image, ZXing::BarcodeFormats formats,
                                 ZXing::Binarizer binarizer)
{
    ZXing::DecodeHints hints;
    hints.setFormats(formats).setTryHarder(false).setTryDownscale(false).setBinarizer(binarizer);
    std::vector<std::string> out;
    for (const auto& r : ZXing::ReadBarcodes(
             ZXing::ImageView(image.data, image.cols, image.rows, ZXing::ImageFormat::Lum,
                              static_cast<int>(image.step)),
             hints)) {
        const auto& p = r.position();
        out.push_back(std::string(ZXing::ToString(r.format())) + " " + r.text() + " @" +
                      std::to_string(p.topLeft().x) + "," + std::to_string(p.topLeft().y));
    }
    return out;
}

// ZXing reads the same codes at the same places from our binarisation (its BoolCast binarizer)
// as from the luma (its own LocalAverage binarizer): every image of the blackbox set, QR code and
// DataMatrix everywhere, PDF417 in its folders (the PDF417 reader costs a lot per image).
TEST(BinarizerTest, ZxingReadsTheSameFromOurBitsAsFromItsOwn)
{
    const std::string root = sharedData("zxing-blackbox");
    if (root.empty()) {
        GTEST_SKIP() << "../shared/data/zxing-blackbox not found";
    }
    std::ifstream manifest(root + "/MANIFEST.tsv");
    ASSERT_TRUE(manifest);
    std::string line;
    std::getline(manifest, line);
    BinarizeScratch scratch;
    cv::Mat ours;
    int compared = 0;
    int found = 0;
    while (std::getline(manifest, line)) {
        const std::string image = line.substr(0, line.find('\t'));
        const cv::Mat gray = cv::imread(root + "/" + image, cv::IMREAD_GRAYSCALE);
        if (!binarizeLocalAverage(gray, ours, scratch)) {
            continue;  // under 40 px: ZXing binarises those globally, and so do we
        }
        auto formats = ZXing::BarcodeFormat::QRCode | ZXing::BarcodeFormat::DataMatrix;
        if (image.rfind("pdf417", 0) == 0) {
            formats |= ZXing::BarcodeFormat::PDF417;
        }
        const auto want = readAll(gray, formats, ZXing::Binarizer::LocalAverage);
        EXPECT_EQ(readAll(ours, formats, ZXing::Binarizer::BoolCast), want) << image;
        ++compared;
        found += want.empty() ? 0 : 1;
    }
    EXPECT_GT(compared, 480);
    EXPECT_GT(found, 250);  // QR codes, DataMatrix and PDF417 images, read both ways
}

}  // namespace
}  // namespace returnscan::vision::detail
