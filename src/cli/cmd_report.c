/*
 * cli/cmd_report.c - kuzet report: the transparency report over a period,
 * as JSON or CSV (src/report/, docs/report.md).
 */
#include "cli.h"
#include "report/report.h"
#include "store/store.h"
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet report --from DATE --to DATE [--format json|csv|text] [--db URI]\n"
    "\n"
    "The figures of a transparency report for the period, computed from the store:\n"
    "items flagged, decisions, links blocked, geo-restrictions, notices, median time\n"
    "to removal (median, 90th percentile), compliance and content that came back\n"
    "after removal per platform and category, appeals, automated detection.\n"
    "\n"
    "  --from DATE    first day of the period, YYYY-MM-DD (UTC)\n"
    "  --to DATE      last day of the period, YYYY-MM-DD (UTC, inclusive)\n"
    "  --format F     json (default: one object), csv (section,key,value) or text\n"
    "  --db URI       sqlite:PATH or a path, or postgresql://... (default $KUZET_DB,\n"
    "                 else sqlite:kuzet.db)\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "format", required_argument, NULL, 'F' },
        { "db", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *from = NULL, *to = NULL, *format = "json";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:F:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'F': format = optarg; break;
        case 'd': uri = optarg; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        kz_cli_err("report: unexpected argument '%s'", argv[optind]);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (!from || !to) {
        kz_cli_err("report: --from and --to are required");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    char why[160];
    if (kz_report_period_check(from, to, "--from", "--to", why, sizeof why) != 0) {
        kz_cli_err("report: %s", why);
        return KZ_EXIT_USAGE;
    }
    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "text")) {
        kz_cli_err("report: --format must be json, csv or text, not '%s'", format);
        return KZ_EXIT_USAGE;
    }
    kz_store *s = NULL;
    kz_report *r = NULL;
    kz_buf out;
    int rc, status = KZ_EXIT_FAIL;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    if (kz_store_open(&s, uri, 1) != 0) {
        kz_cli_err("%s", kz_store_errmsg(s));
        kz_store_close(&s);
        goto out;
    }
    if ((rc = kz_report_compute(s, from, to, &r)) != 0) {
        kz_cli_err("report: %s: %s", kz_strerror(rc), kz_store_errmsg(s));
        goto out;
    }
    rc = !strcmp(format, "csv")    ? kz_report_csv(r, &out)
         : !strcmp(format, "text") ? kz_report_text(r, &out)
                                   : kz_report_json(r, &out);
    if (rc) {
        kz_cli_err("report: %s", kz_strerror(rc));
        goto out;
    }
    if (out.len && fwrite(out.p, 1, out.len, stdout) != out.len) {
        kz_cli_err("report: writing the output failed");
        goto out;
    }
    status = fflush(stdout) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_buf_release(&out);
    kz_report_free(&r);
    kz_store_close(&s);
    return status;
}
