/*
 * ingest/jsonl.c - one post from a line of a JSON Lines export.
 *
 * Parsing is done by json-c (pkg-config json-c, Debian libjson-c-dev),
 * chosen over cJSON and jansson after bench/json/json_libs.c measured all
 * three on realistic posts (see bench/json/run):
 *   - like cJSON it passes bytes that are not valid UTF-8 through untouched
 *     (jansson rejects the whole record, and runs at ~70 MB/s);
 *   - it is ~20% slower than cJSON (~550 vs ~685 MB/s on 50 MB of posts;
 *     kz_jsonl_parse as a whole ~500 MB/s), which buys the points below;
 *   - a lone surrogate escape ("\ud800", "\udc00", a high surrogate not
 *     followed by a low one) becomes U+FFFD instead of failing the record
 *     (cJSON and jansson both reject it);
 *   - "\u0000" is kept, with the length, so text_len covers it;
 *   - integers are exact up to 64 bits, so snowflake ids survive (cJSON keeps
 *     only a double), and the text of other numbers is kept as written.
 * It is run in its lenient (non-strict) mode, which also accepts raw control
 * characters in strings.  Nesting is limited to KZ_JSONL_DEPTH levels; the
 * tokener keeps its own stack, so deep input cannot overflow ours.
 *
 * Limits of json-c to know: an integer beyond the 64-bit range is clamped
 * (18446744073709551617 reads as 18446744073709551615) and -0 reads as 0,
 * so for those few values the id's text is taken from the line itself
 * (raw_id); with duplicate keys the last one wins.
 *
 * Every pointer in the returned kz_record points into the json-c tree (or
 * into j->html_text) kept on the handle until the next call.
 */
#include "ingest/jsonl.h"
#include "ingest/html.h"
#include "util/buf.h"

#include <limits.h>
#include <math.h>
#include <json-c/json.h>

#define KZ_JSONL_DEPTH 64

struct kz_jsonl {
    size_t max_record;
    struct json_tokener *tok;
    struct json_object *root;     /* the last record's tree, owned */
    kz_buf html_text;             /* visible text of the last "html" record */
    char errmsg[160];
    char idbuf[24];               /* an integer id as text */
    const char *img[KZ_JSONL_MAX_IMAGES];     /* the last record's "images" */
    size_t img_len[KZ_JSONL_MAX_IMAGES];
};

kz_jsonl *kz_jsonl_new(size_t max_record)
{
    kz_jsonl *j = kz_calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->tok = json_tokener_new_ex(KZ_JSONL_DEPTH);
    if (!j->tok) {
        free(j);
        return NULL;
    }
    /* json-c takes the length as an int */
    j->max_record = KZ_MIN(max_record, (size_t)INT_MAX - 1);
    kz_buf_init(&j->html_text, j->max_record);
    return j;
}

void kz_jsonl_free(kz_jsonl *j)
{
    if (!j)
        return;
    json_object_put(j->root);
    json_tokener_free(j->tok);
    kz_buf_release(&j->html_text);
    free(j);
}

const char *kz_jsonl_errmsg(const kz_jsonl *j)
{
    return j ? j->errmsg : "no parser";
}

static int fail(kz_jsonl *j, int rc, const char *fmt, ...) KZ_PRINTF(3, 4);

static int fail(kz_jsonl *j, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->errmsg, sizeof j->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does s[0..n) follow the JSON number grammar?  json-c's lenient mode also
 * takes NaN, Infinity and the like, which must not be printed bare. */
static bool json_number_text(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == n;
}

/* The string value of key, or NULL (absent or not a string). */
static const char *get_str(struct json_object *root, const char *key, size_t *len)
{
    struct json_object *v = NULL;
    *len = 0;
    if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    int n = json_object_get_string_len(v);
    *len = n > 0 ? (size_t)n : 0;
    return json_object_get_string(v);
}

/* Decimal text of v into buf (room for 21 bytes); returns its length.
 * Done here because json-c formats numbers through snprintf and a locale
 * switch, which costs more than the rest of the record. */
static size_t int_text(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0, o = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[o++] = '-';
    while (n)
        buf[o++] = tmp[--n];
    return o;
}

/* ---- the id as written ---------------------------------------------------- */

/* Past the JSON string that starts at s[i] (a '"'); n when unterminated. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

/* Past the JSON value that starts at s[i]: strings skipped whole, objects and
 * arrays to their matching bracket, anything else to the next ',', '}' or ']'
 * at depth 0. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    size_t depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            if (!depth)
                return i;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (!depth)
                return i;
            if (!--depth)
                return i + 1;
        } else if (c == ',' && !depth) {
            return i;
        }
        i++;
    }
    return n;
}

/* Is the string token s[0..n) (quotes included) the key "id", escapes and
 * all ("\u0069d" is "id" too)? */
static bool key_is_id(const char *s, size_t n)
{
    if (n == 4)
        return memcmp(s, "\"id\"", 4) == 0;
    if (!memchr(s, '\\', n))
        return false;
    char buf[64];
    if (n + 1 > sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct json_object *k = json_tokener_parse(buf);
    bool is = k && json_object_is_type(k, json_type_string) &&
              json_object_get_string_len(k) == 2 && memcmp(json_object_get_string(k), "id", 2) == 0;
    json_object_put(k);
    return is;
}

/* The text of the top-level "id" member of the object in s[0..n), as
 * written; the last one when the key repeats (json-c's choice).  Only called
 * for the integers json-c cannot give back exactly (0, which may have been
 * -0, and the clamped ends of the 64-bit range), on a line json-c accepted. */
static const char *raw_id(const char *s, size_t n, size_t *len)
{
    const char *found = NULL;
    size_t i = 0;
    while (i < n && s[i] != '{')
        i++;
    i++;
    while (i < n) {
        while (i < n && (is_ws(s[i]) || s[i] == ','))
            i++;
        if (i >= n || s[i] != '"')
            break;
        size_t k = i;
        i = skip_string(s, n, i);
        bool id = key_is_id(s + k, i - k);
        while (i < n && (is_ws(s[i]) || s[i] == ':'))
            i++;
        size_t v = i;
        i = skip_value(s, n, i);
        if (id) {
            size_t e = i;
            while (e > v && is_ws(s[e - 1]))
                e--;
            found = s + v;
            *len = e - v;
        }
    }
    return found;
}

/* A number id as written, text[0..len) (a valid JSON number). */
static int number_id(kz_jsonl *j, kz_record *rec, const char *text, size_t len)
{
    if (len > 64)
        return fail(j, KZ_EBADJSON, "\"id\": a number of %zu characters, over the limit of 64; "
                    "write it as a string", len);
    rec->id = text;
    rec->id_len = len;
    rec->id_is_number = true;
    return 0;
}

/* "id": a string, a number (its text kept as written, however long), or
 * null / absent (no id).  Anything else rejects the record. */
static int get_id(kz_jsonl *j, struct json_object *root, const char *line, size_t n,
                  kz_record *rec)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(root, "id", &v) || !v)
        return 0;
    switch (json_object_get_type(v)) {
    case json_type_string:
        rec->id = get_str(root, "id", &rec->id_len);
        return 0;
    case json_type_int: {
        int64_t iv = json_object_get_int64(v);
        if (iv != 0 && iv != INT64_MAX && iv != INT64_MIN) {
            rec->id_len = int_text(iv, j->idbuf);
            rec->id = j->idbuf;
            rec->id_is_number = true;
            return 0;
        }
        /* 0 may have been written -0; the ends of the range may be clamped */
        size_t len = 0;
        const char *raw = raw_id(line, n, &len);
        if (!raw || !len || !json_number_text(raw, len))
            return fail(j, KZ_EBADJSON, "\"id\": a number whose text cannot be read back");
        return number_id(j, rec, raw, len);
    }
    case json_type_double: {
        /* json-c keeps a double's text as written (1e999, -0.0, 1.50) */
        const char *s = json_object_get_string(v);
        size_t len = s ? strlen(s) : 0;
        if (!len || !json_number_text(s, len))
            return fail(j, KZ_EBADJSON, "\"id\" is not a JSON number (%.20s)", s ? s : "");
        return number_id(j, rec, s, len);
    }
    case json_type_boolean:
        return fail(j, KZ_EBADJSON, "\"id\" is a boolean; an id is a string or a number");
    case json_type_object:
        return fail(j, KZ_EBADJSON, "\"id\" is an object; an id is a string or a number");
    case json_type_array:
        return fail(j, KZ_EBADJSON, "\"id\" is an array; an id is a string or a number");
    default:
        return 0;
    }
}

/* "images": an array of non-empty strings (paths or URLs), at most
 * KZ_JSONL_MAX_IMAGES; absent or null: none. */
static int get_images(kz_jsonl *j, struct json_object *root, kz_record *rec)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(root, "images", &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_array))
        return fail(j, KZ_EBADJSON, "\"images\" is not an array of strings");
    size_t n = json_object_array_length(v);
    if (n > KZ_JSONL_MAX_IMAGES)
        return fail(j, KZ_EBADJSON, "\"images\" has %zu entries, over the limit of %d", n,
                    KZ_JSONL_MAX_IMAGES);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        int len = e && json_object_is_type(e, json_type_string) ? json_object_get_string_len(e) : 0;
        if (len <= 0)
            return fail(j, KZ_EBADJSON, "\"images\"[%zu] is not a non-empty string", i);
        j->img[i] = json_object_get_string(e);
        j->img_len[i] = (size_t)len;
    }
    rec->images = j->img;
    rec->image_lens = j->img_len;
    rec->nimages = n;
    return 0;
}

static const char *tokener_reason(enum json_tokener_error e)
{
    switch (e) {
    case json_tokener_continue:
    case json_tokener_error_parse_eof:
        return "unexpected end of line";
    default:
        return json_tokener_error_desc(e);
    }
}

int kz_jsonl_parse(kz_jsonl *j, const char *line, size_t n, kz_record *rec)
{
    size_t skip = 0;
    int rc;

    memset(rec, 0, sizeof *rec);
    json_object_put(j->root);
    j->root = NULL;
    kz_buf_reset(&j->html_text);
    j->errmsg[0] = '\0';

    if (n > j->max_record)
        return fail(j, KZ_ETOOBIG, "line is %zu bytes, over the limit of %zu", n, j->max_record);
    if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)   /* a BOM on the first line */
        skip = 3;
    while (n > skip && is_ws(line[n - 1]))
        n--;
    while (skip < n && is_ws(line[skip]))
        skip++;
    if (skip == n)
        return fail(j, KZ_EBADJSON, "not JSON: empty line");

    json_tokener_reset(j->tok);
    j->root = json_tokener_parse_ex(j->tok, line + skip, (int)(n - skip));
    size_t end = skip + json_tokener_get_parse_end(j->tok);
    if (!j->root) {
        enum json_tokener_error e = json_tokener_get_error(j->tok);
        if (e == json_tokener_success) /* the literal null */
            return fail(j, KZ_EBADJSON, "not a JSON object");
        if (e == json_tokener_continue || e == json_tokener_error_parse_eof) {
            /* json-c waits for more after a bare 42 or true */
            if (line[skip] != '{')
                return fail(j, KZ_EBADJSON, "not a JSON object");
            return fail(j, KZ_EBADJSON, "not JSON: %s", tokener_reason(e));
        }
        return fail(j, KZ_EBADJSON, "not JSON: %s at byte %zu", tokener_reason(e),
                    KZ_MIN(end, n - 1) + 1);
    }
    if (end < n) {
        rc = fail(j, KZ_EBADJSON, "not JSON: unexpected text after the value at byte %zu", end + 1);
        goto bad;
    }
    if (!json_object_is_type(j->root, json_type_object)) {
        rc = fail(j, KZ_EBADJSON, "not a JSON object");
        goto bad;
    }

    struct json_object *root = j->root, *t = NULL, *h = NULL;
    bool has_text = json_object_object_get_ex(root, "text", &t);
    bool has_html = json_object_object_get_ex(root, "html", &h);
    if (has_text && json_object_is_type(t, json_type_string)) {
        rec->text = get_str(root, "text", &rec->text_len);
    } else if (has_html && json_object_is_type(h, json_type_string)) {
        size_t hl = 0;
        const char *hs = get_str(root, "html", &hl);
        rc = kz_html_text(hs, hl, &j->html_text, NULL);
        if (rc == KZ_ETOOBIG) {
            rc = fail(j, rc, "visible text of \"html\" is over the limit of %zu bytes",
                      j->max_record);
            goto bad;
        }
        if (rc < 0) {
            rc = fail(j, rc, "\"html\": %s", kz_strerror(rc));
            goto bad;
        }
        rec->text = j->html_text.p ? j->html_text.p : "";
        rec->text_len = j->html_text.len;
        rec->from_html = true;
    } else if (has_text) {
        rc = fail(j, KZ_ENOTEXT, "\"text\" is not a string");
        goto bad;
    } else if (has_html) {
        rc = fail(j, KZ_ENOTEXT, "\"html\" is not a string");
        goto bad;
    } else {
        rc = fail(j, KZ_ENOTEXT, "no \"text\" or \"html\" string");
        goto bad;
    }
    if (!rec->text)
        rec->text = "";

    if ((rc = get_id(j, root, line + skip, n - skip, rec)) != 0)
        goto bad;
    rec->url = get_str(root, "url", &rec->url_len);
    rec->platform = get_str(root, "platform", &rec->platform_len);
    rec->published = get_str(root, "published", &rec->published_len);
    rec->lang = get_str(root, "lang", &rec->lang_len);
    if ((rc = get_images(j, root, rec)) != 0)
        goto bad;
    return 0;

bad:
    memset(rec, 0, sizeof *rec);
    return rc;
}
