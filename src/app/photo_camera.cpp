// SPDX-License-Identifier: Apache-2.0
#include "photo_camera.h"

#include <algorithm>

namespace returnscan::app {

using namespace std::chrono_literals;

KioskPhotoCamera::KioskPhotoCamera(vision::Camera* camera, PhotoSettings settings)
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
