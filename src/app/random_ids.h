// SPDX-License-Identifier: Apache-2.0
// The one production IdSource: receipt ids (UUID v4) from the kernel's random source.
#pragma once

#include <mutex>
#include <random>
#include <string>

#include "returnscan/core/ports.h"

namespace returnscan::app {

/// Thread-safe. std::random_device reads getrandom()/urandom on Linux, so ids are
/// unpredictable and never repeat across restarts.
class RandomIds final : public core::IdSource {
public:
    std::string newId() override;

private:
    std::mutex mutex_;
    std::random_device rd_;
};

}  // namespace returnscan::app
