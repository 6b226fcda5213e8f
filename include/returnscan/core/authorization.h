// SPDX-License-Identifier: Apache-2.0
// What the station knows about a return code (central-api.md section 1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/code_format.h"
#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

enum class AuthStatus { Approved, Pending, Rejected, Cancelled };
enum class Category { WrongItem, Damaged, MissingItem, Functionality, Other };

[[nodiscard]] std::string_view toString(AuthStatus s);
[[nodiscard]] std::string_view toString(Category c);
/// Parses the API's words (`approved`, ...); nullopt for anything else.
[[nodiscard]] std::optional<AuthStatus> parseAuthStatus(std::string_view word);
[[nodiscard]] std::optional<Category> parseCategory(std::string_view word);

/// One expected line of the returned parcel.
struct AuthLine {
    std::string sku;
    std::string gtin;
    std::int64_t qty = 1;
    std::string description;

    friend bool operator==(const AuthLine&, const AuthLine&) = default;
};

/// Validity of a code without an explicit expiry (policy: "valid for 2 weeks upon issuance").
inline constexpr std::chrono::seconds kDefaultValidity = std::chrono::days(14);

struct Authorization {
    std::string code;
    std::string order;
    AuthStatus status = AuthStatus::Pending;
    Timestamp issuedAt{};
    std::optional<Timestamp> expiresAt;  ///< absent: issuedAt + 14 days
    std::optional<Category> category;
    std::vector<AuthLine> lines;
    std::optional<std::int64_t> version;
    /// Optional dates for the advisory flags (not in API v1; taken when the server sends them).
    std::optional<Timestamp> deliveredAt;     ///< when the customer received the order
    std::optional<Timestamp> reportedAt;      ///< when the customer reported the claim
    std::optional<Timestamp> lastActivityAt;  ///< last correspondence on the ticket

    /// The instant from which the code is no longer valid.
    [[nodiscard]] Timestamp effectiveExpiry() const
    {
        return expiresAt ? *expiresAt : issuedAt + kDefaultValidity;
    }

    friend bool operator==(const Authorization&, const Authorization&) = default;
};

/// Checks an authorization as received (import or sync): the code and order match their
/// formats, expires_at is after issued_at, version is not negative. The message names the
/// first problem (ErrorCode::InvalidArgument).
[[nodiscard]] Status validateAuthorization(const Authorization& a, const CodeFormats& formats);

/// Whether an incoming row replaces the stored one: higher version wins; rows without a
/// version replace rows without a version; a versioned stored row is never replaced by an
/// unversioned one, and vice versa an unversioned stored row is replaced by a versioned one.
[[nodiscard]] bool replaces(const std::optional<std::int64_t>& incoming,
                            const std::optional<std::int64_t>& stored);

}  // namespace returnscan::core
