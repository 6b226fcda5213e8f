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
#include "returnscan/input/decoders.h"

namespace returnscan::input {

class UsbCalls;

enum class SerialProtocol { Plain, Ssi };
[[nodiscard]] std::string_view toString(SerialProtocol p);
[[nodiscard]] std::optional<SerialProtocol> parseSerialProtocol(std::string_view s);

/// The device's state as the station shows it.
enum class DeviceState {
    Absent,   ///< not plugged in (or unplugged); reopened with backoff or on hotplug
    Present,  ///< open and being read
    Refused,  ///< present but not used: the exclusive grab failed (a keyboard wedge would type
              ///< into the desktop), or the device is not what the configuration says
    Stalled,  ///< libusb: the endpoint stalled; the halt is being cleared
    Closed,   ///< hung up and not reopened (the loop was told not to reopen)
};
[[nodiscard]] std::string_view toString(DeviceState s);

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
    /// Reads everything available without blocking and decodes it; sends replies (SSI ACK).
    /// Hangup: end of file, EIO or ENODEV; the partial read is reported in `out.errors`.
    [[nodiscard]] virtual ReadStatus onReadable(SteadyTime now, DecodeOutput& out) = 0;
    [[nodiscard]] virtual FrameDecoder& decoder() = 0;
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

/// The event loop: poll() over every device, the udev monitor and timers. Single-threaded;
/// the sink is called from runOnce(). Never blocks longer than asked.
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

    /// Test hook: what a udev "remove" / "add" of `devnode` would do.
    void deviceRemovedForTest(const std::string& devnode);
    void deviceAddedForTest(const std::string& devnode);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace returnscan::input
