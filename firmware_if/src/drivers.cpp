// SPDX-License-Identifier: Apache-2.0
// The driver table (the one place that lists the per-protocol drivers; which model uses which
// is scanner_models.cpp) and shared helpers.
#include <algorithm>
#include <array>
#include <cstdio>

#include "drivers_internal.h"
#include "returnscan/firmware_if/scanner_models.h"

namespace returnscan::firmware_if {
namespace {

const std::array<const Driver*, 4> kDrivers{
    &detail::kZebraSsiDriver,
    &detail::kHoneywellSerialDriver,
    &detail::kHoneywellHidPosDriver,
    &detail::kGenericHidPosDriver,
};

}  // namespace

const Driver* findDriver(std::string_view name)
{
    for (const Driver* d : kDrivers) {
        if (name == d->name)
            return d;
    }
    return nullptr;
}

std::span<const Driver* const> drivers()
{
    return kDrivers;
}

Result<const Driver*> driverFor(std::string_view transport, std::string_view protocol)
{
    for (const ScannerModel& m : scannerModels()) {
        if (m.driver != nullptr && transport == (m.driver->hid ? "hidraw" : "serial") &&
            protocol == m.driver->protocol)
            return m.driver;
    }
    // The drivers' words in the driver table's order (each driver serves a model of the table:
    // ScannerModelTableTest).
    std::vector<std::string_view> seen[2];  // serial, hidraw
    std::string words[2];
    for (const Driver* d : kDrivers) {
        const int t = d->hid ? 1 : 0;
        if (std::find(seen[t].begin(), seen[t].end(), d->protocol) != seen[t].end())
            continue;
        seen[t].push_back(d->protocol);
        words[t] += std::string(words[t].empty() ? "" : " or ") + d->protocol;
    }
    return makeError(ErrorCode::InvalidArgument,
                     "no scanner speaks protocol '" + std::string(protocol) + "' over " +
                         std::string(transport) + " (serial: " + words[0] +
                         "; hidraw: " + words[1] + ")");
}

std::string hex(std::string_view bytes)
{
    std::string out;
    char b[4];
    for (char c : bytes) {
        std::snprintf(b, sizeof b, "%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
        if (!out.empty())
            out += ' ';
        out += b;
    }
    return out;
}

namespace detail {

Error unsupported(Command command, std::string_view driverName)
{
    return makeError(ErrorCode::Unsupported, std::string(toString(command)) +
                                                 " is not supported by the " +
                                                 std::string(driverName) + " driver");
}

Result<std::vector<Frame>> triggerReportFrames(Command command, std::string_view driverName)
{
    std::uint8_t bits = 0;
    switch (command) {
        case Command::BeepGood:
            bits = kTriggerGoodBeep;
            break;
        case Command::BeepError:
            bits = kTriggerErrorBeep;
            break;
        case Command::ScanDisable:
            bits = kTriggerPreventRead;
            break;
        case Command::StartDecode:
            bits = kTriggerInitiateRead;
            break;
        case Command::ScanEnable:  // clears Prevent Read
        case Command::StopDecode:  // clears Initiate Read
            bits = 0;
            break;
        default:
            return unsupported(command, driverName);
    }
    Frame f;
    f.kind = Frame::Kind::Write;
    f.bytes = {static_cast<char>(kTriggerReportId), static_cast<char>(bits)};
    return std::vector<Frame>{f};
}

}  // namespace detail
}  // namespace returnscan::firmware_if
