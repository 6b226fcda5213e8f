// SPDX-License-Identifier: Apache-2.0
// The ui module's uses of OpenSSL: random tokens and constant-time comparison (the PIN hash
// itself is public: ui::hashPin / ui::verifyPin in server.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace returnscan::ui::detail {

/// `bytes` random bytes from OpenSSL's CSPRNG as lower-case hex; nullopt when the generator
/// fails (never seen on Linux after boot, but RAND_bytes may report it).
[[nodiscard]] std::optional<std::string> randomHex(std::size_t bytes);

/// a == b without an early exit on the first difference (CRYPTO_memcmp). The lengths are not
/// secret: different lengths compare unequal at once.
[[nodiscard]] bool equalConstantTime(std::string_view a, std::string_view b);

/// The PBKDF2 iteration count hashPin() writes.
inline constexpr int kPinIterations = 100'000;

}  // namespace returnscan::ui::detail
