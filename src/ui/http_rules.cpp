// SPDX-License-Identifier: Apache-2.0
// The request rules of docs/ui-api.md: allow-lists, content type, cookies, parameters.
#include "http_rules.h"

#include <algorithm>
#include <charconv>

namespace returnscan::ui::detail {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 500;

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool allDigits(std::string_view s)
{
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Whether `entry` ends in ":port" (an IPv6 literal keeps its colons inside brackets).
bool hasPort(std::string_view entry)
{
    const auto colon = entry.rfind(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    const auto bracket = entry.rfind(']');
    if (bracket != std::string_view::npos && bracket > colon) {
        return false;
    }
    return allDigits(entry.substr(colon + 1));
}

bool validHostName(std::string_view name)
{
    // Names, IPv4 and bracketed IPv6 literals: letters, digits and . - : [ ] only.
    return !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == ':' || c == '[' || c == ']' || c == '_';
    });
}

}  // namespace

std::string toLower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

Result<HostRules> HostRules::make(int port, std::string_view bindHost,
                                  const std::vector<std::string>& extra)
{
    HostRules rules;
    const std::string suffix = ":" + std::to_string(port);
    auto add = [&](std::string name) {
        rules.hosts_.push_back(name + suffix);
        // Browsers leave the default port out of Host and Origin.
        if (port == 80) {
            rules.hosts_.push_back(std::move(name));
        }
    };
    add("127.0.0.1");
    add("localhost");
    add("[::1]");
    std::string bind = toLower(bindHost);
    if (bind.find(':') != std::string::npos && bind.front() != '[') {
        bind = "[" + bind + "]";  // an IPv6 address as it appears in a Host header
    }
    if (!bind.empty() && bind != "0.0.0.0" && bind != "[::]" && validHostName(bind)) {
        add(bind);
    }
    for (const auto& entry : extra) {
        std::string e = toLower(trim(entry));
        if (!validHostName(e)) {
            return makeError(ErrorCode::InvalidArgument,
                             "allowed host '" + entry + "' is not a host name or host:port");
        }
        if (hasPort(e)) {
            rules.hosts_.push_back(std::move(e));
        } else {
            add(std::move(e));
        }
    }
    return rules;
}

bool HostRules::hostAllowed(std::string_view host) const
{
    host = trim(host);
    if (host.empty()) {
        return false;
    }
    const std::string h = toLower(host);
    return std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end();
}

bool HostRules::originAllowed(std::string_view origin) const
{
    constexpr std::string_view kScheme = "http://";
    origin = trim(origin);
    if (origin.size() <= kScheme.size() || toLower(origin.substr(0, kScheme.size())) != kScheme) {
        return false;
    }
    return hostAllowed(origin.substr(kScheme.size()));
}

bool fetchSiteAllowed(std::string_view value)
{
    const std::string v = toLower(trim(value));
    return v == "same-origin" || v == "none";
}

bool isJsonContentType(std::string_view value)
{
    const auto semicolon = value.find(';');
    return toLower(trim(value.substr(0, semicolon))) == "application/json";
}

std::vector<std::string_view> cookieValues(std::string_view header, std::string_view name)
{
    std::vector<std::string_view> out;
    while (!header.empty()) {
        const auto end = header.find(';');
        const auto pair = trim(header.substr(0, end));
        header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) {
            continue;
        }
        auto value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        out.push_back(value);
    }
    return out;
}

bool isActionName(std::string_view s)
{
    return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || c == '-';
    });
}

std::optional<int> parseLimit(std::string_view text)
{
    if (text.empty()) {
        return kDefaultLimit;
    }
    const bool negative = text.front() == '-';
    const auto digits = negative ? text.substr(1) : text;
    if (!allDigits(digits)) {
        return std::nullopt;
    }
    if (negative) {
        return 1;
    }
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range) {
        return kMaxLimit;  // numeric, just huge
    }
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return static_cast<int>(std::clamp<long long>(value, 1, kMaxLimit));
}

}  // namespace returnscan::ui::detail
