// SPDX-License-Identifier: Apache-2.0
// One suite, two stores: the tests' in-memory FakeReceiptStore and the real SqliteStore answer
// every core::ReceiptStore call alike, so station tests on the fake say what the kiosk on SQLite
// does (the fake cannot drift from the store).
#include <gtest/gtest.h>

#include <memory>

#include "fakes/fake_receipt_store.h"
#include "returnscan/core/receipt_store.h"
#include "returnscan/store/store.h"
#include "support/temp_dir.h"

namespace returnscan {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;

const core::Timestamp kT0{seconds{1'790'000'000}};

struct FakeStore {
    static constexpr const char* kName = "fake";
    std::unique_ptr<core::ReceiptStore> open()
    {
        return std::make_unique<tests::FakeReceiptStore>();
    }
    void markSynced(core::ReceiptStore& s, const std::string& id, core::Timestamp at)
    {
        dynamic_cast<tests::FakeReceiptStore&>(s).markSyncedForTest(id, at);
    }
};

struct RealStore {
    static constexpr const char* kName = "sqlite";
    tests::TempDir dir;
    std::unique_ptr<core::ReceiptStore> open()
    {
        store::OpenOptions oo;
        oo.path = dir.file("contract.db");
        auto st = store::SqliteStore::open(oo);
        EXPECT_TRUE(st) << st.error().message;
        return std::move(st).value();
    }
    void markSynced(core::ReceiptStore& s, const std::string& id, core::Timestamp at)
    {
        ASSERT_TRUE(dynamic_cast<store::SqliteStore&>(s).markReceiptsSynced({id}, at));
    }
};

template <class Kind>
class ReceiptStoreContract : public ::testing::Test {
protected:
    void SetUp() override { store_ = kind_.open(); }

    static core::Receipt receipt(int n, core::Outcome o = core::Outcome::Accepted,
                                 core::Timestamp decided = kT0)
    {
        core::Receipt r;
        std::array<std::uint8_t, 16> b{};
        b[15] = static_cast<std::uint8_t>(n);
        r.id = core::uuidV4FromBytes(b);
        r.station = "st-1";
        r.operatorId = "op-1";
        r.decision = o;
        r.reason = o == core::Outcome::Accepted ? core::Reason::Accepted : core::Reason::NoCode;
        r.startedAt = decided - 5s;
        r.decidedAt = decided;
        r.scans = {{decided - 1s, "hand-1", "]C0", "X"}};
        return r;
    }

    Status insert(const core::Receipt& r)
    {
        return store_->writeTransaction([&] { return store_->insertReceipt(r); });
    }

    static core::PhotoRecord photo(const core::Receipt& r, char c)
    {
        core::PhotoRecord p;
        p.receiptId = r.id;
        p.sha256 = std::string(64, c);
        p.role = "overview";
        p.path = "/p/" + p.sha256 + ".jpg";
        p.takenAt = r.decidedAt + 10s;
        p.bytes = 100;
        p.width = 640;
        p.height = 480;
        return p;
    }

    Kind kind_;
    std::unique_ptr<core::ReceiptStore> store_;
};

using Kinds = ::testing::Types<FakeStore, RealStore>;
class KindNames {
public:
    template <class T>
    static std::string GetName(int)
    {
        return T::kName;
    }
};
TYPED_TEST_SUITE(ReceiptStoreContract, Kinds, KindNames);

TYPED_TEST(ReceiptStoreContract, AnInsertedReceiptIsFoundAsWritten)
{
    const auto r = this->receipt(1);
    ASSERT_TRUE(this->insert(r));
    auto found = this->store_->findReceipt(r.id);
    ASSERT_TRUE(found && found.value());
    EXPECT_EQ(*found.value(), r);
    auto none = this->store_->findReceipt("no-such-id");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none.value());
}

TYPED_TEST(ReceiptStoreContract, OpenReceiptsAreTheUncompletedOnesOldestDecisionFirst)
{
    auto late = this->receipt(1, core::Outcome::Accepted, kT0 + 60s);
    auto early = this->receipt(2, core::Outcome::Accepted, kT0);
    auto done = this->receipt(3, core::Outcome::Accepted, kT0 + 30s);
    done.completedAt = kT0 + 40s;
    ASSERT_TRUE(this->insert(late));
    ASSERT_TRUE(this->insert(early));
    ASSERT_TRUE(this->insert(done));
    auto open = this->store_->openReceipts();
    ASSERT_TRUE(open);
    ASSERT_EQ(open.value().size(), 2u);
    EXPECT_EQ(open.value()[0].id, early.id);
    EXPECT_EQ(open.value()[1].id, late.id);
}

TYPED_TEST(ReceiptStoreContract, MutableFieldsChangeAndScansAreAppended)
{
    auto r = this->receipt(1);
    r.order.reset();
    ASSERT_TRUE(this->insert(r));
    ASSERT_TRUE(this->store_->updateReceipt(r));  // nothing changes: fine
    r.condition = "ok";
    r.flags = {"wrong_item"};
    r.order = "100000001";  // an absent order may be filled in once
    r.scans.push_back({kT0 + 2s, "hand-1", "]C0", "Y"});
    r.completedAt = kT0 + 30s;
    ASSERT_TRUE(this->store_->updateReceipt(r));
    auto found = this->store_->findReceipt(r.id);
    ASSERT_TRUE(found && found.value());
    EXPECT_EQ(*found.value(), r);
}

TYPED_TEST(ReceiptStoreContract, TheLifecycleRulesRefuseWithTheirReasons)
{
    auto r = this->receipt(1);
    r.order = "100000001";
    ASSERT_TRUE(this->insert(r));
    auto changed = [&](auto edit) {
        auto next = r;
        edit(next);
        return this->store_->updateReceipt(next);
    };
    for (const auto& st : {changed([](auto& x) { x.station = "other"; }),
                           changed([](auto& x) { x.code = "RC0000000000"; }),
                           changed([](auto& x) { x.decision = core::Outcome::Held; }),
                           changed([](auto& x) { x.decidedAt += 1s; }),
                           changed([](auto& x) { x.order = "100000002"; })}) {
        ASSERT_FALSE(st);
        EXPECT_EQ(st.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(st.error().is("immutable_field")) << st.error().message;
    }
    auto st = changed([](auto& x) { x.scans.clear(); });
    ASSERT_FALSE(st);
    EXPECT_TRUE(st.error().is("scans_not_appended")) << st.error().message;
    auto done = r;
    done.completedAt = kT0 + 30s;
    ASSERT_TRUE(this->store_->updateReceipt(done));
    st = this->store_->updateReceipt(r);  // completed_at cleared
    ASSERT_FALSE(st);
    EXPECT_TRUE(st.error().is("completed_cleared")) << st.error().message;
    auto unknown = this->receipt(9);
    st = this->store_->updateReceipt(unknown);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::NotFound);
}

TYPED_TEST(ReceiptStoreContract, AReceiptTheCentralSystemHoldsIsNotChanged)
{
    auto r = this->receipt(1, core::Outcome::Rejected);
    r.completedAt = kT0 + 20s;
    ASSERT_TRUE(this->insert(r));
    this->kind_.markSynced(*this->store_, r.id, kT0 + 60s);
    ASSERT_TRUE(this->store_->updateReceipt(r));  // no change: fine
    auto next = r;
    next.override_ = core::Override{"sup", "phoned", kT0 + 90s, core::Outcome::Accepted};
    auto st = this->store_->updateReceipt(next);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::Conflict);
    EXPECT_TRUE(st.error().is("already_synced")) << st.error().message;
    EXPECT_FALSE(this->store_->findReceipt(r.id).value()->override_);
}

TYPED_TEST(ReceiptStoreContract, CountsGoByEffectiveOutcome)
{
    auto a = this->receipt(1, core::Outcome::Accepted, kT0);
    auto b = this->receipt(2, core::Outcome::Rejected, kT0 + 1s);
    b.override_ = core::Override{"sup", "ok", kT0 + 2s, core::Outcome::Accepted};
    auto c = this->receipt(3, core::Outcome::Held, kT0 + 2s);
    c.flags = {"abandoned"};
    auto old = this->receipt(4, core::Outcome::Rejected, kT0 - 24h);
    for (const auto& r : {a, b, c, old}) {
        ASSERT_TRUE(this->insert(r));
    }
    auto n = this->store_->countReceipts(kT0);
    ASSERT_TRUE(n);
    EXPECT_EQ(n.value(), (core::ReceiptCounts{2, 0, 1, 1, 3}));
}

TYPED_TEST(ReceiptStoreContract, PhotosBelongToAReceiptOnceEach)
{
    const auto r = this->receipt(1);
    ASSERT_TRUE(this->insert(r));
    const auto p = this->photo(r, 'a');
    ASSERT_TRUE(this->store_->insertPhoto(p));
    auto second = this->photo(r, 'b');
    second.takenAt += 5s;
    second.orderLabelVisible = true;
    ASSERT_TRUE(this->store_->insertPhoto(second));
    auto twice = this->store_->insertPhoto(p);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::Conflict);
    auto orphan = p;
    orphan.receiptId = this->receipt(7).id;
    auto st = this->store_->insertPhoto(orphan);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::NotFound);
    auto bad = p;
    bad.sha256 = "abc";
    EXPECT_EQ(this->store_->insertPhoto(bad).error().code, ErrorCode::InvalidArgument);
    auto all = this->store_->photosOfReceipt(r.id);
    ASSERT_TRUE(all);
    ASSERT_EQ(all.value().size(), 2u);
    EXPECT_EQ(all.value()[0], p);
    EXPECT_EQ(all.value()[1], second);
}

TYPED_TEST(ReceiptStoreContract, AFailedTransactionWritesNothing)
{
    const auto r = this->receipt(1);
    ASSERT_TRUE(this->insert(r));
    auto next = r;
    next.condition = "ok";
    auto st = this->store_->writeTransaction([&]() -> Status {
        if (auto u = this->store_->updateReceipt(next); !u) {
            return u;
        }
        if (auto p = this->store_->insertPhoto(this->photo(r, 'c')); !p) {
            return p;
        }
        return makeError(ErrorCode::Io, "the disk is full");
    });
    ASSERT_FALSE(st);
    EXPECT_FALSE(this->store_->findReceipt(r.id).value()->condition);
    EXPECT_TRUE(this->store_->photosOfReceipt(r.id).value().empty());
}

}  // namespace
}  // namespace returnscan
