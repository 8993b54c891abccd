/*
 * detect/scan.h - the scan engine: which rules a text breaks, where, and
 * how much.
 *
 * kz_scanner_new() compiles a rule set once: phrases are normalized with
 * text/norm.h and indexed by their first word in hash tables (exact words,
 * and stems by prefix length); regexes go into one Hyperscan database.
 * The compiled scanner is immutable and may be shared by any number of
 * threads; each thread makes its own kz_scan_ctx (normalizer, Hyperscan
 * scratch, result buffers).
 *
 * A scan normalizes the text, looks every word (and every joined group, and
 * every alternate spelling) up in the tables, verifies multi-word phrases
 * in sequence, runs the regexes over the normalized text, drops the rules
 * that an `unless` phrase cancels, and sums the weights of the distinct
 * matched rules per category.  Hits are reported as byte offsets into the
 * original text.
 */
#ifndef KZ_SCAN_H
#define KZ_SCAN_H

#include "util/kz.h"
#include "util/buf.h"
#include "detect/rules.h"
#include "text/norm.h"

typedef struct kz_scanner kz_scanner;
typedef struct kz_scan_ctx kz_scan_ctx;

#define KZ_SCAN_MAX_HITS 1000      /* hits kept per document; the rest counted */
#define KZ_PHRASE_MAX_WORDS 16
#define KZ_STEM_MIN_LETTERS 3

/* Compile rs (which need not outlive the scanner).  On success 0 and *out.
 * On problems KZ_EBADRULE with one "FILE:LINE: reason\n" per problem in
 * errs (phrases with nothing left after normalization, stems too short,
 * regexes Hyperscan refuses), or KZ_ENOMEM / KZ_EMATCHER. */
int  kz_scanner_new(const kz_ruleset *rs, kz_scanner **out, kz_buf *errs);
void kz_scanner_free(kz_scanner **sp);                  /* NULL-safe; sets *sp = NULL */

size_t      kz_scanner_nrules(const kz_scanner *s);
const char *kz_scanner_rule_id(const kz_scanner *s, size_t rule);
size_t      kz_scanner_rule_cat(const kz_scanner *s, size_t rule);
int         kz_scanner_rule_weight(const kz_scanner *s, size_t rule);
size_t      kz_scanner_ncats(const kz_scanner *s);
const char *kz_scanner_cat_name(const kz_scanner *s, size_t cat);
int         kz_scanner_cat_threshold(const kz_scanner *s, size_t cat);
size_t      kz_scanner_nphrases(const kz_scanner *s);    /* index entries, alternates included */
size_t      kz_scanner_nregexes(const kz_scanner *s);
/* How many of its Hyperscan databases came from the compile cache
 * (detect/hscache.h) instead of being compiled. */
unsigned    kz_scanner_cached(const kz_scanner *s);
/* The rule set's version (kz_ruleset.version) it was built from: what
 * its detections record; "" when the rule set had none. */
const char *kz_scanner_version(const kz_scanner *s);

typedef struct kz_hit {
    uint32_t rule;              /* index into the scanner's rules */
    uint32_t start, end;        /* byte span in the original text */
} kz_hit;

typedef struct kz_result {
    const kz_hit    *hits;      /* sorted by start, then rule; cancelled rules left out */
    size_t           nhits;
    size_t           hits_dropped;   /* over KZ_SCAN_MAX_HITS */
    const uint32_t  *score;     /* per category: sum of weights of distinct matched rules */
    const uint8_t   *flagged;   /* per category: score reached the threshold */
    size_t           nflagged;
    size_t           invalid_utf8;
} kz_result;

/* Per-thread state; NULL on ENOMEM or when Hyperscan scratch fails. */
kz_scan_ctx *kz_scan_ctx_new(const kz_scanner *s);
void kz_scan_ctx_free(kz_scan_ctx *c);                  /* NULL-safe */

/* Scan text[0..n).  *res stays valid until the next call on c.
 * 0, KZ_ENOMEM, KZ_ETOOBIG or KZ_EMATCHER. */
int kz_scan(kz_scan_ctx *c, const char *text, size_t n, kz_result *res);

#endif
