// SPDX-License-Identifier: Apache-2.0
// One sync run: clock check, authorization download (page per transaction), receipts, photos.
// Over 900 lines because it is one class, Run: the state of one run shared by the handlers of
// every request (download, receipts, photos, marks). Splitting it by request kind needs Run's
// declaration in a private header first (noted in issue 13, not done with the store split).
#include "returnscan/sync/sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "http_client.h"
#include "returnscan/core/code_format.h"
#include "returnscan/core/log.h"
#include "returnscan/core/time.h"
#include "returnscan/digest/sha256.h"
#include "returnscan/store/authorization_io.h"
#include "returnscan/store/receipt_json.h"

namespace returnscan::sync {
namespace {

using json = nlohmann::json;
using detail::HttpResponse;
using detail::Job;
using detail::Verdict;
using SteadyClock = std::chrono::steady_clock;

/// The API's maximum photo size (central-api.md section 3).
constexpr std::uint64_t kMaxPhotoBytes = 20ull << 20;
/// An authorization page holds at most 5000 items of well under 4 KiB each.
constexpr std::size_t kMaxPageBytes = 32u << 20;
constexpr std::size_t kMaxSmallResponse = 1u << 20;
/// A page that is not what the spec describes is asked for again this many times (it may have
/// been cut or garbled on the way), then the download stops for this run.
constexpr int kMalformedPageAttempts = 3;
/// Beyond this offset the station's clock is reported as wrong.
constexpr std::int64_t kClockToleranceSeconds = 120;

[[nodiscard]] std::string errorWord(const std::string& body, std::string* message)
{
    try {
        const auto j = json::parse(body);
        if (j.is_object()) {
            if (message != nullptr && j.contains("message") && j["message"].is_string()) {
                *message = core::displaySafe(j["message"].get<std::string>());
            }
            if (j.contains("error") && j["error"].is_string()) {
                return core::displaySafe(j["error"].get<std::string>());
            }
        }
    } catch (const std::exception&) {
        // fall through: no machine word in a body that is not the spec's error object
    }
    return "unknown";
}

struct Page {
    std::vector<core::Authorization> items;
    std::optional<std::string> nextCursor;
    bool hasMore = false;
};

/// Parses one authorization page. Any item that fails to parse or validate makes the whole
/// page an error: a page is applied whole or not at all.
[[nodiscard]] Result<Page> parsePage(const std::string& body, const core::CodeFormats& formats)
{
    Page page;
    try {
        const auto j = json::parse(body);
        if (!j.is_object() || !j.contains("items") || !j["items"].is_array()) {
            return makeError(ErrorCode::Parse, "page is not an object with an items array");
        }
        if (j.contains("next_cursor") && !j["next_cursor"].is_null()) {
            if (!j["next_cursor"].is_string()) {
                return makeError(ErrorCode::Parse, "next_cursor is not a string");
            }
            page.nextCursor = j["next_cursor"].get<std::string>();
        }
        if (j.contains("has_more")) {
            if (!j["has_more"].is_boolean()) {
                return makeError(ErrorCode::Parse, "has_more is not a boolean");
            }
            page.hasMore = j["has_more"].get<bool>();
        }
        std::size_t index = 0;
        for (const auto& item : j["items"]) {
            auto a = store::parseAuthorizationJson(item.dump(), formats);
            if (!a) {
                return makeError(ErrorCode::Parse,
                                 "item " + std::to_string(index) + ": " + a.error().message);
            }
            page.items.push_back(std::move(a).value());
            ++index;
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, std::string("page is not valid JSON: ") + e.what());
    }
    if (!page.items.empty() && (!page.nextCursor || page.nextCursor->empty())) {
        return makeError(ErrorCode::Parse, "page has items but no next_cursor");
    }
    return page;
}

[[nodiscard]] std::string urlEncode(std::string_view s)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0f];
        }
    }
    return out;
}

/// The process's log (category sync). The run's own lines go to SyncOptions::logger for the
/// command line as before, and here too: its problems at info, since the run's outcome is
/// logged once per spell at warning (runSync), not once per run.
void logToCore(LogLevel level, std::string_view text)
{
    static const core::Logger log(core::LogCategory::Sync);
    switch (level) {
        case LogLevel::Error:
        case LogLevel::Info:
            log.info(text);
            break;
        case LogLevel::Warning:
            log.warning(text);
            break;
        case LogLevel::Debug:
            log.debug(text);
            break;
    }
}

/// The word saved as last_run.result.
std::string resultWord(const SyncReport& r)
{
    return r.complete()        ? "complete"
           : r.authRefused     ? "token_refused"
           : r.tlsRefused      ? "certificate_refused"
           : r.deadlineReached ? "time_budget_spent"
                               : "partial";
}

/// Runs that fail the same way night after night are one spell: logged when the first fails
/// and when one completes again. Runs may come from several threads over the process's life.
struct CentralSpell {
    std::mutex mutex;
    core::FailureSpell spell{core::Logger(core::LogCategory::Sync)};
};
CentralSpell& centralSpell()
{
    static CentralSpell s;
    return s;
}

/// The state of one run, shared by the request handlers (all on the calling thread).
class Run {
public:
    Run(store::SqliteStore& store, const SyncOptions& o, const core::Clock& clock)
        : store_(store), o_(o), clock_(clock), started_(SteadyClock::now())
    {
    }

    [[nodiscard]] Result<SyncReport> go();

private:
    void log(LogLevel level, const std::string& text) const
    {
        if (o_.logger) {
            o_.logger(level, text);
        }
        logToCore(level, text);
    }
    void problem(const std::string& text)
    {
        log(LogLevel::Error, text);
        if (report_.problems.size() < 50) {
            report_.problems.push_back(text);
        }
    }
    void progress()
    {
        if (!o_.progress || !client_) {
            return;
        }
        const auto& s = client_->stats();
        o_.progress(SyncProgress{itemsDone_, itemsTotal_, s.bytesSent, s.bytesReceived,
                                 SteadyClock::now() - started_});
    }
    void absorb(const detail::RunOutcome& r)
    {
        if (r.authRefused) {
            report_.authRefused = true;
            problem("the central system refused the token: " + r.stopMessage);
        }
        if (r.tlsRefused) {
            report_.tlsRefused = true;
            problem("the central system's certificate was refused: " + r.stopMessage);
        }
        if (r.deadlineReached) {
            report_.deadlineReached = true;
        }
    }

    [[nodiscard]] Job timeJob();
    [[nodiscard]] Job pageJob(const std::string& cursor, int attempt);
    [[nodiscard]] std::optional<Job> batchJob(std::vector<std::string> ids);
    [[nodiscard]] Verdict onBatch(const std::vector<store::ReceiptRevision>& sent,
                                  const HttpResponse& r, const std::function<void(Job)>& enqueue);
    [[nodiscard]] Job headJob(const store::PhotoRecord& p);
    [[nodiscard]] Verdict onHead(const store::PhotoRecord& p, const HttpResponse& r,
                                 const std::function<void(Job)>& enqueue);
    [[nodiscard]] Verdict onPut(const store::PhotoRecord& p, const HttpResponse& r);
    void recordIssue(store::SyncIssueKind kind, const std::string& ref,
                     std::optional<std::string> code, const std::string& word,
                     const std::string& message);
    void saveRunState(const std::string& result);
    /// Receipts a revision-checked mark left unmarked because they changed at the station
    /// while on their way: adds their supervisor issues to `issues` (see the definition).
    void noteChanged(const std::vector<std::string>& ids, std::vector<store::SyncIssue>& issues);
    /// Inside a write transaction: marks the receipts the central system stored (`marks`, at
    /// the revision sent); one changed at the station since it was read is marked too and gets
    /// a supervisor issue added to `issues` (noteChanged()); then records every issue of
    /// `issues`. `changed` receives the changed ids, for reportChanged() after the commit.
    [[nodiscard]] Status markStored(const std::vector<store::ReceiptRevision>& marks,
                                    std::vector<store::SyncIssue>& issues,
                                    std::vector<std::string>& changed);
    /// After the commit of noteChanged()'s issues and marks: counts and logs them.
    void reportChanged(const std::vector<std::string>& ids);
    /// Commits the marks gathered so far when `force`, or when enough have gathered.
    void flushMarks(bool force);

    store::SqliteStore& store_;
    const SyncOptions& o_;
    const core::Clock& clock_;
    SteadyClock::time_point started_;
    SteadyClock::time_point deadline_{};
    std::unique_ptr<detail::HttpClient> client_;
    SyncReport report_;
    std::int64_t itemsDone_ = 0;
    std::int64_t itemsTotal_ = 0;
    // Receipts listed as accepted or duplicate, and photos the server holds, not yet marked in
    // the store. Marking is idempotent bookkeeping (a lost mark only means the item is sent
    // again and the server answers duplicate / already held), so it is committed in groups:
    // one fsync per group instead of one per request. A receipt is marked at the outbox
    // revision read before its content, so a change made meanwhile is noticed (noteChanged()).
    std::map<std::string, std::vector<store::PhotoRecord>> photosByReceipt_;
    std::vector<store::ReceiptRevision> syncedToMark_;
    std::vector<std::string> photosToMark_;
    SteadyClock::time_point lastFlush_ = SteadyClock::now();
};

void Run::recordIssue(store::SyncIssueKind kind, const std::string& ref,
                      std::optional<std::string> code, const std::string& word,
                      const std::string& message)
{
    store::SyncIssue issue;
    issue.kind = kind;
    issue.ref = ref;
    issue.code = std::move(code);
    issue.word = word;
    issue.message = message;
    issue.at = clock_.now();
    if (auto st = store_.recordSyncIssue(issue); !st) {
        problem("could not record a sync issue: " + st.error().message);
    }
}

Job Run::timeJob()
{
    Job job;
    job.request.method = "GET";
    job.request.target = "/v1/time";
    job.request.maxResponseBytes = kMaxSmallResponse;
    job.request.label = "GET time";
    job.handler = [this](const HttpResponse& r, const std::function<void(Job)>&) {
        if (r.status != 200) {
            problem("GET /v1/time answered HTTP " + std::to_string(r.status));
            return Verdict::GiveUp;
        }
        try {
            const auto j = json::parse(r.body);
            auto t = core::parseRfc3339(j.at("now").get<std::string>());
            if (!t) {
                return Verdict::Retry;
            }
            const auto offset = (*t - clock_.now()).count();
            report_.clockOffsetSeconds = offset;
            if (std::abs(offset) > kClockToleranceSeconds) {
                problem("the station's clock differs from the central system's by " +
                        std::to_string(offset) + " s; validity checks need a correct clock");
            }
        } catch (const std::exception&) {
            return Verdict::Retry;
        }
        return Verdict::Done;
    };
    return job;
}

Job Run::pageJob(const std::string& cursor, int attempt)
{
    Job job;
    job.request.method = "GET";
    job.request.target = "/v1/authorizations?limit=" + std::to_string(o_.pageLimit);
    if (!cursor.empty()) {
        job.request.target += "&since=" + urlEncode(cursor);
    }
    job.request.maxResponseBytes = kMaxPageBytes;
    job.request.label = "GET authorizations page";
    job.handler = [this, cursor, attempt](const HttpResponse& r,
                                          const std::function<void(Job)>& enqueue) {
        if (r.status != 200) {
            problem("GET /v1/authorizations answered HTTP " + std::to_string(r.status) + " (" +
                    errorWord(r.body, nullptr) + "); download stopped for this run");
            return Verdict::GiveUp;
        }
        auto page = parsePage(r.body, o_.formats);
        if (page && page->hasMore && page->items.empty() &&
            page->nextCursor.value_or(cursor) == cursor) {
            page = makeError(ErrorCode::Parse, "has_more without items or a new cursor");
        }
        if (!page) {
            // Nothing of the page is applied. Asked again as a fresh job (a cut or garbled
            // body is transient), a few times, then left for the next run.
            if (attempt + 1 < kMalformedPageAttempts) {
                log(LogLevel::Warning,
                    "malformed authorization page (" + page.error().message + "); asking again");
                enqueue(pageJob(cursor, attempt + 1));
                return Verdict::Done;
            }
            problem("authorization page refused, nothing of it applied: " + page.error().message);
            return Verdict::GiveUp;
        }
        std::int64_t inserted = 0;
        std::int64_t updated = 0;
        std::int64_t unchanged = 0;
        const std::string next = page->nextCursor.value_or(cursor);
        // The page and the cursor commit together: a crash before COMMIT leaves the cursor
        // where it was and the page is fetched again; after COMMIT, both are durable.
        auto st = store_.writeTransaction([&]() -> Status {
            for (const auto& a : page->items) {
                auto u = store_.upsertAuthorization(a);
                if (!u) {
                    return std::move(u).takeError();
                }
                switch (*u) {
                    case store::UpsertOutcome::Inserted:
                        ++inserted;
                        break;
                    case store::UpsertOutcome::Updated:
                        ++updated;
                        break;
                    case store::UpsertOutcome::Unchanged:
                        ++unchanged;
                        break;
                }
            }
            return store_.setSyncState(kCursorKey, next);
        });
        if (!st) {
            problem("could not store an authorization page: " + st.error().message);
            return Verdict::GiveUp;
        }
        ++report_.pagesApplied;
        report_.codesInserted += inserted;
        report_.codesUpdated += updated;
        report_.codesUnchanged += unchanged;
        ++itemsDone_;
        progress();
        if (page->hasMore) {
            ++itemsTotal_;
            enqueue(pageJob(next, 0));
        } else {
            report_.downloadComplete = true;
        }
        return Verdict::Done;
    };
    return job;
}

std::optional<Job> Run::batchJob(std::vector<std::string> ids)
{
    std::string body = "{\"receipts\":[";
    std::vector<store::ReceiptRevision> sent;
    for (const auto& id : ids) {
        // The revision first, then the content (store.h, outboxRevision): the kiosk may change
        // a completed receipt until it is marked synced (a supervisor's override), and a
        // change committed between the two reads must leave the receipt queued, not marked
        // with the content sent here.
        auto revision = store_.outboxRevision(id);
        if (!revision) {
            problem("queued receipt " + core::displaySafe(id) +
                    " has no readable outbox row: " + revision.error().message);
            continue;
        }
        auto r = store_.findReceipt(id);
        if (!r || !r->has_value()) {
            problem("queued receipt " + core::displaySafe(id) +
                    " cannot be read: " + (r ? std::string("not found") : r.error().message));
            continue;
        }
        // Photos known at the start of the run; one a receipt gained since then (not possible
        // for a completed receipt) would go with the next run's copy.
        static const std::vector<store::PhotoRecord> kNone;
        const auto found = photosByReceipt_.find(id);
        const auto* photos = found != photosByReceipt_.end() ? &found->second : &kNone;
        // receiptToJson writes the receipt in the API's field names with an empty photo list;
        // the photos come from the photos table, which the receipt type does not carry. The
        // literal `"photos":[]` can only be that key (a quote inside a JSON string is escaped),
        // so splicing the list in is exact and saves a parse and a dump per receipt.
        std::string one = store::receiptToJson(**r);
        if (!photos->empty()) {
            json list = json::array();
            for (const auto& p : *photos) {
                list.push_back({{"sha256", p.sha256},
                                {"role", p.role},
                                {"taken_at", core::formatRfc3339(p.takenAt)},
                                {"bytes", p.bytes}});
            }
            constexpr std::string_view kEmpty = "\"photos\":[]";
            const auto at = one.find(kEmpty);
            if (at == std::string::npos) {
                problem("receipt JSON without a photos list; receipt " + core::displaySafe(id) +
                        " left queued");
                continue;
            }
            one.replace(at, kEmpty.size(),
                        "\"photos\":" + list.dump(-1, ' ', false, json::error_handler_t::replace));
        }
        if (!sent.empty()) {
            body += ',';
        }
        body += one;
        sent.push_back(store::ReceiptRevision{id, *revision});
    }
    body += "]}";
    if (sent.empty()) {
        return std::nullopt;
    }
    Job job;
    job.request.method = "POST";
    job.request.target = "/v1/receipts";
    job.request.contentType = "application/json";
    job.request.body = std::move(body);
    job.request.maxResponseBytes = kMaxSmallResponse;
    job.request.label = "POST receipts (" + std::to_string(sent.size()) + ")";
    job.handler = [this, sent = std::move(sent)](const HttpResponse& r,
                                                 const std::function<void(Job)>& enqueue) {
        return onBatch(sent, r, enqueue);
    };
    ++report_.receiptPosts;
    return job;
}

Verdict Run::onBatch(const std::vector<store::ReceiptRevision>& sent, const HttpResponse& r,
                     const std::function<void(Job)>& enqueue)
{
    std::vector<std::string> ids;
    std::map<std::string, std::int64_t> revisionOf;
    ids.reserve(sent.size());
    for (const auto& s : sent) {
        ids.push_back(s.id);
        revisionOf.emplace(s.id, s.revision);
    }
    if (r.status == 400 || r.status == 413 || r.status == 422) {
        // The whole request was refused; the same body must not be sent again. Split it to
        // find the receipt the server objects to; a single receipt refused is recorded.
        if (ids.size() > 1) {
            const auto half = static_cast<std::ptrdiff_t>(ids.size() / 2);
            for (auto part : {std::vector<std::string>(ids.begin(), ids.begin() + half),
                              std::vector<std::string>(ids.begin() + half, ids.end())}) {
                if (auto j = batchJob(std::move(part))) {
                    enqueue(std::move(*j));
                }
            }
            return Verdict::Done;
        }
        std::string message;
        const std::string word = errorWord(r.body, &message);
        recordIssue(store::SyncIssueKind::Rejected, ids.front(), std::nullopt, word, message);
        ++report_.receiptsRejected;
        return Verdict::Done;
    }
    if (r.status != 200) {
        problem("POST /v1/receipts answered HTTP " + std::to_string(r.status) + " (" +
                errorWord(r.body, nullptr) + "); batch left queued");
        return Verdict::GiveUp;
    }
    const std::set<std::string> mine(ids.begin(), ids.end());
    std::vector<std::string> stored;
    std::set<std::string> storedSet;
    std::int64_t accepted = 0;
    std::int64_t duplicates = 0;
    std::vector<store::SyncIssue> issues;
    try {
        const auto j = json::parse(r.body);
        if (!j.is_object()) {
            return Verdict::Retry;
        }
        auto idList = [&](const char* key, std::int64_t& counter) {
            if (!j.contains(key)) {
                return;
            }
            for (const auto& id : j.at(key)) {
                const auto s = id.get<std::string>();
                if (mine.contains(s) && storedSet.insert(s).second) {
                    stored.push_back(s);
                    ++counter;
                }
            }
        };
        idList("accepted", accepted);
        idList("duplicates", duplicates);
        if (j.contains("conflicts")) {
            for (const auto& c : j.at("conflicts")) {
                const auto id = c.at("id").get<std::string>();
                if (!mine.contains(id)) {
                    continue;
                }
                // A conflict is stored centrally: it must not be sent again, and a supervisor
                // must see it.
                if (storedSet.insert(id).second) {
                    stored.push_back(id);
                }
                store::SyncIssue issue;
                issue.kind = store::SyncIssueKind::Conflict;
                issue.ref = id;
                if (c.contains("code") && c["code"].is_string()) {
                    issue.code = c["code"].get<std::string>();
                }
                issue.word = core::displaySafe(c.value("reason", std::string("unknown")));
                issue.message = "stored centrally with a conflict";
                issue.at = clock_.now();
                issues.push_back(std::move(issue));
            }
        }
        if (j.contains("rejected")) {
            for (const auto& x : j.at("rejected")) {
                const auto id = x.at("id").get<std::string>();
                if (!mine.contains(id) || storedSet.contains(id)) {
                    continue;
                }
                store::SyncIssue issue;
                issue.kind = store::SyncIssueKind::Rejected;
                issue.ref = id;
                issue.word = core::displaySafe(x.value("error", std::string("unknown")));
                issue.message = core::displaySafe(x.value("message", std::string()));
                issue.at = clock_.now();
                issues.push_back(std::move(issue));
            }
        }
    } catch (const std::exception& e) {
        // Not the answer the spec describes: nothing is marked; posting again is harmless
        // because the receipt id is the idempotency key.
        log(LogLevel::Warning, std::string("unusable answer to POST /v1/receipts: ") + e.what());
        return Verdict::Retry;
    }
    if (!issues.empty()) {
        // Conflicts and rejections are committed at once, with the marks of this batch: a
        // conflict posted again would come back as a mere duplicate, and the supervisor would
        // never hear of it. A receipt changed since it was read is settled the same way
        // (noteChanged()).
        std::vector<store::ReceiptRevision> marks;
        for (const auto& id : stored) {
            marks.push_back(store::ReceiptRevision{id, revisionOf.at(id)});
        }
        std::vector<std::string> changed;
        auto st = store_.writeTransaction(
            [&]() -> Status { return markStored(marks, issues, changed); });
        if (!st) {
            problem("could not record the central system's answer: " + st.error().message);
            return Verdict::GiveUp;
        }
        reportChanged(changed);
    } else {
        for (const auto& id : stored) {
            syncedToMark_.push_back(store::ReceiptRevision{id, revisionOf.at(id)});
        }
        flushMarks(false);
    }
    report_.receiptsAccepted += accepted;
    report_.receiptsDuplicate += duplicates;
    for (const auto& issue : issues) {
        if (issue.kind == store::SyncIssueKind::Conflict) {
            ++report_.receiptsConflict;
        } else {
            ++report_.receiptsRejected;
        }
    }
    const auto rejected = std::count_if(issues.begin(), issues.end(), [](const auto& i) {
        return i.kind == store::SyncIssueKind::Rejected;
    });
    const auto unanswered =
        static_cast<std::int64_t>(ids.size()) - static_cast<std::int64_t>(stored.size()) - rejected;
    if (unanswered > 0) {
        log(LogLevel::Warning, std::to_string(unanswered) +
                                   " receipts of a batch were not listed in the answer; they "
                                   "stay queued");
    }
    itemsDone_ += static_cast<std::int64_t>(ids.size());
    progress();
    return Verdict::Done;
}

Job Run::headJob(const store::PhotoRecord& p)
{
    Job job;
    job.request.method = "HEAD";
    job.request.target = "/v1/photos/" + p.sha256;
    job.request.maxResponseBytes = kMaxSmallResponse;
    job.request.label = "HEAD photo " + p.sha256.substr(0, 12);
    job.handler = [this, p](const HttpResponse& r, const std::function<void(Job)>& enqueue) {
        return onHead(p, r, enqueue);
    };
    return job;
}

Verdict Run::onHead(const store::PhotoRecord& p, const HttpResponse& r,
                    const std::function<void(Job)>& enqueue)
{
    if (r.status == 200) {
        photosToMark_.push_back(p.sha256);
        flushMarks(false);
        ++report_.photosAlreadyHeld;
        ++itemsDone_;
        progress();
        return Verdict::Done;
    }
    if (r.status != 404) {
        problem("HEAD /v1/photos answered HTTP " + std::to_string(r.status) +
                "; photo left queued");
        return Verdict::GiveUp;
    }
    // Read the file only now, so at most a few photos are in memory at once.
    std::string data;
    {
        std::ifstream f(p.path, std::ios::binary);
        if (!f) {
            recordIssue(store::SyncIssueKind::PhotoMissing, p.sha256, std::nullopt, "file_missing",
                        "photo file " + core::displaySafe(p.path) + " of receipt " + p.receiptId +
                            " is not on disk");
            ++report_.photosMissing;
            ++itemsDone_;
            return Verdict::Done;
        }
        f.seekg(0, std::ios::end);
        const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(f.tellg(), 0));
        if (size > kMaxPhotoBytes) {
            recordIssue(store::SyncIssueKind::PhotoRejected, p.sha256, std::nullopt, "too_large",
                        "photo file is larger than the API's 20 MiB");
            ++report_.photosRejected;
            ++itemsDone_;
            return Verdict::Done;
        }
        f.seekg(0);
        data.resize(static_cast<std::size_t>(size));
        f.read(data.data(), static_cast<std::streamsize>(size));
        if (!f) {
            problem("cannot read photo file " + core::displaySafe(p.path));
            return Verdict::GiveUp;
        }
    }
    // No local SHA-256 check: the server verifies the body against the name and answers 422,
    // which is recorded for a supervisor like any refusal; hashing here as well would cost a
    // second pass over every photo for a case (a corrupt file) that the server catches anyway.
    Job put;
    put.request.method = "PUT";
    put.request.target = "/v1/photos/" + p.sha256;
    put.request.contentType = "image/jpeg";
    put.request.body = std::move(data);
    put.request.maxResponseBytes = kMaxSmallResponse;
    put.request.label = "PUT photo " + p.sha256.substr(0, 12);
    put.handler = [this, p](const HttpResponse& resp, const std::function<void(Job)>&) {
        return onPut(p, resp);
    };
    enqueue(std::move(put));
    return Verdict::Done;
}

Verdict Run::onPut(const store::PhotoRecord& p, const HttpResponse& r)
{
    if (r.status == 200 || r.status == 201) {
        photosToMark_.push_back(p.sha256);
        flushMarks(false);
        ++(r.status == 201 ? report_.photosUploaded : report_.photosAlreadyHeld);
        ++itemsDone_;
        progress();
        return Verdict::Done;
    }
    if (r.status == 422 || r.status == 413 || r.status == 400) {
        std::string message;
        const std::string word = errorWord(r.body, &message);
        recordIssue(store::SyncIssueKind::PhotoRejected, p.sha256, std::nullopt, word, message);
        ++report_.photosRejected;
        ++itemsDone_;
        return Verdict::Done;
    }
    problem("PUT /v1/photos answered HTTP " + std::to_string(r.status) + "; photo left queued");
    return Verdict::GiveUp;
}

void Run::flushMarks(bool force)
{
    constexpr std::size_t kGroup = 500;
    constexpr auto kEvery = std::chrono::milliseconds(500);
    const auto now = SteadyClock::now();
    if (syncedToMark_.empty() && photosToMark_.empty()) {
        return;
    }
    if (!force && syncedToMark_.size() + photosToMark_.size() < kGroup &&
        now - lastFlush_ < kEvery) {
        return;
    }
    lastFlush_ = now;
    std::vector<std::string> changed;
    auto st = store_.writeTransaction([&]() -> Status {
        std::vector<store::SyncIssue> issues;
        if (auto s = markStored(syncedToMark_, issues, changed); !s) {
            return s;
        }
        for (const auto& sha : photosToMark_) {
            if (auto s = store_.markPhotoUploaded(sha, clock_.now()); !s) {
                return s;
            }
            if (auto s = store_.clearPhotoMissing(sha); !s) {
                return s;
            }
        }
        return {};
    });
    if (!st) {
        // Not lost for good: the items go again next run and the server answers duplicate.
        problem("could not record what the central system holds: " + st.error().message);
    } else {
        reportChanged(changed);
    }
    syncedToMark_.clear();
    photosToMark_.clear();
}

Status Run::markStored(const std::vector<store::ReceiptRevision>& marks,
                       std::vector<store::SyncIssue>& issues, std::vector<std::string>& changed)
{
    auto m = store_.markReceiptsSyncedIfUnchanged(marks, clock_.now());
    if (!m) {
        return std::move(m).takeError();
    }
    changed = std::move(m).value();
    noteChanged(changed, issues);
    if (auto s = store_.markReceiptsSynced(changed, clock_.now()); !s) {
        return s;
    }
    for (const auto& issue : issues) {
        if (auto s = store_.recordSyncIssue(issue); !s) {
            return s;
        }
    }
    return {};
}

// A receipt the central system stored (accepted, duplicate or conflict) that the station
// changed after reading it for this request, a supervisor's override for instance: the central
// system keeps the version sent, since a receipt posted again has no second effect and API v1
// has no update. Sending it again would change nothing, and leaving it unmarked would claim
// otherwise; so it is marked synced like the others (the caller does that) and a supervisor is
// shown the difference as a conflict "changed_after_send" (on the conflict of the same receipt,
// when the answer had one). Nothing is lost: the station keeps its version.
void Run::noteChanged(const std::vector<std::string>& ids, std::vector<store::SyncIssue>& issues)
{
    constexpr std::string_view kNote =
        "changed at the station while being sent: the central system keeps the version sent";
    for (const auto& id : ids) {
        auto same = std::find_if(issues.begin(), issues.end(), [&](const store::SyncIssue& i) {
            return i.kind == store::SyncIssueKind::Conflict && i.ref == id;
        });
        if (same != issues.end()) {
            same->message += "; " + std::string(kNote);
            continue;
        }
        store::SyncIssue issue;
        issue.kind = store::SyncIssueKind::Conflict;
        issue.ref = id;
        issue.word = "changed_after_send";
        issue.message = std::string(kNote);
        issue.at = clock_.now();
        issues.push_back(std::move(issue));
    }
}

void Run::reportChanged(const std::vector<std::string>& ids)
{
    for (const auto& id : ids) {
        log(LogLevel::Warning, "receipt " + core::displaySafe(id) +
                                   " changed at the station while it was being sent: the "
                                   "central system keeps the version sent (a sync issue for a "
                                   "supervisor)");
    }
    report_.receiptsChanged += static_cast<std::int64_t>(ids.size());
}

void Run::saveRunState(const std::string& result)
{
    if (o_.dryRun) {
        return;
    }
    auto st = store_.writeTransaction([&]() -> Status {
        const auto now = core::formatRfc3339(clock_.now());
        if (auto s = store_.setSyncState("last_run.finished_at", now); !s) {
            return s;
        }
        if (report_.clockOffsetSeconds) {
            if (auto s = store_.setSyncState("clock.offset_seconds",
                                             std::to_string(*report_.clockOffsetSeconds));
                !s) {
                return s;
            }
            if (auto s = store_.setSyncState("clock.checked_at", now); !s) {
                return s;
            }
        }
        if (report_.complete()) {
            if (auto s = store_.setSyncState("last_complete_run.finished_at", now); !s) {
                return s;
            }
        }
        return store_.setSyncState("last_run.result", result);
    });
    if (!st) {
        problem("could not record the run: " + st.error().message);
    }
}

Result<SyncReport> Run::go()
{
    auto url = checkCentralUrl(o_.centralUrl, o_.allowInsecureHttp);
    if (!url) {
        return std::move(url).takeError();
    }
    auto token = readTokenFile(o_.tokenFile);
    if (!token) {
        return std::move(token).takeError();
    }
    if (o_.stationId.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no station id");
    }
    if (o_.batchSize < 1 || o_.batchSize > 100) {
        return makeError(ErrorCode::InvalidArgument, "batch size must be 1 to 100");
    }
    if (o_.pageLimit < 1 || o_.pageLimit > 5000) {
        return makeError(ErrorCode::InvalidArgument, "page limit must be 1 to 5000");
    }
    detail::TransportOptions t;
    t.baseUrl = *url;
    t.token = std::move(token).value();
    t.stationId = o_.stationId;
    t.caFile = o_.caFile;
    t.caPath = o_.caPath;
    t.pinnedPublicKey = o_.pinnedPublicKey;
    t.allowInsecureHttp = o_.allowInsecureHttp;
    t.connectTimeout = o_.connectTimeout;
    t.lowSpeedBytes = o_.lowSpeedBytes;
    t.lowSpeedTime = o_.lowSpeedTime;
    t.backoffInitial = o_.backoffInitial;
    t.backoffCap = o_.backoffCap;
    t.maxInFlight = o_.maxInFlight;
    t.logger = [this](LogLevel level, std::string_view text) {
        if (o_.logger) {
            o_.logger(level, text);
        }
        logToCore(level, text);
    };
    t.debug = (static_cast<bool>(o_.logger) && o_.logLevel == LogLevel::Debug) ||
              core::processLogHub().enabled(core::LogCategory::Sync, core::LogLevel::Debug);
    t.onFinished = [this] { progress(); };
    auto client = detail::HttpClient::create(std::move(t));
    if (!client) {
        return std::move(client).takeError();
    }
    client_ = std::move(client).value();
    deadline_ = started_ + o_.maxRunTime;

    auto pendingIds = store_.pendingReceiptIds();
    if (!pendingIds) {
        return std::move(pendingIds).takeError();
    }
    auto pendingPhotos = store_.pendingPhotos();
    if (!pendingPhotos) {
        return std::move(pendingPhotos).takeError();
    }
    auto receiptPhotos = store_.photosOfPendingReceipts();
    if (!receiptPhotos) {
        return std::move(receiptPhotos).takeError();
    }
    for (auto& p : *receiptPhotos) {
        photosByReceipt_[p.receiptId].push_back(std::move(p));
    }
    report_.receiptsQueued = static_cast<std::int64_t>(pendingIds->size());
    report_.photosQueued = static_cast<std::int64_t>(pendingPhotos->size());
    itemsTotal_ = report_.receiptsQueued + report_.photosQueued + 1;

    // 1. The clock (and, on the way, whether the token and the certificate are accepted).
    {
        std::deque<Job> jobs;
        jobs.push_back(timeJob());
        absorb(client_->run(std::move(jobs), deadline_));
    }
    const bool stopped = report_.authRefused || report_.tlsRefused;
    if (o_.dryRun || stopped) {
        report_.receiptsLeft = report_.receiptsQueued;
        report_.photosLeft = report_.photosQueued;
    }
    if (!o_.dryRun && !stopped) {
        // 2. Download and upload share the run: the pages go one after the other (each
        // follows its predecessor), receipts and photos fill the other slots.
        auto cursor = store_.syncState(kCursorKey);
        if (!cursor) {
            return std::move(cursor).takeError();
        }
        std::deque<Job> jobs;
        jobs.push_back(pageJob(cursor->value_or(""), 0));
        std::size_t nextId = 0;
        std::size_t nextPhoto = 0;
        const auto batch = static_cast<std::size_t>(o_.batchSize);
        auto more = [&]() -> std::optional<Job> {
            while (nextId < pendingIds->size()) {
                const std::size_t end = std::min(pendingIds->size(), nextId + batch);
                std::vector<std::string> ids(pendingIds->begin() + static_cast<long>(nextId),
                                             pendingIds->begin() + static_cast<long>(end));
                nextId = end;
                if (auto j = batchJob(std::move(ids))) {
                    return j;
                }
            }
            while (nextPhoto < pendingPhotos->size()) {
                const auto& p = (*pendingPhotos)[nextPhoto++];
                if (!digest::isSha256Hex(p.sha256)) {
                    problem("photo row with an invalid SHA-256 name skipped");
                    continue;
                }
                return headJob(p);
            }
            return std::nullopt;
        };
        absorb(client_->run(std::move(jobs), deadline_, more));
        flushMarks(true);
        auto counts = store_.outboxCounts();
        if (!counts) {
            return std::move(counts).takeError();
        }
        report_.receiptsLeft = counts->pendingReceipts;
        report_.photosLeft = counts->pendingPhotos;
    }
    const auto& s = client_->stats();
    report_.requests = s.requests;
    report_.retries = s.retries;
    report_.bytesSent = s.bytesSent;
    report_.bytesReceived = s.bytesReceived;
    report_.elapsed = SteadyClock::now() - started_;
    if (report_.deadlineReached) {
        problem("the run's time budget was spent; the rest stays queued for the next run");
    }
    saveRunState(resultWord(report_));
    progress();
    return report_;
}

}  // namespace

Result<std::string> readTokenFile(const std::string& path)
{
    if (path.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "no token file given (--token-file or RETURNSCAN_TOKEN_FILE)");
    }
    // O_NOFOLLOW: a symlink could point the check at one file and the read at another.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "cannot open token file '" + core::displaySafe(path) +
                                            "': " + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return makeError(ErrorCode::Io,
                         "cannot stat token file: " + std::string(std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
        return makeError(ErrorCode::InvalidArgument, "token file is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return makeError(ErrorCode::InvalidArgument,
                         "token file '" + core::displaySafe(path) + "' has mode " + mode +
                             "; it must be readable by its owner only (chmod 600)");
    }
    if (st.st_uid != ::geteuid()) {
        return makeError(ErrorCode::InvalidArgument,
                         "token file '" + core::displaySafe(path) + "' is not owned by this user");
    }
    std::string text(4097, '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        const auto n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return makeError(ErrorCode::Io,
                             "cannot read token file: " + std::string(std::strerror(errno)));
        }
        if (n == 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    if (got > 4096) {
        return makeError(ErrorCode::InvalidArgument, "token file is larger than 4 KiB");
    }
    text.resize(got);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    if (text.empty()) {
        return makeError(ErrorCode::InvalidArgument, "token file is empty");
    }
    for (char c : text) {
        // Visible ASCII only (RFC 6750's b64token is a subset): anything else could break the
        // header line. The message must not echo the token.
        if (c <= ' ' || c > '~') {
            return makeError(ErrorCode::InvalidArgument,
                             "token file holds characters a bearer token cannot have");
        }
    }
    return text;
}

Result<std::string> checkCentralUrl(std::string_view url, bool allowInsecureHttp)
{
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        if (!allowInsecureHttp) {
            return makeError(ErrorCode::InvalidArgument,
                             "plain http:// is refused: the token would travel in clear text "
                             "(use https://, or --allow-insecure-http for development)");
        }
        rest = url.substr(7);
    } else {
        return makeError(ErrorCode::InvalidArgument, "central URL must start with https:// (got '" +
                                                         core::displaySafe(url) + "')");
    }
    const auto hostEnd = rest.find('/');
    const auto host = rest.substr(0, hostEnd);
    if (host.empty() || host.find('@') != std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument,
                         "central URL needs a host and no user name or password");
    }
    if (url.find_first_of("?# \t\r\n") != std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument,
                         "central URL must not have a query, fragment or spaces");
    }
    std::string out(url);
    while (out.ends_with('/')) {
        out.pop_back();
    }
    return out;
}

Result<SyncReport> runSync(store::SqliteStore& store, const SyncOptions& options,
                           const core::Clock& clock)
{
    try {
        const core::Logger log(core::LogCategory::Sync);
        log.notice("sync run started", {.fields = {{"central", core::displaySafe(
                                                                   options.centralUrl)}}});
        Run run(store, options, clock);
        auto r = run.go();
        auto& central = centralSpell();
        std::lock_guard lock(central.mutex);
        if (!r) {
            (void)central.spell.failed("sync run failed: " + r.error().message);
            return r;
        }
        const SyncReport& rep = *r;
        const std::string result = resultWord(rep);
        log.notice(
            "sync run finished: " + result + "; receipts " + std::to_string(rep.receiptsAccepted) +
                " accepted, " + std::to_string(rep.receiptsLeft) + " left; photos " +
                std::to_string(rep.photosUploaded) + " uploaded, " +
                std::to_string(rep.photosLeft) + " left; " + std::to_string(rep.codesInserted) +
                " codes new, " + std::to_string(rep.codesUpdated) + " updated",
            {.fields = {{"result", result},
                        {"receipts_accepted", std::to_string(rep.receiptsAccepted)},
                        {"receipts_duplicate", std::to_string(rep.receiptsDuplicate)},
                        {"receipts_rejected", std::to_string(rep.receiptsRejected)},
                        {"receipts_left", std::to_string(rep.receiptsLeft)},
                        {"photos_uploaded", std::to_string(rep.photosUploaded)},
                        {"photos_left", std::to_string(rep.photosLeft)},
                        {"codes_inserted", std::to_string(rep.codesInserted)},
                        {"codes_updated", std::to_string(rep.codesUpdated)},
                        {"requests", std::to_string(rep.requests)},
                        {"retries", std::to_string(rep.retries)}},
             .key = "run-finished"});
        if (rep.complete() || (options.dryRun && rep.problems.empty())) {
            (void)central.spell.recovered("sync works again");
        } else {
            (void)central.spell.failed(
                "sync run " + result +
                (rep.problems.empty() ? std::string() : ": " + rep.problems.front()));
        }
        return r;
    } catch (const std::exception& e) {
        // Nothing thrown crosses the module boundary (nlohmann, std::bad_alloc, ...).
        return makeError(ErrorCode::Internal, std::string("sync failed: ") + e.what());
    }
}

}  // namespace returnscan::sync
