// SPDX-License-Identifier: Apache-2.0
// The kiosk's configuration file (TOML, toml++): every key, its default and its check are in
// docs/configuration.md. Unknown keys and bad values stop the start with file, line and key.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/code_format.h"
#include "returnscan/core/result.h"
#include "returnscan/core/session.h"
#include "returnscan/input/scanner.h"
#include "returnscan/ui/server.h"
#include "returnscan/vision/camera.h"
#include "returnscan/vision/photo.h"

namespace returnscan::app {

/// One configured scanner: how to read it, and whether decisions drive its beeper and LED.
struct ScannerEntry {
    input::ScannerConfig input;  ///< id, role, transport, path, protocol, layout, ...
    /// firmware_if protocol for feedback: "ssi", "honeywell", "hidpos" or "none".
    std::string feedback = "none";
};

/// One configured camera and what it is used for.
struct CameraEntry {
    vision::CameraConfig camera;  ///< source, id, role, width, height, fps, mjpg, exposure
    bool decode = true;           ///< read labels from its frames
    bool photos = true;           ///< take evidence photos with it
    bool preview = true;          ///< show it as the live preview (the first such camera)
};

struct SyncSettings {
    std::string centralUrl;  ///< empty: the kiosk never starts a sync (the systemd timer may)
    std::string tokenFile = "/etc/returnscan/central-token";
    std::string caFile;
    /// "HH:MM" UTC: the kiosk starts `returnscan sync --once` then each day. Empty: never.
    std::string dailyAt;
    bool allowInsecureHttp = false;
};

struct KioskConfig {
    std::string sourceFile;  ///< the file read ("" when built from defaults)

    // [station]
    std::string stationId = "station-1";
    bool stationIdSet = false;  ///< [station] id is in the file (stillToConfigure)
    std::string operatorId = "operator";
    std::string language = "en";  ///< "en" or "de": the page's default language

    // [storage]
    std::string database = "/var/lib/returnscan/returnscan.db";
    std::string photoDir = "/var/lib/returnscan/photos";

    // [codes]
    core::CodeFormats formats = core::CodeFormats::defaults();

    // [session]
    std::chrono::seconds abandonAfter{600};
    std::chrono::milliseconds dedupWindow{1500};

    // [photos]
    core::PhotoRules photoRules;
    vision::QualityThresholds quality;
    int burst = 5;
    int jpegQuality = 90;
    bool clip = false;  ///< record an inspection clip per accepted parcel
    std::chrono::seconds clipSeconds{10};

    // [[scanner]] and [[camera]]
    std::vector<ScannerEntry> scanners;
    std::vector<CameraEntry> cameras;

    // [sync]
    SyncSettings sync;

    // [ui]
    std::string listenHost = "127.0.0.1";
    int listenPort = 8080;
    std::vector<std::string> allowedHosts;
    std::vector<ui::SupervisorPin> supervisors;
    int maxPinTries = 5;
    std::chrono::seconds pinLockout{300};
};

/// Parses TOML text. `fileName` is used in messages. Errors (InvalidArgument) read
/// "FILE:LINE: KEY: what is wrong", e.g. "kiosk.toml:12: ui.listen: expected HOST:PORT": every
/// problem found, one per line in line order; a TOML syntax error alone, as
/// "FILE:LINE: syntax error: ...". Thread-safe (no shared state).
[[nodiscard]] Result<KioskConfig> parseConfig(std::string_view text, std::string_view fileName);

/// What a new installation still has to set before the station is in service: one item per
/// missing piece, naming its key, in file order: "[station] id", "[sync] central_url", "token
/// file PATH" (absent or unreadable). Empty for a configuration not read from a file (the demo,
/// tests). Looks at the token file's presence, nothing else on disk. Thread-safe.
[[nodiscard]] std::vector<std::string> stillToConfigure(const KioskConfig& cfg);

/// Reads and parses a file. Errors: NotFound / Io naming the file, or parseConfig's.
[[nodiscard]] Result<KioskConfig> loadConfig(const std::string& path);

}  // namespace returnscan::app
