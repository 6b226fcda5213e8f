// SPDX-License-Identifier: Apache-2.0
// Server-sent events: one bounded queue per client, filled by publish() and drained by the
// client's connection thread. publish() never waits for a client's socket.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace returnscan::ui::detail {

/// One connected SSE client. Owned jointly by the hub's list and the connection's content
/// provider (whichever ends last frees it): a real case of shared ownership.
class EventClient {
public:
    EventClient() = default;
    EventClient(const EventClient&) = delete;
    EventClient& operator=(const EventClient&) = delete;

private:
    friend class EventHub;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    bool closed_ = false;
    /// The connection's socket while its thread serves it, else -1. Only shut down (never
    /// closed) by other threads, and only under mutex_, so it cannot be a reused number.
    int socket_ = -1;
    std::chrono::steady_clock::time_point lastWrite_ = std::chrono::steady_clock::now();
};

/// What EventHub::next() produced.
enum class NextFrames {
    Data,       ///< `out` holds frames to send
    KeepAlive,  ///< `out` holds a comment line: nothing happened for a keep-alive interval
    Closed,     ///< the client was dropped, hung up, or the hub stopped: end the stream
};

/// The SSE clients of one server. Thread-safe.
class EventHub {
public:
    /// `maxQueue`: frames a client may lag behind before it is dropped.
    explicit EventHub(std::size_t maxQueue) : maxQueue_(maxQueue) {}

    /// Registers a client whose first frames are `first` (the retry line). `socket`: the
    /// connection's descriptor or -1. Null when the hub is closed or `maxClients` are connected.
    [[nodiscard]] std::shared_ptr<EventClient> connect(std::string first, int socket,
                                                       std::size_t maxClients);
    /// Unregisters the client; call before its connection's socket is closed. Idempotent.
    void disconnect(const std::shared_ptr<EventClient>& client);

    /// Appends a frame for one client (the state on connect), subject to the same bound.
    void push(EventClient& client, std::string frame);
    /// Queues "event: <event>\ndata: <data>\n\n" for every client; drops (and disconnects) a
    /// client whose queue is full. Never blocks on a socket. Event names with CR or LF are
    /// ignored.
    void publish(std::string_view event, const nlohmann::json& data);

    /// Waits (on the connection's thread) until frames are queued, `keepAlive` has passed
    /// since the last write, or the client is closed. Checks every `tick` whether the peer
    /// hung up.
    [[nodiscard]] NextFrames next(EventClient& client, std::string& out,
                                  std::chrono::milliseconds keepAlive,
                                  std::chrono::milliseconds tick = std::chrono::milliseconds(250));

    /// Closes every client and refuses new ones (server stop). Their sockets are shut down so
    /// a thread stuck writing to a client that does not read returns at once.
    void closeAll();

    [[nodiscard]] std::size_t size() const;
    /// Clients dropped for lagging behind since the start.
    [[nodiscard]] std::size_t dropped() const;

    /// One SSE frame (exposed for tests). The JSON is written on one line; invalid UTF-8 in
    /// strings is replaced rather than thrown on.
    [[nodiscard]] static std::string frame(std::string_view event, const nlohmann::json& data);

private:
    // Callers hold client.mutex_.
    static void closeLocked(EventClient& client);
    bool enqueueLocked(EventClient& client, std::shared_ptr<const std::string> frame);

    const std::size_t maxQueue_;
    mutable std::mutex mutex_;  // guards clients_, closed_, dropped_; taken before a client's
    std::vector<std::shared_ptr<EventClient>> clients_;
    bool closed_ = false;
    std::size_t dropped_ = 0;
};

/// The descriptor of this process's TCP connection whose local port is `localPort` and peer
/// port `remotePort`, or -1. cpp-httplib 0.11 does not hand the socket to handlers; the SSE
/// code needs it to notice a peer that hung up and to unblock a stuck write. Linux only
/// (/proc/self/fd). Call it on the connection's own thread, while the connection is open.
[[nodiscard]] int findConnectionSocket(int localPort, int remotePort);

}  // namespace returnscan::ui::detail
