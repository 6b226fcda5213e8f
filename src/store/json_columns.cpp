// SPDX-License-Identifier: Apache-2.0
// The store's JSON columns: lines_json of an authorization, flags_json and override_json of a
// receipt (json_columns.h).
#include "json_columns.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "returnscan/core/decision.h"
#include "returnscan/core/utf8.h"

namespace returnscan::store::detail {
namespace {

void appendJsonString(std::string& out, std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the pending run of characters that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;  // UTF-8 passes through unchanged
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0x0f];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

/// A small reader for exactly the layout encodeLines() writes (findCode is on the decision
/// path, so no general JSON parser there). Anything else makes it fail; the caller then falls
/// back to nlohmann::json, so rows written by other tools still read.
class LinesReader {
public:
    explicit LinesReader(std::string_view text) : s_(text) {}

    [[nodiscard]] bool read(std::vector<core::AuthLine>& lines)
    {
        if (!take('[')) {
            return false;
        }
        if (take(']')) {
            return pos_ == s_.size();
        }
        do {
            core::AuthLine l;
            if (!(take("{\"sku\":") && string(l.sku) && take(",\"gtin\":") && string(l.gtin) &&
                  take(",\"qty\":") && number(l.qty) && take(",\"description\":") &&
                  string(l.description) && take('}'))) {
                return false;
            }
            lines.push_back(std::move(l));
        } while (take(','));
        return take(']') && pos_ == s_.size();
    }

private:
    bool take(char c)
    {
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool take(std::string_view lit)
    {
        if (s_.substr(pos_, lit.size()) == lit) {
            pos_ += lit.size();
            return true;
        }
        return false;
    }
    bool number(std::int64_t& out)
    {
        const bool negative = take('-');
        const std::size_t start = pos_;
        std::int64_t v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            if (pos_ - start >= 18) {
                return false;  // leave huge numbers to the general parser
            }
            v = v * 10 + (s_[pos_] - '0');
            ++pos_;
        }
        if (pos_ == start) {
            return false;
        }
        out = negative ? -v : v;
        return true;
    }
    bool hex4(std::uint32_t& out)
    {
        if (s_.size() - pos_ < 4) {
            return false;
        }
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            out <<= 4;
            if (c >= '0' && c <= '9') {
                out |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                out |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                out |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }
    bool string(std::string& out)
    {
        if (!take('"')) {
            return false;
        }
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') {
                return true;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ == s_.size()) {
                return false;
            }
            const char e = s_[pos_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) {
                        return false;
                    }
                    if (cp >= 0xd800 && cp <= 0xdbff) {
                        std::uint32_t low = 0;
                        if (!take("\\u") || !hex4(low) || low < 0xdc00 || low > 0xdfff) {
                            return false;
                        }
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                        return false;
                    }
                    appendUtf8(out, cp);
                    break;
                }
                default:
                    return false;
            }
        }
        return false;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string encodeLines(const std::vector<core::AuthLine>& lines)
{
    std::string out;
    out.reserve(64 * lines.size() + 2);
    out += '[';
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        if (i != 0) {
            out += ',';
        }
        out += "{\"sku\":";
        appendJsonString(out, l.sku);
        out += ",\"gtin\":";
        appendJsonString(out, l.gtin);
        out += ",\"qty\":";
        std::array<char, 24> digits{};
        // 24 bytes hold any int64, so to_chars cannot fail here.
        const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), l.qty);
        out.append(digits.data(), written.ptr);
        out += ",\"description\":";
        appendJsonString(out, l.description);
        out += '}';
    }
    out += ']';
    return out;
}

Result<std::vector<core::AuthLine>> decodeLines(std::string_view text, std::string_view code)
{
    std::vector<core::AuthLine> lines;
    if (LinesReader(text).read(lines)) {
        return lines;
    }
    lines.clear();
    try {
        const auto j = nlohmann::json::parse(text);
        if (!j.is_array()) {
            throw std::invalid_argument("not an array");
        }
        for (const auto& item : j) {
            core::AuthLine l;
            l.sku = item.value("sku", std::string());
            l.gtin = item.value("gtin", std::string());
            l.qty = item.value("qty", std::int64_t{1});
            l.description = item.value("description", std::string());
            lines.push_back(std::move(l));
        }
        return lines;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "lines_json of authorization " +
                                                 core::displaySafe(code) +
                                                 " is not a valid lines array: " + e.what());
    }
}

std::string encodeFlags(const std::vector<std::string>& flags)
{
    std::string out = "[";
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        appendJsonString(out, flags[i]);
    }
    out += ']';
    return out;
}

std::string encodeOverride(const core::Override& o)
{
    std::string out = "{\"by\":";
    appendJsonString(out, o.by);
    out += ",\"reason\":";
    appendJsonString(out, o.reason);
    out += ",\"at\":";
    out += std::to_string(o.at.time_since_epoch().count());
    out += ",\"outcome\":";
    appendJsonString(out, core::toString(o.outcome));
    out += '}';
    return out;
}

Status decodeReceiptJson(std::string_view flagsJson,
                         const std::optional<std::string_view>& overrideJson, core::Receipt& r)
{
    try {
        const auto flags = nlohmann::json::parse(flagsJson);
        for (const auto& f : flags) {
            r.flags.push_back(f.get<std::string>());
        }
        if (overrideJson) {
            const auto o = nlohmann::json::parse(*overrideJson);
            core::Override ov;
            ov.by = o.at("by").get<std::string>();
            ov.reason = o.at("reason").get<std::string>();
            ov.at = core::Timestamp{std::chrono::seconds{o.at("at").get<std::int64_t>()}};
            const auto outcome = core::parseOutcome(o.at("outcome").get<std::string>());
            if (!outcome) {
                throw std::invalid_argument("unknown override outcome");
            }
            ov.outcome = *outcome;
            r.override_ = std::move(ov);
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "receipt " + core::displaySafe(r.id) +
                                                 " has unreadable JSON columns: " + e.what());
    }
    return {};
}

}  // namespace returnscan::store::detail
