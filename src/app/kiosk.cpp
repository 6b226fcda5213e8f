// SPDX-License-Identifier: Apache-2.0
// The kiosk process. Threads: the station thread (owns the store and the parcel session; every
// change runs there, in order), the input loop, one capture-and-decode thread per camera, FIFO
// scanners, the web server's workers, a feedback thread, the demo player and the main thread
// (signals). Nothing but the station thread touches the store.
#include "kiosk.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "feedback.h"
#include "read_router.h"
#include "returnscan/core/aim.h"
#include "returnscan/firmware_if/channel.h"
#include "returnscan/firmware_if/driver.h"
#include "returnscan/input/scanner.h"
#include "returnscan/store/receipt_json.h"
#include "returnscan/store/store.h"
#include "returnscan/ui/server.h"
#include "returnscan/vision/capture.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/photo.h"
#include "returnscan/vision/preview.h"
#include "returnscan/vision/synthetic.h"
#include "station.h"

extern char** environ;

namespace returnscan::app {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

class RandomIds final : public core::IdSource {
public:
    std::string newId() override
    {
        std::lock_guard lock(mutex_);
        std::array<std::uint8_t, 16> b{};
        for (auto& x : b) {
            x = static_cast<std::uint8_t>(rng_());
        }
        return core::uuidV4FromBytes(b);
    }

private:
    std::mutex mutex_;
    std::random_device rd_;
    std::mt19937_64 rng_{(static_cast<std::uint64_t>(rd_()) << 32) ^ rd_()};
};

/// A thread that runs posted tasks in order, and `tick` about once a second.
class TaskThread {
public:
    explicit TaskThread(std::function<void()> tick) : tick_(std::move(tick)) {}
    ~TaskThread() { stop(); }

    void start()
    {
        thread_ = std::thread([this] { run(); });
    }

    void post(std::function<void()> task)
    {
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(task));
        }
        cv_.notify_one();
    }

    /// Runs `f` on the thread and waits for its result.
    template <class F>
    auto call(F f) -> decltype(f())
    {
        auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
        auto future = task->get_future();
        post([task] { (*task)(); });
        return future.get();
    }

    void stop()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    void run()
    {
        auto nextTick = std::chrono::steady_clock::now() + 1s;
        std::unique_lock lock(mutex_);
        for (;;) {
            cv_.wait_until(lock, nextTick, [&] { return stopping_ || !tasks_.empty(); });
            if (!tasks_.empty()) {
                auto task = std::move(tasks_.front());
                tasks_.pop_front();
                lock.unlock();
                task();
                lock.lock();
                continue;
            }
            if (stopping_) {
                return;
            }
            if (std::chrono::steady_clock::now() >= nextTick) {
                lock.unlock();
                if (tick_) {
                    tick_();
                }
                lock.lock();
                nextTick = std::chrono::steady_clock::now() + 1s;
            }
        }
    }

    std::function<void()> tick_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

/// One camera: takes the newest frame, keeps it for photos and the preview, and decodes it.
class CameraHub {
public:
    CameraHub(const CameraEntry& entry, vision::SourceOpener opener, const core::Clock& clock,
              ReadRouter* router)
        : entry_(entry),
          grabber_(entry.camera, std::move(opener)),
          clock_(clock),
          router_(entry.decode ? router : nullptr)
    {
    }
    ~CameraHub() { stop(); }

    void start()
    {
        grabber_.start();
        thread_ = std::thread([this] { run(); });
    }

    void stop()
    {
        stopping_ = true;
        cv_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
        grabber_.stop();
    }

    /// The next `n` frames (fewer when the camera stops delivering within `timeout`).
    std::vector<vision::Frame> burst(int n, std::chrono::milliseconds timeout)
    {
        std::vector<vision::Frame> out;
        std::unique_lock lock(mutex_);
        auto seen = seq_;
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (static_cast<int>(out.size()) < n) {
            if (!cv_.wait_until(lock, until, [&] { return stopping_ || seq_ != seen; }) ||
                stopping_) {
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

    /// The newest frame as a JPEG for the preview (re-encoded at most every 150 ms).
    std::optional<std::string> previewJpeg()
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

    [[nodiscard]] const CameraEntry& entry() const { return entry_; }

    /// ok when a frame arrived in the last 5 s.
    [[nodiscard]] std::string stateWord() const
    {
        std::lock_guard lock(mutex_);
        if (!latest_) {
            return "absent";
        }
        return std::chrono::steady_clock::now() - latestAt_ < 5s ? "ok" : "error";
    }

private:
    void run()
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

    CameraEntry entry_;
    vision::FrameGrabber grabber_;
    const core::Clock& clock_;
    ReadRouter* router_;
    vision::Decoder decoder_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::shared_ptr<const vision::Frame> latest_;
    std::chrono::steady_clock::time_point latestAt_{};
    std::uint64_t seq_ = 0;
    std::string preview_;
    std::uint64_t previewSeq_ = 0;
    std::chrono::steady_clock::time_point previewAt_{};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

/// A FIFO read as a scanner: one scan per line. Opened read-write so that writers may come and
/// go without an end of file. Lines over kMaxLine bytes are dropped whole.
class FifoScanner {
public:
    static constexpr std::size_t kMaxLine = 4096;

    FifoScanner(std::string path, std::string id, ReadRouter& router, const core::Clock& clock)
        : path_(std::move(path)), id_(std::move(id)), router_(router), clock_(clock)
    {
    }
    ~FifoScanner() { stop(); }

    Status start()
    {
        struct stat sb {};
        if (::stat(path_.c_str(), &sb) != 0) {
            if (::mkfifo(path_.c_str(), 0660) != 0) {
                return makeError(ErrorCode::Io,
                                 "cannot create FIFO " + path_ + ": " + std::strerror(errno));
            }
        } else if (!S_ISFIFO(sb.st_mode)) {
            return makeError(ErrorCode::InvalidArgument, path_ + " exists and is not a FIFO");
        }
        fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd_ < 0) {
            return makeError(ErrorCode::Io, "cannot open " + path_ + ": " + std::strerror(errno));
        }
        thread_ = std::thread([this] { run(); });
        return {};
    }

    void stop()
    {
        stopping_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    void run()
    {
        std::string line;
        bool overlong = false;
        char buf[4096];
        while (!stopping_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) {
                continue;
            }
            const auto n = ::read(fd_, buf, sizeof buf);
            if (n <= 0) {
                continue;
            }
            for (ssize_t i = 0; i < n; ++i) {
                const char c = buf[i];
                if (c == '\n') {
                    if (!overlong) {
                        deliver(line);
                    }
                    line.clear();
                    overlong = false;
                } else if (line.size() < kMaxLine) {
                    line.push_back(c);
                } else {
                    overlong = true;
                }
            }
        }
    }

    void deliver(std::string line)
    {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty()) {
            return;
        }
        core::ScanEvent ev;
        ev.device = id_;
        ev.role = "handheld";
        ev.transport = core::Transport::File;
        std::string_view rest = line;
        if (auto aim = core::splitAimPrefix(line, rest)) {
            ev.aim = aim;
        }
        ev.data = std::string(rest);
        ev.wallTime = clock_.now();
        ev.monotonic = std::chrono::steady_clock::now();
        router_.submit(ev);
    }

    std::string path_;
    std::string id_;
    ReadRouter& router_;
    const core::Clock& clock_;
    int fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

ui::Reply toReply(const ActionResult& r, const json& state)
{
    if (r.ok()) {
        return ui::Reply::ok(json{{"state", state}});
    }
    auto reply = ui::Reply::error(r.status, r.word, r.message);
    for (const auto& [k, v] : r.extra.items()) {
        reply.body[k] = v;
    }
    return reply;
}

std::string readWholeFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        return {};
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

Status makeDirectory(const std::string& dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot create directory " + dir + ": " + ec.message());
    }
    return {};
}

/// The whole kiosk. Constructed on the main thread; see runKioskService.
class Kiosk final : public ui::Controller {
public:
    Kiosk(const KioskRun& run, store::SqliteStore& store, const core::Clock& clock)
        : run_(run),
          cfg_(run.config),
          store_(store),
          clock_(clock),
          station_(store, clock, ids_, settingsFrom(run.config)),
          tasks_([this] { onTick(); }),
          router_(cfg_.dedupWindow, [this](const core::ScanEvent& e) { onRead(e); }),
          feedback_([this](const FeedbackTarget& t) { return openFeedbackChannel(t); })
    {
    }

    ~Kiosk() override { shutdown(); }

    Status start()
    {
        if (auto st = makeDirectory(cfg_.photoDir); !st) {
            return st;
        }
        (void)vision::removeStaleTemporaries(cfg_.photoDir);
        // Cameras first: whether photos can be taken decides what a parcel needs.
        for (const auto& cam : cfg_.cameras) {
            cameras_.push_back(std::make_unique<CameraHub>(
                cam, vision::syntheticOpener(run_.syntheticControl), clock_, &router_));
        }
        photoCamera_ = nullptr;
        for (auto& hub : cameras_) {
            if (hub->entry().photos && photoCamera_ == nullptr) {
                photoCamera_ = hub.get();
            }
            if (hub->entry().preview && previewCamera_ == nullptr) {
                previewCamera_ = hub.get();
            }
        }
        station_.setCameraAvailable(photoCamera_ != nullptr);
        station_.setDecisionListener(
            [this](const std::string& device, core::Outcome o) { signalScanner(device, o); });
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
        refreshSync();
        publish();
        tasks_.start();
        for (auto& hub : cameras_) {
            hub->start();
        }
        if (!cfg_.scanners.empty()) {
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
                std::cerr << "returnscan: warning: no hotplug events (" << st.error().message
                          << "); unplugged scanners are still reopened with backoff\n";
            }
            inputThread_ = std::thread([this] {
                while (!stopping_) {
                    (void)inputLoop_->runOnce(200ms);
                }
            });
        }
        // After the input loop exists: the feedback thread opens channels through it.
        feedbackThread_.start();
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
        auto server = ui::Server::start(so, *this);
        if (!server) {
            return std::move(server).takeError();
        }
        server_ = std::move(server).value();
        if (!run_.demoSteps.empty()) {
            demoThread_ = std::thread([this] { playDemo(); });
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
        demoCv_.notify_all();
        if (demoThread_.joinable()) {
            demoThread_.join();
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
        for (auto& hub : cameras_) {
            hub->stop();
        }
        feedbackThread_.stop();
        tasks_.stop();
    }

    // ui::Controller
    json state() override
    {
        std::lock_guard lock(snapshotMutex_);
        return snapshot_;
    }

    ui::Reply receipts(int limit, std::string_view query) override
    {
        const std::string q(query);
        return tasks_.call([&]() -> ui::Reply {
            auto found = store_.recentReceipts(limit, q);
            if (!found) {
                return ui::Reply::error(503, "store_error", found.error().message);
            }
            json list = json::array();
            for (const auto& r : found.value()) {
                list.push_back(json::parse(store::receiptToJson(r)));
            }
            return ui::Reply::ok(json{{"receipts", std::move(list)}});
        });
    }

    ui::Reply action(std::string_view name, const json& body, const ui::Caller& caller) override
    {
        const auto r = act(name, body, caller);
        return toReply(r, state());
    }

    std::optional<ui::Blob> photo(std::string_view sha256, bool thumbnail) override
    {
        const std::string sha(sha256);
        auto path = tasks_.call([&]() -> std::optional<std::string> {
            auto p = store_.findPhoto(sha);
            if (!p || !p.value()) {
                return std::nullopt;
            }
            return p.value()->path;
        });
        if (!path) {
            return std::nullopt;
        }
        std::string bytes = readWholeFile(*path);
        if (bytes.empty()) {
            return std::nullopt;
        }
        if (thumbnail) {
            auto t = vision::thumbnailJpeg(bytes, 320);
            if (!t) {
                return std::nullopt;
            }
            bytes = std::move(t).value();
        }
        return ui::Blob{"image/jpeg", std::move(bytes)};
    }

    std::optional<ui::Blob> preview() override
    {
        if (previewCamera_ == nullptr) {
            return std::nullopt;
        }
        auto jpeg = previewCamera_->previewJpeg();
        if (!jpeg) {
            return std::nullopt;
        }
        return ui::Blob{"image/jpeg", std::move(*jpeg)};
    }

private:
    static StationSettings settingsFrom(const KioskConfig& c)
    {
        StationSettings s;
        s.station = c.stationId;
        s.operatorId = c.operatorId;
        s.language = c.language;
        s.formats = c.formats;
        s.rules = c.photoRules;
        s.abandonAfter = c.abandonAfter;
        s.photoDir = c.photoDir;
        s.quality = c.quality;
        s.jpegQuality = c.jpegQuality;
        return s;
    }

    /// The operator's and supervisor's actions (the UI's POSTs and the demo player).
    ActionResult act(std::string_view name, const json& body, const ui::Caller& caller)
    {
        auto str = [&](const char* key) -> std::string {
            auto it = body.find(key);
            return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        if (name == "photo") {
            return takePhoto(str("role"));
        }
        if (name == "sync") {
            if (!caller.supervisor) {
                return ActionResult::fail(401, "pin_required", "A supervisor must log in.");
            }
            return tasks_.call([&] { return startSync(); });
        }
        if (name == "override") {
            if (!caller.supervisor) {
                return ActionResult::fail(401, "pin_required", "A supervisor must log in.");
            }
        }
        const std::string n(name);
        return tasks_.call([&]() -> ActionResult {
            ActionResult r;
            if (n == "scan") {
                const std::string text = str("text");
                if (text.empty() || text.size() > 4096) {
                    r = ActionResult::fail(400, "bad_text", "text: 1 to 4096 characters");
                } else {
                    core::ScanEvent ev;
                    ev.device = "ui";
                    ev.role = "manual";
                    ev.transport = core::Transport::Stdin;
                    std::string_view rest = text;
                    ev.aim = core::splitAimPrefix(text, rest);
                    if (!ev.aim && !str("aim").empty()) {
                        ev.aim = core::parseAimId(str("aim"));
                    }
                    ev.data = std::string(rest);
                    ev.wallTime = clock_.now();
                    ev.monotonic = std::chrono::steady_clock::now();
                    r = station_.onScan(ev);
                }
            } else if (n == "no-code") {
                r = station_.noCode("ui");
            } else if (n == "condition") {
                r = station_.setCondition(str("grade"));
            } else if (n == "flag") {
                auto on = body.find("on");
                r = station_.setFlag(str("flag"),
                                     on == body.end() || !on->is_boolean() || on->get<bool>());
            } else if (n == "complete") {
                r = station_.complete();
            } else if (n == "abandon") {
                r = station_.abandon();
            } else if (n == "override") {
                r = station_.override_(str("receipt"), str("outcome"), str("reason"),
                                       *caller.supervisor);
            } else {
                r = ActionResult::fail(404, "unknown_action", "No such action: " + n);
            }
            publish();
            return r;
        });
    }

    ActionResult takePhoto(const std::string& role)
    {
        std::lock_guard one(photoMutex_);  // one photo at a time
        auto job = tasks_.call([&] {
            auto j = station_.beginPhoto(role);
            if (!j) {
                publish();
            }
            return j;
        });
        if (!job) {
            auto [word, text] = splitWord(job.error().message, "wrong_phase");
            const int status = word == "bad_role" ? 400 : (word == "no_camera" ? 503 : 409);
            return ActionResult::fail(status, std::move(word), std::move(text));
        }
        Result<vision::PhotoOutcome> outcome = makeError(ErrorCode::Io, "no camera");
        if (photoCamera_ != nullptr) {
            auto frames = photoCamera_->burst(std::max(1, cfg_.burst), 3s);
            if (frames.empty()) {
                outcome = makeError(ErrorCode::Io, "the camera delivered no frame");
            } else {
                const auto best = vision::sharpestOf(frames);
                outcome =
                    vision::savePhoto(frames[best].view(), job.value().request, &labelDecoder_);
            }
        }
        return tasks_.call([&] {
            auto r = station_.finishPhoto(job.value(), outcome);
            publish();
            return r;
        });
    }

    void onRead(const core::ScanEvent& e)
    {
        tasks_.post([this, e] {
            (void)station_.onScan(e);
            publish();
        });
    }

    void signalScanner(const std::string& device, core::Outcome o)
    {
        if (run_.demoFeedback && device.starts_with("demo")) {
            std::cout << "[" << device << "] "
                      << (o == core::Outcome::Accepted ? "good-read beep, LED green"
                                                       : "error beep, LED red")
                      << std::endl;
            return;
        }
        feedbackThread_.post([this, device, o] {
            if (!feedback_.bound(device)) {
                return;  // a scanner without feedback, the page, a FIFO
            }
            auto r = feedback_.signal(device, o);
            std::string problem = r ? std::string() : r.error().message;
            if (r) {
                const auto commands = ScannerFeedback::commandsFor(o);
                for (std::size_t i = 0; i < r->size() && problem.empty(); ++i) {
                    const auto& ex = (*r)[i];
                    const auto outcome = ex.outcome;
                    if (outcome == firmware_if::Exchange::Outcome::Nak ||
                        outcome == firmware_if::Exchange::Outcome::NoAnswer ||
                        outcome == firmware_if::Exchange::Outcome::Failed) {
                        problem = std::string(firmware_if::toString(commands.at(i))) + ": " +
                                  std::string(firmware_if::toString(outcome)) + " (" + ex.detail +
                                  ")";
                    }
                }
            }
            // Once per failure spell and scanner, so a dead scanner does not fill the journal
            // with a line per parcel; a scanner that answers again re-arms the warning.
            if (problem.empty()) {
                if (feedbackWarned_.erase(device) > 0) {
                    std::cerr << "returnscan: feedback on scanner " << device << " works again\n";
                }
            } else if (feedbackWarned_.insert(device).second) {
                std::cerr << "returnscan: no feedback on scanner " << device << ": " << problem
                          << '\n';
            }
        });
    }

    /// The driver for a scanner's `feedback` word over its transport; null: none.
    static const firmware_if::Driver* feedbackDriver(const ScannerEntry& s)
    {
        if (s.feedback == "none") {
            return nullptr;
        }
        const bool serial = s.input.transport == core::Transport::Serial;
        auto d = firmware_if::driverFor(serial ? "serial" : "hidraw",
                                        s.feedback == "hidpos" ? "generic" : s.feedback);
        return d ? d.value() : nullptr;
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

    /// Station thread: the snapshot the UI reads, published to the SSE clients.
    void publish(std::optional<json> devices = std::nullopt)
    {
        if (run_.onOpenOrder) {
            run_.onOpenOrder(station_.openOrder());
        }
        json j = station_.state();
        j["devices"] = devices ? std::move(*devices) : devicesJson();
        j["sync"] = sync_;
        j["setup"] = stillToConfigure(cfg_);  // a new installation: what is still to be set
        {
            std::lock_guard lock(snapshotMutex_);
            snapshot_ = j;
        }
        if (server_) {
            server_->publish("state", j);
        }
    }

    json devicesJson() const
    {
        json out = json::array();
        for (const auto& s : cfg_.scanners) {
            auto st = router_.deviceState(s.input.id);
            std::string word = "absent";
            std::string detail;
            if (st) {
                switch (*st) {
                    case input::DeviceState::Present:
                        word = "ok";
                        break;
                    case input::DeviceState::Absent:
                    case input::DeviceState::Closed:
                        word = "absent";
                        break;
                    case input::DeviceState::Refused:
                    case input::DeviceState::Stalled:
                        word = "error";
                        detail = std::string(input::toString(*st));
                        break;
                }
            }
            out.push_back({{"name", s.input.id},
                           {"kind", "scanner"},
                           {"role", s.input.role},
                           {"state", word},
                           {"detail", detail}});
        }
        for (const auto& f : run_.fifoScanners) {
            out.push_back({{"name", run_.fifoScanners.size() == 1 ? "fifo" : f},
                           {"kind", "scanner"},
                           {"role", "handheld"},
                           {"state", "ok"},
                           {"detail", f}});
        }
        if (!run_.demoSteps.empty()) {
            out.push_back({{"name", "demo-scanner"},
                           {"kind", "scanner"},
                           {"role", "handheld"},
                           {"state", "ok"},
                           {"detail", "simulated"}});
        }
        for (const auto& hub : cameras_) {
            out.push_back({{"name", hub->entry().camera.id},
                           {"kind", "camera"},
                           {"role", hub->entry().camera.role},
                           {"state", hub->stateWord()},
                           {"detail", hub->entry().camera.source}});
        }
        return out;
    }

    /// Station thread: the sync part of the state.
    void refreshSync()
    {
        json j{{"running", syncPid_ > 0}, {"configured", !cfg_.sync.centralUrl.empty()}};
        if (auto c = store_.outboxCounts()) {
            j["pending_receipts"] = c.value().pendingReceipts;
            j["pending_photos"] = c.value().pendingPhotos;
        }
        if (auto issues = store_.syncIssues()) {
            j["issues"] = issues.value().size();
        }
        auto value = [&](std::string_view key) -> json {
            auto v = store_.syncState(key);
            return v && v.value() ? json(*v.value()) : json();
        };
        j["last_run"] = value("last_run.finished_at");
        j["last_result"] = value("last_run.result");
        sync_ = std::move(j);
    }

    /// Station thread: starts `returnscan sync --once` as a child process (its own store
    /// connection, like the systemd timer's run).
    ActionResult startSync()
    {
        if (cfg_.sync.centralUrl.empty()) {
            return ActionResult::fail(409, "sync_not_configured",
                                      "No central system is configured ([sync] central_url).");
        }
        if (syncPid_ > 0) {
            return ActionResult::fail(409, "sync_running", "A sync run is in progress.");
        }
        std::vector<std::string> args = {"returnscan",
                                         "--db",
                                         cfg_.database,
                                         "sync",
                                         "--once",
                                         "--central",
                                         cfg_.sync.centralUrl,
                                         "--token-file",
                                         cfg_.sync.tokenFile,
                                         "--station",
                                         cfg_.stationId};
        if (!cfg_.sync.caFile.empty()) {
            args.insert(args.end(), {"--ca-file", cfg_.sync.caFile});
        }
        if (cfg_.sync.allowInsecureHttp) {
            args.emplace_back("--allow-insecure-http");
        }
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        pid_t pid = 0;
        const int rc =
            ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ);
        if (rc != 0) {
            return ActionResult::fail(503, "sync_failed",
                                      std::string("cannot start the sync: ") + std::strerror(rc));
        }
        syncPid_ = pid;
        refreshSync();
        publish();
        return {};
    }

    /// Station thread, about once a second.
    void onTick()
    {
        bool changed = station_.tick();
        if (syncPid_ > 0) {
            int status = 0;
            if (::waitpid(syncPid_, &status, WNOHANG) == syncPid_) {
                syncPid_ = 0;
                changed = true;
            }
        }
        const auto now = clock_.now();
        if (!cfg_.sync.dailyAt.empty() && syncPid_ == 0) {
            const auto day = std::chrono::floor<std::chrono::days>(now);
            const int hh = std::stoi(cfg_.sync.dailyAt.substr(0, 2));
            const int mm = std::stoi(cfg_.sync.dailyAt.substr(3, 2));
            const auto due = day + std::chrono::hours(hh) + std::chrono::minutes(mm);
            if (now >= due && lastScheduledSync_ < due) {
                lastScheduledSync_ = due;
                (void)startSync();
            }
        }
        if (++ticks_ % 5 == 0 || changed) {
            refreshSync();
        }
        json devices = devicesJson();
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

    /// The demo's simulated operator and scanner: plays run_.demoSteps once.
    void playDemo()
    {
        auto pause = [&](int ms) {
            std::unique_lock lock(demoMutex_);
            demoCv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_.load(); });
            return !stopping_;
        };
        if (!pause(1500)) {
            return;
        }
        for (const auto& step : run_.demoSteps) {
            if (stopping_) {
                return;
            }
            const auto space = step.find(' ');
            const std::string verb = step.substr(0, space);
            const std::string arg = space == std::string::npos ? "" : step.substr(space + 1);
            ActionResult r;
            if (verb == "say") {
                std::cout << "demo: " << arg << std::endl;
                continue;
            }
            if (verb == "scan") {
                core::ScanEvent ev;
                ev.device = "demo-scanner";
                ev.role = "handheld";
                ev.transport = core::Transport::Serial;
                ev.data = arg;
                ev.wallTime = clock_.now();
                ev.monotonic = std::chrono::steady_clock::now();
                router_.submit(ev);
            } else if (verb == "no-code") {
                r = act("no-code", json::object(), {});
            } else if (verb == "condition") {
                r = act("condition", json{{"grade", arg}}, {});
            } else if (verb == "flag") {
                r = act("flag", json{{"flag", arg}, {"on", true}}, {});
            } else if (verb == "photo") {
                r = act("photo", json{{"role", arg}}, {});
            } else if (verb == "complete") {
                r = act("complete", json::object(), {});
            }
            if (!r.ok()) {
                std::cout << "demo: " << step << ": " << r.word << " (" << r.message << ")"
                          << std::endl;
            }
            if (!pause(run_.paceMs)) {
                return;
            }
        }
        std::cout << "demo: the scripted parcels are done; scan more through the FIFO or the page"
                  << std::endl;
    }

    const KioskRun& run_;
    const KioskConfig& cfg_;
    store::SqliteStore& store_;
    const core::Clock& clock_;
    RandomIds ids_;
    Station station_;
    TaskThread tasks_;
    TaskThread feedbackThread_{nullptr};
    ReadRouter router_;
    ScannerFeedback feedback_;
    std::set<std::string> feedbackWarned_;  ///< feedback thread only
    vision::Decoder labelDecoder_;
    std::vector<std::unique_ptr<CameraHub>> cameras_;
    CameraHub* photoCamera_ = nullptr;
    CameraHub* previewCamera_ = nullptr;
    std::mutex photoMutex_;
    std::unique_ptr<input::InputLoop> inputLoop_;
    std::thread inputThread_;
    std::vector<std::unique_ptr<FifoScanner>> fifos_;
    std::unique_ptr<ui::Server> server_;
    std::mutex snapshotMutex_;
    json snapshot_;
    json sync_ = json::object();
    json lastDevices_;
    pid_t syncPid_ = 0;
    core::Timestamp lastScheduledSync_{};
    std::uint64_t ticks_ = 0;
    std::chrono::steady_clock::time_point lastWatchdog_{};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> stopped_{false};
    std::thread demoThread_;
    std::mutex demoMutex_;
    std::condition_variable demoCv_;
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
