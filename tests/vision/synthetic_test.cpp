// SPDX-License-Identifier: Apache-2.0
// The simulated bench camera: its label reads back with the vision Decoder (in the frame and in
// a saved photo), its frames pass the photo quality gate, blurred and dark frames fail it, its
// source strings, pacing, thread-safe control, and use through FrameGrabber.
#include "returnscan/vision/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "returnscan/vision/capture.h"
#include "returnscan/vision/decoder.h"
#include "returnscan/vision/photo.h"
#include "support/temp_dir.h"

namespace returnscan::vision {
namespace {

using tests::TempDir;

constexpr const char* kOrder = "100045678";
constexpr const char* kCode = "RC7K3M9Q2XWR";

SyntheticOptions unpaced(int width = 1280, int height = 720)
{
    SyntheticOptions o;
    o.width = width;
    o.height = height;
    o.fps = 0;
    return o;
}

Frame readOne(SyntheticSource& source)
{
    auto f = source.read();
    EXPECT_TRUE(f.ok()) << f.error().message;
    return f.ok() ? std::move(f).value() : Frame();
}

std::vector<std::string> texts(const Decoder& decoder, const Frame& frame)
{
    auto r = decoder.decode(frame.view());
    EXPECT_TRUE(r.ok()) << r.error().message;
    std::vector<std::string> out;
    if (r.ok()) {
        for (const auto& c : *r) {
            out.push_back(c.text);
        }
    }
    return out;
}

bool samePixels(const Frame& a, const Frame& b)
{
    const FrameView va = a.view();
    const FrameView vb = b.view();
    return va.width == vb.width && va.height == vb.height &&
           std::memcmp(va.data, vb.data, static_cast<std::size_t>(va.stride) * va.height) == 0;
}

PhotoRequest request(const TempDir& dir)
{
    PhotoRequest r;
    r.outDir = dir.path().string();
    r.order = kOrder;
    r.code = kCode;
    r.station = "dock-3";
    r.role = PhotoRole::Label;
    r.takenAt = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + std::chrono::hours{13};
    return r;
}

TEST(SyntheticSourceTest, SourceStrings)
{
    EXPECT_TRUE(isSyntheticSource("synthetic:"));
    EXPECT_TRUE(isSyntheticSource("synthetic:640x480"));
    EXPECT_FALSE(isSyntheticSource("synthetic"));
    EXPECT_FALSE(isSyntheticSource("/dev/video0"));
    EXPECT_FALSE(isSyntheticSource("Synthetic:"));

    auto o = parseSyntheticSource("synthetic:");
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->width, 1280);
    EXPECT_EQ(o->height, 720);
    EXPECT_EQ(o->fps, 10);
    o = parseSyntheticSource("synthetic:1920x1080");
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->width, 1920);
    EXPECT_EQ(o->height, 1080);
    for (const char* bad :
         {"synthetic:abc", "synthetic:640", "synthetic:640x", "synthetic:x480",
          "synthetic:640x480x", "synthetic:+640x480", "synthetic: 640x480", "synthetic:640X480",
          "synthetic:0x0", "synthetic:63x480", "synthetic:7681x480", "synthetic:640x4321",
          "synthetic:99999999999999999999x480", "/dev/video0"}) {
        auto r = parseSyntheticSource(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument) << bad;
    }

    auto source = openSynthetic("synthetic:320x240");
    ASSERT_TRUE(source.ok());
    EXPECT_EQ((*source)->describe(), "synthetic 320x240 10 fps");
    EXPECT_FALSE(openSynthetic("synthetic:big").ok());
}

TEST(SyntheticSourceTest, FramesAreBgrOfTheSizeAndDiffer)
{
    SyntheticSource source(unpaced(640, 360));
    const Frame a = readOne(source);
    const Frame b = readOne(source);
    EXPECT_EQ(a.width(), 640);
    EXPECT_EQ(a.height(), 360);
    EXPECT_EQ(a.format(), PixelFormat::Bgr24);
    EXPECT_EQ(a.sequence, 0U);
    EXPECT_EQ(b.sequence, 1U);
    EXPECT_FALSE(samePixels(a, b));
    // Deterministic: a second source with the same seed gives the same frames.
    SyntheticSource again(unpaced(640, 360));
    EXPECT_TRUE(samePixels(a, readOne(again)));
}

TEST(SyntheticSourceTest, TheLabelDecodesWithTheDefaultDecoder)
{
    const Decoder decoder;  // default camera options: station symbols, Balanced
    for (const auto& [w, h] : std::vector<std::pair<int, int>>{{1280, 720}, {1920, 1080}}) {
        SyntheticSource source(unpaced(w, h));
        for (const char* label : {kOrder, kCode, "RETURN-0042 / bench 3"}) {
            source.setLabel(label);
            for (int i = 0; i < 3; ++i) {
                EXPECT_EQ(texts(decoder, readOne(source)), std::vector<std::string>{label})
                    << w << "x" << h << " frame " << i;
            }
        }
    }
    // Smaller frames still carry a readable label (at 2 px per module).
    SyntheticSource small(unpaced(640, 480));
    small.setLabel(kOrder);
    EXPECT_EQ(texts(decoder, readOne(small)), std::vector<std::string>{kOrder});
}

TEST(SyntheticSourceTest, WithoutALabelNothingDecodes)
{
    const Decoder decoder;
    DecodeOptions thorough;
    thorough.effort = Effort::Thorough;
    const Decoder hard(thorough);
    SyntheticSource source(unpaced());
    for (int i = 0; i < 3; ++i) {
        const Frame f = readOne(source);
        EXPECT_TRUE(texts(decoder, f).empty()) << i;
        EXPECT_TRUE(texts(hard, f).empty()) << i;
    }
    // And the label goes away again.
    source.setLabel(kOrder);
    EXPECT_FALSE(texts(decoder, readOne(source)).empty());
    source.setLabel(std::nullopt);
    EXPECT_TRUE(texts(decoder, readOne(source)).empty());
}

TEST(SyntheticSourceTest, TextCode128CannotCarryIsPrintedWithoutBars)
{
    const Decoder decoder;
    SyntheticSource source(unpaced());
    for (const std::string& label : {std::string("caf\xC3\xA9 \xE2\x9C\x93"), std::string(200, '7'),
                                     std::string(), std::string("\x01\x02", 2)}) {
        source.setLabel(label);
        const Frame f = readOne(source);
        EXPECT_EQ(f.width(), 1280);
        for (const auto& t : texts(decoder, f)) {
            EXPECT_EQ(t, label);  // whatever is read is the label itself, never something else
        }
    }
}

TEST(SyntheticSourceTest, ABurstPassesTheQualityGate)
{
    const QualityThresholds defaults;
    for (const bool labelled : {false, true}) {
        for (const auto& [w, h] :
             std::vector<std::pair<int, int>>{{1280, 720}, {1920, 1080}, {640, 480}}) {
            SyntheticSource source(unpaced(w, h));
            if (labelled) {
                source.setLabel(kOrder);
            }
            for (int i = 0; i < 5; ++i) {
                const Frame f = readOne(source);
                const Quality q = assessQuality(f.view(), defaults);
                EXPECT_EQ(q.refusal, "")
                    << w << "x" << h << " labelled " << labelled << " sharpness " << q.sharpness
                    << " exposure " << q.exposure << " clipped " << q.clipped;
                EXPECT_GT(q.sharpness, 2 * defaults.minSharpness);
                EXPECT_GT(q.exposure, defaults.minExposure + 30);
                EXPECT_LT(q.exposure, defaults.maxExposure - 30);
            }
        }
    }
}

TEST(SyntheticSourceTest, BlurredFramesAreTooBlurryAndDarkOnesTooDark)
{
    const QualityThresholds defaults;
    for (const auto& [w, h] :
         std::vector<std::pair<int, int>>{{1280, 720}, {1920, 1080}, {640, 480}}) {
        for (const bool labelled : {false, true}) {
            SyntheticSource source(unpaced(w, h));
            if (labelled) {
                source.setLabel(kCode);
            }
            source.setBlurred(true);
            for (int i = 0; i < 3; ++i) {
                const Quality q = assessQuality(readOne(source).view(), defaults);
                EXPECT_EQ(q.refusal, "too_blurry")
                    << w << "x" << h << " sharpness " << q.sharpness << " exposure " << q.exposure;
                EXPECT_LT(q.sharpness, defaults.minSharpness / 2);
            }
            source.setBlurred(false);
            source.setDark(true);
            for (int i = 0; i < 3; ++i) {
                const Quality q = assessQuality(readOne(source).view(), defaults);
                EXPECT_EQ(q.refusal, "too_dark") << w << "x" << h << " exposure " << q.exposure;
            }
            source.setBlurred(true);  // dark and blurred: the cause to fix first is the light
            EXPECT_EQ(assessQuality(readOne(source).view(), defaults).refusal, "too_dark");
            source.setBlurred(false);
            source.setDark(false);
            EXPECT_EQ(assessQuality(readOne(source).view(), defaults).refusal, "");
        }
    }
}

TEST(SyntheticSourceTest, SavedPhotoShowsTheOrderLabel)
{
    TempDir dir;
    SyntheticSource source(unpaced());
    source.setLabel(kOrder);
    const Frame f = readOne(source);
    auto outcome = savePhoto(f.view(), request(dir));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->refused()) << outcome->quality.refusal;
    EXPECT_TRUE(outcome->saved->orderLabelVisible);
    EXPECT_EQ(outcome->saved->codesSeen, std::vector<std::string>{kOrder});
    EXPECT_GT(outcome->saved->height, 720);  // the caption band

    // The saved JPEG, caption band and all, still reads with the default decoder.
    auto photo = readImageFile(outcome->saved->path);
    ASSERT_TRUE(photo.ok()) << photo.error().message;
    EXPECT_EQ(texts(Decoder(), *photo), std::vector<std::string>{kOrder});

    // takePhoto straight from the source: burst, sharpest, saved, label seen.
    auto taken = takePhoto(source, 5, request(dir));
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    ASSERT_FALSE(taken->refused());
    EXPECT_TRUE(taken->saved->orderLabelVisible);

    // Without the label the photo is saved but shows no order label; blurred it is refused.
    source.setLabel(std::nullopt);
    auto unlabelled = takePhoto(source, 3, request(dir));
    ASSERT_TRUE(unlabelled.ok());
    ASSERT_FALSE(unlabelled->refused());
    EXPECT_FALSE(unlabelled->saved->orderLabelVisible);
    source.setBlurred(true);
    auto blurred = takePhoto(source, 3, request(dir));
    ASSERT_TRUE(blurred.ok());
    EXPECT_TRUE(blurred->refused());
    EXPECT_EQ(blurred->quality.refusal, "too_blurry");
}

TEST(SyntheticSourceTest, PacedAtTheFrameRate)
{
    SyntheticOptions o = unpaced(320, 240);
    o.fps = 50;  // 20 ms apart
    SyntheticSource source(o);
    EXPECT_EQ(source.describe(), "synthetic 320x240 50 fps");
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(source.read().ok());
    }
    // The first frame is immediate, the five after it are due 20 ms apart.
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(95));
    EXPECT_EQ(SyntheticSource(unpaced(320, 240)).describe(), "synthetic 320x240 unpaced");
}

TEST(SyntheticSourceTest, ControlIsThreadSafe)
{
    const auto control = std::make_shared<SyntheticControl>();
    SyntheticSource source(unpaced(640, 360), control);
    EXPECT_EQ(source.control(), control);
    std::atomic<bool> stop{false};
    std::thread driver([&] {
        int i = 0;
        while (!stop.load()) {
            control->setLabel(i % 3 == 0 ? std::nullopt
                                         : std::optional<std::string>(std::to_string(i)));
            control->setBlurred(i % 5 == 0);
            control->setDark(i % 7 == 0);
            ++i;
        }
    });
    for (int i = 0; i < 40; ++i) {
        EXPECT_TRUE(source.read().ok());
    }
    stop = true;
    driver.join();
    control->setLabel(kCode);
    control->setBlurred(false);
    control->setDark(false);
    const SyntheticControl::State s = control->state();
    EXPECT_EQ(s.label, std::optional<std::string>(kCode));
    EXPECT_EQ(texts(Decoder(), readOne(source)), std::vector<std::string>{kCode});
}

TEST(SyntheticSourceTest, OpenerFeedsAFrameGrabber)
{
    const auto control = std::make_shared<SyntheticControl>();
    std::vector<std::string> handedOn;
    const SourceOpener fallback =
        [&handedOn](const CameraConfig& c) -> Result<std::unique_ptr<FrameSource>> {
        handedOn.push_back(c.source);
        return makeError(ErrorCode::NotFound, "no such camera");
    };
    const SourceOpener opener = syntheticOpener(control, fallback);

    // Non-synthetic sources go to the fallback (openSource in the kiosk).
    CameraConfig other;
    other.source = "/dev/video9";
    EXPECT_EQ(opener(other).error().code, ErrorCode::NotFound);
    EXPECT_EQ(handedOn, std::vector<std::string>{"/dev/video9"});
    CameraConfig bad;
    bad.source = "synthetic:huge";
    EXPECT_EQ(opener(bad).error().code, ErrorCode::InvalidArgument);

    // The size from the config when the string gives none; the pace from config.fps.
    CameraConfig sized;
    sized.source = "synthetic:";
    sized.width = 800;
    sized.height = 600;
    sized.fps = 25;
    auto opened = opener(sized);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ((*opened)->describe(), "synthetic 800x600 25 fps");

    CameraConfig config;
    config.source = "synthetic:960x540";
    config.fps = 30;
    FrameGrabber grabber(config, opener);
    grabber.start();
    auto first = grabber.takeNewest(std::chrono::seconds(5));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->width(), 960);
    EXPECT_EQ(first->height(), 540);
    const Decoder decoder;
    EXPECT_TRUE(texts(decoder, *first).empty());

    // The kiosk sets the label from its own thread; the next frames carry it.
    control->setLabel(kOrder);
    bool seen = false;
    for (int i = 0; i < 20 && !seen; ++i) {
        auto f = grabber.takeNewest(std::chrono::seconds(5));
        ASSERT_TRUE(f.has_value());
        seen = texts(decoder, *f) == std::vector<std::string>{kOrder};
    }
    EXPECT_TRUE(seen);
    grabber.stop();
    EXPECT_FALSE(grabber.ended());
    EXPECT_EQ(grabber.stats().readErrors, 0U);
}

}  // namespace
}  // namespace returnscan::vision
