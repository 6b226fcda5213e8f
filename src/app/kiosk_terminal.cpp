// SPDX-License-Identifier: Apache-2.0
// The terminal kiosk loop: classify each read, decide parcels, print what was decided.
#include "kiosk_terminal.h"

#include <ostream>

#include "returnscan/core/classify.h"
#include "returnscan/core/receive.h"

namespace returnscan::app {
namespace {

constexpr const char* kGreen = "\x1b[1;97;42m";
constexpr const char* kRed = "\x1b[1;97;41m";
constexpr const char* kYellow = "\x1b[1;30;43m";
constexpr const char* kDim = "\x1b[2m";

std::string_view trimLine(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

KioskTerminal::KioskTerminal(core::ReturnStore& store, const core::CodeFormats& formats,
                             const core::Clock& clock, core::IdSource& ids, std::ostream& out,
                             KioskTerminalOptions options)
    : store_(store),
      formats_(formats),
      clock_(clock),
      ids_(ids),
      out_(out),
      options_(std::move(options))
{
}

std::string KioskTerminal::paint(std::string_view text, const char* ansi) const
{
    if (!options_.color)
        return std::string(text);
    return std::string(ansi) + std::string(text) + "\x1b[0m";
}

bool KioskTerminal::handleLine(std::string_view raw)
{
    std::string_view line = trimLine(raw);
    if (line.empty())
        return true;
    if (line.front() == '#') {
        out_ << paint(line, kDim) << '\n';
        return true;
    }
    if (line == "!quit")
        return false;
    if (!sessionStart_) {
        sessionStart_ = clock_.now();
        sessionId_ = ids_.newId();
    }
    if (line == "!no-code") {
        decideParcel(std::nullopt, "");
        return true;
    }
    if (line.front() == '!') {
        out_ << "  unknown command '" << core::displaySafe(line)
             << "' (commands: !no-code, !quit)\n";
        return true;
    }
    core::Classified c = core::classify(line, std::nullopt, formats_);
    switch (c.kind) {
        case core::ReadKind::ReturnCode:
            decideParcel(c.value, line);
            break;
        case core::ReadKind::MalformedReturnCode:
            decideParcel(std::string(line), line);
            break;
        case core::ReadKind::OrderLabel:
            pendingOrder_ = c.value;
            ++summary_.otherReads;
            out_ << "  order label " << c.value << ": now scan the return code\n";
            break;
        case core::ReadKind::Invalid:
            ++summary_.otherReads;
            out_ << "  unreadable scan (" << c.problem << "): nothing decided, scan again\n";
            break;
        default:
            ++summary_.otherReads;
            out_ << "  " << core::toString(c.kind) << " " << core::displaySafe(c.value)
                 << ": not a return code, nothing decided\n";
            break;
    }
    return true;
}

void KioskTerminal::decideParcel(std::optional<std::string> code, std::string_view rawScan)
{
    core::ReceiveRequest req;
    req.input.code = std::move(code);
    req.input.order = pendingOrder_;
    req.input.at = clock_.now();
    req.receiptId = sessionId_.empty() ? ids_.newId() : sessionId_;
    req.station = options_.station;
    req.operatorId = options_.operatorId;
    req.startedAt = sessionStart_.value_or(req.input.at);
    if (!rawScan.empty()) {
        req.scans.push_back({req.input.at, options_.device, "", std::string(rawScan)});
    }
    // The session ends here whatever happens: the next scan starts a new parcel.
    pendingOrder_.reset();
    sessionStart_.reset();
    sessionId_.clear();

    auto r = core::receiveParcel(store_, formats_, req);
    if (!r) {
        ++summary_.errors;
        out_ << paint(" NOT RECORDED ", kRed) << "  " << r.error().message
             << "\n  nothing was decided for this parcel: scan it again\n";
        return;
    }
    const core::Decision& d = r->decision;
    const char* colour = kRed;
    std::string word = " REJECTED ";
    if (d.outcome == core::Outcome::Accepted) {
        colour = kGreen;
        word = " ACCEPTED ";
        ++summary_.accepted;
    } else if (d.outcome == core::Outcome::Held) {
        colour = kYellow;
        word = "   HELD   ";
        ++summary_.held;
    } else {
        ++summary_.rejected;
    }
    out_ << paint(word, colour) << "  " << (d.code.empty() ? "(no code)" : d.code);
    if (d.order)
        out_ << "  order " << *d.order;
    out_ << "  [" << core::toString(d.reason) << "]\n";
    out_ << "             " << core::describe(d.reason) << '\n';
    if (!r->receipt.flags.empty()) {
        out_ << "             advisory:";
        for (const auto& f : r->receipt.flags)
            out_ << ' ' << f;
        out_ << '\n';
    }
    out_ << paint("             receipt " + r->receipt.id, kDim) << '\n';
}

}  // namespace returnscan::app
