// SPDX-License-Identifier: Apache-2.0
// The input event loop: poll() over scanner descriptors, udev hotplug and timers.
#include <poll.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>

#include "device_link.h"
#include "device_path.h"
#include "returnscan/core/classify.h"
#include "returnscan/core/log.h"
#include "returnscan/input/discovery.h"
#include "returnscan/input/scanner.h"

namespace returnscan::input {

std::string_view toString(SerialProtocol p)
{
    return p == SerialProtocol::Ssi ? "ssi" : "plain";
}

std::optional<SerialProtocol> parseSerialProtocol(std::string_view s)
{
    if (s == "plain")
        return SerialProtocol::Plain;
    if (s == "ssi")
        return SerialProtocol::Ssi;
    return std::nullopt;
}

namespace {

// Owners of poll entries that are not devices.
constexpr std::size_t kMonitorEntry = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kWakerEntry = kMonitorEntry - 1;

}  // namespace

struct InputLoop::Impl {
    struct Device {
        ScannerConfig cfg;
        std::unique_ptr<ScannerReader> reader;
        DeviceStatus status;
        SteadyTime nextTry{};
        std::chrono::milliseconds backoff{0};
        std::shared_ptr<detail::DeviceLink> link;  ///< what other threads see of it
        /// Bytes wait for the device and none were taken since then.
        std::optional<SteadyTime> writeStalledSince;
        /// The log: each spell of absence (unplugged, not found, stalled) and of refusal is
        /// logged when it starts and when the device is back, not per retry.
        core::Logger log{core::LogCategory::Input};
        core::FailureSpell unavailable{core::Logger(core::LogCategory::Input)};
        core::FailureSpell refused{core::Logger(core::LogCategory::Input), core::LogLevel::Error};
    };

    Impl(const core::Clock& c, InputSink& s, LoopOptions o)
        : clock(c), sink(s), opts(o), dedup(o.dedupWindow, o.dedupAcrossDevices)
    {
        if (auto w = detail::Waker::create())
            waker = std::move(*w);
    }

    ~Impl()
    {
        // Channels may outlive the loop: they must see the device gone, not wait.
        for (auto& d : devices)
            markClosed(d);
    }

    const core::Clock& clock;
    InputSink& sink;
    LoopOptions opts;
    core::ReadDeduplicator dedup;
    std::vector<Device> devices;
    std::unique_ptr<UdevMonitor> monitor;
    DecodeOutput out;
    std::shared_ptr<detail::Waker> waker;  ///< null only when no eventfd could be made
    /// The devices' links by id, for send() and openChannel() on other threads.
    mutable std::mutex linksMutex;
    std::vector<std::shared_ptr<detail::DeviceLink>> links;

    [[nodiscard]] std::shared_ptr<detail::DeviceLink> findLink(const std::string& id) const
    {
        std::lock_guard lock(linksMutex);
        for (const auto& l : links) {
            if (l->id == id)
                return l;
        }
        return nullptr;
    }

    static void markOpen(Device& d)
    {
        std::lock_guard lock(d.link->mutex);
        d.link->open = true;
        d.link->node = d.status.path;
        ++d.link->generation;
        d.link->outgoing.clear();
        d.link->dropReplies();
        d.link->writeError.clear();
        d.link->changed.notify_all();
    }

    static void markClosed(Device& d)
    {
        d.writeStalledSince.reset();
        std::lock_guard lock(d.link->mutex);
        if (!d.link->open)
            return;
        d.link->open = false;
        d.link->node.clear();
        ++d.link->generation;
        d.link->outgoing.clear();  // for a device that is gone
        d.link->dropReplies();
        d.link->changed.notify_all();
    }

    [[nodiscard]] static bool writePending(const Device& d)
    {
        std::lock_guard lock(d.link->mutex);
        return !d.link->outgoing.empty();
    }

    /// A bad frame, a refused read or a failed write: reported to the sink, and logged (at
    /// most LogRateLimit::burst a minute per device, then counted).
    void readFailed(Device& d, const std::string& message)
    {
        d.log.warning(message, {.key = "read-failure"});
        sink.onReadFailure({d.status.id, d.cfg.role, d.cfg.transport, message, clock.now()});
    }

    void writeFailed(Device& d, const std::string& message)
    {
        ++d.status.errors;
        d.log.warning(message, {.key = "write-failure"});
        sink.onReadFailure({d.status.id, d.cfg.role, d.cfg.transport, message, clock.now()});
    }

    /// Writes what waits for the device, as far as it takes it without blocking. Loop thread.
    void flush(Device& d, SteadyTime now)
    {
        if (!d.reader)
            return;
        std::string failure;
        {
            std::lock_guard lock(d.link->mutex);
            std::string& q = d.link->outgoing;
            while (!q.empty()) {
                auto n = d.reader->writeSome(q);
                if (!n) {
                    failure = "could not write " + std::to_string(q.size()) +
                              " bytes to the scanner: " + n.error().message;
                    break;
                }
                if (*n == 0)
                    break;  // EAGAIN: the rest on POLLOUT
                q.erase(0, *n);
                d.writeStalledSince = now;  // progress: the time-out counts from here
            }
            if (!failure.empty()) {
                q.clear();
                d.link->writeError = failure;
                d.link->changed.notify_all();
            }
            if (q.empty())
                d.writeStalledSince.reset();
            else if (!d.writeStalledSince)
                d.writeStalledSince = now;
        }
        if (!failure.empty())
            writeFailed(d, failure);
    }

    /// Drops what the device has not taken for LoopOptions::writeTimeout. Loop thread.
    void dropStalled(Device& d)
    {
        std::string failure;
        {
            std::lock_guard lock(d.link->mutex);
            failure = "the scanner took no data for " + std::to_string(opts.writeTimeout.count()) +
                      " ms: " + std::to_string(d.link->outgoing.size()) + " bytes dropped";
            d.link->outgoing.clear();
            d.link->writeError = failure;
            d.link->changed.notify_all();
        }
        d.writeStalledSince.reset();
        writeFailed(d, failure);
    }

    /// The decoder's answers to the device (SSI ACK/NAK) and its replies to host commands.
    /// Loop thread.
    void routeReplies(Device& d, SteadyTime now)
    {
        if (out.reply.empty() && out.replies.empty())
            return;
        bool dropped = false;
        {
            std::lock_guard lock(d.link->mutex);
            // The loop's own answers get room beyond what senders may queue; past that the
            // line is stuck and an ACK more would not help (the scanner resends the packet).
            if (d.link->outgoing.size() + out.reply.size() <= 2 * opts.maxPendingWrite)
                d.link->outgoing += out.reply;
            else
                dropped = !out.reply.empty();
            if (d.link->channelAttached && !out.replies.empty()) {
                detail::DeviceLink& l = *d.link;
                for (auto& r : out.replies) {
                    l.replyBytes += r.size();
                    l.replies.push_back(std::move(r));
                }
                while (l.replyBytes > detail::kMaxReplyBytes) {
                    l.replyBytes -= l.replies.front().size();
                    l.replies.pop_front();
                }
                d.link->changed.notify_all();
            }
        }
        if (dropped) {
            out.errors.push_back("could not send " + std::to_string(out.reply.size()) +
                                 " reply bytes to the scanner: its line takes no data");
        }
        out.reply.clear();
        out.replies.clear();
        flush(d, now);
    }

    /// Logs a state change, or a failure that keeps the state (a retry that finds the device
    /// still absent: counted in the spell, not logged).
    static void logState(Device& d, DeviceState s, std::string_view detail)
    {
        const DeviceState was = d.status.state;
        const std::string at = d.status.path.empty() ? "" : " at " + d.status.path;
        const std::string why = detail.empty() ? "" : ": " + std::string(detail);
        switch (s) {
            case DeviceState::Present: {
                bool ended = d.unavailable.recovered("scanner back" + at + why);
                ended = d.refused.recovered("scanner usable again" + at + why) || ended;
                if (!ended && was != DeviceState::Present)
                    d.log.notice("scanner opened" + at + why);
                break;
            }
            case DeviceState::Absent:
                (void)d.unavailable.failed(
                    (was == DeviceState::Present ? "scanner lost" : "scanner not available") + why);
                break;
            case DeviceState::Stalled:
                (void)d.unavailable.failed("scanner stalled" + why);
                break;
            case DeviceState::Refused:
                (void)d.refused.failed("scanner refused" + why);
                break;
            case DeviceState::Closed:
                if (was != DeviceState::Closed)
                    d.log.notice("scanner closed" + why);
                break;
        }
    }

    void setState(Device& d, DeviceState s, std::string_view detail)
    {
        logState(d, s, detail);
        if (d.status.state == s && s != DeviceState::Refused)
            return;
        d.status.state = s;
        sink.onDeviceState(d.status.id, s, detail);
    }

    /// Where to open the device now; empty when it is not there.
    std::string resolve(const Device& d) const
    {
        if (!d.cfg.path.empty())
            return d.cfg.path;
        if (d.cfg.transport == core::Transport::Libusb)
            return "usb";
        auto list = enumerateDevices(subsystemFor(d.cfg.transport));
        if (!list)
            return {};
        for (const auto& u : *list) {
            if (bindsTo(d.cfg, u))
                return u.devnode;
        }
        return {};
    }

    void scheduleRetry(Device& d, SteadyTime now, bool refused)
    {
        if (refused) {
            d.backoff = opts.backoffMax;
        } else if (d.backoff.count() == 0) {
            d.backoff = opts.backoffMin;
        } else {
            d.backoff = std::min(d.backoff * 2, opts.backoffMax);
        }
        d.nextTry = now + d.backoff;
    }

    Status tryOpen(Device& d, SteadyTime now)
    {
        const std::string path = resolve(d);
        if (path.empty()) {
            scheduleRetry(d, now, false);
            setState(d, DeviceState::Absent, "no device matches the configuration");
            return makeError(ErrorCode::NotFound, d.status.id + ": no device matches");
        }
        auto r = openScanner(d.cfg, path, opts.usb);
        if (!r) {
            const Error& e = r.error();
            const bool refused = e.code == ErrorCode::Busy || e.code == ErrorCode::InvalidArgument;
            scheduleRetry(d, now, refused);
            setState(d, refused ? DeviceState::Refused : DeviceState::Absent, e.message);
            if (refused) {
                // Logged by the refusal spell (setState), once until the device is usable.
                ++d.status.errors;
                sink.onReadFailure(
                    {d.status.id, d.cfg.role, d.cfg.transport, e.message, clock.now()});
            }
            return Error(e);
        }
        d.reader = std::move(*r);
        d.status.path = path == "usb" ? path : detail::canonicalPath(path);
        d.backoff = std::chrono::milliseconds(0);
        ++d.status.opens;
        markOpen(d);
        if (d.cfg.transport != core::Transport::Libusb)
            setState(d, DeviceState::Present, d.reader->notes());
        return {};
    }

    void close(Device& d, SteadyTime now, std::string_view why)
    {
        markClosed(d);
        d.reader.reset();  // closes the descriptor
        d.status.path.clear();
        if (opts.reopen) {
            d.backoff = std::chrono::milliseconds(0);
            scheduleRetry(d, now, false);
            setState(d, DeviceState::Absent, why);
        } else {
            setState(d, DeviceState::Closed, why);
        }
    }

    void deliver(Device& d, SteadyTime now)
    {
        routeReplies(d, now);
        for (auto& e : out.errors) {
            ++d.status.errors;
            readFailed(d, e);
        }
        for (auto& r : out.reads) {
            std::string problem = core::readProblem(r.data);
            if (!problem.empty()) {
                ++d.status.errors;
                readFailed(d, "read refused: " + problem);
                continue;
            }
            core::ScanEvent ev;
            ev.device = d.status.id;
            ev.role = d.cfg.role;
            ev.transport = d.cfg.transport;
            ev.aim = r.aim;
            ev.data = std::move(r.data);
            ev.wallTime = clock.now();
            ev.monotonic = now;
            if (!dedup.admit(ev)) {
                ++d.status.duplicates;
                continue;
            }
            ++d.status.reads;
            sink.onScan(ev);
        }
        out.clear();
        if (d.reader) {
            while (auto s = d.reader->takeState())
                setState(d, s->first, s->second);
        }
    }

    void handleUdev(SteadyTime now)
    {
        for (const auto& u : monitor->receive()) {
            if (u.action == "remove")
                removed(u.devnode, now);
            else if (u.action == "add")
                added(u, now);
        }
    }

    void removed(const std::string& devnode, SteadyTime now)
    {
        for (auto& d : devices) {
            if (d.reader && d.status.path == devnode) {
                out.clear();
                d.reader->decoder().reset(out);
                deliver(d, now);
                close(d, now, "unplugged (udev remove)");
            }
        }
    }

    void added(const UdevDevice& u, SteadyTime now)
    {
        for (auto& d : devices) {
            if (!d.reader && opts.reopen && bindsTo(d.cfg, u)) {
                d.nextTry = now;  // replug: no need to wait out the backoff
                d.backoff = std::chrono::milliseconds(0);
            }
        }
    }
};

InputLoop::InputLoop(const core::Clock& clock, InputSink& sink, LoopOptions options)
    : impl_(std::make_unique<Impl>(clock, sink, options))
{
}

InputLoop::~InputLoop() = default;

Status InputLoop::addDevice(ScannerConfig config)
{
    if (config.path.empty() && !(config.vendorId && config.productId)) {
        return makeError(ErrorCode::InvalidArgument,
                         "scanner '" + config.id + "' has neither a path nor a VID:PID");
    }
    if (config.id.empty())
        config.id = config.path.empty() ? "usb" : config.path;
    if (!config.profile.empty() && findHidPosDriver(config.profile) == nullptr)
        return makeError(ErrorCode::InvalidArgument,
                         "unknown HID POS profile '" + config.profile + "'");
    Impl::Device d;
    d.status.id = config.id;
    d.log = core::Logger(core::LogCategory::Input, config.id);
    d.unavailable = core::FailureSpell(d.log);
    d.refused = core::FailureSpell(d.log, core::LogLevel::Error);
    d.link = std::make_shared<detail::DeviceLink>(config.id,
                                                  config.transport == core::Transport::Serial);
    {
        std::lock_guard lock(impl_->linksMutex);
        impl_->links.push_back(d.link);
    }
    d.cfg = std::move(config);
    impl_->devices.push_back(std::move(d));
    Impl::Device& dev = impl_->devices.back();
    auto st = impl_->tryOpen(dev, impl_->clock.monotonic());
    if (!st && !impl_->opts.reopen)
        return st;
    return {};
}

Status InputLoop::watchHotplug()
{
    auto m = openUdevMonitor();
    if (!m)
        return std::move(m).takeError();
    impl_->monitor = std::move(*m);
    return {};
}

Status InputLoop::runOnce(std::chrono::milliseconds maxWait)
{
    Impl& s = *impl_;
    SteadyTime now = s.clock.monotonic();
    SteadyTime wake = now + maxWait;
    std::vector<pollfd> fds;
    std::vector<std::size_t> owner;
    for (std::size_t i = 0; i < s.devices.size(); ++i) {
        auto& d = s.devices[i];
        if (d.reader) {
            const bool pending = Impl::writePending(d);
            fds.push_back(
                {d.reader->fd(), static_cast<short>(POLLIN | (pending ? POLLOUT : 0)), 0});
            owner.push_back(i);
            if (auto dl = d.reader->decoder().deadline())
                wake = std::min(wake, *dl);
            if (d.writeStalledSince)
                wake = std::min(wake, *d.writeStalledSince + s.opts.writeTimeout);
        } else if (s.opts.reopen && d.status.state != DeviceState::Closed) {
            wake = std::min(wake, d.nextTry);
        }
    }
    if (s.monitor) {
        fds.push_back({s.monitor->fd(), POLLIN, 0});
        owner.push_back(kMonitorEntry);
    }
    if (s.waker) {
        fds.push_back({s.waker->fd(), POLLIN, 0});
        owner.push_back(kWakerEntry);
    }
    const auto waitMs =
        std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(waitMs));
    if (n < 0 && errno != EINTR)
        return makeError(ErrorCode::Io, std::string("poll: ") + std::strerror(errno));
    now = s.clock.monotonic();
    bool woken = false;
    for (std::size_t k = 0; n > 0 && k < fds.size(); ++k) {
        const short revents = fds[k].revents;
        if (revents == 0)
            continue;
        if (owner[k] == kMonitorEntry) {
            s.handleUdev(now);
            continue;
        }
        if (owner[k] == kWakerEntry) {
            s.waker->drain();
            woken = true;
            continue;
        }
        auto& d = s.devices[owner[k]];
        if (!d.reader)
            continue;  // closed by a udev remove in this round
        if ((revents & ~POLLOUT) != 0) {
            ScannerReader::ReadStatus rs = ScannerReader::ReadStatus::Hangup;
            if ((revents & POLLNVAL) == 0)
                rs = d.reader->onReadable(now, s.out);
            s.deliver(d, now);
            if (rs == ScannerReader::ReadStatus::Hangup) {
                s.close(d, now, "hangup (end of input, or the device went away)");
                continue;
            }
        }
        if (revents & POLLOUT)
            s.flush(d, now);
    }
    for (auto& d : s.devices) {
        if (d.reader) {
            if (woken)
                s.flush(d, now);  // bytes another thread queued
            if (d.writeStalledSince && now >= *d.writeStalledSince + s.opts.writeTimeout)
                s.dropStalled(d);
            if (auto dl = d.reader->decoder().deadline(); dl && now >= *dl) {
                d.reader->decoder().tick(now, s.out);
                s.deliver(d, now);
            }
        } else if (s.opts.reopen && now >= d.nextTry) {
            (void)s.tryOpen(d, now);
        }
    }
    return {};
}

bool InputLoop::finished() const
{
    return std::all_of(impl_->devices.begin(), impl_->devices.end(), [&](const auto& d) {
        return !d.reader && (!impl_->opts.reopen || d.status.state == DeviceState::Closed);
    });
}

std::vector<DeviceStatus> InputLoop::devices() const
{
    std::vector<DeviceStatus> v;
    for (const auto& d : impl_->devices)
        v.push_back(d.status);
    return v;
}

Status InputLoop::send(const std::string& deviceId, std::string_view bytes)
{
    auto link = impl_->findLink(deviceId);
    if (!link)
        return makeError(ErrorCode::NotFound, "no scanner with id " + deviceId);
    if (!impl_->waker)
        return makeError(ErrorCode::Io, "the input loop has no wake-up descriptor");
    return detail::queueBytes(*link, *impl_->waker, bytes, impl_->opts.maxPendingWrite, nullptr);
}

Result<std::string> InputLoop::currentNode(const std::string& deviceId) const
{
    auto link = impl_->findLink(deviceId);
    if (!link)
        return makeError(ErrorCode::NotFound, "no scanner with id " + deviceId);
    std::lock_guard lock(link->mutex);
    if (!link->open)
        return makeError(ErrorCode::Io, "scanner " + deviceId + " is not connected");
    return link->node;
}

Result<std::unique_ptr<firmware_if::Channel>> InputLoop::openChannel(const std::string& deviceId)
{
    auto link = impl_->findLink(deviceId);
    if (!link)
        return makeError(ErrorCode::NotFound, "no scanner with id " + deviceId);
    if (!impl_->waker)
        return makeError(ErrorCode::Io, "the input loop has no wake-up descriptor");
    return detail::openLinkChannel(std::move(link), impl_->waker, impl_->opts.maxPendingWrite);
}

void InputLoop::deviceRemovedForTest(const std::string& devnode)
{
    impl_->removed(devnode, impl_->clock.monotonic());
}

void InputLoop::deviceAddedForTest(const std::string& devnode)
{
    UdevDevice u;
    u.devnode = devnode;
    u.action = "add";
    impl_->added(u, impl_->clock.monotonic());
}

}  // namespace returnscan::input
