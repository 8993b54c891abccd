/*
 * tests/t_scan.c - the scan engine: whole words, stems, phrases, joined
 * groups, regexes, unless, scores and thresholds, offsets, errors.
 */
#include "kt.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include <stdlib.h>

typedef struct fixture {
    kz_ruleset  *rs;
    kz_scanner  *sc;
    kz_scan_ctx *cx;
    kz_buf       errs;
} fixture;

static int setup(fixture *f, const char *yaml)
{
    memset(f, 0, sizeof *f);
    kz_buf_init(&f->errs, 1 << 20);
    int rc = kz_rules_parse(yaml, strlen(yaml), "t.yaml", &f->rs, &f->errs);
    if (rc == 0)
        rc = kz_scanner_new(f->rs, &f->sc, &f->errs);
    if (rc == 0)
        f->cx = kz_scan_ctx_new(f->sc);
    return rc;
}

static void teardown(fixture *f)
{
    kz_scan_ctx_free(f->cx);
    kz_scanner_free(&f->sc);
    kz_ruleset_free(&f->rs);
    kz_buf_release(&f->errs);
}

/* "rule@start-end:match rule@..." for the hits of text */
static const char *hits(fixture *f, const char *text)
{
    static char out[4096];
    kz_result r;
    if (kz_scan(f->cx, text, strlen(text), &r) != 0) return "(error)";
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r.nhits; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s@%u-%u:%.*s", i ? " " : "",
                              kz_scanner_rule_id(f->sc, r.hits[i].rule), r.hits[i].start,
                              r.hits[i].end, (int)(r.hits[i].end - r.hits[i].start),
                              text + r.hits[i].start);
    return out;
}

static const char rules1[] =
    "categories:\n"
    "  drugs: { threshold: 50 }\n"
    "rules:\n"
    "  - id: stash\n"
    "    category: drugs\n"
    "    weight: 30\n"
    "    phrases: [закладка, \"купить соль\", \"нарко*\"]\n"
    "  - id: price\n"
    "    category: drugs\n"
    "    weight: 30\n"
    "    regex: ['закладк\\S*\\s+\\d{2,4}']\n"
    "  - id: news\n"
    "    category: drugs\n"
    "    weight: 30\n"
    "    phrases: [мефедрон]\n"
    "    unless: [новости, \"по данным полиции\"]\n";

KT_TEST(scan_whole_words_only)
{
    fixture f;
    KT_EQ_INT(setup(&f, rules1), 0);
    KT_EQ_STR(hits(&f, "закладка"), "stash@0-16:закладка");
    KT_EQ_STR(hits(&f, "закладками закладкасы подзакладка"), "");        /* not inside longer words */
    KT_EQ_STR(hits(&f, "наркотики, НАРКОмания и нарко"),
              "stash@0-18:наркотики stash@20-40:НАРКОмания stash@44-54:нарко");
    KT_EQ_STR(hits(&f, "сверхнаркотики"), "");                            /* a stem starts a word */
    teardown(&f);
}

KT_TEST(scan_multiword_phrase)
{
    fixture f;
    KT_EQ_INT(setup(&f, rules1), 0);
    KT_EQ_STR(hits(&f, "где КУПИТЬ   соль?"), "stash@7-30:КУПИТЬ   соль");
    KT_EQ_STR(hits(&f, "купить хорошую соль"), "");
    KT_EQ_STR(hits(&f, "купить соль-перец"), "");                         /* a part of a joined word */
    teardown(&f);
}

static const char *rules_informal =
    "categories:\n"
    "  terror: { threshold: 50 }\n"
    "rules:\n"
    "  - id: t\n"
    "    category: terror\n"
    "    weight: 60\n"
    "    phrases: [джихад, выпилиться, \"вступай сейчас\", \"kill yourself\"]\n";

/* A rule phrase is also matched as informal Latin writes it (i for ы, ia for
 * я, y for й, j for дж) and, for several words, written as one word. */
KT_TEST(scan_rule_variants)
{
    fixture f;
    KT_EQ_INT(setup(&f, rules_informal), 0);
    KT_EQ_STR(hits(&f, "jihad"), "t@0-5:jihad");
    KT_EQ_STR(hits(&f, "vipilitsia"), "t@0-10:vipilitsia");
    KT_EQ_STR(hits(&f, "vstupay seychas"), "t@0-15:vstupay seychas");
    KT_EQ_STR(hits(&f, "#killyourself"), "t@1-13:killyourself");
    KT_EQ_STR(hits(&f, "джихадист vopilitsia"), "");
    teardown(&f);
}

/* Each word of a phrase varies on its own: y for ы in one word and i in the
 * next, й as i in one word and as y in the other. */
KT_TEST(scan_rule_variants_per_word)
{
    fixture f;
    KT_EQ_INT(setup(&f, "categories:\n  c: { threshold: 50 }\nrules:\n  - id: r\n    category: c\n"
                        "    weight: 60\n    phrases: [\"сайдыр ырғыс\", \"вникнувший яйцевидный\"]\n"), 0);
    KT_EQ_STR(hits(&f, "sajdyr irghis"), "r@0-13:sajdyr irghis");
    KT_EQ_STR(hits(&f, "vniknuvshii iaytcevidniy"), "r@0-24:vniknuvshii iaytcevidniy");
    KT_EQ_STR(hits(&f, "saydyr irghis"), "r@0-13:saydyr irghis");
    KT_EQ_STR(hits(&f, "sajdyr"), "");
    teardown(&f);
    /* iu for ю and y for я in one word: the two are apart */
    KT_EQ_INT(setup(&f, "categories:\n  c: { threshold: 50 }\nrules:\n  - id: r\n    category: c\n"
                        "    weight: 60\n    phrases: [хвастающийся]\n"), 0);
    KT_EQ_STR(hits(&f, "hvastaiushchijsja"), "r@0-17:hvastaiushchijsja");
    teardown(&f);
}

KT_TEST(scan_joined_group_matches_as_one_word)
{
    fixture f;
    KT_EQ_INT(setup(&f, rules1), 0);
    KT_EQ_STR(hits(&f, "за-кла-дка"), "stash@0-18:за-кла-дка");
    KT_EQ_STR(hits(&f, "закладка-тайник"), "stash@0-16:закладка");
    teardown(&f);
}

KT_TEST(scan_regex_on_normalized_text)
{
    fixture f;
    KT_EQ_INT(setup(&f, rules1), 0);
    /* the regex sees "закладки 500"; the hit is shown as written */
    KT_EQ_STR(hits(&f, "ЗАКЛАДКИ 500"), "price@0-20:ЗАКЛАДКИ 500");
    teardown(&f);
}

KT_TEST(scan_unless_cancels_rule_in_document)
{
    fixture f;
    kz_result r;
    KT_EQ_INT(setup(&f, rules1), 0);
    KT_EQ_STR(hits(&f, "мефедрон"), "news@0-16:мефедрон");
    KT_EQ_STR(hits(&f, "Новости: изъят мефедрон"), "");
    KT_EQ_STR(hits(&f, "мефедрон, по данным полиции"), "");
    /* only that rule is cancelled */
    const char *t = "новости: закладка и мефедрон";
    KT_EQ_INT(kz_scan(f.cx, t, strlen(t), &r), 0);
    KT_EQ_INT(r.nhits, 1);
    KT_EQ_INT(r.score[0], 30);
    teardown(&f);
}

KT_TEST(scan_scores_distinct_rules_against_threshold)
{
    fixture f;
    kz_result r;
    KT_EQ_INT(setup(&f, rules1), 0);
    const char *one = "закладка закладка закладка";        /* one rule, three hits */
    KT_EQ_INT(kz_scan(f.cx, one, strlen(one), &r), 0);
    KT_EQ_INT(r.nhits, 3);
    KT_EQ_INT(r.score[0], 30);
    KT_EQ_INT(r.nflagged, 0);
    const char *two = "закладка и мефедрон";                 /* two rules: 60 >= 50 */
    KT_EQ_INT(kz_scan(f.cx, two, strlen(two), &r), 0);
    KT_EQ_INT(r.score[0], 60);
    KT_EQ_INT(r.flagged[0], 1);
    KT_EQ_INT(r.nflagged, 1);
    /* state does not leak into the next scan */
    KT_EQ_INT(kz_scan(f.cx, "", 0, &r), 0);
    KT_EQ_INT(r.score[0], 0);
    KT_EQ_INT(r.nhits, 0);
    teardown(&f);
}

KT_TEST(scan_rule_written_in_cyrillic_kazakh_catches_latin)
{
    fixture f;
    KT_EQ_INT(setup(&f, "rules:\n  - {id: k, category: bullying, weight: 60, "
                        "phrases: [\"сен ақымақсың\"]}\n"), 0);
    KT_EQ_STR(hits(&f, "sen aqymaqsyñ"), "k@0-14:sen aqymaqsyñ");
    KT_EQ_STR(hits(&f, "Сен акымаксын!"), "k@0-25:Сен акымаксын");
    teardown(&f);
}

KT_TEST(scan_compile_errors_name_the_line)
{
    fixture f;
    int rc = setup(&f, "rules:\n"
                       "  - id: a\n"
                       "    category: x\n"
                       "    weight: 10\n"
                       "    phrases: [\"!!!\", \"ok\", \"ab*\"]\n"
                       "    regex: ['(unclosed']\n");
    KT_EQ_INT(rc, KZ_EBADRULE);
    KT_CHECK(f.errs.p && strstr(f.errs.p, "t.yaml:5: phrase '!!!' has no letters or digits"));
    KT_CHECK(f.errs.p && strstr(f.errs.p, "t.yaml:5: stem 'ab*' is too short"));
    KT_CHECK(f.errs.p && strstr(f.errs.p, "t.yaml:6: regex '(unclosed' does not compile"));
    teardown(&f);
    /* a long bad regex is quoted in its first 60 bytes, control characters as '?' */
    rc = setup(&f, "rules:\n"
                   "  - {id: b, category: x, weight: 10, regex: [\"(\\u0007"
                   "0123456789012345678901234567890123456789012345678901234567890123456789\"]}\n");
    KT_EQ_INT(rc, KZ_EBADRULE);
    KT_CHECK(f.errs.p && strstr(f.errs.p, "t.yaml:2: regex '(?012345678901234567890123456789"
                                          "0123456789012345678901234567...' does not compile"));
    teardown(&f);
}

KT_TEST(scan_many_hits_are_capped_but_scored)
{
    fixture f;
    kz_result r;
    KT_EQ_INT(setup(&f, rules1), 0);
    size_t n = 5000;
    char *t = malloc(n * 17 + 32);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(t + o, "закладка ", 17);
        o += 17;
    }
    memcpy(t + o, "мефедрон", 16);
    o += 16;
    KT_EQ_INT(kz_scan(f.cx, t, o, &r), 0);
    KT_EQ_INT(r.nhits, KZ_SCAN_MAX_HITS);
    KT_CHECK(r.hits_dropped > 0);
    KT_EQ_INT(r.score[0], 60);                /* the rule after the cap still counts */
    free(t);
    teardown(&f);
}

KT_TEST(scan_ctx_per_thread_shares_scanner)
{
    fixture f;
    KT_EQ_INT(setup(&f, rules1), 0);
    kz_scan_ctx *c2 = kz_scan_ctx_new(f.sc);
    kz_result r1, r2;
    KT_EQ_INT(kz_scan(f.cx, "закладка", 16, &r1), 0);
    KT_EQ_INT(kz_scan(c2, "мефедрон", 16, &r2), 0);
    KT_EQ_INT(r1.nhits, 1);                   /* results live in their own context */
    KT_EQ_INT(r2.nhits, 1);
    KT_CHECK(r1.hits[0].rule != r2.hits[0].rule);
    kz_scan_ctx_free(c2);
    teardown(&f);
}

KT_TEST(scan_raw_regex_runs_on_text_as_written)
{
    fixture f;
    KT_EQ_INT(setup(&f, "rules:\n"
                        "  - {id: wallet, category: drugs, weight: 30, raw_regex: ['\\bbc1[a-z0-9]{20}[a-z0-9]*']}\n"
                        "  - {id: tg, category: drugs, weight: 30, raw_regex: ['@[a-z0-9_]{5,32}_bot\\b']}\n"), 0);
    KT_EQ_STR(hits(&f, "оплата: BC1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh, пишите @Shop_KZ_bot"),
              "wallet@14-56:BC1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh tg@71-83:@Shop_KZ_bot");
    KT_EQ_STR(hits(&f, "xbc1qxy2kgdygjrsqtzq2n0yrf2493"), "");        /* \b holds */
    teardown(&f);
}
