// SPDX-License-Identifier: Apache-2.0
// Demo authorizations and scan script, deterministic for a given day.
#include "demo.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <stdlib.h>

#include "returnscan/core/code_format.h"
#include "returnscan/core/receive.h"

namespace returnscan::app {

using namespace std::chrono_literals;
using core::Authorization;
using core::AuthStatus;
using core::Category;
using core::Timestamp;

std::string demoCode(const std::string& body)
{
    auto code = core::withCheckCharacter("RC" + body, core::CheckScheme::Iso7064Mod37_36);
    // The bodies below are constants in the code alphabet, so this cannot fail.
    return code ? *code : std::string();
}

DemoData makeDemoData(Timestamp now)
{
    const Timestamp day = std::chrono::floor<std::chrono::days>(now);
    auto make = [&](const char* body, const char* order, AuthStatus status,
                    std::chrono::seconds issuedAgo) {
        Authorization a;
        a.code = demoCode(body);
        a.order = order;
        a.status = status;
        a.issuedAt = day - issuedAgo;
        a.category = Category::Damaged;
        a.version = 1;
        return a;
    };
    DemoData d;
    auto& v = d.authorizations;
    // Row 8, accepted: approved, issued two days ago, expires (by default) in twelve.
    v.push_back(make("DEMO00001", "100000001", AuthStatus::Approved, 48h));
    v.back().lines = {{"TSHIRT-RED-M", "04012345678901", 1, "T-shirt red M"}};
    // Row 4, not_approved: one of each other status.
    v.push_back(make("DEMO00002", "100000002", AuthStatus::Pending, 24h));
    v.push_back(make("DEMO00003", "100000003", AuthStatus::Rejected, 24h));
    v.push_back(make("DEMO00004", "100000004", AuthStatus::Cancelled, 24h));
    // Row 5, expired: no expires_at and issued 15 days ago (the 14-day default), and an
    // explicit expires_at yesterday.
    v.push_back(make("DEMO00005", "100000005", AuthStatus::Approved, std::chrono::days(15)));
    v.push_back(make("DEMO00006", "100000006", AuthStatus::Approved, std::chrono::days(5)));
    v.back().expiresAt = day - 24h;
    // Row 6, already_received: received once during set-up.
    v.push_back(make("DEMO00007", "100000007", AuthStatus::Approved, 72h));
    d.preReceived.push_back(v.back().code);
    // Row 7, order_mismatch: the script scans another order label first.
    v.push_back(make("DEMO00008", "100000008", AuthStatus::Approved, 24h));
    // Row 8 again with a matching order label scanned first.
    v.push_back(make("DEMO00009", "100000009", AuthStatus::Approved, 24h));
    // Accepted with advisory flags: a functionality claim reported 20 days after delivery.
    v.push_back(make("DEMO0000A", "100000010", AuthStatus::Approved, 24h));
    v.back().category = Category::Functionality;
    v.back().deliveredAt = day - std::chrono::days(21);
    v.back().reportedAt = day - std::chrono::days(1);
    return d;
}

std::string demoScript()
{
    // Rows 1 to 8 of the decision table, in an order that reads well at the bench.
    std::string s;
    s += "# returnscan demo: one parcel per block; '#' lines are narration\n";
    s += "# Row 8: an approved, valid code -> accepted\n";
    s += demoCode("DEMO00001") + "\n";
    s += "# Row 8 with its order label scanned first (the order matches) -> accepted\n";
    s += "100000009\n" + demoCode("DEMO00009") + "\n";
    s += "# Row 7: the order label belongs to another order -> held\n";
    s += "100000099\n" + demoCode("DEMO00008") + "\n";
    s += "# Row 6: this code was received before -> rejected\n";
    s += demoCode("DEMO00007") + "\n";
    s += "# Row 5: issued 15 days ago, no expires_at -> rejected (expired)\n";
    s += demoCode("DEMO00005") + "\n";
    s += "# Row 5: explicit expires_at yesterday -> rejected (expired)\n";
    s += demoCode("DEMO00006") + "\n";
    s += "# Row 4: pending, rejected and cancelled codes -> rejected (not approved)\n";
    s += demoCode("DEMO00002") + "\n" + demoCode("DEMO00003") + "\n" + demoCode("DEMO00004") + "\n";
    s += "# Row 3: a well-formed code the station does not know -> rejected\n";
    s += demoCode("DEMO99999") + "\n";
    s += "# Row 2: a wrong check character -> rejected (malformed code)\n";
    {
        std::string bad = demoCode("DEMO00001");
        bad.back() = bad.back() == 'Z' ? 'Y' : 'Z';
        s += bad + "\n";
    }
    s += "# Not a return code at all: a GS1-128 item label is shown, nothing is decided\n";
    s += "]C1010400638133393110ABC123\n";
    s += "# Row 1: the parcel arrived without a code -> rejected, refusal photo\n";
    s += "!no-code\n";
    s += "# A functionality claim reported 20 days after delivery: accepted, advisory flags\n";
    s += demoCode("DEMO0000A") + "\n";
    return s;
}

std::vector<DemoCode> demoCodes()
{
    std::string bad = demoCode("DEMO00001");
    bad.back() = bad.back() == 'Z' ? 'Y' : 'Z';
    return {
        {demoCode("DEMO00001"), "accepted", "accepted", ""},
        {demoCode("DEMO0000A"), "accepted", "accepted", ""},
        {demoCode("DEMO00009"), "accepted", "accepted", "100000009"},
        {demoCode("DEMO00008"), "held", "order_mismatch", "100000099"},
        {demoCode("DEMO00007"), "rejected", "already_received", ""},
        {demoCode("DEMO00005"), "rejected", "expired", ""},
        {demoCode("DEMO00006"), "rejected", "expired", ""},
        {demoCode("DEMO00002"), "rejected", "not_approved", ""},
        {demoCode("DEMO00003"), "rejected", "not_approved", ""},
        {demoCode("DEMO00004"), "rejected", "not_approved", ""},
        {demoCode("DEMO99999"), "rejected", "unknown_code", ""},
        {bad, "rejected", "malformed_code", ""},
    };
}

std::vector<std::string> webDemoSteps()
{
    std::vector<std::string> s;
    auto refusal = [&](const std::string& say, const std::string& code) {
        s.push_back("say " + say);
        s.push_back("scan " + code);
        s.push_back("photo overview");
    };
    s.push_back("say Row 8: an approved, valid code -> accepted; grade, photos, complete");
    s.push_back("scan " + demoCode("DEMO00001"));
    s.push_back("condition ok");
    s.push_back("photo overview");
    s.push_back("photo label");
    s.push_back("complete");
    s.push_back("say Row 7: the order label belongs to another order -> held, refusal photo");
    s.push_back("scan 100000099");
    s.push_back("scan " + demoCode("DEMO00008"));
    s.push_back("photo overview");
    refusal("Row 6: this code was received before -> rejected", demoCode("DEMO00007"));
    refusal("Row 5: issued 15 days ago -> rejected (expired)", demoCode("DEMO00005"));
    refusal("Row 4: a pending code -> rejected (not approved)", demoCode("DEMO00002"));
    refusal("Row 3: a code the station does not know -> rejected", demoCode("DEMO99999"));
    std::string bad = demoCode("DEMO00001");
    bad.back() = bad.back() == 'Z' ? 'Y' : 'Z';
    refusal("Row 2: a wrong check character -> rejected (malformed code)", bad);
    s.push_back("say Row 1: a parcel without a code -> rejected, refusal photo");
    s.push_back("no-code");
    s.push_back("photo overview");
    s.push_back("say Row 8 with its order label first, damaged: more photos are required");
    s.push_back("scan 100000009");
    s.push_back("scan " + demoCode("DEMO00009"));
    s.push_back("condition damaged_minor");
    s.push_back("photo overview");
    s.push_back("photo label");
    s.push_back("photo damage");
    s.push_back("complete");
    return s;
}

Status seedDemo(store::SqliteStore& st, const core::Clock& clock, core::IdSource& ids,
                const std::string& station)
{
    DemoData data = makeDemoData(clock.now());
    Status s = st.writeTransaction([&]() -> Status {
        for (const auto& a : data.authorizations) {
            auto r = st.upsertAuthorization(a);
            if (!r) {
                return std::move(r).takeError();
            }
        }
        return {};
    });
    if (!s) {
        return s;
    }
    // Received the evening before, whatever the time now: not one of today's parcels (20 hours
    // ago, a start after 20:00 UTC counted it in the day's accepted).
    const Timestamp receivedAt = std::chrono::floor<std::chrono::days>(clock.now()) - 4h;
    for (const auto& code : data.preReceived) {
        core::ReceiveRequest req;
        req.input = {code, std::nullopt, receivedAt};
        req.receiptId = ids.newId();
        req.station = station;
        req.operatorId = "demo-setup";
        req.startedAt = req.input.at;
        auto r = core::receiveParcel(st, core::CodeFormats::defaults(), req);
        if (!r) {
            return std::move(r).takeError();
        }
    }
    return {};
}

DemoDir::DemoDir()
{
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/returnscan-demo-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) {
        path_ = buf.data();
    }
}

DemoDir::~DemoDir()
{
    if (path_.empty() || keep_) {
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace returnscan::app
