// SPDX-License-Identifier: Apache-2.0
// The operator's web UI: an HTTP server on loopback with the embedded pages, the JSON API of
// docs/ui-api.md, server-sent events and the supervisor PIN. It knows nothing of parcels: the
// kiosk implements ui::Controller.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "returnscan/core/clock.h"
#include "returnscan/core/result.h"

namespace returnscan::ui {

/// An answer of the controller: HTTP status plus JSON body (docs/ui-api.md).
struct Reply {
    int status = 200;
    nlohmann::json body;

    /// 200 {"ok": true, ...extra}; an `extra` that is not an object goes under "data".
    [[nodiscard]] static Reply ok(nlohmann::json extra = nlohmann::json::object());
    /// status {"ok": false, "error": word, "message": message}
    [[nodiscard]] static Reply error(int status, std::string_view word, std::string_view message);
};

/// Bytes with a content type (photos, the preview frame).
struct Blob {
    std::string contentType;  ///< e.g. "image/jpeg"
    std::string bytes;
};

/// The supervisor a request was made by (a valid session cookie), if any.
struct Caller {
    std::optional<std::string> supervisor;
};

/// What the kiosk provides. Called from the server's worker threads, concurrently: the
/// implementation serialises as it needs. Methods should not throw; one that does gets the
/// request answered 500 `internal` (the server goes on).
class Controller {
public:
    virtual ~Controller() = default;
    /// GET /api/state: the state JSON.
    [[nodiscard]] virtual nlohmann::json state() = 0;
    /// GET /api/receipts: `limit` already clamped to 1..500; `query` may be empty.
    [[nodiscard]] virtual Reply receipts(int limit, std::string_view query) = 0;
    /// POST /api/<name> for every name except login and logout (which the server handles;
    /// so is echo when ServerOptions::enableEcho is set).
    /// `body` is the parsed JSON object. Supervisor-only actions check `caller` and answer
    /// 401 pin_required without one. `name` matches [a-z-]{1,32} but may be one the kiosk
    /// does not know: answer 404 not_found then.
    [[nodiscard]] virtual Reply action(std::string_view name, const nlohmann::json& body,
                                       const Caller& caller) = 0;
    /// GET /api/photos/<sha256> (sha256 checked as 64 lower-case hex digits first).
    [[nodiscard]] virtual std::optional<Blob> photo(std::string_view sha256, bool thumbnail) = 0;
    /// GET /api/preview.jpg: the newest preview frame, nullopt when there is no camera.
    [[nodiscard]] virtual std::optional<Blob> preview() = 0;
};

/// A supervisor who may log in: the id recorded with overrides and the PIN's hash from
/// `returnscan pin-hash` (ui::hashPin).
struct SupervisorPin {
    std::string id;
    std::string pinHash;
};

struct ServerOptions {
    std::string host = "127.0.0.1";  ///< address to bind
    int port = 8080;                 ///< 0: any free port (see Server::port())
    /// Host names (with or without :port) accepted besides 127.0.0.1, localhost and [::1].
    std::vector<std::string> allowedHosts;
    std::vector<SupervisorPin> supervisors;
    int maxPinTries = 5;                           ///< wrong PINs in a row before the lockout
    std::chrono::seconds pinLockout{300};          ///< how long logins are refused after that
    std::chrono::seconds supervisorIdle{15 * 60};  ///< a supervisor session ends after this idle
    std::chrono::seconds keepAlive{15};            ///< SSE comment interval
    int threads = 8;                               ///< request workers (an SSE client holds one)
    /// For the benchmark only: POST /api/echo publishes its body at once as event "echo".
    bool enableEcho = false;
    /// Clock for sessions and lockouts; borrowed. Null: the system clock.
    const core::Clock* clock = nullptr;
};

/// Hashes a PIN for the configuration: "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>"
/// (PBKDF2-HMAC-SHA256, 100000 iterations, a random 16-byte salt, 32-byte hash; hex in lower
/// case). Slow on purpose (tens of milliseconds). Returns an empty string when OpenSSL's random
/// generator fails or `pin` is over 1024 bytes. Thread-safe.
[[nodiscard]] std::string hashPin(std::string_view pin);
/// Checks `pin` against a hashPin() string; the hashes are compared in constant time
/// (CRYPTO_memcmp). False for a malformed hash (other scheme, iterations outside 1..10^7, salt
/// not 8..64 bytes or hash not 16..64 bytes of hex). Thread-safe.
[[nodiscard]] bool verifyPin(std::string_view pin, std::string_view hash);
/// Whether `hash` has hashPin()'s form (verifyPin() could match it); for configuration checks.
[[nodiscard]] bool isPinHash(std::string_view hash);

/// The running server. Serves on its own threads from start() until stop() or destruction.
class Server {
public:
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and starts serving. Errors: Io when the address cannot be bound (named in the
    /// message), InvalidArgument for bad options (port outside 0..65535, threads outside
    /// 2..256, maxPinTries < 1, a duration under 1 s, a supervisor without id, listed twice
    /// or whose pinHash fails isPinHash(), a malformed allowed host). `controller` must
    /// outlive the server. Returns once the server accepts connections.
    [[nodiscard]] static Result<std::unique_ptr<Server>> start(const ServerOptions& options,
                                                               Controller& controller);

    [[nodiscard]] int port() const;
    /// "http://127.0.0.1:PORT/"
    [[nodiscard]] std::string url() const;

    /// Sends an event to every SSE client (thread-safe, never blocks on a slow client: a
    /// client more than 64 events behind is disconnected and reconnects).
    void publish(std::string_view event, const nlohmann::json& data);

    /// Number of connected SSE clients. At most threads - 1 are accepted (one worker stays
    /// free for requests); more get 503 busy.
    [[nodiscard]] std::size_t clients() const;

    /// Stops accepting, ends the SSE streams and joins the threads. Idempotent; also run by
    /// the destructor. Event streams end at once (also one stuck writing to a client that
    /// does not read); an idle keep-alive connection may hold it up to 1 s, a controller call
    /// in progress until it returns. Do not call it from a Controller method.
    void stop();

private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::ui
