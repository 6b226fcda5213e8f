// SPDX-License-Identifier: Apache-2.0
// The vision module's JPEG encoder against OpenCV's: the same bytes for the same image, parts
// stacked as one image, grey rows, and refusals.
#include "jpeg_encoder.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

namespace returnscan::vision::detail {
namespace {

/// A frame with detail in every channel (colour gradients, noise, text), so a wrong channel
/// order or a skipped row changes the bytes.
cv::Mat testImage(int width, int height, int type = CV_8UC3)
{
    cv::Mat m(height, width, CV_8UC3);
    cv::RNG rng(42);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            m.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(x * 255 / width), static_cast<uchar>(y * 255 / height),
                          static_cast<uchar>(rng.uniform(0, 256)));
        }
    }
    cv::putText(m, "ORDER 100045678", cv::Point(10, height / 2), cv::FONT_HERSHEY_SIMPLEX, 1.0,
                cv::Scalar(0, 0, 255), 2);
    if (type == CV_8UC1) {
        cv::Mat g;
        cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
        return g;
    }
    return m;
}

std::vector<std::uint8_t> opencvJpeg(const cv::Mat& m, int quality)
{
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(cv::imencode(".jpg", m, out, {cv::IMWRITE_JPEG_QUALITY, quality}));
    return out;
}

TEST(JpegEncoderTest, GivesOpenCvsBytesForColourAndGrey)
{
    for (int type : {CV_8UC3, CV_8UC1}) {
        for (int quality : {50, 90, 100}) {
            const cv::Mat m = testImage(333, 217, type);  // odd sizes: partial MCUs
            std::vector<std::uint8_t> ours;
            ASSERT_TRUE(encodeJpegRows({&m, 1}, quality, ours).ok());
            EXPECT_EQ(ours, opencvJpeg(m, quality)) << "type " << type << " quality " << quality;
        }
    }
}

TEST(JpegEncoderTest, StackedPartsEncodeAsTheirConcatenation)
{
    const cv::Mat whole = testImage(320, 200);
    // Parts that are views with a stride wider than their rows, of uneven heights.
    cv::Mat wide(200, 400, CV_8UC3, cv::Scalar(7, 7, 7));
    whole.copyTo(wide(cv::Rect(40, 0, 320, 200)));
    const std::vector<cv::Mat> parts = {wide(cv::Rect(40, 0, 320, 37)),
                                        wide(cv::Rect(40, 37, 320, 150)), cv::Mat(),
                                        wide(cv::Rect(40, 187, 320, 13))};
    std::vector<std::uint8_t> ours;
    ASSERT_TRUE(encodeJpegRows(parts, 90, ours).ok());
    EXPECT_EQ(ours, opencvJpeg(whole, 90));
}

TEST(JpegEncoderTest, GreyPartAmongColourIsEncodedAsColour)
{
    const cv::Mat colour = testImage(160, 48);
    const cv::Mat grey = testImage(160, 32, CV_8UC1);
    cv::Mat greyBgr;
    cv::cvtColor(grey, greyBgr, cv::COLOR_GRAY2BGR);
    cv::Mat stacked;
    cv::vconcat(colour, greyBgr, stacked);
    const std::vector<cv::Mat> parts = {colour, grey};
    std::vector<std::uint8_t> ours;
    ASSERT_TRUE(encodeJpegRows(parts, 85, ours).ok());
    EXPECT_EQ(ours, opencvJpeg(stacked, 85));
}

TEST(JpegEncoderTest, ReusesTheBufferAndGrowsItForLargeImages)
{
    std::vector<std::uint8_t> out;
    const cv::Mat big = testImage(1920, 1080);  // noise: well over the first 64 KiB
    ASSERT_TRUE(encodeJpegRows({&big, 1}, 95, out).ok());
    EXPECT_EQ(out, opencvJpeg(big, 95));
    const cv::Mat small = testImage(64, 48);
    ASSERT_TRUE(encodeJpegRows({&small, 1}, 95, out).ok());
    EXPECT_EQ(out, opencvJpeg(small, 95));
    const cv::Mat decoded = cv::imdecode(out, cv::IMREAD_COLOR);
    EXPECT_EQ(decoded.size(), small.size());
}

TEST(JpegEncoderTest, RefusesWhatJpegCannotHold)
{
    std::vector<std::uint8_t> out = {1, 2, 3};
    const cv::Mat m = testImage(32, 16);
    auto st = encodeJpegRows({&m, 1}, 0, out);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("quality"), std::string::npos);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(encodeJpegRows({&m, 1}, 101, out).ok());
    EXPECT_FALSE(encodeJpegRows({}, 90, out).ok());
    const cv::Mat none;
    EXPECT_FALSE(encodeJpegRows({&none, 1}, 90, out).ok());
    const std::vector<cv::Mat> mixed = {testImage(32, 16), testImage(33, 16)};
    st = encodeJpegRows(mixed, 90, out);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("width"), std::string::npos);
    const cv::Mat floats(8, 8, CV_32FC1, cv::Scalar(0));
    EXPECT_FALSE(encodeJpegRows({&floats, 1}, 90, out).ok());
    // Taller than JPEG allows, without allocating it: a one-column view repeated.
    const cv::Mat column(1, 1, CV_8UC3, cv::Scalar(1, 2, 3));
    const std::vector<cv::Mat> tall(65501, column);
    st = encodeJpegRows(tall, 90, out);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("65500"), std::string::npos);
}

}  // namespace
}  // namespace returnscan::vision::detail
