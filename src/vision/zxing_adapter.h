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
    /// The view holds binarizeLocalAverage()'s output (0 black, 255 white): ZXing takes it as it
    /// is (its BoolCast binarizer) instead of binarising it again. Only for matrix symbologies and
    /// PDF417: ZXing's linear readers threshold each row of the luma themselves.
    bool binarized = false;
    /// Scan lines a linear symbol must be read on (ZXing's default, 2, guards against misreads).
    int minLineCount = 2;
};

/// Reads the codes in `luma` (Gray8 only). Positions are in `luma`'s pixels. Exceptions from
/// the library are caught and returned as ErrorCode::Internal.
[[nodiscard]] Result<std::vector<DecodedCode>> zxRead(const FrameView& luma, const ZxPass& pass);

/// ZXing's name of a symbology (the same spelling toString(Symbol) returns).
[[nodiscard]] std::string_view zxName(Symbol s);

}  // namespace returnscan::vision::detail
