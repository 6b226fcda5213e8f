// SPDX-License-Identifier: Apache-2.0
// The camera worker as the kiosk uses it: the newest frame for evidence bursts (the next n
// frames, a timeout, the recent-frame fallback), the throttled JPEG preview, the state word by
// frame age, decoding on and off, and stop() waking a waiting burst. Frames are fed one at a
// time by the test and time is a test clock, so nothing depends on the machine's speed.
#include "returnscan/vision/capture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/scan_event.h"
#include "returnscan/vision/camera.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/preview.h"
#include "vision/vision_test_support.h"

namespace returnscan::vision {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCode = "RC7K3M9Q2XWR";

/// A core::Clock whose monotonic time only moves when told to; safe to read from the worker
/// while the test advances it (core::ManualClock is not).
class TestClock final : public core::Clock {
public:
    [[nodiscard]] core::Timestamp now() const override { return core::Timestamp{}; }
    [[nodiscard]] std::chrono::steady_clock::time_point monotonic() const override
    {
        return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns_.load()));
    }
    void advance(std::chrono::nanoseconds d) { ns_.fetch_add(d.count()); }

private:
    // Far from the epoch, so that "the newest frame is this old" never underflows.
    std::atomic<std::int64_t> ns_{std::chrono::nanoseconds(1h).count()};
};

/// What the test hands the camera: frames pushed one at a time, then the end of the stream.
struct Feed {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Frame> frames;
    bool closed = false;

    void push(Frame f)
    {
        {
            std::lock_guard lock(mutex);
            frames.push_back(std::move(f));
        }
        cv.notify_all();
    }
};

/// Delivers the feed's frames; while none is queued, a short wait and a skippable error (Parse),
/// so that the capture thread never blocks and stops promptly.
class FeedSource final : public FrameSource {
public:
    explicit FeedSource(std::shared_ptr<Feed> feed) : feed_(std::move(feed)) {}
    Result<Frame> read() override
    {
        std::unique_lock lock(feed_->mutex);
        feed_->cv.wait_for(lock, 5ms, [&] { return !feed_->frames.empty() || feed_->closed; });
        if (!feed_->frames.empty()) {
            Frame f = std::move(feed_->frames.front());
            feed_->frames.pop_front();
            return f;
        }
        if (feed_->closed) {
            return makeError(ErrorCode::NotFound, "end of the feed");
        }
        return makeError(ErrorCode::Parse, "no frame yet");
    }
    std::string describe() const override { return "feed"; }

private:
    std::shared_ptr<Feed> feed_;
};

SourceOpener feedOpener(std::shared_ptr<Feed> feed)
{
    return [feed](const CameraConfig&) -> Result<std::unique_ptr<FrameSource>> {
        return std::unique_ptr<FrameSource>(std::make_unique<FeedSource>(feed));
    };
}

/// A 64x48 grey frame filled with `value`, numbered `sequence`.
Frame flatFrame(std::uint64_t sequence, std::uint8_t value = 128)
{
    Frame f(64, 48, PixelFormat::Gray8);
    std::fill(f.data(), f.data() + 64 * 48, value);
    f.sequence = sequence;
    return f;
}

/// A BGR frame showing a Code 128 label with kCode.
Frame labelledFrame(std::uint64_t sequence)
{
    const cv::Mat m = testing::labelFrame(640, 480, {{kCode, ZXing::BarcodeFormat::Code128}}, 2);
    Frame f = Frame::copyOf(testing::viewOf(m));
    f.sequence = sequence;
    return f;
}

CameraConfig feedConfig()
{
    CameraConfig c;
    c.source = "feed";
    c.id = "overhead-1";
    c.role = "overhead";
    return c;
}

/// Polls `done` for up to 10 s (a loaded 2-core machine); true when it became true.
template <class F>
bool eventually(F done)
{
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

/// A grabber over a feed and a worker without decoding, started.
class FedCameraReaderTest : public ::testing::Test {
protected:
    FedCameraReaderTest() : grabber_(feedConfig(), feedOpener(feed_)), reader_(grabber_, clock_)
    {
        grabber_.start();
        reader_.start();
    }
    ~FedCameraReaderTest() override
    {
        reader_.stop();
        grabber_.stop();
    }

    /// Pushes `f` and waits until the worker has kept it.
    void deliver(Frame f)
    {
        const auto seen = reader_.framesSeen();
        feed_->push(std::move(f));
        ASSERT_TRUE(eventually([&] { return reader_.framesSeen() > seen; }));
    }

    std::shared_ptr<Feed> feed_ = std::make_shared<Feed>();
    TestClock clock_;
    FrameGrabber grabber_;
    CameraReader reader_;
};

TEST_F(FedCameraReaderTest, BurstReturnsTheNextFramesEachOnceOldestFirst)
{
    deliver(flatFrame(1));
    auto burst = std::async(std::launch::async, [&] { return reader_.burst(3, 10s); });
    ASSERT_TRUE(eventually([&] { return reader_.waitingBurstsForTest() == 1; }));
    // Frames keep coming until the burst has its three, as a camera's would.
    std::uint64_t next = 2;
    while (burst.wait_for(5ms) != std::future_status::ready) {
        deliver(flatFrame(next++));
    }
    const std::vector<Frame> frames = burst.get();
    ASSERT_EQ(frames.size(), 3U);
    EXPECT_GT(frames[0].sequence, 1U) << "the frame that was already there is no burst frame";
    EXPECT_LT(frames[0].sequence, frames[1].sequence);
    EXPECT_LT(frames[1].sequence, frames[2].sequence);
    EXPECT_EQ(frames[0].width(), 64);
}

TEST_F(FedCameraReaderTest, BurstGivesFewerFramesWhenTheCameraFallsSilent)
{
    deliver(flatFrame(1));
    const auto started = std::chrono::steady_clock::now();
    auto burst = std::async(std::launch::async, [&] { return reader_.burst(5, 300ms); });
    ASSERT_TRUE(eventually([&] { return reader_.waitingBurstsForTest() == 1; }));
    deliver(flatFrame(2));
    const std::vector<Frame> frames = burst.get();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(frames[0].sequence, 2U);
}

TEST_F(FedCameraReaderTest, BurstFallsBackToTheNewestFrameOnlyWhileItIsRecent)
{
    EXPECT_TRUE(reader_.burst(2, 20ms).empty()) << "no frame yet";
    deliver(flatFrame(7));
    std::vector<Frame> frames = reader_.burst(2, 20ms);
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(frames[0].sequence, 7U);
    clock_.advance(1999ms);
    EXPECT_EQ(reader_.burst(2, 20ms).size(), 1U);
    clock_.advance(1ms);
    EXPECT_TRUE(reader_.burst(2, 20ms).empty()) << "a 2 s old frame is no photo of this parcel";
    EXPECT_TRUE(reader_.burst(0, 20ms).empty());
}

TEST_F(FedCameraReaderTest, PreviewIsEncodedAgainOnlyForANewFrameAfterTheInterval)
{
    EXPECT_FALSE(reader_.previewJpeg().has_value()) << "no frame yet";
    deliver(flatFrame(1, 20));
    const auto first = reader_.previewJpeg();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(readJpegHeader(*first).value().width, 64);
    EXPECT_EQ(reader_.previewEncodes(), 1U);
    EXPECT_EQ(reader_.previewJpeg(), first);
    EXPECT_EQ(reader_.previewEncodes(), 1U) << "same frame: the JPEG is reused";

    deliver(flatFrame(2, 220));
    clock_.advance(149ms);
    EXPECT_EQ(reader_.previewJpeg(), first) << "a new frame, but within 150 ms of the last JPEG";
    EXPECT_EQ(reader_.previewEncodes(), 1U);
    clock_.advance(1ms);
    const auto second = reader_.previewJpeg();
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(second, first);
    EXPECT_EQ(reader_.previewEncodes(), 2U);

    clock_.advance(10s);
    EXPECT_EQ(reader_.previewJpeg(), second) << "no new frame: nothing to encode";
    EXPECT_EQ(reader_.previewEncodes(), 2U);
}

TEST(CameraReaderTest, PreviewIsScaledDownToItsWidth)
{
    auto feed = std::make_shared<Feed>();
    TestClock clock;
    FrameGrabber grabber(feedConfig(), feedOpener(feed));
    CameraReader::Options o;
    o.previewWidth = 320;
    CameraReader reader(grabber, clock, o);
    grabber.start();
    reader.start();
    feed->push(labelledFrame(0));
    ASSERT_TRUE(eventually([&] { return reader.framesSeen() == 1; }));
    const auto jpeg = reader.previewJpeg();
    ASSERT_TRUE(jpeg.has_value());
    EXPECT_EQ(readJpegHeader(*jpeg).value().width, 320);
}

TEST_F(FedCameraReaderTest, StateFollowsTheNewestFramesAge)
{
    EXPECT_EQ(reader_.state(), CameraState::Absent);
    deliver(flatFrame(1));
    EXPECT_EQ(reader_.state(), CameraState::Ok);
    clock_.advance(4999ms);
    EXPECT_EQ(reader_.state(), CameraState::Ok);
    clock_.advance(1ms);
    EXPECT_EQ(reader_.state(), CameraState::Error);
    deliver(flatFrame(2));
    EXPECT_EQ(reader_.state(), CameraState::Ok);
    EXPECT_EQ(toString(CameraState::Absent), "absent");
    EXPECT_EQ(toString(CameraState::Ok), "ok");
    EXPECT_EQ(toString(CameraState::Error), "error");
}

TEST_F(FedCameraReaderTest, StopWakesAWaitingBurstPromptly)
{
    auto burst = std::async(std::launch::async, [&] { return reader_.burst(3, 60s); });
    ASSERT_TRUE(eventually([&] { return reader_.waitingBurstsForTest() == 1; }));
    const auto t0 = std::chrono::steady_clock::now();
    reader_.stop();
    ASSERT_EQ(burst.wait_for(5s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_TRUE(burst.get().empty());
}

TEST_F(FedCameraReaderTest, WithoutDecodingFramesAreKeptButNeverDecoded)
{
    EXPECT_FALSE(reader_.decoding());
    deliver(labelledFrame(1));
    EXPECT_EQ(reader_.framesDecoded(), 0U);
    EXPECT_EQ(reader_.state(), CameraState::Ok);
    EXPECT_EQ(reader_.burst(1, 10ms).size(), 1U);
}

TEST(CameraReaderTest, WithDecodingReadsReachTheSinkAndFramesStayForPhotos)
{
    auto feed = std::make_shared<Feed>();
    TestClock clock;
    FrameGrabber grabber(feedConfig(), feedOpener(feed));
    const Decoder decoder;
    std::mutex m;
    std::vector<core::ScanEvent> events;
    CameraReader reader(grabber, decoder, clock, [&](core::ScanEvent e) {
        std::lock_guard lock(m);
        events.push_back(std::move(e));
    });
    EXPECT_TRUE(reader.decoding());
    grabber.start();
    reader.start();
    feed->push(labelledFrame(0));
    // The frame counts as decoded before its reads reach the sink: wait for the read itself.
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(m);
        return !events.empty();
    }));
    EXPECT_EQ(reader.framesDecoded(), 1U);
    {
        std::lock_guard lock(m);
        ASSERT_EQ(events.size(), 1U);
        EXPECT_EQ(events[0].data, kCode);
        EXPECT_EQ(events[0].device, "overhead-1");
        EXPECT_EQ(events[0].transport, core::Transport::Camera);
    }
    EXPECT_EQ(reader.burst(1, 10ms).size(), 1U);
    reader.stop();
    grabber.stop();
}

TEST(CameraTest, OwnsGrabberDecoderAndWorker)
{
    auto feed = std::make_shared<Feed>();
    TestClock clock;
    std::atomic<int> reads{0};
    Camera decoding(feedConfig(), feedOpener(feed), clock, [&](core::ScanEvent) { ++reads; });
    EXPECT_TRUE(decoding.reader().decoding());
    EXPECT_EQ(decoding.config().id, "overhead-1");
    decoding.start();
    feed->push(labelledFrame(0));
    ASSERT_TRUE(eventually([&] { return reads.load() == 1; }));
    EXPECT_EQ(decoding.state(), CameraState::Ok);
    EXPECT_TRUE(decoding.previewJpeg().has_value());
    auto burst = std::async(std::launch::async, [&] { return decoding.burst(2, 60s); });
    ASSERT_TRUE(eventually([&] { return decoding.reader().waitingBurstsForTest() == 1; }));
    decoding.stop();  // wakes the burst; it falls back to the recent frame
    ASSERT_EQ(burst.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(burst.get().size(), 1U);

    CameraConfig unnamed;
    unnamed.source = "feed";
    Camera quiet(unnamed, feedOpener(std::make_shared<Feed>()), clock, {});
    EXPECT_FALSE(quiet.reader().decoding());
    EXPECT_EQ(quiet.config().id, "feed");
    EXPECT_EQ(quiet.state(), CameraState::Absent);
}

TEST(CameraTest, EndOfTheSourceEndsTheWorkerAndTheStateTurnsToError)
{
    auto feed = std::make_shared<Feed>();
    TestClock clock;
    Camera camera(feedConfig(), feedOpener(feed), clock, {});
    camera.start();
    feed->push(flatFrame(0));
    ASSERT_TRUE(eventually([&] { return camera.reader().framesSeen() == 1; }));
    {
        std::lock_guard lock(feed->mutex);
        feed->closed = true;
    }
    camera.reader().waitUntilEnded();
    EXPECT_EQ(camera.state(), CameraState::Ok);
    clock.advance(5s);
    EXPECT_EQ(camera.state(), CameraState::Error);
}

}  // namespace
}  // namespace returnscan::vision
