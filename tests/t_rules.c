/*
 * tests/t_rules.c - the rule file parser (detect/rules.c): a valid file
 * checked field by field, every error message word for word, limits and
 * hostile input.
 */
#include "kt.h"
#include "detect/rules.h"
#include <stdlib.h>
#include <unistd.h>

/* Under ASan, each test ends with a leak check: the runner's children end
 * with _exit(), which skips LeakSanitizer's own check at exit. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RULES_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RULES_ASAN 1
#endif
#ifdef RULES_ASAN
#include <sanitizer/lsan_interface.h>
#define NO_LEAKS() KT_CHECK(__lsan_do_recoverable_leak_check() == 0)
#else
#define NO_LEAKS() ((void)0)
#endif

/* Parse yaml as "t.yaml"; *errs gets the messages ("" when none). */
static int parse(const char *yaml, kz_ruleset **rs, char **errs)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_rules_parse(yaml, strlen(yaml), "t.yaml", rs, &b);
    *errs = kz_strdup(b.p ? b.p : "");
    kz_buf_release(&b);
    return rc;
}

/* yaml must fail with exactly the messages want. */
static void expect_errs(const char *file, int line, const char *yaml, const char *want)
{
    kz_ruleset *rs = (kz_ruleset *)&rs;     /* must be reset to NULL */
    char *errs = NULL;
    int rc = parse(yaml, &rs, &errs);
    if (rc != KZ_EBADRULE)
        kt_fail(file, line, "rc == %d, expected KZ_EBADRULE", rc);
    if (rs)
        kt_fail(file, line, "rule set not NULL after an error");
    if (strcmp(errs, want) != 0)
        kt_fail(file, line, "errors:\n%s---- expected:\n%s----", errs, want);
    kz_ruleset_free(&rs);
    free(errs);
}
#define EXPECT_ERRS(yaml, want) expect_errs(__FILE__, __LINE__, yaml, want)

/* A rule that is fine, for files that test something else. */
#define OK_RULE "  - {id: ok, category: c, weight: 1, phrases: [x]}\n"

static const char valid_yaml[] =
    "# kuzet test rules\n"                                          /* 1 */
    "version: 1\n"
    "categories:\n"
    "  drugs: { threshold: 60 }\n"
    "  terror:\n"                                                   /* 5 */
    "    threshold: 80\n"
    "    description: Terrorist propaganda\n"
    "  bullying: 30\n"
    "  unused:\n"
    "rules:\n"                                                      /* 10 */
    "  - id: drugs-sale-1\n"
    "    category: drugs\n"
    "    weight: 40\n"
    "    phrases: [закладка, \"  купить нарко*  \"]\n"
    "    regex: ['\\bbtc\\s*[13][a-z0-9]{25,34}']\n"               /* 15 */
    "    unless: [новости, 'арест*']\n"
    "    description: Selling drugs through dead drops\n"
    "    lang: ru\n"
    "  - id: terror.kk:2\n"
    "    category: terror\n"                                        /* 20 */
    "    weight: 100\n"
    "    phrases:\n"
    "      - жиһадқа шақыру\n"
    "      - shahid bol*\n"
    "    lang: [kk, ru]\n"                                          /* 25 */
    "  - id: bully_EN\n"
    "    category: bullying\n"
    "    weight: +7\n"
    "    phrases: kill yourself\n"
    "    regexes:\n"                                                /* 30 */
    "      - 'you\\s+are\\s+(ugly|fat)'\n"
    "      - \"kys\"\n"
    "    unless: quote\n"
    "  - {id: spam1, category: spam, weight: 1, regex: 'buy now'}\n";

KT_TEST(rules_valid_file)
{
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse(valid_yaml, &rs, &errs), 0);
    KT_EQ_STR(errs, "");
    free(errs);
    if (!rs)
        return;
    KT_EQ_STR(rs->source, "t.yaml");
    KT_EQ_INT(rs->nrules, 4);

    const kz_rule *r = &rs->rules[0];
    KT_EQ_STR(r->id, "drugs-sale-1");
    KT_EQ_STR(r->category, "drugs");
    KT_EQ_INT(r->weight, 40);
    KT_EQ_INT(r->line, 11);
    KT_EQ_INT(r->nphrases, 2);
    KT_EQ_STR(r->phrases[0].text, "закладка");
    KT_EQ_INT(r->phrases[0].line, 14);
    KT_EQ_STR(r->phrases[1].text, "купить нарко*");        /* trimmed, stem kept */
    KT_EQ_INT(r->phrases[1].line, 14);
    KT_EQ_INT(r->nregexes, 1);
    KT_EQ_STR(r->regexes[0].text, "\\bbtc\\s*[13][a-z0-9]{25,34}");
    KT_EQ_INT(r->regexes[0].line, 15);
    KT_EQ_INT(r->nunless, 2);
    KT_EQ_STR(r->unless[0].text, "новости");
    KT_EQ_STR(r->unless[1].text, "арест*");
    KT_EQ_INT(r->unless[1].line, 16);

    r = &rs->rules[1];
    KT_EQ_STR(r->id, "terror.kk:2");
    KT_EQ_STR(r->category, "terror");
    KT_EQ_INT(r->weight, 100);
    KT_EQ_INT(r->line, 19);
    KT_EQ_INT(r->nphrases, 2);
    KT_EQ_STR(r->phrases[0].text, "жиһадқа шақыру");
    KT_EQ_INT(r->phrases[0].line, 23);
    KT_EQ_STR(r->phrases[1].text, "shahid bol*");
    KT_EQ_INT(r->phrases[1].line, 24);
    KT_EQ_INT(r->nregexes, 0);
    KT_EQ_INT(r->nunless, 0);
    KT_CHECK(r->regexes == NULL && r->unless == NULL);

    r = &rs->rules[2];
    KT_EQ_STR(r->id, "bully_EN");
    KT_EQ_INT(r->weight, 7);
    KT_EQ_INT(r->nphrases, 1);                              /* a scalar is a list of one */
    KT_EQ_STR(r->phrases[0].text, "kill yourself");
    KT_EQ_INT(r->phrases[0].line, 29);
    KT_EQ_INT(r->nregexes, 2);                              /* "regexes" = "regex" */
    KT_EQ_STR(r->regexes[0].text, "you\\s+are\\s+(ugly|fat)");
    KT_EQ_INT(r->regexes[0].line, 31);
    KT_EQ_STR(r->regexes[1].text, "kys");
    KT_EQ_INT(r->regexes[1].line, 32);
    KT_EQ_INT(r->nunless, 1);
    KT_EQ_STR(r->unless[0].text, "quote");

    r = &rs->rules[3];
    KT_EQ_STR(r->id, "spam1");
    KT_EQ_INT(r->line, 34);
    KT_EQ_INT(r->nphrases, 0);
    KT_EQ_INT(r->nregexes, 1);
    KT_EQ_STR(r->regexes[0].text, "buy now");

    /* declared ones in file order, then those only used */
    KT_EQ_INT(rs->ncats, 5);
    KT_EQ_STR(rs->cats[0].name, "drugs");
    KT_EQ_INT(rs->cats[0].threshold, 60);
    KT_EQ_INT(rs->cats[0].line, 4);
    KT_EQ_STR(rs->cats[1].name, "terror");
    KT_EQ_INT(rs->cats[1].threshold, 80);
    KT_EQ_INT(rs->cats[1].line, 5);
    KT_EQ_STR(rs->cats[2].name, "bullying");
    KT_EQ_INT(rs->cats[2].threshold, 30);
    KT_EQ_STR(rs->cats[3].name, "unused");
    KT_EQ_INT(rs->cats[3].threshold, 50);
    KT_EQ_INT(rs->cats[3].line, 9);
    KT_EQ_STR(rs->cats[4].name, "spam");
    KT_EQ_INT(rs->cats[4].threshold, 50);
    KT_EQ_INT(rs->cats[4].line, 0);
    kz_ruleset_free(&rs);
    KT_CHECK(rs == NULL);
    kz_ruleset_free(&rs);                                   /* NULL-safe */
    kz_ruleset_free(NULL);
    NO_LEAKS();
}

KT_TEST(rules_category_lookup)
{
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse(valid_yaml, &rs, &errs), 0);
    free(errs);
    const kz_category *c = kz_ruleset_category(rs, "terror");
    KT_CHECK(c != NULL);
    if (c) {
        KT_EQ_STR(c->name, "terror");
        KT_EQ_INT(c->threshold, 80);
    }
    c = kz_ruleset_category(rs, "spam");
    KT_CHECK(c && c->threshold == 50 && c->line == 0);
    KT_CHECK(kz_ruleset_category(rs, "unused") != NULL);
    KT_CHECK(kz_ruleset_category(rs, "nope") == NULL);
    KT_CHECK(kz_ruleset_category(rs, "Terror") == NULL);
    KT_CHECK(kz_ruleset_category(NULL, "terror") == NULL);
    kz_ruleset_free(&rs);
    NO_LEAKS();
}

KT_TEST(rules_categories_after_rules)
{
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse("rules:\n" OK_RULE "categories:\n  c: 70\n", &rs, &errs), 0);
    KT_EQ_STR(errs, "");
    free(errs);
    const kz_category *c = kz_ruleset_category(rs, "c");
    KT_CHECK(c && c->threshold == 70 && c->line == 4);
    KT_CHECK(rs && rs->ncats == 1);
    kz_ruleset_free(&rs);
    NO_LEAKS();
}

KT_TEST(rules_flow_style_and_bom)
{
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse("\xEF\xBB\xBF{rules: [{id: a, category: b, weight: 5, phrases: [\"\\u0445\"]}]}",
                    &rs, &errs), 0);
    KT_EQ_STR(errs, "");
    free(errs);
    KT_CHECK(rs && rs->nrules == 1);
    if (rs && rs->nrules == 1)
        KT_EQ_STR(rs->rules[0].phrases[0].text, "х");
    kz_ruleset_free(&rs);
    NO_LEAKS();
}

KT_TEST(rules_error_messages)
{
    /* the file as a whole */
    EXPECT_ERRS("", "t.yaml:1: the file is empty: a rule file needs a 'rules' list\n");
    EXPECT_ERRS("# only a comment\n", "t.yaml:1: the file is empty: a rule file needs a 'rules' list\n");
    EXPECT_ERRS("- a\n", "t.yaml:1: the top level must be a mapping with 'rules' "
                "(and optional 'categories'), not a list\n");
    EXPECT_ERRS("categories: {c: 60}\n",
                "t.yaml:1: no 'rules' list: a rule file needs at least one rule\n");
    EXPECT_ERRS("rules:\n", "t.yaml:1: 'rules' has no value: a rule file needs at least one rule\n");
    EXPECT_ERRS("rules: []\n",
                "t.yaml:1: 'rules' is an empty list: a rule file needs at least one rule\n");
    EXPECT_ERRS("rules: x\n", "t.yaml:1: 'rules' must be a list of rules, not a string\n");
    EXPECT_ERRS("rule:\n" OK_RULE,
                "t.yaml:1: unknown key 'rule' (expected rules, categories or version)\n"
                "t.yaml:1: no 'rules' list: a rule file needs at least one rule\n");
    EXPECT_ERRS("version: 2\nrules:\n" OK_RULE, "t.yaml:1: version must be 1, not '2'\n");
    EXPECT_ERRS("rules:\n" OK_RULE "rules:\n" OK_RULE,
                "t.yaml:3: duplicate key 'rules' (first at line 1)\n");
    EXPECT_ERRS("rules:\n" OK_RULE "---\nrules:\n" OK_RULE,
                "t.yaml:3: a rule file holds one YAML document; this '---' starts a second\n");
    EXPECT_ERRS("categories: [a]\nrules:\n" OK_RULE,
                "t.yaml:1: 'categories' must be a mapping of category names to { threshold: N }, "
                "not a list\n");

    /* YAML itself */
    EXPECT_ERRS("rules:\n\t- id: x\n", "t.yaml:2: YAML syntax error: found character that cannot "
                "start any token (while scanning for the next token)\n");
    EXPECT_ERRS("rules:\n  - id: x\n    phrases: \"abc\n",
                "t.yaml:4: YAML syntax error: found unexpected end of stream "
                "(while scanning a quoted scalar at line 3)\n");
    EXPECT_ERRS("rules:\n  - id: x\n   weight: 1\n",
                "t.yaml:3: YAML syntax error: did not find expected '-' indicator "
                "(while parsing a block collection at line 2)\n");
    EXPECT_ERRS("rules:\n  - id: \xD0\xB0\xFF\n",
                "t.yaml:2: invalid UTF-8 at byte 17 (invalid leading UTF-8 octet); "
                "a rule file must be UTF-8\n");
    EXPECT_ERRS("\xFF\xFEr\0u\0",
                "t.yaml:1: invalid UTF-8 at byte 0 (invalid leading UTF-8 octet); "
                "a rule file must be UTF-8\n");

    /* one rule */
    EXPECT_ERRS("rules:\n  - x\n", "t.yaml:2: a rule must be a mapping with 'id', 'category', "
                "'weight' and 'phrases' or 'regex', not a string\n");
    EXPECT_ERRS("rules:\n  -\n" OK_RULE, "t.yaml:2: empty rule: a '-' with nothing after it\n");
    EXPECT_ERRS("rules:\n  - {category: c, weight: 1, phrases: x}\n",
                "t.yaml:2: rule at line 2 has no 'id'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, weight: 1, phrases: x}\n",
                "t.yaml:2: rule 'r1' has no 'category'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, phrases: x}\n",
                "t.yaml:2: rule 'r1' has no 'weight'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, unless: x}\n",
                "t.yaml:2: rule 'r1' has no 'phrases' or 'regex'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrase: x}\n",
                "t.yaml:2: rule 'r1' has no 'phrases' or 'regex'\n"
                "t.yaml:2: unknown key 'phrase' (expected id, category, weight, phrases, regex, "
                "raw_regex, unless, description or lang)\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: abc, phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not 'abc'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 0, phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not '0'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 101, phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not '101'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 99999999999999999999999, phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not '99999999999999999999999'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: -5, phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not '-5'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 4.5, phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not '4.5'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: [1], phrases: x}\n",
                "t.yaml:2: weight must be an integer from 1 to 100, not a list\n");
    EXPECT_ERRS("rules:\n  - id: r1\n    category: c\n    weight:\n    phrases: x\n",
                "t.yaml:4: 'weight' has no value: give an integer from 1 to 100\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, weight: 2, phrases: x}\n",
                "t.yaml:2: duplicate key 'weight' (first at line 2)\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, regex: a, regexes: b}\n",
                "t.yaml:2: duplicate key 'regexes' (first at line 2)\n");
    EXPECT_ERRS("rules:\n  - {id: 'bad id', category: c, weight: 1, phrases: x}\n",
                "t.yaml:2: rule id 'bad id' is not valid: use 1 to 128 characters from "
                "A-Z a-z 0-9 . _ : -\n");
    EXPECT_ERRS("rules:\n  - {id: [a], category: c, weight: 1, phrases: x}\n",
                "t.yaml:2: 'id' must be a string, not a list\n");
    EXPECT_ERRS("rules:\n  - {id: ~, category: c, weight: 1, phrases: x}\n",
                "t.yaml:2: 'id' has no value\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: Drugs, weight: 1, phrases: x}\n",
                "t.yaml:2: category 'Drugs' is not valid: use 1 to 64 characters from a-z 0-9 _ -\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: x, description: [a]}\n",
                "t.yaml:2: 'description' must be a string, not a list\n");

    /* phrases, regexes, unless */
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: []}\n",
                "t.yaml:2: 'phrases' is an empty list\n");
    EXPECT_ERRS("rules:\n  - id: r1\n    category: c\n    weight: 1\n    phrases:\n",
                "t.yaml:5: 'phrases' has no value\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: {a: b}}\n",
                "t.yaml:2: 'phrases' must be a list of strings, not a mapping\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: [[a]]}\n",
                "t.yaml:2: a phrase must be a string, not a list\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: ['  ']}\n",
                "t.yaml:2: empty phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: [нар*ко]}\n",
                "t.yaml:2: '*' is allowed only at the end of a phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: ['нарко**']}\n",
                "t.yaml:2: '*' is allowed only at the end of a phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: ['купить *']}\n",
                "t.yaml:2: '*' must follow the stem of a word, as in 'нарко*'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: ['*']}\n",
                "t.yaml:2: '*' must follow the stem of a word, as in 'нарко*'\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: [\"a\\x01b\"]}\n",
                "t.yaml:2: control character U+0001 in phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: [\"a\\0b\"]}\n",
                "t.yaml:2: control character U+0000 in phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: x, unless: ['']}\n",
                "t.yaml:2: empty unless phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, phrases: x, unless: [a*b]}\n",
                "t.yaml:2: '*' is allowed only at the end of a phrase\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, regex: ['']}\n",
                "t.yaml:2: empty regex\n");
    EXPECT_ERRS("rules:\n  - {id: r1, category: c, weight: 1, regex: [\"a\\0\"]}\n",
                "t.yaml:2: control character U+0000 in regex\n");

    /* categories */
    EXPECT_ERRS("categories:\n  c: 0\nrules:\n" OK_RULE,
                "t.yaml:2: threshold must be an integer from 1 to 10000, not '0'\n");
    EXPECT_ERRS("categories:\n  c: {threshold: 10001}\nrules:\n" OK_RULE,
                "t.yaml:2: threshold must be an integer from 1 to 10000, not '10001'\n");
    EXPECT_ERRS("categories:\n  c: {treshold: 5}\nrules:\n" OK_RULE,
                "t.yaml:2: unknown key 'treshold' in category (expected 'threshold' or "
                "'description')\n");
    EXPECT_ERRS("categories:\n  c: [5]\nrules:\n" OK_RULE,
                "t.yaml:2: category 'c' must be a mapping such as { threshold: 60 }, not a list\n");
    EXPECT_ERRS("categories:\n  c: 5\n  c: 6\nrules:\n" OK_RULE,
                "t.yaml:3: duplicate category 'c' (first at line 2)\n");
    EXPECT_ERRS("categories:\n  Terror: 5\nrules:\n" OK_RULE,
                "t.yaml:2: category 'Terror' is not valid: use 1 to 64 characters from a-z 0-9 _ -\n");
    NO_LEAKS();
}

KT_TEST(rules_lengths)
{
    kz_buf y;
    kz_buf_init(&y, KZ_BUF_NOLIMIT);
    /* id: 128 characters are fine, 129 are not */
    char id[130];
    memset(id, 'a', sizeof id);
    id[128] = '\0';
    kz_buf_addf(&y, "rules:\n  - {id: %s, category: c, weight: 1, phrases: x}\n", id);
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(kz_rules_parse(y.p, y.len, "t.yaml", &rs, NULL), 0);
    kz_ruleset_free(&rs);
    kz_buf_reset(&y);
    id[128] = 'a';
    id[129] = '\0';
    kz_buf_addf(&y, "rules:\n  - {id: %s, category: c, weight: 1, phrases: x}\n", id);
    KT_EQ_INT(parse(y.p, &rs, &errs), KZ_EBADRULE);
    KT_EQ_STR(errs, "t.yaml:2: rule id 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' "
              "is not valid: use 1 to 128 characters from A-Z a-z 0-9 . _ : -\n");
    free(errs);

    /* phrase: 512 bytes (256 Cyrillic letters) fine, 514 not */
    kz_buf p;
    kz_buf_init(&p, KZ_BUF_NOLIMIT);
    for (int i = 0; i < 256; i++)
        kz_buf_adds(&p, "ж");
    kz_buf_reset(&y);
    kz_buf_addf(&y, "rules:\n  - {id: a, category: c, weight: 1, phrases: [' %s ']}\n", p.p);
    KT_EQ_INT(parse(y.p, &rs, &errs), 0);
    KT_EQ_STR(errs, "");
    KT_CHECK(rs && strlen(rs->rules[0].phrases[0].text) == 512);
    kz_ruleset_free(&rs);
    free(errs);
    kz_buf_adds(&p, "ж");
    kz_buf_reset(&y);
    kz_buf_addf(&y, "rules:\n  - {id: a, category: c, weight: 1, unless: [%s], phrases: x}\n", p.p);
    KT_EQ_INT(parse(y.p, &rs, &errs), KZ_EBADRULE);
    KT_EQ_STR(errs, "t.yaml:2: unless phrase is longer than 512 bytes (514)\n");
    free(errs);

    /* regex: 4096 bytes fine, 4097 not */
    kz_buf_reset(&p);
    for (int i = 0; i < 4096; i++)
        kz_buf_addc(&p, 'a');
    kz_buf_reset(&y);
    kz_buf_addf(&y, "rules:\n  - {id: a, category: c, weight: 1, regex: %s}\n", p.p);
    KT_EQ_INT(kz_rules_parse(y.p, y.len, "t.yaml", &rs, NULL), 0);
    kz_ruleset_free(&rs);
    kz_buf_addc(&p, 'a');
    kz_buf_reset(&y);
    kz_buf_addf(&y, "rules:\n  - {id: a, category: c, weight: 1, regex: %s}\n", p.p);
    KT_EQ_INT(parse(y.p, &rs, &errs), KZ_EBADRULE);
    KT_EQ_STR(errs, "t.yaml:2: regex is longer than 4096 bytes (4097)\n");
    free(errs);
    kz_buf_release(&p);
    kz_buf_release(&y);
    NO_LEAKS();
}

KT_TEST(rules_too_many_phrases)
{
    kz_buf y;
    kz_buf_init(&y, KZ_BUF_NOLIMIT);
    kz_buf_adds(&y, "rules:\n  - id: a\n    category: c\n    weight: 1\n    phrases: [");
    for (int i = 0; i < 100000; i++)
        kz_buf_addf(&y, "w%d,", i);
    kz_buf_adds(&y, "]\n");
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse(y.p, &rs, &errs), 0);
    KT_CHECK(rs && rs->rules[0].nphrases == 100000);
    kz_ruleset_free(&rs);
    free(errs);
    y.len -= 2;
    kz_buf_adds(&y, "one-more]\n");
    KT_EQ_INT(parse(y.p, &rs, &errs), KZ_EBADRULE);
    KT_EQ_STR(errs, "t.yaml:5: 'phrases' has 100001 items; at most 100000 are allowed\n");
    free(errs);
    kz_buf_release(&y);
    NO_LEAKS();
}

KT_TEST(rules_many_errors_all_reported)
{
    EXPECT_ERRS(
        "categories:\n"                                          /* 1 */
        "  drugs: {threshold: lots}\n"
        "rules:\n"
        "  - id: d1\n"
        "    category: drugs\n"                                  /* 5 */
        "    weight: 200\n"
        "    phrases: [ok, 'a*b']\n"
        "  - id: d1\n"
        "    category: drugs\n"
        "    weight: 10\n"                                       /* 10 */
        "    phrases: [x]\n"
        "    colour: red\n"
        "  - id: fine\n"
        "    category: drugs\n"
        "    weight: 10\n"                                       /* 15 */
        "    phrases: [x]\n"
        "  - weight: 10\n"
        "    regex: ['']\n"
        "colours: 1\n",
        "t.yaml:2: threshold must be an integer from 1 to 10000, not 'lots'\n"
        "t.yaml:6: weight must be an integer from 1 to 100, not '200'\n"
        "t.yaml:7: '*' is allowed only at the end of a phrase\n"
        "t.yaml:8: duplicate rule id 'd1' (first at line 4)\n"
        "t.yaml:12: unknown key 'colour' (expected id, category, weight, phrases, regex, "
        "raw_regex, unless, description or lang)\n"
        "t.yaml:17: rule at line 17 has no 'id'\n"
        "t.yaml:17: rule at line 17 has no 'category'\n"
        "t.yaml:18: empty regex\n"
        "t.yaml:19: unknown key 'colours' (expected rules, categories or version)\n");
    NO_LEAKS();
}

KT_TEST(rules_duplicate_id)
{
    EXPECT_ERRS("rules:\n"
                "  - {id: same, category: c, weight: 1, phrases: x}\n"
                "  - {id: other, category: c, weight: 1, phrases: x}\n"
                "  - {id: same, category: c, weight: 2, phrases: y}\n"
                "  - {id: same, category: d, weight: 3, phrases: z}\n",
                "t.yaml:4: duplicate rule id 'same' (first at line 2)\n"
                "t.yaml:5: duplicate rule id 'same' (first at line 2)\n");
    /* ids are case-sensitive */
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse("rules:\n  - {id: A, category: c, weight: 1, phrases: x}\n"
                    "  - {id: a, category: c, weight: 1, phrases: x}\n", &rs, &errs), 0);
    kz_ruleset_free(&rs);
    free(errs);
    NO_LEAKS();
}

KT_TEST(rules_alias_refused)
{
    EXPECT_ERRS("base: &b {id: a, category: c, weight: 1, phrases: x}\n"
                "rules:\n  - *b\n",
                "t.yaml:1: unknown key 'base' (expected rules, categories or version)\n"
                "t.yaml:3: aliases are not supported (*b)\n");
    EXPECT_ERRS("rules:\n  - {id: a, category: c, weight: 1, phrases: &p [x, y]}\n"
                "  - {id: b, category: c, weight: 1, phrases: *p}\n",
                "t.yaml:3: aliases are not supported (*p)\n");
    /* billion laughs: refused at the first alias, nothing expanded */
    EXPECT_ERRS("a: &a [x, x, x, x, x, x, x, x, x]\n"
                "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "rules: [*b]\n",
                "t.yaml:1: unknown key 'a' (expected rules, categories or version)\n"
                "t.yaml:2: unknown key 'b' (expected rules, categories or version)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:2: aliases are not supported (*a)\n"
                "t.yaml:3: aliases are not supported (*b)\n");
    /* an anchor without an alias is harmless */
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse("rules:\n  - &r {id: a, category: c, weight: 1, phrases: x}\n", &rs, &errs), 0);
    kz_ruleset_free(&rs);
    free(errs);
    NO_LEAKS();
}

KT_TEST(rules_deep_nesting)
{
    kz_buf y;
    kz_buf_init(&y, KZ_BUF_NOLIMIT);
    kz_buf_adds(&y, "rules:\n  - {id: a, category: c, weight: 1, phrases: x, lang: ");
    for (int i = 0; i < 100000; i++)
        kz_buf_addc(&y, '[');
    for (int i = 0; i < 100000; i++)
        kz_buf_addc(&y, ']');
    kz_buf_adds(&y, "}\n");
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse(y.p, &rs, &errs), KZ_EBADRULE);
    KT_EQ_STR(errs, "t.yaml:2: nesting deeper than 64 levels\n");
    free(errs);
    /* 64 levels are fine: mapping, list, rule, lang + 60 */
    kz_buf_reset(&y);
    kz_buf_adds(&y, "rules:\n  - {id: a, category: c, weight: 1, phrases: x, lang: ");
    for (int i = 0; i < 61; i++)
        kz_buf_addc(&y, '[');
    for (int i = 0; i < 61; i++)
        kz_buf_addc(&y, ']');
    kz_buf_adds(&y, "}\n");
    KT_EQ_INT(parse(y.p, &rs, &errs), 0);
    KT_EQ_STR(errs, "");
    free(errs);
    kz_ruleset_free(&rs);
    kz_buf_release(&y);
    NO_LEAKS();
}

KT_TEST(rules_null_errs_and_args)
{
    kz_ruleset *rs = NULL;
    KT_EQ_INT(kz_rules_parse("rules: x\n", 9, "t", &rs, NULL), KZ_EBADRULE);
    KT_CHECK(rs == NULL);
    KT_EQ_INT(kz_rules_parse(NULL, 0, "t", &rs, NULL), KZ_EBADRULE);
    KT_EQ_INT(kz_rules_parse("x", 1, "t", NULL, NULL), KZ_EINVAL);
    /* the length counts, not a NUL */
    KT_EQ_INT(kz_rules_parse("rules: [{id: a, category: c, weight: 1, phrases: x}]junk", 52, "t",
                             &rs, NULL), 0);
    kz_ruleset_free(&rs);
    NO_LEAKS();
}

KT_TEST(rules_load)
{
    char path[] = "/tmp/kt-rules-XXXXXX";
    int fd = mkstemp(path);
    KT_CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char *y = "rules:\n  - {id: a, category: c, weight: 1, phrases: x}\n  - 5\n";
    KT_EQ_INT(write(fd, y, strlen(y)), (long long)strlen(y));
    kz_buf errs;
    kz_buf_init(&errs, KZ_BUF_NOLIMIT);
    kz_ruleset *rs = NULL;
    KT_EQ_INT(kz_rules_load(path, &rs, &errs), KZ_EBADRULE);
    char want[256];
    snprintf(want, sizeof want, "%s:3: a rule must be a mapping with 'id', 'category', 'weight' "
             "and 'phrases' or 'regex', not a string\n", path);
    KT_EQ_STR(errs.p, want);

    KT_EQ_INT(ftruncate(fd, (off_t)strlen(y) - 6), 0);
    kz_buf_reset(&errs);
    KT_EQ_INT(kz_rules_load(path, &rs, &errs), 0);
    KT_CHECK(rs && rs->nrules == 1);
    if (rs)
        KT_EQ_STR(rs->source, path);
    kz_ruleset_free(&rs);
    KT_EQ_INT(errs.len, 0);

    KT_EQ_INT(ftruncate(fd, (off_t)KZ_RULES_MAX_FILE + 1), 0);   /* sparse */
    KT_EQ_INT(kz_rules_load(path, &rs, &errs), KZ_ETOOBIG);
    snprintf(want, sizeof want, "%s: the file is larger than 64 MiB\n", path);
    KT_EQ_STR(errs.p, want);
    close(fd);
    unlink(path);

    kz_buf_reset(&errs);
    KT_EQ_INT(kz_rules_load("/nonexistent/rules.yaml", &rs, &errs), KZ_EIO);
    KT_EQ_STR(errs.p, "/nonexistent/rules.yaml: cannot open: No such file or directory\n");
    KT_CHECK(rs == NULL);
    kz_buf_release(&errs);
    NO_LEAKS();
}

/* Regexes are dear to compile (about 10 ms and 100 KB each, and more than
 * linear together): a file may hold 2000 (regex and raw_regex together);
 * the rule that goes over is named, at load, before anything compiles. */
KT_TEST(rules_too_many_regexes)
{
    kz_buf y;
    kz_buf_init(&y, KZ_BUF_NOLIMIT);
    kz_buf_adds(&y, "rules:\n");
    for (int i = 0; i < 1000; i++)
        kz_buf_addf(&y, "  - {id: r%d, category: c, weight: 1, regex: ['a%d\\d+'], "
                    "raw_regex: ['b%d\\d+']}\n", i, i, i);
    kz_ruleset *rs = NULL;
    char *errs = NULL;
    KT_EQ_INT(parse(y.p, &rs, &errs), 0);
    KT_CHECK(rs && rs->nrules == 1000);
    kz_ruleset_free(&rs);
    free(errs);
    kz_buf_adds(&y, "  - {id: over, category: c, weight: 1, regex: ['x\\d+', 'y\\d+']}\n");
    kz_buf_adds(&y, "  - {id: after, category: c, weight: 1, regex: ['z\\d+']}\n");
    KT_EQ_INT(parse(y.p, &rs, &errs), KZ_EBADRULE);
    KT_EQ_STR(errs, "t.yaml:1002: this rule brings the file to 2002 regexes (regex and "
              "raw_regex together), over the limit of 2000: each costs about 10 ms and "
              "100 KB to compile; use phrases, or fewer and wider regexes\n");
    free(errs);
    kz_buf_release(&y);
    NO_LEAKS();
}
