// SPDX-License-Identifier: Apache-2.0
// The ui server over real HTTP on 127.0.0.1: the Host and Origin rules, content types, CSRF,
// PIN login with lockout, session expiry, security headers, assets and the API's answers.
#include <gtest/gtest.h>

#include <string>

#include "assets.h"
#include "ui/ui_test_support.h"

namespace returnscan::ui::testing {
namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

class ServerTest : public ServerFixture {};

void expectSecurityHeaders(const Answer& a)
{
    EXPECT_EQ(a.header("Content-Security-Policy"), kCsp);
    EXPECT_EQ(a.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(a.header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(a.header("X-Frame-Options"), "DENY");
}

// --- Host allow-list -------------------------------------------------------------------------

TEST_F(ServerTest, RefusesForeignHost)
{
    const auto a = get("/api/state", {{"Host", "evil.example"}});
    EXPECT_EQ(a.status, 421);
    EXPECT_EQ(a.error(), "bad_host");
    expectSecurityHeaders(a);
}

TEST_F(ServerTest, AcceptsLoopbackHostsWithThePort)
{
    for (const auto& host :
         {"localhost:" + std::to_string(port()), hostPort(), "[::1]:" + std::to_string(port()),
          "LOCALHOST:" + std::to_string(port())}) {
        EXPECT_EQ(get("/api/state", {{"Host", host}}).status, 200) << host;
    }
}

TEST_F(ServerTest, RefusesRebindingHostWithTheRightPort)
{
    // A page of attacker.example re-pointed at 127.0.0.1: same port, foreign name.
    const auto a = get("/api/state", {{"Host", "attacker.example:" + std::to_string(port())}});
    EXPECT_EQ(a.status, 421);
    EXPECT_EQ(get("/", {{"Host", "localhost:1"}}).status, 421);  // right name, wrong port
    EXPECT_EQ(get("/", {{"Host", "localhost"}}).status, 421);    // port 80 implied
}

TEST_F(ServerTest, RefusesForeignHostOnPostAndOnUnknownPaths)
{
    EXPECT_EQ(post("/api/scan", json{{"text", "x"}}, {{"Host", "evil.example"}}).status, 421);
    EXPECT_EQ(get("/no/such/page", {{"Host", "evil.example"}}).status, 421);
    EXPECT_TRUE(controller_.actions().empty());
}

TEST_F(ServerTest, AcceptsConfiguredHosts)
{
    start([](ServerOptions& o) { o.allowedHosts = {"kiosk.local", "Bench-3:9000"}; });
    EXPECT_EQ(get("/api/state", {{"Host", "kiosk.local:" + std::to_string(port())}}).status, 200);
    EXPECT_EQ(get("/api/state", {{"Host", "bench-3:9000"}}).status, 200);
    EXPECT_EQ(get("/api/state", {{"Host", "kiosk.local:9000"}}).status, 421);
}

// --- Origin and Sec-Fetch-Site ---------------------------------------------------------------

TEST_F(ServerTest, RefusesCrossSiteOrigin)
{
    const auto a = post("/api/scan", json{{"text", "RC1"}}, {{"Origin", "http://evil.example"}});
    EXPECT_EQ(a.status, 403);
    EXPECT_EQ(a.error(), "bad_origin");
    EXPECT_EQ(post("/api/scan", json{{"text", "RC1"}}, {{"Origin", "null"}}).status, 403);
    // Same host and port but https: another origin.
    EXPECT_EQ(
        post("/api/scan", json{{"text", "RC1"}}, {{"Origin", "https://" + hostPort()}}).status,
        403);
    EXPECT_TRUE(controller_.actions().empty());
}

TEST_F(ServerTest, AcceptsSameOrigin)
{
    const auto a = post("/api/scan", json{{"text", "RC1"}},
                        {{"Origin", "http://" + hostPort()}, {"Sec-Fetch-Site", "same-origin"}});
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.parsed()["ok"], true);
    ASSERT_EQ(controller_.actions().size(), 1u);
    EXPECT_EQ(controller_.actions()[0].name, "scan");
    EXPECT_EQ(controller_.actions()[0].body["text"], "RC1");
}

TEST_F(ServerTest, ChecksSecFetchSiteWithoutOrigin)
{
    EXPECT_EQ(post("/api/scan", json::object(), {{"Sec-Fetch-Site", "cross-site"}}).status, 403);
    EXPECT_EQ(post("/api/scan", json::object(), {{"Sec-Fetch-Site", "same-site"}}).status, 403);
    EXPECT_EQ(post("/api/scan", json::object(), {{"Sec-Fetch-Site", "same-origin"}}).status, 200);
    EXPECT_EQ(post("/api/scan", json::object(), {{"Sec-Fetch-Site", "none"}}).status, 200);
    EXPECT_EQ(post("/api/scan", json::object()).status, 200);  // neither header: curl, tests
}

// --- Bodies ----------------------------------------------------------------------------------

TEST_F(ServerTest, RefusesFormContentType)
{
    const auto a = post("/api/scan", "text=RC1", {}, "application/x-www-form-urlencoded");
    EXPECT_EQ(a.status, 415);
    EXPECT_EQ(a.error(), "unsupported_media_type");
    EXPECT_EQ(post("/api/scan", "{}", {}, "text/plain").status, 415);
    EXPECT_EQ(post("/api/scan", "{}", {}, "application/json; charset=utf-8").status, 200);
    EXPECT_EQ(post("/api/scan", "{}", {}, "Application/JSON").status, 200);
}

TEST_F(ServerTest, RefusesMalformedAndNonObjectJson)
{
    const auto bad = post("/api/scan", std::string("{\"text\": "));
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error(), "bad_json");
    const auto array = post("/api/scan", std::string("[1, 2]"));
    EXPECT_EQ(array.status, 400);
    EXPECT_EQ(array.error(), "bad_request");
    EXPECT_TRUE(controller_.actions().empty());
}

TEST_F(ServerTest, RefusesBodiesOver64KiB)
{
    const std::string big = "{\"text\": \"" + std::string(70 * 1024, 'x') + "\"}";
    const auto a = post("/api/scan", big);
    EXPECT_EQ(a.status, 413);
    EXPECT_EQ(a.error(), "too_large");
    expectSecurityHeaders(a);
    const std::string fits = "{\"text\": \"" + std::string(60 * 1024, 'x') + "\"}";
    EXPECT_EQ(post("/api/scan", fits).status, 200);
}

TEST_F(ServerTest, PassesActionNamesToTheController)
{
    EXPECT_EQ(post("/api/no-code", json::object()).status, 200);
    EXPECT_EQ(post("/api/Scan", json::object()).status, 404);  // [a-z-] only
    EXPECT_EQ(post("/api/" + std::string(33, 'a'), json::object()).status, 404);
    EXPECT_EQ(post("/api/scan/x", json::object()).status, 404);
    ASSERT_EQ(controller_.actions().size(), 1u);
    EXPECT_EQ(controller_.actions()[0].name, "no-code");
    EXPECT_FALSE(controller_.actions()[0].supervisor);
}

TEST_F(ServerTest, ControllerExceptionsBecome500)
{
    const auto a = post("/api/boom", json::object());
    EXPECT_EQ(a.status, 500);
    EXPECT_EQ(a.error(), "internal");
    expectSecurityHeaders(a);
    controller_.setThrowOnState(true);
    EXPECT_EQ(get("/api/state").status, 500);
    // The server is still serving.
    controller_.setThrowOnState(false);
    EXPECT_EQ(get("/api/state").status, 200);
}

TEST_F(ServerTest, EchoIsOffUnlessEnabled)
{
    EXPECT_EQ(post("/api/echo", json{{"t", 1}}).status, 200);
    ASSERT_EQ(controller_.actions().size(), 1u);  // an ordinary action when disabled
    EXPECT_EQ(controller_.actions()[0].name, "echo");
}

// --- CSRF and sessions -----------------------------------------------------------------------

TEST_F(ServerTest, SessionCookieIsHttpOnlyAndStrict)
{
    const auto a = post("/api/login", json{{"pin", "1234"}});
    ASSERT_EQ(a.status, 200) << a.body;
    const auto cookie = a.header("Set-Cookie");
    EXPECT_NE(cookie.find("rs_session="), std::string::npos);
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_NE(cookie.find("Path=/"), std::string::npos);
    EXPECT_EQ(a.parsed()["supervisor"], "sup-1");
    EXPECT_EQ(a.parsed()["csrf"].get<std::string>().size(), 64u);
}

TEST_F(ServerTest, RequiresCsrfTokenWithSessionCookie)
{
    const auto l = login("1234");
    ASSERT_TRUE(l);
    const auto without = post("/api/sync", json::object(), withSession(*l, false));
    EXPECT_EQ(without.status, 403);
    EXPECT_EQ(without.error(), "bad_csrf");
    auto wrongHeaders = withSession(*l, false);
    wrongHeaders.emplace("X-CSRF-Token", std::string(64, '0'));
    EXPECT_EQ(post("/api/sync", json::object(), wrongHeaders).status, 403);
    EXPECT_TRUE(controller_.actions().empty());

    const auto with = post("/api/sync", json::object(), withSession(*l));
    EXPECT_EQ(with.status, 200) << with.body;
    ASSERT_EQ(controller_.actions().size(), 1u);
    EXPECT_EQ(controller_.actions()[0].supervisor, "sup-1");
}

TEST_F(ServerTest, UnknownCookieIsNoSupervisor)
{
    const auto a =
        post("/api/sync", json::object(), {{"Cookie", "rs_session=" + std::string(64, 'a')}});
    EXPECT_EQ(a.status, 401);  // the controller's pin_required, not bad_csrf
    EXPECT_EQ(a.error(), "pin_required");
    ASSERT_EQ(controller_.actions().size(), 1u);
    EXPECT_FALSE(controller_.actions()[0].supervisor);
}

TEST_F(ServerTest, SessionEndpointReportsTheSupervisor)
{
    auto s = get("/api/session").parsed();
    EXPECT_TRUE(s["supervisor"].is_null());
    EXPECT_TRUE(s["csrf"].is_null());
    EXPECT_TRUE(s["locked_until"].is_null());
    const auto l = login("987654");
    ASSERT_TRUE(l);
    s = get("/api/session", {{"Cookie", "other=1; rs_session=" + l->cookie}}).parsed();
    EXPECT_EQ(s["supervisor"], "sup-2");
    EXPECT_EQ(s["csrf"], l->csrf);
}

TEST_F(ServerTest, SessionEndsAfterIdleTime)
{
    const auto l = login("1234");
    ASSERT_TRUE(l);
    clock_.advance(std::chrono::minutes(14));
    EXPECT_EQ(post("/api/sync", json::object(), withSession(*l)).status, 200);  // a use
    clock_.advance(std::chrono::minutes(14));
    EXPECT_EQ(get("/api/session", withSession(*l)).parsed()["supervisor"], "sup-1");
    clock_.advance(std::chrono::minutes(1));  // 15 minutes after the last use
    EXPECT_TRUE(get("/api/session", withSession(*l)).parsed()["supervisor"].is_null());
    const auto a = post("/api/sync", json::object(), withSession(*l));
    EXPECT_EQ(a.status, 401);
    EXPECT_EQ(a.error(), "pin_required");
}

TEST_F(ServerTest, LogoutEndsTheSession)
{
    const auto l = login("1234");
    ASSERT_TRUE(l);
    EXPECT_EQ(post("/api/logout", json::object(), withSession(*l, false)).status, 403);
    const auto a = post("/api/logout", json::object(), withSession(*l));
    EXPECT_EQ(a.status, 200);
    EXPECT_NE(a.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_TRUE(get("/api/session", withSession(*l)).parsed()["supervisor"].is_null());
    // Without a session logout is harmless.
    EXPECT_EQ(post("/api/logout", json::object()).status, 200);
}

// --- PIN lockout -----------------------------------------------------------------------------

TEST_F(ServerTest, LocksLoginsAfterFiveWrongPins)
{
    for (int i = 0; i < 4; ++i) {
        const auto a = post("/api/login", json{{"pin", "0000"}});
        EXPECT_EQ(a.status, 401);
        EXPECT_EQ(a.error(), "wrong_pin");
        EXPECT_EQ(a.parsed()["tries_left"], 4 - i);
    }
    const auto fifth = post("/api/login", json{{"pin", "0000"}});
    EXPECT_EQ(fifth.status, 429);
    EXPECT_EQ(fifth.error(), "pin_locked");

    clock_.advance(std::chrono::seconds(10));
    const auto sixth = post("/api/login", json{{"pin", "1234"}});  // the right PIN
    EXPECT_EQ(sixth.status, 429);
    EXPECT_EQ(sixth.error(), "pin_locked");
    EXPECT_EQ(sixth.parsed()["retry_after"], 290);
    EXPECT_EQ(sixth.header("Retry-After"), "290");
    EXPECT_TRUE(sixth.header("Set-Cookie").empty());
    EXPECT_FALSE(get("/api/session").parsed()["locked_until"].is_null());

    clock_.advance(std::chrono::seconds(289));
    EXPECT_EQ(post("/api/login", json{{"pin", "1234"}}).status, 429);
    clock_.advance(std::chrono::seconds(1));
    EXPECT_TRUE(get("/api/session").parsed()["locked_until"].is_null());
    EXPECT_TRUE(login("1234"));
}

TEST_F(ServerTest, RightPinResetsTheCount)
{
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(post("/api/login", json{{"pin", "1111"}}).status, 401);
    }
    EXPECT_TRUE(login("1234"));
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(post("/api/login", json{{"pin", "1111"}}).status, 401) << i;
    }
}

TEST_F(ServerTest, LockoutUsesTheConfiguredValues)
{
    start([](ServerOptions& o) {
        o.maxPinTries = 2;
        o.pinLockout = std::chrono::seconds(30);
    });
    EXPECT_EQ(post("/api/login", json{{"pin", "1"}}).status, 401);
    const auto locked = post("/api/login", json{{"pin", "1"}});
    EXPECT_EQ(locked.status, 429);
    EXPECT_EQ(locked.header("Retry-After"), "30");
    clock_.advance(std::chrono::seconds(30));
    EXPECT_TRUE(login("1234"));
}

TEST_F(ServerTest, LoginNeedsAPinString)
{
    EXPECT_EQ(post("/api/login", json::object()).status, 400);
    EXPECT_EQ(post("/api/login", json{{"pin", 1234}}).status, 400);
    EXPECT_EQ(post("/api/login", json{{"pin", ""}}).status, 400);
    // Malformed requests do not count as wrong PINs.
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(post("/api/login", json{{"pin", std::string(65, '1')}}).status, 400);
    }
    EXPECT_TRUE(login("1234"));
}

// --- Headers ---------------------------------------------------------------------------------

TEST_F(ServerTest, SecurityHeadersOnEveryAnswer)
{
    for (const auto& path : {"/", "/api/state", "/api/session", "/nope", "/assets/nope.js",
                             "/healthz", "/api/receipts?limit=x"}) {
        SCOPED_TRACE(path);
        expectSecurityHeaders(get(path));
    }
    expectSecurityHeaders(post("/api/scan", std::string("{")));
    expectSecurityHeaders(post("/api/scan", "x", {}, "text/plain"));
    expectSecurityHeaders(post("/nope", json::object()));
}

TEST_F(ServerTest, ApiAnswersAreNotStored)
{
    EXPECT_EQ(get("/api/state").header("Cache-Control"), "no-store");
    EXPECT_EQ(get("/api/session").header("Cache-Control"), "no-store");
    EXPECT_EQ(post("/api/scan", json::object()).header("Cache-Control"), "no-store");
    EXPECT_EQ(get("/api/nope").header("Cache-Control"), "no-store");
}

// --- Assets ----------------------------------------------------------------------------------

TEST_F(ServerTest, ServesTheIndexPage)
{
    const auto a = get("/");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(a.body.find("<html"), std::string::npos);
    const auto etag = a.header("ETag");
    ASSERT_EQ(etag.size(), 34u);  // "<32 hex digits>"
    EXPECT_EQ(etag.front(), '"');
    EXPECT_EQ(a.header("Cache-Control"), "no-cache");
    const auto again = get("/", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(get("/assets/index.html").body, a.body);
}

TEST_F(ServerTest, ServesEveryAssetWithItsType)
{
    // Whatever the page ships (index.html, app.js, app.css, icons, sounds) comes back byte for
    // byte, with its type and ETag.
    ASSERT_FALSE(detail::embeddedAssets().empty());
    for (const auto& asset : detail::embeddedAssets()) {
        SCOPED_TRACE(asset.name);
        const auto a = get(std::string("/assets/") + asset.name);
        EXPECT_EQ(a.status, 200);
        EXPECT_EQ(a.body, std::string(asset.data, asset.size));
        EXPECT_EQ(a.header("Content-Type"), detail::contentTypeFor(asset.name));
        EXPECT_EQ(a.header("ETag"), asset.etag);
        EXPECT_NE(a.header("Content-Type"), "application/octet-stream");
        expectSecurityHeaders(a);
    }
}

TEST_F(ServerTest, UnknownAssetsAre404)
{
    EXPECT_EQ(get("/assets/nope.js").status, 404);
    EXPECT_EQ(get("/assets/").status, 404);
    EXPECT_EQ(get("/index.html").status, 404);
    EXPECT_EQ(get("/assets/nope.js").error(), "not_found");
}

TEST_F(ServerTest, NoDirectoryTraversal)
{
    for (const auto& target :
         {"/assets/../CMakeLists.txt", "/assets/../../CMakeLists.txt",
          "/assets/%2e%2e/CMakeLists.txt", "/assets/..%2fCMakeLists.txt", "/assets//etc/passwd",
          "/assets/./index.html", "/assets/../embed_assets.cmake", "/../CMakeLists.txt"}) {
        SCOPED_TRACE(target);
        const auto raw =
            rawExchange(port(), std::string("GET ") + target + " HTTP/1.1\r\nHost: " + hostPort() +
                                    "\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 404");
        EXPECT_EQ(raw.find("add_library"), std::string::npos);
        EXPECT_EQ(raw.find("root:"), std::string::npos);
    }
}

// --- Reading endpoints -----------------------------------------------------------------------

TEST_F(ServerTest, StateIsTheControllersJson)
{
    controller_.setState(json{{"station", "dock-9"}, {"version", 1}});
    const auto a = get("/api/state");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.header("Content-Type"), "application/json");
    EXPECT_EQ(a.parsed()["station"], "dock-9");
}

TEST_F(ServerTest, ReceiptsLimitIsCheckedAndClamped)
{
    EXPECT_EQ(get("/api/receipts").status, 200);
    EXPECT_EQ(controller_.lastLimit(), 50);
    get("/api/receipts?limit=0");
    EXPECT_EQ(controller_.lastLimit(), 1);
    get("/api/receipts?limit=100000000000000000000000");
    EXPECT_EQ(controller_.lastLimit(), 500);
    get("/api/receipts?limit=7&q=RC7K");
    EXPECT_EQ(controller_.lastLimit(), 7);
    EXPECT_EQ(controller_.lastQuery(), "RC7K");
    for (const auto& bad : {"abc", "5x", "1.5", "%20"}) {
        const auto a = get(std::string("/api/receipts?limit=") + bad);
        EXPECT_EQ(a.status, 400) << bad;
        EXPECT_EQ(a.error(), "bad_limit");
    }
    EXPECT_EQ(get("/api/receipts?q=" + std::string(300, 'a')).status, 400);
}

TEST_F(ServerTest, PhotosNeedAValidName)
{
    const auto a = get("/api/photos/" + std::string(kKnownPhoto));
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.header("Content-Type"), "image/jpeg");
    EXPECT_EQ(a.body, "full-bytes");
    EXPECT_EQ(get("/api/photos/" + std::string(kKnownPhoto) + "?thumb=1").body, "thumb-bytes");
    EXPECT_EQ(get("/api/photos/" + std::string(64, 'f')).status, 404);  // valid, unknown
    std::string upper(kKnownPhoto);
    upper[0] = 'A';
    upper[10] = 'B';
    EXPECT_EQ(get("/api/photos/" + upper).status, 404);
    EXPECT_EQ(get("/api/photos/" + std::string(kKnownPhoto).substr(1)).status, 404);
    EXPECT_EQ(get("/api/photos/../state").status, 404);
}

TEST_F(ServerTest, PreviewNeedsACamera)
{
    const auto none = get("/api/preview.jpg");
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(none.error(), "no_camera");
    controller_.setCamera(true);
    const auto a = get("/api/preview.jpg");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.header("Content-Type"), "image/jpeg");
    EXPECT_EQ(a.body, "preview-bytes");
}

TEST_F(ServerTest, HealthzAnswersOk)
{
    const auto a = get("/healthz");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "ok");
}

TEST_F(ServerTest, OtherMethodsGetJsonErrors)
{
    const auto a = answer(client()->Put("/api/scan", "{}", "application/json"));
    EXPECT_GE(a.status, 400);
    EXPECT_FALSE(a.error().empty());
    expectSecurityHeaders(a);
    EXPECT_TRUE(controller_.actions().empty());
}

// --- Start-up --------------------------------------------------------------------------------

TEST(ServerStartTest, BindErrorNamesTheAddress)
{
    FakeController controller;
    ServerOptions o;
    o.port = 0;
    auto first = Server::start(o, controller);
    ASSERT_TRUE(first.ok());
    o.port = (*first)->port();
    auto second = Server::start(o, controller);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::Io);
    EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(o.port)), std::string::npos)
        << second.error().message;
}

TEST(ServerStartTest, RefusesBadOptions)
{
    FakeController controller;
    auto expectInvalid = [&](const std::function<void(ServerOptions&)>& tweak) {
        ServerOptions o;
        o.port = 0;
        tweak(o);
        auto s = Server::start(o, controller);
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
    };
    expectInvalid([](ServerOptions& o) { o.port = 70000; });
    expectInvalid([](ServerOptions& o) { o.threads = 1; });
    expectInvalid([](ServerOptions& o) { o.maxPinTries = 0; });
    expectInvalid([](ServerOptions& o) { o.supervisors = {{"sup-1", "1234"}}; });
    expectInvalid([](ServerOptions& o) {
        o.supervisors = {testSupervisors()[0], testSupervisors()[0]};
    });
    expectInvalid([](ServerOptions& o) { o.allowedHosts = {"evil.example/path"}; });
}

TEST(ServerStartTest, UrlNamesThePort)
{
    FakeController controller;
    ServerOptions o;
    o.port = 0;
    auto s = Server::start(o, controller);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)->url(), "http://127.0.0.1:" + std::to_string((*s)->port()) + "/");
    (*s)->stop();
    (*s)->stop();  // idempotent
}

}  // namespace
}  // namespace returnscan::ui::testing
