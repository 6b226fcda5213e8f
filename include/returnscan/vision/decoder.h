// SPDX-License-Identifier: Apache-2.0
// Barcode decoding of frames (ZXing-cpp behind one adapter): formats, effort, results.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision {

/// Symbologies, as a bit set. Names (toString) follow ZXing's spelling, e.g. "Code128",
/// "EAN-13", "QRCode", so output matches the zxing-cpp tools and test corpora.
enum class Symbol : std::uint32_t {
    Aztec = 1U << 0,
    Codabar = 1U << 1,
    Code39 = 1U << 2,
    Code93 = 1U << 3,
    Code128 = 1U << 4,
    DataBar = 1U << 5,
    DataBarExpanded = 1U << 6,
    DataMatrix = 1U << 7,
    Ean8 = 1U << 8,
    Ean13 = 1U << 9,
    Itf = 1U << 10,
    MaxiCode = 1U << 11,
    Pdf417 = 1U << 12,
    QrCode = 1U << 13,
    UpcA = 1U << 14,
    UpcE = 1U << 15,
    MicroQrCode = 1U << 16,
};

/// A set of symbologies (bits of Symbol); empty means "the station's default set".
struct Symbols {
    std::uint32_t bits = 0;

    [[nodiscard]] bool has(Symbol s) const { return (bits & static_cast<std::uint32_t>(s)) != 0; }
    [[nodiscard]] bool empty() const { return bits == 0; }
    Symbols& add(Symbol s)
    {
        bits |= static_cast<std::uint32_t>(s);
        return *this;
    }
    friend bool operator==(const Symbols&, const Symbols&) = default;
};

/// Every symbology the decoder supports.
[[nodiscard]] Symbols allSymbols();
/// What appears on parcels at a returns bench: return-code and order labels (Code 128, QR,
/// DataMatrix, Code 39), item barcodes (EAN/UPC, GS1 DataBar) and carrier labels (PDF417, ITF).
[[nodiscard]] Symbols stationSymbols();

/// ZXing's name of `s` ("Code128", "EAN-13", "QRCode", ...).
[[nodiscard]] std::string_view toString(Symbol s);

/// Parses a comma-separated list of names, case-insensitive, with or without '-'/'_'
/// ("code128,qrcode", "EAN-13", "ean13", "qr"), plus the groups "linear", "matrix", "all" and
/// "station". Errors: InvalidArgument naming the unknown entry.
[[nodiscard]] Result<Symbols> parseSymbols(std::string_view list);

/// Camera roles and what each reads. "overhead" (the camera over the bench: return codes and
/// order labels), "item" (item barcodes: EAN/UPC, GS1 DataBar and DataMatrix, GS1-128),
/// "label" (any station symbology). Errors: InvalidArgument for an unknown role.
[[nodiscard]] Result<Symbols> symbolsForRole(std::string_view role);

/// How hard to look.
enum class Effort {
    Fast,      ///< the cheap reads only (linear scan lines, matrix codes, PDF417 where its
               ///< patterns are seen); stops at the first code (preview)
    Balanced,  ///< the cheap reads, then linear codes read hard on bar-like regions only; stops
               ///< at the first code (live cameras, the default; see docs/vision.md)
    Thorough,  ///< every code: quick pass, regions, then always the harder pass when nothing
               ///< was found (files)
};

struct DecodeOptions {
    Symbols symbols;  ///< empty: stationSymbols()
    Effort effort = Effort::Balanced;
    int maxSymbols = 8;  ///< stop after this many codes in one frame (1..255)
};

/// One code found in a frame.
struct DecodedCode {
    std::string text;   ///< UTF-8 text as ZXing reports it (GS1: FNC1 as GS, no parentheses)
    std::string bytes;  ///< the raw payload bytes (binary symbols: compare these, not text)
    Symbol symbol = Symbol::Code128;
    std::string aim;  ///< ISO/IEC 15424 identifier, e.g. "]C1" for GS1-128; may be empty
    int centreX = 0;  ///< position in frame pixels (centre of the symbol)
    int centreY = 0;

    friend bool operator==(const DecodedCode&, const DecodedCode&) = default;
};

/// Counters of one Decoder (for benchmarks and the station's health page).
struct DecodeStats {
    std::uint64_t frames = 0;
    std::uint64_t quickHits = 0;     ///< frames decoded by the quick pass
    std::uint64_t harderPasses = 0;  ///< frames that got the harder pass
};

/// Decodes frames. Never aborts the process on the inputs that make ZXing 1.4's multi-symbol
/// path assert (see docs/vision.md); never uses ZXing's "pure" mode on camera frames.
/// Thread-safety: decode() may be called from several threads at once; stats() is approximate
/// then.
class Decoder {
public:
    explicit Decoder(DecodeOptions options = {});
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    /// All codes found in `frame` (possibly none), de-duplicated by symbology and text.
    /// Errors: InvalidArgument for an empty or malformed view; Internal if the library threw.
    [[nodiscard]] Result<std::vector<DecodedCode>> decode(const FrameView& frame) const;

    [[nodiscard]] const DecodeOptions& options() const { return options_; }
    [[nodiscard]] DecodeStats stats() const;

private:
    struct Counters;
    DecodeOptions options_;
    std::unique_ptr<Counters> counters_;
};

}  // namespace returnscan::vision
