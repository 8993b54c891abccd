/*
 * report/report.h - the transparency report: figures computed from the
 * store over a period, with SQL aggregates that run the same on SQLite and
 * PostgreSQL (medians are taken in C, exactly).
 *
 * A report is a list of figures in a fixed order: its rows
 * (kz_report_rows).  Each figure has a path (a section and one to three
 * keys below it, e.g. "notices" / "sent", or "decisions" / "by_measure" /
 * "url_block") and a value: an integer, a number (medians in hours,
 * shares), a string (the period) or null (the median of no durations).
 * The writers walk the rows: kz_report_json() nests the path into
 * objects; kz_report_csv() writes one line per row: section,key,value
 * where key is the rest of the path joined by '.'; a page shows them as
 * they are.  docs/report.md lists every figure and how it is computed.
 *
 * The period is [from 00:00:00Z, to + 1 day 00:00:00Z), UTC; "as of --to"
 * means at the end of that last day.
 *
 * Errors: KZ_EINVAL (a bad date, to before from), KZ_ENOMEM, storage
 * errors (the message in kz_store_errmsg()).  Not thread-safe; a report
 * borrows nothing from the store once computed.
 */
#ifndef KZ_REPORT_H
#define KZ_REPORT_H

#include "store/store.h"
#include "util/buf.h"

typedef struct kz_report kz_report;

enum { KZ_FIG_INT, KZ_FIG_NUM, KZ_FIG_STR, KZ_FIG_NULL };

#define KZ_REPORT_DEPTH 4           /* the section and up to three keys */

/* One figure.  Every string is lent by the report (kz_report_free). */
typedef struct kz_report_row {
    const char *path[KZ_REPORT_DEPTH];  /* the section, then the keys */
    int         depth;                  /* 2..KZ_REPORT_DEPTH */
    const char *section;                /* path[0]: "decisions" */
    const char *key;                    /* the keys joined by '.': "by_measure.url_block" */
    int         kind;                   /* KZ_FIG_* */
    int64_t     i;                      /* KZ_FIG_INT */
    double      num;                    /* the value as a number: 0 for a string and null */
    const char *str;                    /* KZ_FIG_STR; NULL otherwise */
    const char *value;                  /* as the CSV writes it: "" for null */
} kz_report_row;

/* 1 when d is a valid calendar date "YYYY-MM-DD" (years 1000..9998). */
int kz_report_date_ok(const char *d);

/* Is [from, to] a period a report covers: two dates, to not before from?
 * 0, or KZ_EINVAL with why naming them as fname and tname ("--from
 * '...' is not a date (YYYY-MM-DD)", "--to ... is before --from ..."). */
int kz_report_period_check(const char *from, const char *to, const char *fname,
                           const char *tname, char *why, size_t whysz);

/* The half-open interval of [from, to]: lo = "FROMT00:00:00Z", hi = the day
 * after TO at 00:00:00Z.  0, or KZ_EINVAL (a bad date, to before from). */
int kz_report_bounds(const char *from, const char *to, char lo[21], char hi[21]);

/* Compute the report for [from, to] (dates "YYYY-MM-DD", to inclusive).
 * On success *out is a new report (kz_report_free). */
int  kz_report_compute(kz_store *s, const char *from, const char *to, kz_report **out);
void kz_report_free(kz_report **rp);                      /* NULL-safe; sets *rp = NULL */

/* Append the report as one JSON object (and a newline), or as CSV with a
 * header line "section,key,value". */
int kz_report_json(const kz_report *r, kz_buf *out);
int kz_report_csv(const kz_report *r, kz_buf *out);

/* Append the report as text for people: each section's name on a line of
 * its own, then a line per figure, "  KEY VALUE", the key as in the CSV
 * padded to 50 columns; null is "-". */
int kz_report_text(const kz_report *r, kz_buf *out);

/* The figures in the report's order: *n rows, lent by r. */
const kz_report_row *kz_report_rows(const kz_report *r, size_t *n);

/* The figure section / key (key as in the CSV), or NULL. */
const kz_report_row *kz_report_find(const kz_report *r, const char *section, const char *key);

/* Look a figure up by its CSV name: section and key ("notices", "sent";
 * "decisions", "by_measure.url_block").  *v is its value as a number (0
 * for null and strings).  0, or KZ_ENOTFOUND; *is_null says null. */
int kz_report_get(const kz_report *r, const char *section, const char *key, double *v,
                  int *is_null);

#endif
