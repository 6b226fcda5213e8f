// SPDX-License-Identifier: Apache-2.0
// The receipt store port: what the station needs of durable storage beyond the decision path
// (ReturnStore). Implementations: store::SqliteStore; tests::FakeReceiptStore. Both apply the
// lifecycle rules of receipt_rules.h; tests/store/receipt_store_contract_test.cpp runs one
// suite against both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "returnscan/core/ports.h"
#include "returnscan/core/receipt.h"
#include "returnscan/core/result.h"
#include "returnscan/core/time.h"

namespace returnscan::core {

/// Receipts decided in a period, by effective outcome (countReceipts).
struct ReceiptCounts {
    std::int64_t accepted = 0;  ///< by effective outcome: the override's when set, else decision
    std::int64_t rejected = 0;
    std::int64_t held = 0;
    std::int64_t abandoned = 0;  ///< flagged "abandoned"; also counted under their outcome
    std::int64_t total = 0;

    friend bool operator==(const ReceiptCounts&, const ReceiptCounts&) = default;
};

/// One evidence file of a receipt: a photo, or an inspection clip (role "inspection_video").
struct PhotoRecord {
    std::string receiptId;
    std::string sha256;  ///< lower-case hex of the file's bytes
    std::string role;    ///< overview, label, damage, contents, inspection_video
    std::string path;    ///< the file on this station's disk
    Timestamp takenAt{};
    std::int64_t bytes = 0;
    std::optional<int> width;
    std::optional<int> height;
    bool orderLabelVisible = false;

    friend bool operator==(const PhotoRecord&, const PhotoRecord&) = default;
};

/// Receipts and their evidence, as the station keeps them. One instance is used from one
/// thread at a time. Writes join an open writeTransaction or run in their own.
class ReceiptStore : public ReturnStore {
public:
    /// Receipts still open (completed_at absent), oldest decision first, with their scans.
    [[nodiscard]] virtual Result<std::vector<Receipt>> openReceipts() = 0;
    /// The receipt with this id, with its scans; nullopt when there is none.
    [[nodiscard]] virtual Result<std::optional<Receipt>> findReceipt(std::string_view id) = 0;
    /// Brings the stored receipt `r.id` up to `r` under checkReceiptUpdate's rules. An update
    /// that changes nothing succeeds and writes nothing. Errors: NotFound; the rule's errors;
    /// Conflict "already_synced" when the central system holds the receipt (and `r` changes
    /// it); Database, Io.
    [[nodiscard]] virtual Status updateReceipt(const Receipt& r) = 0;
    /// Receipts decided at or after `since`, counted by effective outcome.
    [[nodiscard]] virtual Result<ReceiptCounts> countReceipts(Timestamp since) = 0;
    /// The evidence of a receipt, oldest first.
    [[nodiscard]] virtual Result<std::vector<PhotoRecord>> photosOfReceipt(
        std::string_view receiptId) = 0;
    /// Adds an evidence file to a receipt. Errors: NotFound (no receipt), Conflict (the receipt
    /// has this file already), InvalidArgument, Database.
    [[nodiscard]] virtual Status insertPhoto(const PhotoRecord& photo) = 0;
};

}  // namespace returnscan::core
