// SPDX-License-Identifier: Apache-2.0
// Honeywell scanners (Xenon/Voyager/Granit 1xxx-1990, N6xxx engines): serial menu commands
// (SYN M CR tag subtag data, stored with '!' volatile or '.' permanent), serial trigger
// (SYN T CR / SYN U CR), and HID POS: trigger report 0x04, menu commands in output report
// 0xFD after feature report 0xFE = 1 enabled output redirection.
#include "drivers_internal.h"

namespace returnscan::firmware_if::detail {
namespace {

constexpr char kSyn = 0x16;
constexpr std::uint8_t kAck = 0x06;
constexpr std::uint8_t kEnq = 0x05;  // unknown tag or subtag
constexpr std::uint8_t kNak = 0x15;  // data out of range
constexpr std::size_t kMaxReplyBytes = 512;
constexpr std::size_t kReportSize = 64;
constexpr std::uint8_t kScannedDataReport = 0x02;
constexpr std::uint8_t kSerialDataReport = 0xFD;
constexpr std::uint8_t kOutputRedirectionFeature = 0xFE;

/// The menu command text (without SYN M CR), stored volatile ('!'): a power cycle undoes it.
Result<std::string> menuCommand(const Request& r, std::string_view driverName)
{
    if (r.command == Command::Identify)
        return std::string("REVINF.");  // a query: the storage character is irrelevant
    if (r.command != Command::SymbologyOn && r.command != Command::SymbologyOff)
        return unsupported(r.command, driverName);
    // Tags from the Honeywell 1900/1950g user guides' menu command tables.
    const char* tag = nullptr;
    switch (r.symbology) {
        case Symbology::Code128:
            tag = "128ENA";
            break;
        case Symbology::Code39:
            tag = "C39ENA";
            break;
        case Symbology::Ean13:
            tag = "E13ENA";
            break;
        case Symbology::Gs1_128:
            tag = "GS1ENA";
            break;
        case Symbology::DataMatrix:
            tag = "IDMENA";
            break;
        case Symbology::Qr:
            tag = "QRCENA";
            break;
        case Symbology::Pdf417:
            tag = "PDFENA";
            break;
        case Symbology::Aztec:
            tag = "AZTENA";
            break;
    }
    return std::string(tag) + (r.command == Command::SymbologyOn ? "1!" : "0!");
}

bool menuReply(Command c)
{
    return c == Command::Identify || c == Command::SymbologyOn || c == Command::SymbologyOff;
}

Reply statusReply(std::uint8_t status, std::size_t consumed)
{
    Reply r;
    r.consumed = consumed;
    if (status == kAck) {
        r.kind = Reply::Kind::Ack;
        r.detail = "ACK";
    } else {
        r.kind = Reply::Kind::Nak;
        r.detail = status == kEnq ? "ENQ (unknown tag or subtag)" : "NAK (data out of range)";
    }
    return r;
}

// ---- serial ----------------------------------------------------------------------------------

constexpr const char* kSerialName = "honeywell-serial";

std::vector<Frame> serialSetup()
{
    return {};
}

Result<std::vector<Frame>> serialEncode(const Request& r, unsigned /*attempt*/)
{
    Frame f;
    switch (r.command) {
        case Command::StartDecode:
            f.bytes = {kSyn, 'T', '\r'};
            return std::vector<Frame>{f};
        case Command::StopDecode:
            f.bytes = {kSyn, 'U', '\r'};
            return std::vector<Frame>{f};
        case Command::BeepGood:
            // SYN BEL CR: Honeywell knowledge base, as quoted by python_hon_usbhid.
            f.bytes = {kSyn, 0x07, '\r'};
            return std::vector<Frame>{f};
        default:
            break;
    }
    auto menu = menuCommand(r, kSerialName);
    if (!menu)
        return menu.error();
    f.bytes = std::string{kSyn, 'M', '\r'} + *menu;
    return std::vector<Frame>{f};
}

/// The reply echoes the command, then ACK/ENQ/NAK, then the storage character.
Reply serialDecodeReply(std::span<const std::uint8_t> bytes)
{
    Reply r;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::uint8_t b = bytes[i];
        if (b == kAck || b == kEnq || b == kNak) {
            if (i + 1 >= bytes.size())
                return r;  // NeedMore
            if (bytes[i + 1] == '!' || bytes[i + 1] == '.')
                return statusReply(b, i + 2);
            r.kind = Reply::Kind::Malformed;
            r.retry = true;
            r.consumed = i + 1;
            r.detail = "status byte not followed by '!' or '.'";
            return r;
        }
        if (b == '\r' || b == '\n') {
            // A read (the scanner's data ends with its suffix) arriving while we wait.
            r.kind = Reply::Kind::Unsolicited;
            r.consumed = i + 1;
            r.detail = "line skipped while waiting for the reply";
            return r;
        }
    }
    if (bytes.size() > kMaxReplyBytes) {
        r.kind = Reply::Kind::Malformed;
        r.retry = true;
        r.consumed = bytes.size();
        r.detail = "no ACK/ENQ/NAK in " + std::to_string(bytes.size()) + " bytes";
    }
    return r;
}

// ---- HID POS ---------------------------------------------------------------------------------

constexpr const char* kHidName = "honeywell-hidpos";

std::vector<Frame> hidSetup()
{
    // Feature report 0xFE "Output Redirection" = 1 (Honeywell HidPosRedirectOutput(); the
    // WebHID library sends it for VID 0x0c2e too): without it the output reports are ignored.
    Frame f;
    f.kind = Frame::Kind::Feature;
    f.bytes = {static_cast<char>(kOutputRedirectionFeature), 0x01};
    return {f};
}

Result<std::vector<Frame>> hidEncode(const Request& r, unsigned /*attempt*/)
{
    if (!menuReply(r.command))
        return triggerReportFrames(r.command, kHidName);
    auto menu = menuCommand(r, kHidName);
    if (!menu)
        return menu.error();
    // Output report 0xFD "Serial Data Stream": [FD][length][SYN M CR + command], 64 bytes.
    const std::string payload = std::string{kSyn, 'M', '\r'} + *menu;
    Frame f;
    f.bytes = std::string(kReportSize, '\0');
    f.bytes[0] = static_cast<char>(kSerialDataReport);
    f.bytes[1] = static_cast<char>(payload.size());
    f.bytes.replace(2, payload.size(), payload);
    return std::vector<Frame>{f};
}

/// Replies come as scanned-data reports: ]X0 with the echoed text, the last one ]Z6 whose
/// last data byte is ACK, ENQ or NAK.
Reply hidDecodeReply(std::span<const std::uint8_t> bytes)
{
    Reply r;
    if (bytes.size() < kReportSize)
        return r;
    const auto report = bytes.first(kReportSize);
    r.consumed = kReportSize;
    const std::size_t len = std::min<std::size_t>(report[1], 56);
    const std::string aim(report.begin() + 2, report.begin() + 5);
    if (report[0] == kScannedDataReport && aim == "]Z6" && len > 0) {
        const std::uint8_t status = report[5 + len - 1];
        if (status == kAck || status == kEnq || status == kNak)
            return statusReply(status, kReportSize);
        r.kind = Reply::Kind::Malformed;
        r.retry = true;
        r.detail = "]Z6 report without ACK/ENQ/NAK";
        return r;
    }
    r.kind = Reply::Kind::Unsolicited;
    r.detail = aim == "]X0" ? "menu reply text" : "input report skipped";
    return r;
}

}  // namespace

const Driver kHoneywellSerialDriver{
    kSerialName,
    "honeywell",
    "Honeywell serial/CDC: SYN M CR menu commands (ACK/ENQ/NAK), SYN T/U CR trigger",
    false,
    serialSetup,
    serialEncode,
    menuReply,
    serialDecodeReply,
};

const Driver kHoneywellHidPosDriver{
    kHidName,
    "honeywell",
    "Honeywell HID POS over hidraw: trigger report 0x04, menu commands in report 0xFD",
    true,
    hidSetup,
    hidEncode,
    menuReply,
    hidDecodeReply,
};

}  // namespace returnscan::firmware_if::detail
