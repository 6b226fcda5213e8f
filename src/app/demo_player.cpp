// SPDX-License-Identifier: Apache-2.0
#include "demo_player.h"

namespace returnscan::app {

using nlohmann::json;

DemoPlayer::DemoPlayer(std::vector<std::string> steps, Act act, Scan scan, const core::Clock& clock,
                       std::ostream& out, std::chrono::milliseconds pace,
                       std::chrono::milliseconds startDelay)
    : steps_(std::move(steps)),
      act_(std::move(act)),
      scan_(std::move(scan)),
      clock_(clock),
      out_(out),
      pace_(pace),
      startDelay_(startDelay)
{
}

DemoPlayer::~DemoPlayer()
{
    stop();
}

void DemoPlayer::start()
{
    thread_ = std::thread([this] { (void)play(); });
}

void DemoPlayer::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

bool DemoPlayer::pause(std::chrono::milliseconds d)
{
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, d, [&] { return stopping_.load(); });
    return !stopping_;
}

bool DemoPlayer::play()
{
    if (!pause(startDelay_)) {
        return false;
    }
    for (const auto& step : steps_) {
        if (stopping_) {
            return false;
        }
        const auto space = step.find(' ');
        const std::string verb = step.substr(0, space);
        const std::string arg = space == std::string::npos ? "" : step.substr(space + 1);
        station::ActionResult r;
        if (verb == "say") {
            out_ << "demo: " << arg << std::endl;
            continue;
        }
        if (verb == "scan") {
            core::ScanEvent ev;
            ev.device = "demo-scanner";
            ev.role = "handheld";
            ev.transport = core::Transport::Serial;
            ev.data = arg;
            ev.wallTime = clock_.now();
            ev.monotonic = std::chrono::steady_clock::now();
            scan_(ev);
        } else if (verb == "no-code") {
            r = act_("no-code", json::object());
        } else if (verb == "condition") {
            r = act_("condition", json{{"grade", arg}});
        } else if (verb == "flag") {
            r = act_("flag", json{{"flag", arg}, {"on", true}});
        } else if (verb == "photo") {
            r = act_("photo", json{{"role", arg}});
        } else if (verb == "complete") {
            r = act_("complete", json::object());
        }
        if (!r.ok()) {
            out_ << "demo: " << step << ": " << r.reason << " (" << r.message << ")" << std::endl;
        }
        if (!pause(pace_)) {
            return false;
        }
    }
    out_ << "demo: the scripted parcels are done; scan more through the FIFO or the page"
         << std::endl;
    return true;
}

}  // namespace returnscan::app
