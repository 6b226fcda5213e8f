// SPDX-License-Identifier: Apache-2.0
// The kiosk's station thread: runs posted tasks in order, and a tick about once a second.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace returnscan::app {

/// A thread that runs posted tasks in order, and `tick` about once a second when idle.
/// Thread-safe: post() and call() from any thread (call() never from the thread itself).
class TaskThread {
public:
    explicit TaskThread(std::function<void()> tick,
                        std::chrono::milliseconds period = std::chrono::seconds(1));
    ~TaskThread();
    TaskThread(const TaskThread&) = delete;
    TaskThread& operator=(const TaskThread&) = delete;

    void start();
    /// Runs the tasks already posted, then ends the thread. Tasks posted later are dropped.
    void stop();

    void post(std::function<void()> task);

    /// Runs `f` on the thread and waits for its result.
    template <class F>
    auto call(F f) -> decltype(f())
    {
        auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
        auto future = task->get_future();
        post([task] { (*task)(); });
        return future.get();
    }

private:
    void run();

    std::function<void()> tick_;
    std::chrono::milliseconds period_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace returnscan::app
