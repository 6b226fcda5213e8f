// SPDX-License-Identifier: Apache-2.0
// Authorization words, validation of received authorizations, and the version rule.
#include "returnscan/core/authorization.h"

namespace returnscan::core {

std::string_view toString(AuthStatus s)
{
    switch (s) {
        case AuthStatus::Approved:
            return "approved";
        case AuthStatus::Pending:
            return "pending";
        case AuthStatus::Rejected:
            return "rejected";
        case AuthStatus::Cancelled:
            return "cancelled";
    }
    return "pending";
}

std::string_view toString(Category c)
{
    switch (c) {
        case Category::WrongItem:
            return "wrong_item";
        case Category::Damaged:
            return "damaged";
        case Category::MissingItem:
            return "missing_item";
        case Category::Functionality:
            return "functionality";
        case Category::Other:
            return "other";
    }
    return "other";
}

std::optional<AuthStatus> parseAuthStatus(std::string_view word)
{
    for (auto s :
         {AuthStatus::Approved, AuthStatus::Pending, AuthStatus::Rejected, AuthStatus::Cancelled}) {
        if (toString(s) == word) {
            return s;
        }
    }
    return std::nullopt;
}

std::optional<Category> parseCategory(std::string_view word)
{
    for (auto c : {Category::WrongItem, Category::Damaged, Category::MissingItem,
                   Category::Functionality, Category::Other}) {
        if (toString(c) == word) {
            return c;
        }
    }
    return std::nullopt;
}

Status validateAuthorization(const Authorization& a, const CodeFormats& formats)
{
    if (!formats.returnCode.valid(a.code)) {
        return makeError(ErrorCode::InvalidArgument,
                         "authorization code '" + displaySafe(a.code) +
                             "' does not match the return-code format " +
                             formats.returnCode.pattern.source() + " or its check character");
    }
    if (!formats.order.valid(a.order)) {
        return makeError(ErrorCode::InvalidArgument,
                         "authorization " + a.code + ": order '" + displaySafe(a.order) +
                             "' does not match the order format " + formats.order.pattern.source());
    }
    if (a.expiresAt && *a.expiresAt <= a.issuedAt) {
        return makeError(ErrorCode::InvalidArgument,
                         "authorization " + a.code + ": expires_at " + formatRfc3339(*a.expiresAt) +
                             " is not after issued_at " + formatRfc3339(a.issuedAt));
    }
    if (a.version && *a.version < 0) {
        return makeError(
            ErrorCode::InvalidArgument,
            "authorization " + a.code + ": version " + std::to_string(*a.version) + " is negative");
    }
    return {};
}

bool replaces(const std::optional<std::int64_t>& incoming,
              const std::optional<std::int64_t>& stored)
{
    if (incoming && stored) {
        return *incoming > *stored;
    }
    if (!incoming && stored) {
        return false;
    }
    return true;  // unversioned replaces unversioned; versioned replaces unversioned
}

}  // namespace returnscan::core
