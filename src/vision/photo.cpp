// SPDX-License-Identifier: Apache-2.0
// Evidence photos: quality gate, caption band, JPEG, SHA-256, durable write, label check.
#include "returnscan/vision/photo.h"

#include <unistd.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "cv_util.h"
#include "jpeg_encoder.h"
#include "returnscan/core/classify.h"
#include "returnscan/core/code_format.h"

namespace returnscan::vision {
namespace {

/// `gray` reduced by the odd factor `k` in both directions, each pixel the rounded mean of its
/// k x k block: exactly cv::resize's INTER_AREA result for an integer factor (an odd k*k never
/// gives a tie to round), at half its time for 1080p (0.37 against 0.70 ms): OpenCV's area
/// path has SIMD code for the factor 2 only. Needs gray.cols and gray.rows divisible by k.
cv::Mat blockMean(const cv::Mat& gray, int k)
{
    cv::Mat out(gray.rows / k, gray.cols / k, CV_8UC1);
    const int area = k * k;
    std::vector<std::uint8_t> mean(static_cast<std::size_t>(255 * area + 1));
    for (std::size_t sum = 0; sum < mean.size(); ++sum) {
        mean[sum] = static_cast<std::uint8_t>((sum + static_cast<std::size_t>(area / 2)) /
                                              static_cast<std::size_t>(area));
    }
    std::vector<std::uint16_t> columns(static_cast<std::size_t>(gray.cols));
    for (int y = 0; y < out.rows; ++y) {
        const std::uint8_t* first = gray.ptr<std::uint8_t>(y * k);
        for (int x = 0; x < gray.cols; ++x) {
            columns[x] = first[x];
        }
        for (int r = 1; r < k; ++r) {
            const std::uint8_t* row = gray.ptr<std::uint8_t>(y * k + r);
            for (int x = 0; x < gray.cols; ++x) {
                columns[x] = static_cast<std::uint16_t>(columns[x] + row[x]);
            }
        }
        auto* o = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < out.cols; ++x) {
            unsigned sum = 0;
            for (int c = 0; c < k; ++c) {
                sum += columns[x * k + c];
            }
            o[x] = mean[sum];
        }
    }
    return out;
}

}  // namespace

namespace detail {

cv::Mat qualityLuma(const cv::Mat& gray)
{
    if (gray.cols <= kQualityWidth) {
        return gray;  // its pixels shared: nothing here writes to them
    }
    const int k = gray.cols / kQualityWidth;
    if (gray.cols % kQualityWidth == 0 && k % 2 == 1 && gray.rows % k == 0) {
        return blockMean(gray, k);  // 1920x1080 (k = 3), 3200x1800 (k = 5)
    }
    // The target size given rather than the factor 640.0 / 1920: the same pixels, and OpenCV
    // then spreads the work over its threads. Converting to luma first and shrinking the one
    // channel measured faster than the other way round (1.9 against 2.6 ms at 1080p).
    const double f = static_cast<double>(kQualityWidth) / gray.cols;
    const cv::Size size(kQualityWidth, std::max(1, cvRound(gray.rows * f)));
    cv::Mat small;
    cv::resize(gray, small, size, 0, 0, cv::INTER_AREA);
    return small;
}

}  // namespace detail

namespace {

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
        return laplacianVariance(detail::qualityLuma(detail::toGray(frame, storage)));
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
        const cv::Mat luma = detail::qualityLuma(gray);
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

/// Height of the caption band under a picture `height` pixels high. A band below the picture
/// rather than text over it: the caption must never hide damage.
int captionBandHeight(int height)
{
    return std::max(28, height / 16);
}

/// Fills `band` (the strip encoded under the picture) black and writes the caption into it.
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

/// A long-lived thread that runs one job at a time for the thread that owns it (jobs are
/// waited for before the next is given, so one slot is enough).
class HelperThread {
public:
    HelperThread() : thread_([this] { loop(); }) {}
    ~HelperThread()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    HelperThread(const HelperThread&) = delete;
    HelperThread& operator=(const HelperThread&) = delete;

    /// The process the thread runs in.
    [[nodiscard]] pid_t owner() const { return owner_; }

    /// Runs `f` on the helper; the caller must get() the future before calling run() again.
    template <class F>
    auto run(F f) -> std::future<decltype(f())>
    {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto future = task.get_future();
        {
            std::lock_guard lock(mutex_);
            job_ = std::packaged_task<void()>(std::move(task));
        }
        wake_.notify_one();
        return future;
    }

private:
    void loop()
    {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return stopping_ || job_.valid(); });
            if (job_.valid()) {
                auto job = std::move(job_);
                lock.unlock();
                job();
                lock.lock();
            } else {
                return;
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::packaged_task<void()> job_;
    bool stopping_ = false;
    pid_t owner_ = ::getpid();
    std::thread thread_;  // last: started once the members above exist
};

}  // namespace

Result<PhotoOutcome> savePhoto(const FrameView& frame, const PhotoRequest& req,
                               const Decoder* labelDecoder)
{
    if (frame.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no frame to save");
    }
    if (req.outDir.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no output directory");
    }
    // The quality gate and the label check run on a helper thread beside the caption and the
    // JPEG encoding (the station has at least two cores); the encoding starts speculatively
    // and is thrown away if the gate refuses. The photo then costs little more than writing it.
    PhotoOutcome outcome;
    std::unique_ptr<Decoder> ownDecoder;
    if (req.checkOrderLabel && labelDecoder == nullptr) {
        DecodeOptions o;
        o.effort = Effort::Balanced;
        o.symbols = symbolsForRole("overhead").value();
        ownDecoder = std::make_unique<Decoder>(o);
        labelDecoder = ownDecoder.get();
    }
    // Buffers this thread keeps between photos: the caption band (its size fixed here, before
    // the helper draws into it) and the JPEG (it would otherwise grow from nothing each time).
    thread_local cv::Mat band;
    thread_local std::vector<std::uint8_t> jpegBuffer;
    const int width = frame.width;
    const int height = frame.height + captionBandHeight(frame.height);
    if (auto st = detail::guarded("allocating a caption band",
                                  [&]() -> Status {
                                      band.create(height - frame.height, width, CV_8UC3);
                                      return {};
                                  });
        !st) {
        return std::move(st).takeError();
    }
    // The helper draws the caption band first (0.7 ms of anti-aliased text, done long before
    // the encoder, busy with the picture's rows above it, reaches it), then runs the gate and
    // the label check (about 2 + 1 ms at 1080p, less than the encoding). The luma is converted
    // once and shared by the gate and the decoder (which takes a Gray8 view as it is). The
    // helper is this thread's own and lives as long as it: a thread started per photo cost its
    // start-up and, worse, the decoder's per-thread buffers afresh every time.
    const Decoder* decoder = req.checkOrderLabel ? labelDecoder : nullptr;
    std::promise<bool> bandDrawn;
    std::future<bool> bandReady = bandDrawn.get_future();
    auto runChecks = [frame, &req, decoder, bandArea = band, &bandDrawn] {
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
    };
    std::future<std::pair<Quality, std::vector<DecodedCode>>> checks;
    try {
        thread_local std::unique_ptr<HelperThread> helper;
        if (helper && helper->owner() != ::getpid()) {
            // A forked child inherits the object but not its thread: a join would never
            // return. Leave the parent's object alone and start a thread of this process.
            (void)helper.release();  // NOLINT(bugprone-unused-return-value): deliberate leak
        }
        if (!helper) {
            helper = std::make_unique<HelperThread>();
        }
        checks = helper->run(runChecks);
    } catch (const std::exception&) {
        // No thread to be had (resource limits): the same work on this thread.
        std::promise<std::pair<Quality, std::vector<DecodedCode>>> here;
        here.set_value(runChecks());
        checks = here.get_future();
    }
    // The encoder takes the frame's rows where they are, then the band's: no copy of the
    // picture.
    auto encoded = detail::guarded("encoding a photo", [&]() -> Result<std::string_view> {
        const std::array<cv::Mat, 2> parts = {detail::wrap(frame), band};
        if (auto st = detail::encodeJpegRows(
                parts, std::clamp(req.jpegQuality, 50, 100), jpegBuffer,
                [&bandReady](std::size_t part) { return part != 1 || bandReady.get(); });
            !st) {
            return std::move(st).takeError();
        }
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
