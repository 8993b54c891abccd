/*
 * case/notice_text.h - what a notice says, in the platform's language (kk,
 * ru, en): what was decided, where (URL, item), the legal basis, the
 * deadline, how to answer, how to appeal; and the escalation to the legal
 * representative when the deadline passed.  Rendered as plain text (a
 * subject and a body), as an e-mail message (RFC 5322 headers, UTF-8,
 * base64 body, Message-ID) and as the JSON body POSTed to a platform's
 * endpoint.  Also the parser of what an endpoint answers.  The texts are
 * in docs/notices.md.
 */
#ifndef KZ_CASE_NOTICE_TEXT_H
#define KZ_CASE_NOTICE_TEXT_H

#include "case/account.h"
#include "util/buf.h"

enum { KZ_NOTICE_PLAIN = 0, KZ_NOTICE_ESCALATION = 1 };

/* The facts of one notice, read from the store (kz_notice_facts_load). */
typedef struct kz_notice_facts {
    int64_t notice_id, case_id, item_id;
    char    platform[208], language[4];
    char    email[256], endpoint[2048], rep_name[256], rep_email[256];
    char    sent_at[21], deadline[21], ends_at[21], complied_at[21];
    char    category[128], measure[24];
    int     reversed;
    char   *url, *item_ref, *legal_basis, *reasons, *scope;     /* malloc'd; "" when none */
} kz_notice_facts;

/* Read notice id's facts; KZ_ENOTFOUND (message in a) when there is no
 * such notice.  Release with kz_notice_facts_release. */
int  kz_notice_facts_load(kz_actor *a, int64_t notice_id, kz_notice_facts *f);
void kz_notice_facts_release(kz_notice_facts *f);

/* The subject (one line) and the body (lines ending in "\n"), appended;
 * kind is KZ_NOTICE_PLAIN or KZ_NOTICE_ESCALATION; the language is
 * f->language (en for anything else).  0 or KZ_ENOMEM. */
int kz_notice_text(const kz_notice_facts *f, int kind, kz_buf *subject, kz_buf *body);

/* The whole e-mail message (CRLF line ends): From, To, Subject (RFC 2047
 * encoded-words), Date (now: "YYYY-MM-DDTHH:MM:SSZ"), Message-ID
 * (msgid, without angle brackets), MIME headers, Content-Language, and the
 * body in base64.  from and to must pass kz_platform_email_ok (KZ_EINVAL). */
int kz_notice_email(const kz_notice_facts *f, int kind, const char *from, const char *to,
                    const char *now, const char *msgid, kz_buf *out);

/* The JSON object POSTed to the platform's endpoint. */
int kz_notice_json(const kz_notice_facts *f, int kind, kz_buf *out);

/* What an endpoint answered (its response body, any bytes): when it is a
 * JSON object with a string "answer" of 1 to 16384 bytes of valid UTF-8
 * without control characters other than line breaks and tabs, that string
 * is appended to answer and 1 is returned; 0 when the body carries no
 * answer (empty, not JSON, no "answer"); KZ_EINVAL when "answer" is there
 * but unusable (*why says why); KZ_ENOMEM. */
int kz_notice_parse_answer(const char *body, size_t n, kz_buf *answer, const char **why);

#endif
