// SPDX-License-Identifier: Apache-2.0
// Sync test support: certificates made at test time, a station database with receipts and
// photos, a token file, and the reference central server on 127.0.0.1 port 0.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "central_server.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/receipt.h"
#include "returnscan/digest/sha256.h"
#include "returnscan/store/store.h"
#include "support/temp_dir.h"
#include "sync/test_certificates.h"

namespace returnscan::sync::testing {

using returnscan::tests::TempDir;

inline constexpr const char* kToken = "tok-3c9f1e7a5b2d4c6e8f0a1b2c3d4e5f60-secret";

/// The test certificates (test_certificates.h), made once per process.
class Certificates {
public:
    static const Certificates& get()
    {
        static Certificates certs;
        return certs;
    }
    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] std::string file(const std::string& name) const { return dir_.file(name); }

private:
    Certificates()
    {
        const auto failed = makeTestCertificates(dir_.path().string());
        if (!failed.empty()) {
            ADD_FAILURE() << "certificate generation failed: " << failed;
            return;
        }
        ok_ = true;
    }
    TempDir dir_;
    bool ok_ = false;
};

using digest::sha256Hex;

/// A valid return code number `n`: "RC" + 9 base-36 digits + the MOD 37,36 check character.
inline std::string codeNumber(int n)
{
    static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string body(9, '0');
    for (int i = 8; i >= 0 && n > 0; --i) {
        body[static_cast<std::size_t>(i)] = kDigits[n % 36];
        n /= 36;
    }
    auto code = core::withCheckCharacter("RC" + body, core::CheckScheme::Iso7064Mod37_36);
    return code.ok() ? *code : std::string();
}

/// An authorization object as the central API sends it.
inline std::string authJson(int n, int version, const std::string& status = "approved")
{
    return "{\"code\":\"" + codeNumber(n) + "\",\"order\":\"1000" +
           std::to_string(10000 + n % 90000) + "\",\"status\":\"" + status +
           "\",\"issued_at\":\"2026-11-20T10:15:00Z\",\"category\":\"damaged\",\"version\":" +
           std::to_string(version) + ",\"future_field\":{\"nested\":[1,2,3]}}";
}

/// The station side: a database with receipts and photo files.
class Station {
public:
    explicit Station(const TempDir& dir) : dir_(dir)
    {
        std::filesystem::create_directories(dir_.path() / "photos");
        tokenFile_ = dir_.write("token", std::string(kToken) + "\n");
        ::chmod(tokenFile_.c_str(), 0600);
    }

    [[nodiscard]] std::string dbPath() const { return dir_.file("station.db"); }
    [[nodiscard]] const std::string& tokenFile() const { return tokenFile_; }

    [[nodiscard]] std::unique_ptr<store::SqliteStore> open() const
    {
        auto s = store::SqliteStore::open({dbPath()});
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        return s.ok() ? std::move(s).value() : nullptr;
    }

    /// Adds `count` receipts (rejected/no_code unless `code` is given: accepted with it), each
    /// with `photosEach` photos of `photoBytes` random bytes.
    void addReceipts(int count, int photosEach = 0, std::size_t photoBytes = 0,
                     const std::string& code = "", const std::string& forcedId = "")
    {
        auto s = open();
        ASSERT_TRUE(s);
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(dbPath().c_str(), &raw), SQLITE_OK);
        sqlite3_busy_timeout(raw, 5000);
        for (int i = 0; i < count; ++i) {
            core::Receipt r;
            std::array<std::uint8_t, 16> bytes{};
            for (auto& b : bytes) {
                b = static_cast<std::uint8_t>(rng_());
            }
            r.id = forcedId.empty() ? core::uuidV4FromBytes(bytes) : forcedId;
            r.station = "dock-3";
            r.operatorId = "op-17";
            r.startedAt = core::Timestamp{std::chrono::seconds{1'795'000'000 + serial_}};
            r.decidedAt = r.startedAt + std::chrono::seconds(2);
            r.completedAt = r.decidedAt + std::chrono::seconds(30);  // open ones are not sent
            if (code.empty()) {
                r.decision = core::Outcome::Rejected;
                r.reason = core::Reason::NoCode;
            } else {
                r.code = code;
                r.decision = core::Outcome::Accepted;
                r.reason = core::Reason::Accepted;
            }
            ++serial_;
            ASSERT_TRUE(s->writeTransaction([&] { return s->insertReceipt(r); }).ok());
            ids_.insert(r.id);
            for (int k = 0; k < photosEach; ++k) {
                std::string data(photoBytes, '\0');
                for (auto& c : data) {
                    c = static_cast<char>(rng_());
                }
                const auto sha = sha256Hex(data);
                const auto path = (dir_.path() / "photos" / (sha.substr(0, 16) + ".jpg")).string();
                std::FILE* f = std::fopen(path.c_str(), "wb");
                ASSERT_NE(f, nullptr);
                std::fwrite(data.data(), 1, data.size(), f);
                std::fclose(f);
                const std::string sql =
                    "INSERT INTO photos (receipt_id, sha256, role, path, taken_at, bytes) VALUES "
                    "('" +
                    r.id + "','" + sha + "','overview','" + path + "'," +
                    std::to_string(1'795'000'000 + serial_) + "," + std::to_string(data.size()) +
                    ")";
                ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
                photos_.insert(sha);
                photoPaths_.push_back(path);
            }
        }
        sqlite3_close_v2(raw);
    }

    [[nodiscard]] std::vector<std::string> receiptIds() const { return {ids_.begin(), ids_.end()}; }
    [[nodiscard]] std::vector<std::string> photoNames() const
    {
        return {photos_.begin(), photos_.end()};
    }
    [[nodiscard]] const std::vector<std::string>& photoPaths() const { return photoPaths_; }

private:
    const TempDir& dir_;
    std::string tokenFile_;
    std::set<std::string> ids_;
    std::set<std::string> photos_;
    std::vector<std::string> photoPaths_;
    std::mt19937_64 rng_{std::random_device{}()};
    int serial_ = 0;
};

/// Starts the reference server on 127.0.0.1, port 0, with the test CA's certificate (or the
/// rogue one), or plain HTTP when `tls` is false.
inline std::unique_ptr<central::CentralServer> startServer(const TempDir& dir, bool tls = true,
                                                           bool rogue = false)
{
    const auto& certs = Certificates::get();
    central::ServerOptions o;
    o.dataDir = (dir.path() / (rogue ? "central-rogue" : "central")).string();
    std::filesystem::create_directories(o.dataDir);
    o.token = kToken;
    if (tls) {
        o.certFile = certs.file(rogue ? "rogue.pem" : "server.pem");
        o.keyFile = certs.file(rogue ? "rogue.key" : "server.key");
    }
    auto s = central::CentralServer::start(o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s).value() : nullptr;
}

}  // namespace returnscan::sync::testing
