// SPDX-License-Identifier: Apache-2.0
// The capture thread (always the newest frame, reopen with backoff) and the decode worker that
// turns camera reads into core::ScanEvents.
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
#include <thread>

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

/// The decode worker: takes the newest frame from a FrameGrabber, decodes it and hands each code
/// to `sink` as a core::ScanEvent (transport Camera, device = config id, AIM identifier split
/// off). Reads that fail core::readProblem() are dropped and counted. De-duplication is the
/// event loop's job (the same core::ReadDeduplicator as the scanners'), because only it sees
/// scanner and camera reads together. `sink` runs on the worker thread.
class CameraReader {
public:
    using Sink = std::function<void(core::ScanEvent)>;

    CameraReader(FrameGrabber& grabber, const Decoder& decoder, const core::Clock& clock,
                 Sink sink);
    ~CameraReader();  ///< stops and joins
    CameraReader(const CameraReader&) = delete;
    CameraReader& operator=(const CameraReader&) = delete;

    void start();
    void stop();
    /// Blocks until the source has ended and every frame taken was decoded (files, tests).
    void waitUntilEnded();

    [[nodiscard]] std::uint64_t framesDecoded() const { return framesDecoded_.load(); }
    [[nodiscard]] std::uint64_t readsDropped() const { return readsDropped_.load(); }

private:
    void run();

    FrameGrabber& grabber_;
    const Decoder& decoder_;
    const core::Clock& clock_;
    Sink sink_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> finished_{false};
    std::atomic<std::uint64_t> framesDecoded_{0};
    std::atomic<std::uint64_t> readsDropped_{0};
    std::mutex doneMutex_;
    std::condition_variable doneCv_;
    std::thread thread_;
};

/// Converts one decoded code into a ScanEvent (exposed for tests and for single-shot use).
/// nullopt when the text fails core::readProblem().
[[nodiscard]] std::optional<core::ScanEvent> toScanEvent(const DecodedCode& code,
                                                         const CameraConfig& config,
                                                         const core::Clock& clock);

}  // namespace returnscan::vision
