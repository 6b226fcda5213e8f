// SPDX-License-Identifier: Apache-2.0
// Code formats: a linear-time anchored pattern, ISO/IEC 7064 MOD 37,36 and GS1 mod-10 checks.
#include "returnscan/core/code_format.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "text.h"

namespace returnscan::core {

namespace {

// Counts above this cannot match any read (kMaxReadBytes is far smaller); the bound only keeps
// the arithmetic far away from overflow.
constexpr std::size_t kMaxCount = 100000;

std::string positionText(std::size_t pos)
{
    return std::to_string(pos + 1);  // 1-based for people
}

Error patternError(std::string_view text, std::size_t pos, std::string_view why)
{
    std::string m = "pattern '";
    m += displaySafe(text);
    m += "': ";
    m += why;
    m += " at position ";
    m += positionText(pos);
    return makeError(ErrorCode::InvalidArgument, std::move(m));
}

bool isSpecial(char c)
{
    switch (c) {
        case '.':
        case '*':
        case '+':
        case '?':
        case '|':
        case '(':
        case ')':
        case '^':
        case '$':
        case ']':
        case '}':
            return true;
        default:
            return false;
    }
}

// Reads a decimal count at `pos`; advances `pos`. False when no digit is there or it is too big.
bool readCount(std::string_view text, std::size_t& pos, std::size_t& out)
{
    const std::size_t start = pos;
    std::size_t v = 0;
    while (pos < text.size() && detail::isDigit(text[pos])) {
        v = v * 10 + static_cast<std::size_t>(text[pos] - '0');
        if (v > kMaxCount) {
            return false;
        }
        ++pos;
    }
    out = v;
    return pos > start;
}

int mod37Value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 10;
    }
    return -1;
}

constexpr std::string_view kAlphabet36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

std::optional<char> checkOf(std::string_view body, CheckScheme scheme)
{
    switch (scheme) {
        case CheckScheme::Iso7064Mod37_36:
            return iso7064Mod37_36Check(body);
        case CheckScheme::Gs1Mod10:
            return gs1Mod10Check(body);
        case CheckScheme::None:
            break;
    }
    return std::nullopt;
}

}  // namespace

Result<Pattern> Pattern::compile(std::string_view text)
{
    Pattern p;
    p.source_ = std::string(text);
    if (text.empty()) {
        return makeError(ErrorCode::InvalidArgument, "pattern is empty");
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        Atom atom{};
        atom.min = 1;
        atom.max = 1;
        if (c == '{') {
            return patternError(text, pos, "a count '{' must follow a character or a class");
        }
        if (c == '[') {
            const std::size_t open = pos;
            ++pos;
            if (pos < text.size() && text[pos] == '^') {
                return patternError(text, pos, "negated classes '[^' are not supported");
            }
            bool any = false;
            while (pos < text.size() && text[pos] != ']') {
                unsigned char lo = static_cast<unsigned char>(text[pos]);
                if (lo == '\\') {
                    if (pos + 1 >= text.size()) {
                        return patternError(text, pos, "'\\' at the end");
                    }
                    lo = static_cast<unsigned char>(text[++pos]);
                }
                unsigned char hi = lo;
                if (pos + 2 < text.size() && text[pos + 1] == '-' && text[pos + 2] != ']') {
                    std::size_t hiPos = pos + 2;
                    if (text[hiPos] == '\\') {
                        if (hiPos + 1 >= text.size()) {
                            return patternError(text, hiPos, "'\\' at the end");
                        }
                        ++hiPos;
                    }
                    hi = static_cast<unsigned char>(text[hiPos]);
                    if (hi < lo) {
                        return patternError(text, pos, "reversed range in class");
                    }
                    pos = hiPos;
                }
                for (unsigned v = lo; v <= hi; ++v) {
                    atom.allowed[v] = true;
                }
                any = true;
                ++pos;
            }
            if (pos >= text.size()) {
                return patternError(text, open, "unterminated class '['");
            }
            if (!any) {
                return patternError(text, open, "empty class '[]'");
            }
            ++pos;  // the ']'
        } else if (c == '\\') {
            if (pos + 1 >= text.size()) {
                return patternError(text, pos, "'\\' at the end");
            }
            atom.allowed[static_cast<unsigned char>(text[pos + 1])] = true;
            pos += 2;
        } else if (isSpecial(c)) {
            std::string why = "unsupported character '";
            why += c;
            why += "' (only literals, [classes] and {n} or {n,m} counts are supported)";
            return patternError(text, pos, why);
        } else {
            atom.allowed[static_cast<unsigned char>(c)] = true;
            ++pos;
        }

        if (pos < text.size() && text[pos] == '{') {
            const std::size_t open = pos;
            ++pos;
            std::size_t n = 0;
            if (!readCount(text, pos, n)) {
                return patternError(text, open, "count '{' needs a number up to 100000");
            }
            std::size_t m = n;
            if (pos < text.size() && text[pos] == ',') {
                ++pos;
                if (!readCount(text, pos, m)) {
                    return patternError(text, open,
                                        "count '{n,' needs an upper bound up to 100000");
                }
            }
            if (pos >= text.size() || text[pos] != '}') {
                return patternError(text, open, "unterminated count '{'");
            }
            ++pos;
            if (m < n) {
                return patternError(text, open, "count '{n,m}' has m smaller than n");
            }
            atom.min = n;
            atom.max = m;
            if (pos < text.size() && text[pos] == '{') {
                return patternError(text, pos, "a second count follows a count");
            }
        }
        p.atoms_.push_back(atom);
    }
    return p;
}

bool Pattern::matches(std::string_view s) const
{
    const std::size_t n = s.size();
    std::size_t minTotal = 0;
    std::size_t maxTotal = 0;
    bool fixed = true;
    for (const Atom& a : atoms_) {
        minTotal += a.min;
        maxTotal += a.max;
        fixed = fixed && a.min == a.max;
    }
    if (n < minTotal || n > maxTotal) {
        return false;
    }
    if (fixed) {
        // Every atom takes exactly `min` characters: one deterministic walk.
        std::size_t pos = 0;
        for (const Atom& a : atoms_) {
            for (std::size_t k = 0; k < a.min; ++k) {
                if (!a.allowed[static_cast<unsigned char>(s[pos++])]) {
                    return false;
                }
            }
        }
        return true;
    }

    // General case: reach[q] says whether the atoms so far can consume exactly s[0, q). For
    // the next atom, q is reachable when some reachable p lies in [q - min(run, max), q - min],
    // where run is the length of the stretch of allowed characters ending at q. Prefix sums
    // make that an O(1) test, so the whole match is O(len * atoms) with no backtracking.
    const auto run = [&](unsigned char* reach, std::uint32_t* prefix) {
        std::fill(reach, reach + n + 1, static_cast<unsigned char>(0));
        reach[0] = 1;
        for (const Atom& a : atoms_) {
            prefix[0] = 0;
            for (std::size_t i = 0; i <= n; ++i) {
                prefix[i + 1] = prefix[i] + reach[i];
            }
            std::size_t stretch = 0;
            bool any = false;
            for (std::size_t q = 0; q <= n; ++q) {
                if (q > 0) {
                    stretch = a.allowed[static_cast<unsigned char>(s[q - 1])] ? stretch + 1 : 0;
                }
                const std::size_t span = std::min(stretch, a.max);
                bool ok = false;
                if (q >= a.min && span >= a.min) {
                    const std::size_t hi = q - a.min;
                    const std::size_t lo = q - span;
                    ok = prefix[hi + 1] != prefix[lo];
                }
                reach[q] = ok ? 1 : 0;
                any = any || ok;
            }
            if (!any) {
                return false;
            }
        }
        return reach[n] != 0;
    };
    if (n <= kMaxReadBytes) {
        std::array<unsigned char, kMaxReadBytes + 1> reach;
        std::array<std::uint32_t, kMaxReadBytes + 2> prefix;
        return run(reach.data(), prefix.data());
    }
    std::vector<unsigned char> reach(n + 1);
    std::vector<std::uint32_t> prefix(n + 2);
    return run(reach.data(), prefix.data());
}

Result<CheckScheme> parseCheckScheme(std::string_view name)
{
    if (name == "none") {
        return CheckScheme::None;
    }
    if (name == "iso7064-mod37-36") {
        return CheckScheme::Iso7064Mod37_36;
    }
    if (name == "gs1-mod10") {
        return CheckScheme::Gs1Mod10;
    }
    return makeError(ErrorCode::InvalidArgument,
                     "unknown check scheme '" + displaySafe(name) +
                         "' (expected none, iso7064-mod37-36 or gs1-mod10)");
}

std::string_view toString(CheckScheme scheme)
{
    switch (scheme) {
        case CheckScheme::None:
            return "none";
        case CheckScheme::Iso7064Mod37_36:
            return "iso7064-mod37-36";
        case CheckScheme::Gs1Mod10:
            return "gs1-mod10";
    }
    return "none";
}

std::optional<char> iso7064Mod37_36Check(std::string_view body)
{
    constexpr int kM = 36;
    int p = kM;
    for (char c : body) {
        const int v = mod37Value(c);
        if (v < 0) {
            return std::nullopt;
        }
        int s = (p + v) % kM;
        if (s == 0) {
            s = kM;
        }
        p = (2 * s) % (kM + 1);
    }
    const int check = (kM + 1 - p) % kM;
    return kAlphabet36[static_cast<std::size_t>(check)];
}

std::optional<char> gs1Mod10Check(std::string_view body)
{
    int sum = 0;
    int weight = 3;  // the rightmost data digit is weighted 3
    for (std::size_t i = body.size(); i > 0; --i) {
        const char c = body[i - 1];
        if (!detail::isDigit(c)) {
            return std::nullopt;
        }
        sum += (c - '0') * weight;
        weight = 4 - weight;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool CodeFormat::valid(std::string_view text) const
{
    if (!pattern.matches(text)) {
        return false;
    }
    if (check == CheckScheme::None) {
        return true;
    }
    if (text.empty()) {
        return false;
    }
    const auto expected = checkOf(text.substr(0, text.size() - 1), check);
    return expected && *expected == text.back();
}

Result<CodeFormat> CodeFormat::make(std::string_view pattern, CheckScheme check)
{
    auto compiled = Pattern::compile(pattern);
    if (!compiled) {
        return std::move(compiled).takeError();
    }
    CodeFormat f;
    f.pattern = std::move(compiled).value();
    f.check = check;
    return f;
}

CodeFormats CodeFormats::defaults()
{
    CodeFormats f;
    // Both patterns are constants that compile; a failure here would be a bug caught by tests.
    if (auto rc = CodeFormat::make("RC[0-9A-Z]{10}", CheckScheme::Iso7064Mod37_36)) {
        f.returnCode = std::move(rc).value();
    }
    if (auto order = CodeFormat::make("[0-9]{9}", CheckScheme::None)) {
        f.order = std::move(order).value();
    }
    f.returnCodePrefix = "RC";
    return f;
}

Result<std::string> withCheckCharacter(std::string_view body, CheckScheme scheme)
{
    if (scheme == CheckScheme::None) {
        return std::string(body);
    }
    const auto c = checkOf(body, scheme);
    if (!c) {
        return makeError(ErrorCode::InvalidArgument,
                         "'" + displaySafe(body) + "' has characters outside the alphabet of " +
                             std::string(toString(scheme)));
    }
    std::string out(body);
    out.push_back(*c);
    return out;
}

std::string displaySafe(std::string_view text)
{
    constexpr std::size_t kShown = 64;
    constexpr std::string_view kHex = "0123456789abcdef";
    const std::size_t shown = std::min(text.size(), kShown);
    std::string out;
    out.reserve(shown + 3);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b >= 0x20 && b < 0x7f) {
            out.push_back(static_cast<char>(b));
        } else {
            out += "\\x";
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0x0f]);
        }
    }
    if (text.size() > kShown) {
        out += "...";
    }
    return out;
}

}  // namespace returnscan::core
