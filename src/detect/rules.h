/*
 * detect/rules.h - rule files: YAML in, a checked rule set out.
 *
 *   categories:                 # optional
 *     drugs: { threshold: 60 }  # default threshold 50
 *   rules:
 *     - id: drugs-sale-1
 *       category: drugs
 *       weight: 40              # 1-100
 *       phrases: [закладка, "купить нарко*"]   # whole words; trailing * = any ending
 *       regex: ['закладк\S*\s+\d{2,4}']        # optional: over the normalized text
 *       raw_regex: ['\bbc1[a-z0-9]{20,60}']     # optional: over the text as written
 *       unless: [новости]       # optional: cancels the rule in that document
 *
 * Loading checks everything it can without the scanner (types, ranges,
 * duplicate ids, empty lists, unknown keys, a '*' that is not at the end)
 * and reports every problem, not only the first, as "FILE:LINE: reason"
 * lines.  The scanner (detect/scan.h) adds what needs normalization and
 * regex compilation, in the same form.
 */
#ifndef KZ_RULES_H
#define KZ_RULES_H

#include "util/kz.h"
#include "util/buf.h"

typedef struct kz_pattern {
    char    *text;      /* as written in the file, NUL-terminated */
    unsigned line;      /* 1-based line in the rule file */
} kz_pattern;

typedef struct kz_rule {
    char       *id;
    char       *category;
    int         weight;          /* 1..100 */
    kz_pattern *phrases;  size_t nphrases;
    kz_pattern *regexes;  size_t nregexes;
    kz_pattern *unless;   size_t nunless;
    kz_pattern *raw_regexes; size_t nraw_regexes;   /* over the original text */
    unsigned    line;            /* line of the rule's first key */
} kz_rule;

typedef struct kz_category {
    char    *name;
    int      threshold;          /* default 50 */
    unsigned line;               /* 0 when only used by rules, not declared */
} kz_category;

typedef struct kz_ruleset {
    char        *source;         /* the file name used in messages */
    kz_rule     *rules;  size_t nrules;
    kz_category *cats;   size_t ncats;   /* every category a rule uses, plus declared ones */
    char         sha256[65];     /* of the bytes parsed (hex) */
    char         version[80];    /* what detections record as the rules they came from:
                                    "file:<sha256>" as parsed; a rule set read from the
                                    store sets its version number ("3") before the
                                    scanner is built (store/rulesets.h) */
} kz_ruleset;

#define KZ_RULES_MAX_FILE (64u << 20)     /* a rule file over 64 MiB is refused */

/* Parse data[0..n) named `name` in messages.  On success returns 0 and
 * *out owns a new rule set.  On any problem returns KZ_EBADRULE (or
 * KZ_ENOMEM), sets *out = NULL and appends one "name:line: reason\n" per
 * problem to errs (which may be NULL). */
int kz_rules_parse(const char *data, size_t n, const char *name, kz_ruleset **out, kz_buf *errs);

/* Read and parse a file; an unreadable file is reported in errs too. */
int kz_rules_load(const char *path, kz_ruleset **out, kz_buf *errs);

void kz_ruleset_free(kz_ruleset **rs);                 /* NULL-safe; sets *rs = NULL */

/* The category entry for name, or NULL. */
const kz_category *kz_ruleset_category(const kz_ruleset *rs, const char *name);

#endif
