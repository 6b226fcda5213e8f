// SPDX-License-Identifier: Apache-2.0
// The station's core::PhotoCamera in the kiosk: a burst from the photo camera (a
// vision::Camera), the sharpest frame through the quality gate into a durable evidence file.
#pragma once

#include <mutex>
#include <string>

#include "returnscan/core/station_ports.h"
#include "returnscan/vision/capture.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/photo.h"

namespace returnscan::app {

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
    KioskPhotoCamera(vision::Camera* camera, PhotoSettings settings);
    [[nodiscard]] Result<core::PhotoTaken> take(const core::PhotoJob& job) override;

private:
    vision::Camera* camera_;
    PhotoSettings settings_;
    vision::Decoder labelDecoder_;
    std::mutex mutex_;
};

}  // namespace returnscan::app
