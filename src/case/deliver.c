/*
 * case/deliver.c - notices delivered by e-mail (libcurl SMTP) and JSON POST
 * (libcurl HTTP), each attempt recorded with its backoff; escalation to
 * the legal representative; answers; the lists (case/deliver.h).
 */
#include "case/deliver.h"
#include "case/notice_text.h"
#include "case/platform.h"
#include "case/case_int.h"
#include <curl/curl.h>
#include <sodium.h>

#define RESPONSE_MAX (64u << 10)

/* ---- the network --------------------------------------------------------- */

struct upload {
    const char *p;
    size_t      len, off;
};

static size_t upload_read(char *buf, size_t size, size_t nmemb, void *ctx)
{
    struct upload *u = ctx;
    size_t n = size * nmemb, left = u->len - u->off;
    if (n > left)
        n = left;
    memcpy(buf, u->p + u->off, n);
    u->off += n;
    return n;
}

static size_t response_write(char *p, size_t size, size_t nmemb, void *ctx)
{
    kz_buf *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n > RESPONSE_MAX)
        return n;               /* the rest is dropped: an answer is short */
    return kz_buf_add(b, p, n) ? 0 : n;
}

/* Send msg to rcpt through the SMTP server; 0, or an error in err. */
static int smtp_send(const kz_deliver_opts *o, const char *rcpt, const kz_buf *msg, char *err,
                     size_t errsz)
{
    CURL *h = curl_easy_init();
    struct curl_slist *to = NULL;
    char from[300], to_addr[300], ebuf[CURL_ERROR_SIZE] = "";
    struct upload u = { msg->p, msg->len, 0 };
    int rc = 0;
    snprintf(from, sizeof from, "<%s>", o->from);
    snprintf(to_addr, sizeof to_addr, "<%s>", rcpt);
    if (!h || !(to = curl_slist_append(NULL, to_addr))) {
        snprintf(err, errsz, "out of memory");
        rc = KZ_ENOMEM;
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_URL, o->smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 20000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code)
            snprintf(err, errsz, "SMTP %ld: %s", code, ebuf[0] ? ebuf : curl_easy_strerror(cc));
        else
            snprintf(err, errsz, "SMTP: %s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
        rc = KZ_EIO;
    }
out:
    curl_slist_free_all(to);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}

/* POST json to url; 0 on a 2xx answer (its body in resp), or an error. */
static int http_post(const kz_deliver_opts *o, const char *url, const kz_buf *json, kz_buf *resp,
                     char *err, size_t errsz)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    char ebuf[CURL_ERROR_SIZE] = "";
    int rc = 0;
    if (!h || !(hd = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8"))) {
        snprintf(err, errsz, "out of memory");
        rc = KZ_ENOMEM;
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json->p);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)json->len);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "kuzet/" KZ_VERSION " (notices)");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, response_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 20000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK) {
        snprintf(err, errsz, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
        rc = KZ_EIO;
    } else if (code < 200 || code > 299) {
        snprintf(err, errsz, "HTTP %ld", code);
        rc = KZ_EIO;
    }
out:
    curl_slist_free_all(hd);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}

/* ---- what is due --------------------------------------------------------- */

/* The attempts so far on (notice, kind, channel): how many, whether one
 * was delivered, and the next attempt's time of the last failure ("" when
 * given up). */
typedef struct dstate {
    int64_t attempts;
    int     sent;
    char    next_at[21];
} dstate;

static int dstate_load(kz_actor *a, int64_t nid, const char *kind, const char *channel,
                       dstate *d)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(nid), kz_dbstr(kind), kz_dbstr(channel) };
    memset(d, 0, sizeof *d);
    int rc = kz_db_query(kz_store_db(a->s), "SELECT attempt, status, next_at FROM "
                         "notice_deliveries WHERE notice_id = $1 AND kind = $2 AND channel = $3 "
                         "ORDER BY attempt", p, 3, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the deliveries");
    while ((rc = kz_dbres_next(r)) == 1) {
        char st[16];
        d->attempts = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, st, sizeof st);
        if (!strcmp(st, "sent"))
            d->sent = 1;
        kz__col_copy(r, 2, d->next_at, sizeof d->next_at);
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the deliveries") : 0;
}

static int is_due(const dstate *d, const char *now)
{
    if (d->sent)
        return 0;
    if (!d->attempts)
        return 1;
    return d->next_at[0] && strcmp(d->next_at, now) <= 0;
}

/* ---- one attempt --------------------------------------------------------- */

static int64_t backoff(const kz_deliver_opts *o, int64_t attempt)
{
    int64_t b = o->backoff_secs > 0 ? o->backoff_secs : KZ_DELIVER_BACKOFF_SECS;
    for (int64_t i = 1; i < attempt && b < KZ_DELIVER_BACKOFF_MAX; i++)
        b *= 2;
    return b < KZ_DELIVER_BACKOFF_MAX ? b : KZ_DELIVER_BACKOFF_MAX;
}

static int record(kz_actor *a, const kz_deliver_opts *o, int64_t nid, const char *kind,
                  const char *channel, const char *rcpt, int64_t attempt, const char *now,
                  int ok, const char *err, const char *msgid, const char *answer,
                  kz_deliver_stats *st)
{
    int max = o->max_attempts > 0 ? o->max_attempts : KZ_DELIVER_MAX_ATTEMPTS;
    char next[21] = "";
    time_t t;
    if (!ok && attempt < max && !kz__time_parse(now, &t))
        kz__time_fmt(t + (time_t)backoff(o, attempt), next);
    const char *status = ok ? "sent" : next[0] ? "failed" : "gave_up";
    kz_dbval p[] = { kz_dbint(nid), kz_dbstr(kind), kz_dbstr(channel), kz_dbstr(rcpt),
                     kz_dbint(attempt), kz_dbstr(now), kz_dbstr(status),
                     ok ? kz_dbnull() : kz_dbstr(err), next[0] ? kz_dbstr(next) : kz_dbnull(),
                     msgid && *msgid ? kz_dbstr(msgid) : kz_dbnull() };
    int64_t did = 0, aid = 0;
    int rc = kz__begin(a);
    if (rc)
        return rc;
    if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO notice_deliveries (notice_id, kind, "
                        "channel, recipient, attempt, at, status, error, next_at, message_id) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                        p, 10, &did))) {
        rc = kz__dbfail(a, rc, "recording the delivery");
        goto end;
    }
    kz_jw j;
    kz_jw_init(&j);
    kz_jw_raw(&j, "{");
    kz_jw_int(&j, "delivery_id", did);
    kz_jw_str(&j, "kind", kind);
    kz_jw_str(&j, "channel", channel);
    kz_jw_str(&j, "recipient", rcpt);
    kz_jw_int(&j, "attempt", attempt);
    kz_jw_str(&j, "status", status);
    kz_jw_str(&j, "error", ok ? NULL : err);
    kz_jw_str(&j, "next_at", next[0] ? next : NULL);
    kz_jw_str(&j, "message_id", msgid && *msgid ? msgid : NULL);
    kz_jw_raw(&j, "}");
    rc = j.rc ? j.rc : kz_store_audit(a->s, a->name, "notice.deliver", "notice", nid, NULL, j.b.p);
    kz_jw_release(&j);
    if (rc) {
        rc = kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
        goto end;
    }
    if (answer && *answer) {
        kz_dbval q[] = { kz_dbint(nid), kz_dbstr(now), kz_dbstr(answer) };
        if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO notice_answers (notice_id, at, via, "
                            "text) VALUES ($1, $2, 'api', $3) RETURNING id", q, 3, &aid))) {
            rc = kz__dbfail(a, rc, "recording the answer");
            goto end;
        }
        kz_jw_init(&j);
        kz_jw_raw(&j, "{");
        kz_jw_int(&j, "answer_id", aid);
        kz_jw_str(&j, "via", "api");
        kz_jw_str(&j, "at", now);
        kz_jw_str(&j, "text", answer);
        kz_jw_raw(&j, "}");
        rc = j.rc ? j.rc : kz_store_audit(a->s, a->name, "notice.answer", "notice", nid, NULL,
                                          j.b.p);
        kz_jw_release(&j);
        if (rc)
            rc = kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    }
end:
    rc = kz__end(a, rc);
    if (!rc) {
        st->attempts++;
        if (ok) {
            st->sent++;
            if (!strcmp(kind, "escalation"))
                st->escalations++;
        } else {
            st->failed++;
        }
        if (aid)
            st->answers++;
    }
    return rc;
}

/* The domain of the sender's address, for Message-IDs. */
static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "kuzet.invalid";
}

static int attempt_email(kz_actor *a, const kz_deliver_opts *o, const kz_notice_facts *f,
                         int kind, const char *rcpt, const dstate *d, const char *now,
                         kz_deliver_stats *st)
{
    kz_buf msg;
    unsigned char rnd[8];
    char msgid[160], err[512] = "";
    randombytes_buf(rnd, sizeof rnd);
    snprintf(msgid, sizeof msgid, "kuzet.notice.%lld.%s.%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s",
             (long long)f->notice_id, kind == KZ_NOTICE_ESCALATION ? "escalation" : "notice",
             (long long)d->attempts + 1, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
             rnd[7], domain_of(o->from));
    kz_buf_init(&msg, 4u << 20);
    int rc = kz_notice_email(f, kind, o->from, rcpt, now, msgid, &msg);
    if (rc)
        snprintf(err, sizeof err, "the message could not be made: %s", kz_strerror(rc));
    else
        rc = smtp_send(o, rcpt, &msg, err, sizeof err);
    kz_buf_release(&msg);
    return record(a, o, f->notice_id, kind == KZ_NOTICE_ESCALATION ? "escalation" : "notice",
                  "email", rcpt, d->attempts + 1, now, rc == 0, err, msgid, NULL, st);
}

static int attempt_api(kz_actor *a, const kz_deliver_opts *o, const kz_notice_facts *f,
                       const dstate *d, const char *now, kz_deliver_stats *st)
{
    kz_buf json, resp, answer;
    char err[512] = "";
    kz_buf_init(&json, 4u << 20);
    kz_buf_init(&resp, RESPONSE_MAX + 1);
    kz_buf_init(&answer, 1u << 16);
    int rc = kz_notice_json(f, KZ_NOTICE_PLAIN, &json);
    if (rc)
        snprintf(err, sizeof err, "the body could not be made: %s", kz_strerror(rc));
    else
        rc = http_post(o, f->endpoint, &json, &resp, err, sizeof err);
    const char *why = NULL;
    int got = rc ? 0 : kz_notice_parse_answer(resp.p, resp.len, &answer, &why);
    rc = record(a, o, f->notice_id, "notice", "api", f->endpoint, d->attempts + 1, now, rc == 0,
                err, NULL, got == 1 ? answer.p : NULL, st);
    kz_buf_release(&json);
    kz_buf_release(&resp);
    kz_buf_release(&answer);
    return rc;
}

/* ---- the pass ------------------------------------------------------------ */

static int pass(kz_actor *a, const kz_deliver_opts *o, const char *now, int escalations,
                kz_deliver_stats *st)
{
    int64_t *ids = NULL;
    size_t n = 0;
    kz_dbval p[] = { kz_dbstr(now) };
    int rc = kz_db_ids(kz_store_db(a->s), escalations
        ? "SELECT n.id FROM notices n JOIN decisions d ON d.id = n.decision_id JOIN platforms p "
          "ON p.id = n.platform_id WHERE n.complied_at IS NULL AND d.reversed_at IS NULL AND "
          "n.deadline < $1 AND p.legal_rep_email IS NOT NULL ORDER BY n.id"
        : "SELECT n.id FROM notices n JOIN decisions d ON d.id = n.decision_id JOIN platforms p "
          "ON p.id = n.platform_id WHERE n.complied_at IS NULL AND d.reversed_at IS NULL AND "
          "(p.notice_contact IS NOT NULL OR p.api_endpoint IS NOT NULL) AND $1 <> '' "
          "ORDER BY n.id", p, 1, &ids, &n);
    if (rc)
        return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                               : kz__dbfail(a, rc, "finding the notices to deliver");
    for (size_t i = 0; i < n && !rc; i++) {
        kz_notice_facts f;
        dstate d;
        if ((rc = kz_notice_facts_load(a, ids[i], &f)))
            break;
        if (escalations) {
            if (!(rc = dstate_load(a, f.notice_id, "escalation", "email", &d)) && is_due(&d, now)) {
                if (!o->smtp_url)
                    st->no_smtp++;
                else
                    rc = attempt_email(a, o, &f, KZ_NOTICE_ESCALATION, f.rep_email, &d, now, st);
            }
        } else {
            if (f.email[0] && !(rc = dstate_load(a, f.notice_id, "notice", "email", &d)) &&
                is_due(&d, now)) {
                if (!o->smtp_url)
                    st->no_smtp++;
                else
                    rc = attempt_email(a, o, &f, KZ_NOTICE_PLAIN, f.email, &d, now, st);
            }
            if (!rc && f.endpoint[0] && !(rc = dstate_load(a, f.notice_id, "notice", "api", &d)) &&
                is_due(&d, now))
                rc = attempt_api(a, o, &f, &d, now, st);
        }
        kz_notice_facts_release(&f);
    }
    free(ids);
    return rc;
}

int kz_notices_deliver(kz_actor *a, const kz_deliver_opts *o, kz_deliver_stats *st)
{
    char now[21];
    const char *why = NULL;
    memset(st, 0, sizeof *st);
    if (o->smtp_url) {
        if (strncmp(o->smtp_url, "smtp://", 7) && strncmp(o->smtp_url, "smtps://", 8))
            return kz__fail(a, KZ_EINVAL, "SMTP server '%s': an smtp:// or smtps:// URL",
                            o->smtp_url);
        if (!o->from || !kz_platform_email_ok(o->from, &why))
            return kz__fail(a, KZ_EINVAL, "sender address '%s': %s", o->from ? o->from : "",
                            why ? why : "missing (--from)");
    }
    kz__now(a, now);
    int rc = pass(a, o, now, 0, st);
    return rc ? rc : pass(a, o, now, 1, st);
}

/* ---- answers ------------------------------------------------------------- */

static int do_answer(kz_actor *a, int64_t nid, const char *text, int64_t *aid)
{
    char now[21];
    int64_t one = 0;
    int rc;
    if ((rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording an answer")) ||
        (rc = kz__text_ok(a, text, "answer", ": what the platform answered")))
        return rc;
    kz_dbval p[] = { kz_dbint(nid) };
    rc = kz_db_int(kz_store_db(a->s), "SELECT id FROM notices WHERE id = $1", p, 1, &one);
    if (rc == KZ_ENOTFOUND)
        return kz__fail(a, rc, "no notice %lld", (long long)nid);
    if (rc)
        return kz__dbfail(a, rc, "reading the notice");
    kz__now(a, now);
    kz_dbval q[] = { kz_dbint(nid), kz_dbstr(now), kz_dbint(a->id), kz_dbstr(text) };
    if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO notice_answers (notice_id, at, via, "
                        "recorded_by, text) VALUES ($1, $2, 'staff', $3, $4) RETURNING id",
                        q, 4, aid)))
        return kz__dbfail(a, rc, "recording the answer");
    kz_jw j;
    kz_jw_init(&j);
    kz_jw_raw(&j, "{");
    kz_jw_int(&j, "answer_id", *aid);
    kz_jw_str(&j, "via", "staff");
    kz_jw_str(&j, "at", now);
    kz_jw_str(&j, "text", text);
    kz_jw_raw(&j, "}");
    rc = j.rc ? j.rc : kz_store_audit(a->s, a->name, "notice.answer", "notice", nid, NULL, j.b.p);
    kz_jw_release(&j);
    return rc ? kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s)) : 0;
}

int kz_notice_answer(kz_actor *a, int64_t notice_id, const char *text, int64_t *answer_id)
{
    int64_t aid = 0;
    int rc = kz__begin(a);
    rc = rc ? rc : kz__end(a, do_answer(a, notice_id, text, &aid));
    if (!rc && answer_id)
        *answer_id = aid;
    return rc;
}

/* ---- reading ------------------------------------------------------------- */

/* "email": {"status": ..., "attempts": N, "next_at": ...} for one channel */
static int channel_json(kz_actor *a, kz_jw *j, int64_t nid, const char *key, const char *kind,
                        const char *channel, char *next_min)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(nid), kz_dbstr(kind), kz_dbstr(channel) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT attempt, status, next_at, at FROM "
                         "notice_deliveries WHERE notice_id = $1 AND kind = $2 AND channel = $3 "
                         "ORDER BY attempt DESC LIMIT 1", p, 3, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the deliveries");
    if ((rc = kz_dbres_next(r)) == 1) {
        char st[16], next[21], at[21];
        kz__col_copy(r, 1, st, sizeof st);
        kz__col_copy(r, 2, next, sizeof next);
        kz__col_copy(r, 3, at, sizeof at);
        kz_jw_key(j, key);
        kz_jw_raw(j, "{");
        kz_jw_str(j, "status", st);
        kz_jw_int(j, "attempts", kz_dbres_int(r, 0));
        kz_jw_str(j, "at", at);
        kz_jw_str(j, "next_at", next[0] ? next : NULL);
        kz_jw_raw(j, "}");
        if (next[0] && (!next_min[0] || strcmp(next, next_min) < 0))
            memcpy(next_min, next, 21);
        rc = 0;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the deliveries") : 0;
}

static int notice_line(kz_actor *a, kz_jw *j, const kz_notice_facts *f, const char *now)
{
    char next[21] = "";
    int64_t nans = 0;
    kz_dbval p[] = { kz_dbint(f->notice_id) };
    int rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM notice_answers WHERE "
                       "notice_id = $1", p, 1, &nans);
    if (rc)
        return kz__dbfail(a, rc, "reading the answers");
    kz_jw_raw(j, "{");
    kz_jw_int(j, "id", f->notice_id);
    kz_jw_int(j, "case_id", f->case_id);
    kz_jw_str(j, "platform", f->platform);
    kz_jw_str(j, "language", f->language[0] ? f->language : NULL);
    kz_jw_str(j, "sent_at", f->sent_at);
    kz_jw_str(j, "deadline", f->deadline);
    kz_jw_str(j, "complied_at", f->complied_at[0] ? f->complied_at : NULL);
    kz_jw_bool(j, "overdue", !f->complied_at[0] && strcmp(f->deadline, now) < 0);
    kz_jw_key(j, "delivery");
    kz_jw_raw(j, "{");
    if ((rc = channel_json(a, j, f->notice_id, "email", "notice", "email", next)) ||
        (rc = channel_json(a, j, f->notice_id, "api", "notice", "api", next)) ||
        (rc = channel_json(a, j, f->notice_id, "escalation", "escalation", "email", next)))
        return rc;
    kz_jw_raw(j, "}");
    kz_jw_str(j, "next_attempt", next[0] ? next : NULL);
    kz_jw_int(j, "answers", nans);
    return 0;
}

int kz_notice_list_json(kz_actor *a, int overdue_only, kz_buf *out)
{
    char now[21];
    int64_t *ids = NULL;
    size_t n = 0;
    kz__now(a, now);
    kz_dbval p[] = { kz_dbstr(now) };
    int rc = kz_db_ids(kz_store_db(a->s), overdue_only
        ? "SELECT id FROM notices WHERE complied_at IS NULL AND deadline < $1 ORDER BY id"
        : "SELECT id FROM notices WHERE $1 <> '' ORDER BY id", p, 1, &ids, &n);
    if (rc)
        return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                               : kz__dbfail(a, rc, "reading the notices");
    for (size_t i = 0; i < n && !rc; i++) {
        kz_notice_facts f;
        kz_jw j;
        if ((rc = kz_notice_facts_load(a, ids[i], &f)))
            break;
        kz_jw_init(&j);
        rc = notice_line(a, &j, &f, now);
        kz_jw_raw(&j, "}\n");
        if (!rc)
            rc = j.rc ? kz__fail(a, j.rc, "out of memory") : kz_buf_add(out, j.b.p, j.b.len);
        kz_jw_release(&j);
        kz_notice_facts_release(&f);
    }
    free(ids);
    return rc;
}

/* The rows of sql (its one parameter: the notice) as the array key of j,
 * an object a row with the columns named cols[0..n) (column int_col an
 * integer, the others text or null).  0, or the error (kz__dbfail: what). */
static int rows_json(kz_actor *a, kz_jw *j, const char *key, const char *sql, int64_t nid,
                     const char *const *cols, int n, int int_col, const char *what)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(nid) };
    int rc = kz_db_query(kz_store_db(a->s), sql, p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, what);
    kz_jw_key(j, key);
    kz_jw_raw(j, "[");
    for (int first = 1; (rc = kz_dbres_next(r)) == 1; first = 0) {
        kz_jw_raw(j, first ? "{" : ",{");
        for (int c = 0; c < n; c++) {
            if (c == int_col) {
                kz_jw_int(j, cols[c], kz_dbres_int(r, c));
                continue;
            }
            size_t len = 0;
            const char *s = kz_dbres_text(r, c, &len);
            char *v = s ? kz_strndup(s, len) : NULL;
            kz_jw_str(j, cols[c], v);
            free(v);
        }
        kz_jw_raw(j, "}");
    }
    kz_dbres_done(r);
    kz_jw_raw(j, "]");
    return rc < 0 ? kz__dbfail(a, rc, what) : 0;
}

int kz_notice_show_json(kz_actor *a, int64_t notice_id, kz_buf *out)
{
    static const char *const attempts[] = { "kind", "channel", "recipient", "attempt", "at",
                                            "status", "error", "next_at", "message_id" };
    static const char *const answers[] = { "at", "via", "recorded_by", "text" };
    kz_notice_facts f;
    char now[21];
    kz_jw j;
    int rc = kz_notice_facts_load(a, notice_id, &f);
    if (rc)
        return rc;
    kz__now(a, now);
    kz_jw_init(&j);
    if ((rc = notice_line(a, &j, &f, now)))
        goto out;
    kz_jw_str(&j, "url", f.url[0] ? f.url : NULL);
    kz_jw_str(&j, "measure", f.measure);
    kz_jw_str(&j, "email", f.email[0] ? f.email : NULL);
    kz_jw_str(&j, "endpoint", f.endpoint[0] ? f.endpoint : NULL);
    kz_jw_str(&j, "legal_representative_email", f.rep_email[0] ? f.rep_email : NULL);
    if ((rc = rows_json(a, &j, "attempts", "SELECT kind, channel, recipient, attempt, at, "
                        "status, error, next_at, message_id FROM notice_deliveries WHERE "
                        "notice_id = $1 ORDER BY id", notice_id, attempts, 9, 3,
                        "reading the deliveries")) ||
        (rc = rows_json(a, &j, "answer_list", "SELECT x.at, x.via, ac.name, x.text FROM "
                        "notice_answers x LEFT JOIN accounts ac ON ac.id = x.recorded_by "
                        "WHERE x.notice_id = $1 ORDER BY x.id", notice_id, answers, 4, -1,
                        "reading the answers")))
        goto out;
    kz_buf subj, body;
    kz_buf_init(&subj, 1u << 16);
    kz_buf_init(&body, 1u << 20);
    rc = kz_notice_text(&f, KZ_NOTICE_PLAIN, &subj, &body);
    kz_jw_str(&j, "subject", subj.p ? subj.p : "");
    kz_jw_str(&j, "text", body.p ? body.p : "");
    kz_buf_release(&subj);
    kz_buf_release(&body);
    kz_jw_raw(&j, "}\n");
    if (!rc)
        rc = j.rc ? kz__fail(a, j.rc, "out of memory") : kz_buf_add(out, j.b.p, j.b.len);
    else
        rc = kz__fail(a, rc, "out of memory");
out:
    kz_jw_release(&j);
    kz_notice_facts_release(&f);
    return rc;
}
