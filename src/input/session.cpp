// SPDX-License-Identifier: Apache-2.0
// Recorded sessions: parsing, and replay into a FIFO, a character device or a new pty.
#include "returnscan/input/session.h"

#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace returnscan::input {
namespace {

using Clock = std::chrono::steady_clock;

std::string trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return std::string(s);
}

Error lineError(std::size_t line, const std::string& what)
{
    return makeError(ErrorCode::Parse, "session line " + std::to_string(line) + ": " + what);
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

Result<std::string> parseHex(std::string_view s, std::size_t line)
{
    std::string out;
    std::istringstream in{std::string(s)};
    std::string tok;
    while (in >> tok) {
        if (tok.size() != 2 || hexValue(tok[0]) < 0 || hexValue(tok[1]) < 0)
            return lineError(line, "'" + tok + "' is not a hex byte");
        out.push_back(static_cast<char>(hexValue(tok[0]) * 16 + hexValue(tok[1])));
    }
    return out;
}

Result<std::string> parseQuoted(std::string_view s, std::size_t line)
{
    if (s.size() < 2 || s.front() != '"' || s.back() != '"')
        return lineError(line, "text frame must be one double-quoted string");
    s = s.substr(1, s.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out.push_back(s[i]);
            continue;
        }
        if (++i >= s.size())
            return lineError(line, "backslash at the end of the text");
        switch (s[i]) {
            case 'r':
                out.push_back('\r');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'e':
                out.push_back('\x1b');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '"':
                out.push_back('"');
                break;
            case 'x': {
                if (i + 2 >= s.size() || hexValue(s[i + 1]) < 0 || hexValue(s[i + 2]) < 0)
                    return lineError(line, "\\x needs two hex digits");
                out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
                i += 2;
                break;
            }
            default:
                return lineError(line, std::string("unknown escape \\") + s[i]);
        }
    }
    return out;
}

Result<std::string> parseEvents(std::string_view s, std::size_t line)
{
    // "ev TYPE CODE VALUE [; TYPE CODE VALUE ...]": struct input_event with a zero time (the
    // readers ignore the kernel's timestamp).
    std::string out;
    std::istringstream in{std::string(s)};
    std::string group;
    while (std::getline(in, group, ';')) {
        std::istringstream g(group);
        long type = 0, code = 0, value = 0;
        if (!(g >> type >> code >> value) || type < 0 || type > 0xFFFF || code < 0 ||
            code > 0xFFFF) {
            return lineError(line, "ev needs TYPE CODE VALUE");
        }
        input_event ev{};
        ev.type = static_cast<__u16>(type);
        ev.code = static_cast<__u16>(code);
        ev.value = static_cast<__s32>(value);
        out.append(reinterpret_cast<const char*>(&ev), sizeof ev);
    }
    return out;
}

std::string errnoText()
{
    return std::strerror(errno);
}

Status writeAll(int fd, const std::string& bytes, int drainFd)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd p[2] = {{fd, POLLOUT, 0}, {drainFd, POLLIN, 0}};
            (void)::poll(p, drainFd >= 0 ? 2 : 1, 100);
            if (drainFd >= 0 && (p[1].revents & POLLIN)) {
                char sink[512];
                (void)!::read(drainFd, sink, sizeof sink);
            }
            continue;
        }
        return makeError(ErrorCode::Io, "write to the replay target failed: " + errnoText());
    }
    return {};
}

}  // namespace

std::string Session::transport() const
{
    auto it = header.find("transport");
    return it == header.end() ? std::string() : it->second;
}

Result<Session> parseSession(std::string_view text)
{
    Session s;
    std::size_t lineNo = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t nl = text.find('\n', pos);
        std::string_view raw =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++lineNo;
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#')
            continue;
        if (line[0] != '@') {
            if (!s.frames.empty())
                return lineError(lineNo, "header line after the first frame");
            const auto colon = line.find(':');
            if (colon == std::string::npos)
                return lineError(lineNo, "expected 'key: value' or a frame '@SECONDS KIND ...'");
            s.header[trim(std::string_view(line).substr(0, colon))] =
                trim(std::string_view(line).substr(colon + 1));
            continue;
        }
        // @SECONDS KIND PAYLOAD
        const auto sp1 = line.find(' ');
        if (sp1 == std::string::npos)
            return lineError(lineNo, "frame without a kind");
        double seconds = 0;
        const std::string secText = line.substr(1, sp1 - 1);
        auto [p, ec] = std::from_chars(secText.data(), secText.data() + secText.size(), seconds);
        if (ec != std::errc() || p != secText.data() + secText.size() || seconds < 0)
            return lineError(lineNo, "bad time '" + secText + "'");
        std::string rest = trim(std::string_view(line).substr(sp1 + 1));
        const auto sp2 = rest.find(' ');
        const std::string kind = rest.substr(0, sp2);
        std::string payload =
            sp2 == std::string::npos ? std::string() : trim(std::string_view(rest).substr(sp2 + 1));
        // A trailing "# comment" is allowed after a frame (after the closing quote of text).
        const std::size_t commentFrom = kind == "text" ? payload.rfind('"') : 0;
        if (commentFrom != std::string::npos) {
            if (auto hash = payload.find('#', commentFrom); hash != std::string::npos)
                payload = trim(std::string_view(payload).substr(0, hash));
        }
        Result<std::string> bytes = std::string();
        if (kind == "hex")
            bytes = parseHex(payload, lineNo);
        else if (kind == "text")
            bytes = parseQuoted(payload, lineNo);
        else if (kind == "ev")
            bytes = parseEvents(payload, lineNo);
        else
            return lineError(lineNo, "unknown frame kind '" + kind + "' (hex, text, ev)");
        if (!bytes)
            return std::move(bytes).takeError();
        SessionFrame f;
        f.offset = std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6 + 0.5));
        if (!s.frames.empty() && f.offset < s.frames.back().offset)
            return lineError(lineNo, "frame times must not go backwards");
        f.bytes = std::move(*bytes);
        if (s.transport() == "hidraw") {
            // Reports are zero-padded to the report size (64 unless the header says).
            std::size_t size = 64;
            if (auto it = s.header.find("report-size"); it != s.header.end())
                size = static_cast<std::size_t>(std::atoi(it->second.c_str()));
            if (f.bytes.size() > size)
                return lineError(lineNo, "report longer than report-size");
            f.bytes.resize(size, '\0');
        }
        s.frames.push_back(std::move(f));
    }
    const std::string t = s.transport();
    if (t != "serial" && t != "evdev" && t != "hidraw")
        return makeError(ErrorCode::Parse, "session header needs 'transport: serial|evdev|hidraw'");
    return s;
}

Result<Session> loadSession(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::NotFound, "cannot read session " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = parseSession(ss.str());
    if (!s)
        return makeError(s.error().code, path + ": " + s.error().message);
    return s;
}

namespace {

/// A pty whose slave is linked at `link`; holds a slave descriptor itself so that the line
/// stays up until the reader has drained it.
struct PtyTarget {
    int master = -1;
    int slave = -1;
    std::string link;
    ~PtyTarget()
    {
        if (slave >= 0)
            ::close(slave);
        if (master >= 0)
            ::close(master);  // hangs up the reader: EIO on its next read
        if (!link.empty())
            ::unlink(link.c_str());
    }
};

Status playFrames(const Session& s, int fd, const ReplayOptions& o, int drainFd)
{
    const auto start = Clock::now();
    for (const auto& f : s.frames) {
        if (!o.fast)
            std::this_thread::sleep_until(start + f.offset);
        if (auto st = writeAll(fd, f.bytes, drainFd); !st)
            return st;
        if (drainFd >= 0) {
            // Replies (SSI ACKs) come back on the master: read them so the pty never fills.
            char sink[512];
            while (::read(drainFd, sink, sizeof sink) > 0) {
            }
        }
    }
    return {};
}

Status replayToNewPty(const Session& s, const std::string& path, const ReplayOptions& o)
{
    PtyTarget pty;
    pty.master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty.master < 0 || ::grantpt(pty.master) != 0 || ::unlockpt(pty.master) != 0)
        return makeError(ErrorCode::Io, "cannot create a pty: " + errnoText());
    char name[128];
    if (::ptsname_r(pty.master, name, sizeof name) != 0)
        return makeError(ErrorCode::Io, "ptsname: " + errnoText());
    pty.slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty.slave < 0)
        return makeError(ErrorCode::Io, std::string("cannot open ") + name + ": " + errnoText());
    if (::symlink(name, path.c_str()) != 0)
        return makeError(ErrorCode::Io, "cannot link " + path + " to " + name + ": " + errnoText());
    pty.link = path;
    // Wait for the reader: it puts the line in raw mode (ICANON off) once it has opened it.
    // Writing earlier would let the line discipline echo and edit the bytes.
    const auto deadline = Clock::now() + o.readerTimeout;
    for (;;) {
        termios t{};
        if (::tcgetattr(pty.slave, &t) == 0 && (t.c_lflag & ICANON) == 0)
            break;
        if (Clock::now() > deadline)
            return makeError(ErrorCode::Io, "no reader opened " + path + " in time");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const int flags = ::fcntl(pty.master, F_GETFL);
    (void)::fcntl(pty.master, F_SETFL, flags | O_NONBLOCK);
    if (auto st = playFrames(s, pty.master, o, pty.master); !st)
        return st;
    // Hang up only after the reader has taken every byte: a hangup flushes the line.
    const auto drainDeadline = Clock::now() + std::chrono::seconds(5);
    for (;;) {
        int pending = 0;
        if (::ioctl(pty.slave, FIONREAD, &pending) != 0 || pending == 0)
            break;
        if (Clock::now() > drainDeadline)
            return makeError(ErrorCode::Io, "the reader did not read everything in time");
        char sink[512];
        while (::read(pty.master, sink, sizeof sink) > 0) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // Let the reader's replies (the last ACK) arrive before the line goes down.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return {};
}

Status replayToExisting(const Session& s, const std::string& path, const ReplayOptions& o,
                        bool createdFifo)
{
    // O_NONBLOCK so that a FIFO without a reader does not block forever: ENXIO until one
    // opens it.
    const auto deadline = Clock::now() + o.readerTimeout;
    int fd = -1;
    for (;;) {
        fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            break;
        if (errno != ENXIO || Clock::now() > deadline) {
            const std::string why = errno == ENXIO ? "no reader opened it in time" : errnoText();
            if (createdFifo)
                ::unlink(path.c_str());
            return makeError(ErrorCode::Io, "cannot open " + path + " for writing: " + why);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    auto st = playFrames(s, fd, o, -1);
    ::close(fd);
    if (createdFifo)
        ::unlink(path.c_str());
    return st;
}

}  // namespace

Status replaySession(const Session& session, const std::string& path, const ReplayOptions& options)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT)
            return makeError(ErrorCode::Io, "cannot stat " + path + ": " + errnoText());
        if (session.transport() == "serial")
            return replayToNewPty(session, path, options);
        if (::mkfifo(path.c_str(), 0600) != 0)
            return makeError(ErrorCode::Io, "cannot create FIFO " + path + ": " + errnoText());
        return replayToExisting(session, path, options, true);
    }
    if (::stat(path.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
        return replayToExisting(session, path, options, false);
    return makeError(ErrorCode::InvalidArgument,
                     path +
                         " exists and is neither a FIFO nor a character device (a pty, a "
                         "uinput node); give a new path to create one");
}

}  // namespace returnscan::input
