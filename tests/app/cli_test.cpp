// SPDX-License-Identifier: Apache-2.0
// End-to-end tests of the returnscan command line, through the real binary and a real SQLite file.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "returnscan/core/code_format.h"
#include "returnscan/core/receipt.h"
#include "returnscan/core/time.h"
#include "support/process.h"

namespace returnscan::tests {
namespace {

using nlohmann::json;

std::string code(const std::string& body)
{
    auto c = core::withCheckCharacter("RC" + body, core::CheckScheme::Iso7064Mod37_36);
    return c ? *c : std::string();
}

std::string rfc(std::chrono::system_clock::time_point t)
{
    return core::formatRfc3339(std::chrono::floor<std::chrono::seconds>(t));
}

class CliTest : public ::testing::Test {
protected:
    ProcessResult run(std::vector<std::string> args, const std::string& input = "")
    {
        std::vector<std::string> argv{RETURNSCAN_BINARY, "--db", dir_.file("station.db")};
        argv.insert(argv.end(), args.begin(), args.end());
        return runProcess(argv, input);
    }
    json runJson(std::vector<std::string> args, int expectStatus)
    {
        auto r = run(std::move(args));
        EXPECT_EQ(r.status, expectStatus) << r.out << r.err;
        auto j = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << "not one JSON object: " << r.out;
        return j;
    }
    /// Imports JSON lines and expects success.
    void importLines(const std::string& lines)
    {
        auto f = dir_.write("codes.jsonl", lines);
        auto r = run({"codes", "import", f});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
    }
    TempDir dir_;
};

// Fixed dates for `check --at`: issued 2026-11-20T10:15:00Z, expires 2026-12-04T10:15:00Z.
const std::string kApproved = code("7K3M9Q2XW");
std::string fixedLines()
{
    std::string s;
    s +=
        R"({"code":")" + kApproved +
        R"(","order":"100045678","status":"approved","issued_at":"2026-11-20T11:15:00+01:00","expires_at":"2026-12-04T10:15:00Z","category":"damaged","lines":[{"sku":"TSHIRT-RED-M","gtin":"04012345678901","qty":1,"description":"T-shirt red M"}],"version":17,"unknown_field":true})"
        "\n";
    s += R"({"code":")" + code("PENDING01") +
         R"(","order":"100045679","status":"pending","issued_at":"2026-11-20T10:15:00Z"})"
         "\n";
    s += R"({"code":")" + code("NOEXPIRY1") +
         R"(","order":"100045680","status":"approved","issued_at":"2026-11-20T05:15:00-05:00"})"
         "\n";
    return s;
}

TEST(CliHelpTest, EveryCommandHasHelp)
{
    for (auto args : std::vector<std::vector<std::string>>{{},
                                                           {"codes"},
                                                           {"codes", "import"},
                                                           {"check"},
                                                           {"receive"},
                                                           {"receipts"},
                                                           {"receipts", "list"},
                                                           {"audit", "verify"},
                                                           {"kiosk"}}) {
        std::vector<std::string> argv{RETURNSCAN_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("--help");
        auto r = runProcess(argv);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
    }
}

TEST_F(CliTest, UsageErrorsExitTwo)
{
    EXPECT_EQ(run({}).status, 2);
    EXPECT_EQ(run({"check"}).status, 2);
    EXPECT_EQ(run({"check", kApproved, "--bogus"}).status, 2);
    EXPECT_EQ(run({"receive"}).status, 2);
    EXPECT_EQ(run({"receive", kApproved, "--no-code"}).status, 2);
    // No database yet: a data error, with a message that says what to do.
    auto r = run({"check", kApproved});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("codes import"), std::string::npos) << r.err;
    importLines(fixedLines());
    auto bad = run({"check", kApproved, "--at", "2026-11-26T10:00:00"});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--at"), std::string::npos) << bad.err;
    // A typo in --order is a usage error, not an order mismatch.
    auto typo = run({"check", kApproved, "--order", "10004567"});
    EXPECT_EQ(typo.status, 2);
    EXPECT_NE(typo.err.find("--order"), std::string::npos) << typo.err;
    EXPECT_EQ(run({"receive", kApproved, "--order", "x';--"}).status, 2);
}

TEST_F(CliTest, CheckReportsDecisionAsOneJsonObject)
{
    importLines(fixedLines());
    auto j = runJson({"check", kApproved, "--at", "2026-11-26T09:30:00Z", "--json"}, 0);
    EXPECT_EQ(j["decision"], "accepted");
    EXPECT_EQ(j["reason"], "accepted");
    EXPECT_EQ(j["code"], kApproved);
    EXPECT_EQ(j["order"], "100045678");
    EXPECT_EQ(j["expires_at"], "2026-12-04T10:15:00Z");
    // Checking consumes nothing: the same check again is still accepted.
    runJson({"check", kApproved, "--at", "2026-11-26T09:30:00Z", "--json"}, 0);
}

TEST_F(CliTest, CheckJudgesExpiryToTheSecond)
{
    importLines(fixedLines());
    EXPECT_EQ(runJson({"check", kApproved, "--at", "2026-12-04T10:14:59Z", "--json"}, 0)["reason"],
              "accepted");
    EXPECT_EQ(runJson({"check", kApproved, "--at", "2026-12-04T10:15:00Z", "--json"}, 1)["reason"],
              "expired");
    // The same instant written with an offset.
    EXPECT_EQ(
        runJson({"check", kApproved, "--at", "2026-12-04T11:14:59+01:00", "--json"}, 0)["reason"],
        "accepted");
    // Without expires_at: issued_at (10:15Z given as 05:15-05:00) + 14 days.
    const std::string noExpiry = code("NOEXPIRY1");
    auto j = runJson({"check", noExpiry, "--at", "2026-12-04T10:14:59Z", "--json"}, 0);
    EXPECT_EQ(j["expires_at"], "2026-12-04T10:15:00Z");
    EXPECT_EQ(runJson({"check", noExpiry, "--at", "2026-12-04T10:15:00Z", "--json"}, 1)["reason"],
              "expired");
}

TEST_F(CliTest, CheckRefusesWithReasonWords)
{
    importLines(fixedLines());
    const std::string at = "2026-11-26T09:30:00Z";
    EXPECT_EQ(runJson({"check", code("PENDING01"), "--at", at, "--json"}, 1)["reason"],
              "not_approved");
    EXPECT_EQ(runJson({"check", code("UNKNOWN01"), "--at", at, "--json"}, 1)["reason"],
              "unknown_code");
    std::string wrongCheck = kApproved;
    wrongCheck.back() = wrongCheck.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(runJson({"check", wrongCheck, "--at", at, "--json"}, 1)["reason"], "malformed_code");
    auto held = runJson({"check", kApproved, "--order", "100099999", "--at", at, "--json"}, 1);
    EXPECT_EQ(held["decision"], "held");
    EXPECT_EQ(held["reason"], "order_mismatch");
    EXPECT_EQ(
        runJson({"check", kApproved, "--order", "100045678", "--at", at, "--json"}, 0)["reason"],
        "accepted");
}

TEST_F(CliTest, BadInputIsMalformedAndOutputStaysValidJson)
{
    importLines(fixedLines());
    for (const std::string& text :
         {std::string("RC'; DROP TABLE authorizations;--"), std::string(300, 'A'),
          std::string("RC\xff\xfe\x80invalid"), std::string("RC7K3M\x01\x02"), std::string(" ")}) {
        auto j = runJson({"check", text, "--at", "2026-11-26T09:30:00Z", "--json"}, 1);
        EXPECT_EQ(j["reason"], "malformed_code") << core::displaySafe(text);
    }
    // The table survived the metacharacters.
    EXPECT_EQ(runJson({"check", kApproved, "--at", "2026-11-26T09:30:00Z", "--json"}, 0)["reason"],
              "accepted");
}

TEST_F(CliTest, ReceiveConsumesTheCodeOnce)
{
    auto now = std::chrono::system_clock::now();
    const std::string c = code("RECEIVE01");
    importLines(R"({"code":")" + c + R"(","order":"100000001","status":"approved","issued_at":")" +
                rfc(now - std::chrono::hours(24)) + "\"}\n");
    auto first = runJson({"receive", c, "--json"}, 0);
    EXPECT_EQ(first["decision"], "accepted");
    EXPECT_TRUE(core::isUuid(first["receipt_id"].get<std::string>())) << first;
    auto second = runJson({"receive", c, "--json"}, 1);
    EXPECT_EQ(second["reason"], "already_received");
    EXPECT_NE(second["receipt_id"], first["receipt_id"]);
    // check sees the consumption too.
    EXPECT_EQ(runJson({"check", c, "--json"}, 1)["reason"], "already_received");

    auto none = runJson({"receive", "--no-code", "--order", "100000002", "--json"}, 1);
    EXPECT_EQ(none["reason"], "no_code");

    auto list = run({"receipts", "list", "--json"});
    ASSERT_EQ(list.status, 0) << list.err;
    std::vector<json> rows;
    std::size_t pos = 0;
    while (pos < list.out.size()) {
        auto nl = list.out.find('\n', pos);
        rows.push_back(json::parse(list.out.substr(pos, nl - pos)));
        pos = nl + 1;
    }
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0]["id"], first["receipt_id"]);
    EXPECT_EQ(rows[0]["decision"], "accepted");
    EXPECT_EQ(rows[0]["code"], c);
    EXPECT_EQ(rows[2]["reason"], "no_code");
    EXPECT_TRUE(rows[2]["code"].is_null());

    auto since = run({"receipts", "list", "--json", "--since", rfc(now + std::chrono::hours(1))});
    EXPECT_EQ(since.status, 0);
    EXPECT_EQ(since.out, "");

    auto audit = run({"audit", "verify"});
    EXPECT_EQ(audit.status, 0) << audit.out << audit.err;
}

TEST_F(CliTest, ImportReportsInvalidRowsByLineAndKeepsTheRest)
{
    std::string lines = fixedLines();
    lines += "\n";           // 4: blank, skipped
    lines += "{not json\n";  // 5
    lines +=
        R"({"code":"RC123","order":"100000001","status":"approved","issued_at":"2026-11-20T10:15:00Z"})"
        "\n";  // 6
    lines += R"({"code":")" + code("BADSTATUS") +
             R"(","order":"100000001","status":"maybe","issued_at":"2026-11-20T10:15:00Z"})"
             "\n";  // 7
    lines += R"({"code":")" + code("NOOFFSET1") +
             R"(","order":"100000001","status":"approved","issued_at":"2026-11-20T10:15:00"})"
             "\n";  // 8
    lines += R"({"code":")" + code("BADORDER1") +
             R"(","order":"12","status":"approved","issued_at":"2026-11-20T10:15:00Z"})"
             "\n";  // 9
    auto f = dir_.write("mixed.jsonl", lines);
    auto r = run({"codes", "import", f, "--json"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    auto j = json::parse(r.out);
    EXPECT_EQ(j["imported"], 3);
    EXPECT_EQ(j["invalid"], 5);
    std::vector<int> badLines;
    for (const auto& p : j["problems"])
        badLines.push_back(p["line"].get<int>());
    EXPECT_EQ(badLines, (std::vector<int>{5, 6, 7, 8, 9}));
    EXPECT_EQ(runJson({"check", kApproved, "--at", "2026-11-26T09:30:00Z", "--json"}, 0)["reason"],
              "accepted");

    // The plain form names file:line on stderr. Importing again: the versioned row is
    // unchanged (same version), the two unversioned rows replace their unversioned selves.
    auto plain = run({"codes", "import", f});
    EXPECT_NE(plain.err.find("mixed.jsonl:7: status"), std::string::npos) << plain.err;
    EXPECT_NE(plain.out.find("imported 0, updated 2, unchanged 1, invalid 5"), std::string::npos)
        << plain.out;
}

TEST_F(CliTest, StrictImportWritesNothingWhenAnyRowIsInvalid)
{
    std::string lines = fixedLines() + "{broken\n";
    auto f = dir_.write("strict.jsonl", lines);
    auto r = run({"codes", "import", "--strict", f, "--json"});
    EXPECT_EQ(r.status, 1);
    auto j = json::parse(r.out);
    EXPECT_EQ(j["committed"], false);
    EXPECT_EQ(j["imported"], 0);
    EXPECT_EQ(runJson({"check", kApproved, "--json"}, 1)["reason"], "unknown_code");
}

TEST_F(CliTest, CsvImportAndVersionRule)
{
    const std::string c = code("CSVCODE01");
    auto f1 = dir_.write("v1.csv", "code,order,status,issued_at,expires_at,category,version\n" + c +
                                       ",100000001,pending,2026-11-20T10:15:00Z,,damaged,1\n");
    auto r1 = run({"codes", "import", f1, "--json"});
    ASSERT_EQ(r1.status, 0) << r1.out << r1.err;
    EXPECT_EQ(json::parse(r1.out)["imported"], 1);
    EXPECT_EQ(runJson({"check", c, "--at", "2026-11-26T09:30:00Z", "--json"}, 1)["reason"],
              "not_approved");

    auto f2 = dir_.write(
        "v2.csv",
        "code,order,status,issued_at,expires_at,category,version\n" + c +
            ",100000001,approved,2026-11-20T10:15:00Z,\"2026-12-01T00:00:00+02:00\",damaged,2\n");
    auto r2 = run({"codes", "import", f2, "--json"});
    EXPECT_EQ(json::parse(r2.out)["updated"], 1) << r2.out;
    auto j = runJson({"check", c, "--at", "2026-11-26T09:30:00Z", "--json"}, 0);
    EXPECT_EQ(j["expires_at"], "2026-11-30T22:00:00Z");

    // A lower version is ignored.
    auto r3 = run({"codes", "import", f1, "--json"});
    EXPECT_EQ(json::parse(r3.out)["unchanged"], 1) << r3.out;
    EXPECT_EQ(runJson({"check", c, "--at", "2026-11-26T09:30:00Z", "--json"}, 0)["reason"],
              "accepted");

    // A file that is neither format is a data error.
    auto junk = dir_.write("junk.txt", "hello,world\n");
    EXPECT_EQ(run({"codes", "import", junk}).status, 2);
    EXPECT_EQ(run({"codes", "import", dir_.file("missing.csv")}).status, 2);
}

TEST_F(CliTest, DatabaseFromEnvironment)
{
    auto f = dir_.write("codes.jsonl", fixedLines());
    const std::string env = "RETURNSCAN_DB=" + dir_.file("env.db");
    auto r = runProcess({RETURNSCAN_BINARY, "codes", "import", f}, "", {env});
    ASSERT_EQ(r.status, 0) << r.err;
    auto c = runProcess({RETURNSCAN_BINARY, "check", kApproved, "--at", "2026-11-26T09:30:00Z"}, "",
                        {env});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
}

// The global --db is accepted before the command, after it, and between a command group and its
// subcommand (`returnscan codes --db P import F`), as a new user would type it.
TEST_F(CliTest, DatabaseOptionBeforeOrAfterTheCommand)
{
    const std::string db = dir_.file("either.db");
    auto bare = [](std::vector<std::string> args, std::vector<std::string> env = {}) {
        args.insert(args.begin(), RETURNSCAN_BINARY);
        return runProcess(args, "", env);
    };
    auto f = dir_.write("codes.jsonl", fixedLines());
    auto imp = bare({"codes", "import", f, "--db", db, "--json"});
    ASSERT_EQ(imp.status, 0) << imp.out << imp.err;
    EXPECT_EQ(json::parse(imp.out)["imported"], 3) << imp.out;
    auto again = bare({"codes", "--db", db, "import", "--json", f});
    ASSERT_EQ(again.status, 0) << again.out << again.err;
    EXPECT_EQ(json::parse(again.out)["imported"], 0) << again.out;  // the same file, same db

    const std::vector<std::string> check{"check", kApproved, "--at", "2026-11-26T09:30:00Z",
                                         "--json"};
    auto before = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--db", db});
        return bare(args);
    };
    auto after = [&](std::vector<std::string> args) {
        args.insert(args.end(), {"--db", db});
        return bare(args);
    };
    for (const auto& args : std::vector<std::vector<std::string>>{
             check, {"receipts", "list", "--json"}, {"audit", "verify", "--json"}}) {
        auto b = before(args);
        auto a = after(args);
        EXPECT_EQ(b.status, 0) << args[0] << ": " << b.out << b.err;
        EXPECT_EQ(a.status, b.status) << args[0] << ": " << a.out << a.err;
        EXPECT_EQ(a.out, b.out) << args[0];
    }
    // Decided at the real time, so accepted or expired: either way a receipt in that database.
    auto rcv = after({"receive", kApproved, "--json"});
    ASSERT_NE(rcv.status, 2) << rcv.out << rcv.err;
    auto listed = before({"receipts", "list", "--json"});
    EXPECT_NE(listed.out.find(json::parse(rcv.out)["receipt_id"].get<std::string>()),
              std::string::npos)
        << listed.out;
    EXPECT_EQ(before({"sync", "status", "--json"}).out, after({"sync", "status", "--json"}).out);
    EXPECT_EQ(bare({"sync", "--db", db, "status", "--json"}).out,
              after({"sync", "status", "--json"}).out);

    // The option after the command is not parsed and dropped: it names the database used.
    auto missing = bare({"check", kApproved, "--db", dir_.file("missing.db")});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("missing.db"), std::string::npos) << missing.err;
    // The last --db wins, and an option on the command line beats RETURNSCAN_DB in either place.
    const std::string env = "RETURNSCAN_DB=" + dir_.file("env.db");
    EXPECT_EQ(bare({"--db", dir_.file("missing.db"), "check", kApproved, "--at",
                    "2026-11-26T09:30:00Z", "--db", db})
                  .status,
              0);
    EXPECT_EQ(bare({"--db", db, "check", kApproved, "--at", "2026-11-26T09:30:00Z"}, {env}).status,
              0);
    EXPECT_EQ(bare({"check", kApproved, "--at", "2026-11-26T09:30:00Z", "--db", db}, {env}).status,
              0);
}

TEST_F(CliTest, UnknownOptionsStillExitTwoInEveryPlace)
{
    importLines(fixedLines());
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--bogus", "check", kApproved},
             {"check", kApproved, "--bogus"},
             {"codes", "--bogus", "import", "x"},
             {"receipts", "list", "--bogus"},
             {"sync", "status", "--bogus"},
             {"check", kApproved, "--db"}}) {
        auto r = run(args);
        EXPECT_EQ(r.status, 2) << args[0] << " " << args.back() << ": " << r.out << r.err;
        EXPECT_FALSE(r.err.empty()) << args.back();
    }
}

TEST(CliHelpTest, SubcommandHelpListsTheGlobalDatabaseOption)
{
    for (auto args : std::vector<std::vector<std::string>>{
             {"check"}, {"codes", "import"}, {"receipts", "list"}, {"sync", "status"}}) {
        std::vector<std::string> argv{RETURNSCAN_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("--help");
        auto r = runProcess(argv);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_NE(r.out.find("--db"), std::string::npos) << args.back() << "\n" << r.out;
    }
}

TEST(KioskDemoTest, PlaysEveryDecisionTableRow)
{
    auto r = runProcess({RETURNSCAN_BINARY, "kiosk", "--terminal", "--demo", "--pace", "0"}, "");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    for (const char* word :
         {"[accepted]", "[order_mismatch]", "[already_received]", "[expired]", "[not_approved]",
          "[unknown_code]", "[malformed_code]", "[no_code]", "functionality_reported_late"}) {
        EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
    }
    EXPECT_NE(r.out.find("summary: 3 accepted, 9 rejected, 1 held"), std::string::npos) << r.out;
}

TEST(KioskDemoTest, ReadsFurtherScansFromStdin)
{
    auto r = runProcess({RETURNSCAN_BINARY, "kiosk", "--terminal", "--demo", "--pace", "0"},
                        "100000001\n!no-code\n!quit\nRC-never-read\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("summary: 3 accepted, 10 rejected, 1 held"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace returnscan::tests
