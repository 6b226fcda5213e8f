// SPDX-License-Identifier: Apache-2.0
#include "sync_runner.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstring>

extern char** environ;

namespace returnscan::app {

using nlohmann::json;

SyncRunner::SyncRunner(const KioskConfig& config, std::string executable)
    : config_(config), executable_(std::move(executable))
{
}

SyncRunner::~SyncRunner()
{
    if (pid_ > 0) {
        // The run goes on alone (it has its own store connection); reap it if it is done.
        int status = 0;
        (void)::waitpid(pid_, &status, WNOHANG);
    }
}

std::vector<std::string> SyncRunner::arguments() const
{
    std::vector<std::string> args = {"returnscan",
                                     "--db",
                                     config_.database,
                                     "sync",
                                     "--once",
                                     "--central",
                                     config_.sync.centralUrl,
                                     "--token-file",
                                     config_.sync.tokenFile,
                                     "--station",
                                     config_.stationId};
    if (!config_.sync.caFile.empty()) {
        args.insert(args.end(), {"--ca-file", config_.sync.caFile});
    }
    if (config_.sync.allowInsecureHttp) {
        args.emplace_back("--allow-insecure-http");
    }
    return args;
}

station::ActionResult SyncRunner::start()
{
    if (config_.sync.centralUrl.empty()) {
        return station::ActionResult::fail("sync_not_configured",
                                           "No central system is configured ([sync] central_url).");
    }
    if (pid_ > 0) {
        return station::ActionResult::fail("sync_running", "A sync run is in progress.");
    }
    auto args = arguments();
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, executable_.c_str(), nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        return station::ActionResult::fail(
            "sync_failed", std::string("cannot start the sync: ") + std::strerror(rc));
    }
    pid_ = pid;
    return {};
}

bool SyncRunner::poll()
{
    if (pid_ <= 0) {
        return false;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return true;
    }
    return false;
}

json SyncRunner::status(store::SqliteStore& store) const
{
    json j{{"running", pid_ > 0}, {"configured", !config_.sync.centralUrl.empty()}};
    if (auto c = store.outboxCounts()) {
        j["pending_receipts"] = c.value().pendingReceipts;
        j["pending_photos"] = c.value().pendingPhotos;
    }
    if (auto issues = store.syncIssues()) {
        j["issues"] = issues.value().size();
    }
    auto value = [&](std::string_view key) -> json {
        auto v = store.syncState(key);
        return v && v.value() ? json(*v.value()) : json();
    };
    j["last_run"] = value("last_run.finished_at");
    j["last_result"] = value("last_run.result");
    return j;
}

}  // namespace returnscan::app
