// SPDX-License-Identifier: Apache-2.0
// The kiosk process: wiring. Threads: the station thread (a TaskThread that owns the store and
// the station; every change runs there, in order), the input loop, one capture-and-decode
// thread per camera, FIFO scanners, the web server's workers, the feedback thread, the demo
// player and the main thread (signals). Nothing but the station thread touches the store.
// What each piece does lives in its own file: station (src/station), HTTP controller
// (kiosk_http), cameras (vision::Camera) and photos (photo_camera), scanner feedback
// (kiosk_feedback), sync child (sync_runner) and its schedule (station/sync_schedule), device
// list (device_status), demo (demo_player), FIFO scanners (fifo_scanner).
#include "kiosk.h"

#include <signal.h>
#include <systemd/sd-daemon.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "demo_player.h"
#include "device_status.h"
#include "fifo_scanner.h"
#include "kiosk_feedback.h"
#include "kiosk_http.h"
#include "photo_camera.h"
#include "random_ids.h"
#include "read_router.h"
#include "returnscan/core/log.h"
#include "returnscan/firmware_if/channel.h"
#include "returnscan/firmware_if/driver.h"
#include "returnscan/input/scanner.h"
#include "returnscan/station/station.h"
#include "returnscan/station/sync_schedule.h"
#include "returnscan/store/store.h"
#include "returnscan/ui/server.h"
#include "returnscan/vision/capture.h"
#include "returnscan/vision/photo.h"
#include "returnscan/vision/synthetic.h"
#include "station_view.h"
#include "sync_runner.h"

namespace returnscan::app {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

Status makeDirectory(const std::string& dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot create directory " + dir + ": " + ec.message());
    }
    return {};
}

station::StationSettings settingsFrom(const KioskConfig& c)
{
    station::StationSettings s;
    s.station = c.stationId;
    s.operatorId = c.operatorId;
    s.language = c.language;
    s.formats = c.formats;
    s.rules = c.photoRules;
    s.abandonAfter = c.abandonAfter;
    return s;
}

/// The driver for a scanner's `feedback` word over its transport; null: none.
const firmware_if::Driver* feedbackDriver(const ScannerEntry& s)
{
    if (s.feedback == "none") {
        return nullptr;
    }
    const bool serial = s.input.transport == core::Transport::Serial;
    auto d = firmware_if::driverFor(serial ? "serial" : "hidraw",
                                    s.feedback == "hidpos" ? "generic" : s.feedback);
    return d ? d.value() : nullptr;
}

/// The whole kiosk. Constructed on the main thread; see runKioskService.
class Kiosk {
public:
    Kiosk(const KioskRun& run, store::SqliteStore& store, const core::Clock& clock)
        : run_(run),
          cfg_(run.config),
          store_(store),
          clock_(clock),
          feedback_([this](const FeedbackTarget& t) { return openFeedbackChannel(t); },
                    run.demoFeedback),
          station_(store, clock, ids_, settingsFrom(run.config), &feedback_),
          tasks_([this] { onTick(); }),
          router_(cfg_.dedupWindow, [this](const core::ScanEvent& e) { onRead(e); }),
          sync_(cfg_)
    {
        if (!cfg_.sync.dailyAt.empty()) {
            if (auto s = station::SyncSchedule::parse(cfg_.sync.dailyAt)) {
                schedule_ = s.value();
            }
        }
    }

    ~Kiosk() { shutdown(); }

    Status start()
    {
        if (auto st = makeDirectory(cfg_.photoDir); !st) {
            return st;
        }
        (void)vision::removeStaleTemporaries(cfg_.photoDir);
        // Cameras first: whether photos can be taken decides what a parcel needs.
        for (const auto& entry : cfg_.cameras) {
            auto cam = std::make_unique<vision::Camera>(
                entry.camera, vision::syntheticOpener(run_.syntheticControl), clock_,
                entry.decode ? router_.cameraSink() : vision::CameraReader::Sink{});
            cameras_.push_back(KioskCamera{entry, std::move(cam)});
        }
        vision::Camera* photoCamera = nullptr;
        for (auto& c : cameras_) {
            if (c.entry.photos && photoCamera == nullptr) {
                photoCamera = c.camera.get();
            }
            if (c.entry.preview && previewCamera_ == nullptr) {
                previewCamera_ = c.camera.get();
            }
        }
        photos_ = std::make_unique<KioskPhotoCamera>(
            photoCamera, PhotoSettings{cfg_.photoDir, cfg_.quality, cfg_.jpegQuality, cfg_.burst});
        station_.setCameraAvailable(photoCamera != nullptr);
        if (auto st = station_.resume(); !st) {
            return st;
        }
        for (const auto& s : cfg_.scanners) {
            const auto* driver = feedbackDriver(s);
            if (driver == nullptr) {
                continue;
            }
            // The input loop holds a serial line, and knows the node of a hidraw scanner it
            // found by vendor and product ID.
            feedback_.bind(s.input.id, FeedbackTarget{s.input.path, driver, s.input.id});
        }
        controller_ = std::make_unique<HttpController>(
            tasks_, station_, store_, *photos_, clock_,
            KioskHooks{[this] { publish(); },
                       [this] {
                           std::lock_guard lock(snapshotMutex_);
                           return snapshot_;
                       },
                       [this] { return startSync(); },
                       [this]() -> std::optional<std::string> {
                           return previewCamera_ != nullptr ? previewCamera_->previewJpeg()
                                                            : std::nullopt;
                       }});
        syncStatus_ = sync_.status(store_);
        setup_ = stillToConfigure(cfg_);
        publish();
        tasks_.start();
        for (auto& c : cameras_) {
            c.camera->start();
        }
        if (auto st = startScanners(); !st) {
            return st;
        }
        // After the input loop exists: the feedback thread opens channels through it.
        feedback_.start();
        for (std::size_t i = 0; i < run_.fifoScanners.size(); ++i) {
            const auto& path = run_.fifoScanners[i];
            auto id = run_.fifoScanners.size() == 1 ? std::string("fifo")
                                                    : "fifo-" + std::to_string(i + 1);
            auto fifo = std::make_unique<FifoScanner>(path, id, router_, clock_);
            if (auto st = fifo->start(); !st) {
                return st;
            }
            fifos_.push_back(std::move(fifo));
        }
        ui::ServerOptions so;
        so.host = cfg_.listenHost;
        so.port = cfg_.listenPort;
        so.allowedHosts = cfg_.allowedHosts;
        so.supervisors = cfg_.supervisors;
        so.maxPinTries = cfg_.maxPinTries;
        so.pinLockout = cfg_.pinLockout;
        so.enableEcho = std::getenv("RETURNSCAN_UI_ECHO") != nullptr;
        so.clock = &clock_;
        auto server = ui::Server::start(so, *controller_);
        if (!server) {
            return std::move(server).takeError();
        }
        // The station thread already runs and reads server_ (publish): hand the server over on
        // that thread, so the write and its reads are ordered (ThreadSanitizer found the race).
        tasks_.call([&] { server_ = std::move(server).value(); });
        if (!run_.demoSteps.empty()) {
            demo_ = std::make_unique<DemoPlayer>(
                run_.demoSteps,
                [this](std::string_view name, const json& body) {
                    return controller_->act(name, body, {});
                },
                [this](const core::ScanEvent& ev) { router_.submit(ev); }, clock_, std::cout,
                std::chrono::milliseconds(run_.paceMs));
            demo_->start();
        }
        return {};
    }

    [[nodiscard]] std::string url() const { return server_ ? server_->url() : std::string(); }

    void shutdown()
    {
        if (stopped_.exchange(true)) {
            return;
        }
        stopping_ = true;
        if (demo_) {
            demo_->stop();
        }
        if (server_) {
            server_->stop();
        }
        for (auto& f : fifos_) {
            f->stop();
        }
        if (inputThread_.joinable()) {
            inputThread_.join();
        }
        for (auto& c : cameras_) {
            c.camera->stop();
        }
        feedback_.stop();
        tasks_.stop();
    }

private:
    Status startScanners()
    {
        if (cfg_.scanners.empty()) {
            return {};
        }
        input::LoopOptions lo;
        lo.dedupWindow = cfg_.dedupWindow;
        inputLoop_ = std::make_unique<input::InputLoop>(clock_, router_, lo);
        for (const auto& s : cfg_.scanners) {
            input::ScannerConfig in = s.input;
            // Its menu replies must not be taken for reads (docs/input.md).
            in.honeywellReplies = s.feedback == "honeywell" &&
                                  in.transport == core::Transport::Serial &&
                                  in.protocol == input::SerialProtocol::Plain;
            if (auto st = inputLoop_->addDevice(std::move(in)); !st) {
                return makeError(st.error().code,
                                 "scanner " + s.input.id + ": " + st.error().message);
            }
        }
        if (auto st = inputLoop_->watchHotplug(); !st) {
            core::Logger(core::LogCategory::Input)
                .warning("no hotplug events (" + st.error().message +
                         "); unplugged scanners are still reopened with backoff");
        }
        inputThread_ = std::thread([this] {
            while (!stopping_) {
                (void)inputLoop_->runOnce(200ms);
            }
        });
        return {};
    }

    /// Feedback thread: a serial scanner's line is held by the input loop (TIOCEXCL), so its
    /// commands and replies go through the loop; a hidraw node is opened a second time, at
    /// the node the loop has open now (a scanner configured by ID, or replugged elsewhere).
    Result<std::unique_ptr<firmware_if::Channel>> openFeedbackChannel(const FeedbackTarget& t)
    {
        if (t.inputDevice.empty() || inputLoop_ == nullptr) {
            if (t.path.empty()) {
                return makeError(ErrorCode::Io, "the scanner's node is not known yet");
            }
            return t.driver->hid ? firmware_if::openHidrawChannel(t.path)
                                 : firmware_if::openSerialChannel(t.path);
        }
        if (!t.driver->hid) {
            return inputLoop_->openChannel(t.inputDevice);
        }
        auto node = inputLoop_->currentNode(t.inputDevice);
        if (!node) {
            return std::move(node).takeError();
        }
        return firmware_if::openHidrawChannel(*node);
    }

    void onRead(const core::ScanEvent& e)
    {
        tasks_.post([this, e] {
            (void)station_.onScan(e);
            publish();
        });
    }

    /// Station thread: the snapshot the UI reads, published to the SSE clients.
    void publish(std::optional<json> devices = std::nullopt)
    {
        if (run_.onOpenOrder) {
            run_.onOpenOrder(station_.openOrder());
        }
        json j = stateJson(station_.view());
        j["devices"] = devices ? std::move(*devices) : devicesNow();
        j["sync"] = syncStatus_;
        j["setup"] = setup_;  // a new installation: what is still to be set
        {
            std::lock_guard lock(snapshotMutex_);
            snapshot_ = j;
        }
        if (server_) {
            server_->publish("state", j);
        }
    }

    json devicesNow() const
    {
        std::vector<CameraStatus> cams;
        for (const auto& c : cameras_) {
            const auto& cfg = c.entry.camera;
            cams.push_back(
                {cfg.id, cfg.role, std::string(vision::toString(c.camera->state())), cfg.source});
        }
        return devicesJson(cfg_.scanners, router_,
                           ExtraScanners{run_.fifoScanners, !run_.demoSteps.empty()}, cams);
    }

    /// Station thread.
    station::ActionResult startSync()
    {
        auto r = sync_.start();
        if (r.ok()) {
            syncStatus_ = sync_.status(store_);
            publish();
        }
        return r;
    }

    /// Station thread, about once a second.
    void onTick()
    {
        bool changed = station_.tick();
        if (sync_.poll()) {
            changed = true;
        }
        const auto now = clock_.now();
        if (schedule_ && !sync_.running() && schedule_->due(now)) {
            schedule_->take(now);
            if (auto r = startSync(); !r.ok()) {
                core::Logger(core::LogCategory::Sync)
                    .error("the nightly sync did not start: " + r.message,
                           {.fields = {{"reason", r.reason}}});
            }
        }
        if (++ticks_ % 5 == 0 || changed) {
            syncStatus_ = sync_.status(store_);
            setup_ = stillToConfigure(cfg_);  // checks the token file: not on every publish
        }
        json devices = devicesNow();
        if (changed || devices != lastDevices_ || ticks_ % 5 == 0) {
            lastDevices_ = devices;
            publish(std::move(devices));
        }
        watchdog();
    }

    void watchdog()
    {
        std::uint64_t usec = 0;
        if (::sd_watchdog_enabled(0, &usec) <= 0) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastWatchdog_ >= std::chrono::microseconds(usec / 2)) {
            ::sd_notify(0, "WATCHDOG=1");
            lastWatchdog_ = now;
        }
    }

    const KioskRun& run_;
    const KioskConfig& cfg_;
    store::SqliteStore& store_;
    const core::Clock& clock_;
    RandomIds ids_;
    FeedbackService feedback_;
    station::Station station_;
    TaskThread tasks_;
    ReadRouter router_;
    SyncRunner sync_;
    std::optional<station::SyncSchedule> schedule_;
    /// A configured camera and what it is used for.
    struct KioskCamera {
        CameraEntry entry;
        std::unique_ptr<vision::Camera> camera;
    };
    std::vector<KioskCamera> cameras_;
    vision::Camera* previewCamera_ = nullptr;
    std::unique_ptr<KioskPhotoCamera> photos_;
    std::unique_ptr<HttpController> controller_;
    std::unique_ptr<input::InputLoop> inputLoop_;
    std::thread inputThread_;
    std::vector<std::unique_ptr<FifoScanner>> fifos_;
    std::unique_ptr<ui::Server> server_;
    std::unique_ptr<DemoPlayer> demo_;
    std::mutex snapshotMutex_;
    json snapshot_;
    json syncStatus_ = json::object();
    std::vector<std::string> setup_;  ///< stillToConfigure(), refreshed with the sync status
    json lastDevices_;
    std::uint64_t ticks_ = 0;
    std::chrono::steady_clock::time_point lastWatchdog_{};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> stopped_{false};
};

}  // namespace

int runKioskService(const KioskRun& run)
{
    const auto& cfg = run.config;
    // Signals are taken by the main thread only: block them before any thread starts.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    const auto dbDir = std::filesystem::path(cfg.database).parent_path();
    if (!dbDir.empty()) {
        if (auto st = makeDirectory(dbDir.string()); !st) {
            std::cerr << "returnscan: " << st.error().message << '\n';
            return 2;
        }
    }
    core::SystemClock clock;
    store::OpenOptions oo;
    oo.path = cfg.database;
    auto store = store::SqliteStore::open(oo);
    if (!store) {
        std::cerr << "returnscan: cannot open the database " << cfg.database << ": "
                  << store.error().message << '\n';
        return 2;
    }
    Kiosk kiosk(run, *store.value(), clock);
    if (auto st = kiosk.start(); !st) {
        std::cerr << "returnscan: the kiosk cannot start: " << st.error().message << '\n';
        kiosk.shutdown();
        return 2;
    }
    std::cout << "returnscan: UI at " << kiosk.url() << std::endl;
    const std::string status = "STATUS=Serving " + kiosk.url();
    ::sd_notify(0, ("READY=1\n" + status).c_str());

    timespec wait{0, 200'000'000};
    for (;;) {
        siginfo_t info{};
        const int sig = ::sigtimedwait(&sigs, &info, &wait);
        if (sig == SIGTERM || sig == SIGINT) {
            break;
        }
        if (run.stop != nullptr && run.stop->load()) {
            break;
        }
    }
    ::sd_notify(0, "STOPPING=1");
    std::cout << "returnscan: stopping" << std::endl;
    kiosk.shutdown();
    return 0;
}

}  // namespace returnscan::app
