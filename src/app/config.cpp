// SPDX-License-Identifier: Apache-2.0
// The kiosk's configuration file: TOML read with toml++, checked key by key against
// docs/configuration.md. toml++ stays in this file; its exceptions are caught here.
// Over 900 lines on purpose: one reader per section, all on the same Checker and Section
// helpers, in the order docs/configuration.md lists the keys; split, the key list would be
// scattered over files that must change together.
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <utility>

#include <toml++/toml.h>

#include "returnscan/core/utf8.h"
#include "returnscan/input/decoders.h"
#include "returnscan/sync/sync.h"
#include "returnscan/ui/server.h"

namespace returnscan::app {
namespace {

/// Larger configuration files are refused unread (a real one is a few kilobytes).
constexpr std::size_t kMaxConfigBytes = 1 << 20;
/// At most this many problems are listed; the rest are counted.
constexpr std::size_t kMaxProblems = 20;

/// One problem found in the file.
struct Problem {
    std::uint32_t line = 0;
    std::string key;
    std::string what;
};

std::uint32_t lineOf(const toml::source_region& region)
{
    return region.begin.line;
}

std::string_view typeName(const toml::node& n)
{
    switch (n.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

/// `"text"` for messages: bounded and printable whatever the text holds.
std::string inQuotes(std::string_view text)
{
    return "\"" + core::displaySafe(text) + "\"";
}

template <typename Words>
std::string joinWords(const Words& words)
{
    std::string out;
    for (auto w : words) {
        if (!out.empty())
            out += ", ";
        out += w;
    }
    return out;
}

/// A number for messages: whole numbers without exponent or decimals ("1000000", "0.25").
std::string numberText(double v)
{
    char buf[32];
    if (!std::isnan(v) && v > -1e15 && v < 1e15 &&
        v == static_cast<double>(static_cast<long long>(v)))
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
        std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

/// Why `s` may not be a configuration string, or empty when it may: valid UTF-8 without C0
/// or C1 control characters or DEL (they would end up in logs, headers and receipts).
std::string textProblem(std::string_view s)
{
    if (auto bad = core::firstInvalidUtf8(s))
        return "is not valid UTF-8 (byte " + std::to_string(*bad) + ")";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const bool c1 = c == 0xC2 && i + 1 < s.size() &&
                        static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                        static_cast<unsigned char>(s[i + 1]) <= 0x9F;
        if (c < 0x20 || c == 0x7F || c1)
            return "contains a control character (byte " + std::to_string(i) + ")";
    }
    return {};
}

/// Names and roles: 1 to 64 of A-Z a-z 0-9 . _ - (they appear in events, headers and URLs).
bool isName(std::string_view s)
{
    if (s.empty() || s.size() > 64)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}
constexpr std::string_view kNameRule = "must be 1 to 64 characters of A-Z a-z 0-9 . _ -";

std::optional<std::uint16_t> parseHex16(std::string_view s)
{
    if (s.size() != 4)
        return std::nullopt;
    std::uint16_t v = 0;
    for (char c : s) {
        int d = -1;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        if (d < 0)
            return std::nullopt;
        v = static_cast<std::uint16_t>(v * 16 + d);
    }
    return v;
}

std::optional<int> parseDecimal(std::string_view s, int max)
{
    if (s.empty() || s.size() > 9)
        return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > max)
        return std::nullopt;
    return v;
}

/// Collects problems with their file position.
class Checker {
public:
    void fail(std::uint32_t line, std::string key, std::string what)
    {
        problems_.push_back(Problem{line, std::move(key), std::move(what)});
    }
    void fail(const toml::node& n, std::string key, std::string what)
    {
        fail(lineOf(n.source()), std::move(key), std::move(what));
    }
    [[nodiscard]] std::size_t count() const { return problems_.size(); }

    /// All problems in line order, one per line: "FILE:LINE: KEY: what is wrong".
    [[nodiscard]] std::string message(std::string_view file) const
    {
        auto sorted = problems_;
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const Problem& a, const Problem& b) { return a.line < b.line; });
        std::string out;
        for (std::size_t i = 0; i < sorted.size() && i < kMaxProblems; ++i) {
            if (i > 0)
                out += '\n';
            out += std::string(file) + ':' + std::to_string(sorted[i].line) + ": " + sorted[i].key +
                   ": " + sorted[i].what;
        }
        if (sorted.size() > kMaxProblems)
            out += "\n(" + std::to_string(sorted.size() - kMaxProblems) + " more problems)";
        return out;
    }

private:
    std::vector<Problem> problems_;
};

/// One TOML table being read: refuses keys it does not know, reads typed, range-checked
/// values into their targets. A key that is absent leaves its target (the default) alone.
class Section {
public:
    Section(Checker& checker, const toml::table& table, std::string path,
            std::initializer_list<std::string_view> known)
        : c_(checker), t_(table), path_(std::move(path))
    {
        for (auto&& [k, v] : table) {
            if (std::find(known.begin(), known.end(), k.str()) != known.end())
                continue;
            const std::uint32_t line =
                lineOf(k.source()) != 0 ? lineOf(k.source()) : lineOf(v.source());
            const bool isTable = v.is_table() || v.is_array_of_tables();
            c_.fail(line, keyPath(core::displaySafe(k.str())),
                    std::string(isTable ? "unknown table" : "unknown key") +
                        " (known: " + joinWords(known) + ")");
        }
    }

    [[nodiscard]] std::string keyPath(std::string_view key) const
    {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    [[nodiscard]] const toml::node* find(std::string_view key) const { return t_.get(key); }
    [[nodiscard]] const toml::table& table() const { return t_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    Checker& checker() { return c_; }

    void fail(std::string_view key, std::string what)
    {
        const toml::node* n = find(key);
        c_.fail(n != nullptr ? lineOf(n->source()) : lineOf(t_.source()), keyPath(key),
                std::move(what));
    }

    /// A string value that is valid text. False when absent or bad.
    bool text(std::string_view key, std::string& out)
    {
        const toml::node* n = find(key);
        if (n == nullptr)
            return false;
        const auto* s = n->as_string();
        if (s == nullptr) {
            fail(key, "expected a string, got " + std::string(typeName(*n)));
            return false;
        }
        if (auto why = textProblem(s->get()); !why.empty()) {
            fail(key, why);
            return false;
        }
        out = s->get();
        return true;
    }

    /// A non-empty string of at most `maxBytes` bytes.
    bool nonEmpty(std::string_view key, std::string& out, std::size_t maxBytes = 4096)
    {
        std::string v;
        if (!text(key, v))
            return false;
        if (v.empty() || v.size() > maxBytes) {
            fail(key, "must be 1 to " + std::to_string(maxBytes) + " bytes long");
            return false;
        }
        out = std::move(v);
        return true;
    }

    bool name(std::string_view key, std::string& out)
    {
        std::string v;
        if (!text(key, v))
            return false;
        if (!isName(v)) {
            fail(key, std::string(kNameRule) + " (got " + inQuotes(v) + ")");
            return false;
        }
        out = std::move(v);
        return true;
    }

    /// One of `words`; returns the index.
    std::optional<std::size_t> word(std::string_view key, std::string_view what,
                                    std::initializer_list<std::string_view> words)
    {
        std::string v;
        if (!text(key, v))
            return std::nullopt;
        auto it = std::find(words.begin(), words.end(), v);
        if (it == words.end()) {
            fail(key, "unknown " + std::string(what) + " " + inQuotes(v) + " (one of " +
                          joinWords(words) + ")");
            return std::nullopt;
        }
        return static_cast<std::size_t>(it - words.begin());
    }

    bool boolean(std::string_view key, bool& out)
    {
        const toml::node* n = find(key);
        if (n == nullptr)
            return false;
        const auto* b = n->as_boolean();
        if (b == nullptr) {
            fail(key, "expected a boolean (true or false), got " + std::string(typeName(*n)));
            return false;
        }
        out = b->get();
        return true;
    }

    template <typename Int>
    bool integer(std::string_view key, std::int64_t lo, std::int64_t hi, Int& out)
    {
        const toml::node* n = find(key);
        if (n == nullptr)
            return false;
        const auto* i = n->as_integer();
        if (i == nullptr) {
            fail(key, "expected an integer, got " + std::string(typeName(*n)));
            return false;
        }
        const std::int64_t v = i->get();
        if (v < lo || v > hi) {
            fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                          " (got " + std::to_string(v) + ")");
            return false;
        }
        out = static_cast<Int>(v);
        return true;
    }

    /// An integer or floating-point number in [lo, hi].
    bool number(std::string_view key, double lo, double hi, double& out)
    {
        const toml::node* n = find(key);
        if (n == nullptr)
            return false;
        double v = 0;
        if (const auto* i = n->as_integer()) {
            v = static_cast<double>(i->get());
        } else if (const auto* f = n->as_floating_point()) {
            v = f->get();
        } else {
            fail(key, "expected a number, got " + std::string(typeName(*n)));
            return false;
        }
        // NaN fails every comparison, so test for being inside the range.
        if (!(v >= lo && v <= hi)) {
            fail(key, "must be between " + numberText(lo) + " and " + numberText(hi) + " (got " +
                          numberText(v) + ")");
            return false;
        }
        out = v;
        return true;
    }

    /// An array of valid strings; each element is checked by `check` (empty: fine).
    template <typename Check>
    bool textArray(std::string_view key, std::vector<std::string>& out, Check check)
    {
        const toml::node* n = find(key);
        if (n == nullptr)
            return false;
        const auto* a = n->as_array();
        if (a == nullptr) {
            fail(key, "expected an array of strings, got " + std::string(typeName(*n)));
            return false;
        }
        std::vector<std::string> values;
        bool ok = true;
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::node& e = *a->get(i);
            const std::string at = keyPath(key) + "[" + std::to_string(i) + "]";
            const auto* s = e.as_string();
            if (s == nullptr) {
                c_.fail(e, at, "expected a string, got " + std::string(typeName(e)));
                ok = false;
                continue;
            }
            std::string why = textProblem(s->get());
            if (why.empty())
                why = check(s->get(), values);
            if (!why.empty()) {
                c_.fail(e, at, why);
                ok = false;
                continue;
            }
            values.push_back(s->get());
        }
        if (ok)
            out = std::move(values);
        return ok;
    }

private:
    Checker& c_;
    const toml::table& t_;
    std::string path_;
};

/// A sub-table `key` of `parent`, or nullptr (absent, or not a table: reported).
const toml::table* subTable(Section& parent, std::string_view key)
{
    const toml::node* n = parent.find(key);
    if (n == nullptr)
        return nullptr;
    if (const auto* t = n->as_table())
        return t;
    parent.fail(
        key, "expected a table ([" + parent.keyPath(key) + "]), got " + std::string(typeName(*n)));
    return nullptr;
}

/// The tables of an array of tables `key` ([[key]]); problems reported.
std::vector<const toml::table*> tableArray(Section& parent, std::string_view key)
{
    std::vector<const toml::table*> out;
    const toml::node* n = parent.find(key);
    if (n == nullptr)
        return out;
    const auto* a = n->as_array();
    if (a == nullptr) {
        parent.fail(key, "expected an array of tables ([[" + parent.keyPath(key) + "]]), got " +
                             std::string(typeName(*n)));
        return out;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        if (const auto* t = e.as_table()) {
            out.push_back(t);
        } else {
            parent.checker().fail(e, parent.keyPath(key) + "[" + std::to_string(i) + "]",
                                  "expected a table, got " + std::string(typeName(e)));
            out.push_back(nullptr);
        }
    }
    return out;
}

// ---- sections --------------------------------------------------------------------------

void readStation(Section& s, KioskConfig& cfg)
{
    cfg.stationIdSet = s.name("id", cfg.stationId);
    s.nonEmpty("operator", cfg.operatorId, 64);
    if (auto w = s.word("language", "language", {"en", "de"}))
        cfg.language = *w == 0 ? "en" : "de";
}

void readStorage(Section& s, KioskConfig& cfg)
{
    s.nonEmpty("database", cfg.database);
    s.nonEmpty("photos", cfg.photoDir);
}

/// One code format from `patternKey` and `checkKey`, onto `format`.
void readFormat(Section& s, std::string_view patternKey, std::string_view checkKey,
                core::CodeFormat& format)
{
    std::string pattern = format.pattern.source();
    core::CheckScheme scheme = format.check;
    const std::size_t before = s.checker().count();
    const bool patternSet = s.nonEmpty(patternKey, pattern, core::kMaxReadBytes);
    bool schemeSet = false;
    std::string word;
    if (s.text(checkKey, word)) {
        if (auto p = core::parseCheckScheme(word)) {
            scheme = *p;
            schemeSet = true;
        } else {
            s.fail(checkKey, "unknown check scheme " + inQuotes(word) +
                                 " (one of none, iso7064-mod37-36, gs1-mod10)");
        }
    }
    if (s.checker().count() != before || (!patternSet && !schemeSet))
        return;
    auto made = core::CodeFormat::make(pattern, scheme);
    if (!made) {
        s.fail(patternSet ? patternKey : checkKey, made.error().message);
        return;
    }
    format = std::move(made).value();
}

void readCodes(Section& s, KioskConfig& cfg)
{
    readFormat(s, "return_code", "return_code_check", cfg.formats.returnCode);
    readFormat(s, "order", "order_check", cfg.formats.order);
    std::string prefix;
    if (s.text("return_code_prefix", prefix)) {
        const bool printable =
            std::all_of(prefix.begin(), prefix.end(), [](char c) { return c > ' ' && c < 0x7F; });
        if (prefix.size() > 16 || !printable)
            s.fail("return_code_prefix", "must be at most 16 printable ASCII characters");
        else
            cfg.formats.returnCodePrefix = prefix;
    }
}

void readSession(Section& s, KioskConfig& cfg)
{
    std::int64_t v = 0;
    if (s.integer("abandon_after_seconds", 10, 86400, v))
        cfg.abandonAfter = std::chrono::seconds(v);
    if (s.integer("dedup_window_ms", 0, 60000, v))
        cfg.dedupWindow = std::chrono::milliseconds(v);
}

constexpr std::array<std::string_view, 4> kPhotoRoles = {"overview", "label", "damage", "contents"};

std::string photoRoleProblem(const std::string& role, const std::vector<std::string>& earlier)
{
    if (std::find(kPhotoRoles.begin(), kPhotoRoles.end(), role) == kPhotoRoles.end())
        return "unknown photo role " + inQuotes(role) + " (one of " + joinWords(kPhotoRoles) + ")";
    if (std::find(earlier.begin(), earlier.end(), role) != earlier.end())
        return "photo role " + inQuotes(role) + " listed twice";
    return {};
}

void readPhotos(Section& s, KioskConfig& cfg)
{
    core::PhotoRules& r = cfg.photoRules;
    s.textArray("required_accepted", r.accepted, photoRoleProblem);
    s.textArray("required_refusal", r.refusal, photoRoleProblem);
    const std::size_t before = s.checker().count();
    s.integer("damaged_minor", 0, 20, r.damagedMinor);
    s.integer("damaged_major", 0, 20, r.damagedMajor);
    s.integer("damaged_severe", 0, 20, r.damagedSevere);
    if (s.checker().count() == before &&
        (r.damagedMinor > r.damagedMajor || r.damagedMajor > r.damagedSevere)) {
        // Policy: more photos as severity rises, never fewer.
        const char* key = r.damagedMinor > r.damagedMajor ? "damaged_major" : "damaged_severe";
        s.fail(s.find(key) != nullptr ? key : "damaged_minor",
               "damage photo counts must not fall as the grade rises (minor " +
                   std::to_string(r.damagedMinor) + ", major " + std::to_string(r.damagedMajor) +
                   ", severe " + std::to_string(r.damagedSevere) + ")");
    }
    s.integer("misuse", 0, 20, r.misuse);
    s.boolean("label_must_be_visible", r.labelMustBeVisible);

    s.integer("burst", 1, 30, cfg.burst);
    s.integer("jpeg_quality", 50, 100, cfg.jpegQuality);
    vision::QualityThresholds& q = cfg.quality;
    s.number("min_sharpness", 0, 1e6, q.minSharpness);
    const std::size_t beforeExposure = s.checker().count();
    const bool minSet = s.number("min_exposure", 0, 255, q.minExposure);
    const bool maxSet = s.number("max_exposure", 0, 255, q.maxExposure);
    if (s.checker().count() == beforeExposure && q.minExposure >= q.maxExposure) {
        s.fail(maxSet || !minSet ? "max_exposure" : "min_exposure",
               "min_exposure must be below max_exposure");
    }
    s.number("max_clipped", 0, 1, q.maxClipped);
    s.boolean("clip", cfg.clip);
    std::int64_t v = 0;
    if (s.integer("clip_seconds", 1, 600, v))
        cfg.clipSeconds = std::chrono::seconds(v);
}

/// Device names (scanner and camera) share one namespace: both are ScanEvent::device.
using NameIndex = std::map<std::string, std::pair<std::string, std::uint32_t>>;

void claimName(Section& s, NameIndex& names, const std::string& name)
{
    const std::uint32_t line = lineOf(s.find("name")->source());
    auto [it, fresh] = names.try_emplace(name, s.path(), line);
    if (!fresh) {
        s.fail("name", "duplicate name " + inQuotes(name) + " (already used by " +
                           it->second.first + " on line " + std::to_string(it->second.second) +
                           ")");
    }
}

void readScanner(Section& s, ScannerEntry& e, NameIndex& names)
{
    input::ScannerConfig& in = e.input;
    const std::size_t before = s.checker().count();
    if (s.find("name") == nullptr)
        s.fail("name", "is required");
    else if (s.name("name", in.id))
        claimName(s, names, in.id);
    s.name("role", in.role);
    if (auto w = s.word("transport", "transport", {"serial", "evdev", "hidraw", "usb"})) {
        constexpr core::Transport kTransports[] = {core::Transport::Serial, core::Transport::Evdev,
                                                   core::Transport::Hidraw,
                                                   core::Transport::Libusb};
        in.transport = kTransports[*w];
    }
    if (s.text("device", in.path) && (in.path.empty() || in.path.front() != '/')) {
        s.fail("device", "must be an absolute path (got " + inQuotes(in.path) + ")");
    }
    for (auto [key, target] :
         {std::pair{"vendor_id", &in.vendorId}, std::pair{"product_id", &in.productId}}) {
        std::string v;
        if (!s.text(key, v))
            continue;
        if (auto id = parseHex16(v))
            *target = *id;
        else
            s.fail(key, "expected 4 hex digits as lsusb shows them, e.g. \"05e0\" (got " +
                            inQuotes(v) + ")");
    }
    if (auto w = s.word("protocol", "protocol", {"plain", "ssi"}))
        in.protocol = *input::parseSerialProtocol(*w == 0 ? "plain" : "ssi");
    if (auto w = s.word("suffix", "suffix", {"cr", "lf", "crlf"})) {
        constexpr std::string_view kSuffixes[] = {"cr", "lf", "crlf"};
        in.suffix = *input::parseSuffix(kSuffixes[*w]);
    }
    std::int64_t baud = 0;
    if (s.integer("baud", 1, 921600, baud)) {
        constexpr std::int64_t kBauds[] = {1200,  2400,   4800,   9600,   19200, 38400,
                                           57600, 115200, 230400, 460800, 921600};
        if (std::find(std::begin(kBauds), std::end(kBauds), baud) == std::end(kBauds))
            s.fail("baud", "unsupported baud rate " + std::to_string(baud) +
                               " (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, "
                               "460800 or 921600)");
        else
            in.baud = static_cast<unsigned>(baud);
    }
    s.nonEmpty("layout", in.wedge.layout, 64);
    std::int64_t timeoutMs = 0;
    if (s.integer("char_timeout_ms", 10, 2000, timeoutMs))
        in.wedge.interCharTimeout = std::chrono::milliseconds(timeoutMs);
    s.boolean("allow_ungrabbed", in.allowUngrabbed);
    if (s.text("profile", in.profile) && !in.profile.empty() &&
        input::findHidPosDriver(in.profile) == nullptr) {
        std::string known;
        for (const auto& d : input::hidPosDrivers())
            known += std::string(known.empty() ? "" : ", ") + d.name;
        s.fail("profile", "unknown HID POS profile " + inQuotes(in.profile) + " (one of " + known +
                              ", or empty for automatic)");
    }
    if (auto w = s.word("feedback", "feedback protocol", {"none", "ssi", "honeywell", "hidpos"})) {
        constexpr std::string_view kFeedback[] = {"none", "ssi", "honeywell", "hidpos"};
        e.feedback = kFeedback[*w];
    }
    if (s.checker().count() != before)
        return;  // the checks below would only repeat an error already reported

    // How the device is found.
    const bool vid = in.vendorId.has_value();
    const bool pid = in.productId.has_value();
    if (vid != pid) {
        s.fail(vid ? "vendor_id" : "product_id", "vendor_id and product_id go together");
        return;
    }
    if (in.transport == core::Transport::Libusb && !vid) {
        s.fail("transport", "transport \"usb\" needs vendor_id and product_id");
        return;
    }
    if (in.path.empty() && !vid) {
        s.fail("device", "a scanner needs device or vendor_id and product_id");
        return;
    }
    // Settings that contradict the transport.
    const bool serial = in.transport == core::Transport::Serial;
    const bool hid =
        in.transport == core::Transport::Hidraw || in.transport == core::Transport::Libusb;
    if (in.protocol == input::SerialProtocol::Ssi && !serial) {
        s.fail("protocol", "protocol \"ssi\" needs transport \"serial\"");
        return;
    }
    if (!in.profile.empty() && !hid) {
        s.fail("profile", "profile applies to transport \"hidraw\" or \"usb\" only");
        return;
    }
    const bool feedbackFits =
        e.feedback == "none" || (e.feedback == "ssi" && serial) ||
        (e.feedback == "honeywell" && (serial || in.transport == core::Transport::Hidraw)) ||
        (e.feedback == "hidpos" && in.transport == core::Transport::Hidraw);
    if (!feedbackFits) {
        s.fail("feedback", "feedback " + inQuotes(e.feedback) + " does not work over transport " +
                               inQuotes(core::toString(in.transport)) +
                               " (ssi: serial; honeywell: serial or hidraw; hidpos: hidraw)");
        return;
    }
    if (in.transport == core::Transport::Evdev) {
        // The layout must exist in xkb now, not when the scanner is first plugged in.
        if (auto dec = input::makeWedgeDecoder(in.wedge); !dec)
            s.fail("layout", "unknown keyboard layout " + inQuotes(in.wedge.layout) + " (" +
                                 dec.error().message + ")");
    }
}

void readCamera(Section& s, CameraEntry& e, NameIndex& names)
{
    vision::CameraConfig& cam = e.camera;
    if (s.find("name") == nullptr)
        s.fail("name", "is required");
    else if (s.name("name", cam.id))
        claimName(s, names, cam.id);
    if (s.find("source") == nullptr)
        s.fail("source", "is required");
    else
        s.nonEmpty("source", cam.source);
    s.name("role", cam.role);
    const std::size_t beforeSize = s.checker().count();
    s.integer("width", 0, 10000, cam.width);
    s.integer("height", 0, 10000, cam.height);
    if (s.checker().count() == beforeSize && (cam.width == 0) != (cam.height == 0)) {
        s.fail(s.find("height") != nullptr ? "height" : "width",
               "width and height are both set, or both 0 (the device's default)");
    }
    s.number("fps", 0, 240, cam.fps);
    s.boolean("mjpg", cam.mjpg);
    double exposure = 0;
    if (s.number("exposure", 0, 1e6, exposure)) {
        if (exposure <= 0)
            s.fail("exposure", "must be above 0 (leave it out for automatic exposure)");
        else
            cam.exposure = exposure;
    }
    s.boolean("loop", cam.loop);
    s.boolean("paced", cam.paced);
    s.boolean("decode", e.decode);
    s.boolean("photos", e.photos);
    s.boolean("preview", e.preview);
}

void readSync(Section& s, KioskConfig& cfg)
{
    SyncSettings& y = cfg.sync;
    s.boolean("allow_insecure_http", y.allowInsecureHttp);
    std::string url;
    if (s.text("central_url", url)) {
        if (url.empty()) {
            y.centralUrl.clear();
        } else if (url.starts_with("http://") && !y.allowInsecureHttp) {
            s.fail("central_url",
                   "plain http:// is refused: the token would travel in clear text (use "
                   "https://, or set allow_insecure_http = true for development)");
        } else if (auto checked = sync::checkCentralUrl(url, y.allowInsecureHttp); !checked) {
            s.fail("central_url", checked.error().message);
        } else {
            y.centralUrl = std::move(checked).value();
        }
    }
    s.nonEmpty("token_file", y.tokenFile);
    s.text("ca_file", y.caFile);

    const toml::node* at = s.find("daily_at");
    if (at == nullptr)
        return;
    if (const auto* t = at->as_time()) {
        // A TOML local time (daily_at = 02:30:00; TOML 1.0 requires the seconds) means the
        // same as the string "02:30".
        const toml::time v = t->get();
        if (v.second != 0 || v.nanosecond != 0) {
            s.fail("daily_at", "expected \"HH:MM\" (a TOML time must have 0 seconds)");
            return;
        }
        char buf[8];
        std::snprintf(buf, sizeof buf, "%02u:%02u", unsigned{v.hour} % 100u,
                      unsigned{v.minute} % 100u);
        y.dailyAt = buf;
        return;
    }
    std::string v;
    if (!s.text("daily_at", v))
        return;
    const bool form = v.size() == 5 && v[2] == ':';
    const auto hh = form ? parseDecimal(v.substr(0, 2), 23) : std::nullopt;
    const auto mm = form ? parseDecimal(v.substr(3, 2), 59) : std::nullopt;
    if (!v.empty() && (!hh || !mm)) {
        s.fail("daily_at",
               "expected \"HH:MM\" (00:00 to 23:59, UTC) or \"\" (got " + inQuotes(v) + ")");
        return;
    }
    y.dailyAt = v;
}

/// "HOST:PORT" with an IPv4 address or a bracketed IPv6 address.
bool parseListen(std::string_view text, std::string& host, int& port)
{
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return false;
    std::string h(text.substr(0, colon));
    const auto p = parseDecimal(text.substr(colon + 1), 65535);
    if (!p)
        return false;
    unsigned char addr[sizeof(in6_addr)];
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') {
        h = h.substr(1, h.size() - 2);
        if (inet_pton(AF_INET6, h.c_str(), addr) != 1)
            return false;
    } else if (inet_pton(AF_INET, h.c_str(), addr) != 1) {
        return false;
    }
    host = h;
    port = *p;
    return true;
}

/// An allowed Host header value: a DNS name or address, optionally with ":port".
std::string hostProblem(const std::string& host, const std::vector<std::string>& /*earlier*/)
{
    const bool fine =
        !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        });
    if (!fine)
        return "expected a host name with an optional :port (got " + inQuotes(host) + ")";
    return {};
}

void readUi(Section& s, KioskConfig& cfg)
{
    std::string listen;
    if (s.text("listen", listen) && !parseListen(listen, cfg.listenHost, cfg.listenPort)) {
        s.fail("listen",
               "expected HOST:PORT with an IPv4 address or a [bracketed] IPv6 "
               "address and a port from 0 to 65535 (got " +
                   inQuotes(listen) + ")");
    }
    s.textArray("allowed_hosts", cfg.allowedHosts, hostProblem);
    s.integer("pin_tries", 1, 20, cfg.maxPinTries);
    std::int64_t v = 0;
    if (s.integer("pin_lockout_seconds", 1, 86400, v))
        cfg.pinLockout = std::chrono::seconds(v);

    const auto tables = tableArray(s, "supervisor");
    std::map<std::string, std::uint32_t> ids;
    for (std::size_t i = 0; i < tables.size(); ++i) {
        if (tables[i] == nullptr)
            continue;
        Section sup(s.checker(), *tables[i],
                    s.keyPath("supervisor") + "[" + std::to_string(i) + "]", {"id", "pin_hash"});
        ui::SupervisorPin pin;
        if (sup.find("id") == nullptr) {
            sup.fail("id", "is required");
        } else if (sup.name("id", pin.id)) {
            const std::uint32_t line = lineOf(sup.find("id")->source());
            if (auto [it, fresh] = ids.try_emplace(pin.id, line); !fresh)
                sup.fail("id", "duplicate supervisor id " + inQuotes(pin.id) + " (also on line " +
                                   std::to_string(it->second) + ")");
        }
        if (sup.find("pin_hash") == nullptr) {
            sup.fail("pin_hash", "is required (make one with `returnscan pin-hash`)");
        } else if (sup.text("pin_hash", pin.pinHash) && !ui::isPinHash(pin.pinHash)) {
            sup.fail("pin_hash",
                     "expected \"pbkdf2-sha256$ITERATIONS$SALT$HASH\" as `returnscan pin-hash` "
                     "prints it");
        }
        cfg.supervisors.push_back(std::move(pin));
    }
}

void readAll(Checker& c, const toml::table& root, KioskConfig& cfg)
{
    Section top(
        c, root, "",
        {"station", "storage", "codes", "session", "photos", "scanner", "camera", "sync", "ui"});
    if (const auto* t = subTable(top, "station")) {
        Section s(c, *t, "station", {"id", "operator", "language"});
        readStation(s, cfg);
    }
    if (const auto* t = subTable(top, "storage")) {
        Section s(c, *t, "storage", {"database", "photos"});
        readStorage(s, cfg);
    }
    if (const auto* t = subTable(top, "codes")) {
        Section s(
            c, *t, "codes",
            {"return_code", "return_code_check", "order", "order_check", "return_code_prefix"});
        readCodes(s, cfg);
    }
    if (const auto* t = subTable(top, "session")) {
        Section s(c, *t, "session", {"abandon_after_seconds", "dedup_window_ms"});
        readSession(s, cfg);
    }
    if (const auto* t = subTable(top, "photos")) {
        Section s(c, *t, "photos",
                  {"required_accepted", "required_refusal", "damaged_minor", "damaged_major",
                   "damaged_severe", "misuse", "label_must_be_visible", "burst", "jpeg_quality",
                   "min_sharpness", "min_exposure", "max_exposure", "max_clipped", "clip",
                   "clip_seconds"});
        readPhotos(s, cfg);
    }
    NameIndex names;
    const auto scanners = tableArray(top, "scanner");
    for (std::size_t i = 0; i < scanners.size(); ++i) {
        if (scanners[i] == nullptr)
            continue;
        Section s(
            c, *scanners[i], "scanner[" + std::to_string(i) + "]",
            {"name", "role", "transport", "device", "vendor_id", "product_id", "protocol", "suffix",
             "baud", "layout", "char_timeout_ms", "allow_ungrabbed", "profile", "feedback"});
        ScannerEntry e;
        readScanner(s, e, names);
        cfg.scanners.push_back(std::move(e));
    }
    const auto cameras = tableArray(top, "camera");
    for (std::size_t i = 0; i < cameras.size(); ++i) {
        if (cameras[i] == nullptr)
            continue;
        Section s(c, *cameras[i], "camera[" + std::to_string(i) + "]",
                  {"name", "source", "role", "width", "height", "fps", "mjpg", "exposure", "loop",
                   "paced", "decode", "photos", "preview"});
        CameraEntry e;
        readCamera(s, e, names);
        cfg.cameras.push_back(std::move(e));
    }
    if (const auto* t = subTable(top, "sync")) {
        Section s(c, *t, "sync",
                  {"central_url", "token_file", "ca_file", "daily_at", "allow_insecure_http"});
        readSync(s, cfg);
    }
    if (const auto* t = subTable(top, "ui")) {
        Section s(c, *t, "ui",
                  {"listen", "allowed_hosts", "pin_tries", "pin_lockout_seconds", "supervisor"});
        readUi(s, cfg);
    }
    // Photos can be required only where a camera takes them (PhotoRules::camerasAvailable).
    cfg.photoRules.camerasAvailable =
        std::any_of(cfg.cameras.begin(), cfg.cameras.end(), [](const auto& e) { return e.photos; });
}

}  // namespace

Result<KioskConfig> parseConfig(std::string_view text, std::string_view fileName)
{
    const std::string file(fileName);
    toml::table root;
    try {
        root = toml::parse(text, fileName);
    } catch (const toml::parse_error& e) {
        return makeError(ErrorCode::InvalidArgument,
                         file + ":" + std::to_string(lineOf(e.source())) +
                             ": syntax error: " + std::string(e.description()));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, file + ": cannot parse: " + e.what());
    }

    KioskConfig cfg;
    cfg.sourceFile = file;
    Checker checker;
    try {
        readAll(checker, root, cfg);
    } catch (const std::exception& e) {
        // Nothing here should throw but std::bad_alloc; no exception leaves the module.
        return makeError(ErrorCode::Internal,
                         file + ": reading the configuration failed: " + e.what());
    }
    if (checker.count() != 0)
        return makeError(ErrorCode::InvalidArgument, checker.message(file));
    return cfg;
}

Result<KioskConfig> loadConfig(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        return makeError(e == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                         path + ": cannot read the configuration: " + std::strerror(e));
    }
    std::string text;
    std::string problem;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        problem = std::strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        problem = "not a regular file";
    } else {
        char buf[8192];
        for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                problem = std::strerror(errno);
                break;
            }
            if (n == 0)
                break;
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > kMaxConfigBytes) {
                problem = "larger than 1 MiB";
                break;
            }
        }
    }
    ::close(fd);
    if (!problem.empty())
        return makeError(ErrorCode::Io, path + ": cannot read the configuration: " + problem);
    return parseConfig(text, path);
}

std::vector<std::string> stillToConfigure(const KioskConfig& cfg)
{
    std::vector<std::string> out;
    if (cfg.sourceFile.empty()) {
        return out;
    }
    if (!cfg.stationIdSet) {
        out.emplace_back("[station] id");
    }
    if (cfg.sync.centralUrl.empty()) {
        out.emplace_back("[sync] central_url");
    }
    // The sync (a child of the kiosk or the timer's run) reads the token as the same user.
    if (::access(cfg.sync.tokenFile.c_str(), R_OK) != 0) {
        out.push_back("token file " + cfg.sync.tokenFile);
    }
    return out;
}

}  // namespace returnscan::app
