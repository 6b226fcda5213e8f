// SPDX-License-Identifier: Apache-2.0
// JPEG encoding straight through libjpeg-turbo, for evidence photos and previews.
//
// Why not cv::imencode: Debian's OpenCV 4.6 swaps every BGR pixel to RGB in a scalar loop before
// handing rows to libjpeg (about 1.2 ms of a 5.4 ms encode at 1080p), and it needs the whole
// image in one buffer, so a captioned photo cost a 6 MB copy of the frame first. libjpeg-turbo
// takes BGR rows as they are (JCS_EXT_BGR, converted by its SIMD code), and the rows can come
// from several images stacked: the camera's frame, then the caption band.
//
// The settings are OpenCV's (jpeg_set_defaults, jpeg_set_quality with baseline tables: JFIF,
// 4:2:0, no Huffman optimisation), so the bytes equal cv::imencode's (tested).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include <opencv2/core.hpp>

#include "returnscan/core/result.h"

namespace returnscan::vision::detail {

/// Encodes the rows of `parts`, stacked top to bottom, as one baseline JPEG of `quality`
/// (1..100) into `out`, whose capacity is reused from call to call. Each part is 8-bit BGR
/// (CV_8UC3) or grey (CV_8UC1); all have the same width; empty parts are skipped. Grey parts
/// alone give a greyscale JPEG (as cv::imencode does); mixed with BGR parts they are encoded as
/// colour. Errors: InvalidArgument (no rows, mixed widths, another pixel type, a bad quality,
/// more than 65,500 rows or columns: JPEG's limit), Internal (libjpeg refused; `out` is then
/// empty). Never throws.
///
/// `beforePart`, when given, is called with a part's index just before its first row is
/// encoded (after the rows above it): a part drawn by another thread can be waited for there,
/// while the parts above it are already being encoded. Its pixels must then be allocated (the
/// size fixed) before the call, and only drawn by the time beforePart returns true; false (or
/// an exception) stops the encoding with an Internal error.
[[nodiscard]] Status encodeJpegRows(std::span<const cv::Mat> parts, int quality,
                                    std::vector<std::uint8_t>& out,
                                    const std::function<bool(std::size_t)>& beforePart = {});

}  // namespace returnscan::vision::detail
