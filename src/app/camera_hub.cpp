// SPDX-License-Identifier: Apache-2.0
#include "camera_hub.h"

#include <algorithm>

#include "returnscan/vision/preview.h"

namespace returnscan::app {

using namespace std::chrono_literals;

CameraHub::CameraHub(const CameraEntry& entry, vision::SourceOpener opener,
                     const core::Clock& clock, ReadRouter* router)
    : entry_(entry),
      grabber_(entry.camera, std::move(opener)),
      clock_(clock),
      router_(entry.decode ? router : nullptr)
{
}

CameraHub::~CameraHub()
{
    stop();
}

void CameraHub::start()
{
    grabber_.start();
    thread_ = std::thread([this] { run(); });
}

void CameraHub::stop()
{
    stopping_ = true;
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    grabber_.stop();
}

std::vector<vision::Frame> CameraHub::burst(int n, std::chrono::milliseconds timeout)
{
    std::vector<vision::Frame> out;
    std::unique_lock lock(mutex_);
    auto seen = seq_;
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (static_cast<int>(out.size()) < n) {
        if (!cv_.wait_until(lock, until, [&] { return stopping_ || seq_ != seen; }) || stopping_) {
            break;
        }
        seen = seq_;
        out.push_back(vision::Frame::copyOf(latest_->view()));
    }
    if (out.empty() && latest_ && std::chrono::steady_clock::now() - latestAt_ < 2s) {
        out.push_back(vision::Frame::copyOf(latest_->view()));
    }
    return out;
}

std::optional<std::string> CameraHub::previewJpeg()
{
    std::shared_ptr<const vision::Frame> frame;
    {
        std::lock_guard lock(mutex_);
        if (!latest_) {
            return std::nullopt;
        }
        if (previewSeq_ == seq_ || std::chrono::steady_clock::now() - previewAt_ < 150ms) {
            if (!preview_.empty()) {
                return preview_;
            }
        }
        frame = latest_;
        previewSeq_ = seq_;
        previewAt_ = std::chrono::steady_clock::now();
    }
    auto jpeg = vision::encodeJpeg(frame->view(), 70, 640);
    if (!jpeg) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    preview_ = jpeg.value();
    return preview_;
}

std::string CameraHub::stateWord() const
{
    std::lock_guard lock(mutex_);
    if (!latest_) {
        return "absent";
    }
    return std::chrono::steady_clock::now() - latestAt_ < 5s ? "ok" : "error";
}

void CameraHub::run()
{
    while (!stopping_) {
        auto frame = grabber_.takeNewest(200ms);
        if (!frame) {
            continue;
        }
        auto shared = std::make_shared<const vision::Frame>(std::move(*frame));
        {
            std::lock_guard lock(mutex_);
            latest_ = shared;
            latestAt_ = std::chrono::steady_clock::now();
            ++seq_;
        }
        cv_.notify_all();
        if (router_ != nullptr) {
            auto codes = decoder_.decode(shared->view());
            if (!codes) {
                continue;
            }
            for (const auto& code : codes.value()) {
                if (auto ev = vision::toScanEvent(code, entry_.camera, clock_)) {
                    router_->submit(*ev);
                }
            }
        }
    }
}

KioskPhotoCamera::KioskPhotoCamera(CameraHub* camera, PhotoSettings settings)
    : camera_(camera), settings_(std::move(settings))
{
}

Result<core::PhotoTaken> KioskPhotoCamera::take(const core::PhotoJob& job)
{
    std::lock_guard one(mutex_);  // one photo at a time
    if (camera_ == nullptr) {
        return makeError(ErrorCode::Io, "no camera");
    }
    auto role = vision::parsePhotoRole(job.role);
    if (!role) {
        return std::move(role).takeError();
    }
    vision::PhotoRequest req;
    req.outDir = settings_.dir;
    req.order = job.order;
    req.code = job.code;
    req.station = job.station;
    req.role = role.value();
    req.takenAt = job.takenAt;
    req.jpegQuality = settings_.jpegQuality;
    req.limits = settings_.quality;
    req.checkOrderLabel = true;
    auto frames = camera_->burst(std::max(1, settings_.burst), 3s);
    if (frames.empty()) {
        return makeError(ErrorCode::Io, "the camera delivered no frame");
    }
    const auto best = vision::sharpestOf(frames);
    auto outcome = vision::savePhoto(frames[best].view(), req, &labelDecoder_);
    if (!outcome) {
        return std::move(outcome).takeError();
    }
    core::PhotoTaken taken;
    if (outcome.value().refused()) {
        taken.refusal = outcome.value().quality.refusal;
        return taken;
    }
    const auto& saved = *outcome.value().saved;
    core::PhotoRecord rec;
    rec.receiptId = job.receiptId;
    rec.sha256 = saved.sha256;
    rec.role = job.role;
    rec.path = saved.path;
    rec.takenAt = job.takenAt;
    rec.bytes = static_cast<std::int64_t>(saved.bytes);
    rec.width = saved.width;
    rec.height = saved.height;
    rec.orderLabelVisible = saved.orderLabelVisible;
    taken.saved = std::move(rec);
    return taken;
}

}  // namespace returnscan::app
