// SPDX-License-Identifier: Apache-2.0
// The request rules without a socket: Host/Origin allow-lists, content type, cookies, limits,
// names, and the embedded asset table.
#include <gtest/gtest.h>

#include <string>

#include "assets.h"
#include "http_rules.h"

namespace returnscan::ui::detail {
namespace {

HostRules rules(int port, std::string_view bind = "127.0.0.1",
                const std::vector<std::string>& extra = {})
{
    auto r = HostRules::make(port, bind, extra);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : HostRules{};
}

TEST(HostRulesTest, AllowsLoopbackNamesWithThePort)
{
    const auto r = rules(8080);
    EXPECT_TRUE(r.hostAllowed("127.0.0.1:8080"));
    EXPECT_TRUE(r.hostAllowed("localhost:8080"));
    EXPECT_TRUE(r.hostAllowed("LocalHost:8080"));
    EXPECT_TRUE(r.hostAllowed("[::1]:8080"));
    EXPECT_FALSE(r.hostAllowed("localhost"));
    EXPECT_FALSE(r.hostAllowed("localhost:8081"));
    EXPECT_FALSE(r.hostAllowed("localhost:80800"));
    EXPECT_FALSE(r.hostAllowed("evil.example:8080"));
    EXPECT_FALSE(r.hostAllowed("localhost.evil.example:8080"));
    EXPECT_FALSE(r.hostAllowed(""));
    EXPECT_FALSE(r.hostAllowed("127.0.0.1:8080@evil.example"));
}

TEST(HostRulesTest, PortEightyMayBeLeftOut)
{
    const auto r = rules(80);
    EXPECT_TRUE(r.hostAllowed("localhost"));
    EXPECT_TRUE(r.hostAllowed("localhost:80"));
}

TEST(HostRulesTest, AddsConfiguredHostsAndTheBoundAddress)
{
    const auto r = rules(8080, "192.168.4.2", {"Kiosk.Local", "bench:9000", "[fe80::1]"});
    EXPECT_TRUE(r.hostAllowed("192.168.4.2:8080"));
    EXPECT_TRUE(r.hostAllowed("kiosk.local:8080"));
    EXPECT_TRUE(r.hostAllowed("bench:9000"));
    EXPECT_FALSE(r.hostAllowed("bench:8080"));
    EXPECT_TRUE(r.hostAllowed("[fe80::1]:8080"));
    const auto any = rules(8080, "0.0.0.0");
    EXPECT_FALSE(any.hostAllowed("0.0.0.0:8080"));
    const auto v6 = rules(8080, "::1");
    EXPECT_TRUE(v6.hostAllowed("[::1]:8080"));
}

TEST(HostRulesTest, RefusesMalformedEntries)
{
    for (const auto& bad : {"", "a b", "evil.example/x", "user@host", "host?x"}) {
        auto r = HostRules::make(8080, "127.0.0.1", {bad});
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
        }
    }
}

TEST(HostRulesTest, OriginsAreHttpPlusAnAllowedHost)
{
    const auto r = rules(8080);
    EXPECT_TRUE(r.originAllowed("http://127.0.0.1:8080"));
    EXPECT_TRUE(r.originAllowed("http://localhost:8080"));
    EXPECT_FALSE(r.originAllowed("https://localhost:8080"));
    EXPECT_FALSE(r.originAllowed("http://localhost:8080/"));
    EXPECT_FALSE(r.originAllowed("http://evil.example"));
    EXPECT_FALSE(r.originAllowed("null"));
    EXPECT_FALSE(r.originAllowed("http://"));
    EXPECT_FALSE(r.originAllowed(""));
}

TEST(FetchSiteTest, AllowsSameOriginAndNone)
{
    EXPECT_TRUE(fetchSiteAllowed("same-origin"));
    EXPECT_TRUE(fetchSiteAllowed("none"));
    EXPECT_FALSE(fetchSiteAllowed("same-site"));
    EXPECT_FALSE(fetchSiteAllowed("cross-site"));
    EXPECT_FALSE(fetchSiteAllowed(""));
}

TEST(ContentTypeTest, RecognisesJson)
{
    EXPECT_TRUE(isJsonContentType("application/json"));
    EXPECT_TRUE(isJsonContentType("application/json; charset=utf-8"));
    EXPECT_TRUE(isJsonContentType(" Application/JSON ;charset=UTF-8"));
    EXPECT_FALSE(isJsonContentType(""));
    EXPECT_FALSE(isJsonContentType("text/plain"));
    EXPECT_FALSE(isJsonContentType("application/x-www-form-urlencoded"));
    EXPECT_FALSE(isJsonContentType("multipart/form-data; boundary=x"));
    EXPECT_FALSE(isJsonContentType("application/jsonx"));
}

TEST(CookieTest, FindsTheNamedCookie)
{
    using V = std::vector<std::string_view>;
    EXPECT_EQ(cookieValues("rs_session=abc", "rs_session"), V{"abc"});
    EXPECT_EQ(cookieValues("a=1; rs_session=abc; b=2", "rs_session"), V{"abc"});
    EXPECT_EQ(cookieValues("rs_session=\"abc\"", "rs_session"), V{"abc"});
    EXPECT_EQ(cookieValues("rs_session=a;rs_session=b", "rs_session"), (V{"a", "b"}));
    EXPECT_TRUE(cookieValues("xrs_session=abc; rs_sessionx=1", "rs_session").empty());
    EXPECT_TRUE(cookieValues("", "rs_session").empty());
    EXPECT_TRUE(cookieValues("rs_session", "rs_session").empty());
}

TEST(ParseLimitTest, DefaultsClampsAndRefuses)
{
    EXPECT_EQ(parseLimit(""), 50);
    EXPECT_EQ(parseLimit("1"), 1);
    EXPECT_EQ(parseLimit("500"), 500);
    EXPECT_EQ(parseLimit("501"), 500);
    EXPECT_EQ(parseLimit("0"), 1);
    EXPECT_EQ(parseLimit("-3"), 1);
    EXPECT_EQ(parseLimit("99999999999999999999999"), 500);
    EXPECT_FALSE(parseLimit("abc"));
    EXPECT_FALSE(parseLimit("1e3"));
    EXPECT_FALSE(parseLimit("+5"));
    EXPECT_FALSE(parseLimit("-"));
    EXPECT_FALSE(parseLimit(" 5"));
}

TEST(NamesTest, ActionNames)
{
    EXPECT_TRUE(isActionName("no-code"));
    EXPECT_TRUE(isActionName(std::string(32, 'a')));
    EXPECT_FALSE(isActionName(std::string(33, 'a')));
    EXPECT_FALSE(isActionName(""));
    EXPECT_FALSE(isActionName("Scan"));
    EXPECT_FALSE(isActionName("scan2"));
}

TEST(AssetsTest, TypesByExtension)
{
    EXPECT_EQ(contentTypeFor("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(contentTypeFor("app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(contentTypeFor("app.css"), "text/css; charset=utf-8");
    EXPECT_EQ(contentTypeFor("icons/ok.svg"), "image/svg+xml");
    EXPECT_EQ(contentTypeFor("logo.png"), "image/png");
    EXPECT_EQ(contentTypeFor("beep.wav"), "audio/wav");
    EXPECT_EQ(contentTypeFor("beep.ogg"), "audio/ogg");
    EXPECT_EQ(contentTypeFor("strings.json"), "application/json");
    EXPECT_EQ(contentTypeFor("favicon.ico"), "image/x-icon");
    EXPECT_EQ(contentTypeFor("README"), "application/octet-stream");
    EXPECT_EQ(contentTypeFor(".js"), "application/octet-stream");
}

TEST(AssetsTest, EmbedsTheIndexWithAStrongEtag)
{
    const auto* index = findAsset("index.html");
    ASSERT_NE(index, nullptr);
    EXPECT_GT(index->size, 0u);
    const std::string_view body(index->data, index->size);
    EXPECT_NE(body.find("<html"), std::string_view::npos);
    const std::string_view etag = index->etag;
    ASSERT_EQ(etag.size(), 34u);
    EXPECT_EQ(etag.front(), '"');
    EXPECT_EQ(etag.back(), '"');
    EXPECT_FALSE(etag.starts_with("W/"));
    EXPECT_EQ(findAsset("../index.html"), nullptr);
    EXPECT_EQ(findAsset(""), nullptr);
    for (const auto& a : embeddedAssets()) {
        EXPECT_EQ(std::string_view(a.name).find(".."), std::string_view::npos) << a.name;
    }
}

}  // namespace
}  // namespace returnscan::ui::detail
