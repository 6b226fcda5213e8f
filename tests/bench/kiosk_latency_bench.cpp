// SPDX-License-Identifier: Apache-2.0
// Kiosk benchmark (issue 6): scan arrival to the decision visible at an SSE client, against a
// bare SSE echo through the same server in the same run.
//
// The real kiosk runs as a child process (no camera, a FIFO scanner, an empty code table,
// RETURNSCAN_UI_ECHO=1). One SSE client reads GET /api/events on a raw socket; the time of a
// frame is taken when the recv() that completed it returns. Then, alternating:
//  (a) bare: POST /api/echo {"n": i} (keep-alive connection) and time until `event: echo` with
//      that n arrives: the HTTP request, the server's publish and the SSE write;
//  (b) ours: write a fresh, well-formed unknown return code (+ newline) into the FIFO and time
//      until a `state` event whose last.code (or session.code) is that code arrives: the FIFO
//      read, de-duplication, the decision with its durable receipt (SQLite synchronous=FULL),
//      the refused parcel closed at once, the state built and published, the SSE write.
// The browser's EventSource receives these same bytes; its own parsing and painting are not
// measured. 20 pairs of warm-up are not counted.
// Goal: ours p99 <= 100 ms (the bare figures and the ratio are reported beside it).
//
// Usage: kiosk_latency_bench [--scans N] [--binary PATH] [--json] [--smoke]
// Exit status: 0 goal met (or --smoke: ran to the end), 1 goal missed, 2 set-up error.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "returnscan/core/code_format.h"
#include "support/child.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kWarmUp = 20;
constexpr double kGoalP99Ms = 100.0;
constexpr auto kEventTimeout = 5s;

std::string readFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// RC + 9 base-36 digits of i + the ISO 7064 MOD 37,36 check character.
std::string unknownCode(long i)
{
    static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string body = "RC000000000";
    for (std::size_t pos = body.size(); i > 0 && pos > 2; i /= 36) {
        body[--pos] = kDigits[i % 36];
    }
    auto code =
        returnscan::core::withCheckCharacter(body, returnscan::core::CheckScheme::Iso7064Mod37_36);
    return code ? code.value() : std::string();
}

struct SseEvent {
    std::string name;
    std::string data;
    Clock::time_point at;
};

/// One SSE client on a raw socket: a reader thread decodes the chunked body, splits frames and
/// queues them with the time of the recv() that completed them.
class SseClient {
public:
    ~SseClient() { close(); }

    bool connect(int port, std::string& error)
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            error = std::string("connect: ") + std::strerror(errno);
            return false;
        }
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const std::string req =
            "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
            "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
        if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
            error = "send failed";
            return false;
        }
        // Headers.
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                error = "the server closed the event stream before its headers";
                return false;
            }
            head.append(buf, static_cast<std::size_t>(n));
        }
        const auto end = head.find("\r\n\r\n");
        std::string lower = head.substr(0, end);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower.rfind("http/1.1 200", 0) != 0 ||
            lower.find("content-type: text/event-stream") == std::string::npos) {
            error = "unexpected answer: " + head.substr(0, end);
            return false;
        }
        chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
        const std::string rest = head.substr(end + 4);
        feed(rest, Clock::now());
        reader_ = std::thread([this] { run(); });
        return true;
    }

    void close()
    {
        if (fd_ >= 0) {
            ::shutdown(fd_, SHUT_RDWR);
        }
        if (reader_.joinable()) {
            reader_.join();
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    /// Takes events until one satisfies `match`; nullopt on timeout or when the stream ended.
    std::optional<SseEvent> waitFor(const std::function<bool(const SseEvent&)>& match,
                                    std::chrono::milliseconds timeout)
    {
        const auto until = Clock::now() + timeout;
        std::unique_lock lock(mutex_);
        for (;;) {
            while (!queue_.empty()) {
                SseEvent e = std::move(queue_.front());
                queue_.pop_front();
                ++events_;
                if (match(e)) {
                    return e;
                }
            }
            if (ended_) {
                return std::nullopt;
            }
            if (cv_.wait_until(lock, until) == std::cv_status::timeout && queue_.empty()) {
                return std::nullopt;
            }
        }
    }

    [[nodiscard]] bool ended()
    {
        std::lock_guard lock(mutex_);
        return ended_;
    }
    [[nodiscard]] std::size_t events() const { return events_; }

private:
    void run()
    {
        char buf[65536];
        for (;;) {
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            const auto at = Clock::now();
            if (n <= 0) {
                break;
            }
            feed(std::string_view(buf, static_cast<std::size_t>(n)), at);
        }
        std::lock_guard lock(mutex_);
        ended_ = true;
        cv_.notify_all();
    }

    /// Reader thread (and connect()): body bytes in, frames out.
    void feed(std::string_view bytes, Clock::time_point at)
    {
        if (!chunked_) {
            text_.append(bytes);
        } else {
            raw_.append(bytes);
            for (;;) {
                if (chunkLeft_ == 0) {
                    const auto eol = raw_.find("\r\n");
                    if (eol == std::string::npos) {
                        break;
                    }
                    if (eol == 0) {  // the CRLF after a chunk's data
                        raw_.erase(0, 2);
                        continue;
                    }
                    chunkLeft_ = std::strtoul(raw_.substr(0, eol).c_str(), nullptr, 16);
                    raw_.erase(0, eol + 2);
                    if (chunkLeft_ == 0) {  // the last chunk
                        raw_.clear();
                        break;
                    }
                }
                const std::size_t take = std::min(chunkLeft_, raw_.size());
                if (take == 0) {
                    break;
                }
                text_.append(raw_, 0, take);
                raw_.erase(0, take);
                chunkLeft_ -= take;
            }
        }
        std::vector<SseEvent> out;
        for (std::size_t end; (end = text_.find("\n\n")) != std::string::npos;) {
            const std::string frame = text_.substr(0, end);
            text_.erase(0, end + 2);
            SseEvent e;
            e.at = at;
            std::istringstream in(frame);
            bool any = false;
            for (std::string line; std::getline(in, line);) {
                if (line.rfind("event:", 0) == 0) {
                    e.name = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
                    any = true;
                } else if (line.rfind("data:", 0) == 0) {
                    if (!e.data.empty()) {
                        e.data += '\n';
                    }
                    e.data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
                    any = true;
                }
            }
            if (any) {
                if (e.name.empty()) {
                    e.name = "message";
                }
                out.push_back(std::move(e));
            }
        }
        if (!out.empty()) {
            std::lock_guard lock(mutex_);
            for (auto& e : out) {
                queue_.push_back(std::move(e));
            }
            cv_.notify_all();
        }
    }

    int fd_ = -1;
    bool chunked_ = false;
    std::string raw_;
    std::size_t chunkLeft_ = 0;
    std::string text_;
    std::thread reader_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<SseEvent> queue_;
    bool ended_ = false;
    std::size_t events_ = 0;
};

struct Stats {
    double p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};

/// Nearest-rank percentiles, in milliseconds.
Stats statsOf(std::vector<double> v)
{
    Stats s;
    if (v.empty()) {
        return s;
    }
    std::sort(v.begin(), v.end());
    auto rank = [&](double p) {
        const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
        return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
    };
    s.p50 = rank(0.50);
    s.p95 = rank(0.95);
    s.p99 = rank(0.99);
    s.max = v.back();
    double sum = 0;
    for (double x : v) {
        sum += x;
    }
    s.mean = sum / static_cast<double>(v.size());
    return s;
}

double ms(Clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

struct TempDirectory {
    std::string path;
    TempDirectory()
    {
        std::string t = (std::filesystem::temp_directory_path() / "kiosk-bench-XXXXXX").string();
        if (::mkdtemp(t.data()) != nullptr) {
            path = t;
        }
    }
    ~TempDirectory()
    {
        std::error_code ec;
        if (!path.empty()) {
            std::filesystem::remove_all(path, ec);
        }
    }
    [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
};

}  // namespace

int main(int argc, char** argv)
{
    int scans = 2000;
    bool smoke = false;
    bool asJson = false;
    std::string binary = RETURNSCAN_BINARY;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--scans" && i + 1 < argc) {
            scans = std::atoi(argv[++i]);
        } else if (a == "--binary" && i + 1 < argc) {
            binary = argv[++i];
        } else if (a == "--smoke") {
            smoke = true;
        } else if (a == "--json") {
            asJson = true;
        } else {
            std::fprintf(stderr,
                         "usage: kiosk_latency_bench [--scans N] [--binary PATH] [--json] "
                         "[--smoke]\n");
            return 2;
        }
    }
    if (scans < 1) {
        std::fprintf(stderr, "kiosk_latency_bench: --scans must be at least 1\n");
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);

    TempDirectory dir;
    if (dir.path.empty()) {
        std::fprintf(stderr, "kiosk_latency_bench: mkdtemp failed\n");
        return 2;
    }
    const std::string fifo = dir.file("scan.fifo");
    std::ofstream(dir.file("kiosk.toml")) << "[station]\nid = \"bench\"\n"
                                          << "[storage]\ndatabase = \"" << dir.file("db/rs.db")
                                          << "\"\nphotos = \"" << dir.file("photos") << "\"\n"
                                          << "[ui]\nlisten = \"127.0.0.1:0\"\n";
    returnscan::tests::Child kiosk(
        {binary, "kiosk", "--config", dir.file("kiosk.toml"), "--scanner", "fifo:" + fifo},
        {"RETURNSCAN_UI_ECHO=1"}, dir.file("kiosk.err"));
    auto line = kiosk.waitForLine("UI at http://127.0.0.1:", 30s);
    if (!line) {
        std::fprintf(stderr, "kiosk_latency_bench: the kiosk did not start:\n%s%s\n",
                     kiosk.output().c_str(), readFile(dir.file("kiosk.err")).c_str());
        return 2;
    }
    const int port = std::stoi(line->substr(line->find("http://127.0.0.1:") + 17));
    const std::string origin = "http://127.0.0.1:" + std::to_string(port);

    SseClient sse;
    std::string error;
    if (!sse.connect(port, error)) {
        std::fprintf(stderr, "kiosk_latency_bench: the event stream: %s\n", error.c_str());
        return 2;
    }
    if (!sse.waitFor([](const SseEvent& e) { return e.name == "state"; }, kEventTimeout)) {
        std::fprintf(stderr, "kiosk_latency_bench: no state event on connect\n");
        return 2;
    }
    const int fifoFd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fifoFd < 0) {
        std::fprintf(stderr, "kiosk_latency_bench: cannot open %s: %s\n", fifo.c_str(),
                     std::strerror(errno));
        return 2;
    }
    httplib::Client http("127.0.0.1", port);
    http.set_keep_alive(true);
    http.set_tcp_nodelay(true);
    http.set_read_timeout(10, 0);
    const httplib::Headers headers{{"Origin", origin}};

    std::vector<double> bare;
    std::vector<double> ours;
    bare.reserve(static_cast<std::size_t>(scans));
    ours.reserve(static_cast<std::size_t>(scans));
    int failures = 0;
    const auto runStart = Clock::now();
    for (int i = 0; i < scans + kWarmUp; ++i) {
        const bool counted = i >= kWarmUp;
        // (a) bare: the echo through the same server.
        {
            const std::string body = json{{"n", i}}.dump();
            const auto t0 = Clock::now();
            auto r = http.Post("/api/echo", headers, body, "application/json");
            if (!r || r->status != 200) {
                std::fprintf(
                    stderr, "kiosk_latency_bench: POST /api/echo failed (%s)\n",
                    r ? std::to_string(r->status).c_str() : httplib::to_string(r.error()).c_str());
                if (++failures > 10) {
                    return 2;
                }
                continue;
            }
            auto e = sse.waitFor(
                [&](const SseEvent& ev) {
                    if (ev.name != "echo") {
                        return false;
                    }
                    const auto j = json::parse(ev.data, nullptr, false);
                    return j.is_object() && j.value("n", -1) == i;
                },
                kEventTimeout);
            if (!e) {
                std::fprintf(stderr, "kiosk_latency_bench: echo %d never arrived%s\n", i,
                             sse.ended() ? " (the stream ended)" : "");
                return 2;
            }
            if (counted) {
                bare.push_back(ms(e->at - t0));
            }
        }
        // (b) ours: a scan through the FIFO to the decision on the stream.
        {
            const std::string code = unknownCode(i + 1);
            const std::string bytes = code + "\n";
            const auto t0 = Clock::now();
            if (::write(fifoFd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
                std::fprintf(stderr, "kiosk_latency_bench: writing the FIFO: %s\n",
                             std::strerror(errno));
                return 2;
            }
            auto e = sse.waitFor(
                [&](const SseEvent& ev) {
                    if (ev.name != "state" || ev.data.find(code) == std::string::npos) {
                        return false;
                    }
                    const auto j = json::parse(ev.data, nullptr, false);
                    if (!j.is_object()) {
                        return false;
                    }
                    const auto& last = j["last"];
                    const auto& session = j["session"];
                    return (last.is_object() && last.value("code", json()) == code) ||
                           (session.is_object() && session.value("code", json()) == code);
                },
                kEventTimeout);
            if (!e) {
                std::fprintf(stderr, "kiosk_latency_bench: the decision of %s never arrived%s\n%s",
                             code.c_str(), sse.ended() ? " (the stream ended)" : "",
                             readFile(dir.file("kiosk.err")).c_str());
                return 2;
            }
            if (counted) {
                ours.push_back(ms(e->at - t0));
            }
        }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - runStart).count();
    ::close(fifoFd);
    sse.close();
    const int stopped = kiosk.stop(SIGTERM, 30s);
    if (stopped != 0) {
        std::fprintf(stderr, "kiosk_latency_bench: the kiosk's stop: exit status %d\n%s", stopped,
                     readFile(dir.file("kiosk.err")).c_str());
        return 2;
    }

    const Stats b = statsOf(bare);
    const Stats o = statsOf(ours);
    const bool met = o.p99 <= kGoalP99Ms;
    const double ratio = b.p99 > 0 ? o.p99 / b.p99 : 0;
    if (asJson) {
        auto one = [](const Stats& s) {
            return json{{"p50_ms", s.p50},
                        {"p95_ms", s.p95},
                        {"p99_ms", s.p99},
                        {"max_ms", s.max},
                        {"mean_ms", s.mean}};
        };
        std::printf("%s\n", json{{"pairs", scans},
                                 {"seconds", seconds},
                                 {"bare_echo", one(b)},
                                 {"scan_to_sse", one(o)},
                                 {"ratio_p50", b.p50 > 0 ? o.p50 / b.p50 : 0},
                                 {"ratio_p99", ratio},
                                 {"goal_p99_ms", kGoalP99Ms},
                                 {"goal_met", met},
                                 {"smoke", smoke}}
                                .dump()
                                .c_str());
    } else {
        std::printf("kiosk_latency_bench: %d pairs (after %d of warm-up), alternating, %.1f s\n",
                    scans, kWarmUp, seconds);
        std::printf("%-26s %9s %9s %9s %9s %9s\n", "", "p50 ms", "p95 ms", "p99 ms", "max ms",
                    "mean ms");
        std::printf("%-26s %9.3f %9.3f %9.3f %9.3f %9.3f\n", "bare SSE echo", b.p50, b.p95, b.p99,
                    b.max, b.mean);
        std::printf("%-26s %9.3f %9.3f %9.3f %9.3f %9.3f\n", "scan -> decision on SSE", o.p50,
                    o.p95, o.p99, o.max, o.mean);
        std::printf("%-26s %9.1fx %8s %9.1fx %9.1fx\n", "ratio ours / bare",
                    b.p50 > 0 ? o.p50 / b.p50 : 0, "", ratio, b.max > 0 ? o.max / b.max : 0);
        std::printf("goal: scan -> decision p99 <= %.0f ms: %s (%.3f ms)%s\n", kGoalP99Ms,
                    met ? "PASS" : "FAIL", o.p99, smoke ? " [--smoke: not judged]" : "");
    }
    return smoke || met ? 0 : 1;
}
