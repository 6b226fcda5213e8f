// SPDX-License-Identifier: Apache-2.0
// Scanner devices: configuration, the per-device reader, and the poll() event loop that turns
// their input into core::ScanEvent values (sanitised, de-duplicated). The kiosk and
// `returnscan listen` use the same classes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/result.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/firmware_if/channel.h"
#include "returnscan/input/decoders.h"

namespace returnscan::input {

class UsbCalls;

enum class SerialProtocol { Plain, Ssi };
[[nodiscard]] std::string_view toString(SerialProtocol p);
[[nodiscard]] std::optional<SerialProtocol> parseSerialProtocol(std::string_view s);

/// The device's state as the station shows it: the core's type (the station keeps it).
using DeviceState = core::DeviceState;
using core::toString;

/// One configured scanner. Bound by `path` (a node, a /dev/serial/by-id or /dev/input/by-id
/// path, or a /dev/returnscan/ link) or, when `path` is empty, by `vendorId`:`productId`
/// resolved through udev (see discovery.h).
struct ScannerConfig {
    std::string id;                 ///< device id in events; defaults to the path
    std::string role = "handheld";  ///< role in events
    core::Transport transport = core::Transport::Serial;
    std::string path;
    std::optional<std::uint16_t> vendorId;
    std::optional<std::uint16_t> productId;

    // evdev
    WedgeOptions wedge;
    /// Read a wedge even when EVIOCGRAB fails (its keystrokes then reach the desktop too).
    /// Off by default: such a device is Refused with a loud error.
    bool allowUngrabbed = false;

    // hidraw / libusb
    std::string profile;                         ///< HID POS driver name; empty: automatic
    std::vector<std::uint8_t> reportDescriptor;  ///< overrides the device's own descriptor
    int usbInterface = 0;
    std::uint8_t usbEndpoint = 0x81;

    // serial
    SerialProtocol protocol = SerialProtocol::Plain;
    Suffix suffix = Suffix::Cr;
    unsigned baud = 9600;
    /// Plain protocol: the scanner takes Honeywell menu commands, so its menu replies are told
    /// apart from reads (makeHoneywellSerialFramer). The kiosk sets it for feedback
    /// "honeywell" on a serial scanner.
    bool honeywellReplies = false;
};

/// A bad frame or refused read, reported and then skipped.
struct ReadFailure {
    std::string device;
    std::string role;
    core::Transport transport = core::Transport::Serial;
    std::string message;
    core::Timestamp wallTime{};
};

/// Receives what the loop produces. Called on the loop's thread, from runOnce().
class InputSink {
public:
    virtual ~InputSink() = default;
    virtual void onScan(const core::ScanEvent& event) = 0;
    virtual void onReadFailure(const ReadFailure& failure) = 0;
    virtual void onDeviceState(const std::string& device, DeviceState state,
                               std::string_view detail) = 0;
};

/// An open device: owns its descriptor (O_NONBLOCK|O_CLOEXEC) and its decoder.
class ScannerReader {
public:
    virtual ~ScannerReader() = default;
    /// The descriptor to poll for POLLIN.
    [[nodiscard]] virtual int fd() const = 0;
    enum class ReadStatus { Ok, Hangup };
    /// Reads everything available without blocking and decodes it; what to send back (SSI
    /// ACK) stays in `out.reply` for the loop, which writes it in order with queued commands.
    /// Hangup: end of file, EIO or ENODEV; the partial read is reported in `out.errors`.
    [[nodiscard]] virtual ReadStatus onReadable(SteadyTime now, DecodeOutput& out) = 0;
    [[nodiscard]] virtual FrameDecoder& decoder() = 0;
    /// Writes as much of `bytes` as the device takes now, without blocking; returns the count
    /// written (0: it takes nothing now, poll for POLLOUT). Called by the loop only. Errors:
    /// Unsupported (no way back: evdev, libusb, a FIFO opened read-only), Io (the write failed,
    /// e.g. EIO after an unplug).
    [[nodiscard]] virtual Result<std::size_t> writeSome(std::string_view /*bytes*/)
    {
        return makeError(ErrorCode::Unsupported, "this device takes no bytes");
    }
    /// For libusb readers: a state change reported by the reader thread, consumed once.
    [[nodiscard]] virtual std::optional<std::pair<DeviceState, std::string>> takeState()
    {
        return std::nullopt;
    }
    /// Human-readable notes from opening (e.g. "profile honeywell (no report descriptor)").
    [[nodiscard]] virtual std::string notes() const { return {}; }
};

/// Opens `path` with the transport's real code. `usb` (borrowed, may be null: real libusb)
/// is used only for core::Transport::Libusb. Errors: NotFound (no such node), Io (open or
/// termios failed), Busy (EVIOCGRAB failed and allowUngrabbed is off), InvalidArgument.
[[nodiscard]] Result<std::unique_ptr<ScannerReader>> openScanner(const ScannerConfig& config,
                                                                 const std::string& path,
                                                                 UsbCalls* usb = nullptr);

struct LoopOptions {
    std::chrono::milliseconds dedupWindow{800};  ///< same data, same device: one event
    bool dedupAcrossDevices = false;
    bool reopen = true;  ///< false: a hung-up device is Closed (listen exits at end of input)
    std::chrono::milliseconds backoffMin{250};
    std::chrono::milliseconds backoffMax{8000};
    UsbCalls* usb = nullptr;  ///< borrowed; null: the real libusb
    /// Bytes that may wait for one device (host commands and the loop's own SSI ACKs); send()
    /// answers Busy beyond. SSI packets are at most 259 bytes.
    std::size_t maxPendingWrite = 4096;
    /// Waiting bytes the device takes none of for this long are dropped with an error.
    std::chrono::milliseconds writeTimeout{1000};
};

struct DeviceStatus {
    std::string id;
    std::string path;  ///< the node currently open (empty when absent)
    DeviceState state = DeviceState::Absent;
    std::uint64_t reads = 0;   ///< events passed on
    std::uint64_t errors = 0;  ///< bad frames and refused reads
    std::uint64_t duplicates = 0;
    std::uint64_t opens = 0;
};

/// The event loop: poll() over every device, the udev monitor and timers. Never blocks longer
/// than asked. Single-threaded: everything but send(), openChannel() and currentNode() is
/// called from one thread, and the sink is called from runOnce(). Every descriptor is read and
/// written on that thread only; other threads queue bytes, and a wake-up (eventfd) in the poll
/// set makes the loop write them at once.
class InputLoop {
public:
    InputLoop(const core::Clock& clock, InputSink& sink, LoopOptions options = {});
    ~InputLoop();
    InputLoop(const InputLoop&) = delete;
    InputLoop& operator=(const InputLoop&) = delete;

    /// Adds a device and tries to open it at once; when that fails it is Absent (and
    /// retried with backoff) or Refused. Errors: InvalidArgument for an unusable configuration
    /// (no path and no VID:PID, unknown HID profile, bad layout).
    [[nodiscard]] Status addDevice(ScannerConfig config);

    /// Starts watching udev for add/remove of input, hidraw and tty devices, so that unplug
    /// and replug are seen at once (without it, hangup detection and backoff still work).
    /// Errors: Io when udev is unavailable.
    [[nodiscard]] Status watchHotplug();

    /// Waits at most `maxWait` for input and handles what arrived.
    [[nodiscard]] Status runOnce(std::chrono::milliseconds maxWait);

    /// True when no device is open and none will be reopened.
    [[nodiscard]] bool finished() const;

    [[nodiscard]] std::vector<DeviceStatus> devices() const;

    /// Queues `bytes` for the serial device `deviceId` and wakes the loop. Thread-safe; returns
    /// at once. The loop's thread writes them without blocking, in order with its own replies
    /// (SSI ACK), the rest of a partial write when poll() says the line takes more; bytes the
    /// device takes none of for LoopOptions::writeTimeout are dropped with a read failure.
    /// Errors: NotFound (no device has this id), Unsupported (not a serial device: hidraw
    /// allows a second open for commands, evdev and libusb have no way back), Io (the device
    /// is not open: absent, refused, closed), Busy (over LoopOptions::maxPendingWrite bytes
    /// would wait).
    [[nodiscard]] Status send(const std::string& deviceId, std::string_view bytes);

    /// The node the device `deviceId` is open at now (canonical: /dev/hidraw3 for a scanner
    /// configured by vendor and product ID, or behind a /dev/returnscan/ link), for a second
    /// opener such as HID POS feedback; "usb" for libusb. Thread-safe. Errors: NotFound (no
    /// device has this id), Io (not open now: absent, refused, closed).
    [[nodiscard]] Result<std::string> currentNode(const std::string& deviceId) const;

    /// A command channel (firmware_if::exchange) to the serial device `deviceId` through this
    /// loop, for a line the loop holds exclusively (TIOCEXCL). Its send() queues as send()
    /// does; its receive() returns what the device's decoder set aside as replies to host
    /// commands (DecodeOutput::replies: SSI CMD_ACK/CMD_NAK/REPLY_REVISION, Honeywell menu
    /// replies with ScannerConfig::honeywellReplies), while reads still go to the sink. One
    /// channel per device at a time; the caller owns it and uses it from one thread. Once the
    /// device closes (even if it is reopened) or the loop is destroyed, the channel fails
    /// with Io; it may outlive the loop. Thread-safe.
    /// Errors: NotFound, Unsupported, Io (the device is not open), Busy (a channel is open).
    [[nodiscard]] Result<std::unique_ptr<firmware_if::Channel>> openChannel(
        const std::string& deviceId);

    /// Test hook: what a udev "remove" / "add" of `devnode` would do.
    void deviceRemovedForTest(const std::string& devnode);
    void deviceAddedForTest(const std::string& devnode);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::input
