// SPDX-License-Identifier: Apache-2.0
// Test support for firmware_if: the simulated firmware running on a pty in a thread, and a
// child process (`returnscan scanner-sim`, `listen`) with its stdin and stdout on pipes.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "returnscan/firmware_if/simulator.h"

namespace returnscan::tests {

/// A ScannerSimulator behind a pty: the code under test opens `slaveName` as a serial port.
class SimPty {
public:
    explicit SimPty(firmware_if::SimProtocol protocol, firmware_if::SimFaults faults = {})
        : sim_(protocol, faults)
    {
        char name[128] = {};
        if (::openpty(&master_, &slave_, name, nullptr, nullptr) != 0)
            return;
        slaveName = name;
        ::fcntl(master_, F_SETFD, FD_CLOEXEC);
        ::fcntl(slave_, F_SETFD, FD_CLOEXEC);
        termios t{};
        ::tcgetattr(slave_, &t);
        ::cfmakeraw(&t);
        ::tcsetattr(slave_, TCSANOW, &t);
        thread_ = std::thread([this] { run(); });
    }
    ~SimPty() { stop(); }
    SimPty(const SimPty&) = delete;
    SimPty& operator=(const SimPty&) = delete;

    /// Stops the firmware thread; log() is stable afterwards.
    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
        if (master_ >= 0)
            ::close(master_);
        if (slave_ >= 0)
            ::close(slave_);
        master_ = slave_ = -1;
    }
    /// Sends raw bytes to the host as the device would (decode data, garbage).
    void inject(const std::string& bytes)
    {
        std::lock_guard lock(mutex_);
        (void)!::write(master_, bytes.data(), bytes.size());
    }
    /// Waits until the firmware has logged `n` entries (commands without a reply are logged
    /// after the sender has already returned).
    bool waitForLog(std::size_t n, int ms = 2000)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (log().size() < n) {
            if (std::chrono::steady_clock::now() > end)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }
    [[nodiscard]] std::vector<std::string> log()
    {
        std::lock_guard lock(mutex_);
        return sim_.log();
    }

    std::string slaveName;

private:
    void run()
    {
        while (!stop_) {
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, 10) <= 0)
                continue;
            char buf[512];
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0)
                continue;
            std::lock_guard lock(mutex_);
            const std::string reply =
                sim_.onHostBytes(std::string_view(buf, static_cast<std::size_t>(n)));
            (void)!::write(master_, reply.data(), reply.size());
        }
    }

    firmware_if::ScannerSimulator sim_;
    int master_ = -1;
    int slave_ = -1;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::thread thread_;
};

/// A child process with stdin and stdout on pipes (stderr is inherited).
class Child {
public:
    explicit Child(const std::vector<std::string>& argv)
    {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
            return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        in_ = in[1];
        out_ = out[0];
    }
    ~Child()
    {
        closeStdin();
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (out_ >= 0)
            ::close(out_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    void write(const std::string& s) const { (void)!::write(in_, s.data(), s.size()); }
    void closeStdin()
    {
        if (in_ >= 0)
            ::close(in_);
        in_ = -1;
    }
    /// The next line of stdout (without the newline), or "" after `ms` or at end of output.
    std::string readLine(int ms = 3000)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        for (;;) {
            if (auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string line = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                end - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return {};
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
                return {};
            char b[512];
            const ssize_t n = ::read(out_, b, sizeof b);
            if (n <= 0)
                return {};
            buf_.append(b, static_cast<std::size_t>(n));
        }
    }
    /// Lines until one contains `needle` (returned), or "" on timeout.
    std::string waitFor(const std::string& needle, int ms = 3000)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < end) {
            std::string l = readLine(ms);
            if (l.find(needle) != std::string::npos)
                return l;
            if (l.empty() && buf_.empty())
                break;
        }
        return {};
    }
    void signal(int sig) const { ::kill(pid_, sig); }
    /// Exit status after waiting up to `ms` (-1: still running, then killed).
    int wait(int ms = 3000)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        int st = 0;
        while (std::chrono::steady_clock::now() < end) {
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            ::usleep(10000);
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
    int in_ = -1;
    int out_ = -1;
    bool exited_ = false;
    std::string buf_;
};

}  // namespace returnscan::tests
