// SPDX-License-Identifier: Apache-2.0
// A receipt: what happened to one parcel at the station (central-api.md section 2).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "returnscan/core/decision.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

struct ScanRecord {
    Timestamp at{};
    std::string device;
    std::string aim;
    std::string data;

    friend bool operator==(const ScanRecord&, const ScanRecord&) = default;
};

struct Override {
    std::string by;
    std::string reason;
    Timestamp at{};
    Outcome outcome = Outcome::Accepted;

    friend bool operator==(const Override&, const Override&) = default;
};

struct Receipt {
    std::string id;  ///< UUID, made when the parcel's session starts; the idempotency key
    std::string station;
    std::string operatorId;
    std::optional<std::string> code;  ///< absent for no_code and for malformed reads
    std::optional<std::string> order;
    Outcome decision = Outcome::Rejected;
    Reason reason = Reason::NoCode;
    std::vector<std::string> flags;
    std::optional<std::string> condition;
    Timestamp startedAt{};
    Timestamp decidedAt{};
    std::optional<Timestamp> completedAt;
    std::optional<Override> override_;
    std::vector<ScanRecord> scans;

    friend bool operator==(const Receipt&, const Receipt&) = default;
};

/// Formats 16 random bytes as an RFC 4122 version-4 UUID (sets the version and variant bits).
[[nodiscard]] std::string uuidV4FromBytes(std::array<std::uint8_t, 16> bytes);

/// True for the canonical lower-case 8-4-4-4-12 hex form.
[[nodiscard]] bool isUuid(std::string_view s);

}  // namespace returnscan::core
