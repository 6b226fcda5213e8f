// SPDX-License-Identifier: Apache-2.0
// The `returnscan` command line: option parsing, wiring of core and store, output.
#include "cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "commands.h"
#include "demo.h"
#include "kiosk_terminal.h"
#include "random_ids.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/log.h"
#include "returnscan/core/receive.h"
#include "returnscan/log/sinks.h"
#include "returnscan/store/authorization_io.h"
#include "returnscan/store/receipt_json.h"
#include "returnscan/store/store.h"
#include "version.h"

namespace returnscan::app {
namespace {

using nlohmann::json;

constexpr const char* kDefaultDb = "/var/lib/returnscan/returnscan.db";

std::string dumpJson(const json& j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

int fail(const std::string& message)
{
    std::cerr << "returnscan: " << message << '\n';
    return kExitUsage;
}

std::string hostName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0')
        return buf;
    return "station";
}

/// Creates the directories of `path`'s parent (like mkdir -p) with mode 0750.
Status ensureParentDir(const std::string& path)
{
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0)
        return {};
    std::string dir = path.substr(0, slash);
    for (std::size_t i = 1; i <= dir.size(); ++i) {
        if (i == dir.size() || dir[i] == '/') {
            std::string part = dir.substr(0, i);
            if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) {
                return makeError(ErrorCode::Io,
                                 "cannot create directory '" + part + "': " + std::strerror(errno));
            }
        }
    }
    return {};
}

bool fileExists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

enum class OpenMode { Create, MustExist };

Result<std::unique_ptr<store::SqliteStore>> openStore(const std::string& path, OpenMode mode)
{
    if (path.empty())
        return makeError(ErrorCode::InvalidArgument, "empty database path");
    if (mode == OpenMode::MustExist && !fileExists(path)) {
        return makeError(ErrorCode::NotFound,
                         "no database at '" + path +
                             "': import codes first (returnscan codes import FILE), or pass --db "
                             "or set RETURNSCAN_DB");
    }
    if (auto d = ensureParentDir(path); !d)
        return std::move(d).takeError();
    return store::SqliteStore::open({path});
}

json decisionJson(const core::Decision& d, core::Timestamp at)
{
    return json{
        {"decision", core::toString(d.outcome)},
        {"reason", core::toString(d.reason)},
        {"code", d.code.empty() ? json(nullptr) : json(d.code)},
        {"order", d.order ? json(*d.order) : json(nullptr)},
        {"expires_at", d.expiresAt ? json(core::formatRfc3339(*d.expiresAt)) : json(nullptr)},
        {"at", core::formatRfc3339(at)},
        {"message", core::describe(d.reason)},
    };
}

void printDecisionText(const core::Decision& d, core::Timestamp at)
{
    std::cout << core::toString(d.outcome) << " (" << core::toString(d.reason)
              << "): " << core::describe(d.reason) << '\n';
    if (!d.code.empty())
        std::cout << "  code:       " << d.code << '\n';
    if (d.order)
        std::cout << "  order:      " << *d.order << '\n';
    if (d.expiresAt)
        std::cout << "  expires at: " << core::formatRfc3339(*d.expiresAt) << '\n';
    std::cout << "  checked at: " << core::formatRfc3339(at) << '\n';
}

/// An order number given on the command line must look like one: a typo is a usage error,
/// not an order_mismatch the supervisor has to clear.
Status checkOrderArgument(const std::string& order)
{
    if (order.empty() || core::CodeFormats::defaults().order.valid(order))
        return {};
    return makeError(ErrorCode::InvalidArgument,
                     "--order: '" + core::displaySafe(order) + "' is not an order number (" +
                         core::CodeFormats::defaults().order.pattern.source() + ")");
}

int exitFor(const core::Decision& d)
{
    return d.outcome == core::Outcome::Accepted ? kExitOk : kExitRefused;
}

// ---------------------------------------------------------------------------------------------

struct ImportArgs {
    std::string file;
    bool strict = false;
    bool json = false;
};

int runImport(const Globals& g, const ImportArgs& a)
{
    auto st = openStore(g.db, OpenMode::Create);
    if (!st)
        return fail(st.error().message);
    store::ImportOptions opts;
    opts.strict = a.strict;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    auto started = std::chrono::steady_clock::now();
    if (tty) {
        opts.progress = [&](std::uint64_t done, std::uint64_t total) {
            double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            double mb = static_cast<double>(done) / 1e6;
            std::fprintf(stderr, "\rimporting: %.1f MB", mb);
            if (total > 0) {
                std::fprintf(stderr, " of %.1f MB (%.0f%%)", static_cast<double>(total) / 1e6,
                             100.0 * static_cast<double>(done) / static_cast<double>(total));
            }
            if (secs > 0)
                std::fprintf(stderr, ", %.1f MB/s", mb / secs);
            std::fprintf(stderr, "   ");
        };
    }
    auto r = store::importAuthorizations(**st, a.file, core::CodeFormats::defaults(), opts);
    if (tty)
        std::fputs("\n", stderr);
    if (!r)
        return fail("import failed, nothing was imported: " + r.error().message);
    const auto& rep = *r;
    if (a.json) {
        json problems = json::array();
        for (const auto& p : rep.problems) {
            problems.push_back({{"line", p.line}, {"error", p.message}});
        }
        std::cout << dumpJson({{"file", a.file},
                               {"format", rep.format == store::ImportFormat::Csv ? "csv" : "jsonl"},
                               {"committed", rep.committed},
                               {"imported", rep.imported},
                               {"updated", rep.updated},
                               {"unchanged", rep.unchanged},
                               {"invalid", rep.invalid},
                               {"problems", problems}})
                  << '\n';
    } else {
        std::cout << "imported " << rep.imported << ", updated " << rep.updated << ", unchanged "
                  << rep.unchanged << ", invalid " << rep.invalid << '\n';
        for (const auto& p : rep.problems) {
            std::cerr << a.file << ":" << p.line << ": " << p.message << '\n';
        }
        if (rep.invalid > static_cast<std::int64_t>(rep.problems.size())) {
            std::cerr << "(" << rep.invalid - static_cast<std::int64_t>(rep.problems.size())
                      << " more invalid rows not listed)\n";
        }
        if (!rep.committed) {
            std::cerr << "returnscan: --strict: " << rep.invalid
                      << " invalid rows, nothing was imported\n";
        }
    }
    return rep.invalid == 0 ? kExitOk : kExitRefused;
}

struct CheckArgs {
    std::string code;
    std::string order;
    std::string at;
    bool json = false;
};

int runCheck(const Globals& g, const CheckArgs& a)
{
    core::SystemClock system;
    core::Timestamp at = system.now();
    if (!a.at.empty()) {
        auto t = core::parseRfc3339(a.at);
        if (!t)
            return fail("--at: " + t.error().message);
        at = *t;
    }
    if (auto o = checkOrderArgument(a.order); !o)
        return fail(o.error().message);
    auto st = openStore(g.db, OpenMode::MustExist);
    if (!st)
        return fail(st.error().message);
    core::DecisionInput in{a.code, a.order.empty() ? std::nullopt : std::optional(a.order), at};
    auto d = core::checkParcel(**st, core::CodeFormats::defaults(), in);
    if (!d)
        return fail(d.error().message);
    if (a.json) {
        std::cout << dumpJson(decisionJson(*d, at)) << '\n';
    } else {
        printDecisionText(*d, at);
    }
    return exitFor(*d);
}

struct ReceiveArgs {
    std::string code;
    std::string order;
    bool noCode = false;
    bool json = false;
    std::string station;
    std::string operatorId;
};

int runReceive(const Globals& g, const ReceiveArgs& a)
{
    if (a.noCode == !a.code.empty()) {
        return fail(
            "receive needs exactly one of CODE or --no-code (see returnscan receive --help)");
    }
    if (auto o = checkOrderArgument(a.order); !o)
        return fail(o.error().message);
    auto st = openStore(g.db, OpenMode::Create);
    if (!st)
        return fail(st.error().message);
    core::SystemClock clock;
    RandomIds ids;
    core::ReceiveRequest req;
    req.input.at = clock.now();
    if (!a.noCode)
        req.input.code = a.code;
    if (!a.order.empty())
        req.input.order = a.order;
    req.receiptId = ids.newId();
    req.station = a.station.empty() ? hostName() : a.station;
    req.operatorId = a.operatorId;
    req.startedAt = req.input.at;
    if (!a.noCode)
        req.scans.push_back({req.input.at, "cli", "", a.code});
    auto r = core::receiveParcel(**st, core::CodeFormats::defaults(), req);
    if (!r)
        return fail("nothing was recorded: " + r.error().message);
    if (a.json) {
        json j = decisionJson(r->decision, req.input.at);
        j["receipt_id"] = r->receipt.id;
        j["flags"] = r->receipt.flags;
        std::cout << dumpJson(j) << '\n';
    } else {
        printDecisionText(r->decision, req.input.at);
        std::cout << "  receipt:    " << r->receipt.id << '\n';
    }
    return exitFor(r->decision);
}

struct ListArgs {
    std::string since;
    bool json = false;
};

int runReceiptsList(const Globals& g, const ListArgs& a)
{
    std::optional<core::Timestamp> since;
    if (!a.since.empty()) {
        auto t = core::parseRfc3339(a.since);
        if (!t)
            return fail("--since: " + t.error().message);
        since = *t;
    }
    auto st = openStore(g.db, OpenMode::MustExist);
    if (!st)
        return fail(st.error().message);
    auto list = (*st)->listReceipts(since);
    if (!list)
        return fail(list.error().message);
    if (a.json) {
        for (const auto& r : *list)
            std::cout << store::receiptToJson(r) << '\n';
        return kExitOk;
    }
    std::printf("%-20s  %-8s  %-16s  %-12s  %-9s  %s\n", "DECIDED (UTC)", "DECISION", "REASON",
                "CODE", "ORDER", "RECEIPT");
    for (const auto& r : *list) {
        std::printf("%-20s  %-8s  %-16s  %-12s  %-9s  %s\n",
                    core::formatRfc3339(r.decidedAt).c_str(),
                    std::string(core::toString(r.decision)).c_str(),
                    std::string(core::toString(r.reason)).c_str(), r.code ? r.code->c_str() : "-",
                    r.order ? r.order->c_str() : "-", r.id.c_str());
    }
    std::printf("%zu receipts\n", list->size());
    return kExitOk;
}

int runAuditVerify(const Globals& g, bool asJson)
{
    auto st = openStore(g.db, OpenMode::MustExist);
    if (!st)
        return fail(st.error().message);
    auto integrity = (*st)->integrityCheck();
    if (!integrity)
        return fail(integrity.error().message);
    auto audit = (*st)->verifyAudit();
    if (!audit)
        return fail(audit.error().message);
    auto orphans = (*st)->orphanConsumptions();
    if (!orphans)
        return fail(orphans.error().message);
    bool ok = *integrity == "ok" && audit->ok && orphans->empty();
    if (asJson) {
        std::cout << dumpJson({{"ok", ok},
                               {"integrity_check", *integrity},
                               {"audit_rows", audit->rows},
                               {"audit_ok", audit->ok},
                               {"audit_first_bad_row",
                                audit->firstBadRow ? json(*audit->firstBadRow) : json(nullptr)},
                               {"codes_consumed_without_receipt", *orphans}})
                  << '\n';
    } else {
        std::cout << "integrity_check: " << *integrity << '\n'
                  << "audit chain:     " << audit->rows << " rows, "
                  << (audit->ok ? "intact"
                                : "BROKEN at row " + std::to_string(audit->firstBadRow.value_or(0)))
                  << '\n'
                  << "consumed codes without a receipt: " << orphans->size() << '\n';
    }
    return ok ? kExitOk : kExitRefused;
}

int runKiosk(const Globals& g, const KioskArgs& a)
{
    DemoDir demoDir;
    std::string dbPath = g.db;
    const std::string station = a.station.empty() ? hostName() : a.station;
    core::SystemClock clock;
    RandomIds ids;
    if (a.demo) {
        if (demoDir.path().empty())
            return fail(std::string("cannot create a demo directory: ") + std::strerror(errno));
        if (a.keep)
            demoDir.keep();
        dbPath = demoDir.path() + "/returnscan.db";
    }
    auto st = openStore(dbPath, a.demo ? OpenMode::Create : OpenMode::MustExist);
    if (!st)
        return fail(st.error().message);
    if (a.demo) {
        if (auto s = seedDemo(**st, clock, ids, station); !s) {
            return fail("demo set-up failed: " + s.error().message);
        }
    }
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    KioskTerminalOptions opts;
    opts.station = station;
    opts.operatorId = a.operatorId;
    opts.color = tty && std::getenv("NO_COLOR") == nullptr;
    std::cout << "returnscan kiosk (terminal) - station " << station << '\n'
              << "database: " << dbPath << (a.demo ? " (demo data, temporary)" : "") << '\n'
              << "Scan the return code. Type a code or order number and Enter; '!no-code' for a "
                 "parcel without a code; '!quit' or Ctrl-D to stop.\n\n";
    const auto pace = std::chrono::milliseconds(a.paceMs >= 0 ? a.paceMs : (tty ? 700 : 0));

    auto play = [&](std::istream& in, std::string_view device, bool paced) {
        KioskTerminal term(**st, core::CodeFormats::defaults(), clock, ids, std::cout, [&] {
            auto o = opts;
            o.device = std::string(device);
            return o;
        }());
        std::string line;
        bool go = true;
        while (go && std::getline(in, line)) {
            if (paced && !line.empty() && line.front() != '#') {
                std::cout << "> " << line << std::endl;
                std::this_thread::sleep_for(pace);
            }
            go = term.handleLine(line);
            std::cout.flush();
        }
        return std::pair{term.summary(), go};
    };

    KioskSummary total;
    auto add = [&](const KioskSummary& s) {
        total.accepted += s.accepted;
        total.rejected += s.rejected;
        total.held += s.held;
        total.otherReads += s.otherReads;
        total.errors += s.errors;
    };
    bool go = true;
    if (a.demo || !a.script.empty()) {
        std::string scriptText = demoScript();
        if (!a.script.empty()) {
            std::ifstream f(a.script);
            if (!f)
                return fail("cannot read scan script '" + a.script + "'");
            std::stringstream ss;
            ss << f.rdbuf();
            scriptText = ss.str();
        }
        std::istringstream in(scriptText);
        auto [s, more] = play(in, a.script.empty() ? "demo-script" : "scan-script", true);
        add(s);
        go = more;
    }
    if (go) {
        if (::isatty(STDIN_FILENO) != 0)
            std::cout << "\nready for scans (Ctrl-D to stop)\n";
        auto [s, more] = play(std::cin, "stdin", false);
        add(s);
    }
    std::cout << "\nsummary: " << total.accepted << " accepted, " << total.rejected << " rejected, "
              << total.held << " held, " << total.otherReads << " other reads, " << total.errors
              << " errors\n";
    if (a.demo) {
        std::cout << (a.keep ? "demo database kept at " + dbPath
                             : std::string("demo database removed (use --keep to keep it)"))
                  << '\n';
    }
    return total.errors == 0 ? kExitOk : kExitRefused;
}

/// The global options are also accepted after any subcommand, nested ones included
/// (`returnscan check CODE --db PATH`, `returnscan codes import --db PATH FILE`), as a new user
/// types them. Each subcommand gets its own `--db` bound to the same variable, so its `--help`
/// lists it (CLI11's fallthrough() would parse it too, but hide it from the subcommand's help).
/// No envname here: CLI11 reads environment variables for every subcommand, parsed or not, and
/// would let RETURNSCAN_DB override a `--db` given before the subcommand. The root's option reads
/// the environment; the subcommands' options run their callbacks after the root's, so the last
/// `--db` on the command line wins.
void acceptGlobalsAfterSubcommands(CLI::App& parent, Globals& g)
{
    for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name().empty()) {
            continue;  // an option group: its options already belong to the parent's level
        }
        if (sub->get_option_no_throw("--db") == nullptr) {
            sub->add_option("--db", g.db,
                            std::string("SQLite database file (env RETURNSCAN_DB; default ") +
                                kDefaultDb + "); also accepted before the command")
                ->default_str(kDefaultDb);
        }
        acceptGlobalsAfterSubcommands(*sub, g);
    }
}

}  // namespace

int runCli(int argc, char** argv)
{
    CLI::App app(
        "returnscan: the returns bench station. Decides return codes against the after-sales "
        "policy, records receipts durably in SQLite.\n\nExit status: 0 success (check/receive: "
        "accepted), 1 rejected or held (import: invalid rows), 2 usage or data error.");
    app.set_version_flag("--version", versionLine());
    app.require_subcommand(1);
    Globals g{kDefaultDb};
    app.add_option(
           "--db", g.db,
           std::string("SQLite database file (env RETURNSCAN_DB; default ") + kDefaultDb + ")")
        ->envname("RETURNSCAN_DB")
        ->default_str(kDefaultDb);
    std::string logSpec;
    app.add_option("--log-level", logSpec,
                   "What the log shows: LEVEL[,CATEGORY=LEVEL...], levels error, warning, "
                   "notice, info, debug, wire, off; categories app, input, vision, store, sync, "
                   "ui, station, firmware (env RETURNSCAN_LOG_LEVEL; default: the web kiosk "
                   "warning, other commands off, notice when stderr is the systemd journal)")
        ->envname("RETURNSCAN_LOG_LEVEL")
        ->check(CLI::Validator(
            [](std::string& spec) {
                auto l = core::parseLogLevels(spec);
                return l ? std::string() : l.error().message;
            },
            "LEVEL[,CATEGORY=LEVEL...]"));
    int status = kExitOk;

    // codes
    auto* codes = app.add_subcommand("codes", "Manage the return codes (authorizations)");
    codes->require_subcommand(1);
    ImportArgs imp;
    auto* importCmd = codes->add_subcommand(
        "import",
        "Import authorizations from a JSON Lines file (one object per line, as in the central "
        "API) or a CSV file with the header " +
            std::string(store::kCsvHeader) +
            "[,version]. One transaction; a row replaces the stored one when its version is "
            "higher.");
    importCmd->add_option("FILE", imp.file, "File to import")->required();
    importCmd->add_flag("--strict", imp.strict, "Import nothing if any row is invalid");
    importCmd->add_flag("--json", imp.json, "Print the report as one JSON object");
    importCmd->callback([&] { status = runImport(g, imp); });

    // check
    CheckArgs chk;
    auto* check = app.add_subcommand(
        "check", "Decide a return code without consuming it (exit 0 accepted, 1 refused)");
    check->add_option("CODE", chk.code, "The return code as read")->required();
    check->add_option("--order", chk.order, "An order number scanned from the parcel's label");
    check->add_option("--at", chk.at, "Scan time, RFC 3339 with offset (default: now)");
    check->add_flag("--json", chk.json, "Print one JSON object");
    check->callback([&] { status = runCheck(g, chk); });

    // receive
    ReceiveArgs rcv;
    rcv.operatorId = "cli";
    auto* receive = app.add_subcommand(
        "receive",
        "Decide a parcel and record its receipt; an accepted code is consumed in the same "
        "transaction (exit 0 accepted, 1 refused)");
    receive->add_option("CODE", rcv.code, "The return code as read");
    receive->add_flag("--no-code", rcv.noCode, "The parcel arrived without a return code");
    receive->add_option("--order", rcv.order, "An order number scanned from the parcel's label");
    receive->add_flag("--json", rcv.json, "Print one JSON object");
    receive
        ->add_option("--station", rcv.station,
                     "Station id (env RETURNSCAN_STATION; default: host name)")
        ->envname("RETURNSCAN_STATION");
    receive->add_option("--operator", rcv.operatorId, "Operator id")->default_str("cli");
    receive->callback([&] { status = runReceive(g, rcv); });

    // receipts
    auto* receipts = app.add_subcommand("receipts", "Look at recorded receipts");
    receipts->require_subcommand(1);
    ListArgs lst;
    auto* list = receipts->add_subcommand("list", "List receipts, oldest first");
    list->add_option("--since", lst.since, "Only receipts decided at or after this RFC 3339 time");
    list->add_flag("--json", lst.json, "One JSON object per line (central API field names)");
    list->callback([&] { status = runReceiptsList(g, lst); });

    // audit
    auto* audit = app.add_subcommand("audit", "Check the database");
    audit->require_subcommand(1);
    bool auditJson = false;
    auto* verify = audit->add_subcommand(
        "verify",
        "Run SQLite's integrity check, verify the audit hash chain, and look for codes consumed "
        "without a receipt (exit 0 sound, 1 problems found)");
    verify->add_flag("--json", auditJson, "Print one JSON object");
    verify->callback([&] { status = runAuditVerify(g, auditJson); });

    // kiosk
    KioskArgs ksk;
    auto* kiosk = app.add_subcommand(
        "kiosk",
        "Run the station: the parcel workflow with the operator's web UI on loopback, fed by "
        "the configured scanners and cameras (--terminal: a terminal kiosk reading scans from "
        "stdin instead)");
    kiosk->add_option("--config", ksk.config,
                      "The configuration file (docs/configuration.md; default "
                      "/etc/returnscan/kiosk.toml)");
    kiosk->add_flag("--demo", ksk.demo,
                    "Built-in demo: demo codes in a temporary folder, a simulated scanner "
                    "playing scripted parcels and a simulated camera; prints the URL to open");
    kiosk->add_option("--http", ksk.http,
                      "Serve the UI on HOST:PORT (port 0: any free port); overrides [ui] listen");
    kiosk->add_option("--scanner", ksk.scanners,
                      "fifo:PATH: read scans from a FIFO, one per line (created when absent); "
                      "repeatable");
    kiosk
        ->add_option("--demo-script", ksk.demoScript,
                     "With --demo: 'default' plays the scripted parcels, 'none' plays nothing")
        ->check(CLI::IsMember({"default", "none"}));
    kiosk->add_flag("--list-demo-codes", ksk.listDemoCodes,
                    "Print the demo codes and their expected decisions as JSON lines, and exit");
    kiosk->add_flag("--check-config", ksk.checkConfig,
                    "Check the configuration file and exit (0 valid, 2 not)");
    kiosk->add_flag("--terminal", ksk.terminal,
                    "The terminal kiosk: scans are read one per line from stdin (after the "
                    "script, if any) and each decision is printed once its receipt is durable");
    kiosk->add_option("--script", ksk.script,
                      "With --terminal: play this scan script first (format: docs/kiosk-demo.md)");
    kiosk->add_option("--pace", ksk.paceMs,
                      "Milliseconds between scripted steps (terminal: default 700 on a terminal, "
                      "else 0; web demo: default 1500)");
    kiosk->add_flag("--keep", ksk.keep, "With --demo: keep the temporary folder");
    kiosk
        ->add_option("--station", ksk.station,
                     "Station id (env RETURNSCAN_STATION; default: the configuration's, or the "
                     "host name)")
        ->envname("RETURNSCAN_STATION");
    kiosk->add_option("--operator", ksk.operatorId, "Operator id")->default_str("operator");
    kiosk->callback([&] { status = ksk.terminal ? runKiosk(g, ksk) : runWebKiosk(g, ksk); });

    addInputCommands(app, g, status);
    addVisionCommands(app, g, status);
    addSyncCommands(app, g, status);
    addFirmwareCommands(app, g, status);
    addKioskCommands(app, g, status);
    acceptGlobalsAfterSubcommands(app, g);

    // The log's levels, before any command runs. A command's own stdout and stderr are its
    // interface (scripts and tests parse them), so only the web kiosk, a daemon, logs to a
    // terminal by default; in the journal every command logs from notice up.
    app.parse_complete_callback([&] {
        core::LogLevels levels(std::nullopt);
        if (log::defaultSinkKind() == log::SinkKind::Journald)
            levels = core::LogLevels(core::LogLevel::Notice);
        else if (kiosk->parsed() && !ksk.terminal && !ksk.checkConfig && !ksk.listDemoCodes)
            levels = core::LogLevels(core::LogLevel::Warning);
        if (!logSpec.empty()) {
            if (auto l = core::parseLogLevels(logSpec, levels))
                levels = *l;
        }
        core::processLogHub().setLevels(levels);
    });

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e);
        return kExitUsage;
    }
    return status;
}

}  // namespace returnscan::app
