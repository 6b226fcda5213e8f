// SPDX-License-Identifier: Apache-2.0
// The scanner command model: what the station asks a scanner to do (beep, LED, scanning,
// decoding, symbologies, identify), independent of the protocol that carries it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace returnscan::firmware_if {

enum class Command {
    BeepGood,      ///< good-read beep
    BeepError,     ///< error beep (refusal)
    LedGreen,      ///< green LED on
    LedRed,        ///< red LED on
    LedOff,        ///< all LEDs off
    ScanEnable,    ///< allow reading (trigger works)
    ScanDisable,   ///< prevent reading
    StartDecode,   ///< software trigger pull
    StopDecode,    ///< software trigger release
    SymbologyOn,   ///< enable the symbology named in Request::symbology
    SymbologyOff,  ///< disable the symbology named in Request::symbology
    Identify,      ///< ask for the firmware revision
};

/// The command words used on the command line ("beep-good", "led-red", ...).
[[nodiscard]] std::string_view toString(Command c);
[[nodiscard]] std::optional<Command> parseCommand(std::string_view word);
/// Every command, in declaration order.
[[nodiscard]] std::span<const Command> allCommands();

/// Symbologies that SymbologyOn/Off can name (lower-case words as on the command line).
enum class Symbology { Code128, Code39, Ean13, Gs1_128, DataMatrix, Qr, Pdf417, Aztec };
[[nodiscard]] std::string_view toString(Symbology s);
[[nodiscard]] std::optional<Symbology> parseSymbology(std::string_view word);

/// One command with its argument.
struct Request {
    Command command = Command::Identify;
    Symbology symbology = Symbology::Code128;  ///< only for SymbologyOn/Off
};

}  // namespace returnscan::firmware_if
