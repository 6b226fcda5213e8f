// SPDX-License-Identifier: Apache-2.0
// The capture thread (always the newest frame, reopen with backoff), the camera worker that keeps
// the newest frame for bursts and previews and turns camera reads into core::ScanEvents, and
// vision::Camera, which owns both.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/vision/camera.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

/// Delay before the n-th reopen attempt in a row: min * 2^(n-1), capped at max.
[[nodiscard]] std::chrono::milliseconds reopenDelay(int attempt, std::chrono::milliseconds min,
                                                    std::chrono::milliseconds max);

struct CaptureStats {
    std::uint64_t framesRead = 0;
    std::uint64_t framesReplaced = 0;  ///< read but replaced by a newer one before anyone took it
    std::uint64_t reopens = 0;
    std::uint64_t readErrors = 0;
};

/// Owns a source and a thread reading it as fast as it delivers. Only the newest frame is kept
/// (a one-slot mailbox): a slow consumer gets the present, never a queue of stale frames. A
/// failed read closes the source and reopens it after reopenDelay(); the end of a file or folder
/// ends the stream. Thread-safe.
class FrameGrabber {
public:
    struct Options {
        std::chrono::milliseconds reopenMin{250};
        std::chrono::milliseconds reopenMax{30000};
    };

    FrameGrabber(CameraConfig config, SourceOpener opener, Options options);
    FrameGrabber(CameraConfig config, SourceOpener opener = openSource)
        : FrameGrabber(std::move(config), std::move(opener), Options{})
    {
    }
    ~FrameGrabber();  ///< stops and joins the thread
    FrameGrabber(const FrameGrabber&) = delete;
    FrameGrabber& operator=(const FrameGrabber&) = delete;

    void start();
    void stop();

    /// Waits up to `timeout` for a frame newer than the last one taken and takes it. nullopt on
    /// timeout or when the stream has ended (see ended()).
    [[nodiscard]] std::optional<Frame> takeNewest(std::chrono::milliseconds timeout);

    /// True once a file or folder source reached its end (and no frame is waiting).
    [[nodiscard]] bool ended() const;
    [[nodiscard]] CaptureStats stats() const;
    [[nodiscard]] const CameraConfig& config() const { return config_; }

private:
    void run();

    CameraConfig config_;
    SourceOpener opener_;
    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<Frame> slot_;
    bool ended_ = false;
    bool stopping_ = false;
    CaptureStats stats_;
    std::thread thread_;
};

/// What a camera's frames say about it: no frame yet, frames arriving, or none for a while.
enum class CameraState {
    Absent,  ///< no frame since start()
    Ok,      ///< a frame arrived less than CameraReader::Options::staleAfter ago
    Error,   ///< the newest frame is older than that (unplugged, stream stalled or ended)
};
/// "absent", "ok", "error" (the device-status words of docs/ui-api.md).
[[nodiscard]] std::string_view toString(CameraState state);

/// Tuning of CameraReader (outside the class so that `= {}` can default it).
struct CameraReaderOptions {
    /// Age below which burst() returns the newest frame when no new one came in time.
    std::chrono::milliseconds burstFallbackAge{2000};
    /// previewJpeg() encodes again at most this often (and only for a new frame): however often
    /// the page polls, the preview costs at most about 7 encodings a second, CPU the decoder of
    /// the same camera needs (the kiosk's CameraHub value, kept).
    std::chrono::milliseconds previewInterval{150};
    int previewQuality = 70;  ///< JPEG quality of the preview (1..100)
    int previewWidth = 640;   ///< the preview is scaled down to at most this width
    /// state() says Error when the newest frame is older than this.
    std::chrono::milliseconds staleAfter{5000};
};

/// The camera's worker: takes each newest frame from a FrameGrabber, keeps it as the camera's
/// present frame (for evidence bursts and the live preview) and, when decoding is on, decodes
/// it and hands each code to `sink` as a core::ScanEvent (transport Camera, device = config id,
/// AIM identifier split off). Reads that fail core::readProblem() are dropped and counted.
/// De-duplication is the event loop's job (the same core::ReadDeduplicator as the scanners'),
/// because only it sees scanner and camera reads together. `sink` runs on the worker thread.
///
/// Time: frame ages (state(), the burst fallback, the preview interval) are measured with
/// `clock.monotonic()`; the waits of burst() with the machine's steady clock.
///
/// Thread-safety: every public method may be called from any thread; burst() and previewJpeg()
/// may run while the worker decodes. The grabber, decoder and clock must outlive the reader;
/// the reader does not start or stop the grabber (vision::Camera does both).
class CameraReader {
public:
    using Sink = std::function<void(core::ScanEvent)>;

    using Options = CameraReaderOptions;

    /// Decoding on: every frame goes to `decoder`, its codes to `sink`.
    CameraReader(FrameGrabber& grabber, const Decoder& decoder, const core::Clock& clock, Sink sink,
                 Options options = {});
    /// Decoding off (a photo- or preview-only camera): frames are kept, never decoded.
    CameraReader(FrameGrabber& grabber, const core::Clock& clock, Options options = {});
    /// Decoding on when `decoder` is not null (then `sink` receives the reads).
    CameraReader(FrameGrabber& grabber, const Decoder* decoder, const core::Clock& clock, Sink sink,
                 Options options);
    ~CameraReader();  ///< stops and joins
    CameraReader(const CameraReader&) = delete;
    CameraReader& operator=(const CameraReader&) = delete;

    void start();
    /// Stops and joins the worker (within about 100 ms) and wakes every waiting burst(), which
    /// then returns what it has. The newest frame stays for previewJpeg() and state().
    void stop();
    /// Blocks until the source has ended and every frame taken was decoded (files, tests).
    void waitUntilEnded();

    /// The next `n` frames that arrive after the call (each a different frame, oldest first),
    /// fewer when the camera does not deliver them within `timeout` or stop() is called. When
    /// none arrived, the newest frame if it is younger than Options::burstFallbackAge (a camera
    /// that delivers slowly still gives a photo); otherwise empty. n <= 0: empty.
    [[nodiscard]] std::vector<Frame> burst(int n, std::chrono::milliseconds timeout);

    /// The newest frame as a JPEG (Options::previewQuality, at most previewWidth wide),
    /// encoded again only when a new frame arrived and previewInterval has passed since the last
    /// encoding; otherwise the last JPEG. nullopt before the first frame or if encoding failed.
    [[nodiscard]] std::optional<std::string> previewJpeg();

    /// Absent, Ok or Error by the newest frame's age (Options::staleAfter).
    [[nodiscard]] CameraState state() const;

    [[nodiscard]] bool decoding() const { return decoder_ != nullptr; }
    [[nodiscard]] std::uint64_t framesSeen() const { return framesSeen_.load(); }
    [[nodiscard]] std::uint64_t framesDecoded() const { return framesDecoded_.load(); }
    [[nodiscard]] std::uint64_t readsDropped() const { return readsDropped_.load(); }
    [[nodiscard]] std::uint64_t previewEncodes() const { return previewEncodes_.load(); }
    /// How many burst() calls are waiting for frames now (tests wait for one to start).
    [[nodiscard]] int waitingBurstsForTest() const;

private:
    void run();
    /// Makes `frame` the newest one and wakes the bursts; returns it, shared.
    std::shared_ptr<const Frame> keep(Frame frame);

    FrameGrabber& grabber_;
    const Decoder* decoder_;  ///< nullptr: decoding off
    const core::Clock& clock_;
    Sink sink_;
    Options options_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> finished_{false};
    std::atomic<std::uint64_t> framesSeen_{0};
    std::atomic<std::uint64_t> framesDecoded_{0};
    std::atomic<std::uint64_t> readsDropped_{0};
    std::atomic<std::uint64_t> previewEncodes_{0};

    mutable std::mutex frameMutex_;  ///< guards the members below up to previewAt_
    std::condition_variable frameCv_;
    std::shared_ptr<const Frame> latest_;
    std::chrono::steady_clock::time_point latestAt_{};  ///< clock_.monotonic() at arrival
    std::uint64_t seq_ = 0;                             ///< frames kept so far
    int waitingBursts_ = 0;
    std::string preview_;
    std::uint64_t previewSeq_ = 0;
    std::chrono::steady_clock::time_point previewAt_{};

    std::mutex doneMutex_;
    std::condition_variable doneCv_;
    std::thread thread_;
};

/// One camera as the kiosk uses it: owns the FrameGrabber, the Decoder (when decoding) and
/// the CameraReader over them, and starts and stops them together. Thread-safe like
/// CameraReader; `clock` must outlive it.
class Camera {
public:
    /// `sink` empty: decoding off. `opener` opens (and reopens) the source.
    Camera(CameraConfig config, SourceOpener opener, const core::Clock& clock,
           CameraReader::Sink sink, CameraReader::Options options = {},
           DecodeOptions decodeOptions = {});
    ~Camera();  ///< stops
    Camera(const Camera&) = delete;
    Camera& operator=(const Camera&) = delete;

    void start();  ///< starts the capture thread and the worker
    void stop();   ///< stops the worker (waking bursts), then the capture thread

    /// See CameraReader::burst().
    [[nodiscard]] std::vector<Frame> burst(int n, std::chrono::milliseconds timeout)
    {
        return reader_->burst(n, timeout);
    }
    /// See CameraReader::previewJpeg().
    [[nodiscard]] std::optional<std::string> previewJpeg() { return reader_->previewJpeg(); }
    /// See CameraReader::state().
    [[nodiscard]] CameraState state() const { return reader_->state(); }
    /// The configuration, with `id` defaulted to the source.
    [[nodiscard]] const CameraConfig& config() const { return grabber_.config(); }
    [[nodiscard]] CameraReader& reader() { return *reader_; }
    [[nodiscard]] const FrameGrabber& grabber() const { return grabber_; }

private:
    FrameGrabber grabber_;
    std::unique_ptr<Decoder> decoder_;  ///< null: decoding off
    std::unique_ptr<CameraReader> reader_;
};

/// Converts one decoded code into a ScanEvent (exposed for tests and for single-shot use).
/// nullopt when the text fails core::readProblem().
[[nodiscard]] std::optional<core::ScanEvent> toScanEvent(const DecodedCode& code,
                                                         const CameraConfig& config,
                                                         const core::Clock& clock);

}  // namespace returnscan::vision
