// SPDX-License-Identifier: Apache-2.0
// The libcurl transport: one multi handle, at most N transfers in flight, retries and deadline.
#include "http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "returnscan/core/code_format.h"

namespace returnscan::sync::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::once_flag gCurlInit;

void log(const TransportOptions& o, LogLevel level, std::string_view text)
{
    if (o.logger) {
        o.logger(level, text);
    }
}

/// One request on the wire. Heap-allocated and never moved: curl holds pointers into it (the
/// body, the error buffer, the header list).
struct Transfer {
    Job job;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string url;
    HttpResponse response;
    std::size_t cap = 0;
    Clock::time_point started{};
    std::array<char, CURL_ERROR_SIZE> errorBuffer{};

    Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;
    ~Transfer()
    {
        if (easy != nullptr) {
            curl_easy_cleanup(easy);
        }
        curl_slist_free_all(headers);
    }
};

size_t onBody(char* data, size_t size, size_t count, void* user)
{
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    // The cap protects the station from a server (or something in between) that sends far more
    // than any valid answer could be: stop reading instead of growing without bound.
    if (t->response.body.size() + n > t->cap) {
        t->response.tooLarge = true;
        return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    t->response.body.append(data, n);
    return n;
}

int onDebug(CURL* /*easy*/, curl_infotype type, char* data, size_t size, void* user)
{
    const auto* o = static_cast<const TransportOptions*>(user);
    std::string_view text(data, size);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    switch (type) {
        case CURLINFO_TEXT:
            log(*o, LogLevel::Debug, "curl: " + std::string(text));
            break;
        case CURLINFO_HEADER_OUT:
            // The request headers carry the bearer token: redact before anything sees them.
            log(*o, LogLevel::Debug, "> " + redactAuthorization(text));
            break;
        case CURLINFO_HEADER_IN:
            log(*o, LogLevel::Debug, "< " + redactAuthorization(text));
            break;
        default:
            break;  // bodies are not logged: photos are large and receipts are personal data
    }
    return 0;
}

[[nodiscard]] bool isCertificateProblem(CURLcode rc)
{
    switch (rc) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
            return true;
        default:
            return false;
    }
}

[[nodiscard]] std::optional<std::chrono::seconds> retryAfterOf(CURL* easy)
{
    curl_header* h = nullptr;
    if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
        h == nullptr || h->value == nullptr) {
        return std::nullopt;
    }
    // Only the delay-seconds form; an HTTP-date falls back to our own backoff (documented).
    std::string_view v(h->value);
    while (!v.empty() && v.front() == ' ') {
        v.remove_prefix(1);
    }
    long long seconds = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec != std::errc() || seconds < 0) {
        return std::nullopt;
    }
    return std::chrono::seconds(std::min<long long>(seconds, 24 * 3600));
}

}  // namespace

std::string redactAuthorization(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        std::string lower;
        for (char c : line.substr(0, 24)) {
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (lower.starts_with("authorization:") || lower.starts_with("proxy-authorization:")) {
            out += line.substr(0, line.find(':') + 1);
            out += " [redacted]";
            if (!line.empty() && line.back() == '\r') {
                out += '\r';
            }
        } else {
            out += line;
        }
        if (eol == std::string_view::npos) {
            break;
        }
        out += '\n';
        text.remove_prefix(eol + 1);
    }
    return out;
}

std::chrono::milliseconds Backoff::next(std::optional<std::chrono::seconds> retryAfter)
{
    const int shift = std::min(failures_, 20);
    ++failures_;
    const auto ceiling =
        std::min<std::int64_t>(cap_.count(), initial_.count() * (std::int64_t{1} << shift));
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
    auto wait = std::chrono::milliseconds(pick(rng_));
    if (retryAfter) {
        // Honour the server's figure as a floor, plus a little jitter so that stations told the
        // same number do not come back in the same millisecond.
        std::uniform_int_distribution<std::int64_t> extra(0, 250);
        wait = std::max<std::chrono::milliseconds>(
            wait, std::chrono::duration_cast<std::chrono::milliseconds>(*retryAfter) +
                      std::chrono::milliseconds(extra(rng_)));
    }
    return wait;
}

struct HttpClient::Impl {
    TransportOptions o;
    CURLM* multi = nullptr;
    Backoff backoff;
    std::string authHeader;
    std::string stationHeader;
    bool https = true;

    explicit Impl(TransportOptions opts)
        : o(std::move(opts)), backoff(o.backoffInitial, o.backoffCap, std::random_device{}())
    {
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl()
    {
        if (multi != nullptr) {
            curl_multi_cleanup(multi);
        }
    }

    [[nodiscard]] std::unique_ptr<Transfer> start(Job job, Clock::time_point deadline);
};

std::unique_ptr<Transfer> HttpClient::Impl::start(Job job, Clock::time_point deadline)
{
    auto t = std::make_unique<Transfer>();
    t->job = std::move(job);
    t->easy = curl_easy_init();
    if (t->easy == nullptr) {
        return nullptr;
    }
    t->url = o.baseUrl + t->job.request.target;
    t->cap = t->job.request.maxResponseBytes;
    t->started = Clock::now();
    const auto& rq = t->job.request;
    CURL* e = t->easy;

    t->headers = curl_slist_append(t->headers, authHeader.c_str());
    t->headers = curl_slist_append(t->headers, stationHeader.c_str());
    t->headers = curl_slist_append(t->headers, "Accept: application/json");
    // No "Expect: 100-continue": it costs a round trip per large body for nothing here.
    t->headers = curl_slist_append(t->headers, "Expect:");
    if (!rq.contentType.empty()) {
        t->headers = curl_slist_append(t->headers, ("Content-Type: " + rq.contentType).c_str());
    }

    curl_easy_setopt(e, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errorBuffer.data());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, o.allowInsecureHttp ? "https,http" : "https");
    // A redirect would carry the token to wherever it points: never follow one.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    // HTTP/2 only when negotiated by ALPN over TLS; plain http stays HTTP/1.1 (never h2c:
    // libcurl 7.88 breaks on reused h2c connections, FIELD-FACTS section 5).
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     https ? static_cast<long>(CURL_HTTP_VERSION_2TLS)
                           : static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!o.caFile.empty()) {
        curl_easy_setopt(e, CURLOPT_CAINFO, o.caFile.c_str());
    }
    if (!o.caPath.empty()) {
        curl_easy_setopt(e, CURLOPT_CAPATH, o.caPath.c_str());
    }
    if (!o.pinnedPublicKey.empty()) {
        curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, o.pinnedPublicKey.c_str());
    }
    // Loopback never goes through a proxy from the environment.
    curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connectTimeout.count()));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o.lowSpeedBytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.lowSpeedTime.count()));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - t->started);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<std::int64_t>(1, left.count())));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "returnscan-sync/0.1");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t->cap));
    if (o.debug) {
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, onDebug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, &o);
    }
    if (rq.method == "HEAD") {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (rq.method == "POST" || rq.method == "PUT") {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq.body.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rq.body.size()));
        if (rq.method == "PUT") {
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
        }
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    if (curl_multi_add_handle(multi, e) != CURLM_OK) {
        return nullptr;
    }
    log(o, LogLevel::Debug, "request: " + rq.method + " " + rq.target);
    return t;
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}

HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::create(TransportOptions options)
{
    std::call_once(gCurlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    const bool https = options.baseUrl.starts_with("https://");
    if (!https && !(options.allowInsecureHttp && options.baseUrl.starts_with("http://"))) {
        return makeError(ErrorCode::InvalidArgument, "central URL must be https://");
    }
    for (char c : options.token) {
        // A control character would let the token split the header (request smuggling).
        if (c <= ' ' || c == 0x7f) {
            return makeError(ErrorCode::InvalidArgument,
                             "the token contains a space or control character");
        }
    }
    options.maxInFlight = std::clamp(options.maxInFlight, 1, 4);
    auto impl = std::make_unique<Impl>(std::move(options));
    impl->https = https;
    impl->authHeader = "Authorization: Bearer " + impl->o.token;
    impl->stationHeader = "X-Station-Id: " + impl->o.stationId;
    impl->multi = curl_multi_init();
    if (impl->multi == nullptr) {
        return makeError(ErrorCode::Internal, "curl_multi_init failed");
    }
    const long n = impl->o.maxInFlight;
    curl_multi_setopt(impl->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
    curl_multi_setopt(impl->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, n);
    curl_multi_setopt(impl->multi, CURLMOPT_MAXCONNECTS, n);
    // h2 multiplexing would put up to 4 streams on one connection; the in-flight limit (ours)
    // holds either way.
    curl_multi_setopt(impl->multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
    return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

RunOutcome HttpClient::run(std::deque<Job> jobs, Clock::time_point deadline,
                           std::function<std::optional<Job>()> more)
{
    auto& o = impl_->o;
    RunOutcome out;
    std::deque<Job>& ready = jobs;
    std::multimap<Clock::time_point, Job> waiting;  // retries, by when they may go again
    Clock::time_point pausedUntil{};
    std::map<CURL*, std::unique_ptr<Transfer>> active;
    bool stop = false;

    auto enqueue = [&](Job j) { ready.push_back(std::move(j)); };
    auto retryLater = [&](Job job, std::optional<std::chrono::seconds> retryAfter,
                          const std::string& why) {
        ++stats_.retries;
        ++job.attempts;
        const auto wait = impl_->backoff.next(retryAfter);
        const auto when = Clock::now() + wait;
        log(o, LogLevel::Warning,
            job.request.label + ": " + why + "; retrying in " + std::to_string(wait.count()) +
                " ms (attempt " + std::to_string(job.attempts + 1) + ")");
        // Everyone waits: the server (or the path to it) is struggling, not just this request.
        pausedUntil = std::max(pausedUntil, when);
        waiting.emplace(when, std::move(job));
    };

    auto finish = [&](std::unique_ptr<Transfer> t, CURLcode rc) {
        CURL* e = t->easy;
        auto& resp = t->response;
        curl_off_t up = 0;
        curl_off_t down = 0;
        curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
        curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
        stats_.bytesSent += static_cast<std::uint64_t>(std::max<curl_off_t>(up, 0));
        stats_.bytesReceived += static_cast<std::uint64_t>(std::max<curl_off_t>(down, 0));
        const auto& label = t->job.request.label;
        if (rc != CURLE_OK) {
            resp.status = 0;
            resp.transportError = t->errorBuffer[0] != '\0' ? std::string(t->errorBuffer.data())
                                                            : curl_easy_strerror(rc);
            resp.certificateProblem = isCertificateProblem(rc);
        } else {
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp.status);
            resp.retryAfter = retryAfterOf(e);
        }
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t->started);
        log(o, LogLevel::Debug,
            label + ": " +
                (resp.status != 0 ? "HTTP " + std::to_string(resp.status)
                                  : "failed: " + resp.transportError) +
                " in " + std::to_string(ms.count()) + " ms");
        Job job = std::move(t->job);
        // `resp` lives in `t`, which stays alive until this function returns.
        if (o.onFinished) {
            o.onFinished();
        }

        if (resp.tooLarge) {
            log(o, LogLevel::Error, label + ": response larger than the cap; left for next run");
            ++out.leftQueued;
            return;
        }
        if (resp.certificateProblem) {
            log(o, LogLevel::Error,
                "TLS: the server's certificate was refused: " + resp.transportError);
            out.tlsRefused = true;
            out.stopMessage = resp.transportError;
            ++out.leftQueued;
            stop = true;
            return;
        }
        if (resp.status == 401 || resp.status == 403) {
            out.authRefused = true;
            out.stopMessage = "HTTP " + std::to_string(resp.status) + " " +
                              core::displaySafe(resp.body.substr(0, 200));
            log(o, LogLevel::Error,
                "the central system refused the token (" + out.stopMessage +
                    "); stopping this run");
            ++out.leftQueued;
            stop = true;
            return;
        }
        if (resp.status == 0 || resp.status == 429 || resp.status >= 500) {
            retryLater(
                std::move(job), resp.retryAfter,
                resp.status == 0 ? resp.transportError : "HTTP " + std::to_string(resp.status));
            return;
        }
        if (resp.status >= 300 && resp.status < 400) {
            log(o, LogLevel::Error,
                label + ": HTTP " + std::to_string(resp.status) +
                    " redirect not followed (the token must not travel); left for next run");
            ++out.leftQueued;
            return;
        }
        const Verdict v = job.handler ? job.handler(resp, enqueue) : Verdict::Done;
        switch (v) {
            case Verdict::Done:
                ++out.finished;
                impl_->backoff.reset();
                break;
            case Verdict::Retry:
                retryLater(std::move(job), std::nullopt, "unusable answer");
                break;
            case Verdict::GiveUp:
                ++out.leftQueued;
                break;
        }
    };

    for (;;) {
        auto now = Clock::now();
        if (!stop && now >= deadline) {
            out.deadlineReached = true;
            stop = true;
        }
        if (stop) {
            break;
        }
        // Retries whose time has come go first: they are the oldest work.
        while (!waiting.empty() && waiting.begin()->first <= now) {
            ready.push_front(std::move(waiting.begin()->second));
            waiting.erase(waiting.begin());
        }
        while (static_cast<int>(active.size()) < o.maxInFlight && now >= pausedUntil) {
            if (ready.empty() && more) {
                if (auto j = more()) {
                    ready.push_back(std::move(*j));
                } else {
                    more = nullptr;
                }
            }
            if (ready.empty()) {
                break;
            }
            Job job = std::move(ready.front());
            ready.pop_front();
            ++stats_.requests;
            auto t = impl_->start(std::move(job), deadline);
            if (!t) {
                out.stopMessage = "curl could not start a request";
                stop = true;
                break;
            }
            CURL* e = t->easy;
            active.emplace(e, std::move(t));
        }
        if (active.empty() && ready.empty() && waiting.empty() && !more) {
            break;
        }
        if (active.empty()) {
            // Nothing on the wire: sleep until a retry is due or the pause ends, unless that is
            // past the deadline (then the rest waits for the next run).
            auto wake = pausedUntil;
            if (ready.empty() && !waiting.empty()) {
                wake = std::max(wake, waiting.begin()->first);
            }
            if (wake >= deadline) {
                out.deadlineReached = true;
                break;
            }
        }
        int running = 0;
        curl_multi_perform(impl_->multi, &running);
        int queued = 0;
        while (CURLMsg* m = curl_multi_info_read(impl_->multi, &queued)) {
            if (m->msg != CURLMSG_DONE) {
                continue;
            }
            CURL* e = m->easy_handle;
            const CURLcode rc = m->data.result;
            curl_multi_remove_handle(impl_->multi, e);
            auto it = active.find(e);
            if (it == active.end()) {
                continue;
            }
            auto t = std::move(it->second);
            active.erase(it);
            finish(std::move(t), rc);
        }
        if (stop) {
            break;
        }
        // Wait for socket activity, at most until the next thing due (retry, pause end).
        auto next = Clock::now() + std::chrono::milliseconds(100);
        if (!waiting.empty()) {
            next = std::min(next, waiting.begin()->first);
        }
        if (pausedUntil > Clock::now()) {
            next = std::min(next, pausedUntil);
        }
        const auto waitMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
        // Poll only when there is nothing to start right now: a finished transfer may have
        // queued a follow-up (or freed a slot), which must go out without a 100 ms nap.
        const bool canStart = static_cast<int>(active.size()) < o.maxInFlight &&
                              Clock::now() >= pausedUntil && (!ready.empty() || more);
        const bool allDone = active.empty() && ready.empty() && waiting.empty() && !more;
        if (!canStart && !allDone && (!active.empty() || waitMs.count() > 0)) {
            curl_multi_poll(impl_->multi, nullptr, 0,
                            static_cast<int>(std::clamp<std::int64_t>(waitMs.count(), 0, 100)),
                            nullptr);
        }
    }
    // Whatever is still in flight is abandoned; it stays queued in the store.
    for (auto& [e, t] : active) {
        curl_multi_remove_handle(impl_->multi, e);
        ++out.leftQueued;
    }
    active.clear();
    out.leftQueued += static_cast<std::int64_t>(ready.size() + waiting.size());
    return out;
}

}  // namespace returnscan::sync::detail
