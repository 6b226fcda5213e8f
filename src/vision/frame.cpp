// SPDX-License-Identifier: Apache-2.0
// Owning frames and the OpenCV conversions shared by the module.
#include "returnscan/vision/frame.h"

#include <opencv2/imgproc.hpp>

#include <cstring>

#include "cv_util.h"

namespace returnscan::vision {

Frame::Frame(int width, int height, PixelFormat format)
    : pixels_(static_cast<std::size_t>(width > 0 && height > 0 ? width * height : 0) *
              static_cast<std::size_t>(bytesPerPixel(format))),
      width_(width > 0 && height > 0 ? width : 0),
      height_(width > 0 && height > 0 ? height : 0),
      format_(format)
{
}

Frame Frame::copyOf(const FrameView& view)
{
    if (view.empty()) {
        return {};
    }
    Frame f(view.width, view.height, view.format);
    const std::size_t row =
        static_cast<std::size_t>(view.width) * static_cast<std::size_t>(bytesPerPixel(view.format));
    for (int y = 0; y < view.height; ++y) {
        std::memcpy(f.pixels_.data() + static_cast<std::size_t>(y) * row,
                    view.data + static_cast<std::size_t>(y) * static_cast<std::size_t>(view.stride),
                    row);
    }
    return f;
}

namespace detail {

cv::Mat toGray(const FrameView& v, cv::Mat& storage)
{
    cv::Mat src = wrap(v);
    if (v.format == PixelFormat::Gray8) {
        return src;
    }
    cv::cvtColor(src, storage, cv::COLOR_BGR2GRAY);
    return storage;
}

}  // namespace detail
}  // namespace returnscan::vision
