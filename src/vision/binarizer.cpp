// SPDX-License-Identifier: Apache-2.0
// Local-average binarisation with ZXing 1.4's exact results (see binarizer.h): block statistics
// and thresholding 16 pixels at a time with SSE2, a plain loop elsewhere.
#include "binarizer.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstddef>

namespace returnscan::vision::detail {
namespace {

constexpr int kBlock = 8;
// A block whose luma spans no more than this is taken as flat (all paper or all ink).
constexpr int kMinDynamicRange = 24;

struct BlockStats {
    int min = 255;
    int max = 0;
    int sum = 0;
};

/// Top-left pixel of block `b` along an axis of `size` pixels: the last block is moved back so
/// that it lies inside the image (it overlaps its neighbour when size % 8 != 0).
int blockOrigin(int b, int size)
{
    return std::min(b * kBlock, size - kBlock);
}

BlockStats statsOfBlock(const std::uint8_t* p, std::size_t stride)
{
    BlockStats s;
    for (int y = 0; y < kBlock; ++y) {
        for (int x = 0; x < kBlock; ++x) {
            const int v = p[static_cast<std::size_t>(y) * stride + static_cast<std::size_t>(x)];
            s.sum += v;
            s.min = std::min(s.min, v);
            s.max = std::max(s.max, v);
        }
    }
    return s;
}

#if defined(__SSE2__)
/// Statistics of the two horizontally adjacent blocks starting at `p` (16 x 8 pixels).
void statsOfBlockPair(const std::uint8_t* p, std::size_t stride, BlockStats& left,
                      BlockStats& right)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i mn = _mm_set1_epi8(static_cast<char>(0xFF));
    __m128i mx = zero;
    __m128i sum = zero;
    for (int y = 0; y < kBlock; ++y) {
        const __m128i v = _mm_loadu_si128(
            reinterpret_cast<const __m128i*>(p + static_cast<std::size_t>(y) * stride));
        mn = _mm_min_epu8(mn, v);
        mx = _mm_max_epu8(mx, v);
        sum = _mm_add_epi64(sum, _mm_sad_epu8(v, zero));  // one sum per 8-byte half
    }
    // Fold each 8-byte half onto its lowest byte.
    for (int shift : {32, 16, 8}) {
        const __m128i count = _mm_cvtsi32_si128(shift);
        mn = _mm_min_epu8(mn, _mm_srl_epi64(mn, count));
        mx = _mm_max_epu8(mx, _mm_srl_epi64(mx, count));
    }
    left.min = _mm_cvtsi128_si32(mn) & 0xFF;
    left.max = _mm_cvtsi128_si32(mx) & 0xFF;
    left.sum = _mm_cvtsi128_si32(sum);
    right.min = _mm_extract_epi16(mn, 4) & 0xFF;
    right.max = _mm_extract_epi16(mx, 4) & 0xFF;
    right.sum = _mm_extract_epi16(sum, 4);
}
#endif

/// Thresholds one row: 0 where luma <= its threshold, else 255.
void thresholdRow(const std::uint8_t* src, const std::uint8_t* threshold, std::uint8_t* dst,
                  int width)
{
    int x = 0;
#if defined(__SSE2__)
    const __m128i ones = _mm_set1_epi8(static_cast<char>(0xFF));
    for (; x + 16 <= width; x += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + x));
        const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(threshold + x));
        const __m128i black = _mm_cmpeq_epi8(_mm_min_epu8(v, t), v);  // v <= t
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm_xor_si128(black, ones));
    }
#endif
    for (; x < width; ++x) {
        dst[x] = src[x] <= threshold[x] ? 0 : 255;
    }
}

}  // namespace

bool binarizeLocalAverage(const cv::Mat& gray, cv::Mat& out, BinarizeScratch& scratch)
{
    const int w = gray.cols;
    const int h = gray.rows;
    if (gray.type() != CV_8UC1 || w < kMinLocalAverageSide || h < kMinLocalAverageSide) {
        return false;
    }
    const std::size_t stride = gray.step;
    const int bw = (w + kBlock - 1) / kBlock;
    const int bh = (h + kBlock - 1) / kBlock;
    auto& bp = scratch.blackPoints;
    bp.resize(static_cast<std::size_t>(bw) * static_cast<std::size_t>(bh));
    auto at = [&](int bx, int by) -> std::uint8_t& {
        return bp[static_cast<std::size_t>(by) * static_cast<std::size_t>(bw) +
                  static_cast<std::size_t>(bx)];
    };

    // 1. A black point per block, in row-major order (a flat block looks at the ones above and
    //    to its left).
    for (int by = 0; by < bh; ++by) {
        const std::uint8_t* rowStart = gray.ptr<std::uint8_t>(blockOrigin(by, h));
        auto store = [&](int bx, const BlockStats& s) {
            int black = s.sum / (kBlock * kBlock);
            if (s.max - s.min <= kMinDynamicRange) {
                // Flat: assume paper (half the minimum) unless the neighbours' black point says
                // this block is darker than paper, i.e. inside a dark area of the symbol.
                black = s.min / 2;
                if (bx > 0 && by > 0) {
                    const int neighbours =
                        (at(bx, by - 1) + 2 * at(bx - 1, by) + at(bx - 1, by - 1)) / 4;
                    if (s.min < neighbours) {
                        black = neighbours;
                    }
                }
            }
            at(bx, by) = static_cast<std::uint8_t>(black);
        };
        int bx = 0;
#if defined(__SSE2__)
        for (; (bx + 2) * kBlock <= w; bx += 2) {
            BlockStats left;
            BlockStats right;
            statsOfBlockPair(rowStart + bx * kBlock, stride, left, right);
            store(bx, left);
            store(bx + 1, right);
        }
#endif
        for (; bx < bw; ++bx) {
            store(bx, statsOfBlock(rowStart + blockOrigin(bx, w), stride));
        }
    }

    // 2. A threshold per block (mean of the 5x5 black points around it, the window kept inside
    //    the image), spread over the pixels of a row, then every pixel row compared with it.
    //    Where the last block overlaps its neighbour, the last block's threshold applies.
    out.create(h, w, CV_8UC1);
    auto& sums = scratch.columnSums;
    auto& threshold = scratch.rowThreshold;
    sums.resize(static_cast<std::size_t>(bw));
    threshold.resize(static_cast<std::size_t>(w));
    int builtFor = -1;
    for (int y = 0; y < h; ++y) {
        const int by = y >= h - kBlock ? bh - 1 : y / kBlock;
        if (by != builtFor) {
            builtFor = by;
            const int cy = std::clamp(by, 2, bh - 3);
            for (int bx = 0; bx < bw; ++bx) {
                int s = 0;
                for (int dy = -2; dy <= 2; ++dy) {
                    s += at(bx, cy + dy);
                }
                sums[static_cast<std::size_t>(bx)] = s;
            }
            for (int bx = 0; bx < bw; ++bx) {
                const int cx = std::clamp(bx, 2, bw - 3);
                int s = 0;
                for (int dx = -2; dx <= 2; ++dx) {
                    s += sums[static_cast<std::size_t>(cx + dx)];
                }
                std::fill_n(threshold.begin() + blockOrigin(bx, w), kBlock,
                            static_cast<std::uint8_t>(s / 25));
            }
        }
        thresholdRow(gray.ptr<std::uint8_t>(y), threshold.data(), out.ptr<std::uint8_t>(y), w);
    }
    return true;
}

}  // namespace returnscan::vision::detail
