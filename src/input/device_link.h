// SPDX-License-Identifier: Apache-2.0
// What the input loop's thread shares with other threads about one device: the bytes queued
// for it and the replies to host commands read from it. Internal to the input module.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "returnscan/core/result.h"
#include "returnscan/firmware_if/channel.h"

namespace returnscan::input::detail {

/// Wakes the loop's poll() from another thread (an eventfd). Shared by the loop and every
/// channel, so a channel that outlives the loop still writes to its own descriptor.
class Waker {
public:
    /// Errors: Io (no eventfd).
    [[nodiscard]] static Result<std::shared_ptr<Waker>> create();
    explicit Waker(int fd) : fd_(fd) {}
    ~Waker();
    Waker(const Waker&) = delete;
    Waker& operator=(const Waker&) = delete;

    [[nodiscard]] int fd() const { return fd_; }
    void wake() const;
    void drain() const;

private:
    int fd_;
};

/// One device's state shared between the loop's thread and the senders. Every mutable field
/// is guarded by `mutex`; the loop thread never calls out (sink, writes that may block) with
/// it held.
struct DeviceLink {
    DeviceLink(std::string deviceId, bool serialLine) : id(std::move(deviceId)), serial(serialLine)
    {
    }

    const std::string id;
    const bool serial;  ///< only serial lines take bytes through the loop

    std::mutex mutex;
    std::condition_variable changed;  ///< replies arrived, the device closed, a write failed
    bool open = false;
    std::string node;              ///< the device node while open (canonical), else empty
    std::uint64_t generation = 0;  ///< +1 on every open and every close
    std::string outgoing;          ///< queued for the device, in order; written by the loop
    /// Whole command replies, kept only while a channel is attached; `replyBytes` in all.
    std::deque<std::string> replies;
    std::size_t replyBytes = 0;
    bool channelAttached = false;
    std::string writeError;  ///< why queued bytes were dropped; for the attached channel, once

    /// With `mutex` held.
    void dropReplies()
    {
        replies.clear();
        replyBytes = 0;
    }
};

/// Most reply bytes kept for a channel that is not reading; past it the oldest whole replies
/// are dropped (never part of one: the channel's driver would take the rest for garbage).
inline constexpr std::size_t kMaxReplyBytes = 4096;

/// Queues `bytes` for the device and wakes the loop. `generation`: fail unless the device is
/// still in this generation (a channel must not write to a replugged device). Errors:
/// Unsupported, Io (not open, or another generation), Busy (over `maxPending`).
[[nodiscard]] Status queueBytes(DeviceLink& link, const Waker& waker, std::string_view bytes,
                                std::size_t maxPending, const std::uint64_t* generation);

/// The command channel over a link (InputLoop::openChannel). Errors: Unsupported, Io, Busy.
[[nodiscard]] Result<std::unique_ptr<firmware_if::Channel>> openLinkChannel(
    std::shared_ptr<DeviceLink> link, std::shared_ptr<Waker> waker, std::size_t maxPending);

}  // namespace returnscan::input::detail
