// SPDX-License-Identifier: Apache-2.0
// Test support for the input module: a collecting sink, ptys, FIFOs, descriptor counting,
// and encoding of key events and HID POS reports.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/input/scanner.h"

namespace returnscan::tests {

/// Records what the loop reports.
class CollectingSink final : public input::InputSink {
public:
    void onScan(const core::ScanEvent& e) override { scans.push_back(e); }
    void onReadFailure(const input::ReadFailure& f) override { failures.push_back(f.message); }
    void onDeviceState(const std::string& /*device*/, input::DeviceState s,
                       std::string_view detail) override
    {
        states.push_back(s);
        details.emplace_back(detail);
    }
    [[nodiscard]] std::vector<std::string> data() const
    {
        std::vector<std::string> v;
        for (const auto& s : scans)
            v.push_back(s.data);
        return v;
    }
    [[nodiscard]] bool sawState(input::DeviceState s) const
    {
        for (auto x : states) {
            if (x == s)
                return true;
        }
        return false;
    }

    std::vector<core::ScanEvent> scans;
    std::vector<std::string> failures;
    std::vector<input::DeviceState> states;
    std::vector<std::string> details;
};

/// Runs the loop until `done` or `timeout`; returns whether `done` became true.
inline bool runUntil(input::InputLoop& loop, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(3000))
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        if (!loop.runOnce(std::chrono::milliseconds(20)))
            return false;
    }
    return true;
}

/// A pty pair: the test writes the scanner's bytes into `master`, the code under test opens
/// the slave by name (`slaveName`) as it would /dev/ttyACM0.
struct Pty {
    int master = -1;
    std::string slaveName;
    Pty()
    {
        int slave = -1;
        char name[128] = {};
        if (::openpty(&master, &slave, name, nullptr, nullptr) != 0)
            return;
        slaveName = name;
        // Not inherited by a `returnscan listen` child: a master held open there would keep
        // the line up after the test hangs up.
        ::fcntl(master, F_SETFD, FD_CLOEXEC);
        ::close(slave);  // the reader opens its own
    }
    /// True once a reader has put the line in raw mode (ICANON off), as the serial reader does.
    [[nodiscard]] bool waitForRawMode(int ms = 3000) const
    {
        const int slave = ::open(slaveName.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        bool raw = false;
        for (int i = 0; i < ms / 5 && slave >= 0 && !raw; ++i) {
            termios t{};
            raw = ::tcgetattr(slave, &t) == 0 && (t.c_lflag & ICANON) == 0;
            if (!raw)
                ::usleep(5000);
        }
        if (slave >= 0)
            ::close(slave);
        return raw;
    }
    ~Pty() { hangup(); }
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;
    void write(const std::string& s) const { (void)!::write(master, s.data(), s.size()); }
    /// Reads what the reader sent back (SSI ACK), waiting up to `ms`.
    [[nodiscard]] std::string readBack(int ms = 500) const
    {
        std::string out;
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < end) {
            pollfd p{master, POLLIN, 0};
            if (::poll(&p, 1, 20) > 0) {
                char buf[256];
                const ssize_t n = ::read(master, buf, sizeof buf);
                if (n > 0)
                    out.append(buf, static_cast<std::size_t>(n));
            } else if (!out.empty()) {
                break;
            }
        }
        return out;
    }
    void hangup()
    {
        if (master >= 0)
            ::close(master);
        master = -1;
    }
};

/// Number of open descriptors of this process.
inline int openFdCount()
{
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d) != nullptr)
            ++n;
        ::closedir(d);
    }
    return n - 3;  // ".", ".." and the DIR's own descriptor
}

/// Key events for a key press and release, each followed by SYN_REPORT, as scanners send.
inline std::string keyBytes(std::uint16_t code, std::uint16_t shift = 0)
{
    std::string out;
    auto add = [&](std::uint16_t type, std::uint16_t c, std::int32_t v) {
        input_event ev{};
        ev.type = type;
        ev.code = c;
        ev.value = v;
        out.append(reinterpret_cast<const char*>(&ev), sizeof ev);
    };
    if (shift)
        add(EV_KEY, shift, 1);
    add(EV_KEY, code, 1);
    add(EV_SYN, SYN_REPORT, 0);
    add(EV_KEY, code, 0);
    if (shift)
        add(EV_KEY, shift, 0);
    add(EV_SYN, SYN_REPORT, 0);
    return out;
}

/// US-layout key events for printable ASCII letters, digits and a few symbols.
inline std::string typeUs(const std::string& text, std::uint16_t terminator = KEY_ENTER)
{
    static const std::uint16_t letters[] = {
        KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
        KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
    static const std::uint16_t digits[] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
                                           KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
    std::string out;
    for (char c : text) {
        if (c >= 'a' && c <= 'z') {
            out += keyBytes(letters[c - 'a']);
        } else if (c >= 'A' && c <= 'Z') {
            out += keyBytes(letters[c - 'A'], KEY_LEFTSHIFT);
        } else if (c >= '0' && c <= '9') {
            out += keyBytes(digits[c - '0']);
        } else if (c == '-') {
            out += keyBytes(KEY_MINUS);
        } else if (c == '.') {
            out += keyBytes(KEY_DOT);
        }
    }
    if (terminator)
        out += keyBytes(terminator);
    return out;
}

/// A Honeywell HID POS report 0x02 (64 bytes).
inline std::string honeywellReport(const std::string& aim, const std::string& data,
                                   bool continued = false)
{
    std::string r(64, '\0');
    r[0] = 0x02;
    r[1] = static_cast<char>(data.size());
    for (std::size_t i = 0; i < 3 && i < aim.size(); ++i)
        r[2 + i] = aim[i];
    for (std::size_t i = 0; i < data.size() && i < 56; ++i)
        r[5 + i] = data[i];
    r[63] = continued ? 1 : 0;
    return r;
}

/// Starts `argv` in the background; returns its pid.
inline pid_t spawn(const std::vector<std::string>& argv)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

inline int waitExit(pid_t pid)
{
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace returnscan::tests
