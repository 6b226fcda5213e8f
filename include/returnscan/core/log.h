// SPDX-License-Identifier: Apache-2.0
// The logging port: categories, levels, the record, the sink interface, the log hub (level
// filter, rate limiter, one sink), the Logger adapters hold, and the failure-spell helper.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/clock.h"
#include "returnscan/core/result.h"

namespace returnscan::core {

/// How much a record matters, most important first. The names are syslog's (PRIORITY 3 to 7);
/// `Wire` is below Debug: raw device bytes, for turning a captured log into a replay session.
enum class LogLevel : std::uint8_t { Error, Warning, Notice, Info, Debug, Wire };
inline constexpr std::size_t kLogLevelCount = 6;
[[nodiscard]] std::string_view toString(LogLevel level);
/// "error", "warning" (or "warn"), "notice", "info", "debug", "wire".
[[nodiscard]] std::optional<LogLevel> parseLogLevel(std::string_view text);

/// Which part of the program speaks: one per module, plus `app` (the command line, wiring).
enum class LogCategory : std::uint8_t { App, Input, Vision, Store, Sync, Ui, Station, Firmware };
inline constexpr std::size_t kLogCategoryCount = 8;
[[nodiscard]] std::string_view toString(LogCategory category);
[[nodiscard]] std::optional<LogCategory> parseLogCategory(std::string_view text);

/// The level of each category; nullopt: the category is off.
struct LogLevels {
    std::array<std::optional<LogLevel>, kLogCategoryCount> perCategory;
    explicit LogLevels(std::optional<LogLevel> all = LogLevel::Warning) { perCategory.fill(all); }
    [[nodiscard]] std::optional<LogLevel> operator[](LogCategory c) const
    {
        return perCategory[static_cast<std::size_t>(c)];
    }
};

/// Parses a level specification: a level for every category, optionally followed by
/// CATEGORY=LEVEL items, comma separated ("info", "warning,input=wire", "input=debug": items
/// without a first level apply over `base`). A level is one of error, warning, notice, info,
/// debug, wire, or off. Errors: InvalidArgument naming the bad item.
[[nodiscard]] Result<LogLevels> parseLogLevels(std::string_view spec, LogLevels base = LogLevels{});

/// A free key/value of a record. Keys are lower_snake_case words ("errno", "attempts").
struct LogField {
    std::string key;
    std::string value;
};

/// What a call site adds to its message (all optional). Written with designated initializers:
/// `log.warning("camera lost", {.device = id, .fields = {{"errno", "19"}}})`.
/// (The `{}` initializers keep -Wextra quiet about the members a call leaves out.)
struct LogContext {
    std::string device{};   ///< scanner or camera id; overrides the Logger's own
    std::string receipt{};  ///< receipt id
    std::vector<LogField> fields{};
    /// Rate-limit key within the category and device; empty: the message text.
    std::string key{};
};

/// One log record as sinks receive it.
struct LogRecord {
    LogLevel level = LogLevel::Info;
    LogCategory category = LogCategory::App;
    std::string message;
    std::string device;
    std::string receipt;
    std::vector<LogField> fields;
    std::source_location where = std::source_location::current();
};

/// Where records go (the journal, stderr, a test's list). write() is called with the hub's
/// lock held, so from one thread at a time, and must not log itself.
class LogSink {
public:
    virtual ~LogSink() = default;
    virtual void write(const LogRecord& record) = 0;
};

/// At most `burst` records per key in each `interval`.
struct LogRateLimit {
    unsigned burst = 10;
    std::chrono::seconds interval{60};
};

/// Rate limiting of repeated records: per key, at most LogRateLimit::burst records pass in an
/// interval that starts with the first of them; the rest are counted, and the first record
/// passed after the interval carries that count (reported by the hub as one "suppressed K
/// similar messages" line before it). Pure logic: the caller gives the time. Not thread-safe.
class LogRateLimiter {
public:
    explicit LogRateLimiter(LogRateLimit limit = {}) : limit_(limit) {}

    struct Verdict {
        bool pass = true;
        std::uint64_t suppressedBefore = 0;  ///< records dropped under this key before this one
    };
    [[nodiscard]] Verdict admit(const std::string& key, std::chrono::steady_clock::time_point now);
    /// Keys held (bounded: idle keys whose interval ended are forgotten past kMaxKeys).
    [[nodiscard]] std::size_t keys() const { return windows_.size(); }
    static constexpr std::size_t kMaxKeys = 512;

private:
    struct Window {
        std::chrono::steady_clock::time_point start;
        unsigned passed = 0;
        std::uint64_t suppressed = 0;
    };
    void prune(std::chrono::steady_clock::time_point now);
    LogRateLimit limit_;
    std::map<std::string, Window, std::less<>> windows_;
};

/// The level filter, the rate limiter and one sink. Every method is thread-safe. A process
/// has one (processLogHub()); tests of the port make their own. Without a sink (the default)
/// records are dropped: the core does no I/O, so `main` installs the stderr or journald sink.
class LogHub {
public:
    /// `clock` (borrowed, may be null: the system clock) times the rate limiter.
    explicit LogHub(const Clock* clock = nullptr, LogRateLimit limit = {});
    LogHub(const LogHub&) = delete;
    LogHub& operator=(const LogHub&) = delete;

    /// Installs `sink` (null: drop everything) and returns the one it replaces.
    std::shared_ptr<LogSink> setSink(std::shared_ptr<LogSink> sink);
    void setLevels(const LogLevels& levels);
    /// nullopt: the category is off.
    void setLevel(LogCategory category, std::optional<LogLevel> level);
    [[nodiscard]] LogLevels levels() const;

    /// True when a record of `level` in `category` would reach a sink: one atomic load, for
    /// guarding messages that are costly to build.
    [[nodiscard]] bool enabled(LogCategory category, LogLevel level) const
    {
        return static_cast<std::uint8_t>(level) <
               thresholds_[static_cast<std::size_t>(category)].load(std::memory_order_relaxed);
    }

    /// Filters, rate-limits (Error to Info only: Debug and Wire are asked for) and writes.
    /// `key`: the rate-limit key within the category.
    void write(LogRecord record, std::string_view key);

    /// Records written to the sink, and records dropped by the rate limiter, since start.
    [[nodiscard]] std::uint64_t written() const;
    [[nodiscard]] std::uint64_t suppressed() const;

private:
    void refreshThresholds();  // with mutex_ held

    const Clock* clock_;
    SystemClock systemClock_;
    mutable std::mutex mutex_;
    std::shared_ptr<LogSink> sink_;
    LogLevels levels_;
    LogRateLimiter limiter_;
    std::uint64_t written_ = 0;
    std::uint64_t suppressed_ = 0;
    /// Per category: one more than the highest level that reaches the sink; 0 without a sink.
    std::array<std::atomic<std::uint8_t>, kLogCategoryCount> thresholds_{};
};

/// The process's hub: adapters log through it; `main` installs its sink and levels once at
/// start-up (and tests swap the sink for a capturing one).
[[nodiscard]] LogHub& processLogHub();

/// What a module holds to log: a category, optionally a device, and the hub (the process's
/// unless given). Cheap to copy; const methods are thread-safe.
class Logger {
public:
    explicit Logger(LogCategory category, std::string device = {}, LogHub* hub = nullptr)
        : category_(category), device_(std::move(device)), hub_(hub)
    {
    }
    /// The same logger for another device.
    [[nodiscard]] Logger forDevice(std::string device) const
    {
        return Logger(category_, std::move(device), hub_);
    }
    [[nodiscard]] LogCategory category() const { return category_; }
    [[nodiscard]] const std::string& device() const { return device_; }
    [[nodiscard]] bool enabled(LogLevel level) const { return hub().enabled(category_, level); }

    void log(LogLevel level, std::string_view message, LogContext context = {},
             std::source_location where = std::source_location::current()) const;
    void error(std::string_view message, LogContext context = {},
               std::source_location where = std::source_location::current()) const
    {
        log(LogLevel::Error, message, std::move(context), where);
    }
    void warning(std::string_view message, LogContext context = {},
                 std::source_location where = std::source_location::current()) const
    {
        log(LogLevel::Warning, message, std::move(context), where);
    }
    void notice(std::string_view message, LogContext context = {},
                std::source_location where = std::source_location::current()) const
    {
        log(LogLevel::Notice, message, std::move(context), where);
    }
    void info(std::string_view message, LogContext context = {},
              std::source_location where = std::source_location::current()) const
    {
        log(LogLevel::Info, message, std::move(context), where);
    }
    void debug(std::string_view message, LogContext context = {},
               std::source_location where = std::source_location::current()) const
    {
        log(LogLevel::Debug, message, std::move(context), where);
    }
    /// Device bytes at the Wire level: "<direction> <n> bytes: 02 41 ..." with the bytes also
    /// in the field `hex`. Formats nothing unless Wire is on for the category.
    void wire(std::string_view direction, std::string_view bytes,
              std::source_location where = std::source_location::current()) const;

private:
    [[nodiscard]] LogHub& hub() const { return hub_ != nullptr ? *hub_ : processLogHub(); }
    LogCategory category_;
    std::string device_;
    LogHub* hub_;
};

/// Logs a failure once when it starts and once when it clears, not per occurrence: a camera
/// that fails every frame for an hour gives two lines. Not thread-safe: one per failing thing,
/// used by the thread that sees it.
class FailureSpell {
public:
    explicit FailureSpell(Logger logger, LogLevel level = LogLevel::Warning)
        : logger_(std::move(logger)), level_(level)
    {
    }

    /// One failure. The first of a spell is logged at the spell's level with `message`; the
    /// rest are only counted. Returns true when this one started the spell.
    bool failed(std::string_view message, LogContext context = {},
                std::source_location where = std::source_location::current());
    /// Things work. Ends a spell with one line, `message` followed by how many failures it
    /// held (field `failures`), at the spell's level (warning for an error spell), so that
    /// whoever saw the start sees the end; does nothing outside a spell. Returns true when it
    /// ended one.
    bool recovered(std::string_view message, LogContext context = {},
                   std::source_location where = std::source_location::current());

    [[nodiscard]] bool active() const { return failures_ > 0; }
    [[nodiscard]] std::uint64_t failures() const { return failures_; }
    [[nodiscard]] const Logger& logger() const { return logger_; }

private:
    Logger logger_;
    LogLevel level_;
    std::uint64_t failures_ = 0;
};

}  // namespace returnscan::core
