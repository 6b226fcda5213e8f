// SPDX-License-Identifier: Apache-2.0
// The kiosk process end to end: the real binary, a FIFO scanner, the synthetic camera, the
// JSON API over real HTTP, systemd's notify socket, a restart with an open parcel, a serial
// scanner (the simulator on a pty) that beeps and lights per decision.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/child.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace returnscan::tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string readFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// A kiosk child and an HTTP client for it.
class Kiosk {
public:
    Kiosk(std::vector<std::string> args, const TempDir& dir, std::vector<std::string> env = {})
        : child_(withBinary(std::move(args)), std::move(env), dir.file("kiosk.err"))
    {
        auto line = child_.waitForLine("UI at http://", 30s);
        if (!line) {
            return;
        }
        const auto at = line->find("http://127.0.0.1:");
        port_ = std::stoi(line->substr(at + 17));
        client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
        client_->set_read_timeout(10, 0);
    }

    [[nodiscard]] bool up() const { return client_ != nullptr; }
    Child& child() { return child_; }

    json get(const std::string& path, int* status = nullptr)
    {
        auto r = client_->Get(path.c_str());
        if (!r) {
            return json();
        }
        if (status != nullptr) {
            *status = r->status;
        }
        return json::parse(r->body, nullptr, false);
    }

    std::pair<int, json> post(const std::string& path, const json& body)
    {
        httplib::Headers h{{"Origin", "http://127.0.0.1:" + std::to_string(port_)}};
        auto r = client_->Post(path.c_str(), h, body.dump(), "application/json");
        if (!r) {
            return {0, json()};
        }
        return {r->status, json::parse(r->body, nullptr, false)};
    }

    httplib::Result raw(const std::string& path) { return client_->Get(path.c_str()); }

    /// Polls the state until `pred` holds (10 s at most).
    json waitFor(const std::function<bool(const json&)>& pred)
    {
        json s;
        for (int i = 0; i < 200; ++i) {
            s = get("/api/state");
            if (s.is_object() && pred(s)) {
                return s;
            }
            std::this_thread::sleep_for(50ms);
        }
        return s;
    }

private:
    /// Arguments of `returnscan`, or a whole command line (a first word that is a path).
    static std::vector<std::string> withBinary(std::vector<std::string> args)
    {
        if (!args.empty() && args.front().starts_with("/")) {
            return args;
        }
        args.insert(args.begin(), RETURNSCAN_BINARY);
        return args;
    }

    Child child_;
    int port_ = 0;
    std::unique_ptr<httplib::Client> client_;
};

void writeFifo(const std::string& path, const std::string& text)
{
    std::ofstream f(path);
    f << text << '\n';
}

std::vector<json> demoCodes()
{
    auto r = runProcess({RETURNSCAN_BINARY, "kiosk", "--demo", "--list-demo-codes"});
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        out.push_back(json::parse(line));
    }
    return out;
}

std::string codeFor(const std::string& reason)
{
    for (const auto& c : demoCodes()) {
        if (c["reason"] == reason) {
            return c["code"];
        }
    }
    return {};
}

/// The demo's accepted code that needs no order label, imported as approved through the CLI
/// into dir/db/rs.db (the database a test's kiosk.toml names). Empty, with the CLI's error in
/// `error`, when the import failed.
std::string importAcceptedDemoCode(const TempDir& dir, std::string& error)
{
    std::string code;
    for (const auto& c : demoCodes()) {
        if (c["reason"] == "accepted" && c["order"].is_null()) {
            code = c["code"];
            break;
        }
    }
    std::filesystem::create_directories(dir.file("db"));
    const std::string jsonl = dir.write("codes.jsonl", json{{"code", code},
                                                            {"order", "100000001"},
                                                            {"status", "approved"},
                                                            {"issued_at", "2026-01-01T00:00:00Z"},
                                                            {"expires_at", "2099-01-01T00:00:00Z"}}
                                                               .dump() +
                                                           "\n");
    auto imp =
        runProcess({RETURNSCAN_BINARY, "--db", dir.file("db/rs.db"), "codes", "import", jsonl});
    if (imp.status != 0) {
        error = imp.err;
        return {};
    }
    return code;
}

TEST(KioskProcess, ListsDemoCodesForEveryReason)
{
    std::set<std::string> reasons;
    for (const auto& c : demoCodes()) {
        reasons.insert(c["reason"].get<std::string>());
    }
    EXPECT_EQ(reasons,
              (std::set<std::string>{"accepted", "already_received", "expired", "malformed_code",
                                     "not_approved", "order_mismatch", "unknown_code"}));
}

TEST(KioskProcess, DemoParcelFromFifoScanToCompletedReceipt)
{
    TempDir dir;
    const std::string fifo = dir.file("scan.fifo");
    Kiosk k({"kiosk", "--demo", "--demo-script", "none", "--http", "127.0.0.1:0", "--scanner",
             "fifo:" + fifo},
            dir);
    ASSERT_TRUE(k.up()) << k.child().output() << readFile(dir.file("kiosk.err"));
    auto s = k.get("/api/state");
    EXPECT_TRUE(s["session"].is_null());
    EXPECT_EQ(s["prompt"], "scan_code");
    EXPECT_TRUE(s["camera"].get<bool>());

    const auto code = codeFor("accepted");
    writeFifo(fifo, code);
    s = k.waitFor([](const json& j) { return j["session"].is_object(); });
    ASSERT_TRUE(s["session"].is_object()) << s.dump();
    EXPECT_EQ(s["session"]["decision"]["outcome"], "accepted");
    EXPECT_EQ(s["session"]["code"], code);

    EXPECT_EQ(k.post("/api/condition", {{"grade", "ok"}}).first, 200);
    auto [st1, p1] = k.post("/api/photo", {{"role", "overview"}});
    EXPECT_EQ(st1, 200) << p1.dump();
    auto [st2, p2] = k.post("/api/photo", {{"role", "label"}});
    ASSERT_EQ(st2, 200) << p2.dump();
    const auto& photos = p2["state"]["session"]["photos"];
    ASSERT_EQ(photos.size(), 2u);
    // The simulated camera shows the parcel's order label: the photo proves it.
    EXPECT_TRUE(photos[1]["order_label_visible"].get<bool>()) << p2.dump();
    auto thumb = k.raw(photos[1]["url"].get<std::string>() + "?thumb=1");
    ASSERT_TRUE(thumb);
    EXPECT_EQ(thumb->status, 200);
    EXPECT_EQ(thumb->get_header_value("Content-Type"), "image/jpeg");
    auto preview = k.raw("/api/preview.jpg");
    ASSERT_TRUE(preview);
    EXPECT_EQ(preview->status, 200);

    auto [st3, done] = k.post("/api/complete", json::object());
    ASSERT_EQ(st3, 200) << done.dump();
    EXPECT_TRUE(done["state"]["session"].is_null());
    EXPECT_EQ(done["state"]["last"]["outcome"], "accepted");
    EXPECT_EQ(done["state"]["counts"]["accepted"], 1);

    auto list = k.get("/api/receipts?limit=5");
    ASSERT_TRUE(list["receipts"].is_array()) << list.dump();
    EXPECT_EQ(list["receipts"][0]["code"], code);
    EXPECT_FALSE(list["receipts"][0]["completed_at"].is_null());

    // Refused parcels: the reason words of the decision table reach the page.
    for (const auto* reason : {"expired", "not_approved", "unknown_code", "malformed_code"}) {
        writeFifo(fifo, codeFor(reason));
        s = k.waitFor([](const json& j) { return j["session"].is_object(); });
        ASSERT_TRUE(s["session"].is_object()) << reason;
        EXPECT_EQ(s["session"]["decision"]["reason"], reason);
        EXPECT_EQ(s["session"]["decision"]["outcome"], "rejected");
        EXPECT_EQ(k.post("/api/photo", {{"role", "overview"}}).first, 200);
        s = k.get("/api/state");
        EXPECT_TRUE(s["session"].is_null()) << s.dump();
    }
    EXPECT_EQ(k.get("/api/state")["counts"]["rejected"], 4);
    EXPECT_EQ(k.child().stop(SIGTERM, 10s), 0);
}

TEST(KioskProcess, ReadyAndWatchdogThroughTheNotifySocket)
{
    TempDir dir;
    const std::string sockPath = dir.file("notify.sock");
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sockPath.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    Kiosk k({"kiosk", "--demo", "--demo-script", "none", "--http", "127.0.0.1:0"}, dir,
            {"NOTIFY_SOCKET=" + sockPath, "WATCHDOG_USEC=1000000"});
    ASSERT_TRUE(k.up());
    std::string all;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (int i = 0; i < 10 && all.find("WATCHDOG=1") == std::string::npos; ++i) {
        char buf[512];
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        all.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    EXPECT_NE(all.find("READY=1"), std::string::npos) << all;
    EXPECT_NE(all.find("WATCHDOG=1"), std::string::npos) << all;
    EXPECT_EQ(k.child().stop(SIGTERM, 10s), 0);
}

TEST(KioskProcess, OpenParcelShownAgainAfterACrash)
{
    TempDir dir;
    const std::string fifo = dir.file("scan.fifo");
    std::ofstream(dir.file("kiosk.toml")) << "[station]\nid = \"crash-test\"\n"
                                          << "[storage]\ndatabase = \"" << dir.file("db/rs.db")
                                          << "\"\nphotos = \"" << dir.file("photos") << "\"\n"
                                          << "[ui]\nlisten = \"127.0.0.1:0\"\n";
    // Authorizations: the demo's, imported through the CLI.
    std::string importError;
    const std::string code = importAcceptedDemoCode(dir, importError);
    ASSERT_FALSE(code.empty()) << importError;
    std::string id;
    {
        Kiosk k({"kiosk", "--config", dir.file("kiosk.toml"), "--scanner", "fifo:" + fifo}, dir);
        ASSERT_TRUE(k.up()) << readFile(dir.file("kiosk.err"));
        writeFifo(fifo, code);
        auto s = k.waitFor([](const json& j) { return j["session"].is_object(); });
        ASSERT_TRUE(s["session"].is_object());
        EXPECT_EQ(s["session"]["decision"]["outcome"], "accepted");
        EXPECT_FALSE(s["camera"].get<bool>());
        EXPECT_EQ(k.post("/api/condition", {{"grade", "damaged_major"}}).first, 200);
        id = s["session"]["id"];
        EXPECT_EQ(k.child().stop(SIGKILL, 5s), 128 + SIGKILL);
    }
    Kiosk again({"kiosk", "--config", dir.file("kiosk.toml")}, dir);
    ASSERT_TRUE(again.up()) << readFile(dir.file("kiosk.err"));
    auto s = again.get("/api/state");
    ASSERT_TRUE(s["session"].is_object()) << s.dump();
    EXPECT_EQ(s["session"]["id"], id);
    EXPECT_EQ(s["session"]["condition"], "damaged_major");
    EXPECT_EQ(s["message"]["word"], "resumed");
    EXPECT_EQ(again.post("/api/complete", json::object()).first, 200);
    EXPECT_EQ(again.child().stop(SIGTERM, 10s), 0);
}

/// The command line of `returnscan ARGS` as the station's service user runs it. Root opens a
/// tty past TIOCEXCL; to meet the line as that user does (a second open of the input loop's
/// tty fails with EBUSY), a root test runs the kiosk as nobody with setpriv (util-linux) and
/// opens up `dir` and `paths` for it; others run it as they are.
std::vector<std::string> asServiceUser(std::vector<std::string> args, const TempDir& dir,
                                       const std::vector<std::string>& paths)
{
    args.insert(args.begin(), RETURNSCAN_BINARY);
    if (::geteuid() != 0 || ::access("/usr/bin/setpriv", X_OK) != 0) {
        return args;
    }
    for (const auto& p : paths) {
        (void)::chmod(p.c_str(), 0666);
    }
    std::error_code ec;
    (void)::chmod(dir.path().c_str(), 0755);
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path(), ec)) {
        (void)::chown(e.path().c_str(), 65534, 65534);
    }
    (void)::chown(dir.path().c_str(), 65534, 65534);
    args.insert(args.begin(),
                {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
    return args;
}

/// A kiosk with one serial SSI scanner, `returnscan scanner-sim` on a pty, and one accepted
/// code imported. The simulator reads its script from a FIFO, so the test decides when to scan.
class SerialStation {
public:
    explicit SerialStation(const std::vector<std::string>& simFaults = {})
        : sim_(simArgs(dir_, simFaults), {}, dir_.file("sim.err"))
    {
        for (int i = 0; i < 1000 && feed_ < 0; ++i) {
            // ENXIO until the simulator has opened the script for reading.
            feed_ = ::open(dir_.file("sim.script").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (feed_ < 0) {
                std::this_thread::sleep_for(10ms);
            }
        }
        const auto tty = sim_.waitForLine("/dev/", 10s);
        if (feed_ < 0 || !tty) {
            return;
        }
        std::string importError;
        accepted = importAcceptedDemoCode(dir_, importError);
        if (accepted.empty()) {
            return;
        }
        std::ofstream(dir_.file("kiosk.toml"))
            << "[station]\nid = \"feedback-test\"\n"
            << "[storage]\ndatabase = \"" << dir_.file("db/rs.db") << "\"\nphotos = \""
            << dir_.file("photos") << "\"\n"
            << "[ui]\nlisten = \"127.0.0.1:0\"\n"
            << "[[scanner]]\nname = \"handheld\"\ntransport = \"serial\"\ndevice = \"" << *tty
            << "\"\nprotocol = \"ssi\"\nfeedback = \"ssi\"\n";
        kiosk_ = std::make_unique<Kiosk>(
            asServiceUser({"kiosk", "--config", dir_.file("kiosk.toml")}, dir_, {*tty}), dir_);
    }
    ~SerialStation()
    {
        if (feed_ >= 0) {
            ::close(feed_);
        }
        sim_.stop(SIGTERM, 5s);
    }
    SerialStation(const SerialStation&) = delete;
    SerialStation& operator=(const SerialStation&) = delete;

    [[nodiscard]] bool up() const { return kiosk_ && kiosk_->up(); }
    [[nodiscard]] std::string why() const
    {
        return readFile(dir_.file("sim.err")) + readFile(dir_.file("kiosk.err"));
    }
    Kiosk& kiosk() { return *kiosk_; }
    Child& sim() { return sim_; }
    [[nodiscard]] std::string kioskErr() const { return readFile(dir_.file("kiosk.err")); }

    /// The scanner reads `code` (the simulator sends it as DECODE_DATA once the line is open).
    bool scan(const std::string& code) const
    {
        const std::string line = code + "\n";
        return ::write(feed_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    }

    std::string accepted;

private:
    static std::vector<std::string> simArgs(const TempDir& dir,
                                            const std::vector<std::string>& faults)
    {
        const std::string script = dir.file("sim.script");
        (void)::mkfifo(script.c_str(), 0600);
        std::vector<std::string> a{RETURNSCAN_BINARY, "scanner-sim", "--protocol", "ssi",
                                   "--script",        script};
        a.insert(a.end(), faults.begin(), faults.end());
        return a;
    }

    TempDir dir_;
    Child sim_;
    int feed_ = -1;
    std::unique_ptr<Kiosk> kiosk_;
};

std::size_t countOf(const std::string& text, const std::string& needle)
{
    std::size_t n = 0;
    for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; ++at) {
        ++n;
    }
    return n;
}

TEST(KioskProcess, SerialSsiScannerBeepsAndLightsPerDecisionThroughTheInputLoop)
{
    SerialStation st;
    ASSERT_TRUE(st.up()) << st.why();
    Kiosk& k = st.kiosk();

    // Rejected (unknown code): error beep and red. Without a camera the parcel closes at once.
    ASSERT_TRUE(st.scan(codeFor("unknown_code")));
    EXPECT_TRUE(st.sim().waitForLine("command beep-error", 10s)) << st.sim().output();
    EXPECT_TRUE(st.sim().waitForLine("command led-red", 5s)) << st.sim().output();
    auto s = k.waitFor([](const json& j) { return j["counts"]["rejected"] == 1; });
    EXPECT_EQ(s["counts"]["rejected"], 1) << s.dump();

    // Accepted: good-read beep and green.
    ASSERT_TRUE(st.scan(st.accepted));
    EXPECT_TRUE(st.sim().waitForLine("command beep-good", 10s)) << st.sim().output();
    EXPECT_TRUE(st.sim().waitForLine("command led-green", 5s)) << st.sim().output();
    s = k.waitFor([](const json& j) { return j["session"].is_object(); });
    ASSERT_TRUE(s["session"].is_object()) << s.dump();
    EXPECT_EQ(s["session"]["decision"]["outcome"], "accepted");
    EXPECT_EQ(s["session"]["code"], st.accepted);
    // Every command was acknowledged through the input loop (a NAK or no answer is logged),
    // and the host ACKed each DECODE_DATA packet, as before.
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(st.kioskErr().find("no feedback"), std::string::npos) << st.kioskErr();
    EXPECT_EQ(countOf(st.sim().output(), "command host-ack"), 2u) << st.sim().output();
    EXPECT_EQ(k.child().stop(SIGTERM, 10s), 0);
}

TEST(KioskProcess, SilentSerialScannerIsLoggedOncePerSpellNotPerParcel)
{
    SerialStation st({"--silent", "4"});  // the two refusals' four commands go unanswered
    ASSERT_TRUE(st.up()) << st.why();
    Kiosk& k = st.kiosk();
    ASSERT_TRUE(st.scan(codeFor("unknown_code")));
    EXPECT_TRUE(st.sim().waitForLine("command led-red", 10s)) << st.sim().output();
    k.waitFor([](const json& j) { return j["counts"]["rejected"] == 1; });
    ASSERT_TRUE(st.scan(codeFor("malformed_code")));
    EXPECT_TRUE(st.sim().waitForLine("command led-red", 10s)) << st.sim().output();
    k.waitFor([](const json& j) { return j["counts"]["rejected"] == 2; });
    ASSERT_TRUE(st.scan(st.accepted));  // answered again
    EXPECT_TRUE(st.sim().waitForLine("command led-green", 10s)) << st.sim().output();
    std::this_thread::sleep_for(300ms);
    const std::string err = st.kioskErr();
    EXPECT_EQ(countOf(err, "no feedback on scanner handheld: beep-error: no-answer"), 1u) << err;
    EXPECT_EQ(countOf(err, "no feedback"), 1u) << err;
    EXPECT_EQ(countOf(err, "feedback on scanner handheld works again"), 1u) << err;
    EXPECT_EQ(k.child().stop(SIGTERM, 10s), 0);
}

TEST(KioskProcess, BadConfigurationStopsTheStartNamingFileLineAndKey)
{
    TempDir dir;
    const auto path = dir.write("kiosk.toml", "[station]\nid = \"x\"\ncolour = \"blue\"\n");
    auto r = runProcess({RETURNSCAN_BINARY, "kiosk", "--config", path});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(path + ":3: station.colour"), std::string::npos) << r.err;
    auto ok = runProcess({RETURNSCAN_BINARY, "kiosk", "--check-config", "--config",
                          std::string(RETURNSCAN_SOURCE_DIR) + "/packaging/kiosk.example.toml"});
    EXPECT_EQ(ok.status, 0) << ok.err;
    auto missing = runProcess({RETURNSCAN_BINARY, "kiosk", "--config", dir.file("nope.toml")});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("nope.toml"), std::string::npos) << missing.err;
}

TEST(KioskProcess, PortInUseIsAClearError)
{
    TempDir dir;
    Kiosk first({"kiosk", "--demo", "--demo-script", "none", "--http", "127.0.0.1:0"}, dir);
    ASSERT_TRUE(first.up());
    const auto url = first.child().output();
    const auto at = url.find("127.0.0.1:");
    const std::string port = url.substr(at + 10, url.find('/', at) - at - 10);
    auto r = runProcess({RETURNSCAN_BINARY, "kiosk", "--demo", "--demo-script", "none", "--http",
                         "127.0.0.1:" + port});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("127.0.0.1:" + port), std::string::npos) << r.err;
    EXPECT_EQ(first.child().stop(SIGTERM, 10s), 0);
}

TEST(KioskProcess, SystemdAnalyzeVerifiesTheKioskUnit)
{
    if (::access("/usr/bin/systemd-analyze", X_OK) != 0) {
        GTEST_SKIP() << "systemd-analyze is not installed here (package systemd)";
    }
    TempDir tmp;
    auto unit = readFile(std::string(RETURNSCAN_SOURCE_DIR) +
                         "/packaging/systemd/returnscan-kiosk.service");
    ASSERT_NE(unit.find("Type=notify"), std::string::npos);
    ASSERT_NE(unit.find("WatchdogSec="), std::string::npos);
    EXPECT_EQ(unit.find("\nPrivateDevices=yes"), std::string::npos);
    const std::string from = "/usr/bin/returnscan";
    unit.replace(unit.find(from), from.size(), RETURNSCAN_BINARY);
    tmp.write("returnscan-kiosk.service", unit);
    auto r =
        runProcess({"/usr/bin/systemd-analyze", "verify", tmp.file("returnscan-kiosk.service")});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.err.find("returnscan-kiosk"), std::string::npos) << r.err;
}

TEST(KioskProcess, ShippedConfigurationStartsAndSaysWhatIsStillToConfigure)
{
    // The package's /etc/returnscan/kiosk.toml (every key commented out), with only the
    // storage moved into the test's folder.
    const std::string shipped = readFile(RETURNSCAN_SHIPPED_CONFIG);
    ASSERT_NE(shipped.find("#[station]"), std::string::npos) << RETURNSCAN_SHIPPED_CONFIG;
    TempDir dir;
    const std::string config = dir.write(
        "kiosk.toml", shipped + "\n[storage]\ndatabase = \"" + dir.file("db/rs.db") +
                          "\"\nphotos = \"" + dir.file("photos") + "\"\n");
    EXPECT_EQ(runProcess({RETURNSCAN_BINARY, "kiosk", "--check-config", "--config", config}).status,
              0);
    Kiosk k({"kiosk", "--config", config, "--http", "127.0.0.1:0"}, dir);
    ASSERT_TRUE(k.up()) << readFile(dir.file("kiosk.err"));
    auto s = k.get("/api/state");
    ASSERT_TRUE(s["setup"].is_array()) << s.dump();
    std::vector<std::string> expected = {"[station] id", "[sync] central_url"};
    if (::access("/etc/returnscan/central-token", R_OK) != 0) {
        expected.emplace_back("token file /etc/returnscan/central-token");
    }
    EXPECT_EQ(s["setup"].get<std::vector<std::string>>(), expected) << s.dump();
    EXPECT_TRUE(s["message"].is_null()) << s.dump();  // the station's own notice stays free
    EXPECT_EQ(k.child().stop(SIGTERM, 10s), 0);

    // Configured: nothing is left to say.
    const std::string token = dir.write("central-token", "secret\n");
    ::chmod(token.c_str(), 0600);
    const std::string done = dir.write(
        "done.toml", "[station]\nid = \"dock-3\"\n[storage]\ndatabase = \"" +
                         dir.file("db/rs.db") + "\"\nphotos = \"" + dir.file("photos") +
                         "\"\n[sync]\ncentral_url = \"https://central.example\"\n" +
                         "token_file = \"" + token + "\"\n");
    Kiosk configured({"kiosk", "--config", done, "--http", "127.0.0.1:0"}, dir);
    ASSERT_TRUE(configured.up()) << readFile(dir.file("kiosk.err"));
    EXPECT_EQ(configured.get("/api/state")["setup"], json::array());
    EXPECT_EQ(configured.child().stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace returnscan::tests
