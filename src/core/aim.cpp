// SPDX-License-Identifier: Apache-2.0
// AIM / ISO/IEC 15424 symbology identifiers: code characters, modifiers, the GS1 ones.
#include "returnscan/core/aim.h"

namespace returnscan::core {

namespace {

// ISO/IEC 15424 Table 1 (FIELD-FACTS 2a). nullopt: not a code character at all.
std::optional<Symbology> symbologyOf(char code)
{
    switch (code) {
        case 'A':
            return Symbology::Code39;
        case 'C':
            return Symbology::Code128;
        case 'E':
            return Symbology::Ean;
        case 'F':
            return Symbology::Codabar;
        case 'G':
            return Symbology::Code93;
        case 'I':
            return Symbology::Itf;
        case 'J':
            return Symbology::DotCode;
        case 'L':
            return Symbology::Pdf417;
        case 'Q':
            return Symbology::Qr;
        case 'U':
            return Symbology::MaxiCode;
        case 'd':
            return Symbology::DataMatrix;
        case 'e':
            return Symbology::DataBar;
        case 'z':
            return Symbology::Aztec;
        // Known identifiers of symbologies the station has no special meaning for.
        case 'B':  // Telepen
        case 'D':  // Code One
        case 'H':  // Code 11
        case 'K':  // Code 16K
        case 'M':  // MSI
        case 'N':  // Anker
        case 'O':  // Codablock
        case 'P':  // Plessey
        case 'R':  // Straight 2 of 5, 2-bar start/stop
        case 'S':  // Straight 2 of 5, 3-bar start/stop
        case 'T':  // Code 49
        case 'X':  // other barcode
        case 'Y':  // system expansion
        case 'Z':  // non-barcode
        case 'c':  // Channel Code
        case 'o':  // OCR
        case 'p':  // PosiCode
        case 's':  // SuperCode
            return Symbology::Other;
        default:
            return std::nullopt;
    }
}

bool isModifier(char m)
{
    return (m >= '0' && m <= '9') || (m >= 'A' && m <= 'Z') || (m >= 'a' && m <= 'z');
}

// Identifiers that announce a GS1 element string (FNC1 in first position): GS1-128 `]C1`,
// GS1 DataBar and composites `]e0`..`]e2`, GS1 DataMatrix `]d2` (`]d5` with ECI), GS1 QR
// `]Q3` (`]Q4` with ECI), GS1 DotCode `]J1`. EAN/UPC (`]E`) and ITF-14 (`]I1`) carry GTINs but
// not element strings.
bool isGs1(char code, char modifier)
{
    switch (code) {
        case 'C':
            return modifier == '1';
        case 'e':
            return modifier == '0' || modifier == '1' || modifier == '2';
        case 'd':
            return modifier == '2' || modifier == '5';
        case 'Q':
            return modifier == '3' || modifier == '4';
        case 'J':
            return modifier == '1';
        default:
            return false;
    }
}

}  // namespace

std::string AimId::text() const
{
    std::string out = "]";
    out.push_back(code);
    out.push_back(modifier);
    return out;
}

std::optional<AimId> parseAimId(std::string_view id)
{
    if (id.size() != 3 || id[0] != ']' || !isModifier(id[2])) {
        return std::nullopt;
    }
    const auto sym = symbologyOf(id[1]);
    if (!sym) {
        return std::nullopt;
    }
    AimId out;
    out.code = id[1];
    out.modifier = id[2];
    out.symbology = *sym;
    out.gs1 = isGs1(id[1], id[2]);
    return out;
}

std::optional<AimId> splitAimPrefix(std::string_view data, std::string_view& rest)
{
    if (data.size() >= 3) {
        if (auto id = parseAimId(data.substr(0, 3))) {
            rest = data.substr(3);
            return id;
        }
    }
    rest = data;
    return std::nullopt;
}

std::string_view toString(Symbology s)
{
    switch (s) {
        case Symbology::Unknown:
            return "unknown";
        case Symbology::Code39:
            return "code39";
        case Symbology::Code93:
            return "code93";
        case Symbology::Code128:
            return "code128";
        case Symbology::Codabar:
            return "codabar";
        case Symbology::Ean:
            return "ean";
        case Symbology::Itf:
            return "itf";
        case Symbology::Qr:
            return "qr";
        case Symbology::DataMatrix:
            return "datamatrix";
        case Symbology::Pdf417:
            return "pdf417";
        case Symbology::Aztec:
            return "aztec";
        case Symbology::DataBar:
            return "databar";
        case Symbology::MaxiCode:
            return "maxicode";
        case Symbology::DotCode:
            return "dotcode";
        case Symbology::Other:
            return "other";
    }
    return "unknown";
}

}  // namespace returnscan::core
