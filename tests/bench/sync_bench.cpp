// SPDX-License-Identifier: Apache-2.0
// Sync benchmark: receipts and photos over HTTPS on loopback with returnscan's client, against
// the curl CLI sending the same bytes (keep-alive) to a fresh reference server.
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "central_server.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/receipt.h"
#include "returnscan/digest/sha256.h"
#include "returnscan/store/store.h"
#include "returnscan/sync/sync.h"
#include "sync/test_certificates.h"

namespace {

using namespace returnscan;
using Seconds = std::chrono::duration<double>;

constexpr const char* kToken = "bench-token-0123456789abcdef";

struct Args {
    int receipts = 10'000;
    int photos = 1'000;
    std::size_t photoBytes = 300'000;
    bool smoke = false;
};

using digest::sha256Hex;

struct PhotoFile {
    std::string sha;
    std::string path;
};

/// A station database with `a.receipts` receipts; every (receipts/photos)-th one has a photo.
bool makeStation(const std::string& dir, const Args& a, std::vector<PhotoFile>& photos)
{
    auto opened = store::SqliteStore::open({dir + "/station.db"});
    if (!opened) {
        std::cerr << opened.error().message << '\n';
        return false;
    }
    auto& st = **opened;
    std::mt19937_64 rng(7);
    std::vector<std::string> ids;
    auto ok = st.writeTransaction([&]() -> Status {
        for (int i = 0; i < a.receipts; ++i) {
            core::Receipt r;
            std::array<std::uint8_t, 16> bytes{};
            for (auto& b : bytes) {
                b = static_cast<std::uint8_t>(rng());
            }
            r.id = core::uuidV4FromBytes(bytes);
            r.station = "bench";
            r.operatorId = "op-1";
            r.decision = core::Outcome::Rejected;
            r.reason = core::Reason::NoCode;
            r.startedAt = core::Timestamp{std::chrono::seconds{1'795'000'000 + i}};
            r.decidedAt = r.startedAt + std::chrono::seconds(2);
            r.completedAt = r.decidedAt;  // open receipts are not sent
            r.scans.push_back({r.decidedAt, "handheld-1", "]C0", "RC7K3M9Q2XWR"});
            if (auto s = st.insertReceipt(r); !s) {
                return s;
            }
            ids.push_back(r.id);
        }
        return {};
    });
    if (!ok) {
        std::cerr << ok.error().message << '\n';
        return false;
    }
    opened.value().reset();
    sqlite3* raw = nullptr;
    sqlite3_open((dir + "/station.db").c_str(), &raw);
    sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr);
    std::filesystem::create_directories(dir + "/photos");
    const int every = a.photos > 0 ? std::max(1, a.receipts / a.photos) : 1;
    std::string data(a.photoBytes, '\0');
    for (int k = 0; k < a.photos; ++k) {
        for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
            const std::uint64_t v = rng();
            std::memcpy(data.data() + i, &v, 8);
        }
        PhotoFile p{sha256Hex(data), dir + "/photos/" + std::to_string(k) + ".jpg"};
        std::ofstream(p.path, std::ios::binary)
            .write(data.data(), static_cast<std::streamsize>(data.size()));
        const auto& rid = ids[static_cast<std::size_t>(std::min(k * every, a.receipts - 1))];
        const std::string sql =
            "INSERT INTO photos (receipt_id, sha256, role, path, taken_at, bytes) VALUES ('" + rid +
            "','" + p.sha + "','overview','" + p.path + "'," + std::to_string(1'795'000'000 + k) +
            "," + std::to_string(data.size()) + ")";
        if (sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
            std::cerr << sqlite3_errmsg(raw) << '\n';
            return false;
        }
        photos.push_back(std::move(p));
    }
    sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(raw);
    return true;
}

std::unique_ptr<central::CentralServer> server(const std::string& dir, const std::string& name,
                                               const std::string& capture = "")
{
    central::ServerOptions o;
    o.dataDir = dir + "/" + name;
    std::filesystem::create_directories(o.dataDir);
    o.certFile = dir + "/server.pem";
    o.keyFile = dir + "/server.key";
    o.token = kToken;
    o.captureDir = capture;
    auto s = central::CentralServer::start(o);
    if (!s) {
        std::cerr << s.error().message << '\n';
        return nullptr;
    }
    return std::move(s).value();
}

/// A curl config file: every captured receipt body as a POST, every photo as a PUT, on one
/// command line so curl keeps its connection(s) alive between them.
std::string curlConfig(const std::string& dir, const std::string& url, int bodies,
                       const std::vector<PhotoFile>& photos)
{
    const std::string path = dir + "/curl.cfg";
    std::ofstream f(path);
    auto common = [&](const std::string& type) {
        f << "header = \"Authorization: Bearer " << kToken << "\"\n"
          << "header = \"X-Station-Id: bench\"\n"
          << "header = \"Content-Type: " << type << "\"\n"
          << "header = \"Expect:\"\n"
          << "cacert = \"" << dir << "/ca.pem\"\n"
          << "output = \"/dev/null\"\nsilent\nshow-error\nfail\n";
    };
    bool first = true;
    for (int i = 1; i <= bodies; ++i) {
        f << (first ? "" : "next\n") << "url = \"" << url << "/v1/receipts\"\n"
          << "data-binary = \"@" << dir << "/capture/receipts-" << i << ".json\"\n";
        common("application/json");
        first = false;
    }
    for (const auto& p : photos) {
        f << (first ? "" : "next\n") << "url = \"" << url << "/v1/photos/" << p.sha << "\"\n"
          << "upload-file = \"" << p.path << "\"\n";
        common("image/jpeg");
        first = false;
    }
    ::chmod(path.c_str(), 0600);
    return path;
}

double runCurl(const std::string& flags, const std::string& cfg)
{
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = std::system(("curl " + flags + " -K " + cfg).c_str());
    const double secs = Seconds(std::chrono::steady_clock::now() - t0).count();
    return rc == 0 ? secs : -1.0;
}

}  // namespace

int main(int argc, char** argv)
{
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--smoke") {
            a.smoke = true;
            a.receipts = 300;
            a.photos = 20;
            a.photoBytes = 30'000;
        } else if (arg == "--receipts") {
            a.receipts = std::stoi(next());
        } else if (arg == "--photos") {
            a.photos = std::stoi(next());
        } else if (arg == "--photo-bytes") {
            a.photoBytes = static_cast<std::size_t>(std::stoul(next()));
        } else {
            std::cerr << "usage: sync_bench [--smoke] [--receipts N] [--photos N] "
                         "[--photo-bytes N]\n";
            return 2;
        }
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "sync-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        return 2;
    }
    const std::string dir = tmpl;
    struct Cleanup {
        std::string d;
        ~Cleanup()
        {
            std::error_code ec;
            std::filesystem::remove_all(d, ec);
        }
    } cleanup{dir};
    if (auto failed = sync::testing::makeTestCertificates(dir); !failed.empty()) {
        std::cerr << "certificates: " << failed << '\n';
        return 2;
    }
    std::vector<PhotoFile> photos;
    if (!makeStation(dir, a, photos)) {
        return 2;
    }
    {
        std::ofstream(dir + "/token") << kToken << '\n';
        ::chmod((dir + "/token").c_str(), 0600);
    }
    std::filesystem::create_directories(dir + "/capture");

    // 1. returnscan's client.
    auto ours = server(dir, "central-ours", dir + "/capture");
    if (!ours) {
        return 2;
    }
    sync::SyncOptions o;
    o.centralUrl = ours->url();
    o.tokenFile = dir + "/token";
    o.stationId = "bench";
    o.caFile = dir + "/ca.pem";
    auto st = store::SqliteStore::open({dir + "/station.db"});
    if (!st) {
        return 2;
    }
    core::SystemClock clock;
    auto report = sync::runSync(**st, o, clock);
    if (!report || !report->complete()) {
        std::cerr << "sync did not complete: "
                  << (report ? (report->problems.empty() ? "?" : report->problems.front())
                             : report.error().message)
                  << '\n';
        return 1;
    }
    const auto oursStats = ours->stats();
    if (oursStats.receiptsStored != a.receipts || oursStats.photosStored != a.photos) {
        std::cerr << "server holds " << oursStats.receiptsStored << " receipts and "
                  << oursStats.photosStored << " photos\n";
        return 1;
    }
    const double oursSecs = report->elapsed.count();
    const auto bytes = static_cast<double>(report->bytesSent);

    // 2. curl, same bytes, one connection kept alive, one request after the other; then with
    // 4 in flight like ours (--parallel-max 4).
    const int bodies = static_cast<int>(oursStats.receiptPosts);
    auto seq = server(dir, "central-curl-seq");
    const double seqSecs = runCurl("", curlConfig(dir, seq ? seq->url() : "", bodies, photos));
    auto par = server(dir, "central-curl-par");
    const double parSecs = runCurl("--parallel --parallel-max 4",
                                   curlConfig(dir, par ? par->url() : "", bodies, photos));
    if (seqSecs < 0 || parSecs < 0 || seq->stats().receiptsStored != a.receipts ||
        par->stats().photosStored != a.photos) {
        std::cerr << "curl baseline failed (is the curl CLI installed?)\n";
        return a.smoke ? 0 : 1;
    }

    const double mbps = bytes / 1e6 / oursSecs;
    const double seqMbps = bytes / 1e6 / seqSecs;
    const double parMbps = bytes / 1e6 / parSecs;
    const double postsPerReceipt =
        static_cast<double>(report->receiptPosts) / static_cast<double>(a.receipts);
    const double requestsPerReceipt =
        static_cast<double>(report->requests) / static_cast<double>(a.receipts);
    std::printf(
        "sync_bench: %d receipts, %d photos of %zu bytes, %.1f MB of bodies, HTTPS on "
        "127.0.0.1\n",
        a.receipts, a.photos, a.photoBytes, bytes / 1e6);
    std::printf(
        "  returnscan sync:        %7.3f s  %8.1f MB/s  (%lld requests: %lld receipt "
        "posts, %d HEAD + %d PUT)\n",
        oursSecs, mbps, static_cast<long long>(report->requests),
        static_cast<long long>(report->receiptPosts), a.photos, a.photos);
    std::printf("  curl, 1 connection:     %7.3f s  %8.1f MB/s  -> ours/curl %.2fx\n", seqSecs,
                seqMbps, mbps / seqMbps);
    std::printf("  curl, --parallel-max 4: %7.3f s  %8.1f MB/s  -> ours/curl %.2fx\n", parSecs,
                parMbps, mbps / parMbps);
    std::printf(
        "  receipt requests per receipt: %.4f (goal <= 0.02); all requests per receipt: "
        "%.4f\n",
        postsPerReceipt, requestsPerReceipt);
    const bool goals = mbps >= 0.9 * seqMbps && postsPerReceipt <= 0.02;
    std::printf("  goals (>= 0.9x curl's throughput, <= 0.02 receipt requests per receipt): %s\n",
                a.smoke ? "not judged (--smoke)"
                : goals ? "met"
                        : "NOT met");
    return a.smoke || goals ? 0 : 1;
}
