// SPDX-License-Identifier: Apache-2.0
// The optional inspection video clip of a parcel session (cv::VideoWriter, MJPEG in AVI).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "returnscan/core/result.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

struct SavedClip {
    std::string path;
    std::string fileName;
    std::string sha256;
    std::uint64_t bytes = 0;
    int width = 0;
    int height = 0;
    int frames = 0;
};

/// Records frames to a temporary file in the output directory; finish() makes it durable under
/// its final name (fsync, rename, fsync of the directory) like a photo. Abandoning the clip
/// (destroying it unfinished) removes the temporary file. Not thread-safe.
class InspectionClip {
public:
    /// Starts a clip `dir/name` (name should end in .avi) of `width`x`height` at `fps`.
    /// Errors: InvalidArgument, Io (the writer could not open).
    [[nodiscard]] static Result<std::unique_ptr<InspectionClip>> start(const std::string& dir,
                                                                       const std::string& name,
                                                                       int width, int height,
                                                                       double fps);
    ~InspectionClip();
    InspectionClip(const InspectionClip&) = delete;
    InspectionClip& operator=(const InspectionClip&) = delete;

    /// Appends a frame (resized when its size differs). Errors: InvalidArgument, Internal.
    [[nodiscard]] Status add(const FrameView& frame);
    /// Closes, hashes and publishes the clip. Errors: Io; InvalidArgument when no frame was added.
    [[nodiscard]] Result<SavedClip> finish();

private:
    struct Impl;
    explicit InspectionClip(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::vision
