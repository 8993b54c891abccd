/*
 * tests/t_serve_auth.c - who may call kuzet serve, over real HTTP: log-in
 * and sessions (cookie flags, CSRF, rotation, idle and absolute expiry,
 * revocation when the account is disabled or its password changes), API
 * tokens (made, used, listed without secret, revoked), log-in throttling.
 */
#include "kt.h"
#include "kt_serve.h"
#include "case/session.h"
#include "serve/throttle.h"
#include <stdlib.h>
#include <unistd.h>
#include <time.h>

/* root (admin), ann and bob (reviewers), sue and sam (supervisors), al
 * (analyst), aud (auditor); passwords NAME-password-123 */
static void staff(kz_store *s)
{
    kt_serve_staff(s);
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static long get_session(const kt_server *sv, kt_client *cl, char *who, size_t n)
{
    kt_resp r;
    long st = kt_http(sv, cl, "GET", "/api/v1/session", NULL, &r);
    if (who && !kt_json_get(r.body, "account", who, n))
        who[0] = '\0';
    kt_resp_free(&r);
    return st;
}

static void login_on(int pg)
{
    kt_server sv;
    kt_client cl;
    kt_resp r;
    char v[256];
    memset(&cl, 0, sizeof cl);
    if (kt_serve_start(&sv, "login", pg, staff, NULL))
        return;
    /* not logged in */
    KT_EQ_INT(get_session(&sv, &cl, NULL, 0), 401);
    /* a wrong password says nothing about which part was wrong */
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login",
                      "{\"name\":\"ann\",\"password\":\"not-her-password\"}", &r), 401);
    KT_CHECK(strstr(r.body, "wrong name or password") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login",
                      "{\"name\":\"nobody\",\"password\":\"not-her-password\"}", &r), 401);
    KT_CHECK(strstr(r.body, "wrong name or password") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login",
                      "{\"name\":\"ann\",\"password\":\"ann-password-123\"}", &r), 200);
    const char *sc = kt_resp_header(&r, "Set-Cookie", v, sizeof v);
    KT_CHECK(sc && !strncmp(sc, "kuzet_session=", 14));
    KT_CHECK(sc && strstr(sc, "; HttpOnly") && strstr(sc, "; SameSite=Strict") &&
             strstr(sc, "; Path=/") && !strstr(sc, "Secure"));
    /* 128 bits in hex */
    KT_EQ_INT(strcspn(sc ? sc + 14 : "", ";"), 32);
    KT_CHECK(kt_json_get(r.body, "csrf_token", cl.csrf, sizeof cl.csrf) && strlen(cl.csrf) == 64);
    KT_EQ_STR(kt_json_get(r.body, "role", v, sizeof v), "reviewer");
    kt_resp_free(&r);
    char who[80];
    KT_EQ_INT(get_session(&sv, &cl, who, sizeof who), 200);
    KT_EQ_STR(who, "ann");
    /* a state-changing request without, or with a wrong, CSRF token */
    char good[128];
    snprintf(good, sizeof good, "%s", cl.csrf);
    cl.no_csrf = 1;
    kt_http(&sv, &cl, "POST", "/api/v1/logout", NULL, &r);
    KT_EQ_INT(r.status, 403);
    KT_CHECK(strstr(r.body, "\"code\":\"csrf\"") != NULL);
    kt_resp_free(&r);
    cl.no_csrf = 0;
    cl.csrf[0] ^= 1;
    kt_http(&sv, &cl, "POST", "/api/v1/logout", NULL, &r);
    KT_EQ_INT(r.status, 403);
    KT_CHECK(strstr(r.body, "\"code\":\"csrf\"") != NULL);
    kt_resp_free(&r);
    snprintf(cl.csrf, sizeof cl.csrf, "%.63s", good);           /* one short */
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/logout", NULL, &r), 403);
    kt_resp_free(&r);
    /* still logged in: the refused requests changed nothing */
    KT_EQ_INT(get_session(&sv, &cl, NULL, 0), 200);
    snprintf(cl.csrf, sizeof cl.csrf, "%s", good);
    char before[256];
    snprintf(before, sizeof before, "%s", cl.cookie);
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/logout", NULL, &r), 204);
    KT_CHECK(kt_resp_header(&r, "Set-Cookie", v, sizeof v) && strstr(v, "Max-Age=0"));
    kt_resp_free(&r);
    /* the old cookie is dead on the server, not just in the browser */
    snprintf(cl.cookie, sizeof cl.cookie, "%s", before);
    KT_EQ_INT(get_session(&sv, &cl, NULL, 0), 401);
    /* a malformed cookie is a 401, not a 500 */
    snprintf(cl.cookie, sizeof cl.cookie, "kuzet_session=zz");
    KT_EQ_INT(get_session(&sv, &cl, NULL, 0), 401);
    snprintf(cl.cookie, sizeof cl.cookie, "kuzet_session=\"\\\\\"");
    KT_EQ_INT(get_session(&sv, &cl, NULL, 0), 401);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_login_session) { login_on(0); }
KT_TEST(serve_login_session_pg) { login_on(1); }

KT_TEST(serve_session_rotation)
{
    kt_server sv;
    kt_client cl;
    memset(&cl, 0, sizeof cl);
    if (kt_serve_start(&sv, "rotate", 0, staff, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &cl, "ann"), 200);
    kt_client old = cl;
    /* logging in again, with the old cookie: a new id, the old one ends */
    KT_EQ_INT(kt_login_http(&sv, &cl, "ann"), 200);
    KT_CHECK(strcmp(old.cookie, cl.cookie) != 0);
    KT_CHECK(strcmp(old.csrf, cl.csrf) != 0);
    KT_EQ_INT(get_session(&sv, &old, NULL, 0), 401);
    KT_EQ_INT(get_session(&sv, &cl, NULL, 0), 200);
    /* a cookie planted before log-in (session fixation) is not adopted */
    kt_client fix;
    memset(&fix, 0, sizeof fix);
    snprintf(fix.cookie, sizeof fix.cookie, "kuzet_session=0123456789abcdef0123456789abcdef");
    KT_EQ_INT(kt_login_http(&sv, &fix, "bob"), 200);
    KT_CHECK(strcmp(fix.cookie, "kuzet_session=0123456789abcdef0123456789abcdef") != 0);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_session_expiry)
{
    kt_server sv;
    kt_client idle, busy;
    kt_resp r;
    /* times are kept to the second, so the limits are a few seconds */
    static const char *const extra[] = { "--session-idle", "4s", "--session-max", "8s", NULL };
    memset(&idle, 0, sizeof idle);
    memset(&busy, 0, sizeof busy);
    if (kt_serve_start(&sv, "expiry", 0, staff, extra))
        return;
    time_t t0 = time(NULL);
    KT_EQ_INT(kt_login_http(&sv, &idle, "ann"), 200);
    KT_EQ_INT(kt_login_http(&sv, &busy, "bob"), 200);
    sleep_ms(1000);
    KT_EQ_INT(get_session(&sv, &idle, NULL, 0), 200);
    /* busy is used every second; idle not for 5.5 s */
    for (int i = 0; i < 5; i++) {
        sleep_ms(1000);
        KT_EQ_INT(get_session(&sv, &busy, NULL, 0), 200);
    }
    sleep_ms(500);
    KT_EQ_INT(kt_http(&sv, &idle, "GET", "/api/v1/session", NULL, &r), 401);
    if (!strstr(r.body, "idle")) {
        char *log = kt_serve_log(&sv);
        kt_fail(__FILE__, __LINE__, "body: %s (%ld s) %s", r.body, (long)(time(NULL) - t0), log);
        free(log);
    }
    kt_resp_free(&r);
    sleep_ms(700);
    KT_EQ_INT(get_session(&sv, &busy, NULL, 0), 200);           /* 7.2 s after log-in */
    sleep_ms(1300);
    /* 8.5 s after log-in: past the absolute limit, however busy */
    KT_EQ_INT(kt_http(&sv, &busy, "GET", "/api/v1/session", NULL, &r), 401);
    if (!strstr(r.body, "too old")) kt_fail(__FILE__, __LINE__, "body: %s", r.body);
    kt_resp_free(&r);
    /* an ended session stays ended */
    KT_EQ_INT(get_session(&sv, &idle, NULL, 0), 401);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_session_revoked)
{
    kt_server sv;
    kt_client ann, al, sue;
    kt_resp r;
    memset(&ann, 0, sizeof ann);
    memset(&al, 0, sizeof al);
    memset(&sue, 0, sizeof sue);
    if (kt_serve_start(&sv, "revoke", 0, staff, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &ann, "ann"), 200);
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    KT_EQ_INT(kt_login_http(&sv, &sue, "sue"), 200);
    /* the account disabled (here through the library, as `kuzet users
     * disable` does): its session ends */
    kz_store *s = NULL;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    kz_actor *root = kt_login(s, "root");
    KT_EQ_INT(kz_account_disable(root, "al"), 0);
    kz_account_logout(&root);
    KT_EQ_INT(get_session(&sv, &al, NULL, 0), 401);
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 401);
    /* a new password: every session of the account ends */
    kt_client ann2 = ann;
    memset(&ann2, 0, sizeof ann2);
    KT_EQ_INT(kt_login_http(&sv, &ann2, "ann"), 200);
    /* sue may not change ann's password (nobody but ann may) */
    KT_EQ_INT(kt_http(&sv, &sue, "POST", "/api/v1/users/ann/password",
                      "{\"password\":\"sue-chose-this-one\"}", &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(get_session(&sv, &ann, NULL, 0), 200);
    KT_EQ_INT(kt_http(&sv, &ann, "POST", "/api/v1/users/ann/password",
                      "{\"password\":\"short\"}", &r), 422);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &ann, "POST", "/api/v1/users/ann/password",
                      "{\"password\":\"a-new-long-password\"}", &r), 204);
    kt_resp_free(&r);
    KT_EQ_INT(get_session(&sv, &ann, NULL, 0), 401);
    KT_EQ_INT(get_session(&sv, &ann2, NULL, 0), 401);
    KT_EQ_INT(get_session(&sv, &sue, NULL, 0), 200);           /* others' stay */
    KT_EQ_INT(kt_http(&sv, &ann, "POST", "/api/v1/login",
                      "{\"name\":\"ann\",\"password\":\"a-new-long-password\"}", &r), 200);
    kt_resp_free(&r);
    /* changed behind kuzet's back (no library call): the session ends too */
    kt_client sue_old = sue;
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE accounts SET password_hash = "
                         "'$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$xx' WHERE name = 'sue'"), 0);
    KT_EQ_INT(get_session(&sv, &sue_old, NULL, 0), 401);
    kz_store_close(&s);
    /* the password change is in the audit log, and the log still matches
     * the accounts' rows (but for sue's, changed behind its back) */
    char what[2048];
    KT_EQ_INT(kt_rows_differ(sv.uri, what, sizeof what), 1);
    KT_CHECK(strstr(what, "accounts 5") != NULL || strstr(what, "accounts") != NULL);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

static void tokens_on(int pg)
{
    kt_server sv;
    kt_client root, ann, bot;
    kt_resp r;
    char tok[128], v[256];
    memset(&root, 0, sizeof root);
    memset(&ann, 0, sizeof ann);
    memset(&bot, 0, sizeof bot);
    if (kt_serve_start(&sv, "tokens", pg, staff, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &root, "root"), 200);
    KT_EQ_INT(kt_login_http(&sv, &ann, "ann"), 200);
    /* only an admin makes them */
    KT_EQ_INT(kt_http(&sv, &ann, "POST", "/api/v1/tokens",
                      "{\"account\":\"al\",\"name\":\"bot\"}", &r), 403);
    KT_CHECK(strstr(r.body, "\"code\":\"forbidden\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"nobody\",\"name\":\"bot\"}", &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"al\",\"name\":\"bot\",\"days\":0}", &r), 422);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"al\",\"name\":\"importer\",\"days\":30}", &r), 201);
    KT_CHECK(kt_json_get(r.body, "token", tok, sizeof tok) && strlen(tok) == KZ_TOKEN_LEN);
    kt_resp_free(&r);
    snprintf(bot.token, sizeof bot.token, "%s", tok);
    /* the token acts as al, an analyst, with no CSRF token (no cookie) */
    KT_EQ_INT(kt_http(&sv, &bot, "GET", "/api/v1/session", NULL, &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "account", v, sizeof v), "al");
    KT_EQ_STR(kt_json_get(r.body, "auth", v, sizeof v), "token");
    KT_CHECK(!strstr(r.body, "csrf"));
    kt_resp_free(&r);
    /* listed without the secret or its hash */
    KT_EQ_INT(kt_http(&sv, &root, "GET", "/api/v1/tokens", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"name\":\"importer\"") && strstr(r.body, "\"account\":\"al\""));
    KT_CHECK(!strstr(r.body, tok + 4));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &ann, "GET", "/api/v1/tokens", NULL, &r), 403);
    kt_resp_free(&r);
    /* a token that is not one, and a wrong scheme */
    kt_client fake;
    memset(&fake, 0, sizeof fake);
    snprintf(fake.token, sizeof fake.token, "kzt_%064d", 0);
    KT_EQ_INT(get_session(&sv, &fake, NULL, 0), 401);
    const char *const basic[] = { "Authorization: Basic YWw6eA==", NULL };
    KT_EQ_INT(kt_httpx(&sv, NULL, "GET", "/api/v1/session", NULL, NULL, 0, basic, &r), 401);
    kt_resp_free(&r);
    /* a liaison's token, bound to one platform: its notices only */
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"al\",\"name\":\"forum liaison\",\"platform\":\"forum\"}",
                      &r), 201);
    kt_client liaison;
    memset(&liaison, 0, sizeof liaison);
    kt_json_get(r.body, "token", liaison.token, sizeof liaison.token);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &liaison, "GET", "/api/v1/notices", NULL, &r), 200);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &liaison, "GET", "/api/v1/cases", NULL, &r), 403);
    KT_CHECK(strstr(r.body, "notices of 'forum' only") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &liaison, "GET", "/api/v1/session", NULL, &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "platform", v, sizeof v), "forum");
    kt_resp_free(&r);
    /* revoked: refused at once */
    KT_EQ_INT(kt_http(&sv, &root, "DELETE", "/api/v1/tokens/1", NULL, &r), 204);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &bot, "GET", "/api/v1/session", NULL, &r), 401);
    KT_CHECK(strstr(r.body, "revoked") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "DELETE", "/api/v1/tokens/1", NULL, &r), 409);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "DELETE", "/api/v1/tokens/99", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "DELETE", "/api/v1/tokens/x", NULL, &r), 404);
    kt_resp_free(&r);
    /* the store never held the secret */
    if (!pg) {
        char path[1300];
        size_t n = 0;
        snprintf(path, sizeof path, "%s", sv.uri + 7);
        char *db = kt_slurp(path, &n);
        KT_CHECK(db && !memmem(db, n, tok, strlen(tok)));
        free(db);
    }
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_tokens) { tokens_on(0); }
KT_TEST(serve_tokens_pg) { tokens_on(1); }

KT_TEST(serve_login_throttle)
{
    kt_server sv;
    kt_client cl;
    kt_resp r;
    char v[32];
    memset(&cl, 0, sizeof cl);
    if (kt_serve_start(&sv, "throttle", 0, staff, NULL))
        return;
    const char *bad = "{\"name\":\"ann\",\"password\":\"guess-guess-guess\"}";
    for (int i = 0; i < 3; i++) {
        KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login", bad, &r), 401);
        kt_resp_free(&r);
    }
    /* the fourth at once waits, even with the right password */
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login",
                      "{\"name\":\"ann\",\"password\":\"ann-password-123\"}", &r), 429);
    KT_CHECK(strstr(r.body, "\"code\":\"too_many_requests\"") != NULL);
    KT_EQ_STR(kt_resp_header(&r, "Retry-After", v, sizeof v), "1");
    kt_resp_free(&r);
    /* another account from the same address is not slowed */
    KT_EQ_INT(kt_login_http(&sv, &cl, "bob"), 200);
    /* the real user, after the wait: in */
    sleep_ms(1100);
    KT_EQ_INT(kt_login_http(&sv, &cl, "ann"), 200);
    /* and the count starts again */
    for (int i = 0; i < 3; i++) {
        KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login", bad, &r), 401);
        kt_resp_free(&r);
    }
    /* guessing on: the wait doubles */
    sleep_ms(1100);
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login", bad, &r), 401);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login", bad, &r), 429);
    KT_EQ_STR(kt_resp_header(&r, "Retry-After", v, sizeof v), "2");
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* The wait told is whole seconds rounded up from the time of the last
 * failure: half a second after the fourth failure one second is still due
 * (counted in whole seconds it was 0 or 1 depending on the clock). */
KT_TEST(serve_throttle_rounds_the_wait_up)
{
    const char *who = "throttle-unit", *from = "192.0.2.7";
    for (int i = 0; i < 3; i++)
        KT_EQ_INT(kz_throttle_wait(who, from), 0);
    for (int i = 0; i < 3; i++)
        kz_throttle_fail(who, from);
    KT_EQ_INT(kz_throttle_wait(who, from), 1);
    sleep_ms(500);
    KT_EQ_INT(kz_throttle_wait(who, from), 1);
    sleep_ms(600);
    KT_EQ_INT(kz_throttle_wait(who, from), 0);
    kz_throttle_fail(who, from);
    KT_EQ_INT(kz_throttle_wait(who, from), 2);
    sleep_ms(1100);
    KT_EQ_INT(kz_throttle_wait(who, from), 1);
    KT_EQ_INT(kz_throttle_wait("throttle-other", from), 0);
    kz_throttle_ok(who, from);
    KT_EQ_INT(kz_throttle_wait(who, from), 0);
}

KT_TEST(serve_tokens_cli)
{
    kt_server sv;
    char cmd[2048], *out = NULL, *err = NULL;
    if (kt_serve_start(&sv, "tokcli", 0, staff, NULL))
        return;
    snprintf(cmd, sizeof cmd, "KUZET_AUDIT_KEY=%s KUZET_PASSWORD=root-password-123 %s tokens add "
             "sue --name 'nightly export' --days 7 --as root --db %s", sv.key, kt_bin(), sv.uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    char tok[128];
    snprintf(tok, sizeof tok, "%.*s", (int)strcspn(out ? out : "", "\n"), out ? out : "");
    KT_EQ_INT(strlen(tok), KZ_TOKEN_LEN);
    KT_CHECK(err && strstr(err, "not shown again"));
    free(out);
    free(err);
    kt_client bot;
    memset(&bot, 0, sizeof bot);
    snprintf(bot.token, sizeof bot.token, "%s", tok);
    char who[80];
    KT_EQ_INT(get_session(&sv, &bot, who, sizeof who), 200);
    KT_EQ_STR(who, "sue");
    snprintf(cmd, sizeof cmd, "KUZET_PASSWORD=aud-password-123 %s tokens list --as aud --db %s",
             kt_bin(), sv.uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    KT_CHECK(out && strstr(out, "nightly export") && strstr(out, "supervisor") &&
             !strstr(out, tok + 4));
    free(out);
    free(err);
    /* a reviewer may not */
    snprintf(cmd, sizeof cmd, "KUZET_AUDIT_KEY=%s KUZET_PASSWORD=ann-password-123 %s tokens "
             "revoke 1 --as ann --db %s", sv.key, kt_bin(), sv.uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_CHECK(err && strstr(err, "refused: revoking an API token needs an admin"));
    free(out);
    free(err);
    KT_EQ_INT(get_session(&sv, &bot, NULL, 0), 200);
    snprintf(cmd, sizeof cmd, "KUZET_AUDIT_KEY=%s KUZET_PASSWORD=root-password-123 %s tokens "
             "revoke 1 --as root --db %s", sv.key, kt_bin(), sv.uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    free(out);
    free(err);
    KT_EQ_INT(get_session(&sv, &bot, NULL, 0), 401);
    /* everything signed, the log matches the rows */
    KT_EQ_INT(kt_rows_differ(sv.uri, NULL, 0), 0);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* ---- every log-in does the same work; throttling shows ------------------- */

/* staff, and "newbie", invited and never enrolled (no password hash) */
static void staff_and_invited(kz_store *s)
{
    kz_actor *root = NULL;
    char tok[KZ_ENROL_TOKEN_SIZE], exp[21];
    int64_t id = 0;
    kt_serve_staff(s);
    root = kt_login(s, "root");
    KT_EQ_INT(kz_account_invite(root, "newbie", "analyst", 0, tok, exp, &id), 0);
    kz_account_logout(&root);
}

/* A counter of /metrics (read with the auditor's session), or -1. */
static long metric(const kt_server *sv, kt_client *aud, const char *name)
{
    kt_resp r;
    long v = -1;
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    if (kt_http(sv, aud, "GET", "/metrics", NULL, &r) == 200) {
        const char *p = strstr(r.body, key);
        if (p)
            v = atol(p + strlen(key));
    }
    kt_resp_free(&r);
    return v;
}

static long login_as(const kt_server *sv, const char *name, const char *pw)
{
    kt_resp r;
    kt_client cl;
    char body[256];
    memset(&cl, 0, sizeof cl);
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
    long st = kt_http(sv, &cl, "POST", "/api/v1/login", body, &r);
    kt_resp_free(&r);
    return st;
}

/* An unknown name, an account not enrolled and a wrong password each cost
 * one Argon2id verification: the answer's time does not say which it was.
 * Counted, not timed, so a loaded machine cannot make it flaky. */
KT_TEST(serve_login_same_work)
{
    kt_server sv;
    kt_client aud;
    memset(&aud, 0, sizeof aud);
    if (kt_serve_start(&sv, "samework", 0, staff_and_invited, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &aud, "aud"), 200);
    long c0 = metric(&sv, &aud, "kuzet_password_checks_total");
    KT_CHECK(c0 >= 1);
    KT_EQ_INT(login_as(&sv, "ann", "wrong-password-1"), 401);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_password_checks_total"), c0 + 1);
    KT_EQ_INT(login_as(&sv, "nobody-at-all", "wrong-password-1"), 401);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_password_checks_total"), c0 + 2);
    KT_EQ_INT(login_as(&sv, "newbie", "wrong-password-1"), 401);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_password_checks_total"), c0 + 3);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_login_failures_total"), 3);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

static int64_t audit_count(const kt_server *sv, const char *action, char *after, size_t n)
{
    kz_store *s = NULL;
    kz_dbres *r = NULL;
    int64_t k = 0;
    after[0] = '\0';
    if (kz_store_open(&s, sv->uri, 0) != 0) {
        kz_store_close(&s);
        return -1;
    }
    kz_dbval p[] = { kz_dbstr(action) };
    if (kz_db_query(kz_store_db(s), "SELECT after_state FROM audit_log WHERE action = $1 "
                                    "ORDER BY seq", p, 1, &r) == 0) {
        while (kz_dbres_next(r) == 1) {
            const char *a = kz_dbres_text(r, 0, NULL);
            snprintf(after, n, "%s", a ? a : "");
            k++;
        }
        kz_dbres_done(r);
    }
    kz_store_close(&s);
    return k;
}

/* A throttled log-in is a 429 with Retry-After, counted in /metrics; an
 * account's failures from anywhere are audited at 5, 10, 20... */
KT_TEST(serve_login_throttle_shows)
{
    kt_server sv;
    kt_client aud;
    char after[512], v[32];
    kt_resp r;
    memset(&aud, 0, sizeof aud);
    if (kt_serve_start(&sv, "throttleshows", 0, staff, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &aud, "aud"), 200);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_login_throttled_total"), 0);
    for (int i = 0; i < 3; i++)
        KT_EQ_INT(login_as(&sv, "bob", "guess-guess-guess"), 401);
    kt_client cl;
    memset(&cl, 0, sizeof cl);
    KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login",
                      "{\"name\":\"bob\",\"password\":\"guess-guess-guess\"}", &r), 429);
    KT_CHECK(kt_resp_header(&r, "Retry-After", v, sizeof v) != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_login_throttled_total"), 1);
    KT_EQ_INT(metric(&sv, &aud, "kuzet_login_failures_total"), 3);
    KT_EQ_INT(audit_count(&sv, "auth.repeated_failures", after, sizeof after), 0);
    /* two more after the wait: the fifth failure of bob is audited once */
    sleep_ms(1100);
    KT_EQ_INT(login_as(&sv, "bob", "guess-guess-guess"), 401);
    sleep_ms(2100);
    KT_EQ_INT(login_as(&sv, "bob", "guess-guess-guess"), 401);
    KT_EQ_INT(audit_count(&sv, "auth.repeated_failures", after, sizeof after), 1);
    KT_CHECK(strstr(after, "\"name\":\"bob\"") && strstr(after, "\"failures\":5") &&
             strstr(after, "\"last_address\":\"127.0.0.1\""));
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
