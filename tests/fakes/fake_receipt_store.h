// SPDX-License-Identifier: Apache-2.0
// FakeReceiptStore: an in-memory core::ReceiptStore (and so core::ReturnStore) with real
// transaction semantics and the core's receipt lifecycle rules, for tests.
// tests/store/receipt_store_contract_test.cpp runs one suite against it and SqliteStore.
#pragma once

#include <algorithm>
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
#include "returnscan/core/receipt_rules.h"
#include "returnscan/core/receipt_store.h"

namespace returnscan::tests {

/// Keeps codes and receipts in memory. writeTransaction() snapshots both on begin and restores
/// them when the body fails or an injected commit failure hits, so a test sees exactly what a
/// real store would have committed. Failures are injected with the `failNext...ForTest()` hooks;
/// each fires once. Not thread-safe (like the port's contract: one thread at a time).
class FakeReceiptStore final : public core::ReceiptStore {
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

    void failNextUpdateForTest() { failUpdate_ = true; }
    /// Marks a receipt as held by the central system (a later change is already_synced).
    void markSyncedForTest(const std::string& id, core::Timestamp at) { synced_[id] = at; }

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
        const auto photosBefore = photos_;
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
            photos_ = photosBefore;
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

    // core::ReceiptStore

    [[nodiscard]] Result<std::vector<core::Receipt>> openReceipts() override
    {
        std::vector<core::Receipt> out;
        for (const auto& r : receipts_) {
            if (!r.completedAt) {
                out.push_back(r);
            }
        }
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& a, const auto& b) { return a.decidedAt < b.decidedAt; });
        return out;
    }

    [[nodiscard]] Result<std::optional<core::Receipt>> findReceipt(std::string_view id) override
    {
        const auto* r = find(id);
        return r != nullptr ? std::optional<core::Receipt>(*r) : std::nullopt;
    }

    [[nodiscard]] Status updateReceipt(const core::Receipt& r) override
    {
        if (!inTransaction_) {
            return writeTransaction([&] { return updateReceipt(r); });
        }
        if (failUpdate_) {
            failUpdate_ = false;
            return makeError(ErrorCode::Io, "injected updateReceipt failure (disk full)");
        }
        auto* stored = find(r.id);
        if (stored == nullptr) {
            return makeError(ErrorCode::NotFound, "no receipt " + r.id);
        }
        auto change = core::checkReceiptUpdate(*stored, r);
        if (!change) {
            return std::move(change).takeError();
        }
        if (change.value().empty()) {
            return {};
        }
        if (const auto it = synced_.find(r.id); it != synced_.end()) {
            return core::alreadySyncedError(r.id, it->second);
        }
        const auto order = stored->order ? stored->order : r.order;
        *stored = r;
        stored->order = order;
        return {};
    }

    [[nodiscard]] Result<core::ReceiptCounts> countReceipts(core::Timestamp since) override
    {
        core::ReceiptCounts c;
        for (const auto& r : receipts_) {
            if (r.decidedAt < since) {
                continue;
            }
            ++c.total;
            switch (r.override_ ? r.override_->outcome : r.decision) {
                case core::Outcome::Accepted:
                    ++c.accepted;
                    break;
                case core::Outcome::Rejected:
                    ++c.rejected;
                    break;
                case core::Outcome::Held:
                    ++c.held;
                    break;
            }
            if (std::find(r.flags.begin(), r.flags.end(), "abandoned") != r.flags.end()) {
                ++c.abandoned;
            }
        }
        return c;
    }

    [[nodiscard]] Result<std::vector<core::PhotoRecord>> photosOfReceipt(
        std::string_view receiptId) override
    {
        std::vector<core::PhotoRecord> out;
        for (const auto& p : photos_) {
            if (p.receiptId == receiptId) {
                out.push_back(p);
            }
        }
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& a, const auto& b) { return a.takenAt < b.takenAt; });
        return out;
    }

    [[nodiscard]] Status insertPhoto(const core::PhotoRecord& photo) override
    {
        if (photo.sha256.size() != 64 || photo.role.empty() || photo.path.empty()) {
            return makeError(ErrorCode::InvalidArgument,
                             "photo record needs a SHA-256, a role and a path");
        }
        if (!inTransaction_) {
            return writeTransaction([&] { return insertPhoto(photo); });
        }
        if (find(photo.receiptId) == nullptr) {
            return makeError(ErrorCode::NotFound, "no receipt " + photo.receiptId);
        }
        for (const auto& p : photos_) {
            if (p.receiptId == photo.receiptId && p.sha256 == photo.sha256) {
                return makeError(ErrorCode::Conflict,
                                 "receipt " + photo.receiptId + " has this photo already");
            }
        }
        photos_.push_back(photo);
        return {};
    }

private:
    core::Receipt* find(std::string_view id)
    {
        for (auto& r : receipts_) {
            if (r.id == id) {
                return &r;
            }
        }
        return nullptr;
    }

    std::map<std::string, core::CodeState, std::less<>> codes_;
    std::vector<core::PhotoRecord> photos_;
    std::map<std::string, core::Timestamp, std::less<>> synced_;
    bool failUpdate_ = false;
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

/// The decision path's tests know it by its older name.
using FakeReturnStore = FakeReceiptStore;

}  // namespace returnscan::tests
