// SPDX-License-Identifier: Apache-2.0
// The logging port: names of levels and categories, the rate limiter, the hub, Logger and
// FailureSpell. No I/O: sinks live in the log adapter.
#include "returnscan/core/log.h"

#include <algorithm>

namespace returnscan::core {
namespace {

constexpr std::array<std::string_view, kLogLevelCount> kLevelNames = {
    "error", "warning", "notice", "info", "debug", "wire"};
constexpr std::array<std::string_view, kLogCategoryCount> kCategoryNames = {
    "app", "input", "vision", "store", "sync", "ui", "station", "firmware"};

std::string_view trim(std::string_view s)
{
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}

}  // namespace

namespace {
/// A level of a specification: a level, or "off" (no level).
struct SpecLevel {
    bool known = false;
    std::optional<LogLevel> level;
};
SpecLevel parseSpecLevel(std::string_view text)
{
    if (text == "off")
        return {true, std::nullopt};
    auto l = parseLogLevel(text);
    return {l.has_value(), l};
}
}  // namespace

std::string_view toString(LogLevel level)
{
    return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<LogLevel> parseLogLevel(std::string_view text)
{
    if (text == "warn")
        return LogLevel::Warning;
    for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
        if (kLevelNames[i] == text)
            return static_cast<LogLevel>(i);
    }
    return std::nullopt;
}

std::string_view toString(LogCategory category)
{
    return kCategoryNames[static_cast<std::size_t>(category)];
}

std::optional<LogCategory> parseLogCategory(std::string_view text)
{
    for (std::size_t i = 0; i < kCategoryNames.size(); ++i) {
        if (kCategoryNames[i] == text)
            return static_cast<LogCategory>(i);
    }
    return std::nullopt;
}

Result<LogLevels> parseLogLevels(std::string_view spec, LogLevels base)
{
    LogLevels levels = base;
    std::vector<std::pair<LogCategory, std::optional<LogLevel>>> overrides;
    bool first = true;
    while (true) {
        auto comma = spec.find(',');
        std::string_view item = trim(spec.substr(0, comma));
        auto bad = [&](std::string_view why) {
            return makeError(ErrorCode::InvalidArgument, "log level '" + std::string(item) +
                                                             "': " + std::string(why));
        };
        if (item.empty())
            return bad("empty item (expected LEVEL or CATEGORY=LEVEL)");
        if (auto eq = item.find('='); eq != std::string_view::npos) {
            auto category = parseLogCategory(trim(item.substr(0, eq)));
            if (!category) {
                return bad(
                    "unknown category (app, input, vision, store, sync, ui, station, firmware)");
            }
            auto level = parseSpecLevel(trim(item.substr(eq + 1)));
            if (!level.known)
                return bad("unknown level (error, warning, notice, info, debug, wire, off)");
            overrides.emplace_back(*category, level.level);
        } else {
            auto level = parseSpecLevel(item);
            if (!level.known)
                return bad("unknown level (error, warning, notice, info, debug, wire, off)");
            if (!first)
                return bad("a level for all categories must come first");
            levels = LogLevels(level.level);
        }
        first = false;
        if (comma == std::string_view::npos)
            break;
        spec.remove_prefix(comma + 1);
    }
    for (auto [c, l] : overrides)
        levels.perCategory[static_cast<std::size_t>(c)] = l;
    return levels;
}

// ---------------------------------------------------------------------------------------------

LogRateLimiter::Verdict LogRateLimiter::admit(const std::string& key,
                                              std::chrono::steady_clock::time_point now)
{
    auto it = windows_.find(key);
    if (it == windows_.end()) {
        if (windows_.size() >= kMaxKeys)
            prune(now);
        windows_.emplace(key, Window{now, 1, 0});
        return {true, 0};
    }
    Window& w = it->second;
    if (now - w.start >= limit_.interval) {
        // A new interval starts with this record, which carries what the old one dropped.
        Verdict v{true, w.suppressed};
        w = Window{now, 1, 0};
        return v;
    }
    if (w.passed < limit_.burst) {
        ++w.passed;
        return {true, 0};
    }
    ++w.suppressed;
    return {false, 0};
}

void LogRateLimiter::prune(std::chrono::steady_clock::time_point now)
{
    // Forget keys whose interval ended; their suppressed counts (if any) are lost, which only
    // happens when hundreds of distinct keys are live at once.
    for (auto it = windows_.begin(); it != windows_.end();) {
        if (now - it->second.start >= limit_.interval)
            it = windows_.erase(it);
        else
            ++it;
    }
    if (windows_.size() >= kMaxKeys)
        windows_.clear();  // a flood of distinct keys: start over rather than grow
}

// ---------------------------------------------------------------------------------------------

LogHub::LogHub(const Clock* clock, LogRateLimit limit) : clock_(clock), limiter_(limit)
{
    refreshThresholds();
}

void LogHub::refreshThresholds()
{
    for (std::size_t i = 0; i < kLogCategoryCount; ++i) {
        const auto& level = levels_.perCategory[i];
        const auto t = sink_ && level ? static_cast<std::uint8_t>(static_cast<int>(*level) + 1)
                                      : std::uint8_t{0};
        thresholds_[i].store(t, std::memory_order_relaxed);
    }
}

std::shared_ptr<LogSink> LogHub::setSink(std::shared_ptr<LogSink> sink)
{
    std::lock_guard lock(mutex_);
    std::swap(sink, sink_);
    refreshThresholds();
    return sink;
}

void LogHub::setLevels(const LogLevels& levels)
{
    std::lock_guard lock(mutex_);
    levels_ = levels;
    refreshThresholds();
}

void LogHub::setLevel(LogCategory category, std::optional<LogLevel> level)
{
    std::lock_guard lock(mutex_);
    levels_.perCategory[static_cast<std::size_t>(category)] = level;
    refreshThresholds();
}

LogLevels LogHub::levels() const
{
    std::lock_guard lock(mutex_);
    return levels_;
}

void LogHub::write(LogRecord record, std::string_view key)
{
    if (!enabled(record.category, record.level))
        return;
    const Clock& clock = clock_ != nullptr ? *clock_ : systemClock_;
    std::lock_guard lock(mutex_);
    if (!sink_)
        return;  // removed since the check
    if (record.level <= LogLevel::Info) {
        std::string fullKey;
        fullKey.reserve(key.size() + 12);
        fullKey.append(toString(record.category)).append(1, '\0').append(key);
        auto v = limiter_.admit(fullKey, clock.monotonic());
        if (!v.pass) {
            ++suppressed_;
            return;
        }
        if (v.suppressedBefore > 0) {
            LogRecord note;
            note.level = record.level;
            note.category = record.category;
            note.device = record.device;
            note.message = "suppressed " + std::to_string(v.suppressedBefore) +
                           " similar messages";
            note.fields.push_back({"suppressed", std::to_string(v.suppressedBefore)});
            note.where = record.where;
            sink_->write(note);
            ++written_;
        }
    }
    sink_->write(record);
    ++written_;
}

std::uint64_t LogHub::written() const
{
    std::lock_guard lock(mutex_);
    return written_;
}

std::uint64_t LogHub::suppressed() const
{
    std::lock_guard lock(mutex_);
    return suppressed_;
}

LogHub& processLogHub()
{
    static LogHub hub;
    return hub;
}

// ---------------------------------------------------------------------------------------------

void Logger::log(LogLevel level, std::string_view message, LogContext context,
                 std::source_location where) const
{
    LogHub& h = hub();
    if (!h.enabled(category_, level))
        return;
    LogRecord r;
    r.level = level;
    r.category = category_;
    r.message = std::string(message);
    r.device = context.device.empty() ? device_ : std::move(context.device);
    r.receipt = std::move(context.receipt);
    r.fields = std::move(context.fields);
    r.where = where;
    // Per device: one scanner's flood must not hide another's first failure.
    std::string key = r.device;
    key += '\0';
    key += context.key.empty() ? r.message : context.key;
    h.write(std::move(r), key);
}

void Logger::wire(std::string_view direction, std::string_view bytes,
                  std::source_location where) const
{
    if (!enabled(LogLevel::Wire))
        return;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 3);
    for (unsigned char b : bytes) {
        if (!hex.empty())
            hex += ' ';
        hex += kHex[b >> 4];
        hex += kHex[b & 0xF];
    }
    std::string message = std::string(direction) + ' ' + std::to_string(bytes.size()) +
                          (bytes.size() == 1 ? " byte: " : " bytes: ") + hex;
    log(LogLevel::Wire, message,
        {.fields = {{"direction", std::string(direction)}, {"hex", std::move(hex)}}}, where);
}

// ---------------------------------------------------------------------------------------------

bool FailureSpell::failed(std::string_view message, LogContext context,
                          std::source_location where)
{
    if (failures_++ > 0)
        return false;
    logger_.log(level_, message, std::move(context), where);
    return true;
}

bool FailureSpell::recovered(std::string_view message, LogContext context,
                             std::source_location where)
{
    if (failures_ == 0)
        return false;
    const auto n = failures_;
    failures_ = 0;
    context.fields.push_back({"failures", std::to_string(n)});
    // Whoever sees the start must see the end: at the spell's level, but never as an error.
    logger_.log(std::max(level_, LogLevel::Warning),
                std::string(message) + " (after " + std::to_string(n) +
                    (n == 1 ? " failure)" : " failures)"),
                std::move(context), where);
    return true;
}

}  // namespace returnscan::core
