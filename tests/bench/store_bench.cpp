// SPDX-License-Identifier: Apache-2.0
// Store benchmarks, each side by side with a bare SQLite baseline in the same run:
//  (1) import of N authorizations (JSON Lines through `importAuthorizations`) against a bare
//      prepared-insert loop of the same rows in one transaction; goal: rate >= 0.8x bare.
//  (2) the decision call (`core::checkParcel`) with N authorizations stored against a bare
//      prepared `SELECT ... WHERE code=?` of the same keys; goal: p99 <= 1.5x bare.
// Usage: store_bench [--rows N] [--lookups M] [--dir DIR] [--json] [--smoke]
// Exit status: 0 goals met (or --smoke: ran to the end), 1 a goal missed, 2 usage or set-up error.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "returnscan/core/code_format.h"
#include "returnscan/core/receive.h"
#include "returnscan/core/time.h"
#include "returnscan/store/authorization_io.h"
#include "returnscan/store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace returnscan;

struct Row {
    std::string code;
    std::string order;
    std::int64_t issued;
    std::int64_t expires;
};

std::string bodyFor(std::uint64_t i)
{
    // A bijective scramble of the index so keys arrive in random order, as from a real export.
    std::uint64_t x = (i * 0x9E3779B97F4A7C15ULL) % 101559956668416ULL;  // 36^9
    static const char* alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string b(9, '0');
    for (int k = 8; k >= 0; --k) {
        b[static_cast<std::size_t>(k)] = alphabet[x % 36];
        x /= 36;
    }
    return b;
}

std::vector<Row> makeRows(std::size_t n)
{
    std::vector<Row> rows;
    rows.reserve(n);
    const std::int64_t base = 1795000000;  // 2026-11-18
    for (std::size_t i = 0; i < n; ++i) {
        auto c = core::withCheckCharacter("RC" + bodyFor(i), core::CheckScheme::Iso7064Mod37_36);
        char order[16];
        std::snprintf(order, sizeof order, "%09zu", 100000000 + i % 900000000);
        std::int64_t issued = base + static_cast<std::int64_t>(i % 86400);
        rows.push_back({*c, order, issued, issued + 14 * 86400});
    }
    // Duplicated keys would make the bare loop fail; the scramble is a bijection mod 36^9.
    return rows;
}

/// Keeps the baseline's reads from being optimised away.
volatile std::size_t benchSink = 0;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

bool exec(sqlite3* db, const char* sql)
{
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::fprintf(stderr, "store_bench: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return false;
    }
    return true;
}

/// Opens (and so creates and migrates) a store at `path`, then closes it.
bool createStore(const std::string& path)
{
    auto s = store::SqliteStore::open({path});
    if (!s) {
        std::fprintf(stderr, "store_bench: %s\n", s.error().message.c_str());
        return false;
    }
    return true;
}

double bareInsert(const std::string& path, const std::vector<Row>& rows)
{
    if (!createStore(path))
        return -1;
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    // The same connection settings as the store (WAL is already set in the file), so the
    // ratio measures the import code, not SQLite tuning.
    exec(db, "PRAGMA synchronous=FULL");
    exec(db, "PRAGMA cache_size=-16384");
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO authorizations(code, order_no, status, issued_at, "
                           "expires_at, category, version, updated_at) "
                           "VALUES (?,?,'approved',?,?,'damaged',1,?)",
                           -1, &st, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "store_bench: prepare: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    auto t = Clock::now();
    exec(db, "BEGIN");
    for (const auto& r : rows) {
        sqlite3_bind_text(st, 1, r.code.data(), static_cast<int>(r.code.size()), SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r.order.data(), static_cast<int>(r.order.size()), SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, r.issued);
        sqlite3_bind_int64(st, 4, r.expires);
        sqlite3_bind_int64(st, 5, r.issued);
        if (sqlite3_step(st) != SQLITE_DONE) {
            std::fprintf(stderr, "store_bench: insert: %s\n", sqlite3_errmsg(db));
            return -1;
        }
        sqlite3_reset(st);
    }
    exec(db, "COMMIT");
    double secs = secondsSince(t);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return secs;
}

std::string writeJsonl(const std::string& path, const std::vector<Row>& rows)
{
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        return {};
    for (const auto& r : rows) {
        std::fprintf(
            f,
            "{\"code\":\"%s\",\"order\":\"%s\",\"status\":\"approved\",\"issued_at\":\"%s\","
            "\"expires_at\":\"%s\",\"category\":\"damaged\",\"version\":1}\n",
            r.code.c_str(), r.order.c_str(),
            core::formatRfc3339(core::Timestamp(std::chrono::seconds(r.issued))).c_str(),
            core::formatRfc3339(core::Timestamp(std::chrono::seconds(r.expires))).c_str());
    }
    std::fclose(f);
    return path;
}

struct Percentiles {
    double p50 = 0, p99 = 0, mean = 0;
};

Percentiles percentiles(std::vector<double> ns)
{
    std::sort(ns.begin(), ns.end());
    Percentiles p;
    p.p50 = ns[ns.size() / 2];
    p.p99 = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)];
    double sum = 0;
    for (double v : ns)
        sum += v;
    p.mean = sum / static_cast<double>(ns.size());
    return p;
}

}  // namespace

int main(int argc, char** argv)
{
    std::size_t nRows = 1000000;
    std::size_t nLookups = 200000;
    std::string dir;
    bool asJson = false;
    bool smoke = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--rows" && i + 1 < argc) {
            nRows = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--lookups" && i + 1 < argc) {
            nLookups = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--json") {
            asJson = true;
        } else if (a == "--smoke") {
            smoke = true;
        } else {
            std::fprintf(
                stderr,
                "usage: store_bench [--rows N] [--lookups M] [--dir DIR] [--json] [--smoke]\n");
            return 2;
        }
    }
    if (nRows < 100 || nLookups < 100) {
        std::fprintf(stderr, "store_bench: --rows and --lookups must be at least 100\n");
        return 2;
    }
    bool ownDir = dir.empty();
    if (ownDir) {
        std::string t = "/tmp/returnscan-bench-XXXXXX";
        if (!::mkdtemp(t.data()))
            return 2;
        dir = t;
    }
    std::fprintf(stderr, "store_bench: %zu rows, %zu lookups, in %s\n", nRows, nLookups,
                 dir.c_str());
    auto rows = makeRows(nRows);
    const std::string jsonl = writeJsonl(dir + "/codes.jsonl", rows);
    if (jsonl.empty())
        return 2;

    // (1) import, bare loop first then ours, then both again; the better of two runs each.
    double bare = 1e30, ours = 1e30;
    for (int round = 0; round < 2; ++round) {
        const std::string bareDb = dir + "/bare" + std::to_string(round) + ".db";
        double b = bareInsert(bareDb, rows);
        if (b < 0)
            return 2;
        bare = std::min(bare, b);
        const std::string ourDb = dir + "/ours" + std::to_string(round) + ".db";
        auto st = store::SqliteStore::open({ourDb});
        if (!st)
            return 2;
        auto t = Clock::now();
        auto rep = store::importAuthorizations(**st, jsonl, core::CodeFormats::defaults());
        double o = secondsSince(t);
        if (!rep || rep->imported != static_cast<std::int64_t>(nRows)) {
            std::fprintf(stderr, "store_bench: import failed: %s\n",
                         rep ? "wrong count" : rep.error().message.c_str());
            return 2;
        }
        ours = std::min(ours, o);
        st->reset();
        if (round == 0) {
            for (const char* sfx : {"", "-wal", "-shm"})
                ::unlink((bareDb + sfx).c_str());
        }
    }
    const double bareRate = static_cast<double>(nRows) / bare;
    const double ourRate = static_cast<double>(nRows) / ours;
    const double importRatio = ourRate / bareRate;

    // (2) lookups on the imported database (ours1.db); same keys, interleaved blocks.
    const std::string db = dir + "/ours1.db";
    auto st = store::SqliteStore::open({db});
    if (!st)
        return 2;
    sqlite3* raw = nullptr;
    sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* sel = nullptr;
    sqlite3_prepare_v2(raw,
                       "SELECT code, order_no, status, issued_at, expires_at, category, "
                       "lines_json, version, consumed_by FROM authorizations WHERE code=?",
                       -1, &sel, nullptr);
    std::mt19937_64 rng(42);
    std::vector<std::string> keys;
    keys.reserve(nLookups);
    for (std::size_t i = 0; i < nLookups; ++i)
        keys.push_back(rows[rng() % rows.size()].code);
    std::vector<double> bareNs, ourNs;
    bareNs.reserve(nLookups);
    ourNs.reserve(nLookups);
    const auto at = core::Timestamp(std::chrono::seconds(1795000000 + 3 * 86400));
    const auto formats = core::CodeFormats::defaults();
    std::size_t accepted = 0;
    const std::size_t block = 1000;
    for (std::size_t start = 0; start < nLookups; start += block) {
        std::size_t end = std::min(nLookups, start + block);
        for (std::size_t i = start; i < end; ++i) {
            auto t = Clock::now();
            const auto& k = keys[i];
            sqlite3_bind_text(sel, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
            int rc = sqlite3_step(sel);
            // A lookup that returns the row: every selected column is read, as the store
            // must, but nothing is converted or copied.
            std::size_t sink = 0;
            if (rc == SQLITE_ROW) {
                for (int col = 0; col < 9; ++col) {
                    sink += static_cast<std::size_t>(sqlite3_column_bytes(sel, col));
                }
            }
            benchSink = benchSink + sink;
            sqlite3_reset(sel);
            bareNs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t).count());
        }
        for (std::size_t i = start; i < end; ++i) {
            auto t = Clock::now();
            auto d = core::checkParcel(**st, formats, {keys[i], std::nullopt, at});
            ourNs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t).count());
            if (d && d->outcome == core::Outcome::Accepted)
                ++accepted;
        }
    }
    sqlite3_finalize(sel);
    sqlite3_close(raw);
    if (accepted != nLookups) {
        std::fprintf(stderr, "store_bench: expected every lookup accepted, got %zu of %zu\n",
                     accepted, nLookups);
        return 2;
    }
    auto pb = percentiles(bareNs);
    auto po = percentiles(ourNs);
    const double p99Ratio = po.p99 / pb.p99;
    const bool importOk = importRatio >= 0.8;
    const bool lookupOk = p99Ratio <= 1.5;

    if (asJson) {
        std::printf(
            "{\"rows\":%zu,\"lookups\":%zu,\"import_bare_rows_per_s\":%.0f,"
            "\"import_rows_per_s\":%.0f,\"import_ratio\":%.3f,\"lookup_bare_p50_ns\":%.0f,"
            "\"lookup_bare_p99_ns\":%.0f,\"decision_p50_ns\":%.0f,\"decision_p99_ns\":%.0f,"
            "\"decision_p99_ratio\":%.3f,\"goals_met\":%s}\n",
            nRows, nLookups, bareRate, ourRate, importRatio, pb.p50, pb.p99, po.p50, po.p99,
            p99Ratio, importOk && lookupOk ? "true" : "false");
    } else {
        std::printf("import of %zu rows (best of 2):\n", nRows);
        std::printf("  bare prepared insert loop : %10.0f rows/s (%.2f s)\n", bareRate, bare);
        std::printf("  codes import (JSON Lines) : %10.0f rows/s (%.2f s)\n", ourRate, ours);
        std::printf("  ratio %.2fx (goal >= 0.80x): %s\n", importRatio,
                    importOk ? "met" : "MISSED");
        std::printf("decision with %zu stored, %zu lookups:\n", nRows, nLookups);
        std::printf("  bare prepared lookup      : p50 %6.0f ns  p99 %6.0f ns  mean %6.0f ns\n",
                    pb.p50, pb.p99, pb.mean);
        std::printf("  checkParcel (decision)    : p50 %6.0f ns  p99 %6.0f ns  mean %6.0f ns\n",
                    po.p50, po.p99, po.mean);
        std::printf("  p99 ratio %.2fx (goal <= 1.50x): %s\n", p99Ratio,
                    lookupOk ? "met" : "MISSED");
    }
    if (ownDir) {
        std::string cmd = "rm -rf '" + dir + "'";
        [[maybe_unused]] int rc = std::system(cmd.c_str());
    }
    return smoke || (importOk && lookupOk) ? 0 : 1;
}
