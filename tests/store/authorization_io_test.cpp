// SPDX-License-Identifier: Apache-2.0
// Authorization import: JSON Lines and CSV files through importAuthorizations into a real file.
#include "returnscan/store/authorization_io.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "returnscan/core/code_format.h"
#include "store_test_support.h"

namespace returnscan::store {
namespace {

std::string code(int i)
{
    char body[16];
    std::snprintf(body, sizeof body, "RCIMP%06d", i);
    auto c = core::withCheckCharacter(body, core::CheckScheme::Iso7064Mod37_36);
    return c ? *c : std::string();
}

std::string jsonRow(int i, const std::string& extra = "")
{
    return R"({"code":")" + code(i) +
           R"(","order":"100000001","status":"approved","issued_at":"2026-11-20T10:15:00Z")" +
           extra + "}";
}

class ImportTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto s = SqliteStore::open({dir_.file("station.db")});
        ASSERT_TRUE(s.ok()) << s.error().message;
        store_ = std::move(s).value();
    }
    std::string write(const std::string& name, const std::string& content)
    {
        return dir_.write(name, content);
    }
    Result<ImportReport> import(const std::string& path, ImportOptions o = {})
    {
        return importAuthorizations(*store_, path, core::CodeFormats::defaults(), o);
    }
    testing::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(ImportTest, ParsesEveryFieldOfTheApiObject)
{
    auto a = parseAuthorizationJson(
        R"({"code":")" + code(1) +
            R"(","order":"100045678","status":"cancelled","issued_at":"2026-11-20T12:15:00+02:00",)"
            R"("expires_at":"2026-12-04T10:15:00Z","category":"wrong_item","version":3,)"
            R"("lines":[{"sku":"S","gtin":"04012345678901","qty":2,"description":"d"}],)"
            R"("delivered_at":"2026-11-01T00:00:00Z","future_field":{"x":1}})",
        core::CodeFormats::defaults());
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->status, core::AuthStatus::Cancelled);
    EXPECT_EQ(core::formatRfc3339(a->issuedAt), "2026-11-20T10:15:00Z");
    EXPECT_EQ(a->category, core::Category::WrongItem);
    EXPECT_EQ(a->version, 3);
    ASSERT_EQ(a->lines.size(), 1u);
    EXPECT_EQ(a->lines[0].qty, 2);
    EXPECT_TRUE(a->deliveredAt.has_value());
}

TEST_F(ImportTest, NamesTheFieldThatIsWrong)
{
    const auto f = core::CodeFormats::defaults();
    auto msg = [&](const std::string& j) {
        auto a = parseAuthorizationJson(j, f);
        return a.ok() ? std::string("ok") : a.error().message;
    };
    EXPECT_NE(msg(jsonRow(1, R"(,"version":-1)")).find("version"), std::string::npos);
    EXPECT_NE(msg(jsonRow(1, R"(,"category":"broken")")).find("category"), std::string::npos);
    EXPECT_NE(msg(jsonRow(1, R"(,"expires_at":"2026-11-20")")).find("expires_at"),
              std::string::npos);
    EXPECT_NE(msg(jsonRow(1, R"(,"lines":[{"qty":0}])")).find("lines"), std::string::npos);
    EXPECT_NE(msg(R"({"order":"100000001","status":"approved"})").find("code"), std::string::npos);
    EXPECT_NE(msg("[1,2]").find("object"), std::string::npos);
    EXPECT_NE(msg("{\"code\":").find("JSON"), std::string::npos);
}

TEST_F(ImportTest, LineNumbersStayRightAcrossReaderBatches)
{
    // Over 5000 rows so the rows cross several reader batches; bad rows at known lines.
    std::string text;
    std::vector<std::int64_t> bad;
    for (int i = 1; i <= 5000; ++i) {
        if (i % 997 == 0) {
            text += "{\"code\":\"RC-bad\"}\n";
            bad.push_back(i);
        } else {
            text += jsonRow(i) + "\n";
        }
    }
    std::uint64_t lastDone = 0, lastTotal = 0;
    ImportOptions o;
    o.progress = [&](std::uint64_t done, std::uint64_t total) {
        EXPECT_GE(done, lastDone);
        lastDone = done;
        lastTotal = total;
    };
    auto r = import(write("many.jsonl", text), o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->imported, 5000 - static_cast<std::int64_t>(bad.size()));
    EXPECT_EQ(r->invalid, static_cast<std::int64_t>(bad.size()));
    std::vector<std::int64_t> lines;
    for (const auto& p : r->problems)
        lines.push_back(p.line);
    EXPECT_EQ(lines, bad);
    EXPECT_EQ(lastDone, text.size());
    EXPECT_EQ(lastTotal, text.size());
    auto n = store_->authorizationCount();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, r->imported);
}

TEST_F(ImportTest, OverlongLineIsAnInvalidRowAndTheRestImports)
{
    std::string text =
        jsonRow(1) + "\n" + "{\"pad\":\"" + std::string(70000, 'x') + "\"}\n" + jsonRow(2) + "\n";
    auto r = import(write("long.jsonl", text));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->imported, 2);
    ASSERT_EQ(r->problems.size(), 1u);
    EXPECT_EQ(r->problems[0].line, 2);
    EXPECT_NE(r->problems[0].message.find("64 KiB"), std::string::npos);
}

TEST_F(ImportTest, AcceptsByteOrderMarkAndCrLf)
{
    std::string text = "\xEF\xBB\xBF" + std::string(kCsvHeader) + "\r\n" + code(1) +
                       ",100000001,approved,2026-11-20T10:15:00Z,,\r\n\r\n" + code(2) +
                       ",\"100000002\",pending,2026-11-20T10:15:00-01:00,2026-11-21T00:00:00Z,"
                       "damaged\r\n";
    auto r = import(write("bom.csv", text));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->format, ImportFormat::Csv);
    EXPECT_EQ(r->imported, 2) << (r->problems.empty() ? "" : r->problems[0].message);
    auto s = store_->findCode(code(2));
    ASSERT_TRUE(s.ok() && s->has_value());
    EXPECT_EQ(core::formatRfc3339((*s)->auth.issuedAt), "2026-11-20T11:15:00Z");
}

TEST_F(ImportTest, CsvRowsWithWrongFieldCountOrQuotesAreInvalid)
{
    std::string text = std::string(kCsvHeader) + "\n" + code(1) + ",100000001,approved\n" +
                       code(2) + ",\"100000001,approved,2026-11-20T10:15:00Z,,\n";
    auto r = import(write("bad.csv", text));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->invalid, 2);
    EXPECT_EQ(r->imported, 0);
}

TEST_F(ImportTest, UnknownFormatAndMissingFileAreErrorsThatWriteNothing)
{
    auto r = import(write("x.txt", "hello\n" + jsonRow(1) + "\n"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Parse);
    auto missing = import(dir_.file("nope.jsonl"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::Io);
    auto dir = import(dir_.path().string());
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.error().code, ErrorCode::Io);
    EXPECT_EQ(*store_->authorizationCount(), 0);
}

TEST_F(ImportTest, EmptyFileImportsNothing)
{
    auto r = import(write("empty.jsonl", "\n\n"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->imported + r->invalid, 0);
}

TEST_F(ImportTest, StrictRefusesTheWholeFile)
{
    std::string text;
    for (int i = 1; i <= 3000; ++i)
        text += jsonRow(i) + "\n";
    text += "{}\n";
    ImportOptions o;
    o.strict = true;
    auto r = import(write("strict.jsonl", text), o);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->committed);
    EXPECT_EQ(r->invalid, 1);
    EXPECT_EQ(*store_->authorizationCount(), 0);
}

}  // namespace
}  // namespace returnscan::store
