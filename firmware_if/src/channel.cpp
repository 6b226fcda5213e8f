// SPDX-License-Identifier: Apache-2.0
// Device channels (serial line, hidraw) and the command exchange with retries.
#include "returnscan/firmware_if/channel.h"

#include <fcntl.h>
#include <linux/hidraw.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "returnscan/core/log.h"

namespace returnscan::firmware_if {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Error errnoError(const std::string& what, int err)
{
    return makeError(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                     what + ": " + std::strerror(err));
}

class FdChannel final : public Channel {
public:
    FdChannel(int fd, bool hid) : fd_(fd), hid_(hid) {}
    ~FdChannel() override { ::close(fd_); }
    FdChannel(const FdChannel&) = delete;
    FdChannel& operator=(const FdChannel&) = delete;

    Status send(const Frame& frame) override
    {
        if (frame.kind == Frame::Kind::Feature) {
            if (!hid_)
                return makeError(ErrorCode::Unsupported, "feature report on a serial line");
            std::string buf = frame.bytes;
            if (::ioctl(fd_, HIDIOCSFEATURE(buf.size()), buf.data()) < 0) {
                const int err = errno;
                if (err == ENOTTY || err == EINVAL)
                    return makeError(ErrorCode::Unsupported,
                                     "feature report refused: not a hidraw node");
                return errnoError("feature report", err);
            }
            return {};
        }
        std::size_t done = 0;
        const auto end = Clock::now() + milliseconds(1000);
        while (done < frame.bytes.size()) {
            const ssize_t n = ::write(fd_, frame.bytes.data() + done, frame.bytes.size() - done);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                return errnoError("write", errno);
            if (Clock::now() > end)
                return makeError(ErrorCode::Busy, "write: the device takes no data");
            pollfd p{fd_, POLLOUT, 0};
            (void)::poll(&p, 1, 50);
        }
        return {};
    }

    Result<std::string> receive(milliseconds timeout) override
    {
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0 && errno != EINTR)
            return errnoError("poll", errno);
        std::string out;
        if (r <= 0)
            return out;
        char buf[256];
        for (;;) {
            const ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
                if (hid_)
                    break;  // one report per read
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                if (!out.empty())
                    break;
                return makeError(ErrorCode::Io, "the device hung up");
            }
            break;
        }
        return out;
    }

private:
    int fd_;
    bool hid_;
};

Result<int> openNode(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errnoError("open " + path, errno);
    return fd;
}

}  // namespace

Result<std::unique_ptr<Channel>> openSerialChannel(const std::string& path)
{
    auto fd = openNode(path);
    if (!fd)
        return fd.error();
    if (::isatty(*fd)) {
        termios t{};
        if (::tcgetattr(*fd, &t) == 0) {
            ::cfmakeraw(&t);
            ::cfsetispeed(&t, B9600);
            ::cfsetospeed(&t, B9600);
            t.c_cflag |= CLOCAL | CREAD;
            if (::tcsetattr(*fd, TCSANOW, &t) != 0) {
                const int err = errno;
                ::close(*fd);
                return errnoError("termios " + path, err);
            }
        }
    }
    return std::unique_ptr<Channel>(std::make_unique<FdChannel>(*fd, false));
}

Result<std::unique_ptr<Channel>> openHidrawChannel(const std::string& path)
{
    auto fd = openNode(path);
    if (!fd)
        return fd.error();
    return std::unique_ptr<Channel>(std::make_unique<FdChannel>(*fd, true));
}

std::string_view toString(Exchange::Outcome o)
{
    switch (o) {
        case Exchange::Outcome::Ack:
            return "ack";
        case Exchange::Outcome::Nak:
            return "nak";
        case Exchange::Outcome::NoAnswer:
            return "no-answer";
        case Exchange::Outcome::Unsupported:
            return "unsupported";
        case Exchange::Outcome::Failed:
            return "failed";
    }
    return "unknown";
}

namespace {

Exchange exchangeUnlogged(Channel& channel, const Driver& driver, const Request& request,
                          const ExchangeOptions& options, bool withSetup)
{
    Exchange ex;
    // Check support before anything goes out, so an unsupported command sends nothing.
    if (auto probe = driver.encode(request, 0); !probe) {
        ex.outcome = probe.error().code == ErrorCode::Unsupported ? Exchange::Outcome::Unsupported
                                                                  : Exchange::Outcome::Failed;
        ex.detail = probe.error().message;
        return ex;
    }
    auto fail = [&](const Error& e) {
        ex.outcome = Exchange::Outcome::Failed;
        ex.detail = e.message;
        return ex;
    };
    if (withSetup) {
        for (const Frame& f : driver.setup()) {
            ex.sent.push_back(f.bytes);
            if (auto st = channel.send(f); !st) {
                if (st.error().code != ErrorCode::Unsupported)
                    return fail(st.error());
                ex.notes.push_back("setup: " + st.error().message);
            }
        }
    }
    std::string pending;
    bool lastWasRetryableNak = false;
    const unsigned attempts = options.attempts == 0 ? 1 : options.attempts;
    for (unsigned attempt = 0; attempt < attempts; ++attempt) {
        ex.attempts = attempt + 1;
        auto frames = driver.encode(request, attempt);
        if (!frames)
            return fail(frames.error());
        for (const Frame& f : *frames) {
            ex.sent.push_back(f.bytes);
            if (auto st = channel.send(f); !st)
                return fail(st.error());
        }
        if (!driver.expectsReply(request.command)) {
            ex.outcome = Exchange::Outcome::Ack;
            ex.detail = "sent (the device does not answer this command)";
            return ex;
        }
        const auto deadline = Clock::now() + options.replyTimeout;
        bool resend = false;
        while (!resend) {
            const auto* data = reinterpret_cast<const std::uint8_t*>(pending.data());
            Reply r = driver.decodeReply(std::span(data, pending.size()));
            if (r.kind != Reply::Kind::NeedMore && r.consumed == 0) {
                // A driver bug must not spin the kiosk: drop what it could not place.
                r.kind = Reply::Kind::Malformed;
                r.retry = true;
                r.consumed = pending.size();
                r.detail = "driver consumed nothing; dropped " + hex(pending);
            }
            if (r.kind != Reply::Kind::NeedMore)
                pending.erase(0, r.consumed);
            switch (r.kind) {
                case Reply::Kind::Ack:
                    ex.outcome = Exchange::Outcome::Ack;
                    ex.detail = r.detail;
                    return ex;
                case Reply::Kind::Nak:
                    ex.notes.push_back(r.detail);
                    if (!r.retry) {
                        ex.outcome = Exchange::Outcome::Nak;
                        ex.detail = r.detail;
                        return ex;
                    }
                    lastWasRetryableNak = true;
                    resend = true;
                    break;
                case Reply::Kind::Malformed:
                    ex.notes.push_back(r.detail);
                    resend = r.retry;
                    lastWasRetryableNak = false;
                    break;
                case Reply::Kind::Unsolicited:
                    ex.notes.push_back(r.detail);
                    if (!r.answer.empty()) {
                        Frame answer;
                        answer.bytes = r.answer;
                        ex.sent.push_back(answer.bytes);
                        if (auto st = channel.send(answer); !st)
                            return fail(st.error());
                    }
                    break;
                case Reply::Kind::NeedMore: {
                    const auto left =
                        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
                    if (left.count() <= 0) {
                        if (!pending.empty()) {
                            ex.notes.push_back("truncated reply dropped: " + hex(pending));
                            pending.clear();
                        } else {
                            ex.notes.push_back("timeout");
                        }
                        lastWasRetryableNak = false;
                        resend = true;
                        break;
                    }
                    auto got = channel.receive(left);
                    if (!got)
                        return fail(got.error());
                    ex.received += *got;
                    pending += *got;
                    break;
                }
            }
        }
    }
    ex.outcome = lastWasRetryableNak ? Exchange::Outcome::Nak : Exchange::Outcome::NoAnswer;
    ex.detail = lastWasRetryableNak
                    ? "NAK after " + std::to_string(attempts) + " attempts"
                    : "no valid answer after " + std::to_string(attempts) + " attempts";
    return ex;
}

}  // namespace

Exchange exchange(Channel& channel, const Driver& driver, const Request& request,
                  const ExchangeOptions& options, bool withSetup)
{
    const core::Logger log(core::LogCategory::Firmware);
    const std::string command(toString(request.command));
    auto fields = [&](const Exchange* ex) {
        core::LogContext c{.fields = {{"command", command}, {"driver", driver.name}}};
        if (ex != nullptr) {
            c.fields.push_back({"outcome", std::string(toString(ex->outcome))});
            c.fields.push_back({"attempts", std::to_string(ex->attempts)});
        }
        return c;
    };
    log.debug("command " + command + " sent", fields(nullptr));
    Exchange ex = exchangeUnlogged(channel, driver, request, options, withSetup);
    if (log.enabled(core::LogLevel::Wire)) {
        for (const auto& f : ex.sent)
            log.wire("tx", f);
        if (!ex.received.empty())
            log.wire("rx", ex.received);
    }
    const std::string what = "command " + command + ": " + std::string(toString(ex.outcome)) +
                             (ex.detail.empty() ? "" : " (" + ex.detail + ")");
    switch (ex.outcome) {
        case Exchange::Outcome::Nak:
        case Exchange::Outcome::Failed:
            // The scanner refused the command, or its line could not be written.
            log.warning(what, fields(&ex));
            break;
        case Exchange::Outcome::Ack:
        case Exchange::Outcome::NoAnswer:  // a timeout: the caller's spell says more
        case Exchange::Outcome::Unsupported:
            log.debug(what, fields(&ex));
            break;
    }
    return ex;
}

}  // namespace returnscan::firmware_if
