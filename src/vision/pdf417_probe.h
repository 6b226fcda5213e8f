// SPDX-License-Identifier: Apache-2.0
// A cheap look for PDF417 start and stop patterns, deciding whether ZXing's (costly) PDF417
// reader runs on a frame at all (docs/vision.md, "Decoding").
#pragma once

#include <opencv2/core.hpp>

namespace returnscan::vision::detail {

/// What probePdf417() saw. A hit is a start or stop pattern (either way round) on a scan line
/// that the next scan line repeats at about the same place: a symbol's start and stop columns
/// run down all its rows, while clutter and text rarely line up like that.
struct Pdf417Probe {
    int rowHits = 0;     ///< on horizontal scan lines (bars upright, or upside down)
    int columnHits = 0;  ///< on vertical scan lines (symbol turned by about 90 degrees)

    /// Worth running the PDF417 reader. On the zxing-cpp blackbox set every PDF417 image gives
    /// at least 3 hits and 2 of the 440 other images give any (docs/vision.md).
    [[nodiscard]] bool likely() const { return rowHits + columnHits >= 2; }
};

/// Scans every `step`-th row and column of `binary` (8-bit, 0 = black, 255 = white, as
/// binarizeLocalAverage() makes it). Costs about 1.5 instructions per pixel at step 8.
[[nodiscard]] Pdf417Probe probePdf417(const cv::Mat& binary, int step = 8);

}  // namespace returnscan::vision::detail
