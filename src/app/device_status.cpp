// SPDX-License-Identifier: Apache-2.0
#include "device_status.h"

namespace returnscan::app {

using nlohmann::json;

json devicesJson(const std::vector<ScannerEntry>& scanners, const ReadRouter& router,
                 const ExtraScanners& extra, const std::vector<CameraStatus>& cameras)
{
    json out = json::array();
    for (const auto& s : scanners) {
        auto st = router.deviceState(s.input.id);
        std::string word = "absent";
        std::string detail;
        if (st) {
            switch (*st) {
                case input::DeviceState::Present:
                    word = "ok";
                    break;
                case input::DeviceState::Absent:
                case input::DeviceState::Closed:
                    word = "absent";
                    break;
                case input::DeviceState::Refused:
                case input::DeviceState::Stalled:
                    word = "error";
                    detail = std::string(input::toString(*st));
                    break;
            }
        }
        out.push_back({{"name", s.input.id},
                       {"kind", "scanner"},
                       {"role", s.input.role},
                       {"state", word},
                       {"detail", detail}});
    }
    for (const auto& f : extra.fifos) {
        out.push_back({{"name", extra.fifos.size() == 1 ? "fifo" : f},
                       {"kind", "scanner"},
                       {"role", "handheld"},
                       {"state", "ok"},
                       {"detail", f}});
    }
    if (extra.demo) {
        out.push_back({{"name", "demo-scanner"},
                       {"kind", "scanner"},
                       {"role", "handheld"},
                       {"state", "ok"},
                       {"detail", "simulated"}});
    }
    for (const auto& c : cameras) {
        out.push_back({{"name", c.id},
                       {"kind", "camera"},
                       {"role", c.role},
                       {"state", c.state},
                       {"detail", c.source}});
    }
    return out;
}

}  // namespace returnscan::app
