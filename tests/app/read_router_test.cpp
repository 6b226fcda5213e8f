// SPDX-License-Identifier: Apache-2.0
// One event path: a real serial scanner (pty) and a real camera reader (image folder) feed one
// ReadRouter, and a label read by both is one event.
#include "read_router.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <vector>

#include "input/input_test_support.h"
#include "returnscan/core/clock.h"
#include "returnscan/input/scanner.h"
#include "returnscan/vision/capture.h"
#include "returnscan/vision/decoder.h"
#include "support/temp_dir.h"

namespace returnscan::app {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCode = "RC7K3M9Q2XWR";  // printed in tests/samples/images

class Collected {
public:
    void add(const core::ScanEvent& e)
    {
        std::lock_guard lock(m_);
        events_.push_back(e);
    }
    [[nodiscard]] std::vector<core::ScanEvent> events() const
    {
        std::lock_guard lock(m_);
        return events_;
    }

private:
    mutable std::mutex m_;
    std::vector<core::ScanEvent> events_;
};

/// Runs the camera over a folder holding `images` (copied from tests/samples/images) until it
/// ends, submitting to `router`. Frames are taken newest first, so only the last image of the
/// folder (in name order) is sure to be decoded.
void runCamera(ReadRouter& router, const std::vector<std::string>& images)
{
    returnscan::tests::TempDir dir;
    for (const auto& name : images) {
        std::filesystem::copy_file(
            std::filesystem::path(RETURNSCAN_SOURCE_DIR) / "tests/samples/images" / name,
            dir.path() / name);
    }
    vision::CameraConfig c;
    c.source = dir.path().string();
    c.id = "overhead-1";
    c.role = "overhead";
    vision::FrameGrabber grabber(c);
    const vision::Decoder decoder;
    core::SystemClock clock;
    vision::CameraReader reader(grabber, decoder, clock, router.cameraSink());
    grabber.start();
    reader.start();
    reader.waitUntilEnded();
    reader.stop();
    grabber.stop();
}

TEST(ReadRouterTest, LabelScannedAndSeenByTheCameraIsOneEvent)
{
    Collected out;
    ReadRouter router(5s, [&](const core::ScanEvent& e) { out.add(e); });

    // The handheld (a serial scanner on a pty, read by the real input loop) scans the label.
    returnscan::tests::Pty pty;
    ASSERT_FALSE(pty.slaveName.empty());
    core::SystemClock clock;
    input::InputLoop loop(clock, router, input::LoopOptions{});
    input::ScannerConfig scanner;
    scanner.id = "handheld-1";
    scanner.transport = core::Transport::Serial;
    scanner.path = pty.slaveName;
    ASSERT_TRUE(loop.addDevice(scanner).ok());
    ASSERT_TRUE(pty.waitForRawMode());
    pty.write(std::string(kCode) + "\r");
    ASSERT_TRUE(returnscan::tests::runUntil(loop, [&] { return out.events().size() == 1; }));

    // Then the overhead camera sees the same label, and later an order label. (One image per
    // run: a camera hands on only its newest frame, so a folder read faster than it decodes
    // may skip images, by design.)
    runCamera(router, {"return_code_code128.png"});
    runCamera(router, {"order_qr.png"});

    const auto events = out.events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].data, kCode);
    EXPECT_EQ(events[0].device, "handheld-1");
    EXPECT_EQ(events[0].transport, core::Transport::Serial);
    EXPECT_EQ(events[1].data, "100045678");
    EXPECT_EQ(events[1].device, "overhead-1");
    EXPECT_EQ(events[1].transport, core::Transport::Camera);
    EXPECT_EQ(router.stats().duplicates, 1u);
    EXPECT_EQ(router.deviceState("handheld-1"), input::DeviceState::Present);
}

TEST(ReadRouterTest, CameraFirstThenScannerIsOneEventToo)
{
    Collected out;
    ReadRouter router(5s, [&](const core::ScanEvent& e) { out.add(e); });
    runCamera(router, {"return_code_code128.png"});
    ASSERT_EQ(out.events().size(), 1u);

    core::ScanEvent handheld;
    handheld.device = "handheld-1";
    handheld.transport = core::Transport::Evdev;
    handheld.data = kCode;
    handheld.monotonic = std::chrono::steady_clock::now();
    EXPECT_FALSE(router.submit(handheld));
    handheld.data = "100045678";
    EXPECT_TRUE(router.submit(handheld));
    EXPECT_EQ(out.events().size(), 2u);
}

}  // namespace
}  // namespace returnscan::app
