/*
 * tests/t_scanout.c - a scan's findings as JSON (pipeline/scanout.h): the
 * rule tester's answer, a batch of JSON Lines with bad and over-long
 * lines, and a buffer too small left as it was.  (`kuzet scan`'s own
 * output through the same code: tests/golden/scan.)
 */
#include "kt.h"
#include "pipeline/scanout.h"

static const char rules[] =
    "categories:\n"
    "  drugs: { threshold: 50 }\n"
    "rules:\n"
    "  - id: drugs-stash\n"
    "    category: drugs\n"
    "    weight: 50\n"
    "    phrases: [закладка]\n";

typedef struct fx {
    kz_ruleset *rs;
    kz_scanner *s;
    kz_scan_ctx *sc;
    kz_jsonl *jl;
    kz_norm *nm;
} fx;

static void fx_init(fx *f)
{
    kz_buf errs;
    kz_buf_init(&errs, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_rules_parse(rules, sizeof rules - 1, "rules.yaml", &f->rs, &errs), 0);
    KT_EQ_INT(kz_scanner_new(f->rs, &f->s, &errs), 0);
    f->sc = kz_scan_ctx_new(f->s);
    f->jl = kz_jsonl_new(1000);
    f->nm = kz_norm_new();
    KT_CHECK(f->sc && f->jl && f->nm);
    kz_buf_release(&errs);
}

static void fx_release(fx *f)
{
    kz_scan_ctx_free(f->sc);
    kz_jsonl_free(f->jl);
    kz_norm_free(f->nm);
    kz_scanner_free(&f->s);
    kz_ruleset_free(&f->rs);
}

KT_TEST(scanout_rule_tester)
{
    fx f;
    kz_buf o;
    fx_init(&f);
    kz_buf_init(&o, KZ_BUF_NOLIMIT);
    const char *t = "Продам З а к л а д к у";
    KT_EQ_INT(kz_scanout_test(&o, f.s, f.sc, f.nm, t, strlen(t)), 0);
    /* a spaced-out word is also tried without its first and last letters
     * (text/norm.h): the tester shows each spelling tried */
    KT_EQ_STR(o.p, "{\"normalized\":\"продам закладку\",\"words\":[\"продам\","
                   "\"закладку|закладк\"],"
                   "\"flagged\":[],\"score\":{},\"hits\":[]}\n");
    kz_buf_reset(&o);
    t = "ЗАКЛАДКА";
    KT_EQ_INT(kz_scanout_test(&o, f.s, f.sc, f.nm, t, strlen(t)), 0);
    KT_EQ_STR(o.p, "{\"normalized\":\"закладка\",\"words\":[\"закладка\"],\"flagged\":[\"drugs\"],"
                   "\"score\":{\"drugs\":50},\"hits\":[{\"rule\":\"drugs-stash\",\"category\":"
                   "\"drugs\",\"start\":0,\"end\":16,\"match\":\"ЗАКЛАДКА\"}]}\n");
    /* too small a buffer: an error, and nothing half written */
    kz_buf small;
    kz_buf_init(&small, 40);
    KT_EQ_INT(kz_buf_adds(&small, "x"), 0);
    KT_EQ_INT(kz_scanout_test(&small, f.s, f.sc, f.nm, t, strlen(t)), KZ_ETOOBIG);
    KT_EQ_STR(small.p, "x");
    kz_buf_release(&small);
    kz_buf_release(&o);
    fx_release(&f);
}

/* The tester's result as a struct (for the web app's page): the same
 * normalized form, flagged categories and hits as its JSON. */
KT_TEST(scanout_rule_tester_struct)
{
    fx f;
    kz_ruletest t;
    fx_init(&f);
    const char *text = "да ЗАКЛАДКА";
    KT_EQ_INT(kz_ruletest_run(f.s, f.sc, f.nm, text, strlen(text), &t), 0);
    KT_EQ_INT((int)t.normalized_len, (int)strlen("да закладка"));
    KT_EQ_STR(t.normalized, "да закладка");
    KT_EQ_INT((int)t.nflagged, 1);
    KT_EQ_STR(t.flagged[0], "drugs");
    KT_EQ_INT((int)t.nhits, 1);
    KT_EQ_STR(t.hits[0].rule, "drugs-stash");
    KT_EQ_STR(t.hits[0].category, "drugs");
    KT_EQ_INT((int)t.hits[0].start, 5);
    KT_EQ_INT((int)t.hits[0].end, 21);
    KT_CHECK(t.text == text);
    kz_ruletest_release(&t);
    KT_CHECK(t.hits == NULL && t.nhits == 0);
    text = "nothing here";
    KT_EQ_INT(kz_ruletest_run(f.s, f.sc, f.nm, text, strlen(text), &t), 0);
    KT_EQ_INT((int)t.nflagged, 0);
    KT_EQ_INT((int)t.nhits, 0);
    kz_ruletest_release(&t);
    kz_ruletest_release(NULL);
    fx_release(&f);
}

KT_TEST(scanout_lines_with_bad_and_overlong)
{
    fx f;
    kz_buf out, err;
    kz_scanout_counts c;
    fx_init(&f);
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    kz_buf_init(&err, KZ_BUF_NOLIMIT);
    kz_scanout_job j = { f.s, f.jl, f.sc, 0, 1000, "body" };
    const char in[] = "{\"id\":7,\"text\":\"закладка\"}\n"
                      "\n"
                      "not json\n"
                      "\n"                                   /* line 4: over-long */
                      "{\"id\":\"x\",\"text\":\"погода\"}";
    size_t over[] = { 4 };
    KT_EQ_INT(kz_scanout_lines(&j, in, sizeof in - 1, 1, over, 1, &out, &err, &c), 0);
    KT_EQ_STR(out.p, "{\"id\":7,\"line\":1,\"flagged\":[\"drugs\"],\"score\":{\"drugs\":50},"
                     "\"hits\":[{\"rule\":\"drugs-stash\",\"category\":\"drugs\",\"start\":0,"
                     "\"end\":16,\"match\":\"закладка\"}]}\n"
                     "{\"id\":\"x\",\"line\":5,\"flagged\":[],\"score\":{},\"hits\":[]}\n");
    KT_CHECK(strncmp(err.p, "body:3: ", 8) == 0);
    KT_CHECK(strstr(err.p, "body:4: line is longer than the limit of 1000 bytes; skipped\n"));
    KT_EQ_INT(c.records, 2);
    KT_EQ_INT(c.flagged, 1);
    KT_EQ_INT(c.rejected, 2);
    /* flagged only */
    kz_buf_reset(&out);
    j.flagged_only = 1;
    KT_EQ_INT(kz_scanout_lines(&j, in, sizeof in - 1, 1, NULL, 0, &out, &err, &c), 0);
    KT_CHECK(strstr(out.p, "\"id\":\"x\"") == NULL && strstr(out.p, "\"id\":7"));
    kz_buf_release(&out);
    kz_buf_release(&err);
    fx_release(&f);
}
