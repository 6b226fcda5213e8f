// SPDX-License-Identifier: Apache-2.0
// Inspection clips: cv::VideoWriter (MJPEG in AVI: OpenCV's built-in encoder, no codec
// licensing or FFmpeg build differences) into a temporary file, published durably.
#include "returnscan/vision/clip.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <random>

#include "cv_util.h"
#include "durable_file.h"

namespace returnscan::vision {

struct InspectionClip::Impl {
    std::string dir;
    std::string name;
    std::string tmpPath;
    cv::VideoWriter writer;
    int width = 0;
    int height = 0;
    int frames = 0;
    bool published = false;
};

InspectionClip::InspectionClip(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}

InspectionClip::~InspectionClip()
{
    if (impl_ && !impl_->published) {
        try {
            impl_->writer.release();
        } catch (...) {
            // Destructors must not throw; the file is removed just below either way.
        }
        ::unlink(impl_->tmpPath.c_str());
    }
}

Result<std::unique_ptr<InspectionClip>> InspectionClip::start(const std::string& dir,
                                                              const std::string& name, int width,
                                                              int height, double fps)
{
    if (name.empty() || name.find('/') != std::string::npos || width <= 0 || height <= 0 ||
        fps <= 0) {
        return makeError(ErrorCode::InvalidArgument, "bad clip parameters");
    }
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->name = name;
    impl->width = width;
    impl->height = height;
    std::random_device rd;
    // The writer picks the container from the extension, so the temporary name keeps ".avi".
    impl->tmpPath = dir + "/.tmp-" + std::to_string(rd()) + "-" + name;
    if (impl->tmpPath.size() < 4 || impl->tmpPath.substr(impl->tmpPath.size() - 4) != ".avi") {
        impl->tmpPath += ".avi";
    }
    auto st = detail::guarded("opening the clip writer", [&]() -> Status {
        if (!impl->writer.open(impl->tmpPath, cv::CAP_OPENCV_MJPEG,
                               cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps,
                               cv::Size(width, height), true)) {
            return makeError(ErrorCode::Io, "cannot write a clip in " + dir);
        }
        return {};
    });
    if (!st) {
        return std::move(st).takeError();
    }
    return std::unique_ptr<InspectionClip>(new InspectionClip(std::move(impl)));
}

Status InspectionClip::add(const FrameView& frame)
{
    if (frame.empty() || impl_->published) {
        return makeError(ErrorCode::InvalidArgument, "no frame, or the clip is finished");
    }
    return detail::guarded("adding a clip frame", [&]() -> Status {
        cv::Mat src = detail::wrap(frame);
        cv::Mat bgr;
        if (frame.format == PixelFormat::Gray8) {
            cv::cvtColor(src, bgr, cv::COLOR_GRAY2BGR);
        } else {
            bgr = src;
        }
        if (bgr.cols != impl_->width || bgr.rows != impl_->height) {
            cv::Mat resized;
            cv::resize(bgr, resized, cv::Size(impl_->width, impl_->height), 0, 0, cv::INTER_AREA);
            bgr = resized;
        }
        impl_->writer.write(bgr);
        ++impl_->frames;
        return {};
    });
}

Result<SavedClip> InspectionClip::finish()
{
    if (impl_->frames == 0) {
        return makeError(ErrorCode::InvalidArgument, "the clip has no frame");
    }
    auto closed = detail::guarded("closing the clip", [&]() -> Status {
        impl_->writer.release();
        return {};
    });
    if (!closed) {
        return std::move(closed).takeError();
    }
    // Evidence, readable by the station's group only (as photos); VideoWriter made it 0644.
    if (::chmod(impl_->tmpPath.c_str(), 0640) != 0) {
        return detail::ioError("chmod of " + impl_->tmpPath, errno);
    }
    if (auto st = detail::fsyncPath(impl_->tmpPath, false); !st) {
        return std::move(st).takeError();
    }
    auto hashed = detail::hashFile(impl_->tmpPath);
    if (!hashed) {
        return std::move(hashed).takeError();
    }
    if (auto st = detail::publish(impl_->tmpPath, impl_->dir, impl_->name); !st) {
        return std::move(st).takeError();
    }
    impl_->published = true;
    SavedClip c;
    c.fileName = impl_->name;
    c.path = impl_->dir + "/" + impl_->name;
    c.sha256 = hashed->first;
    c.bytes = hashed->second;
    c.width = impl_->width;
    c.height = impl_->height;
    c.frames = impl_->frames;
    return c;
}

}  // namespace returnscan::vision
