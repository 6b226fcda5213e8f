// SPDX-License-Identifier: Apache-2.0
// The simulated bench camera: a rendered parcel scene (cached per label), per-frame sensor noise
// from a precomputed noise field, blur and darkness on request, paced like a camera.
// ZXing's writer (not its reader: decoding stays in zxing_adapter.cpp) draws the Code 128.
#include "returnscan/vision/synthetic.h"

#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <thread>
#include <vector>

#include "cv_util.h"

namespace returnscan::vision {

void SyntheticControl::setLabel(std::optional<std::string> text)
{
    const std::lock_guard lock(mutex_);
    state_.label = std::move(text);
}

void SyntheticControl::setBlurred(bool blurred)
{
    const std::lock_guard lock(mutex_);
    state_.blurred = blurred;
}

void SyntheticControl::setDark(bool dark)
{
    const std::lock_guard lock(mutex_);
    state_.dark = dark;
}

SyntheticControl::State SyntheticControl::state() const
{
    const std::lock_guard lock(mutex_);
    return state_;
}

namespace {

constexpr std::string_view kPrefix = "synthetic:";

/// The noise field is this much larger than a frame; each frame takes a window at a random
/// offset, so frames differ without generating millions of random numbers per frame.
constexpr int kNoiseMargin = 64;
constexpr int kNoiseTile = 512;
/// Sensor noise (standard deviation, grey levels). Low enough that it alone never passes the
/// sharpness gate (variance of the Laplacian of iid noise is 20 sigma^2, 45 at 640 px).
constexpr double kSensorNoise = 1.5;
/// Defocus blur at 1280 px wide (scaled with the width): sigma 3 at the gate's 640 px, where the
/// sharpness of the labelled scene falls far under the default threshold of 80.
constexpr double kBlurSigmaAt1280 = 6.0;
/// Gain of a dark room: the scene's mean luma of about 125 becomes about 22 (gate minimum 45).
constexpr double kDarkGain = 0.18;

// Scene colours (BGR).
const cv::Scalar kBench(118, 121, 124);
const cv::Scalar kBenchEdge(84, 86, 90);
const cv::Scalar kShadow(78, 80, 83);
const cv::Scalar kCardboard(74, 122, 168);
const cv::Scalar kBoxEdge(48, 86, 124);
const cv::Scalar kTape(118, 168, 204);
const cv::Scalar kLabelPaper(236, 238, 238);
const cv::Scalar kInk(24, 24, 24);

int scaled(int value, int width)
{
    return std::max(1, static_cast<int>(std::lround(static_cast<double>(value) * width / 1280.0)));
}

/// Adds a zero-mean Gaussian grain of `sigma` grey levels (the same in the three channels, as
/// brightness varies on cardboard) to `roi`, deterministic for `seed`. The grain is about one
/// pixel at the quality gate's width (kQualityWidth-wide frames; larger frames get coarser grain,
/// interpolated), so the sharpness the gate measures does not depend on the frame size.
void addTexture(cv::Mat roi, double sigma, std::uint64_t seed, int frameWidth)
{
    const double grain = std::max(1.0, frameWidth / 640.0);
    const cv::Size grid(std::max(1, static_cast<int>(std::lround(roi.cols / grain))),
                        std::max(1, static_cast<int>(std::lround(roi.rows / grain))));
    cv::Mat noise(grid, CV_32FC1);
    cv::RNG rng(seed);
    rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(sigma));
    if (grid != roi.size()) {
        cv::Mat resized;
        cv::resize(noise, resized, roi.size(), 0, 0, cv::INTER_LINEAR);
        noise = resized;
    }
    cv::Mat noise3;
    cv::merge(std::vector<cv::Mat>{noise, noise, noise}, noise3);
    cv::Mat sum;
    roi.convertTo(sum, CV_32FC3);
    sum += noise3;
    sum.convertTo(roi, CV_8UC3);
}

/// The bars of `text` as Code 128, one pixel per module and one row high, quiet zone of 10
/// modules included; empty when Code 128 cannot carry the text.
cv::Mat code128Row(const std::string& text)
{
    try {
        ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::Code128);
        writer.setMargin(10);
        const ZXing::BitMatrix bits = writer.encode(text, 0, 0);
        if (bits.width() <= 0 || bits.height() <= 0) {
            return {};
        }
        cv::Mat row(1, bits.width(), CV_8UC1);
        for (int x = 0; x < bits.width(); ++x) {
            row.at<std::uint8_t>(0, x) = bits.get(x, 0) ? 0 : 255;
        }
        return row;
    } catch (const std::exception&) {
        return {};  // not encodable (non-ASCII, too long, empty)
    }
}

/// `text` with anything but printable ASCII as '?', at most `max` characters.
std::string printable(std::string_view text, std::size_t max)
{
    std::string out;
    for (const char c : text) {
        if (out.size() >= max) {
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if ((u & 0xC0) == 0x80) {
            continue;  // continuation byte: one '?' for the whole character
        }
        out += (u >= 0x20 && u < 0x7F) ? c : '?';
    }
    return out;
}

/// Font scale at which `text` is about `height` pixels tall and at most `maxWidth` wide.
double fitText(const std::string& text, int height, int maxWidth, int font)
{
    int baseline = 0;
    const cv::Size unit = cv::getTextSize(text.empty() ? " " : text, font, 1.0, 1, &baseline);
    double scale = static_cast<double>(height) / std::max(1, unit.height);
    if (unit.width * scale > maxWidth) {
        scale = static_cast<double>(maxWidth) / std::max(1, unit.width);
    }
    return std::max(0.2, scale);
}

void putTextAt(cv::Mat& img, const std::string& text, cv::Point origin, double scale, int font)
{
    const int thickness = std::max(1, static_cast<int>(std::lround(scale * 1.6)));
    cv::putText(img, text, origin, font, scale, kInk, thickness, cv::LINE_AA);
}

}  // namespace

/// The rendered scene: the empty parcel (per size) and the parcel with the current label, sharp
/// and (on demand) blurred; plus the sensor-noise field.
struct SyntheticSource::Scene {
    cv::Mat parcel;  ///< bench and box, no label
    cv::Rect box;
    cv::Rect labelArea;  ///< part of the box where a label goes (below the tape)
    bool haveLabelled = false;
    std::optional<std::string> label;
    cv::Mat sharp;    ///< parcel with `label`
    cv::Mat blurred;  ///< `sharp` out of focus (empty until asked for)
    cv::Mat noiseUp;  ///< positive part of the noise field
    cv::Mat noiseDown;

    void build(int w, int h, std::uint32_t seed)
    {
        parcel.create(h, w, CV_8UC3);
        parcel.setTo(kBench);
        box = cv::Rect(w * 20 / 100, h * 10 / 100, w * 60 / 100, h * 76 / 100);
        // A soft shadow of the box to the lower right; the bench's front edge along the bottom;
        // then the bench's grain over both.
        cv::rectangle(parcel, box + cv::Point(scaled(14, w), scaled(18, w)), kShadow, cv::FILLED);
        cv::GaussianBlur(parcel, parcel, cv::Size(0, 0), scaled(6, w));
        const int edgeTop = h - std::max(4, h / 14);
        parcel(cv::Rect(0, edgeTop, w, h - edgeTop)).setTo(kBenchEdge);
        cv::line(parcel, {0, edgeTop}, {w - 1, edgeTop}, cv::Scalar(150, 152, 155),
                 std::max(1, h / 360));
        addTexture(parcel, 7.0, 1000U + seed, w);
        // The box, with a cardboard grain.
        parcel(box).setTo(kCardboard);
        addTexture(parcel(box), 10.0, 2000U + seed, w);
        // Tape across the top of the box, and the box's edges.
        const cv::Rect tape(box.x, box.y + box.height / 14, box.width, box.height / 9);
        parcel(tape).setTo(kTape);
        addTexture(parcel(tape), 3.0, 3000U + seed, w);
        cv::rectangle(parcel, box, kBoxEdge, std::max(1, scaled(3, w)));
        const int margin = scaled(16, w);
        const int top = tape.y + tape.height + margin;
        labelArea = cv::Rect(box.x + margin, top, box.width - 2 * margin,
                             std::max(1, box.y + box.height - margin - top));
        // Sensor noise: iid Gaussian in a tile repeated over the field (a period of
        // kNoiseTile pixels is invisible at this level, and 4K frames need not draw 26 million
        // random numbers), split into the parts to add and to subtract (saturating 8-bit
        // arithmetic then needs no wider copy of the frame).
        cv::Mat tile(kNoiseTile, kNoiseTile, CV_16SC3);
        cv::RNG rng(4000U + seed);
        rng.fill(tile, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(kSensorNoise));
        const cv::Mat noise = cv::repeat(tile, (h + kNoiseMargin) / kNoiseTile + 1,
                                         (w + kNoiseMargin) / kNoiseTile + 1);
        cv::Mat up = cv::max(noise, 0);
        cv::Mat down = cv::max(-noise, 0);
        up.convertTo(noiseUp, CV_8UC3);
        down.convertTo(noiseDown, CV_8UC3);
    }

    /// The parcel with `text`'s label drawn into `sharp`.
    void drawLabel(const std::optional<std::string>& text)
    {
        label = text;
        haveLabelled = true;
        blurred.release();
        sharp = parcel.clone();
        if (!text) {
            return;
        }
        const int w = parcel.cols;
        const int font = cv::FONT_HERSHEY_SIMPLEX;
        const int pad = scaled(18, w);
        const int maxInner = std::max(1, labelArea.width - 2 * pad);
        // Bars: about 3 px per module at 1280 px (4 at 1920), fewer when the symbol would not
        // fit on the box; none when even one pixel per module is too wide.
        const cv::Mat row = code128Row(*text);
        int module = std::max(2, w * 3 / 1280);
        while (module > 1 && row.cols * module > maxInner) {
            --module;
        }
        const bool bars = !row.empty() && row.cols * module <= maxInner;
        const int barsW = bars ? row.cols * module : 0;
        const int barsH = bars ? std::max(24, parcel.rows * 12 / 100) : 0;
        const std::string shown = printable(*text, 48);
        const std::string header = "RETURN  -  bench receiving";
        const int textH = std::max(8, parcel.rows * 30 / 1000);
        const int headerH = std::max(6, parcel.rows * 18 / 1000);
        const double textScale = fitText(shown, textH, maxInner, font);
        const double headerScale = fitText(header, headerH, maxInner, font);
        int baseline = 0;
        const cv::Size textSize =
            cv::getTextSize(shown.empty() ? " " : shown, font, textScale,
                            std::max(1, static_cast<int>(std::lround(textScale * 1.6))), &baseline);
        const int gap = scaled(14, w);
        const int innerW = std::min(maxInner, std::max({barsW, textSize.width, maxInner / 2}));
        const int labelW = innerW + 2 * pad;
        const int labelH = std::min(
            labelArea.height, pad + headerH + gap + barsH + gap + textSize.height + baseline + pad);
        const cv::Rect paper =
            cv::Rect(labelArea.x + (labelArea.width - labelW) / 2,
                     labelArea.y + (labelArea.height - labelH) / 3, labelW, labelH) &
            cv::Rect(0, 0, sharp.cols, sharp.rows);
        if (paper.empty()) {
            return;
        }
        sharp(paper).setTo(kLabelPaper);
        addTexture(sharp(paper), 2.0, 5000U, w);
        cv::rectangle(sharp, paper, cv::Scalar(200, 204, 206), 1);
        int y = paper.y + pad + headerH;
        putTextAt(sharp, header, {paper.x + pad, y}, headerScale, font);
        y += gap;
        if (bars) {
            cv::Mat scaledBars;
            cv::resize(row, scaledBars, cv::Size(barsW, barsH), 0, 0, cv::INTER_NEAREST);
            cv::Mat bgr;
            cv::cvtColor(scaledBars, bgr, cv::COLOR_GRAY2BGR);
            const cv::Rect where(paper.x + (paper.width - barsW) / 2, y, barsW, barsH);
            const cv::Rect clipped = where & cv::Rect(0, 0, sharp.cols, sharp.rows);
            if (clipped == where) {
                // Ink on paper: black bars, the paper's own white between them.
                bgr.copyTo(sharp(where), scaledBars == 0);
            }
            y += barsH + gap;
        }
        putTextAt(sharp, shown, {paper.x + (paper.width - textSize.width) / 2, y + textSize.height},
                  textScale, font);
    }

    const cv::Mat& blurredImage()
    {
        if (blurred.empty()) {
            const double sigma = kBlurSigmaAt1280 * sharp.cols / 1280.0;
            cv::GaussianBlur(sharp, blurred, cv::Size(0, 0), std::max(1.5, sigma));
        }
        return blurred;
    }
};

SyntheticSource::SyntheticSource(SyntheticOptions options,
                                 std::shared_ptr<SyntheticControl> control)
    : options_(options),
      control_(control ? std::move(control) : std::make_shared<SyntheticControl>())
{
    options_.width = std::clamp(options_.width, kSyntheticMinSize, kSyntheticMaxWidth);
    options_.height = std::clamp(options_.height, kSyntheticMinSize, kSyntheticMaxHeight);
    options_.fps = std::isfinite(options_.fps) ? std::max(0.0, options_.fps) : 0.0;
}

SyntheticSource::~SyntheticSource() = default;

Result<Frame> SyntheticSource::read()
{
    if (options_.fps > 0) {
        const auto now = std::chrono::steady_clock::now();
        if (nextDue_ > now) {
            std::this_thread::sleep_until(nextDue_);
        }
        nextDue_ = std::max(now, nextDue_) +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(1.0 / options_.fps));
    }
    const SyntheticControl::State state = control_->state();
    return detail::guarded("rendering a synthetic frame", [&]() -> Result<Frame> {
        if (!scene_) {
            auto scene = std::make_unique<Scene>();
            scene->build(options_.width, options_.height, options_.seed);
            scene_ = std::move(scene);
        }
        if (!scene_->haveLabelled || scene_->label != state.label) {
            scene_->drawLabel(state.label);
        }
        const cv::Mat& picture = state.blurred ? scene_->blurredImage() : scene_->sharp;
        Frame frame(options_.width, options_.height, PixelFormat::Bgr24);
        cv::Mat out(options_.height, options_.width, CV_8UC3, frame.data());
        if (state.dark) {
            picture.convertTo(out, CV_8UC3, kDarkGain);
        } else {
            picture.copyTo(out);
        }
        // A different window of the noise field for every frame.
        cv::RNG rng(options_.seed * 0x9E3779B97F4A7C15ULL + sequence_);
        const cv::Rect window(rng.uniform(0, kNoiseMargin), rng.uniform(0, kNoiseMargin),
                              options_.width, options_.height);
        cv::add(out, scene_->noiseUp(window), out);
        cv::subtract(out, scene_->noiseDown(window), out);
        frame.sequence = sequence_++;
        frame.capturedAt = std::chrono::steady_clock::now();
        return frame;
    });
}

std::string SyntheticSource::describe() const
{
    std::string d =
        "synthetic " + std::to_string(options_.width) + "x" + std::to_string(options_.height);
    if (options_.fps > 0) {
        char buf[32];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), options_.fps);
        d += " " + (ec == std::errc() ? std::string(buf, end) : std::string("?")) + " fps";
    } else {
        d += " unpaced";
    }
    return d;
}

bool isSyntheticSource(std::string_view source)
{
    return source.starts_with(kPrefix);
}

Result<SyntheticOptions> parseSyntheticSource(std::string_view source)
{
    if (!isSyntheticSource(source)) {
        return makeError(ErrorCode::InvalidArgument,
                         "not a synthetic source: '" + std::string(source) + "'");
    }
    SyntheticOptions o;
    const std::string_view size = source.substr(kPrefix.size());
    if (size.empty()) {
        return o;
    }
    const auto bad = [&] {
        return makeError(ErrorCode::InvalidArgument,
                         "synthetic source size must be WIDTHxHEIGHT (e.g. synthetic:1280x720), "
                         "got '" +
                             std::string(source) + "'");
    };
    const std::size_t x = size.find('x');
    if (x == std::string_view::npos || x == 0 || x + 1 >= size.size()) {
        return bad();
    }
    const auto number = [](std::string_view s, int& out) {
        if (s.empty() || s.front() < '0' || s.front() > '9') {
            return false;  // no sign, no space
        }
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && end == s.data() + s.size();
    };
    if (!number(size.substr(0, x), o.width) || !number(size.substr(x + 1), o.height)) {
        return bad();
    }
    if (o.width < kSyntheticMinSize || o.width > kSyntheticMaxWidth ||
        o.height < kSyntheticMinSize || o.height > kSyntheticMaxHeight) {
        return makeError(
            ErrorCode::InvalidArgument,
            "synthetic source size out of range (" + std::to_string(kSyntheticMinSize) + ".." +
                std::to_string(kSyntheticMaxWidth) + " x " + std::to_string(kSyntheticMinSize) +
                ".." + std::to_string(kSyntheticMaxHeight) + "): '" + std::string(source) + "'");
    }
    return o;
}

Result<std::unique_ptr<SyntheticSource>> openSynthetic(std::string_view source,
                                                       std::shared_ptr<SyntheticControl> control)
{
    auto options = parseSyntheticSource(source);
    if (!options) {
        return std::move(options).takeError();
    }
    return std::make_unique<SyntheticSource>(*options, std::move(control));
}

SourceOpener syntheticOpener(std::shared_ptr<SyntheticControl> control, SourceOpener fallback)
{
    if (!control) {
        control = std::make_shared<SyntheticControl>();
    }
    return [control = std::move(control), fallback = std::move(fallback)](
               const CameraConfig& config) -> Result<std::unique_ptr<FrameSource>> {
        if (!isSyntheticSource(config.source)) {
            if (!fallback) {
                return makeError(ErrorCode::Unsupported,
                                 "no opener for camera source '" + config.source + "'");
            }
            return fallback(config);
        }
        auto options = parseSyntheticSource(config.source);
        if (!options) {
            return std::move(options).takeError();
        }
        if (config.source.size() == kPrefix.size() && config.width > 0 && config.height > 0) {
            options->width = std::clamp(config.width, kSyntheticMinSize, kSyntheticMaxWidth);
            options->height = std::clamp(config.height, kSyntheticMinSize, kSyntheticMaxHeight);
        }
        if (config.fps > 0) {
            options->fps = config.fps;
        }
        return std::unique_ptr<FrameSource>(std::make_unique<SyntheticSource>(*options, control));
    };
}

}  // namespace returnscan::vision
