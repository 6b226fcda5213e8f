// SPDX-License-Identifier: Apache-2.0
// The reference central server: cpp-httplib routes over a SQLite file, with switchable faults.
#include "central_server.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "returnscan/core/receipt.h"
#include "returnscan/core/time.h"
#include "returnscan/digest/sha256.h"

namespace returnscan::central {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxPhotoBytes = 20u << 20;
constexpr std::size_t kMaxReceiptsPerPost = 100;
constexpr int kMaxLimit = 5000;
constexpr int kDefaultLimit = 1000;

std::string errorBody(std::string_view word, std::string_view message)
{
    return json{{"error", word}, {"message", message}}.dump();
}

std::string cursorOf(std::int64_t seq)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "c_%012lld", static_cast<long long>(seq));
    return buf;
}

std::optional<std::int64_t> parseCursor(const std::string& c)
{
    if (c.size() != 14 || !c.starts_with("c_")) {
        return std::nullopt;
    }
    std::int64_t v = 0;
    for (char ch : c.substr(2)) {
        if (ch < '0' || ch > '9') {
            return std::nullopt;
        }
        v = v * 10 + (ch - '0');
    }
    return v;
}

using digest::isSha256Hex;
using digest::sha256Hex;

/// A tiny RAII statement for the server's own SQLite file.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(int i, const std::string& v)
    {
        sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, std::int64_t v)
    {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    int step() { return sqlite3_step(s_); }
    std::int64_t integer(int c) { return sqlite3_column_int64(s_, c); }
    std::string text(int c)
    {
        const auto* p = sqlite3_column_text(s_, c);
        return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                          static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
                            : std::string();
    }

private:
    sqlite3_stmt* s_ = nullptr;
};

}  // namespace

Result<Fault> parseFault(const std::string& text)
{
    Fault f;
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos) {
            break;
        }
        start = colon + 1;
    }
    const std::string& k = parts[0];
    if (k == "500") {
        f.kind = FaultKind::ServerError;
    } else if (k == "429") {
        f.kind = FaultKind::TooManyRequests;
    } else if (k == "reset") {
        f.kind = FaultKind::ResetMidBody;
    } else if (k == "drop") {
        f.kind = FaultKind::CommitThenDrop;
    } else if (k == "slow") {
        f.kind = FaultKind::Slow;
    } else if (k == "malformed") {
        f.kind = FaultKind::MalformedJson;
    } else if (k == "redirect") {
        f.kind = FaultKind::Redirect;
    } else {
        return makeError(ErrorCode::InvalidArgument, "unknown fault kind '" + k + "'");
    }
    if (parts.size() > 1) {
        const std::string& e = parts[1];
        if (e == "any") {
            f.endpoint = Endpoint::Any;
        } else if (e == "time") {
            f.endpoint = Endpoint::Time;
        } else if (e == "authorizations") {
            f.endpoint = Endpoint::Authorizations;
        } else if (e == "receipts") {
            f.endpoint = Endpoint::Receipts;
        } else if (e == "head") {
            f.endpoint = Endpoint::PhotoHead;
        } else if (e == "put") {
            f.endpoint = Endpoint::PhotoPut;
        } else {
            return makeError(ErrorCode::InvalidArgument, "unknown fault endpoint '" + e + "'");
        }
    }
    if (parts.size() > 2) {
        try {
            f.count = std::stoi(parts[2]);
        } catch (const std::exception&) {
            return makeError(ErrorCode::InvalidArgument, "fault count is not a number");
        }
    }
    return f;
}

struct CentralServer::Impl {
    ServerOptions o;
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    int port = 0;
    sqlite3* db = nullptr;
    std::mutex dbMutex;
    std::mutex faultMutex;
    std::deque<Fault> faults;
    std::mutex hookMutex;
    std::function<void(const std::string&)> receiptsHook;
    std::filesystem::path photoDir;

    std::atomic<std::int64_t> requests{0};
    std::atomic<std::int64_t> receiptPosts{0};
    std::atomic<std::int64_t> duplicatePosts{0};
    std::atomic<std::int64_t> photoPuts{0};
    std::atomic<std::int64_t> photoHeads{0};
    std::atomic<std::int64_t> authPages{0};
    std::atomic<std::int64_t> faultsInjected{0};
    std::atomic<std::int64_t> unauthorized{0};
    std::atomic<std::int64_t> redirectsFollowed{0};
    std::atomic<std::int64_t> captured{0};
    std::atomic<std::int64_t> inFlight{0};
    std::atomic<std::int64_t> maxInFlight{0};

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl()
    {
        if (server) {
            server->stop();
        }
        if (thread.joinable()) {
            thread.join();
        }
        sqlite3_close_v2(db);
    }

    std::optional<Fault> takeFault(Endpoint e)
    {
        std::lock_guard lock(faultMutex);
        for (auto it = faults.begin(); it != faults.end(); ++it) {
            if (it->endpoint == Endpoint::Any || it->endpoint == e) {
                Fault f = *it;
                if (--it->count <= 0) {
                    faults.erase(it);
                }
                ++faultsInjected;
                return f;
            }
        }
        return std::nullopt;
    }

    void exec(const char* sql)
    {
        char* err = nullptr;
        sqlite3_exec(db, sql, nullptr, nullptr, &err);
        sqlite3_free(err);
    }

    /// Applies `fault` around `process`, which fills `res` (and commits). Returns normally in
    /// every case; the fault decides what reaches the client.
    void serve(const httplib::Request& req, httplib::Response& res, Endpoint endpoint,
               const std::function<void()>& process);

    void handleTime(httplib::Response& res);
    void handleAuthorizations(const httplib::Request& req, httplib::Response& res);
    void handleReceipts(const httplib::Request& req, httplib::Response& res);
    void handlePhotoHead(const std::string& sha, httplib::Response& res);
    void handlePhotoPut(const httplib::Request& req, const std::string& sha,
                        httplib::Response& res);
};

void CentralServer::Impl::serve(const httplib::Request& req, httplib::Response& res,
                                Endpoint endpoint, const std::function<void()>& process)
{
    // Counted while the handler runs: what a client has in flight reaches the server as
    // concurrent handlers (one per connection).
    const auto now = ++inFlight;
    for (auto seen = maxInFlight.load();
         now > seen && !maxInFlight.compare_exchange_weak(seen, now);) {
    }
    struct Leave {
        std::atomic<std::int64_t>& n;
        ~Leave() { --n; }
    } leave{inFlight};
    if (req.has_param("redirected")) {
        ++redirectsFollowed;
    }
    auto fault = takeFault(endpoint);
    if (fault && fault->kind == FaultKind::Redirect) {
        res.status = 307;
        res.set_header("Location", req.path + "?redirected=1");
        return;
    }
    if (fault && fault->kind == FaultKind::ServerError) {
        res.status = 500;
        res.set_content(errorBody("internal", "injected fault"), "application/json");
        return;
    }
    if (fault && fault->kind == FaultKind::TooManyRequests) {
        res.status = 429;
        res.set_header("Retry-After", std::to_string(fault->retryAfterSeconds));
        res.set_content(errorBody("too_many_requests", "injected fault"), "application/json");
        return;
    }
    if (fault && fault->kind == FaultKind::Slow) {
        std::this_thread::sleep_for(std::chrono::milliseconds(fault->delayMs));
    }
    process();
    if (!fault) {
        return;
    }
    switch (fault->kind) {
        case FaultKind::MalformedJson:
            res.set_content("{\"accepted\": [\"0b6f3c1e", "application/json");
            break;
        case FaultKind::ResetMidBody:
            if (req.method != "HEAD" && !res.body.empty()) {
                auto body = std::make_shared<std::string>(std::move(res.body));
                res.body.clear();
                const auto type = res.get_header_value("Content-Type");
                res.set_content_provider(
                    body->size(), type.empty() ? "application/json" : type,
                    [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                        if (offset == 0) {
                            sink.write(body->data(), body->size() / 2);
                        }
                        return false;  // closes the connection halfway through the body
                    });
                break;
            }
            [[fallthrough]];
        case FaultKind::CommitThenDrop:
            // Committed above; now the client gets nothing: shut the socket under httplib.
            if (req.ssl != nullptr) {
                ::shutdown(SSL_get_fd(req.ssl), SHUT_RDWR);
            } else {
                // Plain HTTP: no socket at hand; the closest is headers then a closed
                // connection (the client still gets no usable answer).
                res.set_chunked_content_provider(
                    "application/json", [](std::size_t, httplib::DataSink&) { return false; });
            }
            break;
        default:
            break;
    }
}

void CentralServer::Impl::handleTime(httplib::Response& res)
{
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    res.set_content(json{{"now", core::formatRfc3339(now)}}.dump(), "application/json");
}

void CentralServer::Impl::handleAuthorizations(const httplib::Request& req, httplib::Response& res)
{
    ++authPages;
    std::int64_t since = 0;
    if (req.has_param("since")) {
        auto c = parseCursor(req.get_param_value("since"));
        if (!c) {
            res.status = 400;
            res.set_content(errorBody("bad_cursor", "unknown cursor"), "application/json");
            return;
        }
        since = *c;
    }
    int limit = kDefaultLimit;
    if (req.has_param("limit")) {
        try {
            limit = std::stoi(req.get_param_value("limit"));
        } catch (const std::exception&) {
            limit = -1;
        }
        if (limit < 1 || limit > kMaxLimit) {
            res.status = 400;
            res.set_content(errorBody("bad_limit", "limit must be 1 to 5000"), "application/json");
            return;
        }
    }
    std::string items = "[";
    std::int64_t last = since;
    int n = 0;
    bool more = false;
    {
        std::lock_guard lock(dbMutex);
        Stmt s(db, "SELECT seq, body FROM auths WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        s.bind(1, since).bind(2, std::int64_t{limit} + 1);
        while (s.step() == SQLITE_ROW) {
            if (n == limit) {
                more = true;
                break;
            }
            if (n++ != 0) {
                items += ',';
            }
            last = s.integer(0);
            items += s.text(1);
        }
    }
    items += ']';
    res.set_content("{\"items\":" + items + ",\"next_cursor\":\"" + cursorOf(last) +
                        "\",\"has_more\":" + (more ? "true" : "false") + "}",
                    "application/json");
}

void CentralServer::Impl::handleReceipts(const httplib::Request& req, httplib::Response& res)
{
    ++receiptPosts;
    std::function<void(const std::string&)> hook;
    {
        std::lock_guard lock(hookMutex);
        hook = receiptsHook;
    }
    if (hook) {
        hook(req.body);
    }
    if (!o.captureDir.empty()) {
        std::ofstream f(std::filesystem::path(o.captureDir) /
                            ("receipts-" + std::to_string(++captured) + ".json"),
                        std::ios::binary);
        f.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    }
    json in;
    try {
        in = json::parse(req.body);
    } catch (const std::exception&) {
        res.status = 400;
        res.set_content(errorBody("bad_json", "body is not JSON"), "application/json");
        return;
    }
    if (!in.is_object() || !in.contains("receipts") || !in["receipts"].is_array()) {
        res.status = 400;
        res.set_content(errorBody("bad_request", "expected {\"receipts\": [...]}"),
                        "application/json");
        return;
    }
    if (in["receipts"].size() > kMaxReceiptsPerPost) {
        res.status = 413;
        res.set_content(errorBody("too_many_receipts", "at most 100 receipts per request"),
                        "application/json");
        return;
    }
    json accepted = json::array();
    json duplicates = json::array();
    json rejected = json::array();
    json conflicts = json::array();
    std::lock_guard lock(dbMutex);
    exec("BEGIN IMMEDIATE");
    for (const auto& r : in["receipts"]) {
        const std::string id = r.is_object() && r.contains("id") && r["id"].is_string()
                                   ? r["id"].get<std::string>()
                                   : std::string();
        auto reject = [&](const char* word, const char* message) {
            rejected.push_back({{"id", id}, {"error", word}, {"message", message}});
        };
        if (!core::isUuid(id)) {
            reject("invalid_id", "id is not a lower-case UUID");
            continue;
        }
        const auto decision = r.value("decision", std::string());
        if (decision != "accepted" && decision != "rejected" && decision != "held") {
            reject("invalid_decision", "decision must be accepted, rejected or held");
            continue;
        }
        if (!r.contains("station") || !r["station"].is_string() || !r.contains("decided_at") ||
            !r["decided_at"].is_string() ||
            !core::parseRfc3339(r["decided_at"].get<std::string>())) {
            reject("invalid_receipt", "station or decided_at missing or malformed");
            continue;
        }
        const std::string code =
            r.contains("code") && r["code"].is_string() ? r["code"].get<std::string>() : "";
        Stmt ins(db,
                 "INSERT INTO receipts (id, station, code, decision, body) VALUES (?1, ?2, ?3,"
                 " ?4, ?5) ON CONFLICT (id) DO NOTHING");
        ins.bind(1, id).bind(2, r["station"].get<std::string>()).bind(3, code).bind(4, decision);
        ins.bind(5, r.dump());
        if (ins.step() != SQLITE_DONE) {
            exec("ROLLBACK");
            res.status = 500;
            res.set_content(errorBody("storage", "could not store"), "application/json");
            return;
        }
        if (sqlite3_changes(db) == 0) {
            ++duplicatePosts;
            duplicates.push_back(id);
            continue;
        }
        std::string reason;
        if (decision == "accepted" && !code.empty()) {
            Stmt a(db, "SELECT status FROM auths WHERE code = ?1");
            a.bind(1, code);
            if (a.step() == SQLITE_ROW && a.text(0) == "cancelled") {
                reason = "code_cancelled";
            } else {
                Stmt other(db,
                           "SELECT 1 FROM receipts WHERE code = ?1 AND decision = 'accepted'"
                           " AND id <> ?2 LIMIT 1");
                other.bind(1, code).bind(2, id);
                if (other.step() == SQLITE_ROW) {
                    reason = "already_received_elsewhere";
                }
            }
        }
        if (reason.empty()) {
            accepted.push_back(id);
        } else {
            conflicts.push_back({{"id", id}, {"code", code}, {"reason", reason}});
        }
    }
    exec("COMMIT");
    res.set_content(json{{"accepted", accepted},
                         {"duplicates", duplicates},
                         {"rejected", rejected},
                         {"conflicts", conflicts}}
                        .dump(),
                    "application/json");
}

void CentralServer::Impl::handlePhotoHead(const std::string& sha, httplib::Response& res)
{
    ++photoHeads;
    std::lock_guard lock(dbMutex);
    Stmt s(db, "SELECT 1 FROM photos WHERE sha256 = ?1");
    s.bind(1, sha);
    res.status = s.step() == SQLITE_ROW ? 200 : 404;
}

void CentralServer::Impl::handlePhotoPut(const httplib::Request& req, const std::string& sha,
                                         httplib::Response& res)
{
    ++photoPuts;
    if (req.body.size() > kMaxPhotoBytes) {
        res.status = 413;
        res.set_content(errorBody("too_large", "photos are at most 20 MiB"), "application/json");
        return;
    }
    if (sha256Hex(req.body) != sha) {
        res.status = 422;
        res.set_content(errorBody("sha256_mismatch", "the body's SHA-256 is not its name"),
                        "application/json");
        return;
    }
    {
        std::lock_guard lock(dbMutex);
        Stmt s(db, "SELECT 1 FROM photos WHERE sha256 = ?1");
        s.bind(1, sha);
        if (s.step() == SQLITE_ROW) {
            res.status = 200;
            return;
        }
    }
    // Write the file before the row: a row always names a complete file.
    const auto tmp =
        photoDir /
        (sha + ".tmp" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    {
        std::ofstream f(tmp, std::ios::binary);
        f.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
        if (!f) {
            res.status = 500;
            res.set_content(errorBody("storage", "could not write"), "application/json");
            return;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, photoDir / sha, ec);
    std::lock_guard lock(dbMutex);
    Stmt s(db, "INSERT INTO photos (sha256, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    s.bind(1, sha).bind(2, static_cast<std::int64_t>(req.body.size()));
    s.step();
    res.status = sqlite3_changes(db) == 1 ? 201 : 200;
}

CentralServer::CentralServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}

CentralServer::~CentralServer() = default;

Result<std::unique_ptr<CentralServer>> CentralServer::start(const ServerOptions& options)
{
    auto impl = std::make_unique<Impl>();
    impl->o = options;
    impl->photoDir = std::filesystem::path(options.dataDir) / "photos";
    std::error_code ec;
    std::filesystem::create_directories(impl->photoDir, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot create " + impl->photoDir.string());
    }
    const auto dbPath = (std::filesystem::path(options.dataDir) / "central.db").string();
    if (sqlite3_open(dbPath.c_str(), &impl->db) != SQLITE_OK) {
        return makeError(ErrorCode::Io, "cannot open " + dbPath);
    }
    sqlite3_busy_timeout(impl->db, 5000);
    impl->exec("PRAGMA journal_mode=WAL");
    impl->exec("PRAGMA synchronous=NORMAL");
    impl->exec(
        "CREATE TABLE IF NOT EXISTS receipts (id TEXT PRIMARY KEY, station TEXT NOT NULL,"
        " code TEXT NOT NULL, decision TEXT NOT NULL, body TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS receipts_code ON receipts (code);"
        "CREATE TABLE IF NOT EXISTS auths (code TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
        " status TEXT NOT NULL, body TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS photos (sha256 TEXT PRIMARY KEY, bytes INTEGER NOT NULL);");

    if (!options.certFile.empty()) {
        impl->server =
            std::make_unique<httplib::SSLServer>(options.certFile.c_str(), options.keyFile.c_str());
    } else {
        impl->server = std::make_unique<httplib::Server>();
    }
    if (!impl->server->is_valid()) {
        return makeError(ErrorCode::InvalidArgument, "server could not load its certificate/key");
    }
    auto& svr = *impl->server;
    const int threads = std::max(2, options.threads);
    svr.new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<size_t>(threads));
    };
    svr.set_keep_alive_max_count(100000);
    // httplib writes headers and body separately; with Nagle on, the body waits for the
    // client's delayed ACK (about 40 ms per response on Linux).
    svr.set_tcp_nodelay(true);
    svr.set_payload_max_length(kMaxPhotoBytes + 1024);
    Impl* p = impl.get();
    svr.set_pre_routing_handler([p](const httplib::Request& req, httplib::Response& res) {
        ++p->requests;
        if (req.get_header_value("Authorization") != "Bearer " + p->o.token) {
            ++p->unauthorized;
            res.status = 401;
            res.set_content(errorBody("unauthorized", "token refused"), "application/json");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.get_header_value("X-Station-Id").empty()) {
            res.status = 400;
            res.set_content(errorBody("no_station", "X-Station-Id missing"), "application/json");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    svr.Get("/v1/time", [p](const httplib::Request& req, httplib::Response& res) {
        p->serve(req, res, Endpoint::Time, [&] { p->handleTime(res); });
    });
    svr.Get("/v1/authorizations", [p](const httplib::Request& req, httplib::Response& res) {
        p->serve(req, res, Endpoint::Authorizations, [&] { p->handleAuthorizations(req, res); });
    });
    svr.Post("/v1/receipts", [p](const httplib::Request& req, httplib::Response& res) {
        p->serve(req, res, Endpoint::Receipts, [&] { p->handleReceipts(req, res); });
    });
    // httplib routes HEAD to the GET handlers and sends no body.
    svr.Get(R"(/v1/photos/([^/]+))", [p](const httplib::Request& req, httplib::Response& res) {
        const std::string sha = req.matches[1];
        if (!isSha256Hex(sha)) {
            res.status = 404;
            return;
        }
        p->serve(req, res, Endpoint::PhotoHead, [&] { p->handlePhotoHead(sha, res); });
    });
    svr.Put(R"(/v1/photos/([^/]+))", [p](const httplib::Request& req, httplib::Response& res) {
        const std::string sha = req.matches[1];
        if (!isSha256Hex(sha)) {
            res.status = 400;
            res.set_content(errorBody("bad_name", "not a SHA-256"), "application/json");
            return;
        }
        p->serve(req, res, Endpoint::PhotoPut, [&] { p->handlePhotoPut(req, sha, res); });
    });

    if (options.port == 0) {
        impl->port = svr.bind_to_any_port(options.host);
    } else {
        impl->port = svr.bind_to_port(options.host, options.port) ? options.port : -1;
    }
    if (impl->port <= 0) {
        return makeError(ErrorCode::Io, "cannot bind " + options.host);
    }
    impl->thread = std::thread([p] { p->server->listen_after_bind(); });
    return std::unique_ptr<CentralServer>(new CentralServer(std::move(impl)));
}

int CentralServer::port() const
{
    return impl_->port;
}

std::string CentralServer::url() const
{
    return std::string(impl_->o.certFile.empty() ? "http://" : "https://") + impl_->o.host + ":" +
           std::to_string(impl_->port);
}

void CentralServer::addFault(const Fault& fault)
{
    std::lock_guard lock(impl_->faultMutex);
    impl_->faults.push_back(fault);
}

void CentralServer::clearFaults()
{
    std::lock_guard lock(impl_->faultMutex);
    impl_->faults.clear();
}

void CentralServer::onReceiptsPostForTest(std::function<void(const std::string& body)> hook)
{
    std::lock_guard lock(impl_->hookMutex);
    impl_->receiptsHook = std::move(hook);
}

Status CentralServer::putAuthorization(const std::string& text)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, e.what());
    }
    if (!j.is_object() || !j.contains("code") || !j["code"].is_string()) {
        return makeError(ErrorCode::InvalidArgument, "authorization needs a code");
    }
    std::lock_guard lock(impl_->dbMutex);
    std::int64_t seq = 1;
    {
        Stmt s(impl_->db, "SELECT coalesce(max(seq), 0) + 1 FROM auths");
        if (s.step() == SQLITE_ROW) {
            seq = s.integer(0);
        }
    }
    Stmt s(impl_->db,
           "INSERT INTO auths (code, seq, status, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code)"
           " DO UPDATE SET seq = excluded.seq, status = excluded.status, body = excluded.body");
    s.bind(1, j["code"].get<std::string>())
        .bind(2, seq)
        .bind(3, j.value("status", std::string("pending")))
        .bind(4, j.dump());
    if (s.step() != SQLITE_DONE) {
        return makeError(ErrorCode::Database, sqlite3_errmsg(impl_->db));
    }
    return {};
}

ServerStats CentralServer::stats() const
{
    ServerStats s;
    s.requests = impl_->requests;
    s.receiptPosts = impl_->receiptPosts;
    s.duplicatePosts = impl_->duplicatePosts;
    s.photoPuts = impl_->photoPuts;
    s.photoHeads = impl_->photoHeads;
    s.authPages = impl_->authPages;
    s.faultsInjected = impl_->faultsInjected;
    s.unauthorized = impl_->unauthorized;
    s.redirectsFollowed = impl_->redirectsFollowed;
    s.maxInFlight = impl_->maxInFlight;
    std::lock_guard lock(impl_->dbMutex);
    {
        Stmt q(impl_->db, "SELECT count(*) FROM receipts");
        if (q.step() == SQLITE_ROW) {
            s.receiptsStored = q.integer(0);
        }
    }
    {
        Stmt q(impl_->db, "SELECT count(*) FROM photos");
        if (q.step() == SQLITE_ROW) {
            s.photosStored = q.integer(0);
        }
    }
    return s;
}

std::vector<std::string> CentralServer::receiptIds() const
{
    std::vector<std::string> out;
    std::lock_guard lock(impl_->dbMutex);
    Stmt q(impl_->db, "SELECT id FROM receipts ORDER BY id");
    while (q.step() == SQLITE_ROW) {
        out.push_back(q.text(0));
    }
    return out;
}

std::vector<std::string> CentralServer::photoNames() const
{
    std::vector<std::string> out;
    std::lock_guard lock(impl_->dbMutex);
    Stmt q(impl_->db, "SELECT sha256 FROM photos ORDER BY sha256");
    while (q.step() == SQLITE_ROW) {
        out.push_back(q.text(0));
    }
    return out;
}

}  // namespace returnscan::central
