// SPDX-License-Identifier: Apache-2.0
// Evidence photos: quality gate, caption band, JPEG, SHA-256, durable write, label check.
#include "returnscan/vision/photo.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <utility>

#include "cv_util.h"
#include "returnscan/core/classify.h"
#include "returnscan/core/code_format.h"

namespace returnscan::vision {
namespace {

/// `gray` (8-bit luma) reduced to kQualityWidth (or smaller, never upscaled); shares `gray`'s
/// pixels when it is small enough already (nothing here writes to it). Converting to luma
/// first and shrinking the one channel measured faster than the other way round (1.9 against
/// 2.6 ms at 1080p).
cv::Mat qualityLuma(const cv::Mat& gray)
{
    if (gray.cols > kQualityWidth) {
        // The target size given rather than the factor 640.0 / 1920: the same pixels, and
        // OpenCV then spreads the work over its threads (0.39 against 0.74 ms at 1080p with
        // its default threads; the same time on one).
        const double f = static_cast<double>(kQualityWidth) / gray.cols;
        const cv::Size size(kQualityWidth, std::max(1, cvRound(gray.rows * f)));
        cv::Mat small;
        cv::resize(gray, small, size, 0, 0, cv::INTER_AREA);
        return small;
    }
    return gray;
}

double laplacianVariance(const cv::Mat& luma)
{
    // 16-bit is exact here (|Laplacian| <= 4 * 255 for the 3x3 aperture) and 0.6 ms cheaper
    // at 640x360 than double.
    cv::Mat lap;
    cv::Laplacian(luma, lap, CV_16S);
    cv::Scalar mean, dev;
    cv::meanStdDev(lap, mean, dev);
    return dev[0] * dev[0];
}

/// "20261126T130005Z" for file names (no ':' which some sync targets refuse).
std::string compactTime(core::Timestamp t)
{
    std::string s = core::formatRfc3339(t);  // 2026-11-26T13:00:05Z
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }),
            s.end());
    return s;
}

std::string asciiOnly(std::string_view s, std::size_t max)
{
    std::string out;
    for (char c : s) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if ((u & 0xC0) == 0x80) {
            continue;  // continuation byte of a multi-byte character: one '?' for the lead
        }
        out += (u >= 0x20 && u < 0x7F) ? c : '?';
    }
    return out;
}

/// True when a code read in the photo is the order label (of `order` when given).
bool isOrderLabel(const std::string& text, const std::string& aim, const std::string& order)
{
    const auto c = core::classify(text, core::parseAimId(aim), core::CodeFormats::defaults());
    return c.kind == core::ReadKind::OrderLabel && (order.empty() || c.value == order);
}

}  // namespace

std::string_view toString(PhotoRole r)
{
    switch (r) {
        case PhotoRole::Overview:
            return "overview";
        case PhotoRole::Label:
            return "label";
        case PhotoRole::Damage:
            return "damage";
        case PhotoRole::Contents:
            return "contents";
    }
    return "overview";
}

Result<PhotoRole> parsePhotoRole(std::string_view s)
{
    for (PhotoRole r :
         {PhotoRole::Overview, PhotoRole::Label, PhotoRole::Damage, PhotoRole::Contents}) {
        if (s == toString(r)) {
            return r;
        }
    }
    return makeError(ErrorCode::InvalidArgument, "unknown photo role '" + asciiOnly(s, 32) +
                                                     "' (overview, label, damage, contents)");
}

double sharpnessOf(const FrameView& frame)
{
    if (frame.empty()) {
        return 0;
    }
    try {
        cv::Mat storage;
        return laplacianVariance(qualityLuma(detail::toGray(frame, storage)));
    } catch (const std::exception&) {
        return 0;
    }
}

namespace {

/// The gate on the full-resolution luma `gray` (see assessQuality()).
Quality assessGray(const cv::Mat& gray, const QualityThresholds& limits)
{
    Quality q;
    try {
        const cv::Mat luma = qualityLuma(gray);
        q.sharpness = laplacianVariance(luma);
        q.exposure = cv::mean(luma)[0];
        q.clipped =
            static_cast<double>(cv::countNonZero(luma >= 250)) / static_cast<double>(luma.total());
    } catch (const std::exception&) {
        q.refusal = "unreadable_frame";
        return q;
    }
    // Exposure first: a dark frame is also "blurry" by this measure, and the operator must
    // hear the cause they can fix (light), not the symptom.
    if (q.exposure < limits.minExposure) {
        q.refusal = "too_dark";
    } else if (q.exposure > limits.maxExposure || q.clipped > limits.maxClipped) {
        q.refusal = "too_bright";
    } else if (q.sharpness < limits.minSharpness) {
        q.refusal = "too_blurry";
    }
    return q;
}

}  // namespace

Quality assessQuality(const FrameView& frame, const QualityThresholds& limits)
{
    if (frame.empty()) {
        Quality q;
        q.refusal = "no_frame";
        return q;
    }
    cv::Mat storage;
    cv::Mat gray;
    try {
        gray = detail::toGray(frame, storage);
    } catch (const std::exception&) {
        Quality q;
        q.refusal = "unreadable_frame";
        return q;
    }
    return assessGray(gray, limits);
}

std::size_t sharpestOf(const std::vector<Frame>& burst)
{
    std::size_t best = 0;
    double bestValue = -1;
    for (std::size_t i = 0; i < burst.size(); ++i) {
        const double s = sharpnessOf(burst[i].view());
        if (s > bestValue) {
            bestValue = s;
            best = i;
        }
    }
    return best;
}

std::string fileNamePart(std::string_view text, std::size_t maxLength)
{
    std::string out;
    for (char c : text) {
        if (out.size() >= maxLength) {
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        out += (std::isalnum(u) != 0 && u < 0x80) || c == '-' ? c : '_';
    }
    if (out.empty()) {
        out = "none";
    }
    return out;
}

std::string captionText(const PhotoRequest& req)
{
    std::string s = "order " + (req.order.empty() ? std::string("-") : asciiOnly(req.order, 40));
    s += "  code " + (req.code.empty() ? std::string("-") : asciiOnly(req.code, 40));
    s += "  station " + (req.station.empty() ? std::string("-") : asciiOnly(req.station, 40));
    s += "  " + core::formatRfc3339(req.takenAt);
    s += "  " + std::string(toString(req.role));
    return s;
}

namespace {

/// Height of the caption band under a picture `height` pixels high.
int captionBandHeight(int height)
{
    return std::max(28, height / 16);
}

/// Fills `band` (the strip under the picture, a view into the output image) black and writes
/// the caption into it.
void drawBand(cv::Mat band, const PhotoRequest& req)
{
    band.setTo(cv::Scalar(0, 0, 0));
    const std::string text = captionText(req);
    const int font = cv::FONT_HERSHEY_SIMPLEX;
    int baseline = 0;
    const cv::Size unit = cv::getTextSize(text, font, 1.0, 2, &baseline);
    const double scale = std::min((band.cols - 16.0) / std::max(1, unit.width),
                                  band.rows * 0.6 / std::max(1, unit.height));
    const int thickness = scale >= 0.8 ? 2 : 1;
    const cv::Size size = cv::getTextSize(text, font, scale, thickness, &baseline);
    cv::putText(band, text, cv::Point(8, (band.rows + size.height) / 2), font, scale,
                cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
}

/// Puts the frame's pixels straight into their place at the top of `out` (a grey frame is
/// converted there): one pass over the pixels, no intermediate image.
void drawPicture(const FrameView& frame, cv::Mat& out)
{
    const cv::Mat src = detail::wrap(frame);
    cv::Mat picture = out(cv::Rect(0, 0, frame.width, frame.height));
    if (frame.format == PixelFormat::Gray8) {
        cv::cvtColor(src, picture, cv::COLOR_GRAY2BGR);
    } else {
        src.copyTo(picture);
    }
}

/// Draws the frame with its caption band into `out` (reallocated only when the size changes).
/// A band below the picture rather than text over it: the caption must never hide damage.
void drawCaptioned(const FrameView& frame, const PhotoRequest& req, cv::Mat& out)
{
    out.create(frame.height + captionBandHeight(frame.height), frame.width, CV_8UC3);
    drawPicture(frame, out);
    drawBand(out(cv::Rect(0, frame.height, frame.width, out.rows - frame.height)), req);
}

}  // namespace

Frame withCaption(const FrameView& frame, const PhotoRequest& req)
{
    cv::Mat out;
    drawCaptioned(frame, req, out);
    return detail::frameOf(out);
}

Result<PhotoOutcome> savePhoto(const FrameView& frame, const PhotoRequest& req,
                               const Decoder* labelDecoder)
{
    if (frame.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no frame to save");
    }
    if (req.outDir.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no output directory");
    }
    // The quality gate and the label check run beside the caption and JPEG encoding (the
    // station has at least two cores); the encoding starts speculatively and is thrown away if
    // the gate refuses. The photo then costs little more than writing it.
    PhotoOutcome outcome;
    std::unique_ptr<Decoder> ownDecoder;
    if (req.checkOrderLabel && labelDecoder == nullptr) {
        DecodeOptions o;
        o.effort = Effort::Balanced;
        o.symbols = symbolsForRole("overhead").value();
        ownDecoder = std::make_unique<Decoder>(o);
        labelDecoder = ownDecoder.get();
    }
    // The captioned image and the JPEG go into buffers this thread keeps between photos: a
    // fresh 6 MB image per photo cost its page faults on every first touch (about 1 ms at
    // 1080p), and the JPEG buffer would grow from nothing each time.
    thread_local cv::Mat image;
    thread_local std::vector<uchar> jpegBuffer;
    cv::Mat bandArea;
    if (auto st = detail::guarded(
            "allocating a photo",
            [&]() -> Status {
                image.create(frame.height + captionBandHeight(frame.height), frame.width, CV_8UC3);
                bandArea = image(cv::Rect(0, frame.height, frame.width, image.rows - frame.height));
                return {};
            });
        !st) {
        return std::move(st).takeError();
    }
    // One helper thread: the caption band first (0.5 ms of anti-aliased text, drawn while this
    // thread copies the picture into the same image: disjoint rows), then the gate and the
    // label check (about 2 + 1.5 ms at 1080p, less than the encoding): a second helper only
    // fought the encoder for the CPU on a loaded machine. The luma is converted once and
    // shared by the gate and the decoder (which takes a Gray8 view as it is).
    const Decoder* decoder = req.checkOrderLabel ? labelDecoder : nullptr;
    std::promise<bool> bandDrawn;
    std::future<bool> bandReady = bandDrawn.get_future();
    auto checks = std::async(std::launch::async, [frame, &req, decoder, bandArea, &bandDrawn] {
        bool drawn = true;
        try {
            drawBand(bandArea, req);
        } catch (const std::exception&) {
            drawn = false;
        }
        bandDrawn.set_value(drawn);  // before anything else can fail: the encoder waits on it
        std::pair<Quality, std::vector<DecodedCode>> out;
        cv::Mat storage;
        cv::Mat gray;
        try {
            gray = detail::toGray(frame, storage);
        } catch (const std::exception&) {
            out.first.refusal = "unreadable_frame";
            return out;
        }
        out.first = assessGray(gray, req.limits);
        if (out.first.refusal.empty() && decoder != nullptr) {
            auto r = decoder->decode(detail::viewOf(gray));
            if (r) {
                out.second = std::move(r).value();
            }
        }
        return out;
    });
    int width = 0;
    int height = 0;
    auto encoded = detail::guarded("encoding a photo", [&]() -> Result<std::string_view> {
        drawPicture(frame, image);
        if (!bandReady.get()) {
            return makeError(ErrorCode::Internal, "drawing the caption band failed");
        }
        const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY,
                                         std::clamp(req.jpegQuality, 50, 100)};
        if (!cv::imencode(".jpg", image, jpegBuffer, params)) {
            return makeError(ErrorCode::Internal, "JPEG encoding failed");
        }
        width = image.cols;
        height = image.rows;
        return std::string_view(reinterpret_cast<const char*>(jpegBuffer.data()),
                                jpegBuffer.size());
    });
    auto [quality, codes] = checks.get();  // joined before any return: it borrows `frame`
    outcome.quality = quality;
    if (!outcome.quality.refusal.empty()) {
        return outcome;
    }
    if (!encoded) {
        return std::move(encoded).takeError();
    }
    outcome.saved = SavedPhoto{};
    outcome.saved->width = width;
    outcome.saved->height = height;
    const std::string_view bytes = *encoded;
    SavedPhoto& saved = *outcome.saved;
    saved.quality = outcome.quality;
    saved.sha256 = sha256Hex(bytes);
    saved.bytes = bytes.size();
    for (const auto& c : codes) {
        saved.codesSeen.push_back(c.text);
        if (isOrderLabel(c.text, c.aim, req.order)) {
            saved.orderLabelVisible = true;
        }
    }
    // Only sanitised parts of untrusted text reach the name; the hash prefix makes it unique.
    saved.fileName = compactTime(req.takenAt) + "_" + fileNamePart(req.order) + "_" +
                     std::string(toString(req.role)) + "_" + saved.sha256.substr(0, 16) + ".jpg";
    saved.path = req.outDir + "/" + saved.fileName;
    if (auto st = writeFileDurably(req.outDir, saved.fileName, bytes); !st) {
        return std::move(st).takeError();
    }
    return outcome;
}

Result<PhotoOutcome> takePhoto(FrameSource& source, int burstSize, const PhotoRequest& req,
                               const Decoder* labelDecoder)
{
    std::vector<Frame> burst;
    std::optional<Error> lastError;
    const int n = std::clamp(burstSize, 1, 30);
    // A few extra attempts: a camera may drop a frame or a folder may hold one bad image.
    for (int attempt = 0; attempt < n * 2 && static_cast<int>(burst.size()) < n; ++attempt) {
        auto f = source.read();
        if (!f) {
            lastError = f.error();
            if (f.error().code == ErrorCode::NotFound) {
                break;  // end of a file or folder: use what we have
            }
            continue;
        }
        burst.push_back(std::move(f).value());
    }
    if (burst.empty()) {
        return lastError ? *lastError : makeError(ErrorCode::Io, "the camera gave no frame");
    }
    const std::size_t best = sharpestOf(burst);
    return savePhoto(burst[best].view(), req, labelDecoder);
}

}  // namespace returnscan::vision
