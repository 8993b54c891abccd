/*
 * pipeline/scanout.h - what a scan says about a text, as JSON: the lines
 * `kuzet scan` prints and POST /api/v1/scan returns, and the rule
 * tester's answer (the normalized text with the hits).  One place, so the
 * command and the server say the same thing byte for byte.
 *
 * A record's line (docs/scan.md):
 *   {"id":ID|null[,"line":N],"flagged":[CAT...],"score":{CAT:N...},
 *    "hits":[{"rule":ID,"category":CAT,"start":B,"end":B,"match":TEXT}...]
 *    [,"hits_dropped":N][,"invalid_utf8":N][,"text_from":"html"]}\n
 * where start/end are byte offsets into the record's text and match is
 * that span of the original text.
 *
 * Thread-safety: the functions keep no state; the kz_scan_ctx, kz_jsonl
 * and kz_norm passed in belong to one thread.
 */
#ifndef KZ_SCANOUT_H
#define KZ_SCANOUT_H

#include "detect/scan.h"
#include "ingest/jsonl.h"
#include "text/norm.h"
#include "util/buf.h"

/*
 * Append the line for rec (scanned with result r; rec->text is the text
 * the offsets are into) to o; line 0 leaves "line" out.  0, or KZ_ENOMEM /
 * KZ_ETOOBIG from o, which is then left as it was.
 */
int kz_scanout_record(kz_buf *o, const kz_scanner *s, const kz_record *rec, size_t line,
                      const kz_result *r);

typedef struct kz_scanout_counts {
    size_t records, flagged, rejected;
} kz_scanout_counts;

/* What a batch of input lines takes: the scanner and one thread's state. */
typedef struct kz_scanout_job {
    const kz_scanner *scanner;
    kz_jsonl *jl;
    kz_scan_ctx *sc;
    int flagged_only;          /* lines only for records flagged for some category */
    size_t max_record;         /* for the message about an over-long line */
    const char *path;          /* the input's name in messages ("<stdin>", "body") */
} kz_scanout_job;

/*
 * Scan one record: its line appended to out (unless flagged_only and not
 * flagged), or, when it cannot be scanned, "PATH:LINE: cannot scan:
 * REASON\n" to err.  Counts in *c.  0, or KZ_ENOMEM / KZ_ETOOBIG from out
 * or err.
 */
int kz_scanout_one(const kz_scanout_job *j, const kz_record *rec, size_t line, kz_buf *out,
                   kz_buf *err, kz_scanout_counts *c);

/*
 * Scan the JSON Lines p[0..n), whose first line is number first_line:
 * each record as kz_scanout_one does; a line that is not a record gives
 * "PATH:LINE: REASON\n" in err; blank lines are skipped; the lines whose
 * numbers are in overlong[0..noverlong) (ascending: lines the reader left
 * out for their length, present here as empty lines) give "PATH:LINE:
 * line is longer than the limit of N bytes; skipped\n".  *c is set (not
 * added to).  0, or KZ_ENOMEM / KZ_ETOOBIG from out or err.
 */
int kz_scanout_lines(const kz_scanout_job *j, const char *p, size_t n, size_t first_line,
                     const size_t *overlong, size_t noverlong, kz_buf *out, kz_buf *err,
                     kz_scanout_counts *c);

/*
 * The rule tester: normalize and scan text[0..n) into *t, for a page to
 * show.  t->text is the text (lent by the caller), t->normalized its
 * normalized form (lent by nm), t->flagged the categories flagged (names
 * lent by the scanner), t->hits each hit with its rule's name and category
 * and its byte span [start, end) of the text (owned by t); all valid
 * until kz_ruletest_release or the next call on nm or sc.  0, KZ_ENOMEM,
 * KZ_ETOOBIG (the text), KZ_EMATCHER; t is empty on error.
 */
typedef struct kz_ruletest_hit {
    const char *rule, *category;
    size_t start, end;
} kz_ruletest_hit;

typedef struct kz_ruletest {
    const char *text;
    size_t len;
    const char *normalized;
    size_t normalized_len;
    const char **flagged;
    size_t nflagged;
    kz_ruletest_hit *hits;
    size_t nhits;
    size_t hits_dropped;        /* hits over KZ_SCAN_MAX_HITS, left out */
    size_t invalid_utf8;        /* invalid UTF-8 bytes replaced */
    /* what the JSON writer reads */
    const kz_scanner *s;
    kz_normtext norm;
    kz_result res;
} kz_ruletest;

int  kz_ruletest_run(const kz_scanner *s, kz_scan_ctx *sc, kz_norm *nm, const char *text,
                     size_t n, kz_ruletest *t);
void kz_ruletest_release(kz_ruletest *t);      /* NULL-safe; leaves t empty */

/*
 * The tester's answer as JSON, appended to o:
 *   {"normalized":TEXT,"words":[W...],"flagged":[...],"score":{...},
 *    "hits":[...][,"hits_dropped":N][,"invalid_utf8":N]}\n
 * (words: each word's spellings joined by "|", as `kuzet normalize
 * --tokens` shows them).  0, KZ_ENOMEM, KZ_ETOOBIG (o); o is left as it
 * was on error.
 */
int kz_ruletest_json(const kz_ruletest *t, kz_buf *o);

/* kz_ruletest_run then kz_ruletest_json (POST /api/v1/rules/test): 0,
 * KZ_ENOMEM, KZ_ETOOBIG (the text or out), KZ_EMATCHER; o is left as it
 * was on error. */
int kz_scanout_test(kz_buf *o, const kz_scanner *s, kz_scan_ctx *sc, kz_norm *nm,
                    const char *text, size_t n);

/* The rules a scanner holds, as one JSON document:
 * {"categories":[{"name","threshold"}...],"rules":[{"id","category","weight"}...]}
 * and a newline, appended to o.  0 or KZ_ENOMEM. */
int kz_scanout_rules(kz_buf *o, const kz_scanner *s);

/* A whole body of JSON Lines scanned into one JSON document appended to o:
 * {"records","flagged","rejected","results":[each line kz_scanout_lines
 * writes],"errors":["each error line"]} and a newline.  Codes as
 * kz_scanout_lines. */
int kz_scanout_document(const kz_scanout_job *j, const char *p, size_t n, kz_buf *o);

#endif
