// SPDX-License-Identifier: Apache-2.0
// SqliteStore against a real database file: pragmas, migrations, version rule, receipts, errors.
#include "returnscan/store/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store_test_support.h"

namespace returnscan::store {
namespace {

using core::AuthStatus;
using core::Outcome;
using core::Reason;
using testing::at;
using testing::makeAuth;
using testing::RawDb;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override { reopen(); }

    void reopen()
    {
        store_.reset();
        auto opened = SqliteStore::open(OpenOptions{dir_.file("station.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
    }

    [[nodiscard]] std::string dbPath() const { return dir_.file("station.db"); }

    static core::Receipt makeReceipt(std::string id, std::optional<std::string> code,
                                     Outcome decision = Outcome::Accepted,
                                     Reason reason = Reason::Accepted, std::int64_t t = 3600)
    {
        core::Receipt r;
        r.id = std::move(id);
        r.station = "dock-3";
        r.operatorId = "op-17";
        r.code = std::move(code);
        r.order = "100045678";
        r.decision = decision;
        r.reason = reason;
        r.startedAt = at(t - 2);
        r.decidedAt = at(t);
        r.completedAt = at(t + 30);  // completed, as the sync queue only sends completed ones
        r.scans.push_back(core::ScanRecord{at(t), "handheld-1", "]C0", r.code.value_or("")});
        return r;
    }

    /// Receives `code` the way core::receiveParcel does: receipt and consumption together.
    Status receive(const core::Receipt& r)
    {
        return store_->writeTransaction([&]() -> Status {
            if (auto st = store_->insertReceipt(r); !st) {
                return st;
            }
            return store_->consumeCode(*r.code, r.id);
        });
    }

    TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};

// --- opening and migrations ------------------------------------------------------------------

TEST_F(SqliteStoreTest, ReadsBackWalAndFullSynchronous)
{
    auto mode = store_->journalMode();
    ASSERT_TRUE(mode.ok()) << mode.error().message;
    EXPECT_EQ(*mode, "wal");
    auto sync = store_->synchronousLevel();
    ASSERT_TRUE(sync.ok()) << sync.error().message;
    EXPECT_EQ(*sync, 2);
    // WAL is persistent: another connection sees it in the file.
    RawDb raw(dbPath());
    EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, EnforcesForeignKeys)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    // Consuming a code for a receipt that does not exist breaks the (deferred) foreign key.
    auto st = store_->writeTransaction(
        [&]() -> Status { return store_->consumeCode("RC0000000001", "no-such-receipt"); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Database);
    EXPECT_NE(st.error().message.find("FOREIGN KEY"), std::string::npos) << st.error().message;
    auto state = store_->findCode("RC0000000001");
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_FALSE((*state)->consumedBy.has_value());
}

TEST_F(SqliteStoreTest, MigratesAnEmptyFileAndReopensIdempotently)
{
    auto version = store_->schemaVersion();
    ASSERT_TRUE(version.ok());
    // 2: sync bookkeeping (issue 7); 3: parcel session indexes; 4: outbox revision
    EXPECT_EQ(*version, 4);
    {
        RawDb raw(dbPath());
        for (const char* table :
             {"authorizations", "receipts", "scans", "photos", "outbox", "audit", "sync_state"}) {
            EXPECT_EQ(raw.scalar(std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                             "'table' AND name = '") +
                                 table + "'"),
                      "1")
                << table;
        }
    }
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    reopen();
    reopen();
    version = store_->schemaVersion();
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, 4);
    auto count = store_->authorizationCount();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 1);
    auto integrity = store_->integrityCheck();
    ASSERT_TRUE(integrity.ok());
    EXPECT_EQ(*integrity, "ok");
}

TEST_F(SqliteStoreTest, RefusesASchemaNewerThanTheProgram)
{
    store_.reset();
    {
        RawDb raw(dbPath());
        raw.exec("PRAGMA user_version = 99");
    }
    auto opened = SqliteStore::open(OpenOptions{dbPath()});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::Corrupt);
    EXPECT_NE(opened.error().message.find("schema version 99 is newer than this program (4)"),
              std::string::npos)
        << opened.error().message;
}

TEST_F(SqliteStoreTest, EveryRegisteredStatementPreparesOnTheSchema)
{
    // Including those only an error path runs (a code's consumption explained, say).
    auto st = store_->prepareAllStatementsForTest();
    EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST_F(SqliteStoreTest, AStatementThatCannotBePreparedSaysWhichAndWhy)
{
    {
        RawDb raw(dbPath());
        raw.exec("DROP TABLE sync_photos");
    }
    reopen();  // the version is unchanged, so nothing makes the table again
    auto st = store_->markPhotoUploaded(std::string(64, 'a'), core::Timestamp{});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Database);
    const std::string& m = st.error().message;
    EXPECT_NE(m.find("preparing \"INSERT INTO sync_photos"), std::string::npos) << m;
    EXPECT_NE(m.find("for recording an uploaded photo"), std::string::npos) << m;
    EXPECT_NE(m.find("no such table: sync_photos [SQLite code 1]"), std::string::npos) << m;
    auto all = store_->prepareAllStatementsForTest();
    ASSERT_FALSE(all.ok());
    EXPECT_NE(all.error().message.find("sync_photos"), std::string::npos) << all.error().message;
    // The rest of the store still works.
    EXPECT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
}

TEST_F(SqliteStoreTest, NonexistentDirectoryIsAnIoError)
{
    auto opened = SqliteStore::open(OpenOptions{dir_.file("missing/sub/station.db")});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::Io);
    EXPECT_NE(opened.error().message.find("missing/sub/station.db"), std::string::npos)
        << opened.error().message;
    EXPECT_NE(opened.error().message.find("unable to open"), std::string::npos)
        << opened.error().message;
}

TEST_F(SqliteStoreTest, FileInPlaceOfDirectoryIsAnIoError)
{
    std::ofstream(dir_.file("plain-file")) << "x";
    auto opened = SqliteStore::open(OpenOptions{dir_.file("plain-file/station.db")});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::Io) << opened.error().message;
}

/// Runs `check` in a child process that has dropped root (root ignores file permissions), or
/// directly when not root. `check` returns 0 for success; anything else is a failure code.
int withoutRoot(const std::function<int()>& check)
{
    if (geteuid() != 0) {
        return check();
    }
    const pid_t pid = fork();
    if (pid == 0) {
        constexpr uid_t kNobody = 65534;
        if (setgid(kNobody) != 0 || setuid(kNobody) != 0) {
            _exit(100);
        }
        _exit(check());
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return 101;
    }
    return WEXITSTATUS(status);
}

/// 0 when opening `path` fails with ErrorCode::Io, else a code saying what happened instead.
int expectIoErrorOnOpen(const std::string& path)
{
    auto opened = SqliteStore::open(OpenOptions{path});
    if (opened.ok()) {
        return 1;
    }
    return opened.error().code == ErrorCode::Io ? 0 : 2;
}

TEST_F(SqliteStoreTest, ReadOnlyDirectoryIsAnIoError)
{
    store_.reset();
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);  // let an unprivileged child in
    const std::string ro = dir_.file("ro");
    ASSERT_EQ(mkdir(ro.c_str(), 0555), 0);
    EXPECT_EQ(withoutRoot([&] { return expectIoErrorOnOpen(ro + "/station.db"); }), 0);
    ASSERT_EQ(chmod(ro.c_str(), 0755), 0);
}

TEST_F(SqliteStoreTest, ReadOnlyDatabaseFileIsAnIoError)
{
    store_.reset();
    ASSERT_EQ(chmod(dir_.path().c_str(), 0777), 0);
    ASSERT_EQ(chmod(dbPath().c_str(), 0444), 0);
    // SQLite would open a write-protected file read-only without saying so; the store refuses.
    EXPECT_EQ(withoutRoot([&] { return expectIoErrorOnOpen(dbPath()); }), 0);
}

TEST_F(SqliteStoreTest, NonDatabaseFileIsCorrupt)
{
    const std::string junk = dir_.file("junk.db");
    std::ofstream(junk) << std::string(4096, 'j');
    auto opened = SqliteStore::open(OpenOptions{junk});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::Corrupt) << opened.error().message;
}

TEST_F(SqliteStoreTest, LockedDatabaseIsBusyAfterTheTimeout)
{
    store_.reset();
    auto opened = SqliteStore::open(OpenOptions{dbPath(), std::chrono::milliseconds(50)});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
    RawDb other(dbPath());
    other.exec("BEGIN IMMEDIATE");  // another writer holds the write lock
    auto st = store_->writeTransaction([]() -> Status { return {}; });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Busy);
    EXPECT_NE(st.error().message.find("beginning a write transaction"), std::string::npos)
        << st.error().message;
    other.exec("ROLLBACK");
    EXPECT_TRUE(store_->writeTransaction([]() -> Status { return {}; }).ok());
}

// --- authorizations ---------------------------------------------------------------------------

struct VersionCase {
    std::optional<std::int64_t> stored;
    std::optional<std::int64_t> incoming;
    UpsertOutcome expected;
};

TEST_F(SqliteStoreTest, UpsertFollowsTheVersionRule)
{
    const std::vector<VersionCase> cases = {
        {std::nullopt, std::nullopt, UpsertOutcome::Updated},  // unversioned replaces unversioned
        {std::nullopt, 3, UpsertOutcome::Updated},             // versioned replaces unversioned
        {5, std::nullopt, UpsertOutcome::Unchanged},           // never unversioned over versioned
        {5, 4, UpsertOutcome::Unchanged},                      // lower loses
        {5, 5, UpsertOutcome::Unchanged},                      // equal is ignored
        {5, 6, UpsertOutcome::Updated},                        // higher wins
        {0, 1, UpsertOutcome::Updated},
    };
    int counts[3] = {0, 0, 0};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        const std::string code = "RC00000000" + std::to_string(10 + i);
        auto first = store_->upsertAuthorization(makeAuth(code, c.stored, "111111111"));
        ASSERT_TRUE(first.ok()) << first.error().message;
        EXPECT_EQ(*first, UpsertOutcome::Inserted);
        ++counts[static_cast<int>(*first)];

        auto second = store_->upsertAuthorization(makeAuth(code, c.incoming, "222222222"));
        ASSERT_TRUE(second.ok()) << second.error().message;
        EXPECT_EQ(*second, c.expected) << "case " << i;
        ++counts[static_cast<int>(*second)];

        auto state = store_->findCode(code);
        ASSERT_TRUE(state.ok() && state->has_value());
        const bool replaced = c.expected == UpsertOutcome::Updated;
        EXPECT_EQ((*state)->auth.order, replaced ? "222222222" : "111111111") << "case " << i;
        EXPECT_EQ((*state)->auth.version, replaced ? c.incoming : c.stored) << "case " << i;
    }
    EXPECT_EQ(counts[static_cast<int>(UpsertOutcome::Inserted)], 7);
    EXPECT_EQ(counts[static_cast<int>(UpsertOutcome::Updated)], 4);
    EXPECT_EQ(counts[static_cast<int>(UpsertOutcome::Unchanged)], 3);
    auto count = store_->authorizationCount();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 7);
}

TEST_F(SqliteStoreTest, BulkUpsertInOneTransaction)
{
    int inserted = 0;
    auto st = store_->writeTransaction([&]() -> Status {
        for (int i = 0; i < 2000; ++i) {
            auto r = store_->upsertAuthorization(makeAuth("RC" + std::to_string(1000000000 + i)));
            if (!r) {
                return std::move(r).takeError();
            }
            inserted += *r == UpsertOutcome::Inserted ? 1 : 0;
        }
        return {};
    });
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(inserted, 2000);
    auto count = store_->authorizationCount();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 2000);
}

TEST_F(SqliteStoreTest, ConsumptionSurvivesANewerVersion)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001", 1)).ok());
    ASSERT_TRUE(receive(makeReceipt("r-1", "RC0000000001")).ok());

    auto cancelled = makeAuth("RC0000000001", 2);
    cancelled.status = AuthStatus::Cancelled;
    auto up = store_->upsertAuthorization(cancelled);
    ASSERT_TRUE(up.ok()) << up.error().message;
    EXPECT_EQ(*up, UpsertOutcome::Updated);

    auto state = store_->findCode("RC0000000001");
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_EQ((*state)->auth.status, AuthStatus::Cancelled);
    EXPECT_EQ((*state)->consumedBy, std::optional<std::string>("r-1"));
}

TEST_F(SqliteStoreTest, FindCodeRoundTripsEveryField)
{
    core::Authorization full = makeAuth("RC7K3M9Q2XWR", 17);
    full.status = AuthStatus::Approved;
    full.expiresAt = at(14 * 86400 - 1);
    full.category = core::Category::Damaged;
    full.lines = {
        {"TSHIRT-RED-M", "04012345678901", 1, "T-shirt red M"},
        {"MUG \"big\"", "", 3,
         "back\\slash, tab\t, newline\n, bell\a, caf\xc3\xa9 \xf0\x9f\x93\xa6"},
        {"", "0", -2, ""},
    };
    full.deliveredAt = at(-86400);
    full.reportedAt = at(-3600);
    full.lastActivityAt = at(-60);

    core::Authorization bare;
    bare.code = "RC0000000002";
    bare.order = "000000001";
    bare.status = AuthStatus::Pending;
    bare.issuedAt = at(5);

    for (const auto& a : {full, bare}) {
        ASSERT_TRUE(store_->upsertAuthorization(a).ok());
        auto state = store_->findCode(a.code);
        ASSERT_TRUE(state.ok()) << state.error().message;
        ASSERT_TRUE(state->has_value());
        EXPECT_EQ((*state)->auth, a);
        EXPECT_FALSE((*state)->consumedBy.has_value());
    }
    for (auto status : {AuthStatus::Pending, AuthStatus::Rejected, AuthStatus::Cancelled}) {
        auto a = makeAuth("RC0000000003", std::nullopt);
        a.status = status;
        a.category = core::Category::Functionality;
        ASSERT_TRUE(store_->upsertAuthorization(a).ok());
        auto state = store_->findCode(a.code);
        ASSERT_TRUE(state.ok() && state->has_value());
        EXPECT_EQ((*state)->auth, a);
    }
    auto unknown = store_->findCode("RC9999999999");
    ASSERT_TRUE(unknown.ok());
    EXPECT_FALSE(unknown->has_value());
}

TEST_F(SqliteStoreTest, ReadsLinesWrittenInAnotherJsonLayout)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    {
        RawDb raw(dbPath());
        raw.exec(
            "UPDATE authorizations SET lines_json = '[ {\"qty\": 2, \"gtin\": \"1\", "
            "\"description\": \"d\\u00e9\", \"sku\": \"S\", \"extra\": true} ]'");
    }
    auto state = store_->findCode("RC0000000001");
    ASSERT_TRUE(state.ok()) << state.error().message;
    ASSERT_TRUE(state->has_value());
    ASSERT_EQ((*state)->auth.lines.size(), 1U);
    EXPECT_EQ((*state)->auth.lines[0], (core::AuthLine{"S", "1", 2, "d\xc3\xa9"}));

    {
        RawDb raw(dbPath());
        raw.exec("UPDATE authorizations SET lines_json = '{not json'");
    }
    auto broken = store_->findCode("RC0000000001");
    ASSERT_FALSE(broken.ok());
    EXPECT_EQ(broken.error().code, ErrorCode::Corrupt);
}

// --- receipts ---------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, ReceiptAndConsumptionCommitTogether)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    auto r = makeReceipt("0b6f3c1e-6a43-4f1e-9d55-2f1a8f0e7c11", "RC0000000001");
    r.flags = {"presumed_good_condition", "ticket_idle_30_days"};
    r.condition = "damaged_minor";
    r.completedAt = at(3700);
    r.override_ =
        core::Override{"sup-2", "label torn, code read by hand", at(3650), Outcome::Accepted};
    r.scans.push_back(core::ScanRecord{at(3601), "cam-1", "]Q1", "100045678"});
    ASSERT_TRUE(receive(r).ok());

    auto found = store_->findReceipt(r.id);
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, r);
    auto state = store_->findCode("RC0000000001");
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_EQ((*state)->consumedBy, std::optional<std::string>(r.id));
    auto outbox = store_->pendingOutbox();
    ASSERT_TRUE(outbox.ok());
    EXPECT_EQ(*outbox, std::vector<std::string>{r.id});
    auto audit = store_->verifyAudit();
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->rows, 1);
    EXPECT_TRUE(audit->ok);
    RawDb raw(dbPath());
    EXPECT_EQ(raw.scalar("SELECT detail FROM audit"),
              "decision=accepted reason=accepted code=RC0000000001");
    EXPECT_EQ(raw.scalar("SELECT subject FROM audit"), r.id);
    auto orphans = store_->orphanConsumptions();
    ASSERT_TRUE(orphans.ok());
    EXPECT_TRUE(orphans->empty());
}

TEST_F(SqliteStoreTest, BodyErrorWritesNothing)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    auto r = makeReceipt("r-1", "RC0000000001");
    auto st = store_->writeTransaction([&]() -> Status {
        if (auto s = store_->insertReceipt(r); !s) {
            return s;
        }
        if (auto s = store_->consumeCode("RC0000000001", r.id); !s) {
            return s;
        }
        return makeError(ErrorCode::Io, "camera unplugged");
    });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Io);
    EXPECT_EQ(st.error().message, "camera unplugged");

    auto found = store_->findReceipt("r-1");
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value());
    auto state = store_->findCode("RC0000000001");
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_FALSE((*state)->consumedBy.has_value());
    auto outbox = store_->pendingOutbox();
    ASSERT_TRUE(outbox.ok());
    EXPECT_TRUE(outbox->empty());
    auto audit = store_->verifyAudit();
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->rows, 0);
    RawDb raw(dbPath());
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM scans"), "0");

    // The store is usable afterwards, and the same receipt now commits.
    ASSERT_TRUE(receive(r).ok());
}

TEST_F(SqliteStoreTest, BodyExceptionRollsBackAsInternalError)
{
    auto st = store_->writeTransaction([&]() -> Status {
        EXPECT_TRUE(
            store_
                ->insertReceipt(makeReceipt("r-1", std::nullopt, Outcome::Rejected, Reason::NoCode))
                .ok());
        throw std::runtime_error("boom");
    });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Internal);
    auto found = store_->findReceipt("r-1");
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value());
}

TEST_F(SqliteStoreTest, NestedWriteTransactionIsAnInternalError)
{
    Status inner;
    auto st = store_->writeTransaction([&]() -> Status {
        inner = store_->writeTransaction([]() -> Status { return {}; });
        return {};
    });
    EXPECT_TRUE(st.ok());
    ASSERT_FALSE(inner.ok());
    EXPECT_EQ(inner.error().code, ErrorCode::Internal);
}

TEST_F(SqliteStoreTest, ConsumingTwiceIsAConflict)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    ASSERT_TRUE(receive(makeReceipt("r-1", "RC0000000001")).ok());
    ASSERT_TRUE(store_
                    ->writeTransaction([&]() -> Status {
                        return store_->insertReceipt(makeReceipt(
                            "r-2", "RC0000000001", Outcome::Rejected, Reason::AlreadyReceived));
                    })
                    .ok());
    auto st = store_->writeTransaction(
        [&]() -> Status { return store_->consumeCode("RC0000000001", "r-2"); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Conflict);
    EXPECT_NE(st.error().message.find("already consumed by receipt r-1"), std::string::npos)
        << st.error().message;

    auto unknown = store_->writeTransaction(
        [&]() -> Status { return store_->consumeCode("RC9999999999", "r-2"); });
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::Conflict);
    EXPECT_NE(unknown.error().message.find("unknown"), std::string::npos);

    auto state = store_->findCode("RC0000000001");
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_EQ((*state)->consumedBy, std::optional<std::string>("r-1"));
}

TEST_F(SqliteStoreTest, DuplicateReceiptIdIsAConflict)
{
    const auto r = makeReceipt("r-1", std::nullopt, Outcome::Rejected, Reason::NoCode);
    ASSERT_TRUE(store_->writeTransaction([&] { return store_->insertReceipt(r); }).ok());
    auto again = store_->writeTransaction([&] { return store_->insertReceipt(r); });
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Conflict);
    EXPECT_NE(again.error().message.find("r-1 already exists"), std::string::npos);
    auto all = store_->listReceipts();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1U);
    auto audit = store_->verifyAudit();
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->rows, 1);
}

TEST_F(SqliteStoreTest, SecondAcceptedReceiptForACodeIsAConflict)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    ASSERT_TRUE(receive(makeReceipt("r-1", "RC0000000001")).ok());
    auto st = store_->writeTransaction(
        [&] { return store_->insertReceipt(makeReceipt("r-2", "RC0000000001")); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Conflict);
}

TEST_F(SqliteStoreTest, InsertReceiptOutsideATransactionIsStillAtomic)
{
    auto r = makeReceipt("r-1", std::nullopt, Outcome::Rejected, Reason::NoCode);
    ASSERT_TRUE(store_->insertReceipt(r).ok());
    auto found = store_->findReceipt("r-1");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ(**found, r);
}

TEST_F(SqliteStoreTest, StoresSqlMetacharactersVerbatim)
{
    const std::string nasty = "x'); DROP TABLE receipts; -- \"%_\\ ; SELECT * FROM audit /*";
    auto a = makeAuth("RC'\";--%_", 1, nasty);
    a.lines = {{nasty, nasty, 1, nasty}};
    ASSERT_TRUE(store_->upsertAuthorization(a).ok());
    auto state = store_->findCode(a.code);
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_EQ((*state)->auth, a);
    // LIKE-style wildcards are not wildcards in an equality lookup.
    auto wildcard = store_->findCode("RC%");
    ASSERT_TRUE(wildcard.ok());
    EXPECT_FALSE(wildcard->has_value());

    auto r = makeReceipt(nasty, a.code);
    r.station = nasty;
    r.operatorId = nasty;
    r.flags = {nasty};
    r.condition = nasty;
    r.override_ = core::Override{nasty, nasty, at(1), Outcome::Held};
    r.scans = {core::ScanRecord{at(2), nasty, nasty, std::string("a\0b", 3) + nasty}};
    ASSERT_TRUE(receive(r).ok());
    auto found = store_->findReceipt(nasty);
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, r);
    auto integrity = store_->integrityCheck();
    ASSERT_TRUE(integrity.ok());
    EXPECT_EQ(*integrity, "ok");
    auto audit = store_->verifyAudit();
    ASSERT_TRUE(audit.ok());
    EXPECT_TRUE(audit->ok);
}

TEST_F(SqliteStoreTest, RefusesOverrideTextThatIsNotUtf8)
{
    auto r = makeReceipt("r-1", std::nullopt, Outcome::Rejected, Reason::NoCode);
    r.override_ = core::Override{"sup-2", "bad \xff byte", at(1), Outcome::Accepted};
    auto st = store_->insertReceipt(r);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::InvalidArgument);
    r.override_->reason = "caf\xc3\xa9, \xe2\x82\xac 5, \xf0\x9f\x93\xa6";
    ASSERT_TRUE(store_->insertReceipt(r).ok());
    auto found = store_->findReceipt("r-1");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ(**found, r);
}

TEST_F(SqliteStoreTest, ListReceiptsFiltersBySinceOldestFirst)
{
    // Inserted out of order; two share a decision time (then insertion order decides).
    const std::vector<std::pair<std::string, std::int64_t>> rows = {
        {"r-c", 300}, {"r-a", 100}, {"r-d", 300}, {"r-b", 200}, {"r-e", 400}};
    for (const auto& [id, t] : rows) {
        ASSERT_TRUE(
            store_
                ->insertReceipt(makeReceipt(id, std::nullopt, Outcome::Rejected, Reason::NoCode, t))
                .ok());
    }
    auto ids = [](const std::vector<core::Receipt>& rs) {
        std::vector<std::string> out;
        for (const auto& r : rs) {
            out.push_back(r.id);
        }
        return out;
    };
    auto all = store_->listReceipts();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(ids(*all), (std::vector<std::string>{"r-a", "r-b", "r-c", "r-d", "r-e"}));
    EXPECT_EQ((*all)[0].scans.size(), 1U);
    auto since = store_->listReceipts(at(200));  // at or after
    ASSERT_TRUE(since.ok());
    EXPECT_EQ(ids(*since), (std::vector<std::string>{"r-b", "r-c", "r-d", "r-e"}));
    auto none = store_->listReceipts(at(401));
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
    auto outbox = store_->pendingOutbox();
    ASSERT_TRUE(outbox.ok());
    EXPECT_EQ(*outbox, (std::vector<std::string>{"r-c", "r-a", "r-d", "r-b", "r-e"}));
}

TEST_F(SqliteStoreTest, OrphanConsumptionsAreReported)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000002")).ok());
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000003")).ok());
    ASSERT_TRUE(receive(makeReceipt("r-1", "RC0000000001")).ok());
    ASSERT_TRUE(
        store_
            ->insertReceipt(makeReceipt("r-2", "RC0000000002", Outcome::Rejected, Reason::Expired))
            .ok());
    auto clean = store_->orphanConsumptions();
    ASSERT_TRUE(clean.ok());
    EXPECT_TRUE(clean->empty());
    {
        // Behind the store's back: consumed by a rejected receipt, and by no receipt at all.
        RawDb raw(dbPath());
        raw.exec("UPDATE authorizations SET consumed_by = 'r-2' WHERE code = 'RC0000000002'");
        raw.exec("PRAGMA foreign_keys = OFF");
        raw.exec("UPDATE authorizations SET consumed_by = 'ghost' WHERE code = 'RC0000000003'");
    }
    auto orphans = store_->orphanConsumptions();
    ASSERT_TRUE(orphans.ok());
    EXPECT_EQ(*orphans, (std::vector<std::string>{"RC0000000002", "RC0000000003"}));
}

TEST_F(SqliteStoreTest, FullDiskFailsClearlyAndKeepsTheDatabase)
{
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000001")).ok());
    ASSERT_TRUE(receive(makeReceipt("r-1", "RC0000000001")).ok());
    {
        RawDb raw(dbPath());
        const auto pages = std::stoll(raw.scalar("PRAGMA page_count"));
        ASSERT_TRUE(store_->limitPagesForTest(pages + 2).ok());
    }
    // Fill until SQLite reports the "disk" full (the cap stands in for a full file system).
    std::optional<Error> failure;
    auto st = store_->writeTransaction([&]() -> Status {
        for (int i = 0; i < 100000; ++i) {
            auto a = makeAuth("RC" + std::to_string(2000000000 + i));
            a.lines = {{std::string(500, 's'), "", 1, std::string(500, 'd')}};
            auto r = store_->upsertAuthorization(a);
            if (!r) {
                return std::move(r).takeError();
            }
        }
        return {};
    });
    ASSERT_FALSE(st.ok()) << "the page cap never filled up";
    EXPECT_EQ(st.error().code, ErrorCode::Io);
    EXPECT_NE(st.error().message.find("disk full"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("inserting an authorization"), std::string::npos)
        << st.error().message;

    // Nothing of the failed transaction is there; everything before it is; the file is sound.
    auto count = store_->authorizationCount();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 1);
    auto found = store_->findReceipt("r-1");
    ASSERT_TRUE(found.ok() && found->has_value());
    auto integrity = store_->integrityCheck();
    ASSERT_TRUE(integrity.ok());
    EXPECT_EQ(*integrity, "ok");

    // Once the "disk" has room again (reopening drops the cap), writes succeed.
    reopen();
    ASSERT_TRUE(store_->upsertAuthorization(makeAuth("RC0000000002")).ok());
    count = store_->authorizationCount();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 2);
}

}  // namespace
}  // namespace returnscan::store
