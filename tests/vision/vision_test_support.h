// SPDX-License-Identifier: Apache-2.0
// Test support for vision: synthetic parcel-label frames made with ZXing's writer, shared data.
#pragma once

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <random>
#include <string>

#include "returnscan/vision/frame.h"

namespace returnscan::vision::testing {

/// ../shared/data/<name> (RETURNSCAN_SHARED_DIR), or empty when it is not there.
inline std::string sharedData(const std::string& name)
{
    const std::filesystem::path p = std::filesystem::path(RETURNSCAN_SHARED_DIR) / "data" / name;
    std::error_code ec;
    return std::filesystem::exists(p, ec) ? p.string() : std::string();
}

/// The symbol of `text` as black-on-white pixels, `module` pixels per module, quiet zone incl.
inline cv::Mat symbolImage(const std::string& text, ZXing::BarcodeFormat format, int module)
{
    ZXing::MultiFormatWriter writer(format);
    writer.setMargin(format == ZXing::BarcodeFormat::QRCode ? 4 : 10);
    const ZXing::BitMatrix bits = writer.encode(text, 0, 0);
    // encode() with size 0 gives one pixel per module; 1D symbols come out one row high.
    cv::Mat m(bits.height(), bits.width(), CV_8UC1);
    for (int y = 0; y < bits.height(); ++y) {
        for (int x = 0; x < bits.width(); ++x) {
            m.at<std::uint8_t>(y, x) = bits.get(x, y) ? 0 : 255;
        }
    }
    const bool linear = bits.height() < 4;
    cv::Mat scaled;
    cv::resize(m, scaled,
               cv::Size(bits.width() * module, linear ? 60 * module / 2 : bits.height() * module),
               0, 0, cv::INTER_NEAREST);
    return scaled;
}

/// A BGR "parcel" frame: cardboard brown with noise, a white label holding the symbol(s) with
/// some text, as a bench camera would see it. Deterministic for a given seed.
inline cv::Mat labelFrame(int width, int height,
                          const std::vector<std::pair<std::string, ZXing::BarcodeFormat>>& codes,
                          int module = 3, unsigned seed = 7)
{
    cv::Mat frame(height, width, CV_8UC3, cv::Scalar(70, 120, 165));  // BGR cardboard
    cv::Mat noise(height, width, CV_8UC3);
    cv::randn(noise, cv::Scalar(0, 0, 0), cv::Scalar(12, 12, 12));
    cv::theRNG().state = seed;
    frame += noise;
    const int labelW = width * 6 / 10;
    const int labelH = height * 6 / 10;
    const cv::Rect label((width - labelW) / 2, (height - labelH) / 2, labelW, labelH);
    cv::rectangle(frame, label, cv::Scalar(245, 245, 245), cv::FILLED);
    int y = label.y + 20;
    for (const auto& [text, format] : codes) {
        cv::Mat sym = symbolImage(text, format, module);
        if (sym.cols > label.width - 20 || y + sym.rows > label.y + label.height) {
            continue;  // does not fit: the test will notice the missing read
        }
        cv::Mat bgr;
        cv::cvtColor(sym, bgr, cv::COLOR_GRAY2BGR);
        bgr.copyTo(frame(cv::Rect(label.x + 10, y, sym.cols, sym.rows)));
        cv::putText(frame, text, cv::Point(label.x + 10, y + sym.rows + 22),
                    cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(20, 20, 20), 2);
        y += sym.rows + 40;
    }
    return frame;
}

/// A view of a BGR or gray cv::Mat.
inline FrameView viewOf(const cv::Mat& m)
{
    return {m.data, m.cols, m.rows, static_cast<int>(m.step),
            m.channels() == 1 ? PixelFormat::Gray8 : PixelFormat::Bgr24};
}

}  // namespace returnscan::vision::testing
