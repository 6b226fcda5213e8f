// SPDX-License-Identifier: Apache-2.0
// A simulated bench camera for the kiosk's demo mode and for tests: a parcel on a grey bench,
// optionally carrying a shipping label with a Code 128 barcode, delivered at a camera's pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "returnscan/core/result.h"
#include "returnscan/vision/camera.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

/// What the simulated scene shows; shared between the source (which reads it for every frame)
/// and whoever drives the demo (the kiosk, a test) from any thread. Thread-safe. One control can
/// outlive the sources a FrameGrabber opens and reopens, so the scene survives a reopen.
class SyntheticControl {
public:
    /// The text of the shipping label (a Code 128 barcode with the text printed below it), or
    /// nullopt for a parcel without a label. Text Code 128 cannot carry (non-ASCII, more than 80
    /// characters) is printed without a barcode.
    void setLabel(std::optional<std::string> text);
    /// Frames as from an out-of-focus camera: the photo quality gate refuses them (too_blurry).
    void setBlurred(bool blurred);
    /// Frames as in a dark room: the quality gate refuses them (too_dark).
    void setDark(bool dark);

    struct State {
        std::optional<std::string> label;
        bool blurred = false;
        bool dark = false;
    };
    [[nodiscard]] State state() const;

private:
    mutable std::mutex mutex_;
    State state_;
};

struct SyntheticOptions {
    int width = 1280;
    int height = 720;
    /// Frames per second read() delivers (it sleeps as a camera would); 0: as fast as rendered.
    double fps = 10;
    /// Seed of the per-frame sensor noise (frames differ from each other, deterministically).
    std::uint32_t seed = 1;
};

/// Frame sizes the synthetic camera accepts.
inline constexpr int kSyntheticMinSize = 64;
inline constexpr int kSyntheticMaxWidth = 7680;
inline constexpr int kSyntheticMaxHeight = 4320;

/// The simulated camera. BGR frames of the configured size: a grey bench, a brown box with a
/// strip of tape and, when a label is set, a white label on the box with the text as Code 128
/// (at about 3 pixels per module at 1280 px wide) and in print below. Sensor noise differs per
/// frame. Sharp, well-exposed frames pass the photo quality gate with the default thresholds,
/// and the label reads back with the default Decoder, in the frame and in a saved photo.
/// Like every FrameSource, one thread reads it; the scene is changed through the (thread-safe)
/// control.
class SyntheticSource final : public FrameSource {
public:
    /// `control` null: the source makes its own (reach it with control()). Options are clamped
    /// to the accepted sizes; a negative fps counts as 0.
    explicit SyntheticSource(SyntheticOptions options = {},
                             std::shared_ptr<SyntheticControl> control = nullptr);
    ~SyntheticSource() override;
    SyntheticSource(const SyntheticSource&) = delete;
    SyntheticSource& operator=(const SyntheticSource&) = delete;

    /// The next frame, after sleeping until it is due (options().fps). Never ends.
    /// Errors: Internal if rendering failed (out of memory).
    [[nodiscard]] Result<Frame> read() override;
    /// "synthetic 1280x720 10 fps".
    [[nodiscard]] std::string describe() const override;

    /// Forwarders to control(): thread-safe.
    void setLabel(std::optional<std::string> text) { control_->setLabel(std::move(text)); }
    void setBlurred(bool blurred) { control_->setBlurred(blurred); }
    void setDark(bool dark) { control_->setDark(dark); }

    [[nodiscard]] const std::shared_ptr<SyntheticControl>& control() const { return control_; }
    [[nodiscard]] const SyntheticOptions& options() const { return options_; }

private:
    struct Scene;
    SyntheticOptions options_;
    std::shared_ptr<SyntheticControl> control_;
    std::unique_ptr<Scene> scene_;
    std::uint64_t sequence_ = 0;
    std::chrono::steady_clock::time_point nextDue_{};
};

/// True when `source` names the synthetic camera: it starts with "synthetic:".
[[nodiscard]] bool isSyntheticSource(std::string_view source);

/// Parses "synthetic:" (1280x720) or "synthetic:WIDTHxHEIGHT" (e.g. "synthetic:1920x1080").
/// Errors: InvalidArgument for another prefix, a malformed size, or a size outside
/// kSyntheticMinSize..kSyntheticMaxWidth x kSyntheticMinSize..kSyntheticMaxHeight.
[[nodiscard]] Result<SyntheticOptions> parseSyntheticSource(std::string_view source);

/// Opens a synthetic camera from its source string at the default pace (10 fps), showing what
/// `control` says (null: a control of its own). Errors: as parseSyntheticSource().
[[nodiscard]] Result<std::unique_ptr<SyntheticSource>> openSynthetic(
    std::string_view source, std::shared_ptr<SyntheticControl> control = nullptr);

/// A SourceOpener for FrameGrabber: opens synthetic sources (config.fps > 0 sets the pace; the
/// size comes from the source string, or from config.width/height when the string gives none)
/// on `control`, and hands every other source to `fallback` (openSource). The kiosk keeps
/// `control` to set the label.
[[nodiscard]] SourceOpener syntheticOpener(std::shared_ptr<SyntheticControl> control,
                                           SourceOpener fallback = openSource);

}  // namespace returnscan::vision
