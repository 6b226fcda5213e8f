// SPDX-License-Identifier: Apache-2.0
// FakeReturnStore: an in-memory core::ReturnStore with real transaction semantics, for tests.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "returnscan/core/authorization.h"
#include "returnscan/core/ports.h"
#include "returnscan/core/receipt.h"

namespace returnscan::tests {

/// Keeps codes and receipts in memory. writeTransaction() snapshots both on begin and restores
/// them when the body fails or an injected commit failure hits, so a test sees exactly what a
/// real store would have committed. Failures are injected with the `failNext...ForTest()` hooks;
/// each fires once. Not thread-safe (like the port's contract: one thread at a time).
class FakeReturnStore final : public core::ReturnStore {
public:
    /// Adds or replaces a code, not consumed.
    void putAuthorization(core::Authorization a)
    {
        std::string code = a.code;
        codes_[std::move(code)] = core::CodeState{std::move(a), std::nullopt};
    }

    /// Marks a code consumed outside any transaction (test setup).
    void setConsumedForTest(const std::string& code, std::string receiptId)
    {
        codes_.at(code).consumedBy = std::move(receiptId);
    }

    void failNextFindForTest() { failFind_ = true; }
    void failNextInsertForTest() { failInsert_ = true; }
    void failNextConsumeForTest() { failConsume_ = true; }
    void failNextCommitForTest() { failCommit_ = true; }

    [[nodiscard]] const std::vector<core::Receipt>& receipts() const { return receipts_; }
    [[nodiscard]] std::optional<core::CodeState> state(const std::string& code) const
    {
        const auto it = codes_.find(code);
        if (it == codes_.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    /// consumeCode() calls that succeeded inside a transaction that later committed.
    [[nodiscard]] std::size_t committedConsumes() const { return committedConsumes_; }
    [[nodiscard]] std::size_t commits() const { return commits_; }
    [[nodiscard]] std::size_t rollbacks() const { return rollbacks_; }
    [[nodiscard]] std::size_t finds() const { return finds_; }

    [[nodiscard]] Result<std::optional<core::CodeState>> findCode(std::string_view code) override
    {
        ++finds_;
        if (failFind_) {
            failFind_ = false;
            return makeError(ErrorCode::Database, "injected findCode failure");
        }
        const auto it = codes_.find(std::string(code));
        if (it == codes_.end()) {
            return std::optional<core::CodeState>{};
        }
        return std::optional<core::CodeState>{it->second};
    }

    [[nodiscard]] Status writeTransaction(const std::function<Status()>& body) override
    {
        if (inTransaction_) {
            return makeError(ErrorCode::Internal, "writeTransaction is not reentrant");
        }
        const auto codesBefore = codes_;
        const auto receiptsBefore = receipts_;
        pendingConsumes_ = 0;
        inTransaction_ = true;
        Status st = body();
        inTransaction_ = false;
        if (st && failCommit_) {
            failCommit_ = false;
            st = makeError(ErrorCode::Database, "injected commit failure");
        }
        if (!st) {
            codes_ = codesBefore;
            receipts_ = receiptsBefore;
            ++rollbacks_;
            return st;
        }
        committedConsumes_ += pendingConsumes_;
        ++commits_;
        return {};
    }

    [[nodiscard]] Status insertReceipt(const core::Receipt& r) override
    {
        if (!inTransaction_) {
            return makeError(ErrorCode::Internal, "insertReceipt outside a transaction");
        }
        if (failInsert_) {
            failInsert_ = false;
            return makeError(ErrorCode::Database, "injected insertReceipt failure");
        }
        for (const auto& existing : receipts_) {
            if (existing.id == r.id) {
                return makeError(ErrorCode::Conflict, "receipt " + r.id + " exists");
            }
        }
        receipts_.push_back(r);
        return {};
    }

    [[nodiscard]] Status consumeCode(std::string_view code, std::string_view receiptId) override
    {
        if (!inTransaction_) {
            return makeError(ErrorCode::Internal, "consumeCode outside a transaction");
        }
        if (failConsume_) {
            failConsume_ = false;
            return makeError(ErrorCode::Database, "injected consumeCode failure");
        }
        const auto it = codes_.find(std::string(code));
        if (it == codes_.end()) {
            return makeError(ErrorCode::Conflict, "code " + std::string(code) + " is unknown");
        }
        if (it->second.consumedBy) {
            return makeError(ErrorCode::Conflict,
                             "code " + std::string(code) + " is already consumed");
        }
        it->second.consumedBy = std::string(receiptId);
        ++pendingConsumes_;
        return {};
    }

private:
    std::map<std::string, core::CodeState, std::less<>> codes_;
    std::vector<core::Receipt> receipts_;
    bool inTransaction_ = false;
    bool failFind_ = false;
    bool failInsert_ = false;
    bool failConsume_ = false;
    bool failCommit_ = false;
    std::size_t pendingConsumes_ = 0;
    std::size_t committedConsumes_ = 0;
    std::size_t commits_ = 0;
    std::size_t rollbacks_ = 0;
    std::size_t finds_ = 0;
};

}  // namespace returnscan::tests
