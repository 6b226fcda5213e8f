// SPDX-License-Identifier: Apache-2.0
// AIM / ISO/IEC 15424 symbology identifiers (`]C1` and friends).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace returnscan::core {

enum class Symbology {
    Unknown,
    Code39,
    Code93,
    Code128,
    Codabar,
    Ean,  ///< EAN-13, UPC-A, UPC-E, EAN-8 and add-ons (`]E`)
    Itf,
    Qr,
    DataMatrix,
    Pdf417,
    Aztec,
    DataBar,
    MaxiCode,
    DotCode,
    Other,
};

/// A parsed symbology identifier.
struct AimId {
    char code = 0;      ///< the code character, e.g. 'C'
    char modifier = 0;  ///< the modifier character, e.g. '1'
    Symbology symbology = Symbology::Unknown;
    bool gs1 = false;  ///< the identifier says the data is a GS1 element string

    /// `]` + code + modifier.
    [[nodiscard]] std::string text() const;
};

/// Parses the three characters of an identifier such as `]C1`; nullopt when `id` is not one.
[[nodiscard]] std::optional<AimId> parseAimId(std::string_view id);

/// Splits a leading identifier off `data` when present: returns the identifier (or nullopt)
/// and sets `rest` to the data after it.
[[nodiscard]] std::optional<AimId> splitAimPrefix(std::string_view data, std::string_view& rest);

/// Lower-case name used in JSON output (`code128`, `qr`, `datamatrix`, `ean`, ...).
[[nodiscard]] std::string_view toString(Symbology s);

}  // namespace returnscan::core
