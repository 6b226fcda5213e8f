// SPDX-License-Identifier: Apache-2.0
// The libusb transport against a fake at the libusb call boundary: reports, and the mapping of
// NO_DEVICE, TIMEOUT, PIPE and OVERFLOW to device states.
#include <gtest/gtest.h>
#include <libusb.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "input/input_test_support.h"
#include "returnscan/input/scanner.h"
#include "returnscan/input/usb.h"

namespace returnscan::input {
namespace {

using namespace std::chrono_literals;

/// Scripted libusb: each interruptIn() pops the next step; an empty script is a TIMEOUT.
class FakeUsbCalls final : public UsbCalls {
public:
    struct Step {
        int rc = LIBUSB_SUCCESS;
        std::string report;
    };

    void push(int rc, std::string report = {})
    {
        std::lock_guard lock(mutex_);
        steps_.push_back({rc, std::move(report)});
    }
    void setPresent(bool present)
    {
        std::lock_guard lock(mutex_);
        present_ = present;
        pendingHotplug_ = present;
    }

    int open(std::uint16_t vendorId, std::uint16_t productId, int /*iface*/) override
    {
        std::lock_guard lock(mutex_);
        ++opens;
        lastVid = vendorId;
        lastPid = productId;
        return present_ ? LIBUSB_SUCCESS : LIBUSB_ERROR_NO_DEVICE;
    }
    int interruptIn(std::uint8_t endpoint, std::uint8_t* buffer, int length, int* transferred,
                    unsigned timeoutMs) override
    {
        Step s{LIBUSB_ERROR_TIMEOUT, {}};
        {
            std::lock_guard lock(mutex_);
            lastEndpoint = endpoint;
            if (!steps_.empty()) {
                s = steps_.front();
                steps_.pop_front();
            }
        }
        if (s.rc == LIBUSB_ERROR_TIMEOUT) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeoutMs, 5u)));
            return s.rc;
        }
        const int n = std::min(length, static_cast<int>(s.report.size()));
        std::memcpy(buffer, s.report.data(), static_cast<std::size_t>(n));
        *transferred = n;
        if (s.rc == LIBUSB_ERROR_NO_DEVICE) {
            std::lock_guard lock(mutex_);
            present_ = false;
        }
        return s.rc;
    }
    int clearHalt(std::uint8_t /*endpoint*/) override
    {
        ++halts;
        return LIBUSB_SUCCESS;
    }
    void close() override {}
    int registerHotplug(std::uint16_t, std::uint16_t, std::function<void(bool)> cb) override
    {
        std::lock_guard lock(mutex_);
        hotplug_ = std::move(cb);
        return LIBUSB_SUCCESS;
    }
    int handleEvents(unsigned /*timeoutMs*/) override
    {
        std::function<void(bool)> cb;
        {
            std::lock_guard lock(mutex_);
            if (!pendingHotplug_)
                return LIBUSB_SUCCESS;
            pendingHotplug_ = false;
            cb = hotplug_;
        }
        if (cb)
            cb(true);
        return LIBUSB_SUCCESS;
    }

    std::atomic<int> opens{0};
    std::atomic<int> halts{0};
    std::uint16_t lastVid = 0, lastPid = 0;
    std::uint8_t lastEndpoint = 0;

private:
    std::mutex mutex_;
    std::deque<Step> steps_;
    bool present_ = true;
    bool pendingHotplug_ = false;
    std::function<void(bool)> hotplug_;
};

ScannerConfig usbConfig()
{
    ScannerConfig c;
    c.id = "hidpos-usb";
    c.transport = core::Transport::Libusb;
    c.vendorId = 0x0c2e;
    c.productId = 0x0b8f;
    return c;
}

TEST(UsbOutcomeTest, LibusbCodesMapToDeviceOutcomes)
{
    EXPECT_EQ(classifyUsbResult(LIBUSB_SUCCESS), UsbOutcome::Data);
    EXPECT_EQ(classifyUsbResult(LIBUSB_ERROR_TIMEOUT), UsbOutcome::Idle);
    EXPECT_EQ(classifyUsbResult(LIBUSB_ERROR_NO_DEVICE), UsbOutcome::Gone);
    EXPECT_EQ(classifyUsbResult(LIBUSB_ERROR_PIPE), UsbOutcome::Stalled);
    EXPECT_EQ(classifyUsbResult(LIBUSB_ERROR_OVERFLOW), UsbOutcome::Overflow);
    EXPECT_EQ(classifyUsbResult(LIBUSB_ERROR_IO), UsbOutcome::Failed);
    EXPECT_EQ(toString(UsbOutcome::Gone), "gone");
}

TEST(LibusbReaderTest, ReportsBecomeEventsAndTimeoutsKeepTheDevicePresent)
{
    FakeUsbCalls usb;
    core::SystemClock clock;
    tests::CollectingSink sink;
    LoopOptions o;
    o.usb = &usb;
    InputLoop loop(clock, sink, o);
    usb.push(LIBUSB_ERROR_TIMEOUT);
    usb.push(LIBUSB_SUCCESS, tests::honeywellReport("]C0", "RC7K3M9Q2XWR"));
    usb.push(LIBUSB_ERROR_TIMEOUT);
    usb.push(LIBUSB_SUCCESS, tests::honeywellReport("]E0", "4006381333931"));
    ASSERT_TRUE(loop.addDevice(usbConfig()).ok());
    ASSERT_TRUE(tests::runUntil(loop, [&] { return sink.scans.size() == 2; }));
    EXPECT_EQ(sink.scans[0].transport, core::Transport::Libusb);
    EXPECT_EQ(sink.scans[1].data, "4006381333931");
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Present);
    EXPECT_EQ(usb.lastVid, 0x0c2e);
    EXPECT_EQ(usb.lastEndpoint, 0x81);
}

TEST(LibusbReaderTest, PipeStallIsClearedAndOverflowIsACountedError)
{
    FakeUsbCalls usb;
    core::SystemClock clock;
    tests::CollectingSink sink;
    LoopOptions o;
    o.usb = &usb;
    InputLoop loop(clock, sink, o);
    usb.push(LIBUSB_ERROR_PIPE);
    usb.push(LIBUSB_ERROR_OVERFLOW);
    usb.push(LIBUSB_SUCCESS, tests::honeywellReport("]C0", "AFTER"));
    ASSERT_TRUE(loop.addDevice(usbConfig()).ok());
    ASSERT_TRUE(tests::runUntil(loop, [&] { return sink.scans.size() == 1; }));
    EXPECT_TRUE(sink.sawState(DeviceState::Stalled));
    EXPECT_EQ(usb.halts.load(), 1);
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Present);
    ASSERT_EQ(sink.failures.size(), 1u);
    EXPECT_NE(sink.failures[0].find("OVERFLOW"), std::string::npos);
    EXPECT_EQ(loop.devices()[0].errors, 1u);
}

TEST(LibusbReaderTest, NoDeviceMarksAbsentAndHotplugArrivalReopens)
{
    FakeUsbCalls usb;
    core::SystemClock clock;
    tests::CollectingSink sink;
    LoopOptions o;
    o.usb = &usb;
    InputLoop loop(clock, sink, o);
    usb.push(LIBUSB_ERROR_NO_DEVICE);
    ASSERT_TRUE(loop.addDevice(usbConfig()).ok());
    // The device starts out Absent, so wait for Absent *after* Present: the open was seen,
    // then the unplug (waiting only for Absent raced with the reader thread under load).
    ASSERT_TRUE(tests::runUntil(
        loop,
        [&] {
            return sink.sawState(DeviceState::Present) &&
                   loop.devices()[0].state == DeviceState::Absent;
        },
        2000ms));
    const int opensWhileAbsent = usb.opens;
    usb.push(LIBUSB_SUCCESS, tests::honeywellReport("]C0", "REPLUGGED"));
    usb.setPresent(true);  // the hotplug callback fires from handleEvents()
    ASSERT_TRUE(tests::runUntil(
        loop, [&] { return sink.scans.size() == 1; }, 2000ms));
    EXPECT_EQ(sink.scans[0].data, "REPLUGGED");
    EXPECT_GT(usb.opens, opensWhileAbsent);
    EXPECT_EQ(loop.devices()[0].state, DeviceState::Present);
}

TEST(LibusbReaderTest, WithoutVidPidTheConfigurationIsRefused)
{
    FakeUsbCalls usb;
    core::SystemClock clock;
    tests::CollectingSink sink;
    LoopOptions o;
    o.usb = &usb;
    o.reopen = false;
    InputLoop loop(clock, sink, o);
    ScannerConfig c;
    c.transport = core::Transport::Libusb;
    c.path = "usb";
    EXPECT_FALSE(loop.addDevice(c).ok());
}

}  // namespace
}  // namespace returnscan::input
