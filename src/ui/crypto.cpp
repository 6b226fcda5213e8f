// SPDX-License-Identifier: Apache-2.0
// PIN hashing (PBKDF2-HMAC-SHA256), random tokens and constant-time comparison over OpenSSL.
#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <vector>

#include "returnscan/ui/server.h"

namespace returnscan::ui {
namespace detail {
namespace {

constexpr std::string_view kPinScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;  // SHA-256's output: PBKDF2 gives no more strength
// Bounds a configured hash may use: above ten million iterations one login would take seconds.
constexpr long kMinIterations = 1;
constexpr long kMaxIterations = 10'000'000;

std::string toHex(const unsigned char* data, std::size_t n)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(kDigits[data[i] >> 4]);
        out.push_back(kDigits[data[i] & 0x0f]);
    }
    return out;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::vector<unsigned char>> fromHex(std::string_view hex)
{
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::vector<unsigned char> out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hexValue(hex[2 * i]);
        const int lo = hexValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    return out;
}

struct ParsedPinHash {
    int iterations = 0;
    std::vector<unsigned char> salt;
    std::vector<unsigned char> hash;
};

std::optional<ParsedPinHash> parsePinHash(std::string_view text)
{
    // pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (parts.size() < 5) {
        const auto end = text.find('$', start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    if (parts.size() != 4 || parts[0] != kPinScheme) {
        return std::nullopt;
    }
    const auto& it = parts[1];
    if (it.empty() || it.size() > 8 || it.front() == '0') {
        return std::nullopt;
    }
    long iterations = 0;
    const auto [ptr, ec] = std::from_chars(it.data(), it.data() + it.size(), iterations);
    if (ec != std::errc{} || ptr != it.data() + it.size() || iterations < kMinIterations ||
        iterations > kMaxIterations) {
        return std::nullopt;
    }
    auto salt = fromHex(parts[2]);
    auto hash = fromHex(parts[3]);
    // Salts of 8 to 64 bytes, hashes of 16 to 64 bytes: anything else is not ours.
    if (!salt || salt->size() < 8 || salt->size() > 64 || !hash || hash->size() < 16 ||
        hash->size() > 64) {
        return std::nullopt;
    }
    return ParsedPinHash{static_cast<int>(iterations), std::move(*salt), std::move(*hash)};
}

bool pbkdf2(std::string_view pin, const std::vector<unsigned char>& salt, int iterations,
            std::vector<unsigned char>& out)
{
    return PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), salt.data(),
                             static_cast<int>(salt.size()), iterations, EVP_sha256(),
                             static_cast<int>(out.size()), out.data()) == 1;
}

}  // namespace

std::optional<std::string> randomHex(std::size_t bytes)
{
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
        return std::nullopt;
    }
    return toHex(buf.data(), buf.size());
}

bool equalConstantTime(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace detail

std::string hashPin(std::string_view pin)
{
    std::vector<unsigned char> salt(detail::kSaltBytes);
    std::vector<unsigned char> hash(detail::kHashBytes);
    if (pin.size() > 1024 || RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1 ||
        !detail::pbkdf2(pin, salt, detail::kPinIterations, hash)) {
        return {};
    }
    return std::string(detail::kPinScheme) + "$" + std::to_string(detail::kPinIterations) + "$" +
           detail::toHex(salt.data(), salt.size()) + "$" + detail::toHex(hash.data(), hash.size());
}

bool isPinHash(std::string_view hash)
{
    return detail::parsePinHash(hash).has_value();
}

bool verifyPin(std::string_view pin, std::string_view hash)
{
    auto parsed = detail::parsePinHash(hash);
    if (!parsed || pin.size() > 1024) {
        return false;
    }
    std::vector<unsigned char> computed(parsed->hash.size());
    if (!detail::pbkdf2(pin, parsed->salt, parsed->iterations, computed)) {
        return false;
    }
    return CRYPTO_memcmp(computed.data(), parsed->hash.data(), computed.size()) == 0;
}

}  // namespace returnscan::ui
