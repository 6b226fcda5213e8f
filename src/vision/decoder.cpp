// SPDX-License-Identifier: Apache-2.0
// Frame decoding strategy: a quick pass on a reduced image, then a harder pass at full
// resolution only on regions that look like bars (structure-tensor coherence), or on the whole
// frame when the caller asks for thoroughness.
#include "returnscan/vision/decoder.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include "cv_util.h"
#include "zxing_adapter.h"

namespace returnscan::vision {

namespace {

constexpr std::array<Symbol, 17> kAll = {
    Symbol::Aztec,   Symbol::Codabar,         Symbol::Code39,     Symbol::Code93, Symbol::Code128,
    Symbol::DataBar, Symbol::DataBarExpanded, Symbol::DataMatrix, Symbol::Ean8,   Symbol::Ean13,
    Symbol::Itf,     Symbol::MaxiCode,        Symbol::Pdf417,     Symbol::QrCode, Symbol::UpcA,
    Symbol::UpcE,    Symbol::MicroQrCode,
};

// The quick pass looks at frames no larger than this (longest side, pixels). A 1080p frame is
// halved: QR and DataMatrix at >= 4 px/module still read at half size, and it costs a quarter.
// Measured on the decode-regression frames: quick pass 2 ms at 960x540 vs 7 ms at 1920x1080.
constexpr int kQuickMaxSide = 1280;
// Frames up to this size (longest side) get a last DataMatrix tryHarder pass in Balanced.
constexpr int kSmallFrameSide = 800;
// Region detection works on about this width (blocks of kBlock pixels there).
constexpr int kDetectWidth = 480;
constexpr int kBlock = 8;
// A block is "bar-like" when its gradient energy (mean of gx^2 + gy^2 of a 3x3 Sobel, i.e.
// 16x the squared intensity step) is high and one direction dominates (coherence). Printed
// text and cardboard texture have strong but incoherent gradients. Tuned on the decode-
// regression set (empty frame: no region) and the blackbox set; see docs/vision.md.
constexpr double kMinEnergy = 6000.0;
constexpr double kMinCoherence = 0.55;
// A candidate region must cover at least this many blocks (a barcode is several bars wide).
constexpr int kMinBlocks = 16;
// At most this many regions get the harder pass per frame (bounds the worst case).
constexpr int kMaxRegions = 4;

struct Region {
    cv::Rect rect;                // in full-resolution pixels
    bool barsHorizontal = false;  // gradients mostly vertical: rotate the crop by 90 degrees
};

/// Bar-like regions of `image` (full resolution, luma or BGR), largest first.
std::vector<Region> barLikeRegions(const cv::Mat& image)
{
    const double f =
        image.cols > kDetectWidth ? static_cast<double>(kDetectWidth) / image.cols : 1.0;
    cv::Mat small;
    if (f < 1.0) {
        cv::resize(image, small, cv::Size(), f, f, cv::INTER_AREA);
    } else {
        small = image;
    }
    if (small.channels() != 1) {
        cv::Mat g;
        cv::cvtColor(small, g, cv::COLOR_BGR2GRAY);
        small = g;
    }
    cv::Mat gx, gy;
    cv::Sobel(small, gx, CV_32F, 1, 0, 3);
    cv::Sobel(small, gy, CV_32F, 0, 1, 3);
    cv::Mat jxx = gx.mul(gx), jyy = gy.mul(gy), jxy = gx.mul(gy);
    const cv::Size blocks(std::max(1, small.cols / kBlock), std::max(1, small.rows / kBlock));
    cv::Mat bxx, byy, bxy;
    cv::resize(jxx, bxx, blocks, 0, 0, cv::INTER_AREA);
    cv::resize(jyy, byy, blocks, 0, 0, cv::INTER_AREA);
    cv::resize(jxy, bxy, blocks, 0, 0, cv::INTER_AREA);
    cv::Mat mask(blocks, CV_8U, cv::Scalar(0));
    for (int y = 0; y < blocks.height; ++y) {
        const auto* xx = bxx.ptr<float>(y);
        const auto* yy = byy.ptr<float>(y);
        const auto* xy = bxy.ptr<float>(y);
        auto* m = mask.ptr<std::uint8_t>(y);
        for (int x = 0; x < blocks.width; ++x) {
            const double e = static_cast<double>(xx[x]) + yy[x];
            if (e < kMinEnergy) {
                continue;
            }
            const double d = static_cast<double>(xx[x]) - yy[x];
            const double c = std::sqrt(d * d + 4.0 * static_cast<double>(xy[x]) * xy[x]) / e;
            if (c >= kMinCoherence) {
                m[x] = 255;
            }
        }
    }
    // Join the blocks of one symbol (quiet gaps between wide bars break a block row).
    cv::morphologyEx(mask, mask, cv::MORPH_CLOSE,
                     cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    std::vector<std::pair<int, Region>> found;
    for (int i = 1; i < n; ++i) {
        const int area = stats.at<int>(i, cv::CC_STAT_AREA);
        if (area < kMinBlocks) {
            continue;
        }
        cv::Rect r(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                   stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
        // The bars' direction: ZXing's 1D readers scan rows, so horizontal bars need the crop
        // turned; knowing it saves the library's own try-both-orientations pass.
        const cv::Mat inRegion = labels(r) == i;
        const bool barsHorizontal = cv::mean(byy(r), inRegion)[0] > cv::mean(bxx(r), inRegion)[0];
        // Margin of two blocks for the quiet zone and the symbol's ends; back to full pixels.
        r.x -= 2;
        r.y -= 2;
        r.width += 4;
        r.height += 4;
        const double scale = static_cast<double>(kBlock) / f;
        cv::Rect full(static_cast<int>(r.x * scale), static_cast<int>(r.y * scale),
                      static_cast<int>(std::ceil(r.width * scale)),
                      static_cast<int>(std::ceil(r.height * scale)));
        full &= cv::Rect(0, 0, image.cols, image.rows);
        if (full.area() > 0) {
            found.emplace_back(area, Region{full, barsHorizontal});
        }
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Region> out;
    for (const auto& [area, region] : found) {
        if (static_cast<int>(out.size()) == kMaxRegions) {
            break;
        }
        out.push_back(region);
    }
    return out;
}

void addUnique(std::vector<DecodedCode>& into, std::vector<DecodedCode>&& more)
{
    for (auto& c : more) {
        const bool seen = std::any_of(into.begin(), into.end(), [&](const DecodedCode& d) {
            return d.symbol == c.symbol && d.text == c.text;
        });
        if (!seen) {
            into.push_back(std::move(c));
        }
    }
}

std::string normalise(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c == '-' || c == '_' || c == ' ') {
            continue;
        }
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Symbols linearSymbols()
{
    Symbols s;
    for (Symbol x : {Symbol::Codabar, Symbol::Code39, Symbol::Code93, Symbol::Code128,
                     Symbol::DataBar, Symbol::DataBarExpanded, Symbol::Ean8, Symbol::Ean13,
                     Symbol::Itf, Symbol::UpcA, Symbol::UpcE}) {
        s.add(x);
    }
    return s;
}

}  // namespace

Symbols allSymbols()
{
    Symbols s;
    for (Symbol x : kAll) {
        s.add(x);
    }
    return s;
}

Symbols stationSymbols()
{
    Symbols s;
    for (Symbol x : {Symbol::Code128, Symbol::Code39, Symbol::Itf, Symbol::Ean8, Symbol::Ean13,
                     Symbol::UpcA, Symbol::UpcE, Symbol::DataBar, Symbol::DataBarExpanded,
                     Symbol::QrCode, Symbol::DataMatrix, Symbol::Pdf417}) {
        s.add(x);
    }
    return s;
}

std::string_view toString(Symbol s)
{
    return detail::zxName(s);
}

Result<Symbols> parseSymbols(std::string_view list)
{
    Symbols out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        if (end == std::string_view::npos) {
            end = list.size();
        }
        const std::string item = normalise(list.substr(start, end - start));
        start = end + 1;
        if (item.empty()) {
            continue;
        }
        if (item == "all" || item == "any") {
            out.bits |= allSymbols().bits;
            continue;
        }
        if (item == "station") {
            out.bits |= stationSymbols().bits;
            continue;
        }
        if (item == "linear") {
            out.bits |= linearSymbols().bits;
            continue;
        }
        if (item == "matrix") {
            out.bits |= allSymbols().bits & ~linearSymbols().bits;
            continue;
        }
        bool matched = false;
        for (Symbol x : kAll) {
            if (normalise(toString(x)) == item) {
                out.add(x);
                matched = true;
            }
        }
        if (!matched && item == "qr") {
            out.add(Symbol::QrCode);
            matched = true;
        }
        if (!matched && (item == "gs1databar" || item == "rss14")) {
            out.add(Symbol::DataBar);
            matched = true;
        }
        if (!matched) {
            return makeError(ErrorCode::InvalidArgument,
                             "unknown barcode format '" + item +
                                 "' (known: Code128, Code39, Code93, Codabar, ITF, EAN-8, EAN-13, "
                                 "UPC-A, UPC-E, DataBar, DataBarExpanded, QRCode, MicroQRCode, "
                                 "DataMatrix, PDF417, Aztec, MaxiCode; groups linear, matrix, "
                                 "station, all)");
        }
        if (end == list.size()) {
            break;
        }
    }
    return out;
}

Result<Symbols> symbolsForRole(std::string_view role)
{
    Symbols s;
    if (role == "overhead") {
        // Return codes (Code 128, QR) and order labels (Code 128, Code 39, GS1 DataMatrix).
        return s.add(Symbol::Code128)
            .add(Symbol::Code39)
            .add(Symbol::QrCode)
            .add(Symbol::DataMatrix);
    }
    if (role == "item") {
        return s.add(Symbol::Ean13)
            .add(Symbol::Ean8)
            .add(Symbol::UpcA)
            .add(Symbol::UpcE)
            .add(Symbol::DataBar)
            .add(Symbol::DataBarExpanded)
            .add(Symbol::DataMatrix)
            .add(Symbol::Code128);
    }
    if (role == "label" || role.empty()) {
        return stationSymbols();
    }
    return makeError(ErrorCode::InvalidArgument,
                     "unknown camera role '" + std::string(role) + "' (overhead, item, label)");
}

struct Decoder::Counters {
    std::atomic<std::uint64_t> frames{0};
    std::atomic<std::uint64_t> quickHits{0};
    std::atomic<std::uint64_t> harderPasses{0};
};

Decoder::Decoder(DecodeOptions options)
    : options_(std::move(options)), counters_(std::make_unique<Counters>())
{
    if (options_.symbols.empty()) {
        options_.symbols = stationSymbols();
    }
    options_.maxSymbols = std::clamp(options_.maxSymbols, 1, 255);
}

Decoder::~Decoder() = default;

DecodeStats Decoder::stats() const
{
    return {counters_->frames.load(), counters_->quickHits.load(), counters_->harderPasses.load()};
}

Result<std::vector<DecodedCode>> Decoder::decode(const FrameView& frame) const
{
    if (frame.empty() || frame.stride < frame.width * bytesPerPixel(frame.format)) {
        return makeError(ErrorCode::InvalidArgument, "empty or malformed frame");
    }
    return detail::guarded("decoding a frame", [&]() -> Result<std::vector<DecodedCode>> {
        counters_->frames.fetch_add(1, std::memory_order_relaxed);
        const bool balanced = options_.effort == Effort::Balanced;
        // Luma once, at full size: converting first and shrinking the one channel measured
        // faster than shrinking three channels and converting (1.9 against 2.6 ms at 1080p).
        cv::Mat storage;
        const cv::Mat gray = detail::toGray(frame, storage);
        std::vector<DecodedCode> codes;
        bool harder = false;

        // Harder pass on one bar-like region at full resolution: tryHarder (row by row), on a
        // crop so the scan stays off the rest of the frame. In Balanced the crop is turned so
        // its bars stand upright and read once (ZXing would otherwise try both orientations),
        // with the linear symbologies only (matrix codes of the station's sizes are read by
        // the quick pass at half size).
        auto readRegion = [&](const Region& region) -> Status {
            harder = true;
            detail::ZxPass p{options_.symbols, true, true, options_.maxSymbols};
            cv::Mat crop = gray(region.rect);
            const bool turned = balanced && region.barsHorizontal;
            if (balanced) {
                p.symbols.bits &= linearSymbols().bits;
                p.tryRotate = false;
                p.maxSymbols = 1;  // Balanced stops at the first code: let ZXing stop too
                if (turned) {
                    cv::Mat t;
                    cv::rotate(crop, t, cv::ROTATE_90_CLOCKWISE);
                    crop = t;
                }
            }
            if (p.symbols.empty()) {
                return {};
            }
            auto more = detail::zxRead(detail::viewOf(crop), p);
            if (!more) {
                return std::move(more).takeError();
            }
            for (auto& c : *more) {
                // Back to frame pixels (a turned crop's centre maps back by rotation).
                const int x = c.centreX;
                const int y = c.centreY;
                c.centreX = region.rect.x + (turned ? y : x);
                c.centreY = region.rect.y + (turned ? region.rect.height - 1 - x : y);
            }
            addUnique(codes, std::move(*more));
            return {};
        };
        auto finish = [&]() -> std::vector<DecodedCode> {
            if (harder) {
                counters_->harderPasses.fetch_add(1, std::memory_order_relaxed);
            }
            if (static_cast<int>(codes.size()) > options_.maxSymbols) {
                codes.resize(static_cast<std::size_t>(options_.maxSymbols));
            }
            return std::move(codes);
        };

        // Quick pass: reduced image, no tryHarder, rotation on (labels lie any way round on a
        // bench; without it every 1D code at 90 degrees fails).
        int factor = 1;
        cv::Mat quick = gray;
        while (std::max(quick.cols, quick.rows) > kQuickMaxSide) {
            cv::Mat half;
            cv::resize(quick, half, cv::Size(quick.cols / 2, quick.rows / 2), 0, 0, cv::INTER_AREA);
            quick = half;
            factor *= 2;
        }
        const detail::ZxPass pass{options_.symbols, false, true,
                                  balanced ? 1 : options_.maxSymbols};
        auto first = detail::zxRead(detail::viewOf(quick), pass);
        if (!first) {
            return std::move(first).takeError();
        }
        for (auto& c : *first) {
            c.centreX *= factor;
            c.centreY *= factor;
        }
        addUnique(codes, std::move(*first));
        if (!codes.empty()) {
            counters_->quickHits.fetch_add(1, std::memory_order_relaxed);
        }
        // Balanced (live cameras) stops at the first code: the camera sees the same label in
        // the next frames, and the harder pass is what costs. Measured the other way round
        // (regions first), the 1080p set took 0.65x of bare ZXing's time instead of 0.54x
        // (docs/vision.md).
        if (options_.effort == Effort::Fast || (balanced && !codes.empty()) ||
            static_cast<int>(codes.size()) >= options_.maxSymbols) {
            return finish();
        }
        if (balanced) {
            for (const Region& region : barLikeRegions(gray)) {
                if (auto st = readRegion(region); !st) {
                    return st.error();
                }
                if (!codes.empty()) {
                    return finish();
                }
            }
            // DataMatrix with tryHarder (ZXing 1.4's fallback detector) on a small frame (a
            // crop, a still): DataMatrix alone costs about 0.3 ms at the blackbox set's sizes,
            // and it is the one symbology the region pass (linear only) cannot rescue
            // (datamatrix-3/OldDetectorFallback.jpg). Not on camera-sized frames: an empty
            // 720p or 1080p frame would pay it every time.
            if (std::max(gray.cols, gray.rows) <= kSmallFrameSide &&
                options_.symbols.has(Symbol::DataMatrix)) {
                harder = true;
                Symbols dm;
                dm.add(Symbol::DataMatrix);
                auto more = detail::zxRead(detail::viewOf(gray), {dm, true, false, 1});
                if (!more) {
                    return std::move(more).takeError();
                }
                addUnique(codes, std::move(*more));
            }
            return finish();
        }

        // Thorough (files): every bar-like region that holds no code found so far (a label
        // with a QR code and a Code 128 beside it: the quick pass often reads only the QR),
        // then, when still nothing was found, the whole frame with tryHarder.
        for (const Region& region : barLikeRegions(gray)) {
            const bool explained = std::any_of(codes.begin(), codes.end(), [&](const auto& c) {
                return region.rect.contains(cv::Point(c.centreX, c.centreY));
            });
            if (!explained) {
                if (auto st = readRegion(region); !st) {
                    return st.error();
                }
            }
        }
        if (codes.empty()) {
            harder = true;
            const detail::ZxPass full{options_.symbols, true, true, options_.maxSymbols};
            auto more = detail::zxRead(detail::viewOf(gray), full);
            if (!more) {
                return std::move(more).takeError();
            }
            addUnique(codes, std::move(*more));
        }
        return finish();
    });
}

}  // namespace returnscan::vision
