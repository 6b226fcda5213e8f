// SPDX-License-Identifier: Apache-2.0
#include "fifo_scanner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "returnscan/core/aim.h"

namespace returnscan::app {

FifoScanner::FifoScanner(std::string path, std::string id, ReadRouter& router,
                         const core::Clock& clock)
    : path_(std::move(path)), id_(std::move(id)), router_(router), clock_(clock)
{
}

FifoScanner::~FifoScanner()
{
    stop();
}

Status FifoScanner::start()
{
    struct stat sb {};
    if (::stat(path_.c_str(), &sb) != 0) {
        if (::mkfifo(path_.c_str(), 0660) != 0) {
            return makeError(ErrorCode::Io,
                             "cannot create FIFO " + path_ + ": " + std::strerror(errno));
        }
    } else if (!S_ISFIFO(sb.st_mode)) {
        return makeError(ErrorCode::InvalidArgument, path_ + " exists and is not a FIFO");
    }
    fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
        return makeError(ErrorCode::Io, "cannot open " + path_ + ": " + std::strerror(errno));
    }
    thread_ = std::thread([this] { run(); });
    return {};
}

void FifoScanner::stop()
{
    stopping_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void FifoScanner::run()
{
    std::string line;
    bool overlong = false;
    char buf[4096];
    while (!stopping_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            continue;
        }
        const auto n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) {
            continue;
        }
        for (ssize_t i = 0; i < n; ++i) {
            const char c = buf[i];
            if (c == '\n') {
                if (!overlong) {
                    deliver(line);
                }
                line.clear();
                overlong = false;
            } else if (line.size() < kMaxLine) {
                line.push_back(c);
            } else {
                overlong = true;
            }
        }
    }
}

void FifoScanner::deliver(std::string line)
{
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (line.empty()) {
        return;
    }
    core::ScanEvent ev;
    ev.device = id_;
    ev.role = "handheld";
    ev.transport = core::Transport::File;
    std::string_view rest = line;
    if (auto aim = core::splitAimPrefix(line, rest)) {
        ev.aim = aim;
    }
    ev.data = std::string(rest);
    ev.wallTime = clock_.now();
    ev.monotonic = std::chrono::steady_clock::now();
    router_.submit(ev);
}

}  // namespace returnscan::app
