/*
 * serve/metrics.c - what /metrics counts: requests by route and status and
 * a latency histogram, in memory (lock-free counters), and the figures read
 * from the store when scraped (cases by state, overdue notices, the
 * blocklist's version and size), in Prometheus's text format.
 */
#include "serve/server_int.h"
#include "store/store.h"
#include "serve/throttle.h"
#include "serve/routes.h"
#include "case/account.h"
#include <stdatomic.h>

#define NSTATUS 500                     /* 100..599 */

static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                  2.5, 5, 10 };
#define NB (sizeof bounds / sizeof bounds[0])

static atomic_ulong *counts;            /* (nroutes + 1) x NSTATUS; the last row: no route */
static size_t nroutes;
static atomic_ulong hist[NB + 1];
static atomic_ulong hist_count;
static atomic_ulong hist_sum_us;

int kz__metrics_init(void)
{
    nroutes = kz__serve_nroutes();
    counts = calloc((nroutes + 1) * NSTATUS, sizeof *counts);
    return counts ? 0 : KZ_ENOMEM;
}

void kz__metrics_free(void)
{
    free(counts);
    counts = NULL;
}

void kz__metrics_observe(const kz_req *rq, double secs)
{
    if (!counts || !rq->answered || rq->status < 100 || rq->status > 599)
        return;
    size_t row = rq->route ? rq->route_index : nroutes;
    if (row > nroutes)
        row = nroutes;
    atomic_fetch_add(&counts[row * NSTATUS + (rq->status - 100)], 1);
    size_t b = 0;
    while (b < NB && secs > bounds[b])
        b++;
    atomic_fetch_add(&hist[b], 1);
    atomic_fetch_add(&hist_count, 1);
    atomic_fetch_add(&hist_sum_us, (unsigned long)(secs * 1e6));
}

static int store_figures(kz_store *s, kz_buf *b)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    char now[21];
    int64_t n = 0;
    int rc = kz_buf_adds(b, "# HELP kuzet_cases Cases by state.\n# TYPE kuzet_cases gauge\n");
    if (rc || (rc = kz_db_query(db, "SELECT state, COUNT(*) FROM cases GROUP BY state "
                                    "ORDER BY state", NULL, 0, &r)))
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        const char *st = kz_dbres_text(r, 0, NULL);
        if ((rc = kz_buf_addf(b, "kuzet_cases{state=\"%s\"} %lld\n", st ? st : "",
                              (long long)kz_dbres_int(r, 1))))
            break;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return rc;
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(now) };
    if ((rc = kz_db_int(db, "SELECT COUNT(*) FROM notices WHERE complied_at IS NULL AND "
                            "deadline < $1", p, 1, &n)))
        return rc;
    rc = kz_buf_addf(b, "# HELP kuzet_notices_overdue Notices past their deadline without "
                        "compliance.\n# TYPE kuzet_notices_overdue gauge\n"
                        "kuzet_notices_overdue %lld\n", (long long)n);
    if (rc || (rc = kz_db_query(db, "SELECT serial, entries FROM blocklist_versions ORDER BY "
                                    "serial DESC LIMIT 1", NULL, 0, &r)))
        return rc;
    long long serial = 0, entries = 0;
    if (kz_dbres_next(r) == 1) {
        serial = (long long)kz_dbres_int(r, 0);
        entries = (long long)kz_dbres_int(r, 1);
    }
    kz_dbres_done(r);
    return kz_buf_addf(b, "# HELP kuzet_blocklist_serial The published blocklist's version "
                          "(its RPZ serial; 0: none yet).\n# TYPE kuzet_blocklist_serial gauge\n"
                          "kuzet_blocklist_serial %lld\n"
                          "# HELP kuzet_blocklist_entries Entries of that version.\n"
                          "# TYPE kuzet_blocklist_entries gauge\nkuzet_blocklist_entries %lld\n",
                       serial, entries);
}

/* GET /metrics */
int kz__metrics_route(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int rc = kz_req_query_check(rq, none);
    if (rc)
        return rc;
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_buf_adds(&b, "# HELP kuzet_http_requests_total HTTP requests answered, by route "
                         "and status.\n# TYPE kuzet_http_requests_total counter\n");
    for (size_t i = 0; i <= nroutes && !rc; i++) {
        const kz_route *r = i < nroutes ? kz__serve_route_at(i) : NULL;
        for (unsigned st = 0; st < NSTATUS && !rc; st++) {
            unsigned long v = atomic_load(&counts[i * NSTATUS + st]);
            if (v)
                rc = kz_buf_addf(&b, "kuzet_http_requests_total{route=\"%s %s\",status=\"%u\"} "
                                 "%lu\n", r ? r->method : "-", r ? r->path : "unmatched",
                                 st + 100, v);
        }
    }
    if (!rc)
        rc = kz_buf_adds(&b, "# HELP kuzet_http_request_duration_seconds Time from a request's "
                             "first byte to its answer.\n"
                             "# TYPE kuzet_http_request_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (size_t i = 0; i <= NB && !rc; i++) {
        cum += atomic_load(&hist[i]);
        if (i < NB)
            rc = kz_buf_addf(&b, "kuzet_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                             bounds[i], cum);
        else
            rc = kz_buf_addf(&b, "kuzet_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n"
                             "kuzet_http_request_duration_seconds_sum %.6f\n"
                             "kuzet_http_request_duration_seconds_count %lu\n", cum,
                             (double)atomic_load(&hist_sum_us) / 1e6, atomic_load(&hist_count));
    }
    unsigned long failed = 0, refused = 0;
    kz_throttle_counts(&failed, &refused);
    if (!rc)
        rc = kz_buf_addf(&b, "# HELP kuzet_login_failures_total Log-ins refused for a wrong name "
                             "or password.\n# TYPE kuzet_login_failures_total counter\n"
                             "kuzet_login_failures_total %lu\n"
                             "# HELP kuzet_login_throttled_total Log-ins refused with 429 by the "
                             "throttle (per process), before any password check.\n"
                             "# TYPE kuzet_login_throttled_total counter\n"
                             "kuzet_login_throttled_total %lu\n"
                             "# HELP kuzet_password_checks_total Argon2id verifications (one per "
                             "log-in that reached the password check).\n"
                             "# TYPE kuzet_password_checks_total counter\n"
                             "kuzet_password_checks_total %lu\n",
                         failed, refused, kz_account_verifications());
    unsigned long rq_reads = 0, bg_reads = 0;
    kz_serve_public_reads(&rq_reads, &bg_reads);
    if (!rc)
        rc = kz_buf_addf(&b, "# HELP kuzet_blocklist_reads_total Reads of the blocklist in "
                             "effect, by a request (the first) or by the background reader.\n"
                             "# TYPE kuzet_blocklist_reads_total counter\n"
                             "kuzet_blocklist_reads_total{by=\"request\"} %lu\n"
                             "kuzet_blocklist_reads_total{by=\"background\"} %lu\n",
                         rq_reads, bg_reads);
    if (!rc)
        rc = store_figures(s, &b);
    if (rc)
        rc = kz_resp_fail(rq, rc, rc == KZ_EDB ? kz_db_errmsg(kz_store_db(s)) : NULL);
    else
        rc = kz_resp_buf(rq, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
    kz_buf_release(&b);
    return rc;
}
