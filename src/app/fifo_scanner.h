// SPDX-License-Identifier: Apache-2.0
// A FIFO read as a scanner (`kiosk --scanner fifo:PATH`): one scan per line, for the demo,
// tests and scripts.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "read_router.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/result.h"

namespace returnscan::app {

/// Opened read-write so that writers may come and go without an end of file. Lines over
/// kMaxLine bytes are dropped whole. Reads go to the router from the FIFO's own thread.
class FifoScanner {
public:
    static constexpr std::size_t kMaxLine = 4096;

    FifoScanner(std::string path, std::string id, ReadRouter& router, const core::Clock& clock);
    ~FifoScanner();
    FifoScanner(const FifoScanner&) = delete;
    FifoScanner& operator=(const FifoScanner&) = delete;

    /// Creates the FIFO when absent and starts reading. Errors: Io, InvalidArgument (the path
    /// is something else than a FIFO).
    [[nodiscard]] Status start();
    void stop();

private:
    void run();
    void deliver(std::string line);

    std::string path_;
    std::string id_;
    ReadRouter& router_;
    const core::Clock& clock_;
    int fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace returnscan::app
