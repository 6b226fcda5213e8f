// SPDX-License-Identifier: Apache-2.0
// Evidence photos on generated frames: the quality gate (blurred, dark), caption, names,
// hashing, the order-label check, bursts, clips, and crashes in the middle of a write.
#include "returnscan/vision/photo.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "cv_util.h"
#include "returnscan/store/store.h"
#include "returnscan/vision/clip.h"
#include "support/temp_dir.h"
#include "vision/vision_test_support.h"

namespace returnscan::vision {
namespace {

namespace fs = std::filesystem;
using testing::labelFrame;
using testing::viewOf;
using tests::TempDir;

constexpr const char* kOrder = "100045678";
constexpr const char* kCode = "RC7K3M9Q2XWR";

cv::Mat parcelWithOrderLabel()
{
    return labelFrame(
        1280, 720,
        {{kCode, ZXing::BarcodeFormat::Code128}, {kOrder, ZXing::BarcodeFormat::Code128}}, 3);
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

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

TEST(QualityTest, SharpFramePassesBlurredAndDarkFramesAreRefused)
{
    const cv::Mat sharp = parcelWithOrderLabel();
    cv::Mat blurred;
    cv::GaussianBlur(sharp, blurred, cv::Size(0, 0), 4.0);
    cv::Mat dark;
    sharp.convertTo(dark, -1, 0.15, 0);
    const QualityThresholds limits;
    const Quality q = assessQuality(viewOf(sharp), limits);
    EXPECT_EQ(q.refusal, "") << "sharpness " << q.sharpness << " exposure " << q.exposure;
    const Quality b = assessQuality(viewOf(blurred), limits);
    EXPECT_EQ(b.refusal, "too_blurry") << "sharpness " << b.sharpness;
    EXPECT_LT(b.sharpness, q.sharpness / 4);
    const Quality d = assessQuality(viewOf(dark), limits);
    EXPECT_EQ(d.refusal, "too_dark") << "exposure " << d.exposure;
    const cv::Mat white(720, 1280, CV_8UC3, cv::Scalar(255, 255, 255));
    EXPECT_EQ(assessQuality(viewOf(white), limits).refusal, "too_bright");
}

TEST(QualityTest, SharpestOfBurstIsChosen)
{
    const cv::Mat sharp = parcelWithOrderLabel();
    std::vector<Frame> burst;
    for (double sigma : {3.0, 0.0, 1.5}) {
        cv::Mat m = sharp.clone();
        if (sigma > 0) {
            cv::GaussianBlur(sharp, m, cv::Size(0, 0), sigma);
        }
        burst.push_back(Frame::copyOf(viewOf(m)));
    }
    EXPECT_EQ(sharpestOf(burst), 1U);
}

TEST(PhotoTest, FileNamePartsNeverCarryRawText)
{
    EXPECT_EQ(fileNamePart("100045678"), "100045678");
    EXPECT_EQ(fileNamePart("../../etc/passwd"), "______etc_passwd");
    EXPECT_EQ(fileNamePart(""), "none");
    EXPECT_EQ(fileNamePart("a b\n\xc3\xa9"), "a_b___");
    EXPECT_EQ(fileNamePart(std::string(100, 'x')).size(), 32U);
}

TEST(PhotoTest, SavesCaptionedJpegDurablyWithHashAndVisibleOrderLabel)
{
    TempDir dir;
    const cv::Mat frame = parcelWithOrderLabel();
    auto out = savePhoto(viewOf(frame), request(dir));
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_FALSE(out->refused()) << out->quality.refusal;
    const SavedPhoto& p = *out->saved;
    EXPECT_EQ(p.width, 1280);
    EXPECT_GT(p.height, 720) << "no caption band";
    EXPECT_TRUE(p.orderLabelVisible);
    EXPECT_EQ(p.fileName.rfind("20261126T130000Z_100045678_label_", 0), 0U) << p.fileName;
    const std::string bytes = slurp(p.path);
    EXPECT_EQ(bytes.size(), p.bytes);
    EXPECT_EQ(sha256Hex(bytes), p.sha256);
    const cv::Mat back = cv::imread(p.path);
    ASSERT_FALSE(back.empty());
    EXPECT_EQ(back.rows, p.height);
    // The band is dark with light text: its mean is far below the label's.
    const cv::Mat band = back(cv::Rect(0, 720, back.cols, back.rows - 720));
    EXPECT_LT(cv::mean(band)[0], 60.0);
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_NE(e.path().filename().string().rfind(".tmp-", 0), 0U) << "temporary file left";
    }
    EXPECT_EQ(captionText(request(dir)),
              "order 100045678  code RC7K3M9Q2XWR  station dock-3  2026-11-26T13:00:00Z  label");
}

TEST(PhotoTest, PictureRowsAndBandAreEncodedInPlaceForColourAndGreyFrames)
{
    // The encoder takes the frame's rows where they are and the band's after them: the picture
    // in the file must be the frame (up to JPEG's loss), for a grey frame too, photo after
    // photo on the same thread (its helper and buffers are reused).
    TempDir dir;
    const cv::Mat colour = parcelWithOrderLabel();
    cv::Mat grey;
    cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
    PhotoRequest req = request(dir);
    for (int i = 0; i < 3; ++i) {
        const cv::Mat& frame = i == 1 ? grey : colour;
        req.takenAt += std::chrono::seconds(1);
        auto out = savePhoto(viewOf(frame), req);
        ASSERT_TRUE(out.ok()) << out.error().message;
        ASSERT_FALSE(out->refused()) << out->quality.refusal;
        EXPECT_TRUE(out->saved->orderLabelVisible) << "photo " << i;
        const cv::Mat back = cv::imread(out->saved->path, cv::IMREAD_COLOR);
        ASSERT_EQ(back.rows, out->saved->height);
        cv::Mat expected;
        if (frame.channels() == 1) {
            cv::cvtColor(frame, expected, cv::COLOR_GRAY2BGR);
        } else {
            expected = frame;
        }
        const cv::Mat picture = back(cv::Rect(0, 0, frame.cols, frame.rows));
        // Mean absolute difference per sample: JPEG's loss is about 3 here; swapped channels
        // or shifted rows give far more.
        EXPECT_LT(cv::norm(picture, expected, cv::NORM_L1) /
                      static_cast<double>(expected.total() * expected.channels()),
                  5.0)
            << "photo " << i << ": the picture is not the frame";
        EXPECT_LT(cv::mean(back(cv::Rect(0, frame.rows, back.cols, back.rows - frame.rows)))[0],
                  60.0)
            << "photo " << i << ": no caption band";
    }
}

TEST(QualityTest, GateLumaIsOpenCvsAreaAverage)
{
    // The block-mean path (odd integer factors) must give cv::resize's INTER_AREA pixels
    // exactly, so the sharpness thresholds mean the same at every camera resolution.
    cv::RNG rng(7);
    for (const cv::Size size : {cv::Size(1920, 1080), cv::Size(3200, 1800), cv::Size(1280, 720),
                                cv::Size(1921, 1080), cv::Size(640, 480), cv::Size(320, 240)}) {
        cv::Mat gray(size, CV_8UC1);
        rng.fill(gray, cv::RNG::UNIFORM, 0, 256);
        gray(cv::Rect(0, 0, size.width / 2, size.height / 2)).setTo(255);  // saturated sums
        const cv::Mat ours = detail::qualityLuma(gray);
        cv::Mat expected = gray;
        if (size.width > kQualityWidth) {
            const double f = static_cast<double>(kQualityWidth) / size.width;
            cv::resize(gray, expected,
                       cv::Size(kQualityWidth, std::max(1, cvRound(size.height * f))), 0, 0,
                       cv::INTER_AREA);
        }
        ASSERT_EQ(ours.size(), expected.size()) << size;
        EXPECT_EQ(cv::countNonZero(ours != expected), 0) << size;
    }
}

TEST(PhotoTest, OrderLabelNotVisibleWhenOnlyTheReturnCodeIsInThePicture)
{
    TempDir dir;
    const cv::Mat frame = labelFrame(1280, 720, {{kCode, ZXing::BarcodeFormat::Code128}}, 3);
    auto out = savePhoto(viewOf(frame), request(dir));
    ASSERT_TRUE(out.ok());
    ASSERT_FALSE(out->refused());
    EXPECT_FALSE(out->saved->orderLabelVisible);
    // A different order's label does not count either.
    PhotoRequest other = request(dir);
    other.order = "100099999";
    auto o = savePhoto(viewOf(parcelWithOrderLabel()), other);
    ASSERT_TRUE(o.ok());
    EXPECT_FALSE(o->saved->orderLabelVisible);
}

TEST(PhotoTest, RefusedPhotoWritesNothing)
{
    TempDir dir;
    cv::Mat blurred;
    cv::GaussianBlur(parcelWithOrderLabel(), blurred, cv::Size(0, 0), 5.0);
    auto out = savePhoto(viewOf(blurred), request(dir));
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(out->refused());
    EXPECT_EQ(out->quality.refusal, "too_blurry");
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(PhotoTest, UntrustedOrderTextStaysOutOfThePath)
{
    TempDir dir;
    PhotoRequest r = request(dir);
    r.order = "../../x\n";
    auto out = savePhoto(viewOf(parcelWithOrderLabel()), r);
    ASSERT_TRUE(out.ok());
    ASSERT_FALSE(out->refused());
    EXPECT_EQ(fs::path(out->saved->path).parent_path(), dir.path());
    EXPECT_EQ(out->saved->fileName.find('/'), std::string::npos);
}

TEST(PhotoTest, TakePhotoFromFolderKeepsTheSharpestOfTheBurst)
{
    TempDir frames;
    TempDir out;
    const cv::Mat sharp = parcelWithOrderLabel();
    cv::Mat blurred;
    cv::GaussianBlur(sharp, blurred, cv::Size(0, 0), 3.0);
    ASSERT_TRUE(cv::imwrite(frames.file("0.png"), blurred));
    ASSERT_TRUE(cv::imwrite(frames.file("1.png"), sharp));
    ASSERT_TRUE(cv::imwrite(frames.file("2.png"), blurred));
    CameraConfig c;
    c.source = frames.path().string();
    auto src = openSource(c);
    ASSERT_TRUE(src.ok());
    auto photo = takePhoto(**src, 3, request(out));
    ASSERT_TRUE(photo.ok()) << photo.error().message;
    ASSERT_FALSE(photo->refused()) << photo->quality.refusal;
    EXPECT_NEAR(photo->quality.sharpness, sharpnessOf(viewOf(sharp)), 1e-6);
}

TEST(DurableWriteTest, CrashBeforeFsyncLeavesOnlyATemporaryThatIsCleanedUp)
{
    TempDir dir;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        setWriteHookForTest([] { ::raise(SIGKILL); });
        (void)writeFileDurably(dir.path().string(), "photo.jpg", std::string(100000, 'j'));
        _exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_FALSE(fs::exists(dir.file("photo.jpg")));
    auto removed = removeStaleTemporaries(dir.path().string());
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, 1);
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

// A child takes photos and records each against a receipt (row after the durable write) until
// SIGKILLed at a random moment, ten times over. Every recorded photo must exist complete with
// its hash, and every final file must be whole: no half-written file is ever referenced.
TEST(DurableWriteTest, KilledMidPhotoNeverLeavesAReferencedHalfFile)
{
    TempDir dir;
    const std::string db = dir.file("station.db");
    const std::string photos = dir.file("photos");
    fs::create_directories(photos);
    const std::string receipt = "6f1c1e6e-4a36-4c47-9d36-0c6e4b1f0a11";
    {
        auto st = store::SqliteStore::open({db});
        ASSERT_TRUE(st.ok());
        core::Receipt r;
        r.id = receipt;
        r.station = "dock-3";
        r.operatorId = "op";
        r.decision = core::Outcome::Rejected;
        r.reason = core::Reason::NoCode;
        ASSERT_TRUE((*st)->insertReceipt(r).ok());
    }
    const cv::Mat frame = parcelWithOrderLabel();
    std::mt19937 rng(42);
    for (int round = 0; round < 10; ++round) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            auto st = store::SqliteStore::open({db});
            if (!st) {
                _exit(2);
            }
            TempDir unused;
            PhotoRequest req = request(unused);
            req.outDir = photos;
            req.checkOrderLabel = false;
            for (int i = 0;; ++i) {
                req.takenAt += std::chrono::seconds(1);
                auto out = savePhoto(viewOf(frame), req);
                if (!out || out->refused()) {
                    _exit(3);
                }
                store::PhotoRecord rec;
                rec.receiptId = receipt;
                rec.sha256 = out->saved->sha256;
                rec.role = "label";
                rec.path = out->saved->path;
                rec.takenAt = req.takenAt;
                rec.bytes = static_cast<std::int64_t>(out->saved->bytes);
                (void)(*st)->insertPhoto(rec);
            }
        }
        // Kill at a random moment after the child has finished at least one photo: on a loaded
        // machine its first photo can take longer than any fixed delay (then no file was ever
        // written and nothing was tested), so wait for a final file first (at most 30 s).
        const auto finals = [&] {
            int n = 0;
            for (const auto& e : fs::directory_iterator(photos)) {
                n += e.path().filename().string().rfind(".tmp-", 0) != 0 ? 1 : 0;
            }
            return n;
        };
        const int before = finals();
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (finals() == before && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 80));
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
        (void)removeStaleTemporaries(photos);
    }
    auto st = store::SqliteStore::open({db});
    ASSERT_TRUE(st.ok());
    // Every final file is complete: its content hashes to the prefix in its name.
    int files = 0;
    for (const auto& e : fs::directory_iterator(photos)) {
        const std::string name = e.path().filename().string();
        ASSERT_NE(name.rfind(".tmp-", 0), 0U) << "temporary left after cleanup: " << name;
        const std::string sha = sha256Hex(slurp(e.path().string()));
        EXPECT_NE(name.find(sha.substr(0, 16)), std::string::npos) << "half-written " << name;
        ++files;
    }
    EXPECT_GT(files, 0);
    // Every referenced photo exists with the recorded hash.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT path, sha256, bytes FROM photos", -1, &q, nullptr),
              SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const std::string path = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
        const std::string sha = reinterpret_cast<const char*>(sqlite3_column_text(q, 1));
        const std::string bytes = slurp(path);
        EXPECT_EQ(static_cast<std::int64_t>(bytes.size()), sqlite3_column_int64(q, 2)) << path;
        EXPECT_EQ(sha256Hex(bytes), sha) << "referenced photo is not whole: " << path;
        ++rows;
    }
    sqlite3_finalize(q);
    sqlite3_close_v2(raw);
    EXPECT_LE(rows, files);
}

TEST(ClipTest, FinishedClipIsDurableAndReadableAbandonedClipLeavesNothing)
{
    TempDir dir;
    const cv::Mat frame = parcelWithOrderLabel();
    {
        auto clip = InspectionClip::start(dir.path().string(), "session.avi", 640, 360, 10);
        ASSERT_TRUE(clip.ok()) << clip.error().message;
        for (int i = 0; i < 10; ++i) {
            ASSERT_TRUE((*clip)->add(viewOf(frame)).ok());
        }
        auto saved = (*clip)->finish();
        ASSERT_TRUE(saved.ok()) << saved.error().message;
        EXPECT_EQ(saved->frames, 10);
        EXPECT_EQ(sha256Hex(slurp(saved->path)), saved->sha256);
        cv::VideoCapture cap(saved->path, cv::CAP_FFMPEG);
        ASSERT_TRUE(cap.isOpened());
        int n = 0;
        cv::Mat m;
        while (cap.read(m)) {
            ++n;
        }
        EXPECT_EQ(n, 10);
    }
    {
        auto clip = InspectionClip::start(dir.path().string(), "abandoned.avi", 640, 360, 10);
        ASSERT_TRUE(clip.ok());
        ASSERT_TRUE((*clip)->add(viewOf(frame)).ok());
    }
    int entries = 0;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_EQ(e.path().filename(), "session.avi");
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace returnscan::vision
