// SPDX-License-Identifier: Apache-2.0
// Camera sources: V4L2 devices, RTSP/HTTP streams and video files (FFmpeg), image folders.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "returnscan/core/result.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

/// What a source string names.
enum class SourceKind {
    V4l2,         ///< "/dev/videoN", "/dev/v4l/by-id/...", or a bare device index "0"
    Stream,       ///< rtsp://, rtsps://, http://, https:// (FFmpeg)
    VideoFile,    ///< a regular file that is not a still image (FFmpeg)
    ImageFolder,  ///< a directory of still images, replayed in name order
    ImageFile,    ///< one still image (replayed as a one-frame stream)
};

/// Classifies `source` (looks at the file system for paths). Errors: NotFound for a path that
/// does not exist.
[[nodiscard]] Result<SourceKind> classifySource(std::string_view source);

/// How to open a camera. Zero means "the device's default" for the numeric settings.
struct CameraConfig {
    std::string source;  ///< see SourceKind
    std::string id;      ///< device id for ScanEvents (default: the source)
    std::string role = "overhead";
    int width = 0;
    int height = 0;
    double fps = 0;
    bool mjpg = true;  ///< V4L2: ask for MJPEG (UVC cameras give 1080p at 30 fps only in MJPEG)
    std::optional<double> exposure;  ///< V4L2: manual exposure (driver units) when supported
    bool loop = false;  ///< files and folders: start again at the end instead of ending
    /// Files and folders: deliver at most `fps` frames per second (real-time replay) when
    /// `fps` > 0; otherwise as fast as they decode.
    bool paced = false;
};

/// A stream of frames. Implementations: OpenCvSource (V4L2, FFmpeg), ImageFolderSource.
/// Not thread-safe: one reader thread (the capture thread) owns it.
class FrameSource {
public:
    virtual ~FrameSource() = default;

    /// The next frame (BGR). Errors: NotFound at the end of a file or folder (not looping);
    /// Io when the device or stream failed (unplugged, network): the caller reopens.
    [[nodiscard]] virtual Result<Frame> read() = 0;

    /// Human-readable description for logs ("v4l2 /dev/video0 1920x1080 MJPG 30 fps").
    [[nodiscard]] virtual std::string describe() const = 0;
};

/// Opens `config.source`. Errors: NotFound, Io (device busy, stream unreachable), Unsupported.
[[nodiscard]] Result<std::unique_ptr<FrameSource>> openSource(const CameraConfig& config);

/// Opens a source; the capture thread calls it again to reopen (tests inject fakes).
using SourceOpener = std::function<Result<std::unique_ptr<FrameSource>>(const CameraConfig&)>;

/// Reads one still image file as a BGR frame. Errors: NotFound, Parse (not an image).
[[nodiscard]] Result<Frame> readImageFile(const std::string& path);

}  // namespace returnscan::vision
