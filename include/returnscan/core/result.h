// SPDX-License-Identifier: Apache-2.0
// Result<T>: the fallible-call return type used across module boundaries (no exceptions cross).
#pragma once

#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace returnscan {

/// Kinds of failure, coarse enough for callers to branch on.
enum class ErrorCode {
    InvalidArgument,  ///< the caller passed something unusable (bad flag, malformed text)
    Parse,            ///< input data could not be parsed (JSON, CSV, timestamp, GS1)
    NotFound,         ///< a named thing does not exist
    Conflict,         ///< the state changed under us (code consumed by another writer)
    Io,               ///< file system or device error
    Database,         ///< SQLite reported an error
    Busy,             ///< resource busy beyond the configured timeout
    Corrupt,          ///< stored data failed an integrity check
    Unsupported,      ///< the operation is not supported here
    Internal,         ///< a bug: should never happen
};

/// A stable machine word naming why something failed ("wrong_phase", "already_synced"): part
/// of the interfaces that show it (docs/ui-api.md). Callers branch on it, never on a message.
struct ReasonWord {
    std::string_view word;
};

/// A typed error: its kind, an optional stable reason word, a message for people, and where it
/// was raised.
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    std::source_location where = std::source_location::current();
    std::string reason;  ///< stable machine word; empty when the kind says enough

    /// True when the error carries reason `word`.
    [[nodiscard]] bool is(std::string_view word) const { return reason == word; }
};

/// Builds an Error at the caller's location.
[[nodiscard]] inline Error makeError(ErrorCode code, std::string message,
                                     std::source_location where = std::source_location::current())
{
    return Error{code, std::move(message), where, {}};
}

/// Builds an Error with a reason word at the caller's location.
[[nodiscard]] inline Error makeError(ErrorCode code, ReasonWord reason, std::string message,
                                     std::source_location where = std::source_location::current())
{
    return Error{code, std::move(message), where, std::string(reason.word)};
}

/// Either a value or an Error. Thread-safety: as for the contained value.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(v_); }
    Error&& takeError() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

/// Result of a call that yields nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }
    Error&& takeError() && { return std::move(error_); }

private:
    Error error_{};
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace returnscan
