/*
 * tests/t_statements.c - statements of reasons for the DSA Transparency
 * Database (report/statements.h, docs/statements.md): every exported
 * statement validated against that database's rules, transcribed below;
 * one statement checked whole; no personal data in any; the same on
 * PostgreSQL.
 *
 * THE RULES, transcribed from the DSA Transparency Database's API
 * documentation, https://transparency.dsa.ec.europa.eu/page/api-documentation
 * (found with the search tool, read 2026-12-05), and from the validation
 * code it documents, github.com/digital-services-act/transparency-database
 * at commit 69e80a0bc8eb (2026-06-24): app/Http/Requests/
 * StatementStoreRequest.php (the rules), app/Models/Statement.php (the
 * enumerations), app/Http/Controllers/Api/v1/StatementMultipleAPIController.php
 * ("statements" => required|array|between:1,100), app/Services/
 * EuropeanCountriesService.php and EuropeanLanguagesService.php:
 *
 *   - POST /api/v1/statements takes {"statements":[...]}: 1 to 100.
 *   - decision_visibility: an array of DECISION_VISIBILITIES; required
 *     unless one of decision_monetary, decision_provision, decision_account.
 *   - decision_visibility_other: required when decision_visibility holds
 *     DECISION_VISIBILITY_OTHER (excluded otherwise), max 500.
 *   - decision_monetary / decision_provision / decision_account /
 *     account_type: one of their enumerations, or absent.
 *   - decision_ground: required, DECISION_GROUND_ILLEGAL_CONTENT or
 *     DECISION_GROUND_INCOMPATIBLE_CONTENT; illegal_content_legal_ground
 *     (max 500) and illegal_content_explanation (max 2000) required with
 *     ILLEGAL_CONTENT; incompatible_content_ground (500) and
 *     incompatible_content_explanation (2000) with INCOMPATIBLE_CONTENT.
 *   - decision_ground_reference_url: a URL, max 500, optional.
 *   - content_type: required array of CONTENT_TYPES; content_type_other
 *     (max 500) required with CONTENT_TYPE_OTHER.
 *   - category: required, one of STATEMENT_CATEGORIES; category_addition:
 *     an array of them; category_specification: an array of KEYWORDS;
 *     category_specification_other max 500.
 *   - territorial_scope: an array of EU/EEA country codes, or absent.
 *   - content_language: an ISO 639-1 code in uppercase, or absent.
 *   - content_date: required, Y-m-d, 2000-01-01 <= d <= 2038-01-01.
 *   - application_date: required, Y-m-d, 2020-01-01 <= d <= 2038-01-01.
 *   - end_date_{account,monetary,service,visibility}_restriction: Y-m-d,
 *     <= 2038-01-01, or absent (the documentation: not before the
 *     application date).
 *   - decision_facts: required, max 5000.
 *   - source_type: required, one of SOURCE_TYPES; source_identity max 500.
 *   - automated_detection: required, "Yes" or "No".
 *   - automated_decision: required, one of AUTOMATED_DECISIONS.
 *   - puid: required, max 500, /^[a-zA-Z0-9-_]+$/, unique within the
 *     platform.
 *   "required" (Laravel): present, not null, not an empty or blank string;
 *   "max" on a string counts characters.
 * kuzet's own rules on top (docs/statements.md): never
 * AUTOMATED_DECISION_FULLY (people decide); decision ground always illegal
 * content.
 */
#include "kt.h"
#include "kt_store.h"
#include "kt_serve.h"
#include "case/case.h"
#include "report/statements.h"
#include "store/media.h"
#include <json-c/json.h>
#include <stdlib.h>

/* ---- the transcribed enumerations ------------------------------------------- */

static const char *const DECISION_VISIBILITIES[] = {
    "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER", NULL };
static const char *const DECISION_MONETARIES[] = {
    "DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER",
    NULL };
static const char *const DECISION_PROVISIONS[] = {
    "DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION", NULL };
static const char *const DECISION_ACCOUNTS[] = {
    "DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED", NULL };
static const char *const ACCOUNT_TYPES[] = { "ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE", NULL };
static const char *const DECISION_GROUNDS[] = {
    "DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT", NULL };
static const char *const CONTENT_TYPES[] = {
    "CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER", NULL };
static const char *const STATEMENT_CATEGORIES[] = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE", "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE", NULL };
static const char *const KEYWORDS[] = {
    "KEYWORD_ADULT_SEXUAL_MATERIAL", "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS", "KEYWORD_ANIMAL_HARM",
    "KEYWORD_BIOMETRIC_DATA_BREACH", "KEYWORD_BULLYING_AGAINST_GIRLS",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
    "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS", "KEYWORD_COORDINATED_HARM",
    "KEYWORD_COPYRIGHT_INFRINGEMENT", "KEYWORD_CYBER_BULLYING_INTIMIDATION",
    "KEYWORD_CYBER_HARASSMENT", "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN",
    "KEYWORD_CYBER_INCITEMENT", "KEYWORD_CYBER_STALKING", "KEYWORD_CYBER_STALKING_AGAINST_WOMEN",
    "KEYWORD_DATA_FALSIFICATION", "KEYWORD_DEFAMATION", "KEYWORD_DESIGN_INFRINGEMENT",
    "KEYWORD_DISCRIMINATION", "KEYWORD_FEMALE_GENDERED_DISINFORMATION",
    "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT", "KEYWORD_GEOGRAPHICAL_REQUIREMENTS",
    "KEYWORD_GOODS_SERVICES_NOT_PERMITTED", "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "KEYWORD_HATE_SPEECH", "KEYWORD_HIDDEN_ADVERTISEMENT", "KEYWORD_HUMAN_EXPLOITATION",
    "KEYWORD_HUMAN_TRAFFICKING", "KEYWORD_ILLEGAL_ORGANIZATIONS",
    "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING", "KEYWORD_INAUTHENTIC_ACCOUNTS",
    "KEYWORD_INAUTHENTIC_LISTINGS", "KEYWORD_INAUTHENTIC_USER_REVIEWS",
    "KEYWORD_INCITEMENT_AGAINST_WOMEN", "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
    "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS", "KEYWORD_LANGUAGE_REQUIREMENTS",
    "KEYWORD_MISINFORMATION_DISINFORMATION", "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
    "KEYWORD_MISLEADING_INFO_GOODS_SERVICES", "KEYWORD_MISSING_PROCESSING_GROUND",
    "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING", "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
    "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
    "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN", "KEYWORD_NONCOMPLIANCE_PRICING",
    "KEYWORD_NUDITY", "KEYWORD_PATENT_INFRINGEMENT", "KEYWORD_PHISHING",
    "KEYWORD_PROHIBITED_PRODUCTS", "KEYWORD_PYRAMID_SCHEMES", "KEYWORD_RIGHT_TO_BE_FORGOTTEN",
    "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE", "KEYWORD_RISK_PUBLIC_HEALTH", "KEYWORD_SELF_MUTILATION",
    "KEYWORD_STALKING", "KEYWORD_SUICIDE", "KEYWORD_TERRORIST_CONTENT",
    "KEYWORD_TRADE_SECRET_INFRINGEMENT", "KEYWORD_TRADEMARK_INFRINGEMENT",
    "KEYWORD_TRAFFICKING_WOMEN_GIRLS", "KEYWORD_UNLAWFUL_SALE_ANIMALS", "KEYWORD_UNSAFE_CHALLENGES",
    "KEYWORD_UNSAFE_PRODUCTS", "KEYWORD_VIOLATION_EU_LAW", "KEYWORD_VIOLATION_NATIONAL_LAW",
    "KEYWORD_OTHER", NULL };
static const char *const SOURCE_TYPES[] = {
    "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY", NULL };
static const char *const AUTOMATED_DETECTIONS[] = { "Yes", "No", NULL };
static const char *const AUTOMATED_DECISIONS[] = {
    "AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED", NULL };
static const char *const INCOMPATIBLE_CONTENT_ILLEGALS[] = { "Yes", "No", NULL };
static const char *const EUROPEAN_COUNTRY_CODES[] = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
    NULL };
/* EuropeanLanguagesService::ALL_LANGUAGES, two letters each */
static const char ALL_LANGUAGES[] =
    "AB AA AF AK SQ AM AR AN HY AS AV AE AY AZ BM BA EU BE BN BH BI BS BR BG MY CA KM CH CE NY "
    "ZH CU CV KW CO CR HR CS DA DV NL DZ EN EO ET EE FO FJ FI FR FF GD GL LG KA DE KI EL KL GN "
    "GU HT HA HE HZ HI HO HU IS IO IG ID IA IE IU IK GA IT JA JV KN KR KS KK RW KV KG KO KJ KU "
    "KY LO LA LV LB LI LN LT LU MK MG MS ML MT GV MI MR MH RO MN NA NV ND NG NE SE NO NB NN II "
    "OC OJ OR OM OS PI PA PS FA PL PT QU RM RN RU SM SG SA SC SR SN SD SI SK SL SO ST NR ES SU "
    "SW SS SV TL TY TG TA TT TE TH BO TI TO TS TN TR TK TW UG UK UR UZ VE VI VO WA CY FY WO XH "
    "YI YO ZA ZU";

/* Every field the API knows (the request's rules). */
static const char *const KNOWN[] = {
    "decision_visibility", "decision_visibility_other", "decision_monetary",
    "decision_monetary_other", "decision_provision", "decision_account", "account_type",
    "category_specification", "category_specification_other", "decision_ground",
    "decision_ground_reference_url", "illegal_content_legal_ground",
    "illegal_content_explanation", "incompatible_content_ground",
    "incompatible_content_explanation", "incompatible_content_illegal", "content_type",
    "content_type_other", "category", "category_addition", "territorial_scope",
    "content_language", "content_date", "application_date", "end_date_account_restriction",
    "end_date_monetary_restriction", "end_date_service_restriction",
    "end_date_visibility_restriction", "decision_facts", "source_type", "source_identity",
    "automated_detection", "automated_decision", "puid", "content_id", "content_id_ean", NULL };

/* ---- the validator ----------------------------------------------------------- */

static int in_list(const char *const *l, const char *v)
{
    for (size_t i = 0; v && l[i]; i++)
        if (!strcmp(l[i], v))
            return 1;
    return 0;
}

static size_t nchars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Laravel's "required": present, not null, not blank. */
static const char *req_str(json_object *o, const char *k)
{
    json_object *v = get(o, k);
    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    for (const char *p = s; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return s;
    return NULL;
}

/* Y-m-d, a real date, in [lo, hi]. */
static int date_ok(const char *s, const char *lo, const char *hi)
{
    static const int md[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > md[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100) || y % 400 == 0))
        return 0;
    return (!lo || strcmp(s, lo) >= 0) && (!hi || strcmp(s, hi) <= 0);
}

static int arr_in(json_object *a, const char *const *l, int need)
{
    if (!a)
        return !need;
    if (!json_object_is_type(a, json_type_array) || (need && !json_object_array_length(a)))
        return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_string) || !in_list(l, json_object_get_string(e)))
            return 0;
    }
    return 1;
}

static int arr_has(json_object *a, const char *v)
{
    for (size_t i = 0; a && json_object_is_type(a, json_type_array) &&
                       i < json_object_array_length(a); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), v))
            return 1;
    return 0;
}

static int opt_enum(json_object *o, const char *k, const char *const *l)
{
    json_object *v = get(o, k);
    return !v || json_object_is_type(v, json_type_null) ||
           (json_object_is_type(v, json_type_string) && in_list(l, json_object_get_string(v)));
}

static int max_len(json_object *o, const char *k, size_t max)
{
    json_object *v = get(o, k);
    return !v || json_object_is_type(v, json_type_null) ||
           (json_object_is_type(v, json_type_string) && nchars(json_object_get_string(v)) <= max);
}

#define RULE(cond, msg) do { if (!(cond)) { snprintf(why, whysz, "%s", msg); return 0; } } while (0)

/* 1 when statement o passes every transcribed rule; else 0 and why. */
static int valid_statement(json_object *o, char *why, size_t whysz)
{
    RULE(json_object_is_type(o, json_type_object), "not an object");
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (!in_list(KNOWN, key)) {
            snprintf(why, whysz, "unknown field %s", key);
            return 0;
        }
    }
    json_object *vis = get(o, "decision_visibility");
    int others = get(o, "decision_monetary") || get(o, "decision_provision") ||
                 get(o, "decision_account");
    RULE(arr_in(vis, DECISION_VISIBILITIES, !others), "decision_visibility");
    RULE(!arr_has(vis, "DECISION_VISIBILITY_OTHER") || req_str(o, "decision_visibility_other"),
         "decision_visibility_other required with DECISION_VISIBILITY_OTHER");
    RULE(arr_has(vis, "DECISION_VISIBILITY_OTHER") || !get(o, "decision_visibility_other"),
         "decision_visibility_other without DECISION_VISIBILITY_OTHER");
    RULE(max_len(o, "decision_visibility_other", 500), "decision_visibility_other over 500");
    RULE(opt_enum(o, "decision_monetary", DECISION_MONETARIES), "decision_monetary");
    RULE(opt_enum(o, "decision_provision", DECISION_PROVISIONS), "decision_provision");
    RULE(opt_enum(o, "decision_account", DECISION_ACCOUNTS), "decision_account");
    RULE(opt_enum(o, "account_type", ACCOUNT_TYPES), "account_type");
    const char *ground = req_str(o, "decision_ground");
    RULE(ground && in_list(DECISION_GROUNDS, ground), "decision_ground");
    if (!strcmp(ground, "DECISION_GROUND_ILLEGAL_CONTENT")) {
        RULE(req_str(o, "illegal_content_legal_ground"), "illegal_content_legal_ground required");
        RULE(req_str(o, "illegal_content_explanation"), "illegal_content_explanation required");
    } else {
        RULE(req_str(o, "incompatible_content_ground"), "incompatible_content_ground required");
        RULE(req_str(o, "incompatible_content_explanation"),
             "incompatible_content_explanation required");
        RULE(opt_enum(o, "incompatible_content_illegal", INCOMPATIBLE_CONTENT_ILLEGALS),
             "incompatible_content_illegal");
    }
    RULE(max_len(o, "illegal_content_legal_ground", 500), "illegal_content_legal_ground over 500");
    RULE(max_len(o, "illegal_content_explanation", 2000), "illegal_content_explanation over 2000");
    RULE(max_len(o, "incompatible_content_ground", 500), "incompatible_content_ground over 500");
    RULE(max_len(o, "incompatible_content_explanation", 2000),
         "incompatible_content_explanation over 2000");
    RULE(max_len(o, "decision_ground_reference_url", 500), "decision_ground_reference_url");
    json_object *ct = get(o, "content_type");
    RULE(arr_in(ct, CONTENT_TYPES, 1), "content_type");
    RULE(!arr_has(ct, "CONTENT_TYPE_OTHER") || req_str(o, "content_type_other"),
         "content_type_other required");
    RULE(max_len(o, "content_type_other", 500), "content_type_other over 500");
    const char *cat = req_str(o, "category");
    RULE(cat && in_list(STATEMENT_CATEGORIES, cat), "category");
    RULE(arr_in(get(o, "category_addition"), STATEMENT_CATEGORIES, 0), "category_addition");
    RULE(arr_in(get(o, "category_specification"), KEYWORDS, 0), "category_specification");
    RULE(max_len(o, "category_specification_other", 500), "category_specification_other");
    RULE(arr_in(get(o, "territorial_scope"), EUROPEAN_COUNTRY_CODES, 0), "territorial_scope");
    json_object *lang = get(o, "content_language");
    if (lang) {
        const char *l = json_object_get_string(lang);
        RULE(l && strlen(l) == 2 && strstr(ALL_LANGUAGES, l) &&
             (strstr(ALL_LANGUAGES, l) - ALL_LANGUAGES) % 3 == 0, "content_language");
    }
    RULE(date_ok(req_str(o, "content_date"), "2000-01-01", "2038-01-01"), "content_date");
    const char *applied = req_str(o, "application_date");
    RULE(date_ok(applied, "2020-01-01", "2038-01-01"), "application_date");
    static const char *const ends[] = { "end_date_account_restriction",
                                        "end_date_monetary_restriction",
                                        "end_date_service_restriction",
                                        "end_date_visibility_restriction", NULL };
    for (int i = 0; ends[i]; i++) {
        json_object *e = get(o, ends[i]);
        if (e && !json_object_is_type(e, json_type_null))
            RULE(date_ok(json_object_get_string(e), applied, "2038-01-01"), "an end date");
    }
    RULE(req_str(o, "decision_facts") && max_len(o, "decision_facts", 5000), "decision_facts");
    const char *src = req_str(o, "source_type");
    RULE(src && in_list(SOURCE_TYPES, src), "source_type");
    RULE(max_len(o, "source_identity", 500), "source_identity");
    RULE(in_list(AUTOMATED_DETECTIONS, req_str(o, "automated_detection")), "automated_detection");
    const char *ad = req_str(o, "automated_decision");
    RULE(in_list(AUTOMATED_DECISIONS, ad), "automated_decision");
    RULE(strcmp(ad, "AUTOMATED_DECISION_FULLY"), "kuzet: a person decides, never fully automated");
    const char *puid = req_str(o, "puid");
    RULE(puid && nchars(puid) <= 500, "puid");
    for (const char *p = puid; *p; p++)
        RULE((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '-' || *p == '_', "puid: letters, digits, - and _ only");
    return 1;
}

/* Check every batch of the JSON export; the statements, in order, into
 * *all (an array, json_object_put it).  Sizes of the batches in sizes. */
static void check_json(const char *text, json_object **all, char *sizes, size_t sizesz)
{
    *all = json_object_new_array();
    sizes[0] = '\0';
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        KT_CHECK(e != NULL);                        /* every batch ends its line */
        if (!e)
            break;
        char *line = strndup(p, (size_t)(e - p));
        json_object *b = json_tokener_parse(line), *st = get(b, "statements");
        KT_CHECK(b && json_object_object_length(b) == 1);
        KT_CHECK(st && json_object_is_type(st, json_type_array));
        size_t n = st ? json_object_array_length(st) : 0;
        KT_CHECK(n >= 1 && n <= 100);
        snprintf(sizes + strlen(sizes), sizesz - strlen(sizes), "%s%zu", *sizes ? "," : "", n);
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(st, i);
            char why[160];
            if (!valid_statement(o, why, sizeof why))
                kt_fail(__FILE__, __LINE__, "statement %s: %s", json_object_to_json_string(o), why);
            json_object_array_add(*all, json_object_get(o));
        }
        json_object_put(b);
        free(line);
        p = e + 1;
    }
    /* puids unique */
    for (size_t i = 0; i < json_object_array_length(*all); i++)
        for (size_t j = i + 1; j < json_object_array_length(*all); j++)
            if (!strcmp(json_object_get_string(get(json_object_array_get_idx(*all, i), "puid")),
                        json_object_get_string(get(json_object_array_get_idx(*all, j), "puid"))))
                kt_fail(__FILE__, __LINE__, "puid used twice");
}

/* RFC 4180 rows: fields of each row; returns the rows, NULL-terminated,
 * each a NULL-terminated array of strings. */
static char ***parse_csv(const char *s)
{
    char ***rows = calloc(1, sizeof *rows);
    size_t nr = 0;
    while (*s) {
        char **f = calloc(1, sizeof *f);
        size_t nf = 0;
        for (;;) {
            char *v = malloc(strlen(s) + 1);
            size_t k = 0;
            if (*s == '"') {
                for (s++; *s; s++) {
                    if (*s == '"' && s[1] == '"')
                        v[k++] = *s++;
                    else if (*s == '"')
                        break;
                    else
                        v[k++] = *s;
                }
                if (*s == '"')
                    s++;
            } else {
                while (*s && *s != ',' && *s != '\n')
                    v[k++] = *s++;
            }
            v[k] = '\0';
            f = realloc(f, (nf + 2) * sizeof *f);
            f[nf++] = v;
            f[nf] = NULL;
            if (*s == ',') {
                s++;
                continue;
            }
            if (*s == '\n')
                s++;
            break;
        }
        rows = realloc(rows, (nr + 2) * sizeof *rows);
        rows[nr++] = f;
        rows[nr] = NULL;
    }
    return rows;
}

static void free_csv(char ***rows)
{
    for (size_t i = 0; rows[i]; i++) {
        for (size_t j = 0; rows[i][j]; j++)
            free(rows[i][j]);
        free(rows[i]);
    }
    free(rows);
}

/* The CSV has the JSON's fields and values: the header names the fields,
 * each row is a statement, an array is its JSON text, an absent field is
 * empty. */
static void check_csv(const char *csv, json_object *all)
{
    char ***rows = parse_csv(csv);
    size_t nf = 0, nr = 0;
    while (rows[0] && rows[0][nf])
        nf++;
    while (rows[nr])
        nr++;
    KT_EQ_INT(nr, json_object_array_length(all) + 1);
    KT_EQ_STR(rows[0][0], "decision_visibility");
    for (size_t i = 1; i < nr; i++) {
        json_object *o = json_object_array_get_idx(all, i - 1);
        size_t n = 0;
        while (rows[i][n])
            n++;
        KT_EQ_INT(n, nf);
        for (size_t j = 0; j < nf && j < n; j++) {
            json_object *v = get(o, rows[0][j]);
            const char *want = !v ? ""
                             : json_object_is_type(v, json_type_array)
                                 ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                                     JSON_C_TO_STRING_NOSLASHESCAPE)
                                 : json_object_get_string(v);
            if (strcmp(rows[i][j], want))
                kt_fail(__FILE__, __LINE__, "csv row %zu %s: '%s', json '%s'", i, rows[0][j],
                        rows[i][j], want);
        }
        /* every field of the JSON has its column */
        json_object_object_foreach(o, key, val) {
            (void)val;
            int found = 0;
            for (size_t j = 0; j < nf; j++)
                found |= !strcmp(rows[0][j], key);
            if (!found)
                kt_fail(__FILE__, __LINE__, "no csv column %s", key);
        }
    }
    free_csv(rows);
}

/* ---- stores ------------------------------------------------------------------- */

static kt_tmpstore tmp;

/* An item with one detection of cat by method, and its case. */
static int64_t mk_case(kz_store *s, const char *url, const char *ref, const char *lang,
                       const char *published, const char *text, const char *cat,
                       const char *method, int64_t *item)
{
    kz_item_in it = { url, strlen(url), "forum", 5, ref, ref ? strlen(ref) : 0,
                      lang, lang ? strlen(lang) : 0, published, published ? strlen(published) : 0,
                      text, strlen(text), NULL };
    kz_detection_in d = { "r1", cat, method, 50, 0, (uint32_t)strlen(text), NULL, NULL, 0 };
    kz_flag_in f = { cat, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id), kz_dbstr(cat) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1 AND category = $2",
                        p, 2, &id), 0);
    if (item)
        *item = out.item_id;
    return id;
}

static void decide_as(kz_actor *al, kz_actor *who, kz_actor *approver, int64_t c,
                      const char *measure, const char *scope, const char *until, const char *basis,
                      const char *reasons)
{
    kz_decision_in d = { measure, basis, reasons, scope, until, until ? 0 : 30 };
    KT_EQ_INT(kz_case_assign(al, c, kz_account_name(who)), 0);
    if (kz_case_decide(who, c, &d, NULL))
        kt_fail(__FILE__, __LINE__, "decide: %s", kz_account_errmsg(who));
    if (approver && kz_case_measure_needs_approval(measure))
        KT_EQ_INT(kz_case_approve(approver, c), 0);
}

static char *export(kz_store *s, const char *from, const char *to, int csv, size_t *count,
                    size_t *skipped)
{
    kz_statements *st = NULL;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_statements_compute(s, from, to, &st), 0);
    if (!st)
        return strdup("");
    KT_EQ_INT(csv ? kz_statements_csv(st, &b) : kz_statements_json(st, &b), 0);
    if (count)
        *count = kz_statements_count(st);
    if (skipped)
        *skipped = kz_statements_nskipped(st);
    kz_statements_free(&st);
    char *out = strdup(b.p ? b.p : "");
    kz_buf_release(&b);
    return out;
}

#define N_MIXED 203

static const char *const mixed_cats[] = { "terrorism", "csam", "suicide", "drugs", "bullying" };
static const char *const mixed_measures[] = { "removal_request", "geo_restriction", "url_block",
                                              "domain_block" };

/*
 * 203 restrictions in May 2026 (every category kuzet ships, every
 * restrictive measure, published dates good, too old and missing, known and
 * unknown languages, rule and hash detections, scopes with and without an
 * EU country, an end after 2038), and around them what must not become a
 * statement: a no_action decision, a block proposed and rejected, a block
 * awaiting approval, a decision in April, and one whose category has no DSA
 * category (left out, and said).
 */
static void mixed(kz_store *s)
{
    kt_staff p;
    char url[96], text[128];
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-04-30T23:59:59Z");
    int64_t april = mk_case(s, "https://forum.example.kz/t/april", NULL, NULL, NULL,
                            "апрельский пост", "drugs", "rule", NULL);
    decide_as(p.al, p.ann, p.sue, april, "removal_request", "KZ", NULL, "Law, art. 1", "stated reasons");
    kt_staff_clock(&p, "2026-05-10T08:00:00Z");
    for (int i = 0; i < N_MIXED; i++) {
        snprintf(url, sizeof url, "https://forum.example.kz/t/%d", i);
        snprintf(text, sizeof text, "пост %d", i);
        const char *pub = i % 3 == 0 ? "2026-05-01T10:00:00Z" : i % 3 == 1 ? "1999-12-31" : NULL;
        int64_t c = mk_case(s, url, NULL, i % 2 ? "kk" : "xx", pub, text, mixed_cats[i % 5],
                            i % 6 == 5 ? "hash" : "rule", NULL);
        decide_as(p.al, p.ann, p.sue, c, mixed_measures[i % 4], i % 7 == 0 ? "DE, KZ" : "KZ",
                  i % 11 == 3 ? "2099-12-31" : NULL,
                  "Law of the Republic of Kazakhstan \"On Mass Media\", art. 2", "reasons");
    }
    int64_t c = mk_case(s, "https://forum.example.kz/t/none", NULL, NULL, NULL, "x", "drugs",
                        "rule", NULL);
    decide_as(p.al, p.ann, p.sue, c, "no_action", NULL, NULL, NULL, "nothing illegal");
    c = mk_case(s, "https://forum.example.kz/t/rejected", NULL, NULL, NULL, "x", "terrorism",
                "rule", NULL);
    decide_as(p.al, p.ann, NULL, c, "url_block", "KZ", NULL, "Law, art. 3", "stated reasons");
    KT_EQ_INT(kz_case_reject(p.sue, c, "not proportionate"), 0);
    c = mk_case(s, "https://forum.example.kz/t/waiting", NULL, NULL, NULL, "x", "terrorism",
                "rule", NULL);
    decide_as(p.al, p.ann, NULL, c, "domain_block", "KZ", NULL, "Law, art. 3", "stated reasons");
    c = mk_case(s, "https://forum.example.kz/t/spam", NULL, NULL, NULL, "x", "spam", "rule", NULL);
    decide_as(p.al, p.ann, p.sue, c, "removal_request", "KZ", NULL, "Law, art. 4", "stated reasons");
    kt_staff_release(&p);

    size_t n = 0, skipped = 0;
    char *j = export(s, "2026-05-01", "2026-05-31", 0, &n, &skipped);
    KT_EQ_INT(n, N_MIXED);
    KT_EQ_INT(skipped, 1);
    json_object *all = NULL;
    char sizes[64];
    check_json(j, &all, sizes, sizeof sizes);
    KT_EQ_STR(sizes, "100,100,3");
    KT_EQ_INT(json_object_array_length(all), N_MIXED);
    /* the first, whole: terrorism, removal request, published 2026-05-01,
     * language xx (not ISO 639-1: left out), scope "DE, KZ" (DE kept) */
    KT_EQ_STR(json_object_to_json_string_ext(json_object_array_get_idx(all, 0),
                                             JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
              "{\"decision_visibility\":[\"DECISION_VISIBILITY_CONTENT_REMOVED\"],"
              "\"end_date_visibility_restriction\":\"2026-06-09\","
              "\"decision_ground\":\"DECISION_GROUND_ILLEGAL_CONTENT\","
              "\"illegal_content_legal_ground\":\"Law of the Republic of Kazakhstan \\\"On Mass "
              "Media\\\", art. 2\","
              "\"illegal_content_explanation\":\"On review by a person, the content was found to "
              "be terrorist content (kuzet category 'terrorism'), which the legal ground cited "
              "prohibits.\","
              "\"content_type\":[\"CONTENT_TYPE_TEXT\"],"
              "\"category\":\"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY\","
              "\"category_specification\":[\"KEYWORD_TERRORIST_CONTENT\"],"
              "\"territorial_scope\":[\"DE\"],"
              "\"content_date\":\"2026-05-01\",\"application_date\":\"2026-05-10\","
              "\"decision_facts\":\"Detected by automated means (keyword or pattern rules) in the "
              "monitoring of publicly available content, then reviewed by a person. The person "
              "decided to request the hosting platform to remove the content, on the legal ground "
              "stated. Territorial scope of the decision (ISO 3166): DE, KZ.\","
              "\"source_type\":\"SOURCE_VOLUNTARY\",\"automated_detection\":\"Yes\","
              "\"automated_decision\":\"AUTOMATED_DECISION_NOT_AUTOMATED\","
              "\"puid\":\"kuzet-decision-2\"}");
    /* the mapping, statement by statement */
    for (int i = 0; i < N_MIXED; i++) {
        json_object *o = json_object_array_get_idx(all, (size_t)i);
        static const char *const vis[] = { "DECISION_VISIBILITY_CONTENT_REMOVED",
                                           "DECISION_VISIBILITY_CONTENT_DISABLED",
                                           "DECISION_VISIBILITY_CONTENT_DISABLED",
                                           "DECISION_VISIBILITY_OTHER" };
        static const char *const cats[] = {
            "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
            "STATEMENT_CATEGORY_SELF_HARM", "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
            "STATEMENT_CATEGORY_CYBER_VIOLENCE" };
        KT_CHECK(arr_has(get(o, "decision_visibility"), vis[i % 4]));
        KT_EQ_STR(json_object_get_string(get(o, "category")), cats[i % 5]);
        KT_EQ_STR(json_object_get_string(get(o, "content_date")),
                  i % 3 == 0 ? "2026-05-01" : "2026-05-10");      /* else when first seen */
        KT_EQ_STR(get(o, "content_language") ? json_object_get_string(get(o, "content_language"))
                                             : "-", i % 2 ? "KK" : "-");
        KT_EQ_STR(json_object_get_string(get(o, "automated_detection")), "Yes");
        KT_CHECK(!!get(o, "territorial_scope") == (i % 7 == 0));
        KT_CHECK(!!get(o, "end_date_visibility_restriction") == (i % 11 != 3));
        const char *facts = json_object_get_string(get(o, "decision_facts"));
        KT_CHECK(strstr(facts, i % 6 == 5 ? "(a hash list of known content)"
                                          : "(keyword or pattern rules)") != NULL);
        KT_CHECK(!!strstr(facts, "A second person approved the block") == (i % 4 >= 2));
    }
    char *csv = export(s, "2026-05-01", "2026-05-31", 1, NULL, NULL);
    check_csv(csv, all);
    json_object_put(all);
    free(csv);
    free(j);
    /* an empty period: no batch at all (the API refuses an empty one), a CSV header */
    j = export(s, "2026-06-01", "2026-06-30", 0, &n, NULL);
    KT_EQ_STR(j, "");
    free(j);
    j = export(s, "2026-06-01", "2026-06-30", 1, &n, NULL);
    KT_CHECK(!strchr(j, '\n') || !strchr(strchr(j, '\n') + 1, '\n'));
    free(j);
    /* April holds the one decided then */
    j = export(s, "2026-04-01", "2026-04-30", 0, &n, NULL);
    KT_EQ_INT(n, 1);
    free(j);
}

KT_TEST(statements_validate)
{
    kz_store *s = kt_store_fresh(&tmp, "statements");
    if (!s)
        return;
    mixed(s);
    kt_store_cleanup(&tmp, &s);
}

KT_TEST(statements_validate_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "statements_validate_pg", "statements");
    if (!s)
        return;
    mixed(s);
    kt_store_pg_drop(&d, &s);
}

/*
 * Art. 24(5): no personal data.  Items whose URL, record id, text and
 * detections carry an author's name and handle, decided and approved by
 * people with names, with reasons and a platform answer that name the
 * author: the export holds none of it.
 */
KT_TEST(statements_no_personal_data)
{
    kz_store *s = kt_store_fresh(&tmp, "statements-pii");
    if (!s)
        return;
    kt_staff p;
    kt_staff_login(s, &p);
    kt_add_person(p.root, "aigerim_reviewer", "reviewer");
    kt_add_person(p.root, "nurlan_supervisor", "supervisor");
    kz_actor *rev = kt_login(s, "aigerim_reviewer"), *sup = kt_login(s, "nurlan_supervisor");
    kt_staff_clock(&p, "2026-05-10T08:00:00Z");
    kz_account_set_clock(rev, "2026-05-10T08:00:00Z");
    kz_account_set_clock(sup, "2026-05-10T08:00:00Z");
    static const char *const measures[] = { "removal_request", "url_block", "domain_block",
                                            "geo_restriction" };
    for (int i = 0; i < 4; i++) {
        char url[128], ref[64];
        snprintf(url, sizeof url, "https://vk.com/qairat_author99/wall-%d?from=Qairat+Sultanov", i);
        snprintf(ref, sizeof ref, "qairat_author99-post-%d", i);
        int64_t item, c = mk_case(s, url, ref, "ru", "2026-05-01",
                                  "@qairat_author99 (Qairat Sultanov, +7 701 555 0199): "
                                  "вступай в джихад", mixed_cats[i], "rule", &item);
        if (i == 1) {                               /* an image too: IMAGE and TEXT */
            kz_media_in m = { "https://vk.com/photo/qairat_author99.jpg",
                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                              "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", NULL, 0 };
            KT_EQ_INT(kz_media_add(s, item, &m), 0);
        }
        decide_as(p.al, rev, sup, c, measures[i], "KZ", NULL,
                  "Law of the Republic of Kazakhstan on Countering Terrorism, art. 10",
                  "post by @qairat_author99 (Qairat Sultanov) calls to join; seen by Aigerim");
        if (i == 0) {
            KT_EQ_INT(kz_case_notify(p.al, c, NULL, NULL, NULL), 0);
            KT_EQ_INT(kz_case_comply(p.al, c, "Qairat Sultanov's post removed by moderator Dana"),
                      0);
        }
    }
    kz_account_logout(&rev);
    kz_account_logout(&sup);
    kt_staff_release(&p);
    size_t n = 0;
    char *j = export(s, "2026-05-01", "2026-05-31", 0, &n, NULL);
    char *csv = export(s, "2026-05-01", "2026-05-31", 1, NULL, NULL);
    KT_EQ_INT(n, 4);
    static const char *const pii[] = { "qairat", "Qairat", "Sultanov", "author99", "701 555",
                                       "aigerim", "Aigerim", "nurlan", "Nurlan", "Dana",
                                       "vk.com", "wall-", "джихад", "@", "moderator",
                                       "calls to join", "photo", NULL };
    for (int i = 0; pii[i]; i++) {
        if (strstr(j, pii[i]))
            kt_fail(__FILE__, __LINE__, "JSON holds '%s'", pii[i]);
        if (strstr(csv, pii[i]))
            kt_fail(__FILE__, __LINE__, "CSV holds '%s'", pii[i]);
    }
    json_object *all = NULL;
    char sizes[32];
    check_json(j, &all, sizes, sizeof sizes);
    KT_EQ_STR(sizes, "4");
    KT_EQ_STR(json_object_to_json_string_ext(get(json_object_array_get_idx(all, 1), "content_type"),
                                             JSON_C_TO_STRING_PLAIN),
              "[\"CONTENT_TYPE_IMAGE\",\"CONTENT_TYPE_TEXT\"]");
    KT_EQ_STR(json_object_get_string(get(json_object_array_get_idx(all, 0), "content_language")),
              "RU");
    json_object_put(all);
    free(j);
    free(csv);
    kt_store_cleanup(&tmp, &s);
}

/* ---- GET /api/v1/statements ------------------------------------------------------ */

static void serve_setup(kz_store *s)
{
    kt_serve_staff(s);
    kz_actor *al = kt_login(s, "al"), *ann = kt_login(s, "ann");
    int64_t c = mk_case(s, "https://forum.example.kz/t/qairat_author99", "qairat-1", "ru",
                        "2026-05-01", "@qairat_author99: закладка", "drugs", "rule", NULL);
    decide_as(al, ann, NULL, c, "removal_request", "KZ", NULL, "Law on Narcotic Drugs, art. 5",
              "offers drugs for sale");
    c = mk_case(s, "https://forum.example.kz/t/2", NULL, NULL, NULL, "x", "spam", "rule", NULL);
    decide_as(al, ann, NULL, c, "removal_request", "KZ", NULL, "Law on Advertising, art. 7",
              "paid followers");
    kz_account_logout(&al);
    kz_account_logout(&ann);
}

/* Staff get the statements (JSON: batches and what was left out; CSV),
 * nobody else; a bad period is 400. */
KT_TEST(serve_statements)
{
    kt_server sv;
    kt_client al, anon;
    kt_resp r;
    memset(&al, 0, sizeof al);
    memset(&anon, 0, sizeof anon);
    if (kt_serve_start(&sv, "statements", 0, serve_setup, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/api/v1/statements?from=2000-01-01&to=2099-12-31", NULL,
                      &r), 200);
    json_object *o = json_tokener_parse(r.body), *b = get(o, "batches"), *l = get(o, "left_out");
    KT_CHECK(b && json_object_array_length(b) == 1);
    json_object *st = get(json_object_array_get_idx(b, 0), "statements");
    KT_CHECK(st && json_object_array_length(st) == 1);
    char why[160] = "";
    KT_CHECK(valid_statement(json_object_array_get_idx(st, 0), why, sizeof why));
    KT_EQ_STR(why, "");
    KT_EQ_STR(json_object_get_string(get(json_object_array_get_idx(st, 0), "puid")),
              "kuzet-decision-1");
    KT_CHECK(l && json_object_array_length(l) == 1);
    KT_EQ_INT(json_object_get_int64(get(json_object_array_get_idx(l, 0), "decision_id")), 2);
    KT_CHECK(!strstr(r.body, "qairat") && !strstr(r.body, "example.kz"));
    json_object_put(o);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/api/v1/statements?from=2000-01-01&to=2099-12-31&format=csv",
                      NULL, &r), 200);
    KT_CHECK(r.body && !strncmp(r.body, "decision_visibility,", 20));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &anon, "GET", "/api/v1/statements?from=2000-01-01&to=2099-12-31", NULL,
                      &r), 401);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/api/v1/statements?from=2000-01-01", NULL, &r), 400);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
