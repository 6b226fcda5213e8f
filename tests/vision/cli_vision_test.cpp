// SPDX-License-Identifier: Apache-2.0
// `returnscan decode` and `returnscan photo` through the real binary.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <opencv2/videoio.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "returnscan/vision/photo.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "vision/vision_test_support.h"

namespace returnscan::vision {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::labelFrame;
using tests::runProcess;
using tests::TempDir;

const std::string kSamples = std::string(RETURNSCAN_SOURCE_DIR) + "/tests/samples/images/";

std::vector<json> jsonLines(const std::string& out)
{
    std::vector<json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(json::parse(line));
    }
    return lines;
}

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

TEST(DecodeCommandTest, ImagesAndVideoFramesAsJsonAndUnreadableFileNamed)
{
    TempDir dir;
    const cv::Mat frame =
        labelFrame(640, 480, {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128}}, 2);
    const std::string video = dir.file("clip.avi");
    {
        cv::VideoWriter w(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 5, frame.size());
        ASSERT_TRUE(w.isOpened());
        for (int i = 0; i < 3; ++i) {
            w.write(frame);
        }
    }
    const std::string missing = dir.file("missing.png");
    auto r = runProcess({RETURNSCAN_BINARY, "decode", "--json", kSamples + "gs1_datamatrix.png",
                         missing, video, kSamples + "order_qr.png"});
    EXPECT_EQ(r.status, 2) << r.err;  // one file unreadable
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
    const auto lines = jsonLines(r.out);
    ASSERT_EQ(lines.size(), 6U) << r.out;
    EXPECT_EQ(lines[0]["file"], kSamples + "gs1_datamatrix.png");
    ASSERT_EQ(lines[0]["barcodes"].size(), 1U);
    EXPECT_EQ(lines[0]["barcodes"][0]["format"], "DataMatrix");
    EXPECT_EQ(lines[0]["barcodes"][0]["aim"], "]d2");
    EXPECT_EQ(lines[1]["file"], missing);
    EXPECT_TRUE(lines[1].contains("error"));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(lines[2 + i]["file"], video + "#" + std::to_string(i));
        EXPECT_EQ(lines[2 + i]["barcodes"][0]["text"], "RC7K3M9Q2XWR");
        EXPECT_EQ(lines[2 + i]["barcodes"][0]["format"], "Code128");
    }
    EXPECT_EQ(lines[5]["barcodes"][0]["text"], "100045678");
    EXPECT_EQ(lines[5]["barcodes"][0]["format"], "QRCode");
}

TEST(DecodeCommandTest, ExitOneWhenNoCodeAndFormatsRestrict)
{
    auto none = runProcess(
        {RETURNSCAN_BINARY, "decode", "--formats", "qrcode", kSamples + "return_code_code128.png"});
    EXPECT_EQ(none.status, 1) << none.err;
    EXPECT_NE(none.out.find("no barcode"), std::string::npos);
    auto text = runProcess({RETURNSCAN_BINARY, "decode", kSamples + "return_code_code128.png"});
    EXPECT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("Code128 RC7K3M9Q2XWR"), std::string::npos) << text.out;
    auto bad = runProcess({RETURNSCAN_BINARY, "decode", "--formats", "nonsense", "x.png"});
    EXPECT_EQ(bad.status, 2);
}

TEST(PhotoCommandTest, SavesPhotoWithJsonAndRefusesBlurredFrames)
{
    TempDir frames;
    TempDir out;
    const cv::Mat sharp = labelFrame(1280, 720,
                                     {{"RC7K3M9Q2XWR", ZXing::BarcodeFormat::Code128},
                                      {"100045678", ZXing::BarcodeFormat::Code128}},
                                     3);
    ASSERT_TRUE(cv::imwrite(frames.file("a.png"), sharp));
    auto r = runProcess({RETURNSCAN_BINARY, "photo", "--camera", frames.path().string(), "--out",
                         out.path().string(), "--order", "100045678", "--code", "RC7K3M9Q2XWR",
                         "--role", "label", "--station", "dock-3", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    for (const char* key :
         {"path", "sha256", "width", "height", "sharpness", "exposure", "order_label_visible"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["order_label_visible"], true);
    EXPECT_EQ(j["width"], 1280);
    EXPECT_EQ(sha256Hex(slurp(j["path"].get<std::string>())), j["sha256"]);

    TempDir blurredFrames;
    cv::Mat blurred;
    cv::GaussianBlur(sharp, blurred, cv::Size(0, 0), 5.0);
    ASSERT_TRUE(cv::imwrite(blurredFrames.file("b.png"), blurred));
    TempDir out2;
    auto refused =
        runProcess({RETURNSCAN_BINARY, "photo", "--camera", blurredFrames.path().string(), "--out",
                    out2.path().string(), "--json"});
    EXPECT_EQ(refused.status, 1) << refused.err;
    const json k = json::parse(refused.out);
    EXPECT_EQ(k["reason"], "too_blurry");
    EXPECT_TRUE(std::filesystem::is_empty(out2.path()));
}

TEST(PhotoCommandTest, RecordsThePhotoAgainstAReceipt)
{
    TempDir dir;
    const std::string db = dir.file("station.db");
    auto rcv = runProcess({RETURNSCAN_BINARY, "--db", db, "receive", "--no-code", "--json"});
    ASSERT_EQ(rcv.status, 1) << rcv.err;  // no_code is a refusal
    const std::string receipt = json::parse(rcv.out)["receipt_id"];
    const cv::Mat parcel = labelFrame(1280, 720, {{"100045678", ZXing::BarcodeFormat::Code128}}, 3);
    ASSERT_TRUE(cv::imwrite(dir.file("parcel.png"), parcel));
    auto r = runProcess({RETURNSCAN_BINARY, "--db", db, "photo", "--camera", dir.file("parcel.png"),
                         "--out", dir.file("photos"), "--receipt", receipt, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["receipt_id"], receipt);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(raw, "SELECT sha256, order_label_visible FROM photos", -1, &q, nullptr),
        SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))),
              j["sha256"].get<std::string>());
    EXPECT_EQ(sqlite3_column_int(q, 1), 1);
    sqlite3_finalize(q);
    sqlite3_close_v2(raw);

    auto unknown =
        runProcess({RETURNSCAN_BINARY, "--db", db, "photo", "--camera", dir.file("parcel.png"),
                    "--out", dir.file("photos"), "--receipt", "no-such-receipt"});
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("no receipt"), std::string::npos) << unknown.err;
}

TEST(ClipCommandTest, RecordsAnInspectionClipAgainstAReceipt)
{
    TempDir dir;
    const std::string db = dir.file("station.db");
    auto rcv = runProcess({RETURNSCAN_BINARY, "--db", db, "receive", "--no-code", "--json"});
    ASSERT_EQ(rcv.status, 1) << rcv.err;
    const std::string receipt = json::parse(rcv.out)["receipt_id"];
    fs::create_directories(dir.file("frames"));
    for (int i = 0; i < 4; ++i) {
        const cv::Mat f = labelFrame(640, 480, {{"100045678", ZXing::BarcodeFormat::Code128}}, 2,
                                     static_cast<unsigned>(i));
        ASSERT_TRUE(cv::imwrite(dir.file("frames/" + std::to_string(i) + ".png"), f));
    }
    auto r =
        runProcess({RETURNSCAN_BINARY, "--db", db, "clip", "--camera", dir.file("frames"), "--out",
                    dir.file("clips"), "--order", "../x", "--receipt", receipt, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["frames"], 4);
    const std::string path = j["path"];
    EXPECT_EQ(fs::path(path).parent_path(), fs::path(dir.file("clips")));
    EXPECT_EQ(sha256Hex(slurp(path)), j["sha256"]);
    EXPECT_EQ((fs::status(path).permissions() & fs::perms::others_read), fs::perms::none);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT role, sha256 FROM photos", -1, &q, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "inspection_video");
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 1))),
              j["sha256"].get<std::string>());
    sqlite3_finalize(q);
    sqlite3_close_v2(raw);
}

TEST(PhotoCommandTest, MissingCameraIsAUsageError)
{
    TempDir out;
    auto r = runProcess(
        {RETURNSCAN_BINARY, "photo", "--camera", "/nonexistent/cam", "--out", out.path().string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("/nonexistent/cam"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace returnscan::vision
