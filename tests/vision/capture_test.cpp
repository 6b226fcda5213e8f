// SPDX-License-Identifier: Apache-2.0
// Sources (image folder, video file through FFmpeg), the newest-frame capture thread, reopen
// with backoff, and camera reads reaching the scanners' de-duplication as ScanEvents.
#include "returnscan/vision/capture.h"

#include <gtest/gtest.h>

#include <opencv2/videoio.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/vision/camera.h"
#include "support/temp_dir.h"
#include "vision/vision_test_support.h"

namespace returnscan::vision {
namespace {

using namespace std::chrono_literals;
using testing::labelFrame;
using tests::TempDir;

constexpr const char* kCode = "RC7K3M9Q2XWR";

/// Writes `count` frames of a label with `text` to dir/name (MJPEG AVI, what the station's
/// clips use) and returns the path.
std::string writeVideo(const TempDir& dir, const std::string& name, int count,
                       const std::string& text)
{
    const cv::Mat frame = labelFrame(640, 480, {{text, ZXing::BarcodeFormat::Code128}}, 2);
    const std::string path = dir.file(name);
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, frame.size());
    EXPECT_TRUE(w.isOpened());
    for (int i = 0; i < count; ++i) {
        w.write(frame);
    }
    w.release();
    return path;
}

TEST(SourceTest, ClassifiesSources)
{
    TempDir dir;
    EXPECT_EQ(classifySource("rtsp://cam.local/stream").value(), SourceKind::Stream);
    EXPECT_EQ(classifySource("HTTP://cam/mjpg").value(), SourceKind::Stream);
    EXPECT_EQ(classifySource("0").value(), SourceKind::V4l2);
    EXPECT_EQ(classifySource(dir.path().string()).value(), SourceKind::ImageFolder);
    EXPECT_EQ(classifySource(dir.write("a.png", "x")).value(), SourceKind::ImageFile);
    EXPECT_EQ(classifySource(dir.write("b.mkv", "x")).value(), SourceKind::VideoFile);
    auto missing = classifySource(dir.file("nope.png"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(SourceTest, ImageFolderReplaysImagesInNameOrderThenEnds)
{
    TempDir dir;
    for (int i : {2, 0, 1}) {
        cv::Mat m(48, 64, CV_8UC3, cv::Scalar(i * 50, 0, 0));
        ASSERT_TRUE(cv::imwrite(dir.file("frame" + std::to_string(i) + ".png"), m));
    }
    dir.write("notes.txt", "not an image");
    CameraConfig c;
    c.source = dir.path().string();
    auto src = openSource(c);
    ASSERT_TRUE(src.ok()) << src.error().message;
    for (int i = 0; i < 3; ++i) {
        auto f = (*src)->read();
        ASSERT_TRUE(f.ok()) << f.error().message;
        EXPECT_EQ(f->width(), 64);
        EXPECT_EQ(f->format(), PixelFormat::Bgr24);
        EXPECT_EQ(f->view().data[0], i * 50) << "frame " << i << " out of order";
    }
    auto end = (*src)->read();
    ASSERT_FALSE(end.ok());
    EXPECT_EQ(end.error().code, ErrorCode::NotFound);
}

TEST(SourceTest, VideoFileFramesDecodeThroughFfmpeg)
{
    TempDir dir;
    const std::string path = writeVideo(dir, "bench.avi", 5, kCode);
    CameraConfig c;
    c.source = path;
    auto src = openSource(c);
    ASSERT_TRUE(src.ok()) << src.error().message;
    const Decoder decoder;
    int frames = 0;
    int reads = 0;
    for (;;) {
        auto f = (*src)->read();
        if (!f) {
            EXPECT_EQ(f.error().code, ErrorCode::NotFound) << f.error().message;
            break;
        }
        EXPECT_EQ(f->sequence, static_cast<std::uint64_t>(frames));
        ++frames;
        auto codes = decoder.decode(f->view());
        ASSERT_TRUE(codes.ok());
        for (const auto& code : *codes) {
            reads += code.text == kCode ? 1 : 0;
        }
    }
    EXPECT_EQ(frames, 5);
    EXPECT_EQ(reads, 5);
}

TEST(SourceTest, UnreadableVideoIsAnError)
{
    TempDir dir;
    CameraConfig c;
    c.source = dir.write("broken.mp4", "this is not a video");
    EXPECT_FALSE(openSource(c).ok());
}

TEST(ReopenDelayTest, DoublesUpToTheCap)
{
    EXPECT_EQ(reopenDelay(1, 250ms, 30s), 250ms);
    EXPECT_EQ(reopenDelay(2, 250ms, 30s), 500ms);
    EXPECT_EQ(reopenDelay(4, 250ms, 30s), 2000ms);
    EXPECT_EQ(reopenDelay(40, 250ms, 30s), 30s);
}

/// A source that yields numbered frames and fails (like an unplugged camera) after `failAfter`.
class FlakySource final : public FrameSource {
public:
    FlakySource(std::atomic<int>& counter, int failAfter) : counter_(counter), left_(failAfter) {}
    Result<Frame> read() override
    {
        if (left_-- <= 0) {
            return makeError(ErrorCode::Io, "unplugged");
        }
        Frame f(8, 8, PixelFormat::Gray8);
        f.sequence = static_cast<std::uint64_t>(counter_++);
        std::this_thread::sleep_for(1ms);
        return f;
    }
    std::string describe() const override { return "flaky"; }

private:
    std::atomic<int>& counter_;
    int left_;
};

TEST(FrameGrabberTest, ReopensAFailedSourceWithBackoff)
{
    std::atomic<int> opens{0};
    std::atomic<int> frames{0};
    FrameGrabber::Options o;
    o.reopenMin = 5ms;
    o.reopenMax = 20ms;
    CameraConfig c;
    c.source = "fake";
    FrameGrabber g(
        c,
        [&](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
            if (opens++ == 1) {
                return makeError(ErrorCode::Io, "device busy");  // the first reopen fails too
            }
            return std::unique_ptr<FrameSource>(std::make_unique<FlakySource>(frames, 3));
        },
        o);
    g.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (g.stats().reopens < 2 && std::chrono::steady_clock::now() < deadline) {
        (void)g.takeNewest(20ms);
    }
    g.stop();
    EXPECT_GE(g.stats().reopens, 2U);
    EXPECT_GE(g.stats().readErrors, 2U);
    EXPECT_GE(opens.load(), 4);
}

TEST(FrameGrabberTest, HandsOnOnlyTheNewestFrame)
{
    std::atomic<int> frames{0};
    CameraConfig c;
    c.source = "fake";
    FrameGrabber g(c, [&](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
        return std::unique_ptr<FrameSource>(std::make_unique<FlakySource>(frames, 1000000));
    });
    g.start();
    auto first = g.takeNewest(1s);
    ASSERT_TRUE(first.has_value());
    // A slow consumer: meanwhile the grabber reads on and keeps only the latest frame.
    // Frames take at least 1 ms each, so 100 ms leave room for many even on a loaded machine.
    std::this_thread::sleep_for(100ms);
    auto next = g.takeNewest(1s);
    ASSERT_TRUE(next.has_value());
    EXPECT_GT(next->sequence, first->sequence + 2) << "a stale buffered frame was handed on";
    g.stop();
    EXPECT_GE(g.stats().framesReplaced, 2U);
}

TEST(CameraReaderTest, CameraReadsBecomeScanEventsDeduplicatedWithScannerReads)
{
    TempDir dir;
    const std::string path = writeVideo(dir, "labels.avi", 6, kCode);
    CameraConfig c;
    c.source = path;
    c.id = "overhead-1";
    c.role = "overhead";
    c.fps = 30;
    c.paced = true;  // replay at the recorded rate, as a camera would deliver
    FrameGrabber grabber(c);
    const Decoder decoder;
    core::SystemClock clock;
    std::mutex m;
    std::vector<core::ScanEvent> events;
    CameraReader reader(grabber, decoder, clock, [&](core::ScanEvent e) {
        std::lock_guard lock(m);
        events.push_back(std::move(e));
    });
    // The handheld scanner read the same label just before the camera saw it.
    core::ScanEvent scanner;
    scanner.device = "handheld-1";
    scanner.transport = core::Transport::Evdev;
    scanner.data = kCode;
    scanner.monotonic = std::chrono::steady_clock::now();
    grabber.start();
    reader.start();
    reader.waitUntilEnded();
    reader.stop();
    grabber.stop();
    ASSERT_FALSE(events.empty());
    const core::ScanEvent& e = events.front();
    EXPECT_EQ(e.data, kCode);
    EXPECT_EQ(e.device, "overhead-1");
    EXPECT_EQ(e.role, "overhead");
    EXPECT_EQ(e.transport, core::Transport::Camera);
    ASSERT_TRUE(e.aim.has_value());
    EXPECT_EQ(e.aim->symbology, core::Symbology::Code128);

    core::ReadDeduplicator dedup(2s);
    EXPECT_TRUE(dedup.admit(scanner));
    int admitted = 0;
    for (const auto& ev : events) {
        admitted += dedup.admit(ev) ? 1 : 0;
    }
    EXPECT_EQ(admitted, 0) << "the camera's reads of the scanned label must be dropped";
}

TEST(CameraReaderTest, ToScanEventDropsReadsWithControlCharacters)
{
    CameraConfig c;
    c.source = "/dev/video0";
    core::SystemClock clock;
    DecodedCode bad;
    bad.text = std::string("RC\x01") + "X";
    EXPECT_FALSE(toScanEvent(bad, c, clock).has_value());
    DecodedCode good;
    good.text = "100045678";
    good.aim = "]Q1";
    auto e = toScanEvent(good, c, clock);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->device, "/dev/video0");
    EXPECT_EQ(e->aim->symbology, core::Symbology::Qr);
}

}  // namespace
}  // namespace returnscan::vision
