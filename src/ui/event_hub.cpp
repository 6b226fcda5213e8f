// SPDX-License-Identifier: Apache-2.0
// Server-sent events: bounded per-client queues, slow-client drop, prompt shutdown.
#include "event_hub.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace returnscan::ui::detail {
namespace {

int portOf(const sockaddr_storage& addr)
{
    if (addr.ss_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, &addr, sizeof in);
        return ntohs(in.sin_port);
    }
    if (addr.ss_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, &addr, sizeof in6);
        return ntohs(in6.sin6_port);
    }
    return -1;
}

/// Whether the peer has closed its side (or the socket failed). Never blocks.
bool peerGone(int socket)
{
    if (socket < 0) {
        return false;
    }
    pollfd p{socket, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

}  // namespace

int findConnectionSocket(int localPort, int remotePort)
{
    if (localPort <= 0 || remotePort <= 0) {
        return -1;
    }
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    int found = -1;
    while (const dirent* entry = ::readdir(dir)) {
        int fd = -1;
        const std::string_view name = entry->d_name;
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{} ||
            fd == ::dirfd(dir)) {
            continue;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
            continue;
        }
        sockaddr_storage local{};
        sockaddr_storage peer{};
        socklen_t localLen = sizeof local;
        socklen_t peerLen = sizeof peer;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLen) != 0 ||
            portOf(local) != localPort ||
            ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLen) != 0 ||
            portOf(peer) != remotePort) {
            continue;
        }
        found = fd;
        break;
    }
    ::closedir(dir);
    return found;
}

std::string EventHub::frame(std::string_view event, const nlohmann::json& data)
{
    std::string out = "event: ";
    out.append(event);
    out += "\ndata: ";
    out += data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "\n\n";
    return out;
}

std::shared_ptr<EventClient> EventHub::connect(std::string first, int socket,
                                               std::size_t maxClients)
{
    auto client = std::make_shared<EventClient>();
    client->socket_ = socket;
    client->queue_.push_back(std::make_shared<const std::string>(std::move(first)));
    std::lock_guard lock(mutex_);
    if (closed_ || clients_.size() >= maxClients) {
        return nullptr;
    }
    clients_.push_back(client);
    return client;
}

void EventHub::disconnect(const std::shared_ptr<EventClient>& client)
{
    if (!client) {
        return;
    }
    std::lock_guard lock(mutex_);
    std::erase(clients_, client);
    std::lock_guard clientLock(client->mutex_);
    client->closed_ = true;
    client->socket_ = -1;  // about to be closed by its thread: never touch it again
}

void EventHub::closeLocked(EventClient& client)
{
    client.closed_ = true;
    client.queue_.clear();
    if (client.socket_ >= 0) {
        // Wakes a thread blocked in send() on a client that stopped reading.
        ::shutdown(client.socket_, SHUT_RDWR);
    }
    client.wake_.notify_all();
}

bool EventHub::enqueueLocked(EventClient& client, std::shared_ptr<const std::string> frame)
{
    if (client.closed_) {
        return true;
    }
    if (client.queue_.size() >= maxQueue_) {
        closeLocked(client);
        return false;
    }
    client.queue_.push_back(std::move(frame));
    client.wake_.notify_one();
    return true;
}

void EventHub::push(EventClient& client, std::string frame)
{
    auto f = std::make_shared<const std::string>(std::move(frame));
    bool kept = false;
    {
        std::lock_guard lock(client.mutex_);
        kept = enqueueLocked(client, std::move(f));
    }
    if (!kept) {
        // Taken after the client's lock is released: the hub's lock always comes first.
        std::lock_guard lock(mutex_);
        ++dropped_;
        std::erase_if(clients_, [&](const auto& c) { return c.get() == &client; });
    }
}

void EventHub::publish(std::string_view event, const nlohmann::json& data)
{
    if (event.empty() || event.find_first_of("\r\n") != std::string_view::npos) {
        return;
    }
    const auto f = std::make_shared<const std::string>(frame(event, data));
    std::lock_guard lock(mutex_);
    std::erase_if(clients_, [&](const std::shared_ptr<EventClient>& client) {
        std::lock_guard clientLock(client->mutex_);
        if (enqueueLocked(*client, f)) {
            return false;
        }
        ++dropped_;
        return true;  // dropped: no longer counted as connected
    });
}

NextFrames EventHub::next(EventClient& client, std::string& out,
                          std::chrono::milliseconds keepAlive, std::chrono::milliseconds tick)
{
    out.clear();
    std::unique_lock lock(client.mutex_);
    const auto deadline = client.lastWrite_ + keepAlive;
    while (!client.closed_ && client.queue_.empty()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            break;
        }
        client.wake_.wait_until(lock, std::min(deadline, now + tick));
        if (!client.closed_ && client.queue_.empty() && peerGone(client.socket_)) {
            client.closed_ = true;
        }
    }
    if (client.closed_) {
        return NextFrames::Closed;
    }
    client.lastWrite_ = std::chrono::steady_clock::now();
    if (client.queue_.empty()) {
        out = ": keep-alive\n\n";
        return NextFrames::KeepAlive;
    }
    // Copied out after the lock is released: publish() must not wait for megabytes of copying.
    std::deque<std::shared_ptr<const std::string>> frames;
    frames.swap(client.queue_);
    lock.unlock();
    for (const auto& f : frames) {
        out += *f;
    }
    return NextFrames::Data;
}

void EventHub::closeAll()
{
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (const auto& client : clients_) {
        std::lock_guard clientLock(client->mutex_);
        closeLocked(*client);
    }
    clients_.clear();
}

std::size_t EventHub::size() const
{
    std::lock_guard lock(mutex_);
    return clients_.size();
}

std::size_t EventHub::dropped() const
{
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace returnscan::ui::detail
