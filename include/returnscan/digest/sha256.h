// SPDX-License-Identifier: Apache-2.0
// SHA-256 (OpenSSL's EVP API), the one implementation used for audit hashes, evidence files
// and photo names.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace returnscan::digest {

/// Lower-case hex SHA-256 of `bytes` (64 characters). Empty only if OpenSSL failed, which
/// does not happen with the default provider; callers treat empty as an internal error.
[[nodiscard]] std::string sha256Hex(std::string_view bytes);

/// True for 64 lower-case hex digits: the form sha256Hex() writes, which names photo files and
/// the API's photo paths. The one check of that form (the UI, sync and the reference server).
[[nodiscard]] bool isSha256Hex(std::string_view s);

/// Incremental SHA-256 for data that arrives in pieces (files). Not thread-safe.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    /// False when OpenSSL could not set up the digest (then hex() is empty).
    [[nodiscard]] bool ok() const { return ok_; }
    void update(std::string_view bytes);
    /// Finishes and returns the lower-case hex digest; the object is spent afterwards.
    [[nodiscard]] std::string hex();

private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
    bool ok_ = false;
};

}  // namespace returnscan::digest
