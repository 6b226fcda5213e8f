// SPDX-License-Identifier: Apache-2.0
// JPEG previews for the kiosk: a frame as JPEG bytes, and thumbnails of JPEG bytes that may come
// from anywhere (decoded defensively: JPEG only, size capped before decoding, never a crash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "returnscan/core/result.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

/// Largest image thumbnailJpeg() decodes (width x height as declared in the JPEG's frame header).
inline constexpr std::int64_t kMaxThumbnailSourcePixels = 50'000'000;

/// Quality of the JPEG thumbnailJpeg() produces.
inline constexpr int kThumbnailQuality = 80;

/// JPEG bytes of `frame` (Gray8 gives a greyscale JPEG, Bgr24 a colour one) at `quality`
/// (1..100), scaled down with area averaging (aspect kept) when wider than `maxWidth` pixels
/// (0: no limit). Errors: InvalidArgument (empty or malformed view, quality outside 1..100,
/// negative maxWidth); Internal if the encoder failed.
[[nodiscard]] Result<std::string> encodeJpeg(const FrameView& frame, int quality, int maxWidth);

/// What the markers of a JPEG file say, read without decoding any pixels.
struct JpegHeader {
    int width = 0;
    int height = 0;
    int components = 0;        ///< 1 greyscale, 3 YCbCr/RGB, 4 CMYK/YCCK
    bool progressive = false;  ///< SOF2/SOF6/SOF10/SOF14
    bool exif = false;         ///< an APP1 "Exif" segment (may turn the image on decoding)
};

/// Walks the marker segments of `jpeg` (and the entropy-coded scans, to the end-of-image marker)
/// with bounds checks on every length. Errors: Parse when the bytes are not a JPEG, a segment runs
/// past the end, there is no frame header before the first scan, a dimension is 0 (height
/// defined later by a DNL marker is not supported), the frame header declares more than
/// kMaxThumbnailSourcePixels, there are more than 500 scans, or the end-of-image marker is
/// missing (truncated file). Never decodes pixels; thread-safe.
[[nodiscard]] Result<JpegHeader> readJpegHeader(std::string_view jpeg);

/// A thumbnail of the JPEG image in `jpeg`: decoded (at 1/2, 1/4 or 1/8 scale in the decoder
/// when that still leaves at least `maxWidth` pixels), scaled down with area averaging to at most
/// `maxWidth` pixels wide (0: no limit; never scaled up), and encoded again at
/// kThumbnailQuality. Greyscale stays greyscale. Only JPEG is accepted: the header is checked
/// with readJpegHeader() before any decoding, and images over kMaxThumbnailSourcePixels are
/// refused without decoding. Errors: InvalidArgument (negative maxWidth); Parse (empty input,
/// not a JPEG, truncated, too large, or the decoder gave up); Internal (encoder failure).
/// Thread-safe.
[[nodiscard]] Result<std::string> thumbnailJpeg(std::string_view jpeg, int maxWidth);

}  // namespace returnscan::vision
