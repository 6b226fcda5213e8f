// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the ui tests: a fake controller, a server on 127.0.0.1 port 0 with a fake
// clock, and small HTTP helpers (cpp-httplib's client and a raw socket).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "returnscan/ui/server.h"
#include "ui/fake_clock.h"

namespace returnscan::ui::testing {

using nlohmann::json;

inline constexpr std::string_view kKnownPhoto =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Answers like the kiosk would, records what it was asked. Thread-safe.
class FakeController final : public Controller {
public:
    struct Action {
        std::string name;
        json body;
        std::optional<std::string> supervisor;
    };

    json state() override
    {
        std::lock_guard lock(mutex_);
        if (throwOnState_) {
            throw std::runtime_error("state exploded");
        }
        return state_;
    }

    Reply receipts(int limit, std::string_view query) override
    {
        std::lock_guard lock(mutex_);
        lastLimit_ = limit;
        lastQuery_ = std::string(query);
        return Reply::ok({{"receipts", json::array()}});
    }

    Reply action(std::string_view name, const json& body, const Caller& caller) override
    {
        std::lock_guard lock(mutex_);
        actions_.push_back(Action{std::string(name), body, caller.supervisor});
        if (name == "boom") {
            throw std::runtime_error("action exploded");
        }
        if (name == "sync" && !caller.supervisor) {
            return Reply::error(401, "pin_required", "a supervisor must log in");
        }
        return Reply::ok({{"state", state_}});
    }

    std::optional<Blob> photo(std::string_view sha256, bool thumbnail) override
    {
        if (sha256 != kKnownPhoto) {
            return std::nullopt;
        }
        return Blob{"image/jpeg", thumbnail ? "thumb-bytes" : "full-bytes"};
    }

    std::optional<Blob> preview() override
    {
        std::lock_guard lock(mutex_);
        if (!camera_) {
            return std::nullopt;
        }
        return Blob{"image/jpeg", "preview-bytes"};
    }

    void setState(json s)
    {
        std::lock_guard lock(mutex_);
        state_ = std::move(s);
    }
    void setThrowOnState(bool on)
    {
        std::lock_guard lock(mutex_);
        throwOnState_ = on;
    }
    void setCamera(bool on)
    {
        std::lock_guard lock(mutex_);
        camera_ = on;
    }
    std::vector<Action> actions() const
    {
        std::lock_guard lock(mutex_);
        return actions_;
    }
    int lastLimit() const
    {
        std::lock_guard lock(mutex_);
        return lastLimit_;
    }
    std::string lastQuery() const
    {
        std::lock_guard lock(mutex_);
        return lastQuery_;
    }

private:
    mutable std::mutex mutex_;
    json state_{{"station", "dock-3"}, {"prompt", "scan_code"}, {"version", 1}};
    bool throwOnState_ = false;
    bool camera_ = false;
    std::vector<Action> actions_;
    int lastLimit_ = 0;
    std::string lastQuery_;
};

/// A hashPin()-form hash with only 1000 iterations, so the many logins of the tests stay
/// quick (hashPin's own count takes tens of milliseconds per supervisor and login).
inline std::string quickPinHash(const std::string& pin)
{
    const std::string salt = "0123456789abcdef";
    unsigned char out[32];
    PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), 1000, EVP_sha256(), sizeof out, out);
    auto hex = [](const unsigned char* p, std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) {
            s += "0123456789abcdef"[p[i] >> 4];
            s += "0123456789abcdef"[p[i] & 15];
        }
        return s;
    };
    return "pbkdf2-sha256$1000$" +
           hex(reinterpret_cast<const unsigned char*>(salt.data()), salt.size()) + "$" +
           hex(out, sizeof out);
}

/// The two supervisors of the tests: sup-1 with PIN 1234, sup-2 with 987654.
inline const std::vector<SupervisorPin>& testSupervisors()
{
    static const std::vector<SupervisorPin> supervisors{{"sup-1", quickPinHash("1234")},
                                                        {"sup-2", quickPinHash("987654")}};
    return supervisors;
}

/// An answer as the tests look at it.
struct Answer {
    int status = 0;
    httplib::Headers headers;
    std::string body;

    [[nodiscard]] json parsed() const { return json::parse(body, nullptr, false); }
    [[nodiscard]] std::string header(const std::string& name) const
    {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string{} : it->second;
    }
    [[nodiscard]] std::string error() const
    {
        const auto j = parsed();
        return j.is_object() && j.contains("error") && j["error"].is_string()
                   ? j["error"].get<std::string>()
                   : std::string{};
    }
};

/// Sends `request` as it is over a new connection and returns everything the server sent
/// before closing (the request should ask for Connection: close).
inline std::string rawExchange(int port, const std::string& request)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return {};
    }
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    for (;;) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

/// A server on 127.0.0.1 with an ephemeral port, a fake controller and a fake clock.
class ServerFixture : public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { server_.reset(); }

    void start(const std::function<void(ServerOptions&)>& tweak = {})
    {
        server_.reset();
        ServerOptions o;
        o.host = "127.0.0.1";
        o.port = 0;
        o.supervisors = testSupervisors();
        o.clock = &clock_;
        o.threads = 4;
        if (tweak) {
            tweak(o);
        }
        auto s = Server::start(o, controller_);
        ASSERT_TRUE(s.ok()) << s.error().message;
        server_ = std::move(*s);
    }

    [[nodiscard]] int port() const { return server_->port(); }
    [[nodiscard]] std::string hostPort() const { return "127.0.0.1:" + std::to_string(port()); }

    [[nodiscard]] std::unique_ptr<httplib::Client> client() const
    {
        auto c = std::make_unique<httplib::Client>("127.0.0.1", port());
        c->set_connection_timeout(5);
        c->set_read_timeout(5);
        c->set_write_timeout(5);
        return c;
    }

    static Answer answer(const httplib::Result& r)
    {
        Answer a;
        if (r) {
            a.status = r->status;
            a.headers = r->headers;
            a.body = r->body;
        }
        return a;
    }

    Answer get(const std::string& path, const httplib::Headers& headers = {})
    {
        return answer(client()->Get(path.c_str(), headers));
    }

    Answer post(const std::string& path, const std::string& body,
                const httplib::Headers& headers = {},
                const std::string& contentType = "application/json")
    {
        return answer(client()->Post(path.c_str(), headers, body, contentType.c_str()));
    }

    Answer post(const std::string& path, const json& body, const httplib::Headers& headers = {})
    {
        return post(path, body.dump(), headers);
    }

    /// A logged-in supervisor: the cookie value and the CSRF token.
    struct Login {
        std::string cookie;
        std::string csrf;
    };

    std::optional<Login> login(const std::string& pin)
    {
        const auto a = post("/api/login", json{{"pin", pin}});
        if (a.status != 200) {
            return std::nullopt;
        }
        const auto setCookie = a.header("Set-Cookie");
        const auto start = setCookie.find("rs_session=");
        const auto end = setCookie.find(';');
        if (start != 0 || end == std::string::npos) {
            return std::nullopt;
        }
        return Login{setCookie.substr(11, end - 11), a.parsed().value("csrf", "")};
    }

    static httplib::Headers withSession(const Login& l, bool csrf = true)
    {
        httplib::Headers h{{"Cookie", "rs_session=" + l.cookie}};
        if (csrf) {
            h.emplace("X-CSRF-Token", l.csrf);
        }
        return h;
    }

    FakeClock clock_{core::Timestamp{std::chrono::seconds(1'795'000'000)}};
    FakeController controller_;
    std::unique_ptr<Server> server_;
};

}  // namespace returnscan::ui::testing
