// SPDX-License-Identifier: Apache-2.0
// Evidence photos: burst, sharpest frame, quality gate, caption band, JPEG, SHA-256, durable
// write, and the check that the order label is legible in the photo.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/core/time.h"
#include "returnscan/digest/sha256.h"
#include "returnscan/vision/camera.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

enum class PhotoRole { Overview, Label, Damage, Contents };
[[nodiscard]] std::string_view toString(PhotoRole r);
/// Errors: InvalidArgument for anything but overview, label, damage, contents.
[[nodiscard]] Result<PhotoRole> parsePhotoRole(std::string_view s);

/// Limits of the quality gate. Sharpness is the variance of the Laplacian of the luma scaled to
/// kQualityWidth pixels wide (so the figure does not depend on the camera's resolution);
/// exposure is the mean luma (0..255). Defaults and how they were chosen: docs/vision.md.
struct QualityThresholds {
    double minSharpness = 80.0;
    double minExposure = 45.0;
    double maxExposure = 215.0;
    /// Share of pixels at 250 or more above which the photo is refused as overexposed.
    double maxClipped = 0.25;
};

/// Width at which sharpness is measured.
inline constexpr int kQualityWidth = 640;

struct Quality {
    double sharpness = 0;
    double exposure = 0;
    double clipped = 0;   ///< share of pixels at 250 or more
    std::string refusal;  ///< empty when the gate passes, else too_blurry, too_dark, too_bright
};

/// Measures `frame` and applies `limits`.
[[nodiscard]] Quality assessQuality(const FrameView& frame, const QualityThresholds& limits);

/// Variance of the Laplacian of `frame`'s luma at kQualityWidth (the sharpness figure alone).
[[nodiscard]] double sharpnessOf(const FrameView& frame);

/// Index of the sharpest frame of `burst` (0 when empty).
[[nodiscard]] std::size_t sharpestOf(const std::vector<Frame>& burst);

/// Turns untrusted text (an order number or code as read) into a file-name part: ASCII letters,
/// digits and '-' kept, anything else becomes '_', at most `maxLength` characters, never empty
/// ("none"), never "." or "..".
[[nodiscard]] std::string fileNamePart(std::string_view text, std::size_t maxLength = 32);

/// What goes into the caption band and the file name.
struct PhotoRequest {
    std::string outDir;
    std::string order;  ///< may be empty (no-code refusal photos)
    std::string code;   ///< may be empty
    std::string station;
    PhotoRole role = PhotoRole::Overview;
    core::Timestamp takenAt{};
    int jpegQuality = 90;
    QualityThresholds limits;
    /// Decode the photo to see whether the order label is legible (`order_label_visible`).
    bool checkOrderLabel = true;
};

struct SavedPhoto {
    std::string path;      ///< final path (dir + name)
    std::string fileName;  ///< name only
    std::string sha256;    ///< lower-case hex of the JPEG file's bytes
    std::uint64_t bytes = 0;
    int width = 0;  ///< of the saved image (caption band included)
    int height = 0;
    Quality quality;
    bool orderLabelVisible = false;
    std::vector<std::string> codesSeen;  ///< texts decoded in the photo
};

/// The outcome of one photo: saved, or refused by the quality gate (quality.refusal).
struct PhotoOutcome {
    std::optional<SavedPhoto> saved;
    Quality quality;  ///< of the chosen frame
    [[nodiscard]] bool refused() const { return !saved.has_value(); }
};

/// Gate, caption, encode, hash and write `frame` durably into `req.outDir`. A refused frame
/// writes nothing. Errors: InvalidArgument (empty frame, bad directory), Io (write failed:
/// nothing is left under the final name). Thread-safe (no shared state).
[[nodiscard]] Result<PhotoOutcome> savePhoto(const FrameView& frame, const PhotoRequest& req,
                                             const Decoder* labelDecoder = nullptr);

/// Reads `burstSize` frames from `source`, keeps the sharpest and calls savePhoto().
/// Errors: as savePhoto, plus Io/NotFound from the source when it gives no frame at all.
[[nodiscard]] Result<PhotoOutcome> takePhoto(FrameSource& source, int burstSize,
                                             const PhotoRequest& req,
                                             const Decoder* labelDecoder = nullptr);

/// The caption savePhoto() burns into the band under the picture: "order N  code C  station
/// S  <UTC time>  <role>". Non-ASCII characters are shown as '?'.
[[nodiscard]] std::string captionText(const PhotoRequest& req);

/// Lower-case hex SHA-256 of `bytes` (the one implementation, in returnscan::digest).
using digest::sha256Hex;

/// Writes `bytes` as `dir/name` so that after a crash the name holds either nothing or all of
/// it: a temporary file in `dir`, fsync, rename over `name`, fsync of the directory. Errors: Io
/// (with errno text); the temporary file is removed on failure.
[[nodiscard]] Status writeFileDurably(const std::string& dir, const std::string& name,
                                      std::string_view bytes);

/// Removes temporary files a crash left in `dir` (names starting ".tmp-"); returns how many.
[[nodiscard]] Result<int> removeStaleTemporaries(const std::string& dir);

/// Test hook: writeFileDurably() calls `hook` after writing the temporary file and before the
/// fsync (a test SIGKILLs itself there). Null disables it. Not thread-safe.
void setWriteHookForTest(void (*hook)());

}  // namespace returnscan::vision
