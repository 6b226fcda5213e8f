// SPDX-License-Identifier: Apache-2.0
// Receipt ids: RFC 4122 version-4 UUIDs from random bytes, and their canonical form.
#include "returnscan/core/receipt.h"

namespace returnscan::core {

std::string uuidV4FromBytes(std::array<std::uint8_t, 16> bytes)
{
    constexpr std::string_view kHex = "0123456789abcdef";
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0fU) | 0x40U);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3fU) | 0x80U);  // variant 10xx
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0x0fU]);
    }
    return out;
}

bool isUuid(std::string_view s)
{
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace returnscan::core
