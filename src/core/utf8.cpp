// SPDX-License-Identifier: Apache-2.0
// UTF-8 validation (RFC 3629).
#include "returnscan/core/utf8.h"

#include <cstdint>

namespace returnscan::core {

std::optional<std::size_t> firstInvalidUtf8(std::string_view s)
{
    const std::size_t n = s.size();
    const auto byteAt = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    std::size_t i = 0;
    while (i < n) {
        const unsigned char b = byteAt(i);
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (b >= 0xc2 && b <= 0xdf) {  // 0xc0, 0xc1 only start overlong forms
            len = 2;
            cp = b & 0x1fU;
        } else if (b >= 0xe0 && b <= 0xef) {
            len = 3;
            cp = b & 0x0fU;
        } else if (b >= 0xf0 && b <= 0xf4) {
            len = 4;
            cp = b & 0x07U;
        } else {
            return i;
        }
        if (i + len > n) {
            return i;
        }
        for (std::size_t k = 1; k < len; ++k) {
            const unsigned char cb = byteAt(i + k);
            if ((cb & 0xc0) != 0x80) {
                return i + k;
            }
            cp = (cp << 6) | (cb & 0x3fU);
        }
        const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
        if (overlong || surrogate || cp > 0x10ffff) {
            return i;
        }
        i += len;
    }
    return std::nullopt;
}

}  // namespace returnscan::core
