// SPDX-License-Identifier: Apache-2.0
// Test support: a long-running child process (a kiosk) whose stdout is read line by line, and
// which is stopped with a signal.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace returnscan::tests {

class Child {
public:
    /// Starts `argv` with `env` added; stderr goes to `errFile` (empty: inherited).
    Child(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
          const std::string& errFile = "")
    {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) {
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            if (!errFile.empty()) {
                const int e = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
                if (e >= 0) {
                    ::dup2(e, 2);
                }
            }
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, 0);
            for (const auto& e : env) {
                ::putenv(const_cast<char*>(e.c_str()));
            }
            std::vector<char*> args;
            for (const auto& a : argv) {
                args.push_back(const_cast<char*>(a.c_str()));
            }
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(out[1]);
        out_ = out[0];
    }
    ~Child()
    {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            int st = 0;
            ::waitpid(pid_, &st, 0);
        }
        if (out_ >= 0) {
            ::close(out_);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    [[nodiscard]] pid_t pid() const { return pid_; }

    /// Reads stdout until a line containing `needle` arrives; returns it (nullopt on timeout or
    /// end of output). Everything read is kept in output().
    std::optional<std::string> waitForLine(const std::string& needle,
                                           std::chrono::milliseconds timeout)
    {
        const auto until = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            std::size_t start = 0;
            for (std::size_t nl; (nl = output_.find('\n', start)) != std::string::npos;
                 start = nl + 1) {
                if (nl >= scanned_) {
                    const std::string line = output_.substr(start, nl - start);
                    if (line.find(needle) != std::string::npos) {
                        scanned_ = nl + 1;
                        return line;
                    }
                }
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return std::nullopt;
            }
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            char buf[4096];
            const auto n = ::read(out_, buf, sizeof buf);
            if (n <= 0) {
                return std::nullopt;
            }
            output_.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Sends `sig` and waits up to `timeout` for the exit; returns the exit status (128 +
    /// signal when killed), or -1 when it did not exit (it is then killed).
    int stop(int sig, std::chrono::milliseconds timeout)
    {
        ::kill(pid_, sig);
        const auto until = std::chrono::steady_clock::now() + timeout;
        int st = 0;
        while (std::chrono::steady_clock::now() < until) {
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            ::usleep(20'000);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        exited_ = true;
        return -1;
    }

    [[nodiscard]] const std::string& output() const { return output_; }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    bool exited_ = false;
    std::string output_;
    std::size_t scanned_ = 0;
};

}  // namespace returnscan::tests
