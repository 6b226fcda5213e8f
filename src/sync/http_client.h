// SPDX-License-Identifier: Apache-2.0
// The libcurl transport of the sync module: a job queue run over one curl multi handle with at
// most N requests in flight, retries with backoff and jitter, and a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "returnscan/core/result.h"
#include "returnscan/sync/sync.h"

namespace returnscan::sync::detail {

struct HttpRequest {
    std::string method;  ///< GET, HEAD, POST or PUT
    std::string target;  ///< path and query, starting with '/'
    std::string contentType;
    std::string body;
    std::size_t maxResponseBytes = 1 << 20;
    std::string label;  ///< short display name for logs ("POST receipts (100)")
};

struct HttpResponse {
    long status = 0;  ///< 0: no HTTP response (transport failure)
    std::string body;
    std::optional<std::chrono::seconds> retryAfter;
    std::string transportError;       ///< curl's words when status == 0
    bool certificateProblem = false;  ///< TLS verification failed: never retried
    bool tooLarge = false;            ///< the response passed maxResponseBytes
};

/// What a job's handler decides about a response it was given.
enum class Verdict {
    Done,    ///< finished (successfully or with a recorded, final error)
    Retry,   ///< transient (malformed body, ...): back off and send again
    GiveUp,  ///< leave it queued for the next run
};

struct Job;
/// Called with the final response of a job (not for 401/403, 429, 5xx or transport errors,
/// which the runner handles). May queue follow-up jobs through `enqueue`.
using Handler =
    std::function<Verdict(const HttpResponse&, const std::function<void(Job)>& enqueue)>;

struct Job {
    HttpRequest request;
    Handler handler;
    int attempts = 0;
};

struct RunOutcome {
    std::int64_t finished = 0;
    std::int64_t leftQueued = 0;  ///< jobs not finished (deadline, give-up, auth stop)
    bool authRefused = false;     ///< 401/403
    bool tlsRefused = false;      ///< the server's certificate (or pin) was refused
    std::string stopMessage;
    bool deadlineReached = false;
};

/// Transport counters, cumulative over the client's life.
struct TransportStats {
    std::int64_t requests = 0;
    std::int64_t retries = 0;
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
};

struct TransportOptions {
    std::string baseUrl;  ///< checked by checkCentralUrl
    std::string token;
    std::string stationId;
    std::string caFile;
    std::string caPath;
    std::string pinnedPublicKey;
    bool allowInsecureHttp = false;
    std::chrono::milliseconds connectTimeout{10'000};
    long lowSpeedBytes = 100;
    std::chrono::seconds lowSpeedTime{30};
    std::chrono::milliseconds backoffInitial{1000};
    std::chrono::milliseconds backoffCap{std::chrono::minutes(5)};
    int maxInFlight = 4;
    Logger logger;
    bool debug = false;  ///< log curl's connection and header traffic (token redacted)
    std::function<void()> onFinished;  ///< after every finished request (progress)
};

/// Owns a curl multi handle (and so its connection cache: keep-alive across jobs and runs).
/// Not thread-safe; handlers run on the calling thread of run().
class HttpClient {
public:
    [[nodiscard]] static Result<std::unique_ptr<HttpClient>> create(TransportOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Runs `jobs` (and the follow-ups their handlers queue) until all finish, a 401/403 stops
    /// everything, or `deadline` passes; whatever has not finished then is counted as left.
    /// `more`, when given, is asked for the next job whenever a slot is free and nothing is
    /// ready (so large uploads are built while earlier ones are on the wire); it returns
    /// nullopt once it has nothing left.
    [[nodiscard]] RunOutcome run(std::deque<Job> jobs,
                                 std::chrono::steady_clock::time_point deadline,
                                 std::function<std::optional<Job>()> more = {});

    [[nodiscard]] const TransportStats& stats() const { return stats_; }

private:
    struct Impl;
    explicit HttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    TransportStats stats_;
};

/// Full-jitter exponential backoff (AWS architecture blog's "full jitter"): the n-th
/// consecutive failure waits a uniform time in [0, min(cap, initial * 2^n)]; a Retry-After
/// from the server is a floor that the wait never goes below.
class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap, std::uint64_t seed)
        : initial_(initial), cap_(cap), rng_(seed)
    {
    }
    [[nodiscard]] std::chrono::milliseconds next(std::optional<std::chrono::seconds> retryAfter);
    void reset() { failures_ = 0; }

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds cap_;
    std::mt19937_64 rng_;
    int failures_ = 0;
};

/// Replaces the value of any `Authorization:` header line in `text` with "[redacted]".
[[nodiscard]] std::string redactAuthorization(std::string_view text);

}  // namespace returnscan::sync::detail
