// SPDX-License-Identifier: Apache-2.0
// Frame sources over cv::VideoCapture (V4L2 with explicit backend; FFmpeg for files and
// streams) and over a folder of still images.
#include "returnscan/vision/camera.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <thread>
#include <vector>

#include "cv_util.h"

namespace returnscan::vision {
namespace {

namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;

std::string lower(std::string s)
{
    for (char& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

bool isStillImageName(const fs::path& p)
{
    static constexpr std::array<std::string_view, 8> kExt = {".png", ".jpg",  ".jpeg", ".bmp",
                                                             ".tif", ".tiff", ".pgm",  ".webp"};
    const std::string ext = lower(p.extension().string());
    return std::find(kExt.begin(), kExt.end(), ext) != kExt.end();
}

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

Frame toBgrFrame(const cv::Mat& m, std::uint64_t sequence)
{
    Frame f;
    if (m.channels() == 3) {
        f = detail::frameOf(m);
    } else {
        cv::Mat bgr;
        cv::cvtColor(m, bgr, m.channels() == 4 ? cv::COLOR_BGRA2BGR : cv::COLOR_GRAY2BGR);
        f = detail::frameOf(bgr);
    }
    f.sequence = sequence;
    f.capturedAt = std::chrono::steady_clock::now();
    return f;
}

/// Sleeps as needed so that frames leave at `fps` (replay at the recorded speed).
class Pacer {
public:
    explicit Pacer(double fps) : period_(fps > 0 ? 1.0 / fps : 0.0) {}
    void wait()
    {
        if (period_.count() <= 0) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (next_ > now) {
            std::this_thread::sleep_until(next_);
        }
        next_ = std::max(now, next_) +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(period_);
    }

private:
    Seconds period_;
    std::chrono::steady_clock::time_point next_{};
};

/// cv::VideoCapture: V4L2 devices and FFmpeg files/streams.
class OpenCvSource final : public FrameSource {
public:
    OpenCvSource(const CameraConfig& config, SourceKind kind)
        : config_(config), kind_(kind), pacer_(config.paced ? config.fps : 0.0)
    {
    }

    Status open()
    {
        return detail::guarded("opening " + config_.source, [&]() -> Status {
            bool ok = false;
            if (kind_ == SourceKind::V4l2) {
                // Explicit CAP_V4L2: with CAP_ANY, Debian's OpenCV tries GStreamer first.
                if (allDigits(config_.source)) {
                    ok = cap_.open(std::stoi(config_.source), cv::CAP_V4L2);
                } else {
                    ok = cap_.open(config_.source, cv::CAP_V4L2);
                }
                if (ok) {
                    configureV4l2();
                }
            } else {
                ok = cap_.open(config_.source, cv::CAP_FFMPEG);
            }
            if (!ok || !cap_.isOpened()) {
                return makeError(ErrorCode::Io, "cannot open camera source '" + config_.source +
                                                    "' (" + kindName() + ")");
            }
            return {};
        });
    }

    Result<Frame> read() override
    {
        return detail::guarded("reading " + config_.source, [&]() -> Result<Frame> {
            cv::Mat m;
            if (!cap_.read(m) || m.empty()) {
                if (kind_ == SourceKind::VideoFile) {
                    if (config_.loop && sequence_ > 0) {
                        cap_.set(cv::CAP_PROP_POS_FRAMES, 0);
                        if (cap_.read(m) && !m.empty()) {
                            pacer_.wait();
                            return toBgrFrame(m, sequence_++);
                        }
                    }
                    return makeError(ErrorCode::NotFound, "end of " + config_.source);
                }
                return makeError(ErrorCode::Io, "no frame from " + config_.source);
            }
            pacer_.wait();
            return toBgrFrame(m, sequence_++);
        });
    }

    std::string describe() const override
    {
        std::string d = kindName() + " " + config_.source;
        try {
            d += " " + std::to_string(static_cast<int>(cap_.get(cv::CAP_PROP_FRAME_WIDTH))) + "x" +
                 std::to_string(static_cast<int>(cap_.get(cv::CAP_PROP_FRAME_HEIGHT)));
            const double fps = cap_.get(cv::CAP_PROP_FPS);
            if (fps > 0) {
                d += " " + std::to_string(static_cast<int>(fps + 0.5)) + " fps";
            }
        } catch (...) {
            // describe() is for logs; a failing property query must not throw out of here.
        }
        return d;
    }

private:
    [[nodiscard]] std::string kindName() const
    {
        switch (kind_) {
            case SourceKind::V4l2:
                return "v4l2";
            case SourceKind::Stream:
                return "stream";
            default:
                return "video";
        }
    }

    void configureV4l2()
    {
        // Order matters on UVC cameras: the pixel format first, then the size, then the rate;
        // many models reset the rate when the size changes.
        if (config_.mjpg) {
            cap_.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
        }
        if (config_.width > 0 && config_.height > 0) {
            cap_.set(cv::CAP_PROP_FRAME_WIDTH, config_.width);
            cap_.set(cv::CAP_PROP_FRAME_HEIGHT, config_.height);
        }
        if (config_.fps > 0) {
            cap_.set(cv::CAP_PROP_FPS, config_.fps);
        }
        // One buffer: the driver then holds no backlog of old frames behind the newest.
        cap_.set(cv::CAP_PROP_BUFFERSIZE, 1);
        if (config_.exposure) {
            // V4L2 backend: 1 = manual (V4L2_EXPOSURE_MANUAL), 3 = aperture priority (auto).
            // Cameras without manual exposure ignore both; set() then returns false.
            cap_.set(cv::CAP_PROP_AUTO_EXPOSURE, 1);
            cap_.set(cv::CAP_PROP_EXPOSURE, *config_.exposure);
        }
    }

    CameraConfig config_;
    SourceKind kind_;
    cv::VideoCapture cap_;
    Pacer pacer_;
    std::uint64_t sequence_ = 0;
};

/// A folder of still images, in name order (replay of recorded frames, libcamera-style).
class ImageFolderSource final : public FrameSource {
public:
    ImageFolderSource(const CameraConfig& config, std::vector<fs::path> files)
        : config_(config), files_(std::move(files)), pacer_(config.paced ? config.fps : 0.0)
    {
    }

    Result<Frame> read() override
    {
        if (next_ >= files_.size()) {
            if (!config_.loop || files_.empty()) {
                return makeError(ErrorCode::NotFound, "end of " + config_.source);
            }
            next_ = 0;
        }
        const fs::path& p = files_[next_++];
        auto f = readImageFile(p.string());
        if (!f) {
            // One unreadable file in a replay folder is reported, not fatal: it is skipped
            // by the next read.
            return makeError(ErrorCode::Parse, f.error().message);
        }
        pacer_.wait();
        f->sequence = sequence_++;
        return f;
    }

    std::string describe() const override
    {
        return "folder " + config_.source + " (" + std::to_string(files_.size()) + " images)";
    }

private:
    CameraConfig config_;
    std::vector<fs::path> files_;
    Pacer pacer_;
    std::size_t next_ = 0;
    std::uint64_t sequence_ = 0;
};

}  // namespace

Result<SourceKind> classifySource(std::string_view source)
{
    const std::string s(source);
    const std::string l = lower(s);
    for (std::string_view scheme : {"rtsp://", "rtsps://", "http://", "https://", "rtmp://"}) {
        if (l.rfind(scheme, 0) == 0) {
            return SourceKind::Stream;
        }
    }
    if (allDigits(s)) {
        return SourceKind::V4l2;
    }
    std::error_code ec;
    const fs::path p(s);
    if (s.rfind("/dev/", 0) == 0) {
        if (!fs::exists(p, ec)) {
            return makeError(ErrorCode::NotFound, "no camera device " + s);
        }
        return SourceKind::V4l2;
    }
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
        return makeError(ErrorCode::NotFound, "no such file or directory: " + s);
    }
    if (fs::is_directory(st)) {
        return SourceKind::ImageFolder;
    }
    if (fs::is_character_file(st)) {
        return SourceKind::V4l2;
    }
    return isStillImageName(p) ? SourceKind::ImageFile : SourceKind::VideoFile;
}

Result<Frame> readImageFile(const std::string& path)
{
    return detail::guarded("reading " + path, [&]() -> Result<Frame> {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
            return makeError(ErrorCode::NotFound, "no such file: " + path);
        }
        const cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
        if (m.empty()) {
            return makeError(ErrorCode::Parse, "not a readable image: " + path);
        }
        return toBgrFrame(m, 0);
    });
}

Result<std::unique_ptr<FrameSource>> openSource(const CameraConfig& config)
{
    auto kind = classifySource(config.source);
    if (!kind) {
        return std::move(kind).takeError();
    }
    if (*kind == SourceKind::ImageFolder || *kind == SourceKind::ImageFile) {
        std::vector<fs::path> files;
        if (*kind == SourceKind::ImageFile) {
            files.emplace_back(config.source);
        } else {
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(config.source, ec)) {
                if (e.is_regular_file(ec) && isStillImageName(e.path())) {
                    files.push_back(e.path());
                }
            }
            if (ec) {
                return makeError(ErrorCode::Io,
                                 "cannot list " + config.source + ": " + ec.message());
            }
            std::sort(files.begin(), files.end());
        }
        return std::unique_ptr<FrameSource>(
            std::make_unique<ImageFolderSource>(config, std::move(files)));
    }
    auto src = std::make_unique<OpenCvSource>(config, *kind);
    if (auto st = src->open(); !st) {
        return std::move(st).takeError();
    }
    return std::unique_ptr<FrameSource>(std::move(src));
}

}  // namespace returnscan::vision
