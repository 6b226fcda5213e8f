// SPDX-License-Identifier: Apache-2.0
// The sync module's commands: `returnscan sync` (one run, or repeated) and `returnscan sync
// status`.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli.h"
#include "commands.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/code_format.h"
#include "returnscan/store/store.h"
#include "returnscan/sync/sync.h"

namespace returnscan::app {
namespace {

using nlohmann::json;

std::atomic<bool> gStop{false};

extern "C" void onStopSignal(int /*sig*/)
{
    gStop = true;
}

struct SyncArgs {
    bool once = false;
    bool dryRun = false;
    bool json = false;
    bool allowInsecureHttp = false;
    std::string central;
    std::string tokenFile;
    std::string station;
    std::string caFile;
    std::string caPath;
    std::string pin;
    std::string logLevel = "warning";
    int maxSeconds = 1800;
    int intervalSeconds = 900;
    int batchSize = 100;
    int backoffMs = 1000;
    int lowSpeedSeconds = 30;
};

int fail(const std::string& message)
{
    std::cerr << "returnscan: " << message << '\n';
    return kExitUsage;
}

std::string hostName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0') {
        return buf;
    }
    return "station";
}

std::optional<sync::LogLevel> parseLevel(const std::string& s)
{
    if (s == "error") {
        return sync::LogLevel::Error;
    }
    if (s == "warning") {
        return sync::LogLevel::Warning;
    }
    if (s == "info") {
        return sync::LogLevel::Info;
    }
    if (s == "debug") {
        return sync::LogLevel::Debug;
    }
    return std::nullopt;
}

const char* levelWord(sync::LogLevel l)
{
    switch (l) {
        case sync::LogLevel::Error:
            return "error";
        case sync::LogLevel::Warning:
            return "warning";
        case sync::LogLevel::Info:
            return "info";
        case sync::LogLevel::Debug:
            return "debug";
    }
    return "info";
}

std::string megabytes(std::uint64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

json reportJson(const sync::SyncReport& r)
{
    return json{
        {"complete", r.complete()},
        {"token_refused", r.authRefused},
        {"certificate_refused", r.tlsRefused},
        {"time_budget_spent", r.deadlineReached},
        {"clock_offset_seconds", r.clockOffsetSeconds ? json(*r.clockOffsetSeconds) : json()},
        {"authorizations",
         {{"pages", r.pagesApplied},
          {"inserted", r.codesInserted},
          {"updated", r.codesUpdated},
          {"unchanged", r.codesUnchanged},
          {"download_complete", r.downloadComplete}}},
        {"receipts",
         {{"queued", r.receiptsQueued},
          {"accepted", r.receiptsAccepted},
          {"duplicates", r.receiptsDuplicate},
          {"rejected", r.receiptsRejected},
          {"conflicts", r.receiptsConflict},
          {"changed_while_sent", r.receiptsChanged},
          {"left", r.receiptsLeft}}},
        {"photos",
         {{"queued", r.photosQueued},
          {"uploaded", r.photosUploaded},
          {"already_held", r.photosAlreadyHeld},
          {"rejected", r.photosRejected},
          {"missing", r.photosMissing},
          {"left", r.photosLeft}}},
        {"requests", r.requests},
        {"receipt_posts", r.receiptPosts},
        {"retries", r.retries},
        {"bytes_sent", r.bytesSent},
        {"bytes_received", r.bytesReceived},
        {"seconds", r.elapsed.count()},
        {"problems", r.problems},
    };
}

void printSummary(const sync::SyncReport& r, bool dryRun)
{
    const double secs = r.elapsed.count();
    std::cout << "sync: "
              << (dryRun              ? "dry run (nothing sent, nothing stored)"
                  : r.complete()      ? "complete"
                  : r.authRefused     ? "STOPPED: the central system refused the token"
                  : r.tlsRefused      ? "STOPPED: the central system's certificate was refused"
                  : r.deadlineReached ? "time budget spent, the rest stays queued"
                                      : "incomplete, the rest stays queued")
              << " (" << secs << " s)\n";
    if (!dryRun) {
        std::cout << "  authorizations: " << r.pagesApplied << " pages, " << r.codesInserted
                  << " new, " << r.codesUpdated << " updated, " << r.codesUnchanged << " unchanged"
                  << (r.downloadComplete ? "" : " (download not finished)") << '\n';
    }
    std::cout << "  receipts: " << r.receiptsQueued << " queued, " << r.receiptsAccepted
              << " accepted, " << r.receiptsDuplicate << " duplicates, " << r.receiptsRejected
              << " rejected, " << r.receiptsConflict << " conflicts, " << r.receiptsLeft << " left";
    if (r.receiptsChanged > 0) {
        // Stored centrally in the version sent, then changed here before the mark.
        std::cout << " (" << r.receiptsChanged
                  << " changed at the station while being sent: see the sync issues)";
    }
    std::cout << '\n';
    std::cout << "  photos: " << r.photosQueued << " queued, " << r.photosUploaded << " uploaded, "
              << r.photosAlreadyHeld << " already held, " << r.photosRejected << " rejected, "
              << r.photosMissing << " missing, " << r.photosLeft << " left\n";
    std::cout << "  transport: " << r.requests << " requests (" << r.receiptPosts
              << " receipt posts), " << r.retries << " retries, " << megabytes(r.bytesSent)
              << " sent, " << megabytes(r.bytesReceived) << " received";
    if (secs > 0) {
        std::cout << ", "
                  << megabytes(static_cast<std::uint64_t>(
                         static_cast<double>(r.bytesSent + r.bytesReceived) / secs))
                  << "/s";
    }
    std::cout << '\n';
    if (r.clockOffsetSeconds) {
        std::cout << "  clock: the central system's time minus ours is " << *r.clockOffsetSeconds
                  << " s\n";
    }
    for (const auto& p : r.problems) {
        std::cout << "  problem: " << p << '\n';
    }
}

int runSyncCommand(const Globals& g, const SyncArgs& a)
{
    if (a.central.empty()) {
        return fail(
            "no central system configured: pass --central URL or set RETURNSCAN_CENTRAL_URL "
            "(see docs/sync.md)");
    }
    const auto level = parseLevel(a.logLevel);
    if (!level) {
        return fail("--log-level must be error, warning, info or debug");
    }
    if (a.maxSeconds < 1 || a.intervalSeconds < 1 || a.batchSize < 1 || a.batchSize > 100 ||
        a.backoffMs < 1 || a.lowSpeedSeconds < 1) {
        return fail("sync limits must be positive (batch size 1 to 100)");
    }
    if (auto u = sync::checkCentralUrl(a.central, a.allowInsecureHttp); !u) {
        return fail(u.error().message);
    }
    // Refuse a bad token file before touching the database: a configuration error is fatal.
    if (auto t = sync::readTokenFile(a.tokenFile); !t) {
        return fail(t.error().message);
    }
    struct stat st {};
    if (::stat(g.db.c_str(), &st) != 0) {
        return fail("no database at '" + g.db + "' (pass --db or set RETURNSCAN_DB)");
    }
    auto opened = store::SqliteStore::open({g.db});
    if (!opened) {
        return fail(opened.error().message);
    }
    auto& store = **opened;
    core::SystemClock clock;

    sync::SyncOptions o;
    o.centralUrl = a.central;
    o.tokenFile = a.tokenFile;
    o.stationId = a.station.empty() ? hostName() : a.station;
    o.caFile = a.caFile;
    o.caPath = a.caPath;
    o.pinnedPublicKey = a.pin;
    o.allowInsecureHttp = a.allowInsecureHttp;
    o.dryRun = a.dryRun;
    o.maxRunTime = std::chrono::seconds(a.maxSeconds);
    o.batchSize = a.batchSize;
    o.backoffInitial = std::chrono::milliseconds(a.backoffMs);
    o.lowSpeedTime = std::chrono::seconds(a.lowSpeedSeconds);
    o.logLevel = *level;
    const auto threshold = *level;
    o.logger = [threshold](sync::LogLevel l, std::string_view text) {
        if (static_cast<int>(l) <= static_cast<int>(threshold)) {
            std::cerr << "returnscan sync [" << levelWord(l) << "]: " << text << '\n';
        }
    };
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    auto lastDraw = std::chrono::steady_clock::time_point{};
    if (tty) {
        o.progress = [&lastDraw](const sync::SyncProgress& p) {
            const auto now = std::chrono::steady_clock::now();
            if (now - lastDraw < std::chrono::milliseconds(200)) {
                return;
            }
            lastDraw = now;
            const double secs = p.elapsed.count();
            std::fprintf(
                stderr, "\rsync: %lld/%lld items, %s sent, %s received, %.1f MB/s   ",
                static_cast<long long>(p.itemsDone), static_cast<long long>(p.itemsTotal),
                megabytes(p.bytesSent).c_str(), megabytes(p.bytesReceived).c_str(),
                secs > 0 ? static_cast<double>(p.bytesSent + p.bytesReceived) / 1e6 / secs : 0.0);
        };
    }

    if (!a.once && !a.dryRun) {
        struct sigaction sa {};
        sa.sa_handler = onStopSignal;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
    }
    int exitStatus = kExitOk;
    for (;;) {
        auto report = sync::runSync(store, o, clock);
        if (tty) {
            std::fputs("\n", stderr);
        }
        if (!report) {
            return fail(report.error().message);
        }
        if (a.json) {
            std::cout << reportJson(*report).dump(-1, ' ', false, json::error_handler_t::replace)
                      << std::endl;
        } else {
            printSummary(*report, a.dryRun);
            std::cout.flush();
        }
        exitStatus = report->complete() || (a.dryRun && !report->authRefused && !report->tlsRefused)
                         ? kExitOk
                         : kExitRefused;
        if (a.once || a.dryRun || report->authRefused || report->tlsRefused) {
            break;
        }
        // Repeat mode: wait for the interval, waking up every second to notice a stop signal.
        for (int i = 0; i < a.intervalSeconds && !gStop; ++i) {
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        if (gStop) {
            break;
        }
    }
    return exitStatus;
}

int runSyncStatus(const Globals& g, bool asJson)
{
    struct stat st {};
    if (::stat(g.db.c_str(), &st) != 0) {
        return fail("no database at '" + g.db + "' (pass --db or set RETURNSCAN_DB)");
    }
    auto opened = store::SqliteStore::open({g.db});
    if (!opened) {
        return fail(opened.error().message);
    }
    auto& store = **opened;
    auto counts = store.outboxCounts();
    auto issues = store.syncIssues();
    if (!counts || !issues) {
        return fail(!counts ? counts.error().message : issues.error().message);
    }
    auto state = [&](std::string_view key) -> std::string {
        auto v = store.syncState(key);
        return v && v->has_value() ? **v : std::string();
    };
    const std::string cursor = state(sync::kCursorKey);
    const std::string lastRun = state("last_run.finished_at");
    const std::string lastResult = state("last_run.result");
    const std::string lastComplete = state("last_complete_run.finished_at");
    const std::string offset = state("clock.offset_seconds");
    if (asJson) {
        json list = json::array();
        for (const auto& i : *issues) {
            list.push_back({{"kind", store::toString(i.kind)},
                            {"ref", i.ref},
                            {"code", i.code ? json(*i.code) : json()},
                            {"word", i.word},
                            {"message", i.message},
                            {"at", core::formatRfc3339(i.at)}});
        }
        std::cout << json{{"receipts_queued", counts->pendingReceipts},
                          {"receipts_synced", counts->syncedReceipts},
                          {"receipts_rejected", counts->rejectedReceipts},
                          {"photos_queued", counts->pendingPhotos},
                          {"photos_held_centrally", counts->uploadedPhotos},
                          {"authorizations_cursor", cursor.empty() ? json() : json(cursor)},
                          {"last_run", lastRun.empty() ? json() : json(lastRun)},
                          {"last_run_result", lastResult.empty() ? json() : json(lastResult)},
                          {"last_complete_run", lastComplete.empty() ? json() : json(lastComplete)},
                          {"clock_offset_seconds", offset.empty() ? json() : json(offset)},
                          {"issues", list}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << '\n';
    } else {
        std::cout << "receipts: " << counts->pendingReceipts << " queued, "
                  << counts->syncedReceipts << " synced, " << counts->rejectedReceipts
                  << " rejected by the central system (held for a supervisor)\n"
                  << "photos:   " << counts->pendingPhotos << " queued, " << counts->uploadedPhotos
                  << " held centrally\n"
                  << "authorizations cursor: " << (cursor.empty() ? "(none yet)" : cursor) << '\n'
                  << "last run: " << (lastRun.empty() ? "never" : lastRun + " (" + lastResult + ")")
                  << '\n'
                  << "last complete run: " << (lastComplete.empty() ? "never" : lastComplete)
                  << '\n';
        if (!offset.empty()) {
            std::cout << "clock offset (central minus station): " << offset << " s\n";
        }
        std::cout << "issues for a supervisor: " << issues->size() << '\n';
        for (const auto& i : *issues) {
            std::cout << "  " << core::formatRfc3339(i.at) << "  " << store::toString(i.kind)
                      << "  " << core::displaySafe(i.ref) << "  "
                      << (i.code ? core::displaySafe(*i.code) : std::string("-")) << "  "
                      << core::displaySafe(i.word)
                      << (i.message.empty() ? "" : ": " + core::displaySafe(i.message)) << '\n';
        }
    }
    return issues->empty() ? kExitOk : kExitRefused;
}

}  // namespace

void addSyncCommands(CLI::App& app, const Globals& globals, int& status)
{
    static SyncArgs args;  // CLI11 binds to it; lives as long as the parse
    auto* cmd = app.add_subcommand(
        "sync",
        "Sync with the central after-sales system: download return codes, upload receipts and "
        "photos (exit 0 complete, 1 something left queued or refused, 2 configuration error). "
        "Configuration: flags, else environment variables (docs/sync.md)");
    cmd->add_flag("--once", args.once,
                  "One run, then exit (what the systemd timer runs); without it the sync "
                  "repeats every RETURNSCAN_SYNC_INTERVAL seconds until SIGTERM");
    cmd->add_flag("--dry-run", args.dryRun,
                  "Check the server's clock, the token and the certificate, count what is "
                  "queued; send and store nothing");
    cmd->add_option("--central", args.central, "Central system URL, https://host[:port]")
        ->envname("RETURNSCAN_CENTRAL_URL");
    cmd->add_option("--token-file", args.tokenFile,
                    "File holding the station's bearer token (mode 0600)")
        ->envname("RETURNSCAN_TOKEN_FILE");
    cmd->add_option("--station", args.station, "Station id (default: host name)")
        ->envname("RETURNSCAN_STATION");
    cmd->add_option("--ca-file", args.caFile, "CA bundle for the server's certificate")
        ->envname("RETURNSCAN_CA_FILE");
    cmd->add_option("--ca-path", args.caPath, "CA directory (c_rehash layout)")
        ->envname("RETURNSCAN_CA_PATH");
    cmd->add_option("--pin-public-key", args.pin,
                    "Pin the server's public key: sha256//BASE64[;sha256//...] or a PEM file")
        ->envname("RETURNSCAN_PINNED_PUBKEY");
    cmd->add_flag("--allow-insecure-http", args.allowInsecureHttp,
                  "Allow a plain http:// central URL (development only: the token travels in "
                  "clear text)");
    cmd->add_option("--log-level", args.logLevel, "error, warning, info or debug")
        ->envname("RETURNSCAN_LOG")
        ->default_str("warning");
    cmd->add_flag("--json", args.json, "Print the summary as one JSON object");
    cmd->add_option("--max-seconds", args.maxSeconds,
                    "Time budget of one run; the rest stays queued")
        ->envname("RETURNSCAN_SYNC_MAX_SECONDS")
        ->default_str("1800");
    cmd->add_option("--interval", args.intervalSeconds, "Seconds between runs without --once")
        ->envname("RETURNSCAN_SYNC_INTERVAL")
        ->default_str("900");
    cmd->add_option("--batch-size", args.batchSize, "Receipts per request (1 to 100)")
        ->envname("RETURNSCAN_SYNC_BATCH")
        ->default_str("100");
    cmd->add_option("--backoff-ms", args.backoffMs, "First backoff step after a failure")
        ->envname("RETURNSCAN_SYNC_BACKOFF_MS")
        ->default_str("1000");
    cmd->add_option("--low-speed-seconds", args.lowSpeedSeconds,
                    "Abort (and retry) a transfer stalled this long")
        ->envname("RETURNSCAN_SYNC_LOW_SPEED_SECONDS")
        ->default_str("30");

    static bool statusJson = false;
    auto* st = cmd->add_subcommand(
        "status",
        "Show the sync queue, the last runs, and what the central system rejected or flagged "
        "as a conflict (exit 0 no issues, 1 issues for a supervisor)");
    st->add_flag("--json", statusJson, "Print one JSON object");
    st->callback([&globals, &status] { status = runSyncStatus(globals, statusJson); });
    cmd->callback([&globals, &status, st] {
        if (st->parsed()) {
            return;  // `sync status` ran its own callback
        }
        status = runSyncCommand(globals, args);
    });
}

}  // namespace returnscan::app
