// SPDX-License-Identifier: Apache-2.0
// Server-sent events over real HTTP: the initial state, published events, the echo option,
// keep-alive comments, slow clients dropped without blocking publish(), and a prompt stop().
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <string>
#include <thread>

#include "ui/ui_test_support.h"

namespace returnscan::ui::testing {
namespace {

using namespace std::chrono_literals;

/// Reads /api/events on its own thread and keeps everything received.
class SseReader {
public:
    SseReader(int port, httplib::Headers headers = {})
        : client_("127.0.0.1", port), thread_([this, headers] {
              client_.set_read_timeout(30);
              auto r = client_.Get("/api/events", headers, [this](const char* data, std::size_t n) {
                  std::lock_guard lock(mutex_);
                  received_.append(data, n);
                  changed_.notify_all();
                  return !stopping_;
              });
              std::lock_guard lock(mutex_);
              if (r) {
                  status_ = r->status;
              }
              ended_ = true;
              endedAt_ = std::chrono::steady_clock::now();
              changed_.notify_all();
          })
    {
    }
    ~SseReader()
    {
        stopping_ = true;  // in case the request has not started yet: end at its first chunk
        client_.stop();
        thread_.join();
    }

    /// Waits until the received text contains `text`.
    bool waitFor(const std::string& text, std::chrono::milliseconds timeout = 5s)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout,
                                 [&] { return received_.find(text) != std::string::npos; });
    }
    /// Waits until the stream has ended.
    bool waitEnded(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return ended_; });
    }
    std::string received()
    {
        std::lock_guard lock(mutex_);
        return received_;
    }
    std::chrono::steady_clock::time_point endedAt()
    {
        std::lock_guard lock(mutex_);
        return endedAt_;
    }
    int status()
    {
        std::lock_guard lock(mutex_);
        return status_;
    }

private:
    httplib::Client client_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string received_;
    bool ended_ = false;
    int status_ = 0;
    std::chrono::steady_clock::time_point endedAt_;
    std::thread thread_;  // last: starts once the rest exists
};

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

class SseTest : public ServerFixture {};

TEST_F(SseTest, SendsRetryAndStateOnConnect)
{
    SseReader reader(port());
    ASSERT_TRUE(reader.waitFor("\n\n", 5s));
    ASSERT_TRUE(reader.waitFor("event: state\ndata: "));
    const auto text = reader.received();
    EXPECT_EQ(text.rfind("retry: 2000\n\n", 0), 0u) << text;
    const auto data = text.find("data: ") + 6;
    const auto state = json::parse(text.substr(data, text.find('\n', data) - data));
    EXPECT_EQ(state["station"], "dock-3");
    EXPECT_TRUE(waitUntil([&] { return server_->clients() == 1; }));
}

TEST_F(SseTest, StreamIsNotCompressed)
{
    // Browsers offer gzip and br; a compressed stream would hold events back in the
    // compressor, so it must go out as plain text.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string request = "GET /api/events HTTP/1.1\r\nHost: " + hostPort() +
                                "\r\nAccept-Encoding: gzip, deflate, br\r\n\r\n";
    ASSERT_GT(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), 0);
    std::string got;
    char buf[4096];
    while (got.find("event: state") == std::string::npos) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    EXPECT_NE(got.find("event: state"), std::string::npos) << got;
    EXPECT_EQ(got.find("Content-Encoding"), std::string::npos) << got;
    EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
    EXPECT_NE(got.find("Cache-Control: no-store"), std::string::npos) << got;
}

TEST_F(SseTest, DeliversPublishedEvents)
{
    SseReader reader(port());
    ASSERT_TRUE(reader.waitFor("event: state"));
    server_->publish("state", json{{"station", "dock-3"}, {"prompt", "inspect"}});
    ASSERT_TRUE(reader.waitFor("\"prompt\":\"inspect\""));
    server_->publish("notice", json{{"word", "too_blurry"}});
    ASSERT_TRUE(reader.waitFor("event: notice\ndata: {\"word\":\"too_blurry\"}\n\n"));
}

TEST_F(SseTest, RefusesStreamsFromForeignHosts)
{
    SseReader reader(port(), {{"Host", "evil.example"}});
    ASSERT_TRUE(reader.waitEnded(5s));
    EXPECT_EQ(reader.status(), 421);
    EXPECT_EQ(server_->clients(), 0u);
}

TEST_F(SseTest, StateFailureOnConnectIs500)
{
    controller_.setThrowOnState(true);
    const auto a = get("/api/events");
    EXPECT_EQ(a.status, 500);
    EXPECT_EQ(a.error(), "internal");
    EXPECT_EQ(server_->clients(), 0u);
}

TEST_F(SseTest, HeadDoesNotOpenAStream)
{
    const auto a = answer(client()->Head("/api/events"));
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.header("Content-Type"), "text/event-stream");
    EXPECT_EQ(server_->clients(), 0u);
}

TEST_F(SseTest, EchoPublishesTheBody)
{
    start([](ServerOptions& o) { o.enableEcho = true; });
    SseReader reader(port());
    ASSERT_TRUE(reader.waitFor("event: state"));
    const auto a = post("/api/echo", json{{"t", 12345}});
    EXPECT_EQ(a.status, 200);
    ASSERT_TRUE(reader.waitFor("event: echo\ndata: {\"t\":12345}\n\n"));
    EXPECT_TRUE(controller_.actions().empty());
    // The POST rules still hold for it.
    EXPECT_EQ(post("/api/echo", json::object(), {{"Origin", "http://evil.example"}}).status, 403);
}

TEST_F(SseTest, SendsKeepAliveComments)
{
    start([](ServerOptions& o) { o.keepAlive = std::chrono::seconds(1); });
    SseReader reader(port());
    ASSERT_TRUE(reader.waitFor("event: state"));
    EXPECT_TRUE(reader.waitFor(": keep-alive\n\n", 3s));
}

TEST_F(SseTest, NoticesAClientThatHungUp)
{
    {
        SseReader reader(port());
        ASSERT_TRUE(reader.waitFor("event: state"));
        EXPECT_TRUE(waitUntil([&] { return server_->clients() == 1; }));
    }
    // Nothing is published: the hang-up itself is noticed.
    EXPECT_TRUE(waitUntil([&] { return server_->clients() == 0; }, 3s));
}

TEST_F(SseTest, SlowClientIsDroppedAndPublishDoesNotBlock)
{
    // A client that connects and never reads, with a tiny receive buffer.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string request =
        "GET /api/events HTTP/1.1\r\nHost: " + hostPort() + "\r\nAccept: text/event-stream\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    ASSERT_TRUE(waitUntil([&] { return server_->clients() == 1; }));

    // Far more than the socket buffers hold, then 64 more: the server must give up on it.
    const json big{{"pad", std::string(64 * 1024, 'x')}};
    auto slowest = std::chrono::nanoseconds::zero();
    const auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < 400 && server_->clients() > 0; ++i) {
        const auto t = std::chrono::steady_clock::now();
        server_->publish("state", big);
        slowest = std::max(slowest, std::chrono::steady_clock::now() - t);
    }
    // A publish() that waited for the client would take the write timeout (5 s) or forever;
    // the margins only absorb a loaded machine and sanitizers.
    EXPECT_LT(slowest, 1s);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 10s);
    EXPECT_TRUE(waitUntil([&] { return server_->clients() == 0; }));

    // The server goes on serving, events included.
    EXPECT_EQ(get("/api/state").status, 200);
    SseReader reader(port());
    ASSERT_TRUE(reader.waitFor("event: state"));
    server_->publish("after", json{{"n", 1}});
    EXPECT_TRUE(reader.waitFor("event: after"));
    ::close(fd);
}

TEST_F(SseTest, StopEndsStreamsPromptly)
{
    SseReader first(port());
    SseReader second(port());
    ASSERT_TRUE(first.waitFor("event: state"));
    ASSERT_TRUE(second.waitFor("event: state"));
    const auto begin = std::chrono::steady_clock::now();
    server_->stop();
    const auto stopped = std::chrono::steady_clock::now();
    EXPECT_LT(stopped - begin, 1s);
    ASSERT_TRUE(first.waitEnded(1s));
    ASSERT_TRUE(second.waitEnded(1s));
    EXPECT_LT(first.endedAt() - begin, 1s);
    EXPECT_EQ(server_->clients(), 0u);
    server_->publish("state", json::object());  // harmless after stop
}

TEST_F(SseTest, StopEndsAStreamStuckOnAClientThatDoesNotRead)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string request = "GET /api/events HTTP/1.1\r\nHost: " + hostPort() + "\r\n\r\n";
    ASSERT_GT(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), 0);
    ASSERT_TRUE(waitUntil([&] { return server_->clients() == 1; }));
    // Enough to block the server's write, not enough to drop the client.
    const json big{{"pad", std::string(256 * 1024, 'x')}};
    for (int i = 0; i < 40; ++i) {
        server_->publish("state", big);
        std::this_thread::sleep_for(2ms);
    }
    const auto begin = std::chrono::steady_clock::now();
    server_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
    ::close(fd);
}

TEST_F(SseTest, StopWaitsAtMostBrieflyForIdleKeepAliveConnections)
{
    auto c = client();
    c->set_keep_alive(true);
    ASSERT_EQ(answer(c->Get("/api/state")).status, 200);  // the connection stays open, idle
    const auto begin = std::chrono::steady_clock::now();
    server_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
}

TEST_F(SseTest, LimitsStreamsToLeaveAWorkerForRequests)
{
    // threads = 4 in the fixture: three streams, then 503.
    SseReader a(port());
    SseReader b(port());
    SseReader c(port());
    ASSERT_TRUE(a.waitFor("event: state"));
    ASSERT_TRUE(b.waitFor("event: state"));
    ASSERT_TRUE(c.waitFor("event: state"));
    const auto refused = get("/api/events");
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.error(), "busy");
    EXPECT_EQ(get("/api/state").status, 200);
}

}  // namespace
}  // namespace returnscan::ui::testing
