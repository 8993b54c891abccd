/*
 * fuzz/fuzz_conninfo.c - fuzz target for database strings
 * (store/conninfo.c: kz_db_backend, kz_db_redact, kz_db_redact_msg).
 *
 * The input is a --db string (up to its first NUL).  Besides not crashing,
 * checks that both functions return the length they write, and, where libpq
 * itself parses the string and the redacted one, that libpq finds no
 * password in the redacted string but "***": whatever libpq would send as a
 * password is gone from what kuzet shows.  Then the input is also a message
 * quoting the string, with libpq's passwords as the also list: none of them
 * may survive in it.
 */
#include "store/db.h"
#include "fuzz.h"
#include <libpq-fe.h>

/* The password and sslpassword libpq parses from s (NULL when it does not
 * parse); free with PQconninfoFree. */
static PQconninfoOption *parsed(const char *s, const char *pw[3])
{
    char *why = NULL;
    PQconninfoOption *o = PQconninfoParse(s, &why);
    PQfreemem(why);
    pw[0] = pw[1] = pw[2] = NULL;
    size_t n = 0;
    for (PQconninfoOption *p = o; p && p->keyword; p++)
        if (p->val && *p->val && (!strcmp(p->keyword, "password") ||
                                  !strcmp(p->keyword, "sslpassword")))
            pw[n++] = p->val;
    return o;
}

KZ_FUZZ(conninfo)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = kz_db_redact(s, NULL, 0);
    char *r = malloc(n + 1);
    if (!r)
        abort();
    if (kz_db_redact(s, r, n + 1) != n || strlen(r) != n)
        abort();
    const char *backend = kz_db_backend(s);
    if (backend && !strcmp(backend, "sqlite") && strcmp(r, s))
        abort();                                    /* a path is shown as given */
    const char *pw[3], *rpw[3];
    PQconninfoOption *o = NULL, *ro = NULL;
    if (backend && !strcmp(backend, "postgresql")) {
        o = parsed(s, pw);
        ro = parsed(r, rpw);
        for (size_t i = 0; ro && i < 2 && rpw[i]; i++)
            if (strcmp(rpw[i], KZ_DB_REDACTED))
                abort();
        /* the string quoted in a message of its own */
        if (o) {
            size_t m = kz_db_redact_msg(s, s, pw, NULL, 0);
            char *msg = malloc(m + 1);
            if (!msg)
                abort();
            if (kz_db_redact_msg(s, s, pw, msg, m + 1) != m || strlen(msg) != m)
                abort();
            free(msg);
        }
    }
    PQconninfoFree(o);
    PQconninfoFree(ro);
    free(r);
    free(s);
    return 0;
}
