// SPDX-License-Identifier: Apache-2.0
// Frames as the vision module hands them around: an owning Frame and a non-owning FrameView.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace returnscan::vision {

/// Pixel layouts we accept. Cameras deliver BGR (OpenCV's order); decoding works on 8-bit luma.
enum class PixelFormat { Gray8, Bgr24 };

/// Bytes per pixel of `f`.
[[nodiscard]] constexpr int bytesPerPixel(PixelFormat f)
{
    return f == PixelFormat::Gray8 ? 1 : 3;
}

/// A borrowed image: `height` rows of `width` pixels, `stride` bytes apart. Does not own the
/// pixels; the owner must keep them alive while the view is used. Copyable, thread-compatible.
struct FrameView {
    const std::uint8_t* data = nullptr;
    int width = 0;
    int height = 0;
    int stride = 0;  ///< bytes from one row to the next (>= width * bytesPerPixel)
    PixelFormat format = PixelFormat::Gray8;

    [[nodiscard]] bool empty() const { return data == nullptr || width <= 0 || height <= 0; }
};

/// An image that owns its pixels (tightly packed rows), with the time it was captured.
class Frame {
public:
    Frame() = default;
    /// A zero-filled frame of the given size.
    Frame(int width, int height, PixelFormat format);
    /// A copy of `view`'s pixels.
    [[nodiscard]] static Frame copyOf(const FrameView& view);

    [[nodiscard]] FrameView view() const
    {
        return {pixels_.data(), width_, height_, width_ * bytesPerPixel(format_), format_};
    }
    [[nodiscard]] std::uint8_t* data() { return pixels_.data(); }
    [[nodiscard]] int width() const { return width_; }
    [[nodiscard]] int height() const { return height_; }
    [[nodiscard]] PixelFormat format() const { return format_; }
    [[nodiscard]] bool empty() const { return pixels_.empty(); }

    std::uint64_t sequence = 0;  ///< position in its source's stream (0-based)
    std::chrono::steady_clock::time_point capturedAt{};

private:
    std::vector<std::uint8_t> pixels_;
    int width_ = 0;
    int height_ = 0;
    PixelFormat format_ = PixelFormat::Gray8;
};

}  // namespace returnscan::vision
