// SPDX-License-Identifier: Apache-2.0
// `returnscan listen` end to end through the real binary: files, FIFOs and ptys.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "input/input_test_support.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace returnscan::tests {
namespace {

using nlohmann::json;

std::vector<json> jsonLines(const std::string& text)
{
    std::vector<json> v;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        v.push_back(json::parse(line, nullptr, false));
    return v;
}

ProcessResult listen(std::vector<std::string> args)
{
    args.insert(args.begin(), {RETURNSCAN_BINARY, "listen"});
    return runProcess(args);
}

TEST(ListenCliTest, SerialFilePrintsOneJsonLinePerReadAndExitsZeroAtEnd)
{
    TempDir dir;
    const std::string dev = dir.write("tty",
                                      "]C0RC7K3M9Q2XWR\r]C1400PO-77\x1d"
                                      "42012345\r");
    auto r = listen({"--transport", "serial", "--device", dev, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto lines = jsonLines(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out;
    EXPECT_EQ(lines[0]["data"], "RC7K3M9Q2XWR");
    EXPECT_EQ(lines[0]["aim"], "]C0");
    EXPECT_EQ(lines[0]["symbology"], "code128");
    EXPECT_EQ(lines[0]["transport"], "serial");
    EXPECT_EQ(lines[0]["device"], dev);
    EXPECT_EQ(lines[1]["data"],
              "400PO-77\x1d"
              "42012345");
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(ListenCliTest, BadFramePrintsAJsonErrorOnStderrAndListeningGoesOn)
{
    TempDir dir;
    const std::string dev = dir.write("tty", "A\x1b[0mB\r\rGOOD1\r");
    auto r = listen({"--transport", "serial", "--device", dev, "--json"});
    ASSERT_EQ(r.status, 0);
    auto out = jsonLines(r.out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]["data"], "GOOD1");
    EXPECT_EQ(out[0]["aim"], nullptr);
    auto err = jsonLines(r.err);
    ASSERT_EQ(err.size(), 1u) << r.err;
    EXPECT_NE(err[0]["error"].get<std::string>().find("control character 0x1b"), std::string::npos);
}

TEST(ListenCliTest, HidrawFileOfReportsDefaultsToHoneywell)
{
    TempDir dir;
    const std::string dev = dir.write("hidraw", honeywellReport("]d2",
                                                                "010400638133393110ABC123\x1d"
                                                                "21XYZ"));
    auto r = listen({"--transport", "hidraw", "--device", dev, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto out = jsonLines(r.out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]["symbology"], "datamatrix");
    EXPECT_EQ(out[0]["transport"], "hidraw");
}

TEST(ListenCliTest, EvdevFileWithGermanKeymap)
{
    TempDir dir;
    const std::string dev = dir.write(
        "event", keyBytes(KEY_Z) + keyBytes(KEY_Y) + keyBytes(KEY_MINUS) + keyBytes(KEY_KPENTER));
    auto r = listen({"--transport", "evdev", "--keymap", "de", "--device", dev, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto out = jsonLines(r.out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]["data"], "yzß");
}

TEST(ListenCliTest, SsiOverAPtyHangupInTheMiddleExitsZero)
{
    Pty pty;
    ASSERT_FALSE(pty.slaveName.empty());
    ProcessResult r;
    std::thread t([&] {
        r = listen({"--transport", "serial", "--protocol", "ssi", "--baud", "115200", "--device",
                    pty.slaveName, "--json"});
    });
    // Wait for the reader to put the line in raw mode, then send one read and half a packet.
    EXPECT_TRUE(pty.waitForRawMode()) << "listen did not open " << pty.slaveName;
    std::vector<std::uint8_t> d{0x03, 'R', 'C', '1'};
    pty.write(input::ssiPacket(input::kSsiDecodeData, 0, 0, d));
    EXPECT_EQ(pty.readBack(2000), input::ssiPacket(input::kSsiCmdAck, 4, 0, {}));
    pty.write(input::ssiPacket(input::kSsiDecodeData, 0, 0, d).substr(0, 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pty.hangup();
    t.join();
    EXPECT_EQ(r.status, 0) << r.err;
    auto out = jsonLines(r.out);
    ASSERT_EQ(out.size(), 1u) << r.out;
    EXPECT_EQ(out[0]["data"], "RC1");
    EXPECT_NE(r.err.find("hangup in the middle of an SSI read"), std::string::npos) << r.err;
}

TEST(ListenCliTest, UsageErrorsExitTwo)
{
    EXPECT_EQ(listen({"--transport", "serial"}).status, 2);
    EXPECT_EQ(listen({"--transport", "usb", "--device", "/dev/null"}).status, 2);
    EXPECT_EQ(listen({"--transport", "serial", "--suffix", "tab", "--device", "/dev/null"}).status,
              2);
    EXPECT_EQ(
        listen({"--transport", "hidraw", "--profile", "acme", "--device", "/dev/null"}).status, 2);
    auto missing = listen({"--transport", "serial", "--device", "/nonexistent/ttyACM0"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("cannot open /nonexistent/ttyACM0"), std::string::npos);
    auto layout = listen({"--transport", "evdev", "--keymap", "xx-none", "--device", "/dev/null"});
    EXPECT_EQ(layout.status, 2);
    EXPECT_NE(layout.err.find("no keyboard layout"), std::string::npos) << layout.err;
    auto notEvdev = listen({"--transport", "evdev", "--device", "/dev/null"});
    EXPECT_EQ(notEvdev.status, 2);
    EXPECT_NE(notEvdev.err.find("not an evdev device"), std::string::npos) << notEvdev.err;
}

}  // namespace
}  // namespace returnscan::tests
