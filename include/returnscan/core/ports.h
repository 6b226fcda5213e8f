// SPDX-License-Identifier: Apache-2.0
// Ports the core needs from the outside world; adapters implement them, app wires them.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "returnscan/core/decision.h"
#include "returnscan/core/receipt.h"
#include "returnscan/core/result.h"

namespace returnscan::core {

/// Durable storage of authorizations and receipts. Implementations: store::SqliteStore;
/// tests::FakeReturnStore. One instance is used from one thread at a time.
class ReturnStore {
public:
    virtual ~ReturnStore() = default;

    /// What is known about `code` (nullopt: unknown). Errors: Database, Busy.
    [[nodiscard]] virtual Result<std::optional<CodeState>> findCode(std::string_view code) = 0;

    /// Runs `body` inside one write transaction: everything it writes commits together when it
    /// returns success, and nothing does when it returns an error (which is passed on) or when
    /// the commit fails. Not reentrant.
    [[nodiscard]] virtual Status writeTransaction(const std::function<Status()>& body) = 0;

    /// Writes a receipt with its scans, its outbox entry and an audit record. Only inside
    /// writeTransaction. Errors: Conflict when the id exists, Database.
    [[nodiscard]] virtual Status insertReceipt(const Receipt& r) = 0;

    /// Marks `code` consumed by `receiptId`. Only inside writeTransaction. Errors: Conflict when
    /// the code is unknown or already consumed, Database.
    [[nodiscard]] virtual Status consumeCode(std::string_view code, std::string_view receiptId) = 0;
};

/// Source of fresh receipt ids (UUIDs). Thread-safe.
class IdSource {
public:
    virtual ~IdSource() = default;
    [[nodiscard]] virtual std::string newId() = 0;
};

}  // namespace returnscan::core
