// SPDX-License-Identifier: Apache-2.0
// The only door to ZXing-cpp: one read pass over a luma image. A move to zxing-cpp 2.x changes
// zxing_adapter.cpp alone (DecodeHints -> ReaderOptions, Result -> Barcode).
#pragma once

#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/frame.h"

namespace returnscan::vision::detail {

/// One ZXing pass. ZXing's own downscaling is always off (we scale ourselves): with it on,
/// ZXing 1.4's ReadBarcodes() aborts the process when a linear symbol is found at two scales
/// (assert in Result::operator==). isPure is never set (it corrupted the heap on camera-like
/// PDF417 images in 1.4).
struct ZxPass {
    Symbols symbols;
    bool tryHarder = false;
    bool tryRotate = true;
    int maxSymbols = 8;
};

/// Reads the codes in `luma` (Gray8 only). Positions are in `luma`'s pixels. Exceptions from
/// the library are caught and returned as ErrorCode::Internal.
[[nodiscard]] Result<std::vector<DecodedCode>> zxRead(const FrameView& luma, const ZxPass& pass);

/// ZXing's name of a symbology (the same spelling toString(Symbol) returns).
[[nodiscard]] std::string_view zxName(Symbol s);

}  // namespace returnscan::vision::detail
