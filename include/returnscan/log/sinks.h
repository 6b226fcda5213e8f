// SPDX-License-Identifier: Apache-2.0
// Sinks of the logging port: the systemd journal with structured fields, and one readable
// line per record on stderr; and the start-up choice between them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/log.h"

struct iovec;

namespace returnscan::log {

/// The line the stderr sink writes for `record` (without the newline):
/// `returnscan: warning: input: scanner-1: device lost: EIO (receipt=R1, errno=5)`.
/// The device is left out when empty, the parenthesis when there is no receipt and no field;
/// control characters in the text become `\n`, `\t` or `\xNN`, so a record is one line.
[[nodiscard]] std::string formatLine(const core::LogRecord& record,
                                     std::string_view identifier = "returnscan");

/// One readable line per record on a stdio stream (stderr by default), flushed each time.
class StderrSink final : public core::LogSink {
public:
    /// `out` is borrowed and must outlive the sink.
    explicit StderrSink(std::FILE* out = stderr, std::string identifier = "returnscan")
        : out_(out), identifier_(std::move(identifier))
    {
    }
    void write(const core::LogRecord& record) override;

private:
    std::FILE* out_;
    std::string identifier_;
};

/// The journal fields of `record`, each "NAME=value": MESSAGE, PRIORITY (syslog: error 3,
/// warning 4, notice 5, info 6, debug and wire 7), SYSLOG_IDENTIFIER, RETURNSCAN_CATEGORY,
/// RETURNSCAN_LEVEL, RETURNSCAN_DEVICE and RETURNSCAN_RECEIPT (when set), one
/// RETURNSCAN_<KEY> per free field (key upper-cased, anything but A-Z, 0-9 and _ made _, cut to
/// the journal's 64 characters), CODE_FILE, CODE_LINE, CODE_FUNC.
[[nodiscard]] std::vector<std::string> journalFields(const core::LogRecord& record,
                                                     std::string_view identifier = "returnscan");

/// The call that hands fields to journald: sd_journal_sendv's signature (returns 0 or -errno).
using JournalSendFn = std::function<int(const struct iovec* fields, int count)>;

/// Structured records to the systemd journal through libsystemd (sd_journal_sendv). When the
/// journal refuses a record (journald stopped), the stderr line is written instead.
class JournaldSink final : public core::LogSink {
public:
    /// `send`: empty for the real sd_journal_sendv; tests pass a seam.
    explicit JournaldSink(std::string identifier = "returnscan", JournalSendFn send = {});
    void write(const core::LogRecord& record) override;
    /// Records the journal refused.
    [[nodiscard]] std::uint64_t failures() const { return failures_; }

private:
    std::string identifier_;
    JournalSendFn send_;
    std::uint64_t failures_ = 0;
};

/// True when descriptor `fd` is the stream systemd connected to the journal: `journalStream`
/// (the value of $JOURNAL_STREAM, may be null) is "DEV:INO" and matches fstat(fd), as
/// systemd.exec(5) documents. A descriptor redirected since (`2>file`) does not match.
[[nodiscard]] bool isJournalStream(const char* journalStream, int fd);

/// Which sink installDefaultSink picks.
enum class SinkKind { Stderr, Journald };
/// Journald when stderr is connected to the journal (isJournalStream with $JOURNAL_STREAM),
/// else stderr.
[[nodiscard]] SinkKind defaultSinkKind();

/// Start-up: installs the default sink into the process's hub with `levels`. Called once by
/// main before anything logs; returns the kind installed.
SinkKind installDefaultSink(const core::LogLevels& levels = core::LogLevels{},
                            std::string identifier = "returnscan");

}  // namespace returnscan::log
