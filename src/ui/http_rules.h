// SPDX-License-Identifier: Apache-2.0
// The request rules of docs/ui-api.md as pure functions: Host and Origin allow-lists, the JSON
// content type, cookies, path and query validation, and the security headers. No httplib here,
// so the rules are tested without a socket.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/result.h"

namespace returnscan::ui::detail {

/// Content-Security-Policy of every answer (docs/ui-api.md, "Security").
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

/// The Host values a request may carry and the Origins a POST may come from.
class HostRules {
public:
    /// `port`: the port actually bound. `bindHost`: the bound address, accepted as a host name
    /// unless it is a wildcard (0.0.0.0, ::). `extra`: [ui] allowed_hosts, each "name" (meaning
    /// name:port) or "name:port". Errors: InvalidArgument naming a malformed entry.
    [[nodiscard]] static Result<HostRules> make(int port, std::string_view bindHost,
                                                const std::vector<std::string>& extra);

    /// Whether `host` (a Host header value) is allowed; case-insensitive. An empty value is not.
    [[nodiscard]] bool hostAllowed(std::string_view host) const;
    /// Whether `origin` is "http://" + an allowed host.
    [[nodiscard]] bool originAllowed(std::string_view origin) const;

private:
    std::vector<std::string> hosts_;  // lower case, each with its port ("name:port")
};

/// Whether a Sec-Fetch-Site value allows a POST: "same-origin" or "none".
[[nodiscard]] bool fetchSiteAllowed(std::string_view value);

/// Whether a Content-Type value is application/json (parameters such as charset ignored).
[[nodiscard]] bool isJsonContentType(std::string_view value);

/// The values of cookie `name` in one Cookie header ("a=1; rs_session=x"), in order.
[[nodiscard]] std::vector<std::string_view> cookieValues(std::string_view header,
                                                         std::string_view name);

/// An action name of POST /api/<name>: [a-z-]{1,32}.
[[nodiscard]] bool isActionName(std::string_view s);

/// The `limit` query parameter: empty (absent) gives 50; an integer is clamped to 1..500;
/// anything else is nullopt (400 bad_limit).
[[nodiscard]] std::optional<int> parseLimit(std::string_view text);

/// ASCII lower case.
[[nodiscard]] std::string toLower(std::string_view s);

}  // namespace returnscan::ui::detail
