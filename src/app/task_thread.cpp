// SPDX-License-Identifier: Apache-2.0
#include "task_thread.h"

namespace returnscan::app {

TaskThread::TaskThread(std::function<void()> tick, std::chrono::milliseconds period)
    : tick_(std::move(tick)), period_(period)
{
}

TaskThread::~TaskThread()
{
    stop();
}

void TaskThread::start()
{
    thread_ = std::thread([this] { run(); });
}

void TaskThread::post(std::function<void()> task)
{
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
}

void TaskThread::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void TaskThread::run()
{
    auto nextTick = std::chrono::steady_clock::now() + period_;
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait_until(lock, nextTick, [&] { return stopping_ || !tasks_.empty(); });
        if (!tasks_.empty()) {
            auto task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();
            lock.lock();
            continue;
        }
        if (stopping_) {
            return;
        }
        if (std::chrono::steady_clock::now() >= nextTick) {
            lock.unlock();
            if (tick_) {
                tick_();
            }
            lock.lock();
            nextTick = std::chrono::steady_clock::now() + period_;
        }
    }
}

}  // namespace returnscan::app
