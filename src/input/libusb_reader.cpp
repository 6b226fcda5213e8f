// SPDX-License-Identifier: Apache-2.0
// libusb transport for HID POS scanners that have no hidraw node (usbhid not bound, or a
// kernel without hidraw): interrupt IN transfers on a thread, results handed over a pipe.
#include "libusb_reader.h"

#include <fcntl.h>
#include <libusb.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "returnscan/core/log.h"

namespace returnscan::input {

UsbOutcome classifyUsbResult(int code)
{
    switch (code) {
        case LIBUSB_SUCCESS:
            return UsbOutcome::Data;
        case LIBUSB_ERROR_TIMEOUT:
            return UsbOutcome::Idle;
        case LIBUSB_ERROR_NO_DEVICE:
            return UsbOutcome::Gone;
        case LIBUSB_ERROR_PIPE:
            return UsbOutcome::Stalled;
        case LIBUSB_ERROR_OVERFLOW:
            return UsbOutcome::Overflow;
        case LIBUSB_ERROR_INTERRUPTED:
            return UsbOutcome::Interrupted;
        default:
            return UsbOutcome::Failed;
    }
}

std::string_view toString(UsbOutcome o)
{
    switch (o) {
        case UsbOutcome::Data:
            return "data";
        case UsbOutcome::Idle:
            return "idle";
        case UsbOutcome::Gone:
            return "gone";
        case UsbOutcome::Stalled:
            return "stalled";
        case UsbOutcome::Overflow:
            return "overflow";
        case UsbOutcome::Interrupted:
            return "interrupted";
        case UsbOutcome::Failed:
            return "failed";
    }
    return "failed";
}

namespace {

constexpr unsigned kTransferTimeoutMs = 200;  // bounds how long stop() waits for the thread
constexpr std::size_t kReportBytes = 64;      // HID POS full-speed interrupt packet

class LibusbReader final : public ScannerReader {
public:
    LibusbReader(const ScannerConfig& cfg, UsbCalls& usb, std::unique_ptr<UsbCalls> owned,
                 int readFd, int writeFd, const HidPosLayout& layout)
        : cfg_(cfg),
          log_(core::LogCategory::Input, cfg.id),
          usb_(usb),
          owned_(std::move(owned)),
          readFd_(readFd),
          writeFd_(writeFd),
          decoder_(makeHidPosDecoder(layout, true)),
          thread_([this] { run(); })
    {
    }

    ~LibusbReader() override
    {
        stop_ = true;
        thread_.join();
        usb_.close();
        ::close(readFd_);
        ::close(writeFd_);
    }
    LibusbReader(const LibusbReader&) = delete;
    LibusbReader& operator=(const LibusbReader&) = delete;

    [[nodiscard]] int fd() const override { return readFd_; }
    [[nodiscard]] FrameDecoder& decoder() override { return *decoder_; }
    [[nodiscard]] std::string notes() const override { return "libusb, thread + pipe"; }

    [[nodiscard]] ReadStatus onReadable(SteadyTime now, DecodeOutput& out) override
    {
        char drain[256];
        while (::read(readFd_, drain, sizeof drain) > 0) {
        }
        std::deque<Message> batch;
        {
            std::lock_guard lock(mutex_);
            batch.swap(queue_);
        }
        for (auto& m : batch) {
            if (m.kind == Message::Report) {
                log_.wire("rx", m.text);
                decoder_->feed(
                    std::span(reinterpret_cast<const std::uint8_t*>(m.text.data()), m.text.size()),
                    now, out);
            } else if (m.kind == Message::Error) {
                out.errors.push_back(m.text);
            } else {
                if (m.state != DeviceState::Present)
                    decoder_->reset(out);
                states_.emplace_back(m.state, m.text);
            }
        }
        return ReadStatus::Ok;
    }

    [[nodiscard]] std::optional<std::pair<DeviceState, std::string>> takeState() override
    {
        if (states_.empty())
            return std::nullopt;
        auto s = states_.front();
        states_.pop_front();
        return s;
    }

private:
    struct Message {
        enum Kind { Report, State, Error } kind = Report;
        DeviceState state = DeviceState::Absent;
        std::string text;
    };

    void post(Message m)
    {
        {
            std::lock_guard lock(mutex_);
            // Bounded: a loop that stopped reading must not grow memory without limit.
            if (queue_.size() < 4096)
                queue_.push_back(std::move(m));
        }
        const char wake = 1;
        // The pipe is non-blocking: when it is full the loop is awake already.
        (void)!::write(writeFd_, &wake, 1);
    }

    void postState(DeviceState s, std::string why) { post({Message::State, s, std::move(why)}); }

    void run()
    {
        const std::uint16_t vid = cfg_.vendorId.value_or(0);
        const std::uint16_t pid = cfg_.productId.value_or(0);
        std::atomic<bool> arrived{false};
        const bool hotplug = usb_.registerHotplug(vid, pid, [&arrived](bool in) {
            if (in)
                arrived = true;
        }) == LIBUSB_SUCCESS;
        bool open = false;
        unsigned backoffMs = 250;
        auto nextTry = std::chrono::steady_clock::now();
        while (!stop_) {
            if (!open) {
                if (hotplug)
                    (void)usb_.handleEvents(kTransferTimeoutMs);
                const auto now = std::chrono::steady_clock::now();
                if (!arrived && now < nextTry) {
                    if (!hotplug)
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                arrived = false;
                const int rc = usb_.open(vid, pid, cfg_.usbInterface);
                if (rc == LIBUSB_SUCCESS) {
                    open = true;
                    backoffMs = 250;
                    postState(DeviceState::Present, "opened with libusb");
                } else {
                    nextTry = now + std::chrono::milliseconds(backoffMs);
                    backoffMs = std::min(backoffMs * 2, 8000u);
                }
                continue;
            }
            std::uint8_t buf[kReportBytes];
            int got = 0;
            const int rc = usb_.interruptIn(cfg_.usbEndpoint, buf, static_cast<int>(sizeof buf),
                                            &got, kTransferTimeoutMs);
            switch (classifyUsbResult(rc)) {
                case UsbOutcome::Data:
                    post({Message::Report, DeviceState::Present,
                          std::string(reinterpret_cast<const char*>(buf),
                                      static_cast<std::size_t>(std::max(got, 0)))});
                    break;
                case UsbOutcome::Idle:
                case UsbOutcome::Interrupted:
                    break;
                case UsbOutcome::Gone:
                    usb_.close();
                    open = false;
                    nextTry = std::chrono::steady_clock::now();
                    postState(DeviceState::Absent, "unplugged (LIBUSB_ERROR_NO_DEVICE)");
                    break;
                case UsbOutcome::Stalled:
                    postState(DeviceState::Stalled, "endpoint stalled (LIBUSB_ERROR_PIPE)");
                    if (usb_.clearHalt(cfg_.usbEndpoint) == LIBUSB_SUCCESS) {
                        postState(DeviceState::Present, "halt cleared");
                    } else {
                        usb_.close();
                        open = false;
                        postState(DeviceState::Absent, "halt could not be cleared; reopening");
                    }
                    break;
                case UsbOutcome::Overflow:
                    // The device sent more than one report's worth: the data is incomplete.
                    post({Message::Error, DeviceState::Present,
                          "USB transfer overflow (LIBUSB_ERROR_OVERFLOW): report dropped"});
                    break;
                case UsbOutcome::Failed:
                    post({Message::Error, DeviceState::Present,
                          std::string("USB transfer failed: ") + libusb_error_name(rc)});
                    usb_.close();
                    open = false;
                    nextTry = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
                    postState(DeviceState::Absent, "transfer error; reopening");
                    break;
            }
        }
    }

    ScannerConfig cfg_;
    core::Logger log_;  ///< wire level: the reports read
    UsbCalls& usb_;
    std::unique_ptr<UsbCalls> owned_;
    int readFd_;
    int writeFd_;
    std::unique_ptr<FrameDecoder> decoder_;
    std::mutex mutex_;
    std::deque<Message> queue_;
    std::deque<std::pair<DeviceState, std::string>> states_;
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: starts after everything it uses exists
};

}  // namespace

Result<std::unique_ptr<ScannerReader>> openLibusbScanner(const ScannerConfig& config, UsbCalls* usb)
{
    if (!config.vendorId || !config.productId) {
        return makeError(ErrorCode::InvalidArgument,
                         "the libusb transport binds by VID:PID; none configured");
    }
    const std::string profile = config.profile.empty() ? "honeywell" : config.profile;
    const HidPosDriver* driver = findHidPosDriver(profile);
    if (!driver)
        return makeError(ErrorCode::InvalidArgument, "unknown HID POS profile '" + profile + "'");
    auto layout = driver->layout(config.reportDescriptor);
    if (!layout)
        return std::move(layout).takeError();
    std::unique_ptr<UsbCalls> owned;
    if (usb == nullptr) {
        owned = makeLibusbCalls();
        usb = owned.get();
    }
    int p[2];
    if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
        return makeError(ErrorCode::Io, std::string("pipe2: ") + std::strerror(errno));
    return std::unique_ptr<ScannerReader>(
        std::make_unique<LibusbReader>(config, *usb, std::move(owned), p[0], p[1], *layout));
}

}  // namespace returnscan::input
