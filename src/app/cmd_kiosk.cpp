// SPDX-License-Identifier: Apache-2.0
// The web kiosk command (`kiosk`, `kiosk --demo`) and `pin-hash`.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config.h"
#include "demo.h"
#include "kiosk.h"
#include "random_ids.h"
#include "returnscan/core/clock.h"
#include "returnscan/core/receipt.h"
#include "returnscan/store/store.h"
#include "returnscan/ui/server.h"
#include "returnscan/vision/synthetic.h"

namespace returnscan::app {

namespace {

constexpr const char* kDefaultConfig = "/etc/returnscan/kiosk.toml";
constexpr const char* kDemoPin = "1234";

int fail(const std::string& message)
{
    std::cerr << "returnscan: " << message << '\n';
    return 2;
}

/// HOST:PORT or [V6]:PORT.
bool parseListen(const std::string& text, std::string& host, int& port)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
        return false;
    }
    std::string h = text.substr(0, colon);
    if (h.front() == '[' && h.back() == ']') {
        h = h.substr(1, h.size() - 2);
    }
    int p = 0;
    for (char c : text.substr(colon + 1)) {
        if (c < '0' || c > '9' || p > 65535) {
            return false;
        }
        p = p * 10 + (c - '0');
    }
    if (p > 65535 || h.empty()) {
        return false;
    }
    host = h;
    port = p;
    return true;
}

}  // namespace

int runWebKiosk(const Globals& g, const KioskArgs& a)
{
    (void)g;
    if (a.listDemoCodes) {
        for (const auto& c : demoCodes()) {
            std::cout << nlohmann::json{{"code", c.code},
                                        {"expect", c.expect},
                                        {"reason", c.reason},
                                        {"order", c.order.empty() ? nlohmann::json()
                                                                  : nlohmann::json(c.order)}}
                             .dump()
                      << '\n';
        }
        return 0;
    }
    KioskRun run;
    std::unique_ptr<DemoDir> demoDir;
    auto control = std::make_shared<vision::SyntheticControl>();
    if (a.demo) {
        demoDir = std::make_unique<DemoDir>();
        if (demoDir->path().empty()) {
            return fail("cannot create a temporary demo folder");
        }
        if (a.keep) {
            demoDir->keep();
        }
        auto& c = run.config;
        c.stationId = a.station.empty() ? "demo-station" : a.station;
        c.operatorId = a.operatorId;
        c.database = demoDir->path() + "/returnscan.db";
        c.photoDir = demoDir->path() + "/photos";
        CameraEntry cam;
        cam.camera.source = "synthetic:1280x720";
        cam.camera.id = "demo-camera";
        cam.camera.role = "overhead";
        cam.camera.fps = 10;
        c.cameras.push_back(cam);
        c.supervisors.push_back({"demo-supervisor", ui::hashPin(kDemoPin)});
        {
            store::OpenOptions oo;
            oo.path = c.database;
            auto st = store::SqliteStore::open(oo);
            if (!st) {
                return fail("demo set-up failed: " + st.error().message);
            }
            core::SystemClock clock;
            RandomIds ids;
            if (auto s = seedDemo(*st.value(), clock, ids, c.stationId); !s) {
                return fail("demo set-up failed: " + s.error().message);
            }
        }
        if (a.demoScript == "default") {
            run.demoSteps = webDemoSteps();
        }
        run.paceMs = a.paceMs >= 0 ? a.paceMs : 1500;
        run.demoFeedback = true;
        run.syntheticControl = control;
        run.onOpenOrder = [control](const std::optional<std::string>& order) {
            control->setLabel(order);
        };
        std::cout << "returnscan: demo data in " << demoDir->path()
                  << (a.keep ? " (kept)" : " (removed at exit)") << "\n"
                  << "returnscan: supervisor PIN of the demo: " << kDemoPin << std::endl;
    } else {
        const std::string path = a.config.empty() ? kDefaultConfig : a.config;
        auto cfg = loadConfig(path);
        if (!cfg) {
            return fail(cfg.error().message);
        }
        if (a.checkConfig) {
            std::cout << path << ": ok\n";
            return 0;
        }
        run.config = std::move(cfg).value();
        if (!a.station.empty()) {
            run.config.stationId = a.station;
        }
    }
    if (!a.http.empty() && !parseListen(a.http, run.config.listenHost, run.config.listenPort)) {
        return fail("--http: expected HOST:PORT, e.g. 127.0.0.1:8080, not '" + a.http + "'");
    }
    for (const auto& s : a.scanners) {
        if (!s.starts_with("fifo:") || s.size() == 5) {
            return fail("--scanner: expected fifo:PATH, not '" + s + "'");
        }
        run.fifoScanners.push_back(s.substr(5));
    }
    return runKioskService(run);
}

void addKioskCommands(CLI::App& app, const Globals& globals, int& status)
{
    (void)globals;
    auto* cmd = app.add_subcommand(
        "pin-hash",
        "Read a supervisor PIN (4 to 12 digits) from stdin and print its hash for the "
        "configuration's [[ui.supervisor]] pin_hash");
    cmd->callback([&status] {
        std::string pin;
        if (::isatty(STDIN_FILENO) != 0) {
            std::cerr << "PIN: " << std::flush;
        }
        std::getline(std::cin, pin);
        if (!pin.empty() && pin.back() == '\r') {
            pin.pop_back();
        }
        const bool digits =
            !pin.empty() && pin.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || pin.size() < 4 || pin.size() > 12) {
            std::cerr << "returnscan: a PIN is 4 to 12 digits\n";
            status = 2;
            return;
        }
        std::cout << ui::hashPin(pin) << '\n';
        status = 0;
    });
}

}  // namespace returnscan::app
