// SPDX-License-Identifier: Apache-2.0
// The reference central server: central-api.md on loopback HTTP(S), SQLite-backed, with faults.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "returnscan/core/result.h"

namespace returnscan::central {

/// Faults the server can be told to inject, each for the next `count` matching requests.
enum class FaultKind {
    ServerError,      ///< 500 with an error body; nothing is processed
    TooManyRequests,  ///< 429 with Retry-After; nothing is processed
    ResetMidBody,     ///< processed (committed), then the connection is closed halfway through
                      ///< the response body
    CommitThenDrop,   ///< processed (committed), then the connection is closed with no answer
    Slow,             ///< the answer is held back for `delayMs` (a stalled server)
    MalformedJson,    ///< processed, then answered 200 with a body that is not JSON
    Redirect,         ///< 307 to the same path with ?redirected=1 (a client must not follow)
};

enum class Endpoint { Any, Time, Authorizations, Receipts, PhotoHead, PhotoPut };

struct Fault {
    FaultKind kind = FaultKind::ServerError;
    Endpoint endpoint = Endpoint::Any;
    int count = 1;
    int retryAfterSeconds = 1;
    int delayMs = 3000;
};

/// Parses "kind[:endpoint[:count]]" as given to `returnscan-central --fault`: kinds 500, 429,
/// reset, drop, slow, malformed, redirect; endpoints any, time, authorizations, receipts, head,
/// put.
[[nodiscard]] Result<Fault> parseFault(const std::string& text);

struct ServerOptions {
    std::string dataDir;  ///< holds central.db and photos/; must exist
    std::string host = "127.0.0.1";
    int port = 0;          ///< 0: any free port (see CentralServer::port())
    std::string certFile;  ///< PEM; empty with keyFile empty: plain HTTP
    std::string keyFile;
    std::string token;  ///< the bearer token every request must carry
    int threads = 8;
    /// When set, each POST /v1/receipts body is also written here as receipts-N.json, byte
    /// for byte (the benchmark replays exactly these bytes with the curl CLI).
    std::string captureDir;
};

/// Counters for tests and the benchmark.
struct ServerStats {
    std::int64_t requests = 0;
    std::int64_t receiptPosts = 0;
    std::int64_t receiptsStored = 0;  ///< rows in the receipts table
    std::int64_t duplicatePosts = 0;  ///< receipts posted again (no second effect)
    std::int64_t photosStored = 0;    ///< files held
    std::int64_t photoPuts = 0;
    std::int64_t photoHeads = 0;
    std::int64_t authPages = 0;
    std::int64_t faultsInjected = 0;
    std::int64_t unauthorized = 0;
    std::int64_t redirectsFollowed = 0;  ///< requests that came to a redirect's target
    std::int64_t maxInFlight = 0;        ///< most API requests handled at the same moment
};

/// Runs on its own threads from start() until destruction. Thread-safe.
class CentralServer {
public:
    [[nodiscard]] static Result<std::unique_ptr<CentralServer>> start(const ServerOptions& options);
    ~CentralServer();
    CentralServer(const CentralServer&) = delete;
    CentralServer& operator=(const CentralServer&) = delete;

    [[nodiscard]] int port() const;
    [[nodiscard]] std::string url() const;  ///< https://127.0.0.1:PORT (or http://)

    void addFault(const Fault& fault);
    void clearFaults();

    /// Test hook: `hook` receives the body of each POST /v1/receipts after the token check and
    /// before anything of it is stored or answered (on a server thread, no lock of the server
    /// held), e.g. to change a posted receipt at the station while its request is in flight.
    /// An empty function removes the hook.
    void onReceiptsPostForTest(std::function<void(const std::string& body)> hook);

    /// Adds or replaces an authorization (a JSON object as in section 1; `version` is kept as
    /// given). It becomes the newest change in the feed.
    [[nodiscard]] Status putAuthorization(const std::string& json);

    [[nodiscard]] ServerStats stats() const;
    /// Ids of the stored receipts, sorted.
    [[nodiscard]] std::vector<std::string> receiptIds() const;
    /// SHA-256 names of the held photos, sorted.
    [[nodiscard]] std::vector<std::string> photoNames() const;

private:
    struct Impl;
    explicit CentralServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::central
