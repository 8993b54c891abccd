/*
 * cli/cmd_check.c - kuzet check: is this URL blocked, and by what?
 * URLs are read as a browser reads them (act/blocklist.h).
 *
 * The blocklist comes from a list file (an export, or entries written by
 * hand) or, with --db, from the decisions in effect in the store
 * (act/active.h): approved URL and domain blocks that are not reversed or
 * expired.
 *
 * With --server, the list is a kuzet server's, asked over HTTP: by default
 * privately (act/hashlist.h: the prefix list is fetched, URLs are checked
 * here, and only a matching 4-byte hash prefix is sent to the server, never
 * the URL), or with --plain by sending each URL (GET /api/v1/check).
 */
#include "cli.h"
#include "act/active.h"
#include "act/blocklist.h"
#include "act/hashlist.h"
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>

static const char usage_text[] =
    "usage: kuzet check --list FILE [URL...]\n"
    "       kuzet check --db URI [--at TIME] [--unverified] [URL...]\n"
    "       kuzet check --server BASE [--plain] [--token TOKEN] [URL...]\n"
    "\n"
    "Says for each URL (from the arguments, or one per line on stdin) whether the\n"
    "blocklist in FILE (or, with --db, the approved URL and domain blocks in\n"
    "effect in the store at TIME: YYYY-MM-DD[THH:MM:SSZ], default now) blocks it,\n"
    "matching as Safe Browsing does: a domain entry covers its subdomains and\n"
    "every path, a URL entry ending in '/' covers what is below it.  The host is\n"
    "the one a browser contacts (WHATWG URL Standard).  Prints one line per URL,\n"
    "in order:\n"
    "  blocked ID EXPRESSION     (the entry that matched, most specific first;\n"
    "                            with --db, ID is the decision)\n"
    "  ok\n"
    "  error: REASON             (a browser would refuse the URL, or it cannot\n"
    "                            be canonicalized)\n"
    "FILE has one entry per line: 'domain HOST [ID]' or 'url URL [ID]'; '#' starts\n"
    "a comment.  ID defaults to the line number.  A bad entry is reported and\n"
    "left out; the others still apply.\n"
    "With --server BASE (http://host:port of `kuzet serve`), the server's list:\n"
    "checked here against its SHA-256 hash prefixes, asking the server only for\n"
    "the full hashes of a matching 4-byte prefix, so it never sees the URL; with\n"
    "--plain, each URL is sent to it (GET /api/v1/check).  --token (default\n"
    "$KUZET_TOKEN): an API token, when the server asks for one.\n"
    "With --db the audit log is verified first, and its rows replayed against the\n"
    "tables: when rows were changed behind kuzet's back, check refuses (exit 1)\n"
    "unless --unverified, which goes on with a warning.\n"
    "Exit status: 0 nothing blocked, 1 something blocked or an error, 2 usage.\n";

static void bad_line(void *arg, size_t line, const char *why)
{
    kz_cli_err("%s:%zu: %s", (const char *)arg, line, why);
}

/* Load the entries of path (kz_export_list_parse, the format `kuzet
 * export --list` reads) into b; a bad entry is reported and left out.
 * 0, -1 when some entry was bad, -2 when the file cannot be read. */
static int load_list(kz_blocklist *b, const char *path)
{
    size_t len = 0, nbad = 0;
    char *text = kz_cli_slurp(path, MAX_LIST_BYTES, &len);
    if (!text)
        return -2;
    kz_export_list l;
    kz_export_list_init(&l);
    int rc = kz_export_list_parse(&l, text, len, bad_line, (void *)path, &nbad);
    for (size_t i = 0; i < l.n && rc == 0; i++) {
        const char *why = NULL;
        rc = kz_active_blocklist_add(b, &l.v[i], &why);
        if (rc == KZ_EINVAL) {           /* canonical already: not expected */
            kz_cli_err("%s:%zu: %s", path, l.line[i], why ? why : "bad entry");
            nbad++;
            rc = 0;
        }
    }
    if (rc)
        kz_cli_err("%s: %s", path, kz_strerror(rc));
    kz_export_list_release(&l);
    free(text);
    return rc ? -2 : nbad ? -1 : 0;
}

/* --unverified: act on rows that do not match the audit log (warned) */
static int unverified;

/* The URL and domain blocks in effect (act/active.h), once the audit log
 * is verified against the rows: NULL (reported) when they cannot be read
 * or do not match. */
static kz_blocklist *load_db(const char *uri, const char *at)
{
    kz_store *s = NULL;
    kz_blocklist *b = NULL;
    int rc;
    if (kz_store_open(&s, uri, 1) != 0)
        kz_cli_err("%s", kz_store_errmsg(s));
    else if (kz_cli_rows_guard(s, unverified) != 0)
        ;                                           /* reported */
    else if ((rc = kz_active_blocklist(s, at, &b, NULL)) == KZ_ENOMEM)
        kz_cli_err("%s", kz_strerror(rc));
    else if (rc)
        kz_cli_err("%s: %s", kz_strerror(rc), kz_store_errmsg(s));
    kz_store_close(&s);
    return b;
}

static int check_one(const kz_blocklist *b, kz_blocklist_ctx *c, const char *url, size_t n)
{
    int64_t id;
    const char *expr;
    int rc = kz_blocklist_check(b, c, url, n, &id, &expr);
    if (rc == 1) {
        printf("blocked %lld %s\n", (long long)id, expr);
        return 1;
    }
    if (rc == 0) {
        fputs("ok\n", stdout);
        return 0;
    }
    printf("error: %s\n", rc == KZ_EINVAL ? c->url.why : kz_strerror(rc));
    return 1;
}

/* ---- --server: a kuzet server's list ------------------------------------------- */

#define PATH_CHECK    "/api/v1/check"
#define PATH_PREFIXES "/api/v1/blocklist/prefixes"
#define PATH_FULL     "/api/v1/blocklist/full-hashes"
#define MAX_ANSWER    ((size_t)1 << 30)

typedef struct remote {
    CURL *h;
    const char *base;
    struct curl_slist *hdr;
    kz_buf body, url;
    kz_hashlist *list;                      /* the prefixes (private check) */
    uint8_t (*asked)[KZ_HASHLIST_PREFIX];   /* prefixes whose full hashes we have */
    size_t nasked, capasked;
    kz_hashlist_full *full;                 /* the full hashes the server gave */
    size_t nfull, capfull;
} remote;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    return kz_buf_add(arg, p, size * n) ? 0 : size * n;
}

/* GET base + path (+ query, escaped, when q is not NULL) into r->body.
 * 0, or -1 (reported). */
static int http_get(remote *r, const char *path, const char *q, size_t qn)
{
    long status = 0;
    char *esc = NULL;
    int rc = -1;
    kz_buf_reset(&r->url);
    kz_buf_reset(&r->body);
    if (q && !(esc = curl_easy_escape(r->h, q, (int)qn))) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return -1;
    }
    if (kz_buf_addf(&r->url, "%s%s%s", r->base, path, esc ? esc : "")) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    curl_easy_setopt(r->h, CURLOPT_URL, r->url.p);
    CURLcode cc = curl_easy_perform(r->h);
    if (cc != CURLE_OK) {
        kz_cli_err("%s%s: %s", r->base, path, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        kz_cli_err("%s%s: HTTP %ld: %.*s", r->base, path, status,
                   (int)KZ_MIN(r->body.len, 300), r->body.p ? r->body.p : "");
        goto out;
    }
    rc = 0;
out:
    curl_free(esc);
    return rc;
}

static int remote_init(remote *r, const char *base, const char *token, bool private)
{
    memset(r, 0, sizeof *r);
    kz_buf_init(&r->body, MAX_ANSWER);
    kz_buf_init(&r->url, KZ_BUF_NOLIMIT);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    if (!(r->h = curl_easy_init()) || kz_buf_add(&r->url, base, bl)) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return -1;
    }
    r->base = strdup(r->url.p);
    kz_buf t;
    kz_buf_init(&t, KZ_BUF_NOLIMIT);
    if (token && *token && !kz_buf_addf(&t, "Authorization: Bearer %s", token))
        r->hdr = curl_slist_append(r->hdr, t.p);
    kz_buf_release(&t);
    if (!r->base) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return -1;
    }
    curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(r->h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(r->h, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(r->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r->h, CURLOPT_USERAGENT, "kuzet-check");
    curl_easy_setopt(r->h, CURLOPT_ACCEPT_ENCODING, "");
    if (r->hdr)
        curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdr);
    if (!private)
        return 0;
    /* the prefix list, in full (this client keeps nothing between runs) */
    const char *why = NULL;
    if (http_get(r, PATH_PREFIXES, NULL, 0))
        return -1;
    int rc = kz_hashlist_apply_json(&r->list, NULL, r->body.p, r->body.len, &why);
    if (rc) {
        kz_cli_err("%s%s: %s", r->base, PATH_PREFIXES, rc == KZ_EBADJSON ? why : kz_strerror(rc));
        return -1;
    }
    return 0;
}

static void remote_release(remote *r)
{
    curl_easy_cleanup(r->h);
    curl_slist_free_all(r->hdr);
    kz_buf_release(&r->body);
    kz_buf_release(&r->url);
    kz_hashlist_free(&r->list);
    free(r->asked);
    free(r->full);
    free((char *)r->base);
}

static bool asked(const remote *r, const uint8_t *p)
{
    for (size_t i = 0; i < r->nasked; i++)
        if (!memcmp(r->asked[i], p, KZ_HASHLIST_PREFIX))
            return true;
    return false;
}

/* The private check of one URL: 1 blocked, 0 not, -1 error (printed as
 * "error: ...") and -2 when the server cannot be asked (reported). */
static int private_one(remote *r, kz_blocklist_ctx *c, const char *url, size_t n)
{
    uint8_t hs[KZ_URL_EXPR_MAX][KZ_URL_HASH_LEN];
    size_t cnt = 0, nq = 0;
    int rc = kz_hashlist_url(c, url, n, hs, &cnt);
    if (rc) {
        printf("error: %s\n", rc == KZ_EINVAL ? c->url.why : kz_strerror(rc));
        return -1;
    }
    /* the prefixes that match and that we have not asked for yet */
    kz_buf q;
    kz_buf_init(&q, KZ_BUF_NOLIMIT);
    size_t first = r->nasked;
    for (size_t i = 0; i < cnt && !rc; i++) {
        if (!kz_hashlist_has_prefix(r->list, hs[i]) || asked(r, hs[i]))
            continue;
        if (KZ_GROW(r->asked, r->capasked, r->nasked + 1)) {
            rc = KZ_ENOMEM;
            break;
        }
        memcpy(r->asked[r->nasked++], hs[i], KZ_HASHLIST_PREFIX);
        rc = kz_buf_addf(&q, "%s%02x%02x%02x%02x", nq++ ? "," : "?prefix=", hs[i][0], hs[i][1],
                         hs[i][2], hs[i][3]);
    }
    if (!rc && nq) {
        kz_hashlist_full *v = NULL;
        size_t nv = 0;
        const char *why = NULL;
        kz_buf path;
        kz_buf_init(&path, KZ_BUF_NOLIMIT);
        rc = kz_buf_addf(&path, "%s%s", PATH_FULL, q.p);
        if (!rc && http_get(r, path.p, NULL, 0)) {
            r->nasked = first;                      /* not asked after all */
            kz_buf_release(&path);
            kz_buf_release(&q);
            return -2;
        }
        kz_buf_release(&path);
        if (!rc && (rc = kz_hashlist_parse_full(r->body.p, r->body.len, &v, &nv, &why)) != 0) {
            kz_cli_err("%s%s: %s", r->base, PATH_FULL, rc == KZ_EBADJSON ? why : kz_strerror(rc));
            kz_buf_release(&q);
            return -2;
        }
        if (!rc && KZ_GROW(r->full, r->capfull, r->nfull + nv))
            rc = KZ_ENOMEM;
        if (!rc && nv) {
            memcpy(r->full + r->nfull, v, nv * sizeof *v);
            r->nfull += nv;
        }
        free(v);
    }
    kz_buf_release(&q);
    if (rc) {
        kz_cli_err("%s", kz_strerror(rc));
        return -2;
    }
    int64_t id = 0;
    int k = kz_hashlist_match(c, (const uint8_t(*)[KZ_URL_HASH_LEN])hs, cnt, r->full, r->nfull, &id);
    if (k < 0) {
        fputs("ok\n", stdout);
        return 0;
    }
    printf("blocked %lld %s\n", (long long)id, c->exprs.expr[k]);
    return 1;
}

/* The plain check of one URL (GET /api/v1/check?url=): as private_one. */
static int plain_one(remote *r, const char *url, size_t n)
{
    if (http_get(r, PATH_CHECK "?url=", url, n))
        return -2;
    json_object *o = json_tokener_parse(r->body.p ? r->body.p : ""), *x;
    const char *res = o && json_object_object_get_ex(o, "result", &x) ? json_object_get_string(x)
                                                                      : NULL;
    int ret = -2;
    if (res && !strcmp(res, "blocked")) {
        json_object *id = NULL, *e = NULL;
        json_object_object_get_ex(o, "decision_id", &id);
        json_object_object_get_ex(o, "expression", &e);
        printf("blocked %lld %s\n", (long long)json_object_get_int64(id),
               e ? json_object_get_string(e) : "");
        ret = 1;
    } else if (res && !strcmp(res, "ok")) {
        fputs("ok\n", stdout);
        ret = 0;
    } else if (res && !strcmp(res, "invalid")) {
        json_object *why = NULL;
        json_object_object_get_ex(o, "reason", &why);
        printf("error: %s\n", why ? json_object_get_string(why) : "invalid URL");
        ret = -1;
    } else {
        kz_cli_err("%s%s: not an answer of a kuzet server", r->base, PATH_CHECK);
    }
    json_object_put(o);
    return ret;
}

/* --server: every URL of the arguments (or stdin) through r. */
static int check_remote(const char *base, const char *token, bool plain, int argc, char **argv)
{
    remote r;
    kz_blocklist_ctx ctx;
    int any = 0, failed = 0;
    kz_blocklist_ctx_init(&ctx);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (remote_init(&r, base, token, !plain) != 0) {
        failed = 1;
        goto out;
    }
    char *line = NULL;
    size_t cap = 0;
    for (int i = optind; !failed; i++) {
        const char *u;
        size_t un;
        if (optind < argc) {
            if (i >= argc)
                break;
            u = argv[i];
            un = strlen(u);
        } else {
            ssize_t len = getline(&line, &cap, stdin);
            if (len < 0)
                break;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            u = line;
            un = (size_t)len;
        }
        int rc = plain ? plain_one(&r, u, un) : private_one(&r, &ctx, u, un);
        if (rc == -2)
            failed = 1;
        else if (rc)
            any = 1;
    }
    free(line);
out:
    remote_release(&r);
    kz_blocklist_ctx_release(&ctx);
    curl_global_cleanup();
    return any || failed ? KZ_EXIT_FAIL : KZ_EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        { "list", required_argument, NULL, 'l' },
        { "db", required_argument, NULL, 'd' },
        { "at", required_argument, NULL, 'a' },
        { "server", required_argument, NULL, 's' },
        { "plain", no_argument, NULL, 'p' },
        { "token", required_argument, NULL, 't' },
        { "unverified", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *list = NULL, *db = NULL, *server = NULL, *token = getenv("KUZET_TOKEN");
    bool plain = false;
    char at[21] = "";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': list = optarg; break;
        case 'd': db = optarg; break;
        case 's': server = optarg; break;
        case 'p': plain = true; break;
        case 't': token = optarg; break;
        case 'U': unverified = 1; break;
        case 'a':
            if (!kz_active_time_arg(optarg, at)) {
                kz_cli_err("--at takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '%s'", optarg);
                fputs(usage_text, stderr);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (server || plain) {
        if (list || db || at[0] || !server) {
            kz_cli_err("%s", server ? "--server goes without --list, --db and --at"
                                    : "--plain goes with --server");
            fputs(usage_text, stderr);
            return KZ_EXIT_USAGE;
        }
        if (strncmp(server, "http://", 7) && strncmp(server, "https://", 8)) {
            kz_cli_err("--server takes http://HOST[:PORT] or https://..., not '%s'", server);
            fputs(usage_text, stderr);
            return KZ_EXIT_USAGE;
        }
        return check_remote(server, token, plain, argc, argv);
    }
    if (!list && !db && getenv("KUZET_DB") && *getenv("KUZET_DB"))
        db = getenv("KUZET_DB");              /* as every other command */
    if (!list == !db || (at[0] && !db)) {
        kz_cli_err("%s", at[0] && !db ? "--at goes with --db"
                         : list ? "check takes --list FILE or --db URI, not both"
                                : "check needs --list FILE or --db URI");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    int bad = 0;
    kz_blocklist *b = list ? kz_blocklist_new() : load_db(db, at[0] ? at : NULL);
    if (list && !b)
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
    if (b && list)
        bad = load_list(b, list);
    if (!b || bad == -2) {
        kz_blocklist_free(b);
        return KZ_EXIT_FAIL;
    }
    kz_blocklist_ctx ctx;
    kz_blocklist_ctx_init(&ctx);
    int any = 0;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            any |= check_one(b, &ctx, argv[i], strlen(argv[i]));
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, stdin)) >= 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            any |= check_one(b, &ctx, line, (size_t)len);
        }
        free(line);
    }
    kz_blocklist_ctx_release(&ctx);
    kz_blocklist_free(b);
    return any || bad ? KZ_EXIT_FAIL : KZ_EXIT_OK;
}
