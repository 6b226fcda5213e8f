// SPDX-License-Identifier: Apache-2.0
// The nightly sync with the central after-sales system (central-api.md): options, report, run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/result.h"
#include "returnscan/store/store.h"

namespace returnscan::sync {

enum class LogLevel { Error, Warning, Info, Debug };

/// Receives log lines. Lines never contain the bearer token (request headers are redacted
/// before they reach the logger). Called on the thread that runs the sync.
using Logger = std::function<void(LogLevel, std::string_view)>;

/// Progress of a run: items are receipt batches' receipts, photos and authorization pages.
struct SyncProgress {
    std::int64_t itemsDone = 0;
    std::int64_t itemsTotal = 0;
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
    std::chrono::duration<double> elapsed{};
};

struct SyncOptions {
    std::string centralUrl;  ///< e.g. https://central.example:8443 (no trailing path needed)
    std::string tokenFile;   ///< file holding the bearer token; must be mode 0600 or 0400
    std::string stationId;   ///< sent as X-Station-Id
    std::string caFile;      ///< CA bundle to verify the server with (empty: system default)
    std::string caPath;      ///< CA directory (c_rehash layout); empty: system default
    /// Optional public-key pin in curl's form: "sha256//<base64>[;sha256//...]" or a PEM file.
    std::string pinnedPublicKey;
    /// Plain http:// is refused unless set (development only; never h2c).
    bool allowInsecureHttp = false;
    /// Read the local queue and check the server's clock and token; write nothing anywhere.
    bool dryRun = false;

    std::chrono::milliseconds connectTimeout{10'000};
    /// A transfer slower than lowSpeedBytes per second for lowSpeedTime is aborted (retried).
    long lowSpeedBytes = 100;
    std::chrono::seconds lowSpeedTime{30};
    /// The whole run's budget; what is not done by then stays queued for the next run.
    std::chrono::milliseconds maxRunTime{std::chrono::minutes(30)};
    /// Backoff after 429/5xx/transport errors: exponential from `backoffInitial`, capped.
    std::chrono::milliseconds backoffInitial{1000};
    std::chrono::milliseconds backoffCap{std::chrono::minutes(5)};
    int maxInFlight = 4;   ///< at most 4 (the API's limit); lower values are honoured
    int batchSize = 100;   ///< receipts per POST; at most 100
    int pageLimit = 1000;  ///< authorizations per page; at most 5000

    core::CodeFormats formats = core::CodeFormats::defaults();
    Logger logger;  ///< may be empty
    /// At Debug, libcurl's connection and header traffic is logged too (token redacted).
    LogLevel logLevel = LogLevel::Warning;
    /// Called after each finished request; may be empty.
    std::function<void(const SyncProgress&)> progress;
};

/// What one run did. Counts are of this run only.
struct SyncReport {
    bool authRefused = false;  ///< 401/403: stopped at once; token or station needs attention
    bool tlsRefused = false;   ///< the server's certificate or pin was refused: stopped at once
    bool deadlineReached = false;
    std::optional<std::int64_t> clockOffsetSeconds;  ///< server time minus local time
    // Download
    std::int64_t pagesApplied = 0;
    std::int64_t codesInserted = 0;
    std::int64_t codesUpdated = 0;
    std::int64_t codesUnchanged = 0;
    bool downloadComplete = false;  ///< the last page (has_more false) was applied
    // Upload
    std::int64_t receiptsQueued = 0;  ///< pending at the start of the run
    std::int64_t receiptsAccepted = 0;
    std::int64_t receiptsDuplicate = 0;
    std::int64_t receiptsRejected = 0;
    std::int64_t receiptsConflict = 0;
    std::int64_t receiptsLeft = 0;  ///< still queued after the run
    /// Listed as stored by the central system but changed at the station after they were read
    /// for sending (outbox revision): the central system keeps the version sent. Marked synced
    /// and recorded as a conflict "changed_after_send" for a supervisor. Also counted under
    /// accepted/duplicates/conflicts as answered.
    std::int64_t receiptsChanged = 0;
    std::int64_t photosQueued = 0;
    std::int64_t photosUploaded = 0;
    std::int64_t photosAlreadyHeld = 0;
    std::int64_t photosRejected = 0;
    std::int64_t photosMissing = 0;
    std::int64_t photosLeft = 0;
    // Transport
    std::int64_t requests = 0;      ///< HTTP requests attempted (retries included)
    std::int64_t receiptPosts = 0;  ///< POST /v1/receipts attempted
    std::int64_t retries = 0;
    std::uint64_t bytesSent = 0;      ///< request bodies
    std::uint64_t bytesReceived = 0;  ///< response bodies
    std::chrono::duration<double> elapsed{};
    std::vector<std::string> problems;  ///< display-safe, for the summary

    /// Everything queued went out and the download reached its end.
    [[nodiscard]] bool complete() const
    {
        return !authRefused && !tlsRefused && downloadComplete && receiptsLeft == 0 &&
               photosLeft == 0;
    }
};

/// Reads and checks the bearer token file: a regular file owned by this user, with no group or
/// other permission bits (0600 or 0400), holding one token of visible ASCII characters (a
/// trailing newline is ignored). Errors (InvalidArgument, Io) never include the token.
[[nodiscard]] Result<std::string> readTokenFile(const std::string& path);

/// Checks the central URL: https://host[:port][/base], or http:// only with
/// `allowInsecureHttp`. Returns it without a trailing slash.
[[nodiscard]] Result<std::string> checkCentralUrl(std::string_view url, bool allowInsecureHttp);

/// One sync run against the central system: the clock check, the authorization download (a
/// page per transaction, cursor last), then receipts and photos. Uses `store` from the calling
/// thread only. Errors are configuration problems found before any request (bad URL, token
/// file); everything that happens on the network is in the report.
[[nodiscard]] Result<SyncReport> runSync(store::SqliteStore& store, const SyncOptions& options,
                                         const core::Clock& clock);

/// The sync_state key of the authorization cursor.
inline constexpr std::string_view kCursorKey = "authorizations.cursor";

}  // namespace returnscan::sync
