// SPDX-License-Identifier: Apache-2.0
// OpenCV helpers private to the vision module: FrameView <-> cv::Mat, error wrapping.
#pragma once

#include <opencv2/core.hpp>

#include <exception>
#include <string>
#include <utility>

#include "returnscan/core/result.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision::detail {

/// A cv::Mat header over `v`'s pixels (no copy; valid while `v`'s owner lives). OpenCV wants a
/// non-const pointer; we never write through it.
[[nodiscard]] inline cv::Mat wrap(const FrameView& v)
{
    const int type = v.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3;
    return cv::Mat(v.height, v.width, type, const_cast<std::uint8_t*>(v.data),  // NOLINT
                   static_cast<std::size_t>(v.stride));
}

/// A view of an 8-bit 1- or 3-channel continuous-row Mat (borrowed from `m`).
[[nodiscard]] inline FrameView viewOf(const cv::Mat& m)
{
    return {m.data, m.cols, m.rows, static_cast<int>(m.step),
            m.channels() == 1 ? PixelFormat::Gray8 : PixelFormat::Bgr24};
}

/// Copies a cv::Mat (8-bit, 1 or 3 channels) into an owning Frame.
[[nodiscard]] inline Frame frameOf(const cv::Mat& m)
{
    return Frame::copyOf(viewOf(m));
}

/// `v` as 8-bit luma: the same pixels when already Gray8, else a converted copy in `storage`.
[[nodiscard]] cv::Mat toGray(const FrameView& v, cv::Mat& storage);

/// The quality gate's luma: `gray` (8-bit) reduced to kQualityWidth wide by area averaging
/// (never upscaled; `gray` itself when narrow enough). Defined in photo.cpp.
[[nodiscard]] cv::Mat qualityLuma(const cv::Mat& gray);

/// Runs `f` and turns a cv::Exception (or any exception) into an Error: OpenCV throws, and no
/// exception may leave the module.
template <typename F>
[[nodiscard]] auto guarded(std::string_view doing, F&& f) -> decltype(f())
{
    try {
        return f();
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string(doing) + ": " + e.what());
    } catch (...) {
        return makeError(ErrorCode::Internal, std::string(doing) + ": unknown exception");
    }
}

}  // namespace returnscan::vision::detail
