// SPDX-License-Identifier: Apache-2.0
// Classification of any read (scanner or camera) into what it means at the bench.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/aim.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/gs1.h"

namespace returnscan::core {

enum class ReadKind {
    ReturnCode,           ///< a valid return code
    MalformedReturnCode,  ///< carries the return-code prefix but fails the format or check
    OrderLabel,           ///< an order number (plain, or GS1 AI 400 in the order format)
    ItemGtin,             ///< a GTIN (EAN/UPC, or GS1 AI 01/02)
    Sscc,                 ///< a GS1 SSCC (AI 00): carrier / logistic label
    Other,                ///< anything else (a carrier's own barcode, a URL, ...)
    Invalid,  ///< not acceptable as a read at all (too long, control bytes, bad UTF-8, bad GS1)
};

[[nodiscard]] std::string_view toString(ReadKind k);

struct Classified {
    ReadKind kind = ReadKind::Other;
    std::string value;            ///< the code, order number, GTIN-14 or SSCC (no AIM prefix)
    std::optional<AimId> aim;     ///< from the read's identifier, if any
    std::vector<Gs1Element> gs1;  ///< parsed elements when the read is a GS1 element string
    std::string problem;          ///< why Invalid / MalformedReturnCode
};

/// Checks a read's bytes: at most kMaxReadBytes, valid UTF-8, no control characters except GS.
/// Returns an empty string when acceptable, else the reason.
[[nodiscard]] std::string readProblem(std::string_view data);

/// Classifies `data`. `aim` is the identifier reported by the transport (or nullopt); a
/// leading `]Xm` inside `data` is also recognised and removed.
[[nodiscard]] Classified classify(std::string_view data, std::optional<AimId> aim,
                                  const CodeFormats& formats);

}  // namespace returnscan::core
