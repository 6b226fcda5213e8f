// SPDX-License-Identifier: Apache-2.0
// GS1 element strings: AI lengths, predefined-length table, GS-separated and bracketed parsing.
#include "returnscan/core/gs1.h"

#include "returnscan/core/code_format.h"
#include "text.h"

namespace returnscan::core {

namespace {

// Longest value of a variable-length AI in the GS1 table (the company-internal AIs 91-99).
constexpr std::size_t kMaxVariableValue = 90;

int twoDigits(std::string_view s)
{
    if (s.size() < 2 || !detail::isDigit(s[0]) || !detail::isDigit(s[1])) {
        return -1;
    }
    return (s[0] - '0') * 10 + (s[1] - '0');
}

Error gs1Error(std::string message)
{
    return makeError(ErrorCode::Parse, "GS1: " + std::move(message));
}

std::string aiLabel(std::string_view ai)
{
    std::string s = "(";
    s += ai;
    s += ")";
    return s;
}

// Checks one element once its AI and value are cut out. `predefined` is the total length from
// the predefined-length table, 0 for variable-length AIs.
Status checkElement(std::string_view ai, std::string_view value, std::size_t predefined)
{
    if (value.empty()) {
        return gs1Error("element " + aiLabel(ai) + " has no value");
    }
    if (predefined != 0) {
        const std::size_t want = predefined - ai.size();
        if (value.size() != want) {
            return gs1Error("element " + aiLabel(ai) + " is truncated: it needs " +
                            std::to_string(want) + " digits, got " + std::to_string(value.size()));
        }
        // Every AI reachable in the predefined-length table (00-02, 11-17, 20, 31-36, 41x) is
        // numeric.
        if (!detail::allDigits(value)) {
            return gs1Error("element " + aiLabel(ai) + " must be digits, got '" +
                            displaySafe(value) + "'");
        }
        if ((ai == "00" || ai == "01" || ai == "02") && !gs1CheckDigitValid(value)) {
            return gs1Error("element " + aiLabel(ai) + " has a wrong check digit in '" +
                            std::string(value) + "'");
        }
        return {};
    }
    if (value.size() > kMaxVariableValue) {
        return gs1Error("element " + aiLabel(ai) + " is longer than 90 characters");
    }
    for (char c : value) {
        if (c == kGs) {
            return gs1Error("element " + aiLabel(ai) + " contains a group separator");
        }
    }
    return {};
}

}  // namespace

std::size_t gs1AiLength(std::string_view digits)
{
    const int p = twoDigits(digits);
    if (p < 0) {
        return 0;
    }
    if (p <= 2 || (p >= 10 && p <= 17) || (p >= 20 && p <= 22) || p == 30 || p == 37 || p >= 90) {
        return 2;
    }
    // 71x (national healthcare reimbursement numbers, 710-717) are three-digit AIs, unlike
    // the four-digit 70xx and 72xx.
    if ((p >= 23 && p <= 25) || (p >= 40 && p <= 42) || p == 71) {
        return 3;
    }
    if ((p >= 31 && p <= 36) || p == 39 || p == 43 || p == 70 || p == 72 || (p >= 80 && p <= 82)) {
        return 4;
    }
    return 0;
}

std::size_t gs1PredefinedLength(std::string_view aiPrefix)
{
    const int p = twoDigits(aiPrefix);
    if (p < 0) {
        return 0;
    }
    if (p == 0) {
        return 20;
    }
    if (p >= 1 && p <= 3) {
        return 16;
    }
    if (p == 4) {
        return 18;
    }
    if (p >= 11 && p <= 19) {
        return 8;
    }
    if (p == 20) {
        return 4;
    }
    if (p >= 31 && p <= 36) {
        return 10;
    }
    if (p == 41) {
        return 16;
    }
    return 0;
}

Result<std::vector<Gs1Element>> parseGs1(std::string_view data)
{
    std::vector<Gs1Element> out;
    std::size_t pos = 0;
    if (!data.empty() && data[0] == kGs) {
        pos = 1;  // a leading FNC1 transmitted as GS
    }
    if (pos >= data.size()) {
        return gs1Error("empty element string");
    }
    while (pos < data.size()) {
        const std::string_view rest = data.substr(pos);
        const std::size_t aiLen = gs1AiLength(rest);
        if (aiLen == 0) {
            return gs1Error("no known AI starts with '" + displaySafe(rest.substr(0, 2)) +
                            "' at position " + std::to_string(pos + 1));
        }
        if (rest.size() < aiLen || !detail::allDigits(rest.substr(0, aiLen))) {
            return gs1Error("AI starting '" + displaySafe(rest.substr(0, 2)) +
                            "' is cut short at position " + std::to_string(pos + 1));
        }
        const std::string_view ai = rest.substr(0, aiLen);
        const std::size_t predefined = gs1PredefinedLength(ai);
        std::string_view value;
        if (predefined != 0) {
            const std::size_t want = predefined - aiLen;
            value = rest.substr(aiLen, want);
            // A GS inside the fixed field means the field is short.
            const auto gs = value.find(kGs);
            if (gs != std::string_view::npos) {
                value = value.substr(0, gs);
            }
            pos += aiLen + value.size();
            // Some scanners send a GS after a predefined-length field too; tolerate one.
            if (value.size() == want && pos < data.size() && data[pos] == kGs) {
                ++pos;
                if (pos == data.size()) {
                    return gs1Error("element string ends with a group separator");
                }
            }
        } else {
            const std::string_view after = rest.substr(aiLen);
            const auto gs = after.find(kGs);
            value = after.substr(0, gs);
            pos += aiLen + value.size();
            if (gs != std::string_view::npos) {
                ++pos;
                if (pos == data.size()) {
                    return gs1Error("element string ends with a group separator");
                }
            }
        }
        if (auto st = checkElement(ai, value, predefined); !st) {
            return std::move(st).takeError();
        }
        out.push_back(Gs1Element{std::string(ai), std::string(value)});
    }
    return out;
}

Result<std::vector<Gs1Element>> parseGs1Bracketed(std::string_view text)
{
    if (text.empty() || (text[0] != '(' && text[0] != '[')) {
        return gs1Error("bracketed element string must start with '(' or '['");
    }
    const char open = text[0];
    const char close = open == '(' ? ')' : ']';
    // Length of the "(AI)" that starts at `pos`, or 0 when none does.
    const auto aiAt = [&](std::size_t pos) -> std::size_t {
        if (pos >= text.size() || text[pos] != open) {
            return 0;
        }
        std::size_t end = pos + 1;
        while (end < text.size() && detail::isDigit(text[end]) && end - pos <= 4) {
            ++end;
        }
        const std::size_t digits = end - pos - 1;
        if (digits < 2 || digits > 4 || end >= text.size() || text[end] != close) {
            return 0;
        }
        return digits + 2;
    };

    std::vector<Gs1Element> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t head = aiAt(pos);
        if (head == 0) {
            return gs1Error("expected '" + std::string(1, open) + "AI" + std::string(1, close) +
                            "' at position " + std::to_string(pos + 1));
        }
        const std::string_view ai = text.substr(pos + 1, head - 2);
        if (gs1AiLength(ai) != ai.size()) {
            return gs1Error("unknown AI " + aiLabel(ai));
        }
        std::size_t end = pos + head;
        while (end < text.size() && aiAt(end) == 0) {
            ++end;
        }
        const std::string_view value = text.substr(pos + head, end - pos - head);
        if (auto st = checkElement(ai, value, gs1PredefinedLength(ai)); !st) {
            return std::move(st).takeError();
        }
        out.push_back(Gs1Element{std::string(ai), std::string(value)});
        pos = end;
    }
    return out;
}

bool gs1CheckDigitValid(std::string_view digits)
{
    const std::size_t n = digits.size();
    if (n != 8 && n != 12 && n != 13 && n != 14 && n != 18) {
        return false;
    }
    const auto check = gs1Mod10Check(digits.substr(0, n - 1));
    return check && detail::isDigit(digits.back()) && *check == digits.back();
}

}  // namespace returnscan::core
