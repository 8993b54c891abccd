/*
 * fuzz/fuzz_rules.c - fuzz target for the rule file parser (detect/rules.c).
 *
 * Parses the input as a rule file, then checks what the parser promises:
 * either a rule set or one or more "fuzz:LINE: reason" lines, never both;
 * every rule complete and within its limits; every rule's category in cats.
 */
#include "detect/rules.h"
#include "fuzz.h"

static void check_errs(const kz_buf *errs)
{
    if (!errs->p)
        return;
    const char *s = errs->p, *end = errs->p + errs->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl || strncmp(s, "fuzz:", 5) != 0)
            abort();                    /* every message is one "fuzz:LINE: ..." line */
        s = nl + 1;
    }
}

static void check_patterns(const kz_pattern *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!p[i].text || !p[i].text[0] || p[i].line == 0)
            abort();
}

static void check_set(const kz_ruleset *rs)
{
    if (!rs->source || rs->nrules == 0)
        abort();
    for (size_t i = 0; i < rs->nrules; i++) {
        const kz_rule *r = &rs->rules[i];
        if (!r->id || !r->category || r->weight < 1 || r->weight > 100 || r->line == 0)
            abort();
        if (r->nphrases + r->nregexes == 0)
            abort();
        check_patterns(r->phrases, r->nphrases);
        check_patterns(r->regexes, r->nregexes);
        check_patterns(r->unless, r->nunless);
        const kz_category *c = kz_ruleset_category(rs, r->category);
        if (!c || c->threshold < 1 || c->threshold > 10000)
            abort();
    }
}

KZ_FUZZ(rules)
{
    kz_ruleset *rs = NULL;
    kz_buf errs;
    kz_buf_init(&errs, 1u << 20);
    int rc = kz_rules_parse((const char *)data, size, "fuzz", &rs, &errs);
    if (rc == 0 && (!rs || errs.len))
        abort();
    if (rc != 0 && rs)
        abort();
    if (rc == KZ_EBADRULE && errs.len == 0)
        abort();
    if (rs)
        check_set(rs);
    check_errs(&errs);
    kz_ruleset_free(&rs);
    kz_buf_release(&errs);
    return 0;
}
