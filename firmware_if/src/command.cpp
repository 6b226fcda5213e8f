// SPDX-License-Identifier: Apache-2.0
// Command and symbology words.
#include "returnscan/firmware_if/command.h"

#include <array>
#include <utility>

namespace returnscan::firmware_if {
namespace {

constexpr std::array<std::pair<Command, std::string_view>, 12> kCommands{{
    {Command::BeepGood, "beep-good"},
    {Command::BeepError, "beep-error"},
    {Command::LedGreen, "led-green"},
    {Command::LedRed, "led-red"},
    {Command::LedOff, "led-off"},
    {Command::ScanEnable, "scan-enable"},
    {Command::ScanDisable, "scan-disable"},
    {Command::StartDecode, "start-decode"},
    {Command::StopDecode, "stop-decode"},
    {Command::SymbologyOn, "symbology-on"},
    {Command::SymbologyOff, "symbology-off"},
    {Command::Identify, "identify"},
}};

constexpr std::array<Command, 12> kAll{
    Command::BeepGood,   Command::BeepError,   Command::LedGreen,     Command::LedRed,
    Command::LedOff,     Command::ScanEnable,  Command::ScanDisable,  Command::StartDecode,
    Command::StopDecode, Command::SymbologyOn, Command::SymbologyOff, Command::Identify};

constexpr std::array<std::pair<Symbology, std::string_view>, 8> kSymbologies{{
    {Symbology::Code128, "code128"},
    {Symbology::Code39, "code39"},
    {Symbology::Ean13, "ean13"},
    {Symbology::Gs1_128, "gs1-128"},
    {Symbology::DataMatrix, "datamatrix"},
    {Symbology::Qr, "qr"},
    {Symbology::Pdf417, "pdf417"},
    {Symbology::Aztec, "aztec"},
}};

}  // namespace

std::string_view toString(Command c)
{
    for (const auto& [cmd, word] : kCommands) {
        if (cmd == c)
            return word;
    }
    return "unknown";
}

std::optional<Command> parseCommand(std::string_view word)
{
    for (const auto& [cmd, w] : kCommands) {
        if (w == word)
            return cmd;
    }
    return std::nullopt;
}

std::span<const Command> allCommands()
{
    return kAll;
}

std::string_view toString(Symbology s)
{
    for (const auto& [sym, word] : kSymbologies) {
        if (sym == s)
            return word;
    }
    return "unknown";
}

std::optional<Symbology> parseSymbology(std::string_view word)
{
    for (const auto& [sym, w] : kSymbologies) {
        if (w == word)
            return sym;
    }
    return std::nullopt;
}

}  // namespace returnscan::firmware_if
