// SPDX-License-Identifier: Apache-2.0
// The kiosk's cameras: each keeps its newest frame for photos and the preview and passes what
// it reads to the read router; the photo camera is the station's core::PhotoCamera.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config.h"
#include "read_router.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/station_ports.h"
#include "returnscan/vision/capture.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/frame.h"
#include "returnscan/vision/photo.h"

namespace returnscan::app {

/// One camera: takes the newest frame, keeps it for photos and the preview, and decodes it.
class CameraHub {
public:
    CameraHub(const CameraEntry& entry, vision::SourceOpener opener, const core::Clock& clock,
              ReadRouter* router);
    ~CameraHub();
    CameraHub(const CameraHub&) = delete;
    CameraHub& operator=(const CameraHub&) = delete;

    void start();
    void stop();

    /// The next `n` frames (fewer when the camera stops delivering within `timeout`).
    std::vector<vision::Frame> burst(int n, std::chrono::milliseconds timeout);
    /// The newest frame as a JPEG for the preview (re-encoded at most every 150 ms).
    std::optional<std::string> previewJpeg();

    [[nodiscard]] const CameraEntry& entry() const { return entry_; }
    /// ok when a frame arrived in the last 5 s.
    [[nodiscard]] std::string stateWord() const;

private:
    void run();

    CameraEntry entry_;
    vision::FrameGrabber grabber_;
    const core::Clock& clock_;
    ReadRouter* router_;
    vision::Decoder decoder_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::shared_ptr<const vision::Frame> latest_;
    std::chrono::steady_clock::time_point latestAt_{};
    std::uint64_t seq_ = 0;
    std::string preview_;
    std::uint64_t previewSeq_ = 0;
    std::chrono::steady_clock::time_point previewAt_{};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

/// Settings of evidence photos (from [photos] of the configuration).
struct PhotoSettings {
    std::string dir;  ///< where photos are written
    vision::QualityThresholds quality;
    int jpegQuality = 90;
    int burst = 3;
};

/// The station's photo camera: a burst from the camera, the sharpest frame through the quality
/// gate, captioned, encoded and written durably (vision::savePhoto), the order label looked
/// for in it. One photo at a time. No camera: every take() fails with Io.
class KioskPhotoCamera final : public core::PhotoCamera {
public:
    KioskPhotoCamera(CameraHub* camera, PhotoSettings settings);
    [[nodiscard]] Result<core::PhotoTaken> take(const core::PhotoJob& job) override;

private:
    CameraHub* camera_;
    PhotoSettings settings_;
    vision::Decoder labelDecoder_;
    std::mutex mutex_;
};

}  // namespace returnscan::app
