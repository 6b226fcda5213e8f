// SPDX-License-Identifier: Apache-2.0
// Classification of a read: input hygiene (size, UTF-8, control bytes), GS1, codes, GTINs.
#include "returnscan/core/classify.h"

#include "returnscan/core/utf8.h"

#include <cstdint>

#include "text.h"

namespace returnscan::core {

namespace {

std::string hexByte(unsigned char b)
{
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string s = "0x";
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0x0f]);
    return s;
}

// A bracketed element string starts with '(' or '[', digits and the matching bracket.
bool looksBracketed(std::string_view s)
{
    if (s.size() < 4 || (s[0] != '(' && s[0] != '[')) {
        return false;
    }
    const char close = s[0] == '(' ? ')' : ']';
    std::size_t i = 1;
    while (i < s.size() && detail::isDigit(s[i])) {
        ++i;
    }
    return i > 1 && i < s.size() && s[i] == close;
}

Classified fromGs1(Classified c, std::vector<Gs1Element> elements, const CodeFormats& formats)
{
    c.gs1 = std::move(elements);
    // SSCC first (a logistic label), then the trade item, then an order number in AI 400.
    for (const auto& e : c.gs1) {
        if (e.ai == "00") {
            c.kind = ReadKind::Sscc;
            c.value = e.value;
            return c;
        }
    }
    for (const auto& e : c.gs1) {
        if (e.ai == "01" || e.ai == "02") {
            c.kind = ReadKind::ItemGtin;
            c.value = e.value;
            return c;
        }
    }
    for (const auto& e : c.gs1) {
        if (e.ai == "400" && formats.order.valid(e.value)) {
            c.kind = ReadKind::OrderLabel;
            c.value = e.value;
            return c;
        }
    }
    c.kind = ReadKind::Other;
    return c;
}

}  // namespace

std::string_view toString(ReadKind k)
{
    switch (k) {
        case ReadKind::ReturnCode:
            return "return_code";
        case ReadKind::MalformedReturnCode:
            return "malformed_return_code";
        case ReadKind::OrderLabel:
            return "order_label";
        case ReadKind::ItemGtin:
            return "item_gtin";
        case ReadKind::Sscc:
            return "sscc";
        case ReadKind::Other:
            return "other";
        case ReadKind::Invalid:
            return "invalid";
    }
    return "other";
}

std::string readProblem(std::string_view data)
{
    if (data.empty()) {
        return "empty read";
    }
    if (data.size() > kMaxReadBytes) {
        return "read is " + std::to_string(data.size()) + " bytes, more than the " +
               std::to_string(kMaxReadBytes) + " allowed";
    }
    // Report whichever comes first: a control character or a byte that breaks UTF-8.
    const auto badUtf8 = firstInvalidUtf8(data);
    const std::size_t limit = badUtf8.value_or(data.size());
    for (std::size_t i = 0; i < limit; ++i) {
        const auto b = static_cast<unsigned char>(data[i]);
        if ((b < 0x20 && static_cast<char>(b) != kGs) || b == 0x7f) {
            return "read contains control character " + hexByte(b) + " at position " +
                   std::to_string(i + 1);
        }
    }
    if (badUtf8) {
        return "read is not valid UTF-8 (byte " +
               hexByte(static_cast<unsigned char>(data[*badUtf8])) + " at position " +
               std::to_string(*badUtf8 + 1) + ")";
    }
    return {};
}

Classified classify(std::string_view data, std::optional<AimId> aim, const CodeFormats& formats)
{
    Classified c;
    c.aim = aim;
    // Scanners and terminals may add CR/LF/space/tab around a read; nothing else is normalised.
    // Size is judged on the raw read so that padding cannot smuggle a long one through.
    std::string problem =
        data.size() > kMaxReadBytes ? readProblem(data) : readProblem(detail::trimEdges(data));
    if (!problem.empty()) {
        c.kind = ReadKind::Invalid;
        c.value = displaySafe(data);
        c.problem = std::move(problem);
        return c;
    }
    std::string_view text = detail::trimEdges(data);
    std::string_view rest;
    if (auto inner = splitAimPrefix(text, rest)) {
        c.aim = inner;
        text = rest;
    }
    if (text.empty()) {
        c.kind = ReadKind::Invalid;
        c.problem = "empty read after the symbology identifier";
        return c;
    }

    const bool bracketed = looksBracketed(text);
    // Without any identifier, a GS can only be a transmitted FNC1: treat the read as GS1 then.
    const bool gs1 = bracketed || (c.aim ? c.aim->gs1 : text.find(kGs) != std::string_view::npos);
    if (gs1) {
        auto parsed = bracketed ? parseGs1Bracketed(text) : parseGs1(text);
        if (!parsed) {
            c.kind = ReadKind::Invalid;
            c.value = displaySafe(text);
            c.problem = parsed.error().message;
            return c;
        }
        return fromGs1(std::move(c), std::move(parsed).value(), formats);
    }

    c.value = std::string(text);
    if (formats.returnCode.valid(text)) {
        c.kind = ReadKind::ReturnCode;
        return c;
    }
    if (!formats.returnCodePrefix.empty() && text.starts_with(formats.returnCodePrefix)) {
        c.kind = ReadKind::MalformedReturnCode;
        if (!formats.returnCode.pattern.matches(text)) {
            c.problem = "'" + displaySafe(text) + "' does not match the return-code format " +
                        formats.returnCode.pattern.source();
        } else {
            c.problem = "'" + displaySafe(text) + "' has a wrong check character";
        }
        return c;
    }
    if (formats.order.valid(text)) {
        c.kind = ReadKind::OrderLabel;
        return c;
    }
    if (detail::allDigits(text) && gs1CheckDigitValid(text)) {
        c.kind = text.size() == 18 ? ReadKind::Sscc : ReadKind::ItemGtin;
        return c;
    }
    c.kind = ReadKind::Other;
    return c;
}

}  // namespace returnscan::core
