// SPDX-License-Identifier: Apache-2.0
// Test support: a log sink that keeps records, and a scope that puts it into a hub (by default
// the process's) with chosen levels and restores the previous sink and levels on exit.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "returnscan/core/log.h"

namespace returnscan::tests {

class CapturingLogSink final : public core::LogSink {
public:
    void write(const core::LogRecord& record) override
    {
        std::lock_guard lock(mutex_);
        records_.push_back(record);
    }
    [[nodiscard]] std::vector<core::LogRecord> records() const
    {
        std::lock_guard lock(mutex_);
        return records_;
    }
    /// Records whose message contains `part`.
    [[nodiscard]] std::vector<core::LogRecord> matching(const std::string& part) const
    {
        std::vector<core::LogRecord> v;
        for (auto& r : records()) {
            if (r.message.find(part) != std::string::npos)
                v.push_back(r);
        }
        return v;
    }
    [[nodiscard]] std::vector<std::string> messages() const
    {
        std::vector<std::string> v;
        for (auto& r : records())
            v.push_back(r.message);
        return v;
    }

private:
    mutable std::mutex mutex_;
    std::vector<core::LogRecord> records_;
};

class ScopedLogCaptureForTest {
public:
    explicit ScopedLogCaptureForTest(core::LogLevels levels = core::LogLevels(core::LogLevel::Debug),
                                     core::LogHub& hub = core::processLogHub())
        : hub_(hub), sink_(std::make_shared<CapturingLogSink>()), oldLevels_(hub.levels())
    {
        hub_.setLevels(levels);
        oldSink_ = hub_.setSink(sink_);
    }
    ~ScopedLogCaptureForTest()
    {
        (void)hub_.setSink(oldSink_);
        hub_.setLevels(oldLevels_);
    }
    ScopedLogCaptureForTest(const ScopedLogCaptureForTest&) = delete;
    ScopedLogCaptureForTest& operator=(const ScopedLogCaptureForTest&) = delete;

    [[nodiscard]] CapturingLogSink& sink() { return *sink_; }

private:
    core::LogHub& hub_;
    std::shared_ptr<CapturingLogSink> sink_;
    std::shared_ptr<core::LogSink> oldSink_;
    core::LogLevels oldLevels_;
};

}  // namespace returnscan::tests
