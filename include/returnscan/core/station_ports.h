// SPDX-License-Identifier: Apache-2.0
// Ports of the station (src/station) towards devices: the camera that takes evidence photos and
// the scanner that beeps. Adapters: the kiosk's camera side (vision) and scanner feedback
// (firmware_if); tests use fakes. Standard library only.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "returnscan/core/receipt_store.h"
#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

/// The photo roles an operator may ask for (docs/ui-api.md).
inline constexpr std::array<std::string_view, 4> kPhotoRoles = {"overview", "label", "damage",
                                                                "contents"};
[[nodiscard]] constexpr bool isPhotoRole(std::string_view role)
{
    for (const auto r : kPhotoRoles) {
        if (r == role) {
            return true;
        }
    }
    return false;
}

/// One evidence photo the station asks for: of an open, decided parcel, captioned with these.
struct PhotoJob {
    std::string receiptId;
    std::string role;  ///< one of kPhotoRoles
    std::string order;
    std::string code;
    std::string station;
    Timestamp takenAt{};
};

/// What came of a PhotoJob: a file saved durably (`saved`, with the receipt id, hash, path,
/// size and whether the order label was read in it), or a refusal by the quality gate
/// (`refusal`: its word, e.g. "too_dark"; "refused" when the gate gave none).
struct PhotoTaken {
    std::optional<PhotoRecord> saved;
    std::string refusal;
};

/// Takes evidence photos. Thread-safe; take() may block for a burst of frames (seconds), so the
/// station calls it off its own thread (the kiosk does).
class PhotoCamera {
public:
    virtual ~PhotoCamera() = default;
    /// Errors: Io when the camera gives no frame or the file cannot be written.
    [[nodiscard]] virtual Result<PhotoTaken> take(const PhotoJob& job) = 0;
};

/// What a scanner signals after a decision (docs/firmware.md: good-read beep and green, or the
/// error beep and red).
enum class FeedbackCue { Good, Error };
[[nodiscard]] constexpr std::string_view toString(FeedbackCue cue)
{
    return cue == FeedbackCue::Good ? "good" : "error";
}

/// Scanner feedback. signal() must not block: adapters queue the commands.
class ScannerFeedbackPort {
public:
    virtual ~ScannerFeedbackPort() = default;
    /// `device` is the ScanEvent::device that read the code ("ui" for the page).
    virtual void signal(const std::string& device, FeedbackCue cue) = 0;
};

}  // namespace returnscan::core
