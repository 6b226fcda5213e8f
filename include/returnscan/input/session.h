// SPDX-License-Identifier: Apache-2.0
// Recorded scanner sessions (format: docs/recorded-sessions.md) and their replay into a pty
// or FIFO.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "returnscan/core/result.h"

namespace returnscan::input {

struct SessionFrame {
    std::chrono::microseconds offset{0};  ///< since the start of the session
    std::string bytes;                    ///< exactly what goes on the wire
};

struct Session {
    std::map<std::string, std::string> header;  ///< model, firmware, transport, date, notes...
    std::vector<SessionFrame> frames;
    [[nodiscard]] std::string transport() const;
};

/// Parses a session file's text. Errors: Parse with the line number.
[[nodiscard]] Result<Session> parseSession(std::string_view text);
[[nodiscard]] Result<Session> loadSession(const std::string& path);

struct ReplayOptions {
    bool fast = false;  ///< ignore the recorded timing
    /// How long to wait for a reader to open the pty (serial) before giving up.
    std::chrono::milliseconds readerTimeout{10000};
};

/// Writes `session` into `path`: an existing FIFO or character device is opened for writing;
/// a missing path becomes a FIFO (evdev, hidraw) or a symlink to a new pty slave (serial),
/// removed again at the end. Serial: waits until a reader has put the pty in raw mode, and at
/// the end until it has read everything, then hangs up. Errors: Io, InvalidArgument.
[[nodiscard]] Status replaySession(const Session& session, const std::string& path,
                                   const ReplayOptions& options);

}  // namespace returnscan::input
