// SPDX-License-Identifier: Apache-2.0
// JPEG previews and thumbnails: sizes, grey input, downscaling, and thumbnails of hostile bytes
// (empty, random, truncated, bit-flipped, not a JPEG, absurd declared sizes, scan floods).
#include "returnscan/vision/preview.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <random>
#include <string>
#include <vector>

namespace returnscan::vision {
namespace {

FrameView viewOf(const cv::Mat& m)
{
    return {m.data, m.cols, m.rows, static_cast<int>(m.step),
            m.channels() == 1 ? PixelFormat::Gray8 : PixelFormat::Bgr24};
}

/// A BGR test picture with structure (gradients and shapes), so JPEG sizes are realistic.
cv::Mat picture(int width, int height)
{
    cv::Mat m(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            m.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(x * 255 / width), static_cast<uchar>(y * 255 / height),
                          static_cast<uchar>((x + y) % 256));
        }
    }
    cv::circle(m, {width / 2, height / 2}, std::min(width, height) / 4, cv::Scalar(20, 200, 40),
               cv::FILLED);
    return m;
}

cv::Mat decode(const std::string& bytes, int flags = cv::IMREAD_UNCHANGED)
{
    const std::vector<uchar> buf(bytes.begin(), bytes.end());
    return cv::imdecode(buf, flags);
}

std::string jpegOf(const cv::Mat& m, std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY, 90})
{
    std::vector<uchar> buf;
    EXPECT_TRUE(cv::imencode(".jpg", m, buf, params));
    return {buf.begin(), buf.end()};
}

/// Offset of the first SOF0/SOF2 marker's segment (the 0xFF), or npos.
std::size_t frameHeaderAt(const std::string& jpeg)
{
    for (std::size_t i = 2; i + 1 < jpeg.size(); ++i) {
        const auto m = static_cast<unsigned char>(jpeg[i + 1]);
        if (static_cast<unsigned char>(jpeg[i]) == 0xFF && (m == 0xC0 || m == 0xC2)) {
            return i;
        }
    }
    return std::string::npos;
}

void setDimensions(std::string& jpeg, int width, int height)
{
    const std::size_t sof = frameHeaderAt(jpeg);
    ASSERT_NE(sof, std::string::npos);
    jpeg[sof + 5] = static_cast<char>(height >> 8);
    jpeg[sof + 6] = static_cast<char>(height & 0xFF);
    jpeg[sof + 7] = static_cast<char>(width >> 8);
    jpeg[sof + 8] = static_cast<char>(width & 0xFF);
}

void expectParseError(const Result<std::string>& r, const std::string& what)
{
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, ErrorCode::Parse) << what << ": " << r.error().message;
}

TEST(EncodeJpegTest, RoundTripKeepsTheSize)
{
    const cv::Mat m = picture(640, 480);
    auto jpeg = encodeJpeg(viewOf(m), 90, 0);
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
    ASSERT_GE(jpeg->size(), 4U);
    EXPECT_EQ(static_cast<unsigned char>((*jpeg)[0]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>((*jpeg)[1]), 0xD8);
    const cv::Mat back = decode(*jpeg);
    ASSERT_FALSE(back.empty());
    EXPECT_EQ(back.cols, 640);
    EXPECT_EQ(back.rows, 480);
    EXPECT_EQ(back.channels(), 3);
    // Close to the original (JPEG at 90): mean absolute difference of a few grey levels.
    EXPECT_LT(cv::norm(m, back, cv::NORM_L1) / static_cast<double>(m.total() * 3), 4.0);
    // Quality matters.
    auto small = encodeJpeg(viewOf(m), 20, 0);
    ASSERT_TRUE(small.ok());
    EXPECT_LT(small->size(), jpeg->size());
}

TEST(EncodeJpegTest, GrayInputGivesAGreyJpeg)
{
    cv::Mat gray;
    cv::cvtColor(picture(320, 200), gray, cv::COLOR_BGR2GRAY);
    auto jpeg = encodeJpeg(viewOf(gray), 85, 0);
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
    const cv::Mat back = decode(*jpeg);
    ASSERT_FALSE(back.empty());
    EXPECT_EQ(back.channels(), 1);
    EXPECT_EQ(back.size(), gray.size());
    auto header = readJpegHeader(*jpeg);
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_EQ(header->components, 1);
    EXPECT_EQ(header->width, 320);
    EXPECT_EQ(header->height, 200);
}

TEST(EncodeJpegTest, DownscalesKeepingTheAspect)
{
    const cv::Mat m = picture(1920, 1080);
    auto jpeg = encodeJpeg(viewOf(m), 80, 640);
    ASSERT_TRUE(jpeg.ok());
    cv::Mat back = decode(*jpeg);
    EXPECT_EQ(back.cols, 640);
    EXPECT_EQ(back.rows, 360);

    // Odd sizes round; a frame narrower than the limit is left alone.
    const cv::Mat odd = picture(1001, 333);
    jpeg = encodeJpeg(viewOf(odd), 80, 500);
    ASSERT_TRUE(jpeg.ok());
    back = decode(*jpeg);
    EXPECT_EQ(back.cols, 500);
    EXPECT_EQ(back.rows, 166);  // 333 * 500 / 1001 = 166.3
    jpeg = encodeJpeg(viewOf(odd), 80, 2000);
    ASSERT_TRUE(jpeg.ok());
    EXPECT_EQ(decode(*jpeg).cols, 1001);

    // A view with a stride (a region of a larger image) and a very flat one.
    const cv::Mat region = m(cv::Rect(100, 50, 800, 600));
    jpeg = encodeJpeg(viewOf(region), 80, 400);
    ASSERT_TRUE(jpeg.ok());
    back = decode(*jpeg);
    EXPECT_EQ(back.size(), cv::Size(400, 300));
    const cv::Mat flat = picture(4000, 2);
    jpeg = encodeJpeg(viewOf(flat), 80, 100);
    ASSERT_TRUE(jpeg.ok());
    EXPECT_EQ(decode(*jpeg).size(), cv::Size(100, 1));
}

TEST(EncodeJpegTest, RejectsBadArguments)
{
    const cv::Mat m = picture(64, 48);
    EXPECT_EQ(encodeJpeg(FrameView{}, 90, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(encodeJpeg(viewOf(m), 0, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(encodeJpeg(viewOf(m), 101, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(encodeJpeg(viewOf(m), -5, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(encodeJpeg(viewOf(m), 90, -1).error().code, ErrorCode::InvalidArgument);
    FrameView shortRows = viewOf(m);
    shortRows.stride = 64;  // BGR needs 192
    EXPECT_EQ(encodeJpeg(shortRows, 90, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(encodeJpeg(viewOf(m), 1, 0).ok());
    EXPECT_TRUE(encodeJpeg(viewOf(m), 100, 0).ok());
}

TEST(ThumbnailJpegTest, ScalesDownToTheWidth)
{
    const std::string big = jpegOf(picture(4000, 3000));
    auto thumb = thumbnailJpeg(big, 320);
    ASSERT_TRUE(thumb.ok()) << thumb.error().message;
    cv::Mat back = decode(*thumb);
    EXPECT_EQ(back.size(), cv::Size(320, 240));
    EXPECT_EQ(back.channels(), 3);

    // Between two decoder scales (1/2 of 1000 = 500 >= 450 > 1/4): 450 exactly.
    thumb = thumbnailJpeg(jpegOf(picture(1000, 600)), 450);
    ASSERT_TRUE(thumb.ok());
    EXPECT_EQ(decode(*thumb).size(), cv::Size(450, 270));

    // No limit, and never scaled up.
    thumb = thumbnailJpeg(jpegOf(picture(200, 100)), 0);
    ASSERT_TRUE(thumb.ok());
    EXPECT_EQ(decode(*thumb).size(), cv::Size(200, 100));
    thumb = thumbnailJpeg(jpegOf(picture(200, 100)), 320);
    ASSERT_TRUE(thumb.ok());
    EXPECT_EQ(decode(*thumb).size(), cv::Size(200, 100));

    EXPECT_EQ(thumbnailJpeg(big, -1).error().code, ErrorCode::InvalidArgument);
}

TEST(ThumbnailJpegTest, GreyStaysGreyAndProgressiveWorks)
{
    cv::Mat gray;
    cv::cvtColor(picture(1600, 1200), gray, cv::COLOR_BGR2GRAY);
    auto thumb = thumbnailJpeg(jpegOf(gray), 200);
    ASSERT_TRUE(thumb.ok()) << thumb.error().message;
    const cv::Mat back = decode(*thumb);
    EXPECT_EQ(back.channels(), 1);
    EXPECT_EQ(back.size(), cv::Size(200, 150));

    const std::string progressive =
        jpegOf(picture(800, 600), {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    auto header = readJpegHeader(progressive);
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_TRUE(header->progressive);
    EXPECT_EQ(header->width, 800);
    thumb = thumbnailJpeg(progressive, 100);
    ASSERT_TRUE(thumb.ok()) << thumb.error().message;
    EXPECT_EQ(decode(*thumb).size(), cv::Size(100, 75));
}

TEST(ThumbnailJpegTest, AThumbnailOfAThumbnail)
{
    auto first = encodeJpeg(viewOf(picture(1280, 720)), 90, 0);
    ASSERT_TRUE(first.ok());
    auto second = thumbnailJpeg(*first, 640);
    ASSERT_TRUE(second.ok());
    auto third = thumbnailJpeg(*second, 160);
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(decode(*third).size(), cv::Size(160, 90));
}

TEST(ThumbnailJpegTest, ExifSegmentIsSeenAndAnEmbeddedEndMarkerIsNotTheEnd)
{
    const std::string plain = jpegOf(picture(640, 480));
    // APP1 "Exif" holding bytes that look like a whole embedded JPEG (ending in FF D9).
    std::string app1 = std::string("Exif\0\0", 6) + "\xFF\xD8\xFF\xD9";
    const std::size_t len = app1.size() + 2;
    std::string withExif = plain.substr(0, 2) + "\xFF\xE1" + static_cast<char>(len >> 8) +
                           static_cast<char>(len & 0xFF) + app1 + plain.substr(2);
    auto header = readJpegHeader(withExif);
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_TRUE(header->exif);
    auto thumb = thumbnailJpeg(withExif, 160);
    ASSERT_TRUE(thumb.ok()) << thumb.error().message;
    EXPECT_EQ(decode(*thumb).cols, 160);
    // Cut in the middle of the scan: the FF D9 inside the EXIF segment does not count.
    expectParseError(thumbnailJpeg(withExif.substr(0, withExif.size() / 2), 160), "cut");
}

TEST(ThumbnailJpegTest, GarbageIsAParseErrorNeverACrash)
{
    expectParseError(thumbnailJpeg("", 160), "0 bytes");
    expectParseError(thumbnailJpeg(std::string_view("\xFF\xD8", 2), 160), "SOI only");
    expectParseError(thumbnailJpeg(std::string_view("\xFF\xD8\xFF\xD9", 4), 160), "SOI EOI");

    std::mt19937 rng(12345);
    for (int i = 0; i < 300; ++i) {
        const std::size_t size = rng() % 4096;
        std::string bytes(size, '\0');
        for (char& c : bytes) {
            c = static_cast<char>(rng() & 0xFF);
        }
        expectParseError(thumbnailJpeg(bytes, 160), "random " + std::to_string(i));
        // Random bytes behind a JPEG start marker get further into the walk.
        expectParseError(thumbnailJpeg(std::string("\xFF\xD8\xFF", 3) + bytes, 160),
                         "random after SOI " + std::to_string(i));
    }

    // Another image format (OpenCV would decode it; thumbnails take JPEG only).
    std::vector<uchar> png;
    ASSERT_TRUE(cv::imencode(".png", picture(64, 64), png));
    expectParseError(thumbnailJpeg(std::string(png.begin(), png.end()), 32), "png");
}

TEST(ThumbnailJpegTest, TruncatedJpegsAreRefused)
{
    const std::string jpeg = jpegOf(picture(320, 240));
    ASSERT_TRUE(thumbnailJpeg(jpeg, 100).ok());
    for (std::size_t cut = 0; cut < jpeg.size(); cut += 1 + cut / 8) {
        expectParseError(thumbnailJpeg(std::string_view(jpeg).substr(0, cut), 100),
                         "cut at " + std::to_string(cut));
    }
    expectParseError(thumbnailJpeg(std::string_view(jpeg).substr(0, jpeg.size() - 1), 100),
                     "last byte missing");
}

TEST(ThumbnailJpegTest, BitFlipsNeverCrash)
{
    const std::string jpeg = jpegOf(picture(320, 240));
    std::mt19937 rng(99);
    int decoded = 0;
    for (int i = 0; i < 300; ++i) {
        std::string bad = jpeg;
        for (int k = 0; k < 4; ++k) {
            bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
        }
        auto r = thumbnailJpeg(bad, 100);
        if (r.ok()) {
            ++decoded;  // damage in the picture data decodes as a damaged picture
            const cv::Mat back = decode(*r);
            EXPECT_FALSE(back.empty());
            EXPECT_LE(back.cols, 100);
        } else {
            EXPECT_EQ(r.error().code, ErrorCode::Parse) << r.error().message;
        }
    }
    EXPECT_GT(decoded, 0);
}

TEST(ThumbnailJpegTest, HugeDeclaredSizesAreRefusedBeforeDecoding)
{
    const std::string small = jpegOf(picture(64, 64));
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{
             {65535, 65535}, {8000, 6251}, {65535, 800}, {10000, 5001}}) {
        std::string huge = small;
        setDimensions(huge, w, h);
        auto r = thumbnailJpeg(huge, 160);
        expectParseError(r, std::to_string(w) + "x" + std::to_string(h));
        EXPECT_NE(r.error().message.find("too large"), std::string::npos) << r.error().message;
    }
    // Zero dimensions (a DNL-defined height) are refused too.
    std::string zero = small;
    setDimensions(zero, 64, 0);
    expectParseError(thumbnailJpeg(zero, 160), "height 0");
    // Just under the limit is not refused by the size check (here the data is far too short:
    // libjpeg pads the missing rows; decoded at 1/8).
    std::string under = small;
    setDimensions(under, 5000, 4000);
    auto header = readJpegHeader(under);
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_EQ(header->width, 5000);
}

TEST(ThumbnailJpegTest, AFloodOfScansIsRefused)
{
    // SOI, SOF0 (8x8 grey), then 501 empty scans, EOI: no decoder time is spent on it.
    std::string j("\xFF\xD8", 2);
    j += std::string("\xFF\xC0\x00\x0B\x08\x00\x08\x00\x08\x01\x01\x11\x00", 13);
    for (int i = 0; i < 501; ++i) {
        j += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
        j += std::string("\x00", 1);
    }
    j += std::string("\xFF\xD9", 2);
    auto r = thumbnailJpeg(j, 8);
    expectParseError(r, "scan flood");
    EXPECT_NE(r.error().message.find("scans"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace returnscan::vision
