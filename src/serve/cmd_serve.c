/*
 * serve/cmd_serve.c - `kuzet serve`: parse the options, run the server
 * (serve/server.c) until SIGTERM.
 */
#include "cli/cli.h"
#include "serve/serve.h"
#include "serve/routes.h"
#include "serve/i18n.h"
#include <getopt.h>
#include <arpa/inet.h>

static const char usage_text[] =
    "usage: kuzet serve [--listen HOST:PORT] [--db URI] [options]\n"
    "\n"
    "The HTTP API (docs/api.md, docs/openapi.yaml) until SIGTERM or SIGINT, which\n"
    "stop accepting, finish the requests in flight and exit 0.\n"
    "\n"
    "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; port 0:\n"
    "                       any free port, printed on stdout when ready)\n"
    "  --db URI             the store (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "  --audit-key FILE     the audit signing key (default $KUZET_AUDIT_KEY, else\n"
    "                       the database path + .audit-key)\n"
    "  --cert FILE --key FILE   serve HTTPS with this PEM certificate and key\n"
    "  --threads N          worker threads (default: the CPUs, at least 2)\n"
    "  --max-connections N  connections at once (default 1024)\n"
    "  --per-ip N           connections at once from one address (default 64)\n"
    "  --timeout SECONDS    close a connection idle this long (default 30)\n"
    "  --max-body BYTES     request body cap, 413 past it (default 1048576)\n"
    "  --max-header BYTES   request line and headers cap, 431 past it (default 16384)\n"
    "  --session-idle DUR   a session unused this long ends (default 30m)\n"
    "  --session-max DUR    a session ends this long after log-in (default 12h)\n"
    "  --drain DUR          on SIGTERM, how long requests in flight may take (30s)\n"
    "  --rules FILE         the rules of POST /api/v1/scan and the rule tester;\n"
    "                       without it, the rule set published in the database\n"
    "                       (kuzet rules publish), a newer one taken without a restart\n"
    "  --rules-check SECS   how often to look for a newer published rule set\n"
    "                       (default 5; 0: at every request that scans)\n"
    "  --list-age DUR       how often a background thread reads the decisions in\n"
    "                       effect again (default 5s)\n"
    "  --rpz-origin ZONE    the RPZ export's zone (default rpz.local)\n"
    "  --landing HOST       RPZ/unbound exports: CNAME blocked names to HOST\n"
    "  --trust-proxy ADDR   the reverse proxy's address: from it, the client's address\n"
    "                       is X-Real-IP and the scheme X-Forwarded-Proto\n"
    "  --no-ticks           do not run the on-time jobs (overdue notices, notice\n"
    "                       delivery, verify, recrawl, purge); by default one thread\n"
    "                       runs them (e-mail through $KUZET_SMTP from\n"
    "                       $KUZET_MAIL_FROM, docs/notices.md), on\n"
    "                       PostgreSQL leased as kuzet worker leases them (once\n"
    "                       however many servers and workers are up)\n"
    "  --overdue-every DUR  how often notices past their deadline are looked for\n"
    "                       (default 1m; on PostgreSQL it sets the queue's overdue\n"
    "                       tick, for every process)\n"
    "  --lang kk|ru|en      the web app's language when the browser names none of\n"
    "                       them (default en)\n";

static int num(const char *opt, const char *arg, long lo, long hi, long *out)
{
    char *e = NULL;
    long v = strtol(arg, &e, 10);
    if (e == arg || *e || v < lo || v > hi) {
        kz_cli_err("%s takes a number from %ld to %ld, not '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int dur(const char *opt, const char *arg, unsigned *out)
{
    int64_t v = kz_cli_duration(arg, 0);
    if (v < 1 || v > 366 * 86400) {
        kz_cli_err("%s takes a duration (45s, 30m, 12h, 2d), not '%s'", opt, arg);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "db", required_argument, NULL, 'd' },
        { "audit-key", required_argument, NULL, 'k' },
        { "cert", required_argument, NULL, 'C' },
        { "key", required_argument, NULL, 'K' },
        { "threads", required_argument, NULL, 't' },
        { "max-connections", required_argument, NULL, 'm' },
        { "per-ip", required_argument, NULL, 'p' },
        { "timeout", required_argument, NULL, 'T' },
        { "max-body", required_argument, NULL, 'b' },
        { "max-header", required_argument, NULL, 'H' },
        { "session-idle", required_argument, NULL, 'i' },
        { "session-max", required_argument, NULL, 'x' },
        { "drain", required_argument, NULL, 'D' },
        { "rules", required_argument, NULL, 'R' },
        { "list-age", required_argument, NULL, 'A' },
        { "rpz-origin", required_argument, NULL, 'O' },
        { "landing", required_argument, NULL, 'L' },
        { "trust-proxy", required_argument, NULL, 'P' },
        { "no-ticks", no_argument, NULL, 'N' },
        { "overdue-every", required_argument, NULL, 'E' },
        { "lang", required_argument, NULL, 'G' },
        { "rules-check", required_argument, NULL, 'Q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    kz_serve_opts o;
    kz_serve_public_opts po = { 0 };
    po.rules_check = -1;
    unsigned age = 0, every = 0;
    memset(&o, 0, sizeof o);
    o.audit_key = getenv("KUZET_AUDIT_KEY");
    if (o.audit_key && !*o.audit_key)
        o.audit_key = NULL;
    int c, idx;
    long v;
    size_t z;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'l': o.listen = optarg; break;
        case 'd': o.db = optarg; break;
        case 'k': o.audit_key = optarg; break;
        case 'C': o.cert = optarg; break;
        case 'K': o.key = optarg; break;
        case 't': if (num("--threads", optarg, 1, 256, &v)) return KZ_EXIT_USAGE;
                  o.threads = (unsigned)v; break;
        case 'm': if (num("--max-connections", optarg, 1, 65536, &v)) return KZ_EXIT_USAGE;
                  o.max_conns = (unsigned)v; break;
        case 'p': if (num("--per-ip", optarg, 1, 65536, &v)) return KZ_EXIT_USAGE;
                  o.per_ip = (unsigned)v; break;
        case 'T': if (num("--timeout", optarg, 1, 3600, &v)) return KZ_EXIT_USAGE;
                  o.timeout = (unsigned)v; break;
        case 'b': if (kz_cli_size("--max-body", optarg, 1024, (size_t)1 << 30, &z))
                      return KZ_EXIT_USAGE;
                  o.max_body = z; break;
        case 'H': if (kz_cli_size("--max-header", optarg, 1024, 1 << 20, &z))
                      return KZ_EXIT_USAGE;
                  o.max_header = z; break;
        case 'i': if (dur("--session-idle", optarg, &o.session_idle)) return KZ_EXIT_USAGE;
                  break;
        case 'x': if (dur("--session-max", optarg, &o.session_max)) return KZ_EXIT_USAGE;
                  break;
        case 'D': if (dur("--drain", optarg, &o.drain)) return KZ_EXIT_USAGE;
                  break;
        case 'R': po.rules = optarg; break;
        case 'Q': if (num("--rules-check", optarg, 0, 3600, &v)) return KZ_EXIT_USAGE;
                  po.rules_check = v; break;
        case 'A': if (dur("--list-age", optarg, &age)) return KZ_EXIT_USAGE;
                  po.list_age = age; break;
        case 'O': po.rpz_origin = optarg; break;
        case 'L': po.landing = optarg; break;
        case 'P': o.trust_proxy = optarg; break;
        case 'N': o.no_ticks = 1; break;
        case 'E': if (dur("--overdue-every", optarg, &every)) return KZ_EXIT_USAGE;
                  o.overdue_secs = every; break;
        case 'G': if (kz_lang_parse(optarg) < 0) {
                      kz_cli_err("--lang takes kk, ru or en, not '%s'", optarg);
                      return KZ_EXIT_USAGE;
                  }
                  kz_lang_set_default((kz_lang)kz_lang_parse(optarg)); break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (o.trust_proxy) {
        unsigned char a[16];
        if (inet_pton(AF_INET, o.trust_proxy, a) != 1 && inet_pton(AF_INET6, o.trust_proxy, a) != 1) {
            kz_cli_err("--trust-proxy takes an IP address, not '%s'", o.trust_proxy);
            return KZ_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        kz_cli_err("serve takes no arguments besides options ('%s')", argv[optind]);
        return KZ_EXIT_USAGE;
    }
    char err[1024];
    po.db = o.db;
    po.audit_key = o.audit_key;
    int rc = kz_serve_public_setup(&po, err, sizeof err);
    if (rc) {
        kz_cli_err("serve: %s", err);
        kz_serve_public_release();
        return rc == KZ_EINVAL ? KZ_EXIT_USAGE : KZ_EXIT_FAIL;
    }
    rc = kz_serve_run(&o, err, sizeof err);
    kz_serve_public_release();
    if (rc) {
        kz_cli_err("serve: %s", err);
        return KZ_EXIT_FAIL;
    }
    return KZ_EXIT_OK;
}
