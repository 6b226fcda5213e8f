// SPDX-License-Identifier: Apache-2.0
// The local-average binarisation ZXing 1.4 applies before its matrix and PDF417 readers, computed
// once per frame by us so that several reads share it (docs/vision.md, "Decoding").
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace returnscan::vision::detail {

/// Below this width or height ZXing 1.4 does not binarise locally (it falls back to its global
/// histogram); binarizeLocalAverage() refuses such images and the caller lets ZXing do it.
inline constexpr int kMinLocalAverageSide = 40;

/// Buffers binarizeLocalAverage() reuses between frames (one per thread).
struct BinarizeScratch {
    std::vector<std::uint8_t> blackPoints;   // one per 8x8 block
    std::vector<std::uint8_t> rowThreshold;  // one per pixel of a row
    std::vector<int> columnSums;             // five block rows summed, per block column
};

/// Binarises `gray` (8-bit, one channel, at least kMinLocalAverageSide in both directions) into
/// `out` (same size, 0 = black, 255 = white), bit for bit what ZXing 1.4's HybridBinarizer
/// ("LocalAverage") makes of it: a black point per 8x8 block (the block's mean; for a block of
/// little contrast, half its minimum or its neighbours' black point), a threshold per block from
/// the 5x5 blocks around it, black where luma <= threshold. Handing ZXing the result with its
/// BoolCast binarizer gives its readers the same bits at a fraction of the cost (SSE2 here, and
/// computed once for all the passes over a frame). `out` is reallocated only when its size
/// changes. Returns false (and leaves `out` alone) when `gray` is too small.
[[nodiscard]] bool binarizeLocalAverage(const cv::Mat& gray, cv::Mat& out,
                                        BinarizeScratch& scratch);

}  // namespace returnscan::vision::detail
