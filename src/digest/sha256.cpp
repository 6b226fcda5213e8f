// SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL 3's EVP API (the low-level SHA256_* calls are deprecated in 3.0).
#include "returnscan/digest/sha256.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace returnscan::digest {
namespace {

std::string toHex(const unsigned char* md, unsigned int len)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        hex += kHex[md[i] >> 4];
        hex += kHex[md[i] & 0x0f];
    }
    return hex;
}

}  // namespace

bool isSha256Hex(std::string_view s)
{
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string sha256Hex(std::string_view bytes)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    return toHex(md.data(), len);
}

struct Sha256::Ctx {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>())
{
    ok_ = ctx_->md != nullptr && EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1;
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes)
{
    if (ok_)
        ok_ = EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) == 1;
}

std::string Sha256::hex()
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_->md, md.data(), &len) != 1) {
        ok_ = false;
        return {};
    }
    ok_ = false;  // spent
    return toHex(md.data(), len);
}

}  // namespace returnscan::digest
