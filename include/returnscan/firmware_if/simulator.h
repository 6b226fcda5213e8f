// SPDX-License-Identifier: Apache-2.0
// A scanner's firmware, simulated: answers host commands as the device would (ACK/NAK) and
// turns reads into the bytes the device would send. Pure: the caller owns the pty or pipe.
// Used by `returnscan scanner-sim`, the tests and the demo.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace returnscan::firmware_if {

enum class SimProtocol {
    Ssi,        ///< Zebra SSI packets; host packets answered with CMD_ACK / CMD_NAK
    Honeywell,  ///< Honeywell serial: menu commands echoed with ACK/ENQ/NAK, reads end in CR
    Plain,      ///< a plain serial scanner: reads end in CR, host bytes are ignored
};
[[nodiscard]] std::string_view toString(SimProtocol p);
[[nodiscard]] std::optional<SimProtocol> parseSimProtocol(std::string_view word);

/// Faults to inject, each counted down per host command (scripted misbehaviour for tests).
struct SimFaults {
    unsigned nak = 0;       ///< answer the next N commands with NAK (SSI: reason resend)
    unsigned silent = 0;    ///< do not answer the next N commands at all
    unsigned corrupt = 0;   ///< answer the next N commands with a bad checksum / bad status
    unsigned truncate = 0;  ///< answer the next N commands with half a reply
    bool deny = false;      ///< SSI: NAK with reason "denied" (no resend) for every command
};

/// Not thread-safe: one per simulated device.
class ScannerSimulator {
public:
    explicit ScannerSimulator(SimProtocol protocol, SimFaults faults = {});

    /// Feeds bytes the host sent (any chunking); returns the bytes to send back.
    [[nodiscard]] std::string onHostBytes(std::span<const std::uint8_t> bytes);
    [[nodiscard]] std::string onHostBytes(std::string_view bytes);

    /// The bytes the device sends for one read of `data` (a leading AIM identifier such as
    /// "]C1" is sent as part of the data, as with "transmit AIM ID" on).
    [[nodiscard]] std::string readBytes(std::string_view data) const;

    /// What the firmware did, one word per host message: command words ("beep-good",
    /// "led-red", "symbology-on code128", "identify"), "host-ack", "bad-checksum", "unknown ..."
    /// and for answers withheld or spoilt the fault ("nak", "silent", "corrupt", "truncate").
    [[nodiscard]] const std::vector<std::string>& log() const { return log_; }

    static constexpr const char* kRevision = "RSIM-1.0";

private:
    std::string ssiMessage(std::span<const std::uint8_t> packet);
    std::string honeywellMessage(std::string_view message);
    /// Applies the next fault to a command's answer `ack` (nak: the NAK answer).
    std::string answer(std::string ack, std::string nak, std::string corrupt);

    SimProtocol protocol_;
    SimFaults faults_;
    std::string buf_;
    std::vector<std::string> log_;
};

}  // namespace returnscan::firmware_if
