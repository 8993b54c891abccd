/*
 * case/deliver.h - notices delivered to platforms, and their answers.
 *
 * One pass (kz_notices_deliver) sends every notice that is due:
 *   - a notice not complied with, whose decision stands, goes to each
 *     channel its platform has: by e-mail to the notice e-mail (libcurl's
 *     SMTP, to opts->smtp_url) and POSTed as JSON to the API endpoint;
 *   - when its deadline passed without compliance, an escalation notice
 *     goes to the legal representative's e-mail, once.
 * Each attempt is one row of notice_deliveries (notice, kind, channel,
 * recipient, attempt, at, status sent|failed, error, next_at) and one audit
 * entry ("notice.deliver"), stored in a transaction of its own after the
 * network call.  A failed attempt is tried again at next_at: backoff_secs
 * after the first failure, doubling each time, at most a day; after
 * max_attempts it is given up (next_at NULL) and shown so.  A channel
 * already delivered is never sent again.  A 2xx response of an endpoint
 * may carry an answer ({"answer": "..."}, kz_notice_parse_answer), recorded
 * against the notice as via "api".  Run as the system (the jobs' notices
 * tick) or anyone.  docs/notices.md.
 */
#ifndef KZ_CASE_DELIVER_H
#define KZ_CASE_DELIVER_H

#include "case/account.h"
#include "util/buf.h"

#define KZ_DELIVER_MAX_ATTEMPTS 8
#define KZ_DELIVER_BACKOFF_SECS 60
#define KZ_DELIVER_BACKOFF_MAX  86400

typedef struct kz_deliver_opts {
    const char *smtp_url;       /* smtp://host[:port] or smtps://; NULL: no e-mail is sent */
    const char *from;           /* the sender's address; needed with smtp_url */
    long        timeout_ms;     /* per attempt; 0: 20000 */
    int         max_attempts;   /* 0: KZ_DELIVER_MAX_ATTEMPTS */
    int64_t     backoff_secs;   /* 0: KZ_DELIVER_BACKOFF_SECS */
} kz_deliver_opts;

typedef struct kz_deliver_stats {
    size_t attempts, sent, failed;      /* this pass */
    size_t escalations;                 /* escalation notices sent */
    size_t answers;                     /* answers an endpoint gave */
    size_t no_smtp;                     /* e-mails due but no SMTP server configured */
} kz_deliver_stats;

/* One pass.  The time is a's clock.  KZ_EINVAL when smtp_url or from is
 * bad; storage errors.  A failed delivery is not an error of the pass. */
int kz_notices_deliver(kz_actor *a, const kz_deliver_opts *o, kz_deliver_stats *st);

/* Record the platform's answer to notice_id (an analyst, reviewer or
 * supervisor; via "staff"), audited "notice.answer".  It does not mark the
 * notice complied with (kz_case_comply does). */
int kz_notice_answer(kz_actor *a, int64_t notice_id, const char *text, int64_t *answer_id);

/* Notices as JSON lines with their delivery state: per channel
 * ("email", "api", "escalation") the last status (sent, failed, gave_up)
 * and the attempts, the next attempt's time, and the number of answers.
 * overdue_only: past the deadline without compliance. */
int kz_notice_list_json(kz_actor *a, int overdue_only, kz_buf *out);
/* One notice as a JSON object: the facts, every attempt, every answer, and
 * what it says (subject and text).  KZ_ENOTFOUND for no such notice. */
int kz_notice_show_json(kz_actor *a, int64_t notice_id, kz_buf *out);

#endif
