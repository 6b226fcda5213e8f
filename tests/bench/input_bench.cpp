// SPDX-License-Identifier: Apache-2.0
// Input benchmarks, each side by side with a bare baseline on the same kind of descriptor:
//  (1) read-to-event latency per transport (serial plain and SSI on a pty, evdev and hidraw on
//      a FIFO): write one scan's bytes, then time until the InputLoop hands the ScanEvent to
//      its sink, against poll()+read() of the same bytes until the last one arrived.
//      Goal: p50 and p99 <= 1.2x bare + 100 us.
//  (2) 500 scans/s sustained per transport from a paced writer thread; goal: none lost.
// Usage: input_bench [--scans N] [--seconds S] [--json] [--smoke]
// Exit status: 0 goals met (or --smoke: ran to the end), 1 a goal missed, 2 set-up error.
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/input/decoders.h"
#include "returnscan/input/scanner.h"

namespace {

using namespace returnscan;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Sink final : input::InputSink {
    std::size_t scans = 0;
    std::size_t failures = 0;
    void onScan(const core::ScanEvent& /*e*/) override { ++scans; }
    void onReadFailure(const input::ReadFailure& /*f*/) override { ++failures; }
    void onDeviceState(const std::string&, input::DeviceState, std::string_view) override {}
};

std::string code(std::size_t i)
{
    char b[32];
    std::snprintf(b, sizeof b, "RC%010zu", i);
    return b;
}

std::string keyEvents(const std::string& text)
{
    // Digits and the capitals R, C: enough for code(i).
    std::string out;
    auto add = [&](std::uint16_t type, std::uint16_t c, std::int32_t v) {
        input_event ev{};
        ev.type = type;
        ev.code = c;
        ev.value = v;
        out.append(reinterpret_cast<const char*>(&ev), sizeof ev);
    };
    auto key = [&](std::uint16_t k, bool shift) {
        if (shift)
            add(EV_KEY, KEY_LEFTSHIFT, 1);
        add(EV_KEY, k, 1);
        add(EV_SYN, SYN_REPORT, 0);
        add(EV_KEY, k, 0);
        if (shift)
            add(EV_KEY, KEY_LEFTSHIFT, 0);
        add(EV_SYN, SYN_REPORT, 0);
    };
    for (char c : text) {
        if (c == 'R')
            key(KEY_R, true);
        else if (c == 'C')
            key(KEY_C, true);
        else if (c == '0')
            key(KEY_0, false);
        else
            key(static_cast<std::uint16_t>(KEY_1 + (c - '1')), false);
    }
    key(KEY_ENTER, false);
    return out;
}

std::string hidReport(const std::string& text)
{
    std::string r(64, '\0');
    r[0] = 0x02;
    r[1] = static_cast<char>(text.size());
    r[2] = ']';
    r[3] = 'C';
    r[4] = '0';
    std::memcpy(r.data() + 5, text.data(), text.size());
    return r;
}

struct Transport {
    const char* name;
    core::Transport transport;
    input::SerialProtocol protocol;
    bool pty;
    std::function<std::string(const std::string&)> encode;
};

std::vector<Transport> transports()
{
    return {
        {"serial-plain", core::Transport::Serial, input::SerialProtocol::Plain, true,
         [](const std::string& c) { return "]C0" + c + "\r"; }},
        {"serial-ssi", core::Transport::Serial, input::SerialProtocol::Ssi, true,
         [](const std::string& c) {
             std::vector<std::uint8_t> d{0x03};
             d.insert(d.end(), c.begin(), c.end());
             return input::ssiPacket(input::kSsiDecodeData, 0, 0, d);
         }},
        {"evdev", core::Transport::Evdev, input::SerialProtocol::Plain, false, keyEvents},
        {"hidraw", core::Transport::Hidraw, input::SerialProtocol::Plain, false, hidReport},
    };
}

/// One endpoint pair of the transport's descriptor kind: `writer` for the test, `path` for the
/// reader (pty slave, or a FIFO in a temp dir).
struct Endpoint {
    int writer = -1;
    std::string path;
    std::string dir;
    bool isPty = false;
    ~Endpoint()
    {
        if (writer >= 0)
            ::close(writer);
        if (!isPty && !path.empty()) {
            ::unlink(path.c_str());
            ::rmdir(dir.c_str());
        }
    }
};

bool makeEndpoint(bool pty, Endpoint& e)
{
    e.isPty = pty;
    if (pty) {
        int slave = -1;
        char name[128];
        if (::openpty(&e.writer, &slave, name, nullptr, nullptr) != 0)
            return false;
        ::close(slave);
        e.path = name;
        // Non-blocking so that draining the reader's SSI ACKs never waits.
        ::fcntl(e.writer, F_SETFL, ::fcntl(e.writer, F_GETFL) | O_NONBLOCK);
        return true;
    }
    char tmpl[] = "/tmp/input-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
        return false;
    e.dir = tmpl;
    e.path = e.dir + "/fifo";
    return ::mkfifo(e.path.c_str(), 0600) == 0;
}

/// Opens the writer after the reader (a FIFO needs a reader first).
bool openWriter(Endpoint& e)
{
    if (e.isPty)
        return true;
    e.writer = ::open(e.path.c_str(), O_WRONLY | O_CLOEXEC);
    return e.writer >= 0;
}

/// The bare reader: the same descriptor kind opened the same way, poll() and read().
int openBare(const Endpoint& e)
{
    const int fd = ::open(e.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && e.isPty) {
        termios t{};
        ::tcgetattr(fd, &t);
        ::cfmakeraw(&t);
        ::tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0
                     : v[std::min(v.size() - 1,
                                  static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Latency {
    double p50 = 0, p99 = 0;
};

bool writeAll(int fd, const std::string& s)
{
    std::size_t done = 0;
    while (done < s.size()) {
        const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EAGAIN) {
            pollfd p{fd, POLLOUT, 0};
            (void)::poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

input::ScannerConfig configFor(const Transport& t, const std::string& path)
{
    input::ScannerConfig c;
    c.id = t.name;
    c.transport = t.transport;
    c.path = path;
    c.protocol = t.protocol;
    c.profile = t.transport == core::Transport::Hidraw ? "honeywell" : "";
    return c;
}

/// Both sides in one run, alternating scan by scan, so that load from elsewhere on the
/// machine hits them alike.
bool latency(const Transport& t, std::size_t n, Latency& bareOut, Latency& loopOut)
{
    Endpoint be, le;
    if (!makeEndpoint(t.pty, be) || !makeEndpoint(t.pty, le))
        return false;
    // For a FIFO the bare reader opens O_RDWR so the open does not wait for a writer.
    const int fd = openBare(be);
    if (fd < 0 || !openWriter(be))
        return false;
    core::SystemClock clock;
    Sink sink;
    input::LoopOptions o;
    o.dedupWindow = 0ms;
    input::InputLoop loop(clock, sink, o);
    if (!loop.addDevice(configFor(t, le.path)).ok() || !openWriter(le))
        return false;
    std::vector<double> bareUs, loopUs;
    char buf[4096];
    for (std::size_t i = 0; i < n; ++i) {
        const std::string bytes = t.encode(code(i));
        auto t0 = Clock::now();
        if (!writeAll(be.writer, bytes))
            return false;
        std::size_t got = 0;
        while (got < bytes.size()) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0)
                return false;
            const ssize_t r = ::read(fd, buf, sizeof buf);
            if (r > 0)
                got += static_cast<std::size_t>(r);
        }
        bareUs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());

        const std::size_t before = sink.scans;
        t0 = Clock::now();
        if (!writeAll(le.writer, bytes))
            return false;
        while (sink.scans == before) {
            if (!loop.runOnce(1000ms).ok() || Clock::now() - t0 > 2s)
                return false;
        }
        loopUs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        if (le.isPty) {
            while (::read(le.writer, buf, sizeof buf) > 0) {  // SSI ACKs
            }
        }
    }
    ::close(fd);
    bareOut = {percentile(bareUs, 0.5), percentile(bareUs, 0.99)};
    loopOut = {percentile(loopUs, 0.5), percentile(loopUs, 0.99)};
    return true;
}

/// Paced writer at `rate` scans/s for `seconds`; returns scans sent and received.
bool sustained(const Transport& t, double rate, double seconds, std::size_t& sent,
               std::size_t& received, std::size_t& failures)
{
    Endpoint e;
    if (!makeEndpoint(t.pty, e))
        return false;
    core::SystemClock clock;
    Sink sink;
    input::InputLoop loop(clock, sink);
    if (!loop.addDevice(configFor(t, e.path)).ok() || !openWriter(e))
        return false;
    const std::size_t total = static_cast<std::size_t>(rate * seconds);
    std::atomic<bool> done{false};
    std::thread writer([&] {
        const auto start = Clock::now();
        const auto period = std::chrono::duration<double>(1.0 / rate);
        char drain[512];
        for (std::size_t i = 0; i < total; ++i) {
            std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                      period * static_cast<double>(i)));
            const std::string bytes = t.encode(code(i));
            std::size_t off = 0;
            while (off < bytes.size()) {
                const ssize_t n = ::write(e.writer, bytes.data() + off, bytes.size() - off);
                if (n > 0)
                    off += static_cast<std::size_t>(n);
                else
                    std::this_thread::sleep_for(100us);
                if (e.isPty) {
                    while (::read(e.writer, drain, sizeof drain) > 0) {
                    }
                }
            }
        }
        done = true;
    });
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds + 3);
    while ((!done || sink.scans < total) && Clock::now() < deadline)
        (void)loop.runOnce(20ms);
    writer.join();
    sent = total;
    received = sink.scans;
    failures = sink.failures;
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    std::size_t scans = 2000;
    double seconds = 4;
    bool json = false;
    bool smoke = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--scans" && i + 1 < argc) {
            scans = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--seconds" && i + 1 < argc) {
            seconds = std::strtod(argv[++i], nullptr);
        } else if (a == "--json") {
            json = true;
        } else if (a == "--smoke") {
            smoke = true;
        } else {
            std::fprintf(stderr,
                         "usage: input_bench [--scans N] [--seconds S] [--json] [--smoke]\n");
            return 2;
        }
    }
    bool met = true;
    if (json)
        std::printf("[");
    bool first = true;
    for (const auto& t : transports()) {
        Latency bare, ours;
        if (!latency(t, scans, bare, ours)) {
            std::fprintf(stderr, "input_bench: %s: latency set-up failed: %s\n", t.name,
                         std::strerror(errno));
            return 2;
        }
        std::size_t sent = 0, received = 0, failures = 0;
        if (!sustained(t, 500, seconds, sent, received, failures)) {
            std::fprintf(stderr, "input_bench: %s: throughput set-up failed\n", t.name);
            return 2;
        }
        const bool latOk = ours.p50 <= 1.2 * bare.p50 + 100 && ours.p99 <= 1.2 * bare.p99 + 100;
        const bool rateOk = received == sent && failures == 0;
        met = met && latOk && rateOk;
        if (json) {
            std::printf(
                "%s{\"transport\":\"%s\",\"bare_p50_us\":%.1f,\"bare_p99_us\":%.1f,"
                "\"loop_p50_us\":%.1f,\"loop_p99_us\":%.1f,\"latency_goal_met\":%s,"
                "\"sustained_rate\":500,\"sent\":%zu,\"received\":%zu,\"none_lost\":%s}",
                first ? "" : ",", t.name, bare.p50, bare.p99, ours.p50, ours.p99,
                latOk ? "true" : "false", sent, received, rateOk ? "true" : "false");
        } else {
            std::printf(
                "%-13s latency bare p50 %7.1f us p99 %7.1f us | loop p50 %7.1f us p99 "
                "%7.1f us | goal %s\n",
                t.name, bare.p50, bare.p99, ours.p50, ours.p99, latOk ? "met" : "MISSED");
            std::printf("%-13s 500 scans/s for %.1f s: sent %zu, received %zu, errors %zu | %s\n",
                        t.name, seconds, sent, received, failures,
                        rateOk ? "none lost" : "LOST SCANS");
        }
        first = false;
    }
    if (json)
        std::printf("]\n");
    return smoke || met ? 0 : 1;
}
