/*
 * case/platform.h - platforms and their contacts for notices: the notice
 * e-mail, the API endpoint notices are POSTed to as JSON, the legal
 * representative (name and e-mail), the language notices are written in
 * (kk, ru, en) and the monthly users.  The rules live here: addresses and
 * URLs are checked, and a platform with KZ_PLATFORM_REP_USERS or more
 * monthly users must name a legal representative with an e-mail (the law
 * asks such platforms for one).  Adding and changing is for an admin or a
 * supervisor, audited ("platform.add", "platform.set") with the row before
 * and after.  docs/notices.md.
 *
 * Errors (message in kz_account_errmsg(a)): KZ_EPERM, KZ_EINVAL (the field
 * named), KZ_ENOTFOUND (no such platform), KZ_ESTATE (add: the name is
 * taken; set changes it) and storage errors.
 */
#ifndef KZ_CASE_PLATFORM_H
#define KZ_CASE_PLATFORM_H

#include "case/account.h"
#include "util/buf.h"

#define KZ_PLATFORM_REP_USERS 100000

/* What add or set gives.  NULL: not given (add: none; set: unchanged);
 * "" clears the field (set).  monthly_users < 0: not given. */
typedef struct kz_platform_in {
    const char *email;          /* notice e-mail */
    const char *endpoint;       /* http(s) URL notices are POSTed to */
    const char *rep_name;       /* legal representative */
    const char *rep_email;
    const char *language;       /* kk, ru or en; add: ru when not given */
    int64_t     monthly_users;
} kz_platform_in;

/* One platform as stored. */
typedef struct kz_platform {
    int64_t id;
    char    name[208];
    char    email[256], endpoint[2048], rep_name[256], rep_email[256], language[4];
    int64_t monthly_users;      /* -1: unknown */
} kz_platform;

int kz_platform_add(kz_actor *a, const char *name, const kz_platform_in *in, int64_t *id);
int kz_platform_set(kz_actor *a, const char *name, const kz_platform_in *in);
/* Every platform as JSON lines, by name. */
int kz_platform_list_json(kz_actor *a, kz_buf *out);
/* The platform with that id; KZ_ENOTFOUND when none. */
int kz_platform_get(kz_actor *a, int64_t id, kz_platform *p);

/* The checks, for front ends that want to refuse early: 1 when s is an
 * e-mail address kuzet sends to (local@domain, printable ASCII, no spaces
 * or line breaks, at most 254 bytes), else 0 with *why saying why. */
int kz_platform_email_ok(const char *s, const char **why);
/* 1 for "kk", "ru", "en". */
int kz_platform_language_ok(const char *s);

#endif
