// SPDX-License-Identifier: Apache-2.0
// The terminal kiosk: reads scans (one per line) and shows each parcel's decision.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "returnscan/core/clock.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/ports.h"

namespace returnscan::app {

struct KioskTerminalOptions {
    std::string station = "station";
    std::string operatorId = "operator";
    std::string device = "stdin";  ///< device name recorded with each scan
    bool color = false;            ///< ANSI colours (on a terminal)
};

struct KioskSummary {
    int accepted = 0;
    int rejected = 0;
    int held = 0;
    int otherReads = 0;  ///< reads that were not a return code (order labels, items, ...)
    int errors = 0;      ///< store errors (the scan was not recorded)
};

/// A parcel session on a terminal: an order label scanned first is remembered for the next
/// return code; a return code (or `!no-code`) is decided and recorded at once through
/// core::receiveParcel, and the decision printed only after it committed.
/// Input lines: a scan's text (an AIM prefix such as `]C0` is understood), `!no-code`,
/// `!quit`, `# narration` (echoed), blank lines (ignored).
class KioskTerminal {
public:
    KioskTerminal(core::ReturnStore& store, const core::CodeFormats& formats,
                  const core::Clock& clock, core::IdSource& ids, std::ostream& out,
                  KioskTerminalOptions options);

    /// Handles one line. Returns false when the line asked to quit.
    bool handleLine(std::string_view line);

    [[nodiscard]] const KioskSummary& summary() const { return summary_; }

private:
    void decideParcel(std::optional<std::string> code, std::string_view rawScan);
    [[nodiscard]] std::string paint(std::string_view text, const char* ansi) const;

    core::ReturnStore& store_;
    core::CodeFormats formats_;  // a copy: callers often pass a temporary
    const core::Clock& clock_;
    core::IdSource& ids_;
    std::ostream& out_;
    KioskTerminalOptions options_;
    KioskSummary summary_;
    std::optional<std::string> pendingOrder_;
    std::optional<core::Timestamp> sessionStart_;
    std::string sessionId_;
};

}  // namespace returnscan::app
