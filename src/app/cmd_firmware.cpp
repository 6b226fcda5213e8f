// SPDX-License-Identifier: Apache-2.0
// The firmware_if module's commands: `scanner-sim` (a simulated scanner on a pty) and
// `scanner-cmd` (send one command to a scanner and show the exchange), `devices` (what udev
// knows and whether this user may open it). Details: docs/firmware.md
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "commands.h"
#include "returnscan/core/code_format.h"
#include "returnscan/firmware_if/channel.h"
#include "returnscan/firmware_if/scanner_models.h"
#include "returnscan/firmware_if/simulator.h"
#include "returnscan/input/discovery.h"

namespace returnscan::app {
namespace {

namespace fw = firmware_if;
using SteadyClock = std::chrono::steady_clock;

volatile std::sig_atomic_t gSimStop = 0;
extern "C" void onSimSignal(int /*sig*/)
{
    gSimStop = 1;
}

struct SimArgs {
    std::string protocol;
    std::string script;  ///< empty or "-": stdin
    std::string link;
    fw::SimFaults faults;
    int lingerMs = -1;
};

/// True once a host has opened the line and put it in raw mode (ICANON off), as the station's
/// serial reader and scanner-cmd do: reads sent before would sit in a canonical line buffer.
bool hostAttached(int slave)
{
    termios t{};
    return ::tcgetattr(slave, &t) == 0 && (t.c_lflag & ICANON) == 0;
}

void writeAll(int fd, const std::string& bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd p{fd, POLLOUT, 0};
            (void)::poll(&p, 1, 50);
        } else {
            return;
        }
    }
}

void printLog(const fw::ScannerSimulator& sim, std::size_t& shown)
{
    for (; shown < sim.log().size(); ++shown)
        std::cout << "command " << sim.log()[shown] << std::endl;
}

int runScannerSim(const SimArgs& a)
{
    const auto protocol = fw::parseSimProtocol(a.protocol);
    int master = -1, slave = -1;
    char name[128] = {};
    if (!protocol || ::openpty(&master, &slave, name, nullptr, nullptr) != 0) {
        std::cerr << "returnscan scanner-sim: cannot open a pty\n";
        return kExitUsage;
    }
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    ::fcntl(master, F_SETFL, O_NONBLOCK);
    // No echo: our own reads must not come back to us as host bytes. The slave stays open
    // here so that a host closing and reopening the line does not hang it up.
    termios t{};
    ::tcgetattr(slave, &t);
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    ::tcsetattr(slave, TCSANOW, &t);
    if (!a.link.empty()) {
        ::unlink(a.link.c_str());
        if (::symlink(name, a.link.c_str()) != 0) {
            std::cerr << "returnscan scanner-sim: cannot create link " << a.link << '\n';
            return kExitUsage;
        }
    }

    int scriptFd = 0;
    if (!a.script.empty() && a.script != "-") {
        scriptFd = ::open(a.script.c_str(), O_RDONLY | O_CLOEXEC);
        if (scriptFd < 0) {
            std::cerr << "returnscan scanner-sim: cannot open " << a.script << '\n';
            return kExitUsage;
        }
    }
    struct sigaction sa {};
    sa.sa_handler = onSimSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    std::cout << name << std::endl;  // after the handlers: a caller may signal us at once

    fw::ScannerSimulator sim(*protocol, a.faults);
    std::size_t shown = 0;
    std::string lineBuf;
    std::deque<std::string> lines;
    bool scriptOpen = true;
    SteadyClock::time_point sleepUntil{};
    SteadyClock::time_point endAt = SteadyClock::time_point::max();
    while (gSimStop == 0) {
        const auto now = SteadyClock::now();
        // Script: "# comment", "@sleep MS", "@hangup", anything else is one read.
        while (!lines.empty() && now >= sleepUntil) {
            const std::string& l = lines.front();
            if (l.empty() || l[0] == '#') {
                lines.pop_front();
            } else if (l.rfind("@sleep ", 0) == 0) {
                sleepUntil = now + std::chrono::milliseconds(std::atoi(l.c_str() + 7));
                lines.pop_front();
            } else if (l == "@hangup") {
                gSimStop = 1;
                break;
            } else if (hostAttached(slave)) {
                writeAll(master, sim.readBytes(l));
                std::cout << "read " << core::displaySafe(l) << std::endl;
                lines.pop_front();
            } else {
                break;  // wait for a host
            }
        }
        if (!scriptOpen && lines.empty() && a.lingerMs >= 0 &&
            endAt == SteadyClock::time_point::max())
            endAt = now + std::chrono::milliseconds(a.lingerMs);
        if (now >= endAt || gSimStop != 0)
            break;
        pollfd fds[2] = {{master, POLLIN, 0}, {scriptOpen ? scriptFd : -1, POLLIN, 0}};
        if (::poll(fds, 2, 20) < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN) {
            char buf[512];
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0) {
                writeAll(master,
                         sim.onHostBytes(std::string_view(buf, static_cast<std::size_t>(n))));
                printLog(sim, shown);
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[4096];
            const ssize_t n = ::read(scriptFd, buf, sizeof buf);
            if (n <= 0) {
                scriptOpen = false;
                if (!lineBuf.empty())
                    lines.push_back(lineBuf);
            } else {
                lineBuf.append(buf, static_cast<std::size_t>(n));
                for (auto nl = lineBuf.find('\n'); nl != std::string::npos;
                     nl = lineBuf.find('\n')) {
                    std::string l = lineBuf.substr(0, nl);
                    if (!l.empty() && l.back() == '\r')
                        l.pop_back();
                    lines.push_back(std::move(l));
                    lineBuf.erase(0, nl + 1);
                }
            }
        }
    }
    printLog(sim, shown);
    if (!a.link.empty())
        ::unlink(a.link.c_str());
    ::close(slave);
    ::close(master);
    return kExitOk;
}

struct CmdArgs {
    std::string transport, protocol, device, command, symbology;
    unsigned timeoutMs = 300;
    unsigned retries = 2;
};

int cmdUsage(const std::string& message)
{
    std::cerr << "returnscan scanner-cmd: " << message << '\n';
    return kExitUsage;
}

int runScannerCmd(const CmdArgs& a)
{
    auto driver = fw::driverFor(a.transport, a.protocol);
    if (!driver)
        return cmdUsage(driver.error().message);
    const auto command = fw::parseCommand(a.command);
    if (!command)
        return cmdUsage("unknown command '" + a.command + "'");
    fw::Request req;
    req.command = *command;
    if (*command == fw::Command::SymbologyOn || *command == fw::Command::SymbologyOff) {
        const auto sym = fw::parseSymbology(a.symbology);
        if (!sym)
            return cmdUsage(a.command +
                            " needs --symbology (code128, code39, ean13, gs1-128, "
                            "datamatrix, qr, pdf417, aztec)");
        req.symbology = *sym;
    }
    auto channel =
        (*driver)->hid ? fw::openHidrawChannel(a.device) : fw::openSerialChannel(a.device);
    if (!channel) {
        std::cerr << "returnscan scanner-cmd: " << channel.error().message << '\n';
        return kExitRefused;
    }
    fw::ExchangeOptions opts;
    opts.replyTimeout = std::chrono::milliseconds(a.timeoutMs);
    opts.attempts = a.retries + 1;
    const fw::Exchange ex = fw::exchange(**channel, **driver, req, opts);
    for (const auto& s : ex.sent)
        std::cout << "sent: " << fw::hex(s) << '\n';
    std::cout << "received: " << (ex.received.empty() ? "nothing" : fw::hex(ex.received)) << '\n';
    for (const auto& n : ex.notes)
        std::cout << "note: " << n << '\n';
    std::cout << "result: " << fw::toString(ex.outcome) << " (" << ex.detail << ")" << std::endl;
    return ex.outcome == fw::Exchange::Outcome::Ack ? kExitOk : kExitRefused;
}

const char* scannerVendor(const std::optional<std::uint16_t>& vid)
{
    return vid ? fw::scannerVendorName(*vid) : nullptr;
}

struct DeviceRow {
    std::string kind;  ///< "scanner (hidraw)", "camera", ...
    std::string node;
    std::string vendor;
    std::string vidPid;
    std::string binding;           ///< the /dev/returnscan/ link, empty when none
    std::string role = "unbound";  ///< no station configuration binds roles yet
    bool canOpen = false;
    std::string fix;  ///< what to do when canOpen is false
};

/// Whether this process may open `node` read-write, and the fix when not.
void checkAccess(DeviceRow& row)
{
    row.canOpen = ::access(row.node.c_str(), R_OK | W_OK) == 0;
    if (row.canOpen)
        return;
    struct stat st {};
    const group* owner = ::stat(row.node.c_str(), &st) == 0 ? ::getgrgid(st.st_gid) : nullptr;
    const std::string ownerName = owner ? owner->gr_name : "?";
    if (ownerName == "returnscan") {
        row.fix =
            "add this user to group returnscan (sudo usermod -aG returnscan $USER) and log "
            "in again; the service gets it from SupplementaryGroups=returnscan";
    } else if (::getgrnam("returnscan") == nullptr) {
        row.fix =
            "group returnscan does not exist: sudo groupadd --system returnscan, then "
            "sudo udevadm control --reload && sudo udevadm trigger";
    } else {
        row.fix = "node is group " + ownerName +
                  ": the udev rules are missing; install udev/70-returnscan.rules to "
                  "/etc/udev/rules.d/ (the package puts it in /usr/lib/udev/rules.d/), then "
                  "sudo udevadm control --reload && sudo udevadm trigger";
    }
}

std::string returnscanLink(const input::UdevDevice& d)
{
    for (const auto& l : d.devlinks) {
        if (l.rfind("/dev/returnscan/", 0) == 0)
            return l;
    }
    return {};
}

int runDevices(bool asJson)
{
    std::vector<DeviceRow> rows;
    std::vector<std::string> problems;
    for (const char* sub : {"hidraw", "tty", "input", "video4linux"}) {
        auto devs = input::enumerateDevices(sub);
        if (!devs) {
            problems.push_back(devs.error().message);
            continue;
        }
        for (const auto& d : *devs) {
            const std::string_view subsystem = sub;
            const char* vendor = scannerVendor(d.vendorId);
            DeviceRow row;
            if (subsystem == "video4linux") {
                if (d.devnode.rfind("/dev/video", 0) != 0)
                    continue;
                row.kind = "camera";
            } else {
                if (vendor == nullptr)
                    continue;  // not a scanner: never the operator's keyboard
                if (subsystem == "input" &&
                    (!d.keyboard || d.devnode.find("/event") == std::string::npos))
                    continue;
                row.kind = subsystem == "hidraw" ? "scanner (HID POS, hidraw)"
                           : subsystem == "tty"  ? "scanner (serial)"
                                                 : "scanner (keyboard wedge)";
            }
            row.node = d.devnode;
            row.vendor = vendor ? vendor : "";
            if (d.vendorId && d.productId) {
                char b[16];
                std::snprintf(b, sizeof b, "%04x:%04x", *d.vendorId, *d.productId);
                row.vidPid = b;
            }
            row.binding = returnscanLink(d);
            checkAccess(row);
            rows.push_back(std::move(row));
        }
    }
    if (asJson) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& r : rows) {
            j.push_back({{"kind", r.kind},
                         {"node", r.node},
                         {"vendor", r.vendor},
                         {"usb_id", r.vidPid},
                         {"link", r.binding},
                         {"role", r.role},
                         {"can_open", r.canOpen},
                         {"fix", r.canOpen ? nlohmann::json(nullptr) : nlohmann::json(r.fix)}});
        }
        std::cout << nlohmann::json{{"devices", j}, {"problems", problems}}.dump() << std::endl;
    } else {
        for (const auto& p : problems)
            std::cerr << "returnscan devices: " << p << '\n';
        if (rows.empty())
            std::cout << "no scanners or cameras found\n";
        for (const auto& r : rows) {
            std::cout << r.node << "  " << r.kind;
            if (!r.vendor.empty())
                std::cout << "  " << r.vendor;
            if (!r.vidPid.empty())
                std::cout << "  " << r.vidPid;
            std::cout << "\n    link: "
                      << (r.binding.empty() ? "none (udev rules not installed?)" : r.binding)
                      << "\n    role: " << r.role
                      << " (no station configuration yet; listen and capture take --role)"
                      << "\n    this user can open it: " << (r.canOpen ? "yes" : "no") << '\n';
            if (!r.canOpen)
                std::cout << "    fix: " << r.fix << '\n';
        }
        std::cout.flush();
    }
    return problems.empty() ? kExitOk : kExitRefused;
}

}  // namespace

void addFirmwareCommands(CLI::App& app, const Globals& /*globals*/, int& status)
{
    auto sa = std::make_shared<SimArgs>();
    auto* sim = app.add_subcommand(
        "scanner-sim",
        "Simulate a scanner on a new pty: prints the pty's path, answers commands like the "
        "firmware (one 'command WORD' line each) and sends one read per script line ('# ...' "
        "comment, '@sleep MS', '@hangup') once a host has opened the line. Details: "
        "docs/firmware.md");
    sim->add_option("--protocol", sa->protocol, "ssi, honeywell or plain")
        ->required()
        ->check(CLI::IsMember({"ssi", "honeywell", "plain"}));
    sim->add_option("--script", sa->script, "Read the script from this file (default: stdin)");
    sim->add_option("--link", sa->link, "Also make this symlink to the pty");
    sim->add_option("--linger-ms", sa->lingerMs,
                    "After the script ends, exit (hanging up) after this many milliseconds "
                    "(default: run until SIGINT/SIGTERM)");
    sim->add_option("--nak", sa->faults.nak, "NAK the first N commands (resend asked)");
    sim->add_option("--silent", sa->faults.silent, "Do not answer the first N commands");
    sim->add_option("--corrupt", sa->faults.corrupt, "Answer the first N commands malformed");
    sim->add_option("--truncate", sa->faults.truncate,
                    "Answer the first N commands with half a reply");
    sim->add_flag("--deny", sa->faults.deny, "SSI: NAK every command with reason 'denied'");
    sim->callback([&status, sa] { status = runScannerSim(*sa); });

    auto ca = std::make_shared<CmdArgs>();
    auto* cmd = app.add_subcommand(
        "scanner-cmd",
        "Send one command to a scanner, print what was sent and what came back. Exit status: "
        "0 acknowledged, 1 NAK, no answer after the retries, unsupported or device error, 2 "
        "usage error");
    cmd->add_option("--transport", ca->transport, "serial or hidraw")
        ->required()
        ->check(CLI::IsMember({"serial", "hidraw"}));
    cmd->add_option("--protocol", ca->protocol, "ssi or honeywell (hidraw also: generic HID POS)")
        ->required()
        ->check(CLI::IsMember({"ssi", "honeywell", "generic"}));
    cmd->add_option("--device", ca->device, "Device node, by-id path or /dev/returnscan/ link")
        ->required();
    cmd->add_option("COMMAND", ca->command,
                    "beep-good, beep-error, led-green, led-red, led-off, scan-enable, "
                    "scan-disable, start-decode, stop-decode, identify, symbology-on, "
                    "symbology-off")
        ->required();
    cmd->add_option("--symbology", ca->symbology, "For symbology-on/off");
    cmd->add_option("--timeout-ms", ca->timeoutMs, "Reply timeout per attempt")->default_str("300");
    cmd->add_option("--retries", ca->retries, "Resends after a NAK or timeout")->default_str("2");
    cmd->callback([&status, ca] { status = runScannerCmd(*ca); });

    auto devJson = std::make_shared<bool>(false);
    auto* devices = app.add_subcommand(
        "devices",
        "List the scanners (known vendors; hidraw, serial, keyboard-wedge nodes) and cameras "
        "that udev knows, their /dev/returnscan/ link, and whether this user can open each, "
        "with the fix when not. Exit 1 when udev could not be asked");
    devices->add_flag("--json", *devJson, "One JSON object");
    devices->callback([&status, devJson] { status = runDevices(*devJson); });
}

}  // namespace returnscan::app
