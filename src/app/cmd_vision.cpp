// SPDX-License-Identifier: Apache-2.0
// The vision module's commands: `decode` (images and video files) and `photo` (evidence).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "cli.h"
#include "commands.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/code_format.h"
#include "returnscan/store/store.h"
#include "returnscan/vision/camera.h"
#include "returnscan/vision/clip.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/photo.h"

namespace returnscan::app {
namespace {

// Keys in the documented order ("file" first), not sorted.
using json = nlohmann::ordered_json;

std::string dump(const json& j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string stationName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0') {
        return buf;
    }
    return "station";
}

// ---------------------------------------------------------------------------------------------
// decode

struct DecodeArgs {
    std::vector<std::string> files;
    std::string formats;
    std::string effort = "thorough";
    bool json = false;
};

json codesJson(const std::vector<vision::DecodedCode>& codes)
{
    json list = json::array();
    for (const auto& c : codes) {
        list.push_back({{"text", c.text},
                        {"format", std::string(vision::toString(c.symbol))},
                        {"aim", c.aim}});
    }
    return list;
}

void printCodes(const DecodeArgs& a, const std::string& name,
                const std::vector<vision::DecodedCode>& codes)
{
    if (a.json) {
        std::cout << dump({{"file", name}, {"barcodes", codesJson(codes)}}) << '\n';
        return;
    }
    if (codes.empty()) {
        std::cout << core::displaySafe(name) << ": no barcode\n";
    }
    for (const auto& c : codes) {
        std::cout << core::displaySafe(name) << ": " << vision::toString(c.symbol) << ' '
                  << core::displaySafe(c.text) << '\n';
    }
}

void printFileError(const DecodeArgs& a, const std::string& file, const std::string& message)
{
    std::cerr << "returnscan: decode: " << core::displaySafe(file) << ": " << message << '\n';
    if (a.json) {
        std::cout << dump({{"file", file}, {"error", message}}) << '\n';
    }
}

/// Outcome of one file: read or not, and how many codes it held.
struct FileResult {
    bool readable = false;
    std::size_t codes = 0;
};

FileResult decodeFile(const DecodeArgs& a, const vision::Decoder& decoder, const std::string& file)
{
    auto kind = vision::classifySource(file);
    if (!kind) {
        printFileError(a, file, kind.error().message);
        return {};
    }
    if (*kind == vision::SourceKind::ImageFolder) {
        printFileError(a, file, "is a directory");
        return {};
    }
    if (*kind == vision::SourceKind::V4l2 || *kind == vision::SourceKind::Stream) {
        printFileError(a, file, "not a file (use a camera command for devices and streams)");
        return {};
    }
    if (*kind == vision::SourceKind::ImageFile) {
        auto frame = vision::readImageFile(file);
        if (!frame) {
            printFileError(a, file, frame.error().message);
            return {};
        }
        auto codes = decoder.decode(frame->view());
        if (!codes) {
            printFileError(a, file, codes.error().message);
            return {};
        }
        printCodes(a, file, *codes);
        return {true, codes->size()};
    }
    // A video file: one line (or object) per frame that holds codes, named file#N (0-based).
    vision::CameraConfig config;
    config.source = file;
    auto source = vision::openSource(config);
    if (!source) {
        printFileError(a, file, "not a readable image or video: " + source.error().message);
        return {};
    }
    FileResult result;
    for (;;) {
        auto frame = (*source)->read();
        if (!frame) {
            if (frame.error().code != ErrorCode::NotFound) {
                printFileError(a, file, frame.error().message);
            }
            break;
        }
        result.readable = true;
        auto codes = decoder.decode(frame->view());
        if (!codes) {
            printFileError(a, file + "#" + std::to_string(frame->sequence), codes.error().message);
            continue;
        }
        if (!codes->empty()) {
            printCodes(a, file + "#" + std::to_string(frame->sequence), *codes);
            result.codes += codes->size();
        }
    }
    if (!result.readable) {
        printFileError(a, file, "not a readable image or video (no frame decoded)");
    } else if (result.codes == 0 && !a.json) {
        std::cout << core::displaySafe(file) << ": no barcode\n";
    }
    return result;
}

int runDecode(const DecodeArgs& a)
{
    vision::DecodeOptions options;
    if (!a.formats.empty()) {
        auto s = vision::parseSymbols(a.formats);
        if (!s) {
            std::cerr << "returnscan: --formats: " << s.error().message << '\n';
            return kExitUsage;
        }
        options.symbols = *s;
    }
    if (a.effort == "fast") {
        options.effort = vision::Effort::Fast;
    } else if (a.effort == "balanced") {
        options.effort = vision::Effort::Balanced;
    } else {
        options.effort = vision::Effort::Thorough;
    }
    options.maxSymbols = 32;
    const vision::Decoder decoder(options);
    bool allReadable = true;
    std::size_t codes = 0;
    for (const auto& f : a.files) {
        const FileResult r = decodeFile(a, decoder, f);
        allReadable = allReadable && r.readable;
        codes += r.codes;
    }
    if (!allReadable) {
        return kExitUsage;
    }
    return codes > 0 ? kExitOk : kExitRefused;
}

// ---------------------------------------------------------------------------------------------
// photo

/// Creates `dir` when absent and removes temporaries an earlier crash left there (they were
/// never referenced). False (message printed) when it cannot be created.
bool prepareOutDir(const std::string& dir)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            std::cerr << "returnscan: --out: cannot create " << dir << ": " << ec.message() << '\n';
            return false;
        }
    }
    (void)vision::removeStaleTemporaries(dir);
    return true;
}

/// The store holding `receipt`, checked before anything is captured: an unknown receipt would
/// leave an unreferenced file. Null (message printed) on any problem.
std::unique_ptr<store::SqliteStore> storeForReceipt(const Globals& g, const std::string& receipt)
{
    std::error_code ec;
    if (!std::filesystem::exists(g.db, ec)) {
        std::cerr << "returnscan: --receipt: no database at " << g.db << '\n';
        return nullptr;
    }
    auto opened = store::SqliteStore::open({g.db});
    if (!opened) {
        std::cerr << "returnscan: " << opened.error().message << '\n';
        return nullptr;
    }
    auto found = (*opened)->findReceipt(receipt);
    if (!found || !*found) {
        std::cerr << "returnscan: --receipt: no receipt " << core::displaySafe(receipt)
                  << (found ? "" : ": " + found.error().message) << '\n';
        return nullptr;
    }
    return std::move(opened).value();
}

struct PhotoArgs {
    std::string camera;
    std::string out;
    std::string order;
    std::string code;
    std::string role = "overview";
    std::string station;
    std::string receipt;
    int burst = 5;
    int quality = 90;
    double minSharpness = vision::QualityThresholds{}.minSharpness;
    double minExposure = vision::QualityThresholds{}.minExposure;
    double maxExposure = vision::QualityThresholds{}.maxExposure;
    bool noLabelCheck = false;
    bool json = false;
};

int runPhoto(const Globals& g, const PhotoArgs& a)
{
    auto role = vision::parsePhotoRole(a.role);
    if (!role) {
        std::cerr << "returnscan: --role: " << role.error().message << '\n';
        return kExitUsage;
    }
    std::error_code ec;
    if (!prepareOutDir(a.out)) {
        return kExitUsage;
    }
    std::unique_ptr<store::SqliteStore> db;
    if (!a.receipt.empty() && !(db = storeForReceipt(g, a.receipt))) {
        return kExitUsage;
    }

    vision::CameraConfig config;
    config.source = a.camera;
    auto source = vision::openSource(config);
    if (!source) {
        std::cerr << "returnscan: --camera: " << source.error().message << '\n';
        return kExitUsage;
    }
    core::SystemClock clock;
    vision::PhotoRequest req;
    req.outDir = a.out;
    req.order = a.order;
    req.code = a.code;
    req.station = a.station.empty() ? stationName() : a.station;
    req.role = *role;
    req.takenAt = clock.now();
    req.jpegQuality = a.quality;
    req.limits.minSharpness = a.minSharpness;
    req.limits.minExposure = a.minExposure;
    req.limits.maxExposure = a.maxExposure;
    req.checkOrderLabel = !a.noLabelCheck;
    auto outcome = vision::takePhoto(**source, a.burst, req);
    if (!outcome) {
        std::cerr << "returnscan: photo: " << outcome.error().message << '\n';
        return kExitUsage;
    }
    const auto& q = outcome->quality;
    if (outcome->refused()) {
        if (a.json) {
            std::cout << dump({{"refused", true},
                               {"reason", q.refusal},
                               {"sharpness", q.sharpness},
                               {"exposure", q.exposure},
                               {"clipped", q.clipped}})
                      << '\n';
        } else {
            std::cout << "refused (" << q.refusal << "): sharpness " << q.sharpness << ", exposure "
                      << q.exposure << "; nothing was saved\n";
        }
        return kExitRefused;
    }
    const auto& p = *outcome->saved;
    if (db) {
        store::PhotoRecord rec;
        rec.receiptId = a.receipt;
        rec.sha256 = p.sha256;
        rec.role = std::string(vision::toString(*role));
        rec.path = std::filesystem::absolute(p.path, ec).string();
        rec.takenAt = req.takenAt;
        rec.bytes = static_cast<std::int64_t>(p.bytes);
        rec.width = p.width;
        rec.height = p.height;
        rec.orderLabelVisible = p.orderLabelVisible;
        if (auto st = db->insertPhoto(rec); !st) {
            std::cerr << "returnscan: the photo is saved at " << p.path
                      << " but was not recorded: " << st.error().message << '\n';
            return kExitUsage;
        }
    }
    if (a.json) {
        std::cout << dump({{"path", p.path},
                           {"file", p.fileName},
                           {"sha256", p.sha256},
                           {"bytes", p.bytes},
                           {"width", p.width},
                           {"height", p.height},
                           {"sharpness", q.sharpness},
                           {"exposure", q.exposure},
                           {"order_label_visible", p.orderLabelVisible},
                           {"codes_seen", p.codesSeen},
                           {"role", vision::toString(*role)},
                           {"order", a.order.empty() ? json(nullptr) : json(a.order)},
                           {"code", a.code.empty() ? json(nullptr) : json(a.code)},
                           {"station", req.station},
                           {"taken_at", core::formatRfc3339(req.takenAt)},
                           {"receipt_id", a.receipt.empty() ? json(nullptr) : json(a.receipt)}})
                  << '\n';
    } else {
        std::cout << "saved " << p.path << "\n  sha256:     " << p.sha256
                  << "\n  size:       " << p.width << "x" << p.height << ", " << p.bytes
                  << " bytes\n  sharpness:  " << q.sharpness << "\n  exposure:   " << q.exposure
                  << "\n  order label visible: " << (p.orderLabelVisible ? "yes" : "no") << '\n';
    }
    return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// clip

struct ClipArgs {
    std::string camera;
    std::string out;
    std::string order;
    std::string receipt;
    double seconds = 10;
    double fps = 10;
    int maxWidth = 1280;
    bool json = false;
};

int runClip(const Globals& g, const ClipArgs& a)
{
    if (!prepareOutDir(a.out)) {
        return kExitUsage;
    }
    std::unique_ptr<store::SqliteStore> db;
    if (!a.receipt.empty() && !(db = storeForReceipt(g, a.receipt))) {
        return kExitUsage;
    }
    vision::CameraConfig config;
    config.source = a.camera;
    auto source = vision::openSource(config);
    if (!source) {
        std::cerr << "returnscan: --camera: " << source.error().message << '\n';
        return kExitUsage;
    }
    core::SystemClock clock;
    const core::Timestamp takenAt = clock.now();
    auto first = (*source)->read();
    if (!first) {
        std::cerr << "returnscan: --camera: " << first.error().message << '\n';
        return kExitUsage;
    }
    // Clips are evidence to look at, not to measure: at most maxWidth wide keeps a 10 s clip
    // small enough for the nightly upload.
    int width = first->width();
    int height = first->height();
    if (width > a.maxWidth) {
        height = height * a.maxWidth / width;
        width = a.maxWidth;
    }
    width -= width % 2;  // MJPEG wants even sizes
    height -= height % 2;
    std::random_device rd;
    char suffix[9];
    std::snprintf(suffix, sizeof suffix, "%08x", rd());
    std::string stamp = core::formatRfc3339(takenAt);
    stamp.erase(
        std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
        stamp.end());
    const std::string name =
        stamp + "_" + vision::fileNamePart(a.order) + "_inspection_" + suffix + ".avi";
    auto clip = vision::InspectionClip::start(a.out, name, width, height, a.fps);
    if (!clip) {
        std::cerr << "returnscan: clip: " << clip.error().message << '\n';
        return kExitUsage;
    }
    const int maxFrames = std::max(1, static_cast<int>(a.seconds * a.fps + 0.5));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int>(a.seconds * 1000));
    std::optional<vision::Frame> frame = std::move(first).value();
    int frames = 0;
    while (frame && frames < maxFrames) {
        if (auto st = (*clip)->add(frame->view()); !st) {
            std::cerr << "returnscan: clip: " << st.error().message << '\n';
            return kExitUsage;
        }
        ++frames;
        if (std::chrono::steady_clock::now() >= deadline) {
            break;  // a live camera: the clip covers the asked time
        }
        auto next = (*source)->read();
        frame = next ? std::optional<vision::Frame>(std::move(next).value()) : std::nullopt;
    }
    auto saved = (*clip)->finish();
    if (!saved) {
        std::cerr << "returnscan: clip: " << saved.error().message << '\n';
        return kExitUsage;
    }
    if (db) {
        store::PhotoRecord rec;
        rec.receiptId = a.receipt;
        rec.sha256 = saved->sha256;
        rec.role = "inspection_video";
        std::error_code ec;
        rec.path = std::filesystem::absolute(saved->path, ec).string();
        rec.takenAt = takenAt;
        rec.bytes = static_cast<std::int64_t>(saved->bytes);
        rec.width = saved->width;
        rec.height = saved->height;
        if (auto st = db->insertPhoto(rec); !st) {
            std::cerr << "returnscan: the clip is saved at " << saved->path
                      << " but was not recorded: " << st.error().message << '\n';
            return kExitUsage;
        }
    }
    if (a.json) {
        std::cout << dump({{"path", saved->path},
                           {"sha256", saved->sha256},
                           {"bytes", saved->bytes},
                           {"width", saved->width},
                           {"height", saved->height},
                           {"frames", saved->frames},
                           {"fps", a.fps},
                           {"taken_at", core::formatRfc3339(takenAt)},
                           {"receipt_id", a.receipt.empty() ? json(nullptr) : json(a.receipt)}})
                  << '\n';
    } else {
        std::cout << "saved " << saved->path << " (" << saved->frames << " frames, " << saved->width
                  << "x" << saved->height << ", sha256 " << saved->sha256 << ")\n";
    }
    return kExitOk;
}

}  // namespace

void addVisionCommands(CLI::App& app, const Globals& globals, int& status)
{
    // The options bind to these; the callbacks own them (they run after this returns).
    auto decArgs = std::make_shared<DecodeArgs>();
    DecodeArgs& dec = *decArgs;
    auto* decode = app.add_subcommand(
        "decode",
        "Decode barcodes in image and video files: one line (--json: one object) per image and "
        "per video frame holding codes, video frames named FILE#N (N from 0). Exit 0 codes found, "
        "1 no code in any file, 2 a file could not be read (the others are still decoded) or a "
        "usage error.");
    decode->add_option("FILE", dec.files, "Image or video files")->required();
    decode->add_flag("--json", dec.json,
                     "One JSON object per image or frame: {\"file\", \"barcodes\": [{\"text\", "
                     "\"format\", \"aim\"}]}; an unreadable file gives {\"file\", \"error\"}");
    decode->add_option("--formats", dec.formats,
                       "Comma-separated formats (Code128, QRCode, DataMatrix, EAN-13, ...; "
                       "groups linear, matrix, station, all); default: station");
    decode->add_option("--effort", dec.effort, "fast, balanced or thorough (default thorough)")
        ->check(CLI::IsMember({"fast", "balanced", "thorough"}));
    decode->callback([decArgs, &status] { status = runDecode(*decArgs); });

    auto photoArgs = std::make_shared<PhotoArgs>();
    PhotoArgs& ph = *photoArgs;
    auto* photo = app.add_subcommand(
        "photo",
        "Take an evidence photo: a burst, the sharpest frame, a quality gate, a caption band "
        "(order, code, station, UTC time), a durable JPEG named by time, order and hash. Exit 0 "
        "saved, 1 refused by the quality gate (reason given), 2 error.");
    photo
        ->add_option("--camera", ph.camera,
                     "Camera: /dev/videoN, an index, rtsp:// or http:// URL, a video file, an "
                     "image or a folder of images")
        ->required();
    photo->add_option("--out", ph.out, "Directory for the photo (created when absent)")->required();
    photo->add_option("--order", ph.order, "Order number for the caption and file name");
    photo->add_option("--code", ph.code, "Return code for the caption");
    photo->add_option("--role", ph.role, "overview, label, damage or contents")
        ->check(CLI::IsMember({"overview", "label", "damage", "contents"}));
    photo->add_option("--station", ph.station, "Station id (env RETURNSCAN_STATION)")
        ->envname("RETURNSCAN_STATION");
    photo->add_option("--receipt", ph.receipt,
                      "Record the photo against this receipt in the database (--db)");
    photo->add_option("--burst", ph.burst, "Frames in the burst (default 5)")
        ->check(CLI::Range(1, 30));
    photo->add_option("--jpeg-quality", ph.quality, "JPEG quality 50..100 (default 90)")
        ->check(CLI::Range(50, 100));
    photo->add_option("--min-sharpness", ph.minSharpness,
                      "Refuse below this variance of the Laplacian (default 80)");
    photo->add_option("--min-exposure", ph.minExposure, "Refuse below this mean luma (45)");
    photo->add_option("--max-exposure", ph.maxExposure, "Refuse above this mean luma (215)");
    photo->add_flag("--no-label-check", ph.noLabelCheck,
                    "Do not decode the photo to check that the order label is legible");
    photo->add_flag("--json", ph.json,
                    "One JSON object: path, sha256, width, height, sharpness, exposure, "
                    "order_label_visible, ... (refusal: refused, reason)");
    photo->callback([photoArgs, &globals, &status] { status = runPhoto(globals, *photoArgs); });

    auto clipArgs = std::make_shared<ClipArgs>();
    ClipArgs& cl = *clipArgs;
    auto* clip = app.add_subcommand(
        "clip",
        "Record an inspection video clip (MJPEG AVI) written durably like a photo, optionally "
        "recorded against a receipt (role inspection_video). Exit 0 saved, 2 error.");
    clip->add_option("--camera", cl.camera, "Camera, video file or image folder (as for photo)")
        ->required();
    clip->add_option("--out", cl.out, "Directory for the clip (created when absent)")->required();
    clip->add_option("--seconds", cl.seconds, "Length (default 10)")->check(CLI::Range(0.1, 120.0));
    clip->add_option("--fps", cl.fps, "Frame rate of the clip (default 10)")
        ->check(CLI::Range(1.0, 60.0));
    clip->add_option("--order", cl.order, "Order number for the file name");
    clip->add_option("--receipt", cl.receipt,
                     "Record the clip against this receipt in the database (--db)");
    clip->add_flag("--json", cl.json,
                   "One JSON object: path, sha256, bytes, width, height, frames");
    clip->callback([clipArgs, &globals, &status] { status = runClip(globals, *clipArgs); });
}

}  // namespace returnscan::app
