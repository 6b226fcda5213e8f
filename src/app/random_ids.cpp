// SPDX-License-Identifier: Apache-2.0
#include "random_ids.h"

#include <array>
#include <cstdint>

#include "returnscan/core/receipt.h"

namespace returnscan::app {

std::string RandomIds::newId()
{
    std::array<std::uint8_t, 16> bytes{};
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < bytes.size(); i += 4) {
            const std::uint32_t v = rd_();
            for (std::size_t k = 0; k < 4; ++k) {
                bytes[i + k] = static_cast<std::uint8_t>(v >> (8 * k));
            }
        }
    }
    return core::uuidV4FromBytes(bytes);
}

}  // namespace returnscan::app
