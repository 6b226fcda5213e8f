// SPDX-License-Identifier: Apache-2.0
// PDF417 start/stop pattern probe (see pdf417_probe.h): run lengths of sampled scan lines,
// matched against the patterns' module widths with a tolerance.
#include "pdf417_probe.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace returnscan::vision::detail {
namespace {

// Module widths, bar first, of the start pattern (17 modules) and stop pattern (18 modules), and
// of both read right to left. The reversed start pattern begins with its 3-module space.
constexpr std::array<int, 8> kStart = {8, 1, 1, 1, 1, 1, 1, 3};
constexpr std::array<int, 8> kStartReversed = {3, 1, 1, 1, 1, 1, 1, 8};
constexpr std::array<int, 9> kStop = {7, 1, 1, 3, 1, 1, 1, 2, 1};
constexpr std::array<int, 9> kStopReversed = {1, 2, 1, 1, 1, 3, 1, 1, 7};

// Tolerances in module widths: each element may be off by this much (plus half a pixel for
// rounding), and all of them together by this fraction of the pattern's length (ZXing's own
// PDF417 detector allows 0.8 and 0.42; a little stricter here keeps texture out).
constexpr float kMaxElementVariance = 0.6F;
constexpr float kMaxTotalVariance = 0.42F;

struct Hit {
    int line;
    int position;  // pixels from the line's start to the pattern's first element
    int kind;
    float module;
};

template <std::size_t N>
bool matches(const int* runs, const std::array<int, N>& pattern, float& module)
{
    int total = 0;
    for (std::size_t i = 0; i < N; ++i) {
        total += runs[i];
    }
    int modules = 0;
    for (int m : pattern) {
        modules += m;
    }
    if (total < modules) {
        return false;  // under a pixel per module: nothing ZXing could read either
    }
    const float unit = static_cast<float>(total) / static_cast<float>(modules);
    float variance = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const float d =
            std::fabs(static_cast<float>(runs[i]) - static_cast<float>(pattern[i]) * unit);
        if (d > kMaxElementVariance * unit + 0.5F) {
            return false;
        }
        variance += d;
    }
    module = unit;
    return variance < kMaxTotalVariance * static_cast<float>(total) + 1.0F;
}

/// Lengths of the runs of equal pixels along a contiguous line.
void runLengths(const std::uint8_t* p, int n, std::vector<int>& runs)
{
    runs.clear();
    int last = 0;
    int i = 1;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1));
        auto changes = static_cast<unsigned>(~_mm_movemask_epi8(_mm_cmpeq_epi8(a, b))) & 0xFFFFU;
        while (changes != 0) {
            const int at = i + __builtin_ctz(changes);
            runs.push_back(at - last);
            last = at;
            changes &= changes - 1;
        }
    }
#endif
    for (; i < n; ++i) {
        if (p[i] != p[i - 1]) {
            runs.push_back(i - last);
            last = i;
        }
    }
    runs.push_back(n - last);
}

void scanLine(const std::uint8_t* p, int n, int line, std::vector<int>& runs,
              std::vector<Hit>& hits)
{
    runLengths(p, n, runs);
    const bool firstBlack = p[0] == 0;
    const int count = static_cast<int>(runs.size());
    int position = 0;
    for (int i = 0; i + 8 <= count; position += runs[static_cast<std::size_t>(i)], ++i) {
        const int* r = &runs[static_cast<std::size_t>(i)];
        const bool black = (i % 2 == 0) == firstBlack;
        // Every pattern has one wide element (7 or 8 modules) at one end: a cheap filter before
        // the full comparison.
        const bool wideFirst = r[0] >= 3 && r[0] >= 3 * r[1];
        float module = 0;
        int kind = -1;
        if (black) {
            const bool nine = i + 9 <= count;
            const bool wideLast = nine && r[8] >= 3 && r[8] >= 3 * r[7];
            if (wideFirst && matches(r, kStart, module)) {
                kind = 0;
            } else if (wideFirst && nine && matches(r, kStop, module)) {
                kind = 1;
            } else if (wideLast && matches(r, kStopReversed, module)) {
                kind = 2;
            }
        } else if (r[7] >= 3 && r[7] >= 3 * r[6] && matches(r, kStartReversed, module)) {
            kind = 3;
        }
        if (kind >= 0) {
            hits.push_back({line, position, kind, module});
        }
    }
}

/// Hits that the neighbouring scan line repeats: same pattern, same place within two modules.
int confirmed(const std::vector<Hit>& hits)
{
    int n = 0;
    for (const Hit& a : hits) {
        const float slack = 2.0F * std::max(a.module, 1.0F) + 2.0F;
        const bool repeated = std::any_of(hits.begin(), hits.end(), [&](const Hit& b) {
            return b.kind == a.kind && std::abs(b.line - a.line) == 1 &&
                   static_cast<float>(std::abs(b.position - a.position)) <= slack;
        });
        n += repeated ? 1 : 0;
    }
    return n;
}

}  // namespace

Pdf417Probe probePdf417(const cv::Mat& binary, int step)
{
    Pdf417Probe probe;
    if (binary.empty() || binary.type() != CV_8UC1 || step < 1) {
        return probe;
    }
    std::vector<int> runs;
    std::vector<Hit> hits;
    int line = 0;
    for (int y = step / 2; y < binary.rows; y += step) {
        scanLine(binary.ptr<std::uint8_t>(y), binary.cols, line++, runs, hits);
    }
    probe.rowHits = confirmed(hits);
    hits.clear();
    // Columns: gathered into contiguous lines first (reading down a column misses the cache on
    // every pixel).
    const int columns = (binary.cols - step / 2 + step - 1) / step;
    std::vector<std::uint8_t> gathered(static_cast<std::size_t>(columns) *
                                       static_cast<std::size_t>(binary.rows));
    for (int y = 0; y < binary.rows; ++y) {
        const std::uint8_t* row = binary.ptr<std::uint8_t>(y) + step / 2;
        for (int c = 0; c < columns; ++c) {
            gathered[static_cast<std::size_t>(c) * static_cast<std::size_t>(binary.rows) +
                     static_cast<std::size_t>(y)] = row[c * step];
        }
    }
    for (int c = 0; c < columns; ++c) {
        scanLine(&gathered[static_cast<std::size_t>(c) * static_cast<std::size_t>(binary.rows)],
                 binary.rows, c, runs, hits);
    }
    probe.columnHits = confirmed(hits);
    return probe;
}

}  // namespace returnscan::vision::detail
