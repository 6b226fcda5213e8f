// SPDX-License-Identifier: Apache-2.0
// The kiosk's web server over cpp-httplib: routing, the request rules of docs/ui-api.md,
// supervisor sessions, SSE and the embedded pages.
#include "returnscan/ui/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <set>
#include <thread>
#include <utility>

#include "assets.h"
#include "crypto.h"
#include "event_hub.h"
#include "http_rules.h"
#include "returnscan/digest/sha256.h"
#include "supervisors.h"

namespace returnscan::ui {

using nlohmann::json;

Reply Reply::ok(nlohmann::json extra)
{
    Reply r;
    if (extra.is_object()) {
        r.body = std::move(extra);
    } else {
        r.body = json::object();
        if (!extra.is_null()) {
            r.body["data"] = std::move(extra);
        }
    }
    r.body["ok"] = true;
    return r;
}

Reply Reply::error(int status, std::string_view word, std::string_view message)
{
    Reply r;
    r.status = status;
    r.body = json{{"ok", false}, {"error", word}, {"message", message}};
    return r;
}

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;  // every API body is a few hundred bytes
constexpr std::size_t kMaxEventQueue = 64;
constexpr std::size_t kMaxQuery = 256;
constexpr std::size_t kMaxPin = 64;
constexpr std::string_view kCookie = "rs_session";
// An idle keep-alive connection holds a worker this long, and httplib's stop() waits for it
// (its idle wait does not look at the stop flag). Loopback makes new connections cheap.
constexpr time_t kKeepAliveSeconds = 1;

void sendJson(httplib::Response& res, int status, const json& body)
{
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void sendError(httplib::Response& res, int status, std::string_view word, std::string_view message)
{
    sendJson(res, status, Reply::error(status, word, message).body);
}

void sendReply(httplib::Response& res, const Reply& reply)
{
    if (reply.status < 200 || reply.status > 599) {
        sendError(res, 500, "internal", "the controller answered an invalid status");
        return;
    }
    sendJson(res, reply.status, reply.body.is_null() ? json::object() : reply.body);
}

std::string_view defaultWord(int status)
{
    switch (status) {
        case 400:
            return "bad_request";
        case 404:
            return "not_found";
        case 405:
            return "method_not_allowed";
        case 413:
            return "too_large";
        case 414:
            return "uri_too_long";
        case 500:
            return "internal";
        default:
            return "error";
    }
}

/// Every rs_session value of the request (Cookie headers may repeat).
std::vector<std::string> sessionCookies(const httplib::Request& req)
{
    std::vector<std::string> out;
    const auto n = req.get_header_value_count("Cookie");
    for (std::size_t i = 0; i < n; ++i) {
        const std::string header = req.get_header_value("Cookie", i);  // the views point into it
        for (auto v : detail::cookieValues(header, kCookie)) {
            out.emplace_back(v);
        }
    }
    return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& strings)
{
    return {strings.begin(), strings.end()};
}

std::string bracketed(const std::string& host)
{
    if (host.find(':') != std::string::npos && host.front() != '[') {
        return "[" + host + "]";
    }
    return host;
}

}  // namespace

struct Server::Impl {
    Impl(const ServerOptions& o, Controller& c)
        : options(o),
          controller(c),
          clock(o.clock != nullptr ? o.clock : &systemClock),
          auth(o.supervisors, o.maxPinTries, o.pinLockout, o.supervisorIdle, *clock),
          events(kMaxEventQueue)
    {
    }

    ServerOptions options;
    Controller& controller;
    core::SystemClock systemClock;
    const core::Clock* clock;
    detail::SupervisorAuth auth;
    detail::EventHub events;
    detail::HostRules hosts;
    httplib::Server http;
    std::thread thread;
    std::atomic<bool> listenEnded{false};
    int port = 0;
    std::size_t maxEventClients = 1;

    std::mutex stopMutex;
    bool stopped = false;

    void configure();
    void handleGet(const httplib::Request& req, httplib::Response& res);
    void handlePost(const httplib::Request& req, httplib::Response& res);
    void serveAsset(const httplib::Request& req, httplib::Response& res, std::string_view name);
    void serveSession(const httplib::Request& req, httplib::Response& res);
    void serveReceipts(const httplib::Request& req, httplib::Response& res);
    void serveEvents(const httplib::Request& req, httplib::Response& res);
    void serveBlob(httplib::Response& res, const std::optional<Blob>& blob,
                   std::string_view missingWord, std::string_view missingMessage);
    void login(const json& body, const std::optional<detail::SessionView>& current,
               httplib::Response& res);
    void logout(const std::optional<detail::SessionView>& current, httplib::Response& res);
    [[nodiscard]] json stateOrNull();
};

json Server::Impl::stateOrNull()
{
    try {
        return controller.state();
    } catch (...) {
        return nullptr;
    }
}

void Server::Impl::configure()
{
    const auto threads = static_cast<std::size_t>(options.threads);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // An SSE client keeps its worker for the whole stream: leave one for requests.
    maxEventClients = threads - 1;
    // httplib writes headers and body separately; with Nagle on, small SSE frames and answers
    // wait for the client's delayed ACK (about 40 ms on Linux).
    http.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, with which a second kiosk binds the same port
    // without an error and the kernel shares the connections between the two.
    http.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    http.set_payload_max_length(kMaxBody);
    http.set_keep_alive_timeout(kKeepAliveSeconds);

    // GET and HEAD are routed here, by plain string comparison: no regex runs over a path of
    // up to 8 KiB, and the Host rule covers every path, unknown ones included. Other methods
    // go on to the routes below (their bodies must be read first).
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (req.method != "GET" && req.method != "HEAD") {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        try {
            handleGet(req, res);
        } catch (...) {
            res = httplib::Response{};
            sendError(res, 500, "internal", "internal error");
        }
        return httplib::Server::HandlerResponse::Handled;
    });
    http.Post(R"(/api/([a-z-]{1,32}))",
              [this](const httplib::Request& req, httplib::Response& res) {
                  try {
                      handlePost(req, res);
                  } catch (...) {
                      res = httplib::Response{};
                      sendError(res, 500, "internal", "internal error");
                  }
              });
    // Anything that escaped anyway (httplib's own code) still gets the JSON error.
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            res = httplib::Response{};
            sendError(res, 500, "internal", "internal error");
        });
    // Errors httplib produces itself (404 for other paths and methods, 413, 414, 400) get the
    // JSON error body; ours already have one.
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&,
                                                                   httplib::Response& res) {
        if (!res.body.empty() || res.content_provider_) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        const auto word = defaultWord(res.status);
        sendError(res, res.status, word, word == "too_large" ? "the body is over 64 KiB" : word);
        return httplib::Server::HandlerResponse::Handled;
    }));
    // The security headers go on every answer, whoever made it.
    http.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
        res.set_header("Content-Security-Policy", std::string(detail::kContentSecurityPolicy));
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("X-Frame-Options", "DENY");
        if (!res.has_header("Cache-Control")) {
            res.set_header("Cache-Control", "no-store");
        }
    });
}

void Server::Impl::handleGet(const httplib::Request& req, httplib::Response& res)
{
    if (!hosts.hostAllowed(req.get_header_value("Host"))) {
        sendError(res, 421, "bad_host", "this Host is not served here");
        return;
    }
    const std::string_view path = req.path;
    constexpr std::string_view kAssets = "/assets/";
    constexpr std::string_view kPhotos = "/api/photos/";
    if (path == "/") {
        serveAsset(req, res, "index.html");
    } else if (path.starts_with(kAssets)) {
        serveAsset(req, res, path.substr(kAssets.size()));
    } else if (path == "/healthz") {
        res.set_content("ok", "text/plain; charset=utf-8");
    } else if (path == "/api/state") {
        sendJson(res, 200, controller.state());
    } else if (path == "/api/session") {
        serveSession(req, res);
    } else if (path == "/api/receipts") {
        serveReceipts(req, res);
    } else if (path == "/api/events") {
        serveEvents(req, res);
    } else if (path == "/api/preview.jpg") {
        serveBlob(res, controller.preview(), "no_camera", "there is no preview camera");
    } else if (path.starts_with(kPhotos) && digest::isSha256Hex(path.substr(kPhotos.size()))) {
        const bool thumb = req.get_param_value("thumb") == "1";
        serveBlob(res, controller.photo(path.substr(kPhotos.size()), thumb), "not_found",
                  "no such photo");
    } else {
        sendError(res, 404, "not_found", "no such page");
    }
}

void Server::Impl::serveAsset(const httplib::Request& req, httplib::Response& res,
                              std::string_view name)
{
    const auto* asset = detail::findAsset(name);
    if (asset == nullptr) {
        sendError(res, 404, "not_found", "no such asset");
        return;
    }
    // Revalidated on every load (the ETag makes that a 304): a new build shows at once.
    res.set_header("ETag", asset->etag);
    res.set_header("Cache-Control", "no-cache");
    const auto match = req.get_header_value("If-None-Match");
    if (!match.empty() && (match == "*" || match.find(asset->etag) != std::string::npos)) {
        res.status = 304;
        return;
    }
    res.status = 200;
    res.set_content(asset->data, asset->size, std::string(detail::contentTypeFor(asset->name)));
}

void Server::Impl::serveSession(const httplib::Request& req, httplib::Response& res)
{
    const auto cookies = sessionCookies(req);
    const auto session = auth.find(views(cookies), false);
    const auto lock = auth.lockout();
    json body{{"supervisor", nullptr}, {"csrf", nullptr}, {"locked_until", nullptr}};
    if (session) {
        body["supervisor"] = session->supervisor;
        body["csrf"] = session->csrf;
    }
    if (lock) {
        body["locked_until"] = core::formatRfc3339(lock->until);
    }
    sendJson(res, 200, body);
}

void Server::Impl::serveReceipts(const httplib::Request& req, httplib::Response& res)
{
    const auto limit = detail::parseLimit(req.get_param_value("limit"));
    if (!limit) {
        sendError(res, 400, "bad_limit", "limit must be a whole number (1 to 500)");
        return;
    }
    const auto query = req.get_param_value("q");
    if (query.size() > kMaxQuery) {
        sendError(res, 400, "bad_query", "q is longer than 256 bytes");
        return;
    }
    // Searching receipts is a supervisor's use of the session: it keeps it alive.
    const auto cookies = sessionCookies(req);
    (void)auth.find(views(cookies), true);
    sendReply(res, controller.receipts(*limit, query));
}

void Server::Impl::serveBlob(httplib::Response& res, const std::optional<Blob>& blob,
                             std::string_view missingWord, std::string_view missingMessage)
{
    if (!blob) {
        sendError(res, 404, missingWord, missingMessage);
        return;
    }
    res.status = 200;
    res.set_content(blob->bytes,
                    blob->contentType.empty() ? "application/octet-stream" : blob->contentType);
}

void Server::Impl::serveEvents(const httplib::Request& req, httplib::Response& res)
{
    if (req.method == "HEAD") {
        res.status = 200;
        res.set_header("Content-Type", "text/event-stream");
        return;
    }
    const int socket =
        detail::findConnectionSocket(req.local_port > 0 ? req.local_port : port, req.remote_port);
    auto client = events.connect("retry: 2000\n\n", socket, maxEventClients);
    if (!client) {
        sendError(res, 503, "busy", "too many event streams (or the server is stopping)");
        return;
    }
    try {
        events.push(*client, detail::EventHub::frame("state", controller.state()));
    } catch (...) {
        events.disconnect(client);
        throw;
    }
    const auto keepAlive = std::chrono::duration_cast<std::chrono::milliseconds>(options.keepAlive);
    res.status = 200;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, client, keepAlive](std::size_t, httplib::DataSink& sink) {
            try {
                std::string out;
                if (events.next(*client, out, keepAlive) == detail::NextFrames::Closed) {
                    sink.done();  // a clean end; the page's EventSource reconnects
                    return true;
                }
                return sink.write(out.data(), out.size());
            } catch (...) {
                return false;
            }
        },
        // Runs when httplib drops the response, before it closes the socket.
        [this, client](bool) { events.disconnect(client); });
}

void Server::Impl::handlePost(const httplib::Request& req, httplib::Response& res)
{
    if (!hosts.hostAllowed(req.get_header_value("Host"))) {
        sendError(res, 421, "bad_host", "this Host is not served here");
        return;
    }
    if (req.has_header("Origin") && !hosts.originAllowed(req.get_header_value("Origin"))) {
        sendError(res, 403, "bad_origin", "cross-origin requests are refused");
        return;
    }
    if (req.has_header("Sec-Fetch-Site") &&
        !detail::fetchSiteAllowed(req.get_header_value("Sec-Fetch-Site"))) {
        sendError(res, 403, "bad_origin", "cross-site requests are refused");
        return;
    }
    if (!detail::isJsonContentType(req.get_header_value("Content-Type"))) {
        sendError(res, 415, "unsupported_media_type", "send Content-Type: application/json");
        return;
    }
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
        sendError(res, 400, "bad_json", "the body is not JSON");
        return;
    }
    if (!body.is_object()) {
        sendError(res, 400, "bad_request", "the body must be a JSON object");
        return;
    }
    const auto cookies = sessionCookies(req);
    auto session = auth.find(views(cookies), false);
    if (session) {
        if (!detail::equalConstantTime(req.get_header_value("X-CSRF-Token"), session->csrf)) {
            sendError(res, 403, "bad_csrf", "X-CSRF-Token is missing or wrong");
            return;
        }
        session = auth.find({session->id}, true);  // a supervisor's action: restart the idle time
    }
    const std::string name = req.matches[1];
    if (!detail::isActionName(name)) {  // the route's pattern already says so; defence in depth
        sendError(res, 404, "not_found", "no such action");
        return;
    }
    if (name == "login") {
        login(body, session, res);
    } else if (name == "logout") {
        logout(session, res);
    } else if (name == "echo" && options.enableEcho) {
        events.publish("echo", body);
        sendJson(res, 200, json{{"ok", true}});
    } else {
        Caller caller;
        if (session) {
            caller.supervisor = session->supervisor;
        }
        sendReply(res, controller.action(name, body, caller));
    }
}

void Server::Impl::login(const json& body, const std::optional<detail::SessionView>& current,
                         httplib::Response& res)
{
    const auto pin = body.find("pin");
    if (pin == body.end() || !pin->is_string() || pin->get_ref<const std::string&>().empty() ||
        pin->get_ref<const std::string&>().size() > kMaxPin) {
        sendError(res, 400, "bad_request", "expected {\"pin\": \"...\"}");
        return;
    }
    const auto outcome =
        auth.login(pin->get_ref<const std::string&>(), current ? current->id : std::string{});
    if (const auto* lock = std::get_if<detail::Lockout>(&outcome)) {
        auto reply = Reply::error(429, "pin_locked", "too many wrong PINs: wait, then try again");
        reply.body["retry_after"] = lock->retryAfter.count();
        reply.body["locked_until"] = core::formatRfc3339(lock->until);
        res.set_header("Retry-After", std::to_string(lock->retryAfter.count()));
        sendReply(res, reply);
    } else if (const auto* wrong = std::get_if<detail::WrongPin>(&outcome)) {
        auto reply = Reply::error(401, "wrong_pin", "wrong PIN");
        reply.body["tries_left"] = wrong->triesLeft;
        sendReply(res, reply);
    } else if (const auto* session = std::get_if<detail::SessionView>(&outcome)) {
        res.set_header("Set-Cookie", std::string(kCookie) + "=" + session->id +
                                         "; Path=/; HttpOnly; SameSite=Strict");
        sendJson(res, 200,
                 json{{"ok", true},
                      {"supervisor", session->supervisor},
                      {"csrf", session->csrf},
                      {"state", stateOrNull()}});
    } else {
        sendError(res, 500, "internal", "no random numbers for a session");
    }
}

void Server::Impl::logout(const std::optional<detail::SessionView>& current, httplib::Response& res)
{
    if (current) {
        auth.logout(current->id);
    }
    res.set_header("Set-Cookie",
                   std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    sendJson(res, 200, json{{"ok", true}, {"state", stateOrNull()}});
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}

Server::~Server()
{
    stop();
}

namespace {

Status validate(const ServerOptions& o)
{
    auto bad = [](std::string message) {
        return Status(makeError(ErrorCode::InvalidArgument, std::move(message)));
    };
    if (o.host.empty()) {
        return bad("ui: no address to listen on");
    }
    if (o.port < 0 || o.port > 65535) {
        return bad("ui: port " + std::to_string(o.port) + " is not 0..65535");
    }
    if (o.threads < 2 || o.threads > 256) {
        return bad("ui: threads must be 2..256 (an event stream keeps one busy)");
    }
    if (o.maxPinTries < 1) {
        return bad("ui: maxPinTries must be at least 1");
    }
    if (o.pinLockout.count() < 1 || o.supervisorIdle.count() < 1 || o.keepAlive.count() < 1) {
        return bad("ui: pinLockout, supervisorIdle and keepAlive must be at least 1 s");
    }
    std::set<std::string> ids;
    for (const auto& s : o.supervisors) {
        if (s.id.empty()) {
            return bad("ui: a supervisor has no id");
        }
        if (!ids.insert(s.id).second) {
            return bad("ui: supervisor '" + s.id + "' is listed twice");
        }
        if (!isPinHash(s.pinHash)) {
            return bad("ui: supervisor '" + s.id +
                       "' has no valid PIN hash (make one with `returnscan pin-hash`)");
        }
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Controller& controller)
{
    if (auto ok = validate(options); !ok) {
        return std::move(ok).takeError();
    }
    auto impl = std::make_unique<Impl>(options, controller);
    auto& http = impl->http;
    impl->configure();  // before binding: the socket options apply to the listening socket
    const std::string where = bracketed(options.host) + ":" + std::to_string(options.port);
    if (options.port == 0) {
        impl->port = http.bind_to_any_port(options.host);
    } else {
        impl->port = http.bind_to_port(options.host, options.port) ? options.port : -1;
    }
    if (impl->port <= 0) {
        return makeError(ErrorCode::Io,
                         "ui: cannot listen on " + where + " (address in use or not local)");
    }
    auto hosts = detail::HostRules::make(impl->port, options.host, options.allowedHosts);
    if (!hosts) {
        return std::move(hosts).takeError();
    }
    impl->hosts = std::move(*hosts);

    Impl* p = impl.get();
    impl->thread = std::thread([p] {
        p->http.listen_after_bind();
        p->listenEnded = true;
    });
    // stop() only works once httplib runs its accept loop: wait for it, so that a stop()
    // right after start() cannot be lost.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!http.is_running() && !p->listenEnded && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!http.is_running()) {
        http.stop();
        impl->thread.join();
        return makeError(ErrorCode::Io, "ui: the server on " + where + " did not start");
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const
{
    return impl_->port;
}

std::string Server::url() const
{
    std::string host = impl_->options.host;
    if (host == "0.0.0.0") {
        host = "127.0.0.1";
    } else if (host == "::" || host == "[::]") {
        host = "::1";
    }
    return "http://" + bracketed(host) + ":" + std::to_string(impl_->port) + "/";
}

void Server::publish(std::string_view event, const nlohmann::json& data)
{
    try {
        impl_->events.publish(event, data);
    } catch (...) {
        // Only allocation can fail here; a lost event is corrected by the next state.
    }
}

std::size_t Server::clients() const
{
    return impl_->events.size();
}

void Server::stop()
{
    if (!impl_) {
        return;
    }
    std::lock_guard lock(impl_->stopMutex);
    if (impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    // Streams first (each ends at once, even one stuck on a client that does not read), then
    // the accept loop; listen_after_bind() returns once every worker has finished.
    impl_->events.closeAll();
    impl_->http.stop();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
}

}  // namespace returnscan::ui
