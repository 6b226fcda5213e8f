// SPDX-License-Identifier: Apache-2.0
// The stderr and journald sinks of the logging port, and the start-up choice between them.
#include "returnscan/log/sinks.h"

#include <sys/stat.h>
#include <sys/uio.h>
// The record carries its own call site (CODE_FILE, CODE_LINE, CODE_FUNC); without this the
// sd_journal_sendv macro adds this file's as well.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include <cinttypes>
#include <cstdlib>
#include <memory>

namespace returnscan::log {
namespace {

/// Appends `text` with control characters escaped, so one record stays one line.
void appendEscaped(std::string& out, std::string_view text)
{
    for (unsigned char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
    }
}

/// syslog priorities (sys/syslog.h): LOG_ERR 3 ... LOG_DEBUG 7.
int priorityOf(core::LogLevel level)
{
    switch (level) {
        case core::LogLevel::Error:
            return 3;
        case core::LogLevel::Warning:
            return 4;
        case core::LogLevel::Notice:
            return 5;
        case core::LogLevel::Info:
            return 6;
        case core::LogLevel::Debug:
        case core::LogLevel::Wire:
            return 7;
    }
    return 7;
}

/// A journal field name from a free key: journald accepts A-Z, 0-9 and _, not starting with
/// _ (reserved for trusted fields) and at most 64 characters (sd-journal's journal_field_valid).
std::string journalName(std::string_view key)
{
    std::string name = "RETURNSCAN_";
    for (char c : key) {
        if (c >= 'a' && c <= 'z')
            name += static_cast<char>(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            name += c;
        else
            name += '_';
    }
    if (name.size() > 64)
        name.resize(64);
    return name;
}

int realSend(const struct iovec* fields, int count)
{
    return sd_journal_sendv(fields, count);
}

}  // namespace

std::string formatLine(const core::LogRecord& record, std::string_view identifier)
{
    std::string line;
    line.reserve(64 + record.message.size());
    line.append(identifier).append(": ");
    line.append(core::toString(record.level)).append(": ");
    line.append(core::toString(record.category)).append(": ");
    if (!record.device.empty()) {
        appendEscaped(line, record.device);
        line += ": ";
    }
    appendEscaped(line, record.message);
    bool first = true;
    auto field = [&](std::string_view key, std::string_view value) {
        line += first ? " (" : ", ";
        first = false;
        appendEscaped(line, key);
        line += '=';
        appendEscaped(line, value);
    };
    if (!record.receipt.empty())
        field("receipt", record.receipt);
    for (const auto& f : record.fields) {
        if (f.key != "hex")  // wire records: the bytes are in the message already
            field(f.key, f.value);
    }
    if (!first)
        line += ')';
    return line;
}

void StderrSink::write(const core::LogRecord& record)
{
    std::string line = formatLine(record, identifier_);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
}

std::vector<std::string> journalFields(const core::LogRecord& record, std::string_view identifier)
{
    std::vector<std::string> f;
    f.reserve(11 + record.fields.size());
    f.push_back("MESSAGE=" + record.message);
    f.push_back("PRIORITY=" + std::to_string(priorityOf(record.level)));
    f.push_back("SYSLOG_IDENTIFIER=" + std::string(identifier));
    f.push_back("RETURNSCAN_CATEGORY=" + std::string(core::toString(record.category)));
    f.push_back("RETURNSCAN_LEVEL=" + std::string(core::toString(record.level)));
    if (!record.device.empty())
        f.push_back("RETURNSCAN_DEVICE=" + record.device);
    if (!record.receipt.empty())
        f.push_back("RETURNSCAN_RECEIPT=" + record.receipt);
    for (const auto& field : record.fields)
        f.push_back(journalName(field.key) + '=' + field.value);
    f.push_back(std::string("CODE_FILE=") + record.where.file_name());
    f.push_back("CODE_LINE=" + std::to_string(record.where.line()));
    f.push_back(std::string("CODE_FUNC=") + record.where.function_name());
    return f;
}

JournaldSink::JournaldSink(std::string identifier, JournalSendFn send)
    : identifier_(std::move(identifier)), send_(send ? std::move(send) : JournalSendFn(realSend))
{
}

void JournaldSink::write(const core::LogRecord& record)
{
    auto fields = journalFields(record, identifier_);
    std::vector<struct iovec> iov(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        // sd_journal_sendv only reads the fields; iovec has no const member.
        iov[i].iov_base = fields[i].data();
        iov[i].iov_len = fields[i].size();
    }
    if (send_(iov.data(), static_cast<int>(iov.size())) < 0) {
        ++failures_;
        std::string line = formatLine(record, identifier_) + '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
    }
}

bool isJournalStream(const char* journalStream, int fd)
{
    if (journalStream == nullptr || *journalStream == '\0')
        return false;
    std::uintmax_t dev = 0;
    std::uintmax_t ino = 0;
    char tail = 0;
    if (std::sscanf(journalStream, "%ju:%ju%c", &dev, &ino, &tail) != 2)
        return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return false;
    return static_cast<std::uintmax_t>(st.st_dev) == dev &&
           static_cast<std::uintmax_t>(st.st_ino) == ino;
}

SinkKind defaultSinkKind()
{
    return isJournalStream(std::getenv("JOURNAL_STREAM"), 2) ? SinkKind::Journald
                                                              : SinkKind::Stderr;
}

SinkKind installDefaultSink(const core::LogLevels& levels, std::string identifier)
{
    const SinkKind kind = defaultSinkKind();
    std::shared_ptr<core::LogSink> sink;
    if (kind == SinkKind::Journald)
        sink = std::make_shared<JournaldSink>(std::move(identifier));
    else
        sink = std::make_shared<StderrSink>(stderr, std::move(identifier));
    auto& hub = core::processLogHub();
    hub.setLevels(levels);
    (void)hub.setSink(std::move(sink));
    return kind;
}

}  // namespace returnscan::log
