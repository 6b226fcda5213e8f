// SPDX-License-Identifier: Apache-2.0
// The descriptor-owning readers of the evdev, hidraw and serial transports.
#include <fcntl.h>
#include <linux/hidraw.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "libusb_reader.h"
#include "returnscan/core/log.h"
#include "returnscan/input/scanner.h"

namespace returnscan::input {
namespace {

std::string errnoText(int e)
{
    return std::strerror(e);
}

/// Closes on destruction unless released.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

class FdReader final : public ScannerReader {
public:
    FdReader(int fd, std::unique_ptr<FrameDecoder> decoder, std::size_t readSize, std::string notes,
             const std::string& deviceId)
        : log_(core::LogCategory::Input, deviceId),
          fd_(fd),
          decoder_(std::move(decoder)),
          readSize_(readSize),
          notes_(std::move(notes)),
          writable_((::fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
    {
    }
    ~FdReader() override { ::close(fd_); }
    FdReader(const FdReader&) = delete;
    FdReader& operator=(const FdReader&) = delete;

    [[nodiscard]] int fd() const override { return fd_; }
    [[nodiscard]] FrameDecoder& decoder() override { return *decoder_; }
    [[nodiscard]] std::string notes() const override { return notes_; }

    [[nodiscard]] ReadStatus onReadable(SteadyTime now, DecodeOutput& out) override
    {
        std::uint8_t buf[4096];
        // Bounded per call so one flooding device cannot starve the others or the timers.
        for (int round = 0; round < 64; ++round) {
            const ssize_t n = ::read(fd_, buf, readSize_);
            if (n > 0) {
                log_.wire("rx", std::string_view(reinterpret_cast<const char*>(buf),
                                                 static_cast<std::size_t>(n)));
                // Replies (SSI ACK) stay in `out`: the loop writes them in order with the
                // commands queued for this device.
                decoder_->feed(std::span(buf, static_cast<std::size_t>(n)), now, out);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return ReadStatus::Ok;
            // 0: end of file (FIFO writer gone, file done); EIO: the pty master or the
            // USB device went away (cdc_acm gives EIO on unplug); ENODEV: evdev/hidraw unplug.
            if (n < 0)
                out.errors.push_back("read failed: " + errnoText(errno));
            decoder_->reset(out);
            return ReadStatus::Hangup;
        }
        return ReadStatus::Ok;
    }

    [[nodiscard]] Result<std::size_t> writeSome(std::string_view bytes) override
    {
        if (!writable_)
            return makeError(ErrorCode::Unsupported, "opened read-only");
        for (;;) {
            const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n >= 0) {
                log_.wire("tx", bytes.substr(0, static_cast<std::size_t>(n)));
                return static_cast<std::size_t>(n);
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return std::size_t{0};
            return makeError(ErrorCode::Io, "write failed: " + errnoText(errno));
        }
    }

private:
    core::Logger log_;  ///< wire level: the bytes read and written
    int fd_;
    std::unique_ptr<FrameDecoder> decoder_;
    std::size_t readSize_;
    std::string notes_;
    bool writable_;
};

Result<int> openNode(const std::string& path, int flags)
{
    const int fd = ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        return makeError(e == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                         "cannot open " + path + ": " + errnoText(e));
    }
    return fd;
}

bool isCharDevice(int fd)
{
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
}

Result<std::unique_ptr<ScannerReader>> openEvdev(const ScannerConfig& cfg, const std::string& path)
{
    auto decoder = makeWedgeDecoder(cfg.wedge);
    if (!decoder)
        return std::move(decoder).takeError();
    auto fdr = openNode(path, O_RDONLY);
    if (!fdr)
        return std::move(fdr).takeError();
    Fd fd(*fdr);
    std::string notes = "layout " + cfg.wedge.layout;
    if (isCharDevice(fd.get())) {
        int version = 0;
        if (::ioctl(fd.get(), EVIOCGVERSION, &version) != 0) {
            return makeError(
                ErrorCode::InvalidArgument,
                path + " is not an evdev device (EVIOCGVERSION: " + errnoText(errno) + ")");
        }
        // Exclusive grab: without it every character also reaches the desktop and whatever
        // window has the focus (a browser address bar...).
        if (::ioctl(fd.get(), EVIOCGRAB, 1) != 0) {
            const int e = errno;
            std::string msg =
                "EVIOCGRAB failed on " + path + ": " + errnoText(e) +
                (e == EBUSY ? " (another program holds the scanner exclusively)" : "") +
                "; its keystrokes would also reach the desktop";
            if (!cfg.allowUngrabbed)
                return makeError(ErrorCode::Busy, msg + ". Device refused.");
            core::Logger(core::LogCategory::Input, cfg.id)
                .warning(msg + "; read anyway (allow_ungrabbed)", {.key = "ungrabbed"});
            notes += "; WARNING: " + msg;
        } else {
            notes += "; grabbed";
        }
    } else {
        notes += "; not a character device (FIFO or file): no grab";
    }
    // Whole input_event structs; a FIFO may still split them, the decoder copes.
    return std::unique_ptr<ScannerReader>(std::make_unique<FdReader>(
        fd.release(), std::move(*decoder), sizeof(input_event) * 64, std::move(notes), cfg.id));
}

Result<std::unique_ptr<ScannerReader>> openHidraw(const ScannerConfig& cfg, const std::string& path)
{
    auto probe = openNode(path, O_RDONLY);
    if (!probe)
        return std::move(probe).takeError();
    int rawFd = *probe;
    const bool chr = isCharDevice(rawFd);
    if (chr) {
        // hidraw wants O_RDWR for output reports (beeper, LEDs; issue 4); reading works
        // without, so keep the read-only descriptor when the rule grants only read.
        if (auto rw = openNode(path, O_RDWR); rw) {
            ::close(rawFd);
            rawFd = *rw;
        }
    }
    Fd fd(rawFd);
    std::vector<std::uint8_t> descriptor = cfg.reportDescriptor;
    if (descriptor.empty() && chr) {
        int size = 0;
        if (::ioctl(fd.get(), HIDIOCGRDESCSIZE, &size) == 0 && size > 0) {
            hidraw_report_descriptor rd{};
            rd.size = static_cast<__u32>(size);
            if (::ioctl(fd.get(), HIDIOCGRDESC, &rd) == 0)
                descriptor.assign(rd.value, rd.value + rd.size);
        }
    }
    std::string profile = cfg.profile;
    std::string notes;
    if (profile.empty()) {
        profile = descriptor.empty() ? "honeywell" : "generic";
        notes = descriptor.empty() ? "profile honeywell (no report descriptor readable)"
                                   : "profile generic (from the report descriptor)";
    } else {
        notes = "profile " + profile;
    }
    const HidPosDriver* driver = findHidPosDriver(profile);
    if (!driver)
        return makeError(ErrorCode::InvalidArgument, "unknown HID POS profile '" + profile + "'");
    auto layout = driver->layout(descriptor);
    if (!layout)
        return std::move(layout).takeError();
    return std::unique_ptr<ScannerReader>(
        std::make_unique<FdReader>(fd.release(), makeHidPosDecoder(*layout, chr),
                                   chr ? 4096 : layout->reportSize * 16, std::move(notes), cfg.id));
}

Result<speed_t> speedFor(unsigned baud)
{
    switch (baud) {
        case 1200:
            return B1200;
        case 2400:
            return B2400;
        case 4800:
            return B4800;
        case 9600:
            return B9600;
        case 19200:
            return B19200;
        case 38400:
            return B38400;
        case 57600:
            return B57600;
        case 115200:
            return B115200;
        case 230400:
            return B230400;
        case 460800:
            return B460800;
        case 921600:
            return B921600;
        default:
            break;
    }
    return makeError(ErrorCode::InvalidArgument,
                     "unsupported baud rate " + std::to_string(baud) +
                         " (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, "
                         "460800, 921600)");
}

Result<std::unique_ptr<ScannerReader>> openSerial(const ScannerConfig& cfg, const std::string& path)
{
    auto speed = speedFor(cfg.baud);
    if (!speed)
        return std::move(speed).takeError();
    auto fdr = openNode(path, O_RDWR | O_NOCTTY);
    if (!fdr && fdr.error().code != ErrorCode::NotFound)
        fdr = openNode(path, O_RDONLY | O_NOCTTY);  // a FIFO or read-only file
    if (!fdr)
        return std::move(fdr).takeError();
    Fd fd(*fdr);
    std::string notes;
    if (::isatty(fd.get())) {
        termios t{};
        if (::tcgetattr(fd.get(), &t) != 0)
            return makeError(ErrorCode::Io, "tcgetattr on " + path + ": " + errnoText(errno));
        ::cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        // CDC-ACM ignores the rate, a real UART does not; set it either way.
        ::cfsetispeed(&t, *speed);
        ::cfsetospeed(&t, *speed);
        if (::tcsetattr(fd.get(), TCSANOW, &t) != 0)
            return makeError(ErrorCode::Io, "tcsetattr on " + path + ": " + errnoText(errno));
        // Keep other openers (ModemManager probing with AT commands) off the port. Our own
        // commands (beep, LED) go through this descriptor: InputLoop::send / openChannel.
        (void)::ioctl(fd.get(), TIOCEXCL);
        notes = "raw " + std::to_string(cfg.baud) + " baud";
    } else {
        notes = "not a tty: no termios";
    }
    std::unique_ptr<FrameDecoder> decoder;
    if (cfg.protocol == SerialProtocol::Ssi) {
        decoder = makeSsiDecoder();
        notes += ", SSI";
    } else if (cfg.honeywellReplies) {
        decoder = makeHoneywellSerialFramer(cfg.suffix);
        notes += ", plain with Honeywell menu replies";
    } else {
        decoder = makePlainFramer(cfg.suffix);
        notes += ", plain";
    }
    return std::unique_ptr<ScannerReader>(
        std::make_unique<FdReader>(fd.release(), std::move(decoder), 4096, std::move(notes), cfg.id));
}

}  // namespace

Result<std::unique_ptr<ScannerReader>> openScanner(const ScannerConfig& config,
                                                   const std::string& path, UsbCalls* usb)
{
    switch (config.transport) {
        case core::Transport::Evdev:
            return openEvdev(config, path);
        case core::Transport::Hidraw:
            return openHidraw(config, path);
        case core::Transport::Serial:
            return openSerial(config, path);
        case core::Transport::Libusb:
            return openLibusbScanner(config, usb);
        case core::Transport::Camera:
        case core::Transport::File:
        case core::Transport::Stdin:
            break;
    }
    return makeError(ErrorCode::InvalidArgument, "transport " +
                                                     std::string(core::toString(config.transport)) +
                                                     " is not a scanner transport");
}

}  // namespace returnscan::input
