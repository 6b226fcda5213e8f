// SPDX-License-Identifier: Apache-2.0
// The input module's commands: `listen` (read one scanner with the real transport code) and
// `replay` (play a recorded session into a pty or FIFO).
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "commands.h"
#include "returnscan/core/classify.h"
#include "returnscan/core/clock.h"
#include "returnscan/input/scanner.h"
#include "returnscan/input/session.h"

namespace returnscan::app {
namespace {

using nlohmann::json;

std::string dump(const json& j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct ListenArgs {
    std::string transport;
    std::string protocol = "plain";
    std::string keymap = "us";
    std::string profile;
    unsigned baud = 9600;
    std::string suffix = "cr";
    std::string device;
    std::string role = "handheld";
    unsigned timeoutMs = 100;
    unsigned dedupMs = 800;
    bool allowUngrabbed = false;
    bool json = false;
};

/// Prints what the loop produces: one line per read on stdout, errors on stderr.
class PrintingSink final : public input::InputSink {
public:
    explicit PrintingSink(bool asJson) : json_(asJson) {}

    void onScan(const core::ScanEvent& e) override
    {
        const std::string sym(e.aim ? core::toString(e.aim->symbology) : "unknown");
        if (json_) {
            json j{{"data", e.data},
                   {"aim", e.aim ? json(e.aim->text()) : json(nullptr)},
                   {"symbology", sym},
                   {"transport", core::toString(e.transport)},
                   {"device", e.device},
                   {"role", e.role},
                   {"time", core::formatRfc3339(e.wallTime)}};
            std::cout << dump(j) << std::endl;  // flushed: a pipe reader sees each read at once
        } else {
            std::cout << (e.aim ? e.aim->text() : std::string("-")) << ' ' << sym << ' '
                      << core::displaySafe(e.data) << std::endl;
        }
    }

    void onReadFailure(const input::ReadFailure& f) override
    {
        if (json_) {
            std::cerr << dump(json{{"error", f.message},
                                   {"device", f.device},
                                   {"transport", core::toString(f.transport)},
                                   {"time", core::formatRfc3339(f.wallTime)}})
                      << std::endl;
        } else {
            std::cerr << "returnscan: " << f.device << ": " << f.message << std::endl;
        }
    }

    void onDeviceState(const std::string& device, input::DeviceState state,
                       std::string_view detail) override
    {
        if (state == input::DeviceState::Refused)
            return;  // reported as a failure already
        if (!json_)
            std::cerr << "returnscan: " << device << ": " << input::toString(state) << " ("
                      << detail << ")" << std::endl;
    }

private:
    bool json_;
};

volatile std::sig_atomic_t gStop = 0;
extern "C" void onSignal(int /*sig*/)
{
    gStop = 1;
}

int usage(const std::string& message)
{
    std::cerr << "returnscan listen: " << message << '\n';
    return kExitUsage;
}

int runListen(const ListenArgs& a)
{
    input::ScannerConfig cfg;
    cfg.id = a.device;
    cfg.role = a.role;
    cfg.path = a.device;
    if (a.transport == "evdev") {
        cfg.transport = core::Transport::Evdev;
    } else if (a.transport == "hidraw") {
        cfg.transport = core::Transport::Hidraw;
    } else {
        cfg.transport = core::Transport::Serial;
    }
    cfg.wedge.layout = a.keymap;
    cfg.wedge.interCharTimeout = std::chrono::milliseconds(a.timeoutMs);
    cfg.allowUngrabbed = a.allowUngrabbed;
    cfg.profile = a.profile;
    cfg.protocol = *input::parseSerialProtocol(a.protocol);
    cfg.suffix = *input::parseSuffix(a.suffix);
    cfg.baud = a.baud;

    core::SystemClock clock;
    PrintingSink sink(a.json);
    input::LoopOptions opts;
    opts.reopen = false;  // end of input or hangup ends the command
    opts.dedupWindow = std::chrono::milliseconds(a.dedupMs);
    input::InputLoop loop(clock, sink, opts);
    if (auto st = loop.addDevice(cfg); !st)
        return usage(st.error().message);

    struct sigaction sa {};
    sa.sa_handler = onSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    while (!loop.finished() && gStop == 0) {
        if (auto st = loop.runOnce(std::chrono::milliseconds(500)); !st)
            return usage(st.error().message);
    }
    return kExitOk;
}

int runReplay(const std::string& file, const std::string& to, bool fast)
{
    auto s = input::loadSession(file);
    if (!s) {
        std::cerr << "returnscan replay: " << s.error().message << '\n';
        return kExitUsage;
    }
    input::ReplayOptions o;
    o.fast = fast;
    if (auto st = input::replaySession(*s, to, o); !st) {
        std::cerr << "returnscan replay: " << st.error().message << '\n';
        return kExitUsage;
    }
    return kExitOk;
}

}  // namespace

void addInputCommands(CLI::App& app, const Globals& /*globals*/, int& status)
{
    // Owned by the callbacks, which live as long as `app`.
    auto la = std::make_shared<ListenArgs>();
    auto* listen = app.add_subcommand(
        "listen",
        "Read one scanner with the real transport code and print each read until end of "
        "input or hangup (exit 0). Bad frames are reported on stderr and reading goes on. "
        "Details: docs/input.md");
    listen->add_option("--transport", la->transport, "evdev, hidraw or serial")
        ->required()
        ->check(CLI::IsMember({"evdev", "hidraw", "serial"}));
    listen
        ->add_option("--device", la->device,
                     "Device node, by-id path or /dev/returnscan/ link; a pty, or a FIFO or "
                     "file carrying input_event structs (evdev) or 64-byte reports (hidraw)")
        ->required();
    listen->add_option("--protocol", la->protocol, "Serial: plain (suffix framing) or ssi (Zebra)")
        ->check(CLI::IsMember({"plain", "ssi"}))
        ->default_str("plain");
    listen
        ->add_option("--keymap", la->keymap, "Evdev: the layout the scanner types in (us, de, ...)")
        ->default_str("us");
    listen
        ->add_option("--profile", la->profile,
                     "Hidraw: HID POS profile honeywell or generic (default: generic when the "
                     "report descriptor is readable, else honeywell)")
        ->check(CLI::IsMember({"honeywell", "generic"}));
    listen->add_option("--baud", la->baud, "Serial: baud rate")->default_str("9600");
    listen->add_option("--suffix", la->suffix, "Serial plain: cr, lf or crlf")
        ->check(CLI::IsMember({"cr", "lf", "crlf"}))
        ->default_str("cr");
    listen->add_option("--role", la->role, "Role put into each event")->default_str("handheld");
    listen
        ->add_option("--char-timeout", la->timeoutMs,
                     "Evdev: milliseconds without a key that end a read")
        ->default_str("100");
    listen
        ->add_option("--dedup-window", la->dedupMs,
                     "Milliseconds within which the same data is one read (0: off)")
        ->default_str("800");
    listen->add_flag("--allow-ungrabbed", la->allowUngrabbed,
                     "Evdev: read even when the exclusive grab fails (keystrokes then also "
                     "reach the desktop)");
    listen->add_flag("--json", la->json, "One JSON object per read");
    listen->callback([&status, la] { status = runListen(*la); });

    struct ReplayArgs {
        std::string session, to;
        bool fast = false;
    };
    auto ra = std::make_shared<ReplayArgs>();
    auto* replay = app.add_subcommand(
        "replay",
        "Play a recorded session (docs/recorded-sessions.md) into a pty or FIFO with its "
        "original timing. A new PATH becomes a FIFO (evdev, hidraw) or a link to a new pty "
        "(serial)");
    replay->add_option("SESSION", ra->session, "The session file")->required();
    replay->add_option("--to", ra->to, "Where to write")->required();
    replay->add_flag("--fast", ra->fast, "Ignore the recorded timing");
    replay->callback([&status, ra] { status = runReplay(ra->session, ra->to, ra->fast); });
}

}  // namespace returnscan::app
