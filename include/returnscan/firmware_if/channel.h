// SPDX-License-Identifier: Apache-2.0
// Sending one command to a scanner and waiting for its answer: the device channel (serial
// line or hidraw node) and the exchange with retries on NAK or timeout.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "returnscan/core/result.h"
#include "returnscan/firmware_if/command.h"
#include "returnscan/firmware_if/driver.h"

namespace returnscan::firmware_if {

/// A byte or report channel to one device. Not thread-safe.
class Channel {
public:
    virtual ~Channel() = default;
    /// Writes one frame. Errors: Io (write failed, hung up), Unsupported (a feature report on
    /// something that is not hidraw).
    [[nodiscard]] virtual Status send(const Frame& frame) = 0;
    /// Waits at most `timeout` for bytes and returns what arrived (empty on timeout).
    /// Errors: Io when the device hung up.
    [[nodiscard]] virtual Result<std::string> receive(std::chrono::milliseconds timeout) = 0;
};

/// Opens a serial line (a tty or pty: raw mode, 9600 8N1) or a hidraw node (or anything
/// standing in for one). The descriptor is non-blocking and close-on-exec; nothing blocks
/// longer than the timeouts asked for. Errors: NotFound, Io.
[[nodiscard]] Result<std::unique_ptr<Channel>> openSerialChannel(const std::string& path);
[[nodiscard]] Result<std::unique_ptr<Channel>> openHidrawChannel(const std::string& path);

struct ExchangeOptions {
    std::chrono::milliseconds replyTimeout{300};  ///< per attempt
    unsigned attempts = 3;                        ///< sends in all, the first included
};

/// What happened to one command.
struct Exchange {
    enum class Outcome {
        Ack,          ///< acknowledged (or sent, when the device never answers this command)
        Nak,          ///< refused, after the retries when the NAK asked for a resend
        NoAnswer,     ///< nothing valid came back after the retries
        Unsupported,  ///< the driver cannot do this command; nothing was sent
        Failed,       ///< the device could not be written (unplugged)
    };
    Outcome outcome = Outcome::NoAnswer;
    unsigned attempts = 0;
    std::vector<std::string> sent;   ///< frames as written, in order
    std::string received;            ///< every byte that came back
    std::vector<std::string> notes;  ///< per-attempt notes ("NAK resend", "timeout")
    std::string detail;              ///< final word on the outcome
};
[[nodiscard]] std::string_view toString(Exchange::Outcome o);

/// Sends `setup` frames (when `withSetup`) and then the command, retrying on a NAK that asks
/// for a resend, on a malformed reply and on timeout. Never throws, never blocks longer than
/// attempts × replyTimeout (plus write time).
[[nodiscard]] Exchange exchange(Channel& channel, const Driver& driver, const Request& request,
                                const ExchangeOptions& options = {}, bool withSetup = true);

}  // namespace returnscan::firmware_if
