// SPDX-License-Identifier: Apache-2.0
// Protocol drivers: how a command becomes bytes for one scanner family and how its replies
// read. One file per vendor under firmware_if/src, listed in one driver table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/firmware_if/command.h"

namespace returnscan::firmware_if {

/// Bytes to hand to the device.
struct Frame {
    enum class Kind {
        Write,    ///< serial bytes, or a HID output report (report ID first) written to hidraw
        Feature,  ///< a HID feature report (report ID first), HIDIOCSFEATURE
    };
    Kind kind = Kind::Write;
    std::string bytes;
};

/// How the start of the bytes received so far reads.
struct Reply {
    enum class Kind {
        Ack,          ///< the command was accepted (or answered, e.g. a revision reply)
        Nak,          ///< refused; `retry` says whether sending again may help
        NeedMore,     ///< a reply has started or nothing has arrived yet
        Malformed,    ///< bytes that are no valid reply (bad checksum, garbage): skipped
        Unsolicited,  ///< a valid message that is not the reply (decode data): skipped
    };
    Kind kind = Kind::NeedMore;
    std::size_t consumed = 0;  ///< bytes of the input this reply (or the skipped part) took
    bool retry = false;        ///< Nak: resend; Malformed: counts as a lost reply
    std::string detail;        ///< human-readable ("NAK resend", "revision NBRPUAAM")
    std::string answer;        ///< bytes to send back at once (an ACK for decode data)
};

/// One protocol family. Stateless; the table entries live for the whole program.
struct Driver {
    const char* name;  ///< "ssi", "honeywell-serial", "honeywell-hidpos", "generic-hidpos"
    /// The protocol word of the command line and the configuration ("ssi", "honeywell",
    /// "generic"); with hid it picks the driver in driverFor().
    const char* protocol;
    const char* description;  ///< one line for `scanner-cmd --help` and the docs
    bool hid;                 ///< true: frames go to hidraw (reports); false: a serial line
    /// Frames to send once after opening (Honeywell: feature report 0xFE = 1). May be empty.
    std::vector<Frame> (*setup)();
    /// The frames of one command; `attempt` counts from 0 (SSI sets the retransmit bit on
    /// resends). Errors: Unsupported when the device family cannot do it.
    Result<std::vector<Frame>> (*encode)(const Request& request, unsigned attempt);
    /// Whether the device answers this command (no: success once the frames are written).
    bool (*expectsReply)(Command command);
    /// Reads the reply at the start of `bytes` (everything received so far, unconsumed).
    Reply (*decodeReply)(std::span<const std::uint8_t> bytes);
};

/// The driver table; nullptr when `name` is unknown.
[[nodiscard]] const Driver* findDriver(std::string_view name);
[[nodiscard]] std::span<const Driver* const> drivers();

/// Drivers by command-line words: transport "serial"|"hidraw", protocol "ssi"|"honeywell"|
/// "generic": the driver of a model in scannerModels() (scanner_models.h) whose driver has that
/// protocol word over that transport. Errors: InvalidArgument for a combination no model of the
/// table speaks (SSI over hidraw).
[[nodiscard]] Result<const Driver*> driverFor(std::string_view transport,
                                              std::string_view protocol);

/// Hex dump "04 D0 04 00 FF 28" of `bytes`, for transcripts.
[[nodiscard]] std::string hex(std::string_view bytes);

}  // namespace returnscan::firmware_if
