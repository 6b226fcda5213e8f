// SPDX-License-Identifier: Apache-2.0
// Commands to a serial scanner the input loop owns: bytes are queued for the loop's thread,
// replies come back from the device's decoder (see device_link.h).
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "device_link.h"

namespace returnscan::input::detail {

Result<std::shared_ptr<Waker>> Waker::create()
{
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return makeError(ErrorCode::Io, std::string("eventfd: ") + std::strerror(errno));
    return std::make_shared<Waker>(fd);
}

Waker::~Waker()
{
    ::close(fd_);
}

void Waker::wake() const
{
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is about to overflow: the loop is awake anyway.
    (void)!::write(fd_, &one, sizeof one);
}

void Waker::drain() const
{
    std::uint64_t n = 0;
    (void)!::read(fd_, &n, sizeof n);
}

Status queueBytes(DeviceLink& link, const Waker& waker, std::string_view bytes,
                  std::size_t maxPending, const std::uint64_t* generation)
{
    if (!link.serial) {
        return makeError(ErrorCode::Unsupported,
                         "scanner " + link.id +
                             " is not a serial line: only serial scanners take commands through "
                             "the input loop");
    }
    {
        std::lock_guard lock(link.mutex);
        if (!link.open || (generation != nullptr && *generation != link.generation))
            return makeError(ErrorCode::Io, "scanner " + link.id + " is not connected");
        if (link.outgoing.size() + bytes.size() > maxPending) {
            return makeError(ErrorCode::Busy, "scanner " + link.id + " takes no more data: " +
                                                  std::to_string(link.outgoing.size()) +
                                                  " bytes are still waiting");
        }
        link.outgoing.append(bytes);
    }
    waker.wake();
    return {};
}

namespace {

using std::chrono::milliseconds;

/// Not thread-safe (as every Channel); the link and the waker are.
class LinkChannel final : public firmware_if::Channel {
public:
    LinkChannel(std::shared_ptr<DeviceLink> link, std::shared_ptr<Waker> waker,
                std::size_t maxPending, std::uint64_t generation)
        : link_(std::move(link)),
          waker_(std::move(waker)),
          maxPending_(maxPending),
          generation_(generation)
    {
    }
    ~LinkChannel() override
    {
        std::lock_guard lock(link_->mutex);
        link_->channelAttached = false;
        link_->dropReplies();  // a late reply must not answer the next channel's command
    }
    LinkChannel(const LinkChannel&) = delete;
    LinkChannel& operator=(const LinkChannel&) = delete;

    Status send(const firmware_if::Frame& frame) override
    {
        if (frame.kind == firmware_if::Frame::Kind::Feature)
            return makeError(ErrorCode::Unsupported, "feature report on a serial line");
        return queueBytes(*link_, *waker_, frame.bytes, maxPending_, &generation_);
    }

    Result<std::string> receive(milliseconds timeout) override
    {
        std::unique_lock lock(link_->mutex);
        auto settled = [&] {
            return !link_->replies.empty() || !link_->open || link_->generation != generation_ ||
                   !link_->writeError.empty();
        };
        (void)link_->changed.wait_for(lock, timeout, settled);
        if (!link_->replies.empty()) {
            std::string all;
            all.reserve(link_->replyBytes);
            for (const auto& r : link_->replies)
                all += r;
            link_->dropReplies();
            return all;
        }
        if (!link_->writeError.empty())
            return makeError(ErrorCode::Io, std::exchange(link_->writeError, std::string()));
        if (!link_->open || link_->generation != generation_)
            return makeError(ErrorCode::Io, "the device hung up");
        return std::string();
    }

private:
    std::shared_ptr<DeviceLink> link_;
    std::shared_ptr<Waker> waker_;
    std::size_t maxPending_;
    std::uint64_t generation_;  ///< the device's open this channel talks to
};

}  // namespace

Result<std::unique_ptr<firmware_if::Channel>> openLinkChannel(std::shared_ptr<DeviceLink> link,
                                                              std::shared_ptr<Waker> waker,
                                                              std::size_t maxPending)
{
    if (!link->serial) {
        return makeError(ErrorCode::Unsupported,
                         "scanner " + link->id + " is not a serial line: open its node instead");
    }
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(link->mutex);
        if (!link->open)
            return makeError(ErrorCode::Io, "scanner " + link->id + " is not connected");
        if (link->channelAttached)
            return makeError(ErrorCode::Busy,
                             "scanner " + link->id + " already has a command channel open");
        link->channelAttached = true;
        link->dropReplies();
        link->writeError.clear();
        generation = link->generation;
    }
    return std::unique_ptr<firmware_if::Channel>(
        std::make_unique<LinkChannel>(std::move(link), std::move(waker), maxPending, generation));
}

}  // namespace returnscan::input::detail
