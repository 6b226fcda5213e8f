// SPDX-License-Identifier: Apache-2.0
// The capture thread (newest-frame mailbox, reopen with backoff), the camera worker (newest frame
// for bursts and previews, optional decoding) and vision::Camera.
#include "returnscan/vision/capture.h"

#include <algorithm>
#include <utility>

#include "returnscan/core/aim.h"
#include "returnscan/core/classify.h"
#include "returnscan/core/log.h"
#include "returnscan/vision/preview.h"

namespace returnscan::vision {

std::chrono::milliseconds reopenDelay(int attempt, std::chrono::milliseconds min,
                                      std::chrono::milliseconds max)
{
    if (attempt <= 1) {
        return std::min(min, max);
    }
    auto d = min;
    for (int i = 1; i < attempt && d < max; ++i) {
        d *= 2;
    }
    return std::min(d, max);
}

FrameGrabber::FrameGrabber(CameraConfig config, SourceOpener opener, Options options)
    : config_(std::move(config)), opener_(std::move(opener)), options_(options)
{
    if (config_.id.empty()) {
        config_.id = config_.source;
    }
}

FrameGrabber::~FrameGrabber()
{
    stop();
}

void FrameGrabber::start()
{
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        return;
    }
    stopping_ = false;
    ended_ = false;
    thread_ = std::thread([this] { run(); });
}

void FrameGrabber::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::optional<Frame> FrameGrabber::takeNewest(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return slot_.has_value() || ended_ || stopping_; });
    if (!slot_) {
        return std::nullopt;
    }
    std::optional<Frame> f = std::move(slot_);
    slot_.reset();
    return f;
}

bool FrameGrabber::ended() const
{
    std::lock_guard lock(mutex_);
    return ended_ && !slot_;
}

CaptureStats FrameGrabber::stats() const
{
    std::lock_guard lock(mutex_);
    return stats_;
}

void FrameGrabber::run()
{
    std::unique_ptr<FrameSource> source;
    int failures = 0;  // consecutive failed opens or reads
    auto stopRequested = [&] {
        std::lock_guard lock(mutex_);
        return stopping_;
    };
    auto sleepInterruptibly = [&](std::chrono::milliseconds d) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, d, [&] { return stopping_; });
    };
    bool everOpened = false;
    // One line when the camera goes (or cannot be opened) and one when it is back, however
    // many reopen attempts lie between.
    const core::Logger log(core::LogCategory::Vision, config_.id);
    core::FailureSpell unavailable(log);
    while (!stopRequested()) {
        if (!source) {
            auto opened = opener_(config_);
            if (!opened) {
                (void)unavailable.failed(
                    (everOpened ? "camera lost: " : "camera not available: ") +
                    opened.error().message);
                ++failures;
                sleepInterruptibly(reopenDelay(failures, options_.reopenMin, options_.reopenMax));
                continue;
            }
            source = std::move(opened).value();
            if (!unavailable.recovered("camera back") && !everOpened)
                log.notice("camera opened: " + config_.source);
            if (everOpened) {
                std::lock_guard lock(mutex_);
                ++stats_.reopens;
            }
            everOpened = true;
        }
        auto frame = source->read();
        if (!frame) {
            const ErrorCode code = frame.error().code;
            if (code == ErrorCode::NotFound) {
                // End of a file or folder: nothing will come back by reopening.
                log.info("camera source ended: " + frame.error().message);
                std::lock_guard lock(mutex_);
                ended_ = true;
                cv_.notify_all();
                return;
            }
            {
                std::lock_guard lock(mutex_);
                ++stats_.readErrors;
            }
            if (code == ErrorCode::Parse) {
                log.warning("frame skipped: " + frame.error().message, {.key = "bad-frame"});
                continue;  // one bad image in a replay folder: skip it
            }
            // Device unplugged or stream dropped: close, wait, reopen.
            (void)unavailable.failed("camera lost: " + frame.error().message);
            source.reset();
            ++failures;
            sleepInterruptibly(reopenDelay(failures, options_.reopenMin, options_.reopenMax));
            continue;
        }
        failures = 0;
        {
            std::lock_guard lock(mutex_);
            ++stats_.framesRead;
            if (slot_) {
                ++stats_.framesReplaced;
            }
            slot_ = std::move(frame).value();
        }
        cv_.notify_all();
    }
}

std::optional<core::ScanEvent> toScanEvent(const DecodedCode& code, const CameraConfig& config,
                                           const core::Clock& clock)
{
    core::ScanEvent e;
    // ZXing reports the identifier beside the text (scanners prefix it to the data): it goes
    // straight into `aim`, and the data stays exactly as decoded.
    e.aim = core::parseAimId(code.aim);
    e.data = code.text;
    if (!core::readProblem(e.data).empty()) {
        return std::nullopt;
    }
    e.device = config.id.empty() ? config.source : config.id;
    e.role = config.role;
    e.transport = core::Transport::Camera;
    e.wallTime = clock.now();
    e.monotonic = clock.monotonic();
    return e;
}

std::string_view toString(CameraState state)
{
    switch (state) {
        case CameraState::Absent:
            return "absent";
        case CameraState::Ok:
            return "ok";
        case CameraState::Error:
            return "error";
    }
    return "error";
}

CameraReader::CameraReader(FrameGrabber& grabber, const Decoder* decoder, const core::Clock& clock,
                           Sink sink, Options options)
    : grabber_(grabber),
      decoder_(decoder),
      clock_(clock),
      sink_(std::move(sink)),
      options_(options)
{
}

CameraReader::CameraReader(FrameGrabber& grabber, const Decoder& decoder, const core::Clock& clock,
                           Sink sink, Options options)
    : CameraReader(grabber, &decoder, clock, std::move(sink), options)
{
}

CameraReader::CameraReader(FrameGrabber& grabber, const core::Clock& clock, Options options)
    : CameraReader(grabber, nullptr, clock, Sink{}, options)
{
}

CameraReader::~CameraReader()
{
    stop();
}

void CameraReader::start()
{
    if (thread_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(frameMutex_);
        stopping_ = false;
    }
    finished_ = false;
    thread_ = std::thread([this] { run(); });
}

void CameraReader::stop()
{
    {
        // Under the frame mutex, so that a burst() between its check and its wait cannot miss
        // the wake-up.
        std::lock_guard lock(frameMutex_);
        stopping_ = true;
    }
    frameCv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void CameraReader::waitUntilEnded()
{
    std::unique_lock lock(doneMutex_);
    doneCv_.wait(lock, [&] { return finished_.load(); });
}

std::shared_ptr<const Frame> CameraReader::keep(Frame frame)
{
    auto shared = std::make_shared<const Frame>(std::move(frame));
    {
        std::lock_guard lock(frameMutex_);
        latest_ = shared;
        latestAt_ = clock_.monotonic();
        ++seq_;
    }
    framesSeen_.fetch_add(1);
    frameCv_.notify_all();
    return shared;
}

std::vector<Frame> CameraReader::burst(int n, std::chrono::milliseconds timeout)
{
    std::vector<Frame> out;
    if (n <= 0) {
        return out;
    }
    std::unique_lock lock(frameMutex_);
    auto seen = seq_;
    const auto until = std::chrono::steady_clock::now() + timeout;
    ++waitingBursts_;
    while (static_cast<int>(out.size()) < n) {
        if (!frameCv_.wait_until(lock, until, [&] { return stopping_ || seq_ != seen; }) ||
            stopping_) {
            break;
        }
        seen = seq_;
        out.push_back(*latest_);  // a copy: the worker replaces latest_, never changes it
    }
    --waitingBursts_;
    if (out.empty() && latest_ && clock_.monotonic() - latestAt_ < options_.burstFallbackAge) {
        out.push_back(*latest_);
    }
    return out;
}

std::optional<std::string> CameraReader::previewJpeg()
{
    std::shared_ptr<const Frame> frame;
    {
        std::lock_guard lock(frameMutex_);
        if (!latest_) {
            return std::nullopt;
        }
        const auto now = clock_.monotonic();
        if (!preview_.empty() &&
            (previewSeq_ == seq_ || now - previewAt_ < options_.previewInterval)) {
            return preview_;
        }
        frame = latest_;
        previewSeq_ = seq_;
        previewAt_ = now;
    }
    // Encoded outside the lock: the worker keeps taking frames meanwhile.
    auto jpeg = encodeJpeg(frame->view(), options_.previewQuality, options_.previewWidth);
    previewEncodes_.fetch_add(1);
    if (!jpeg) {
        return std::nullopt;
    }
    std::lock_guard lock(frameMutex_);
    preview_ = std::move(jpeg).value();
    return preview_;
}

CameraState CameraReader::state() const
{
    std::lock_guard lock(frameMutex_);
    if (!latest_) {
        return CameraState::Absent;
    }
    return clock_.monotonic() - latestAt_ < options_.staleAfter ? CameraState::Ok
                                                                : CameraState::Error;
}

int CameraReader::waitingBurstsForTest() const
{
    std::lock_guard lock(frameMutex_);
    return waitingBursts_;
}

void CameraReader::run()
{
    while (!stopping_) {
        auto frame = grabber_.takeNewest(std::chrono::milliseconds(100));
        if (!frame) {
            if (grabber_.ended()) {
                break;
            }
            continue;
        }
        const auto current = keep(std::move(*frame));
        if (decoder_ == nullptr) {
            continue;
        }
        auto codes = decoder_->decode(current->view());
        framesDecoded_.fetch_add(1);
        if (!codes) {
            continue;  // counted by the decoder's caller logs; the next frame is a new chance
        }
        for (const auto& c : *codes) {
            auto e = toScanEvent(c, grabber_.config(), clock_);
            if (!e) {
                readsDropped_.fetch_add(1);
                continue;
            }
            if (sink_) {
                sink_(std::move(*e));
            }
        }
    }
    {
        std::lock_guard lock(doneMutex_);
        finished_ = true;
    }
    doneCv_.notify_all();
}

Camera::Camera(CameraConfig config, SourceOpener opener, const core::Clock& clock,
               CameraReader::Sink sink, CameraReader::Options options,
               DecodeOptions decodeOptions)
    : grabber_(std::move(config), std::move(opener))
{
    if (sink) {
        decoder_ = std::make_unique<Decoder>(decodeOptions);
    }
    reader_ = std::make_unique<CameraReader>(grabber_, decoder_.get(), clock, std::move(sink),
                                             options);
}

Camera::~Camera()
{
    stop();
}

void Camera::start()
{
    grabber_.start();
    reader_->start();
}

void Camera::stop()
{
    // The worker first: it wakes the bursts, and nothing takes frames after it.
    reader_->stop();
    grabber_.stop();
}

}  // namespace returnscan::vision
