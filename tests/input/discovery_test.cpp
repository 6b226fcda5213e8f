// SPDX-License-Identifier: Apache-2.0
// Binding configured scanners to udev devices, enumeration and the monitor, and umockdev.
#include <gtest/gtest.h>

#include <cstdlib>

#include "returnscan/input/discovery.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace returnscan::input {
namespace {

UdevDevice hidraw(std::uint16_t vid, std::uint16_t pid)
{
    UdevDevice d;
    d.subsystem = "hidraw";
    d.devnode = "/dev/hidraw3";
    d.devlinks = {"/dev/returnscan/handheld"};
    d.vendorId = vid;
    d.productId = pid;
    return d;
}

TEST(BindingTest, BindsByVidPidWithinTheTransportsSubsystem)
{
    ScannerConfig c;
    c.transport = core::Transport::Hidraw;
    c.vendorId = 0x0c2e;
    c.productId = 0x0b8f;
    EXPECT_TRUE(bindsTo(c, hidraw(0x0c2e, 0x0b8f)));
    EXPECT_FALSE(bindsTo(c, hidraw(0x0c2e, 0x0b81)));
    UdevDevice tty = hidraw(0x0c2e, 0x0b8f);
    tty.subsystem = "tty";
    EXPECT_FALSE(bindsTo(c, tty));
}

TEST(BindingTest, BindsByNodeOrByLink)
{
    ScannerConfig c;
    c.transport = core::Transport::Hidraw;
    c.path = "/dev/returnscan/handheld";
    EXPECT_TRUE(bindsTo(c, hidraw(1, 2)));
    c.path = "/dev/hidraw3";
    EXPECT_TRUE(bindsTo(c, hidraw(1, 2)));
    c.path = "/dev/serial/by-id/usb-Honeywell_1470g-if00";
    EXPECT_FALSE(bindsTo(c, hidraw(1, 2)));
}

TEST(BindingTest, WedgeBindsOnlyTheKeyboardEventNode)
{
    ScannerConfig c;
    c.transport = core::Transport::Evdev;
    c.vendorId = 0x05e0;
    c.productId = 0x1200;
    UdevDevice d;
    d.subsystem = "input";
    d.devnode = "/dev/input/event7";
    d.vendorId = 0x05e0;
    d.productId = 0x1200;
    EXPECT_FALSE(bindsTo(c, d));
    d.keyboard = true;
    EXPECT_TRUE(bindsTo(c, d));
    d.devnode = "/dev/input/mouse2";
    EXPECT_FALSE(bindsTo(c, d));
}

TEST(BindingTest, FollowsASymlinkConfiguredAsThePath)
{
    tests::TempDir dir;
    const std::string link = dir.file("handheld");
    ASSERT_EQ(::symlink("/dev/null", link.c_str()), 0);
    ScannerConfig c;
    c.transport = core::Transport::Serial;
    c.path = link;
    UdevDevice d;
    d.subsystem = "tty";
    d.devnode = "/dev/null";
    EXPECT_TRUE(bindsTo(c, d));
}

TEST(UdevTest, EnumeratesTtyDevicesWhenSysfsIsThere)
{
    auto list = enumerateDevices("tty");
    if (!list.ok())
        GTEST_SKIP() << "udev enumeration unavailable here: " << list.error().message;
    if (list->empty())
        GTEST_SKIP() << "no tty devices in this container's sysfs";
    for (const auto& d : *list) {
        EXPECT_EQ(d.subsystem, "tty");
        EXPECT_EQ(d.devnode.rfind("/dev/", 0), 0u) << d.devnode;
    }
}

TEST(UdevTest, MonitorOpensAndHasNothingPendingWithoutHotplug)
{
    auto m = openUdevMonitor();
    if (!m.ok())
        GTEST_SKIP() << "no udev netlink monitor here (container without udev): "
                     << m.error().message;
    EXPECT_GE((*m)->fd(), 0);
    (void)(*m)->receive();  // must not block
}

// umockdev's evdev emulation: umockdev-run fakes /dev/input/event99 and plays evemu events
// into it while `returnscan listen` reads it. It needs recorded ioctls for EVIOCGVERSION and
// EVIOCGRAB (umockdev-record on real hardware); without them the node is refused, and then
// this test skips and says why.
TEST(UmockdevTest, ListenReadsEvemuEventsFromAnEmulatedNode)
{
    if (std::system("command -v umockdev-run >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "umockdev-run is not installed (Debian package umockdev)";
    tests::TempDir dir;
    const std::string dev =
        dir.write("kbd.umockdev",
                  "P: /devices/virtual/input/input99/event99\nN: input/event99\n"
                  "E: DEVNAME=/dev/input/event99\nE: SUBSYSTEM=input\nE: ID_INPUT=1\n"
                  "E: ID_INPUT_KEYBOARD=1\nA: dev=13:99\n");
    std::string events;
    double t = 0.1;
    for (int code : {19, 46, 8, 28}) {  // r c 7 Enter
        for (int v : {1, 0}) {
            char line[96];
            std::snprintf(line, sizeof line, "E: %.6f 0001 %04x %04d\nE: %.6f 0000 0000 0000\n", t,
                          code, v, t);
            events += line;
            t += 0.002;
        }
    }
    const std::string ev = dir.write("kbd.events", events);
    auto r =
        tests::runProcess({"/usr/bin/umockdev-run", "-d", dev, "-e", "/dev/input/event99=" + ev,
                           "--", RETURNSCAN_BINARY, "listen", "--transport", "evdev", "--device",
                           "/dev/input/event99", "--json"});
    if (r.status != 0) {
        GTEST_SKIP() << "umockdev evdev emulation does not work here without recorded ioctls "
                        "(exit "
                     << r.status << "): " << r.err.substr(0, 300);
    }
    EXPECT_NE(r.out.find("\"data\":\"rc7\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace returnscan::input
