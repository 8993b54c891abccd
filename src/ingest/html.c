/*
 * ingest/html.c - the visible text of an HTML document, streamed through
 * libxml2's HTML parser in SAX mode (no tree is built).
 *
 * Two steps:
 *   1. prepare(): one pass that rewrites, only where needed (ordinary
 *      pages are not copied), what libxml2's HTML4-era parser would read
 *      differently from an HTML5 parser (gumbo, used before): invalid
 *      UTF-8 (libxml2 would read the rest of the page as latin-1),
 *      controls, "&#150;", "&copy" without ';', bogus comments, the raw
 *      text of <title>, <textarea>, <xmp>, <iframe>, <plaintext>.  It also
 *      takes <html lang> (libxml2 drops an <html> tag that follows text).
 *   2. htmlParseDocument() with our callbacks: start/end element keep a
 *      stack of element kinds (libxml2 reports an end for every start,
 *      also for the elements it closes itself), characters append the
 *      text with whitespace collapsed.  The encoding is forced to UTF-8
 *      and a <meta charset> does not count (HTML_PARSE_IGNORE_ENC): the
 *      crawler converts charsets before.
 * libxml2 parses without recursion and keeps no depth limit for HTML, but
 * an end tag that matches nothing scans every open element; past
 * HTML_MAX_DEPTH open elements the parse restarts, with a new context, on
 * the rest of the input (no text is lost, 100000 nested <div> stay linear).
 * Errors are not printed: NOERROR/NOWARNING and a structured handler on
 * the context (never the global one), which also notes </p> and </br>
 * that close nothing (a line break in HTML5).  xmlInitParser() runs once
 * (pthread_once); after that each call has its own context: thread-safe.
 *
 * Where the text still differs from gumbo's (docs/performance.md): text in
 * a table outside the cells (HTML5 moves it before the table), CDATA in
 * <math>, a BOM (now dropped), <noscript> content in <head> (now hidden).
 */
#include "ingest/html.h"

#include <pthread.h>
#include <stdlib.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "util/utf8.h"

/* ---- classification of tags ---- */

enum {
    F_BLOCK = 1,     /* its start and end separate lines */
    F_CELL = 2,      /* separates words (table cells) */
    F_HIDDEN = 4,    /* content never shown */
    F_HEAD = 8,
    F_TITLE = 16,
    F_IMG = 32,
    F_HTML = 64,     /* html and body: separators from them never show in */
    F_HEADOK = 128,  /* may sit in <head> without ending it */
    F_BODY = 256,    /* HTML5 (text after </body> goes back into it) */
};

struct tag_class {
    const char *name;
    unsigned flags;
};

static const struct tag_class tags[] = {
    { "address", F_BLOCK },    { "article", F_BLOCK },     { "aside", F_BLOCK },
    { "base", F_HEADOK },      { "basefont", F_HEADOK },   { "bgsound", F_HEADOK },
    { "blockquote", F_BLOCK }, { "body", F_BODY },        { "br", F_BLOCK },
    { "caption", F_BLOCK },    { "center", F_BLOCK },      { "dd", F_BLOCK },
    { "details", F_BLOCK },    { "dir", F_BLOCK },         { "div", F_BLOCK },
    { "dl", F_BLOCK },         { "dt", F_BLOCK },          { "fieldset", F_BLOCK },
    { "figcaption", F_BLOCK }, { "figure", F_BLOCK },      { "footer", F_BLOCK },
    { "form", F_BLOCK },       { "frameset", F_BLOCK },    { "h1", F_BLOCK },
    { "h2", F_BLOCK },         { "h3", F_BLOCK },          { "h4", F_BLOCK },
    { "h5", F_BLOCK },         { "h6", F_BLOCK },          { "head", F_HEAD },
    { "header", F_BLOCK },     { "hgroup", F_BLOCK },      { "hr", F_BLOCK },
    { "html", F_HTML },        { "iframe", F_HIDDEN },     { "image", F_IMG },
    { "img", F_IMG },          { "legend", F_BLOCK },      { "li", F_BLOCK },
    { "link", F_HEADOK },      { "listing", F_BLOCK },     { "main", F_BLOCK },
    { "menu", F_BLOCK },       { "meta", F_HEADOK },       { "nav", F_BLOCK },
    { "noembed", F_HIDDEN },   { "noframes", F_HIDDEN | F_HEADOK },
    { "noscript", F_HIDDEN | F_HEADOK },                   { "object", F_HIDDEN },
    { "ol", F_BLOCK },         { "option", F_BLOCK },      { "p", F_BLOCK },
    { "plaintext", F_BLOCK },  { "pre", F_BLOCK },         { "script", F_HIDDEN | F_HEADOK },
    { "section", F_BLOCK },    { "select", F_BLOCK },      { "style", F_HIDDEN | F_HEADOK },
    { "summary", F_BLOCK },    { "svg", F_HIDDEN },        { "table", F_BLOCK },
    { "tbody", F_BLOCK },      { "td", F_CELL },           { "template", F_HIDDEN | F_HEADOK },
    { "textarea", F_BLOCK },   { "tfoot", F_BLOCK },       { "th", F_CELL },
    { "thead", F_BLOCK },      { "title", F_TITLE | F_HEADOK }, { "tr", F_BLOCK },
    { "ul", F_BLOCK },         { "xmp", F_BLOCK },
};

/* An open-addressing table over tags[], filled once by init_once (tag
 * names come per element: bsearch's strcmp calls showed in profiles). */
#define TAG_SLOTS 256
static unsigned char tag_slot[TAG_SLOTS];   /* index + 1 into tags[], 0: empty */

static unsigned tag_hash(const char *s, size_t n)
{
    return ((unsigned)n * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[n - 1] * 3u) % TAG_SLOTS;
}

static void tag_table_init(void)
{
    for (size_t k = 0; k < KZ_ARRAY_LEN(tags); k++) {
        unsigned h = tag_hash(tags[k].name, strlen(tags[k].name));
        while (tag_slot[h])
            h = (h + 1) % TAG_SLOTS;
        tag_slot[h] = (unsigned char)(k + 1);
    }
}

static unsigned tag_flags(const char *name)
{
    size_t n = strlen(name);
    if (n == 0)
        return 0;
    for (unsigned h = tag_hash(name, n); tag_slot[h]; h = (h + 1) % TAG_SLOTS)
        if (strcmp(tags[tag_slot[h] - 1].name, name) == 0)
            return tags[tag_slot[h] - 1].flags;
    return 0;
}

/* ---- step 1: the input as libxml2 should see it ---- */

/*
 * One pass over the input finds what libxml2 would read differently from
 * an HTML5 parser (gumbo before) and rewrites only that, copying the input
 * from the first change on (ordinary pages are not copied):
 *   - bytes: invalid UTF-8 becomes U+FFFD, one for each maximal invalid
 *     subpart as in WHATWG (libxml2 would read the rest as ISO-8859-1); NUL is dropped in text and
 *     U+FFFD in tags, other controls (but \t \n \r), C1 controls and
 *     noncharacters become U+FFFD, \f a space (libxml2 drops them);
 *   - "&#150;" and the like: numeric references to 0x80-0x9F mean the
 *     windows-1252 character, to 0, surrogates or past U+10FFFF U+FFFD;
 *   - markup that HTML5 reads as a comment ("<!x>", "<![CDATA[x]]>",
 *     "<?x>", "</ x>", "</>") is dropped, "<!-->" and "<!--->" too, and a
 *     comment may end with "--!>"; "<" then NUL is text.
 * Tags and the content of <script> and <style> (raw text in libxml2) are
 * only cleaned byte by byte.
 */

struct prep {
    const char *s;
    size_t n, copied;      /* s[0..copied) is in out (once rewriting) */
    kz_buf out;
    bool rewriting;
    size_t tag;            /* s[..tag) is a tag: only bytes and references */
    size_t plain;          /* s[..plain) is cleaned byte by byte only */
    size_t text;           /* s[..text) is text: '<' (and '&' when amp) escaped */
    bool amp;
    char *lang;            /* the lang of the first <html> with one, or NULL */
    size_t lang_size;
};

static const char fffd[] = "\xEF\xBF\xBD";

/* Put rep[0..len) in place of s[a..b). */
static int replace(struct prep *p, size_t a, size_t b, const char *rep, size_t len)
{
    int rc;
    if (!p->rewriting) {
        p->rewriting = true;
        if ((rc = kz_buf_grow(&p->out, p->n + p->n / 8 + 64)) < 0)
            return rc;
    }
    if ((rc = kz_buf_add(&p->out, p->s + p->copied, a - p->copied)) < 0)
        return rc;
    if ((rc = kz_buf_add(&p->out, rep, len)) < 0)
        return rc;
    p->copied = b;
    return 0;
}

static bool ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool tag_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static bool starts_ci(const char *s, size_t n, const char *lit)
{
    size_t k = 0;
    for (; lit[k]; k++)
        if (k >= n || lower(s[k]) != lit[k])
            return false;
    return true;
}

/* A control, non-ASCII or NUL byte at *ip: step over its character,
 * rewriting it when libxml2 would not take it as HTML5 does. */
static int fix_char(struct prep *p, size_t *ip, bool in_tag)
{
    const unsigned char *u = (const unsigned char *)p->s;
    size_t i = *ip;
    unsigned c = u[i];
    if (c < 0x80) {
        *ip = i + 1;
        if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0x7F))
            return 0;
        if (c == '\f')
            return replace(p, i, i + 1, " ", 1);
        if (c == 0 && !in_tag)
            return replace(p, i, i + 1, "", 0);
        return replace(p, i, i + 1, fffd, 3);
    }
    if (c >= 0xC2 && c < 0xE0 && i + 1 < p->n && (u[i + 1] & 0xC0) == 0x80 &&
        (c != 0xC2 || u[i + 1] >= 0xA0)) {
        *ip = i + 2;                          /* Cyrillic, Kazakh */
        return 0;
    }
    uint32_t cp;
    size_t k = kz_utf8_decode(u + i, p->n - i, &cp);
    if (k == 0) {
        /* one U+FFFD for the longest start of a valid sequence (WHATWG) */
        size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, m = 1;
        if (c >= 0xC2 && c <= 0xF4) {
            unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
            unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
            while (m < want && i + m < p->n && u[i + m] >= (m == 1 ? lo : 0x80) &&
                   u[i + m] <= (m == 1 ? hi : 0xBF))
                m++;
        }
        *ip = i + m;
        return replace(p, i, i + m, fffd, 3);
    }
    *ip = i + k;
    if (cp < 0xA0 || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        return replace(p, i, i + k, fffd, 3);
    return 0;
}

/* HTML5's reading of &#128; to &#159; (windows-1252); 0: as it is. */
static const uint16_t cp1252[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
    0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* "&#" at *ip. */
static int fix_charref(struct prep *p, size_t *ip)
{
    const char *s = p->s;
    size_t n = p->n, i = *ip, k = i + 2;
    bool hex = k < n && (s[k] == 'x' || s[k] == 'X');
    k += hex;
    size_t digits = k;
    uint32_t v = 0;
    for (; k < n; k++) {
        char c = s[k];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (hex && lower(c) >= 'a' && lower(c) <= 'f')
            d = (unsigned)(lower(c) - 'a' + 10);
        else
            break;
        v = v * (hex ? 16 : 10) + d;
        if (v > 0x10FFFF)
            v = 0x110000;
    }
    *ip = i + 1;
    if (k == digits)
        return 0;
    uint32_t r;
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        r = 0xFFFD;
    else if (v >= 0x80 && v <= 0x9F && cp1252[v - 0x80])
        r = cp1252[v - 0x80];
    else
        return 0;
    if (k < n && s[k] == ';')
        k++;
    *ip = k;
    char o[4];
    return replace(p, i, k, o, kz_utf8_encode(r, o));
}

/* The named references HTML5 also takes without ';' (libxml2 does not);
 * the upper-case ones libxml2 knows only in lower case. */
static const char *const legacy_refs[] = {
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
    "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT",
    "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN",
    "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig",
    "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy",
    "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14",
    "frac34", "gt", "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt",
    "macr", "micro", "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf",
    "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg",
    "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc",
    "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
};

static bool ascii_alnum(char c)
{
    return ascii_alpha(c) || (c >= '0' && c <= '9');
}

/* '&' at *ip in text: "&#..." as fix_charref(), "&copy" without ';' (the
 * longest legacy name) gets its ';'. */
static int fix_ref(struct prep *p, size_t *ip, bool attr)
{
    const char *s = p->s;
    size_t n = p->n, i = *ip, k = i + 1;
    if (k < n && s[k] == '#')
        return fix_charref(p, ip);
    while (k < n && ascii_alnum(s[k]))
        k++;
    *ip = k > i + 1 ? k : i + 1;
    if (k == i + 1)
        return 0;
    bool semi = k < n && s[k] == ';';
    if (semi && (k - i - 1 > 4 || !(s[i + 1] >= 'A' && s[i + 1] <= 'Z' && s[i + 2] >= 'A' && s[i + 2] <= 'Z')))
        return 0;                           /* "&amp;", but "&COPY;" as below */
    size_t best = 0;
    for (size_t t = 0; t < KZ_ARRAY_LEN(legacy_refs); t++) {
        size_t len = strlen(legacy_refs[t]);
        if (len <= k - i - 1 && len > best && memcmp(s + i + 1, legacy_refs[t], len) == 0)
            best = len;
    }
    if (best == 0 || (semi && best != k - i - 1))
        return 0;
    /* in an attribute, "&copy=" and "&copyx" stay as they are */
    if (attr && !semi && i + 1 + best < n && (ascii_alnum(s[i + 1 + best]) || s[i + 1 + best] == '='))
        return 0;
    char ref[16];
    ref[0] = '&';
    for (size_t j = 0; j < best; j++)
        ref[1 + j] = best <= 4 && s[i + 1] >= 'A' && s[i + 1] <= 'Z' && s[i + 2] >= 'A' &&
                             s[i + 2] <= 'Z' ? lower(s[i + 1 + j]) : s[i + 1 + j];
    ref[1 + best] = ';';
    *ip = i + 1 + best + semi;
    return replace(p, i, i + 1 + best + semi, ref, best + 2);
}

/* Position just past the '>' closing a tag whose attributes start at i
 * (quoted attribute values may hold '>'); n when it is not closed. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
    while (i < n) {
        char c = s[i];
        if (c == '>')
            return i + 1;
        i++;
        if (c == '=') {
            while (i < n && tag_space(s[i]))
                i++;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                const char *q = memchr(s + i + 1, s[i], n - i - 1);
                i = q ? (size_t)(q - s) + 1 : n;
            }
        }
    }
    return n;
}

/* Position of "</name" (any case) at or after i, or n. */
static size_t find_end_tag(const char *s, size_t n, size_t i, const char *name)
{
    size_t len = strlen(name);
    while (i + 2 + len <= n) {
        const char *q = memchr(s + i, '<', n - i);
        if (!q)
            break;
        i = (size_t)(q - s);
        if (i + 1 < n && s[i + 1] == '/' && starts_ci(s + i + 2, n - i - 2, name))
            return i;
        i++;
    }
    return n;
}

/* Past the '>' at or after i, or n. */
static size_t past_gt(const char *s, size_t n, size_t i)
{
    const char *q = i < n ? memchr(s + i, '>', n - i) : NULL;
    return q ? (size_t)(q - s) + 1 : n;
}

static void copy_lang(const char *v, size_t n, char *lang, size_t size)
{
    size_t k = 0;
    while (n > 0 && tag_space(*v)) {
        v++;
        n--;
    }
    while (k + 1 < size && k < n &&
           (ascii_alnum(v[k]) || v[k] == '-' || v[k] == '_')) {
        lang[k] = v[k];
        k++;
    }
    lang[k] = '\0';
}

/* The lang attribute of an <html> tag whose attributes are s[i..end).
 * Taken here, not from libxml2: it reports no <html> after text (HTML5
 * adds the attributes of every <html> tag to the root). */
static void html_lang(struct prep *p, size_t i, size_t end)
{
    const char *s = p->s;
    while (i < end) {
        while (i < end && (tag_space(s[i]) || s[i] == '/'))
            i++;
        size_t name = i;
        while (i < end && !tag_space(s[i]) && s[i] != '/' && s[i] != '>' && (s[i] != '=' || i == name))
            i++;
        size_t name_len = i - name, v = i, v_len = 0;
        while (i < end && tag_space(s[i]))
            i++;
        if (i < end && s[i] == '=') {
            i++;
            while (i < end && tag_space(s[i]))
                i++;
            if (i < end && (s[i] == '"' || s[i] == '\'')) {
                const char *q = memchr(s + i + 1, s[i], end - i - 1);
                v = i + 1;
                i = q ? (size_t)(q - s) + 1 : end;
                v_len = (q ? (size_t)(q - s) : end) - v;
            } else {
                v = i;
                while (i < end && !tag_space(s[i]) && s[i] != '>')
                    i++;
                v_len = i - v;
            }
        }
        if (name_len == 4 && starts_ci(s + name, 4, "lang")) {
            copy_lang(s + v, v_len, p->lang, p->lang_size);
            p->lang = NULL;
            return;
        }
        if (name_len == 0 && i < end)
            i++;
    }
}

/* Elements whose content HTML5 reads as text up to their end tag: libxml2
 * does so only for script and style; for the others '<' (and '&' where
 * entities are not decoded) are escaped for it. */
enum { RAW_LIBXML, RAW_RCDATA, RAW_TEXT, RAW_TO_END };
static const struct {
    const char *name;
    int kind;
} raw_tags[] = {
    { "script", RAW_LIBXML },  { "style", RAW_LIBXML },    { "title", RAW_RCDATA },
    { "textarea", RAW_RCDATA }, { "xmp", RAW_TEXT },       { "iframe", RAW_TEXT },
    { "noembed", RAW_TEXT },   { "noframes", RAW_TEXT },   { "plaintext", RAW_TO_END },
};

/* '<' at *ip, outside tags and raw text.  Sets p->plain past a tag (and
 * the content of script, style), p->text past other raw text. */
static int fix_markup(struct prep *p, size_t *ip)
{
    const char *s = p->s;
    size_t n = p->n, i = *ip;
    char c1 = i + 1 < n ? s[i + 1] : '\0';
    *ip = i + 1;
    if (i + 1 >= n)
        return 0;
    bool end = c1 == '/';
    if (ascii_alpha(c1) || (end && i + 2 < n && ascii_alpha(s[i + 2]))) {
        size_t name = i + 1 + end, k = name;
        while (k < n && !tag_space(s[k]) && s[k] != '/' && s[k] != '>')
            k++;
        size_t after = tag_end(s, n, k);
        p->tag = p->plain = after;
        if (!end && p->lang && k - name == 4 && starts_ci(s + name, 4, "html"))
            html_lang(p, k, after);
        if (end || s[after - 1] != '>' || s[after - 2] == '/')
            return 0;
        for (size_t t = 0; t < KZ_ARRAY_LEN(raw_tags); t++) {
            const char *rn = raw_tags[t].name;
            size_t len = strlen(rn);
            if (k - name != len || !starts_ci(s + name, len, rn))
                continue;
            if (raw_tags[t].kind == RAW_LIBXML)
                p->plain = find_end_tag(s, n, after, rn);
            else {
                p->text = raw_tags[t].kind == RAW_TO_END ? n : find_end_tag(s, n, after, rn);
                p->amp = raw_tags[t].kind != RAW_RCDATA;
            }
            break;
        }
        return 0;
    }
    if (c1 == '\0')
        return replace(p, i, i + 1, "&lt;", 4);         /* "<" NUL is text */
    if (end) {
        if (i + 2 >= n)
            return 0;                                     /* "</" at the end is text */
        *ip = past_gt(s, n, i + 2);                       /* "</>", "</ x>" */
        return replace(p, i, *ip, "", 0);
    }
    if (c1 == '?') {
        *ip = past_gt(s, n, i + 2);
        return replace(p, i, *ip, "", 0);
    }
    if (c1 != '!')
        return 0;
    if (i + 3 < n && s[i + 2] == '-' && s[i + 3] == '-') {
        size_t j = i + 4;
        if (j < n && s[j] == '>') {
            *ip = j + 1;
            return replace(p, i, j + 1, "", 0);           /* "<!-->" */
        }
        if (j + 1 < n && s[j] == '-' && s[j + 1] == '>') {
            *ip = j + 2;
            return replace(p, i, j + 2, "", 0);           /* "<!--->" */
        }
        for (;;) {
            const char *q = j < n ? memmem(s + j, n - j, "--", 2) : NULL;
            if (!q) {
                *ip = n;                                  /* never closed: all comment */
                return 0;
            }
            j = (size_t)(q - s);
            if (j + 2 < n && s[j + 2] == '>') {
                *ip = j + 3;
                return 0;
            }
            if (j + 3 < n && s[j + 2] == '!' && s[j + 3] == '>') {
                *ip = j + 4;
                return replace(p, j, j + 4, "-->", 3);
            }
            j++;
        }
    }
    if (starts_ci(s + i + 2, n - i - 2, "doctype")) {
        *ip = past_gt(s, n, i + 2);
        return 0;
    }
    *ip = past_gt(s, n, i + 2);                           /* "<!x>", "<![CDATA[" */
    return replace(p, i, *ip, "", 0);
}

static int prepare(struct prep *p)
{
    const unsigned char *u = (const unsigned char *)p->s;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t n = p->n, i = 0;
    int rc = 0;

    while (i < n) {
        /* 8 bytes at a time: ASCII, no control, no '<' or '&' */
        while (i + 8 <= n) {
            uint64_t v, lt, amp;
            memcpy(&v, u + i, 8);
            lt = v ^ (ones * '<');
            amp = v ^ (ones * '&');
            if ((v & highs) || ((v - ones * 0x20) & ~v & highs) ||
                ((lt - ones) & ~lt & highs) || ((amp - ones) & ~amp & highs))
                break;
            i += 8;
        }
        /* then byte by byte over ordinary ASCII and 2-byte characters */
        while (i < n) {
            unsigned b = u[i];
            if (b >= 0x20 && b < 0x7F && b != '<' && b != '&')
                i++;
            else if (b >= 0xC3 && b < 0xE0 && i + 1 < n && (u[i + 1] & 0xC0) == 0x80)
                i += 2;
            else
                break;
        }
        if (i >= n)
            break;
        unsigned c = u[i];
        if (c >= 0x20 && c < 0x7F) {
            if (c == '&' && i < p->tag) {
                rc = fix_ref(p, &i, true);
            } else if ((c != '<' && c != '&') || i < p->plain) {
                i++;
            } else if (i < p->text && (c == '<' || p->amp)) {
                rc = replace(p, i, i + 1, c == '<' ? "&lt;" : "&amp;", c == '<' ? 4 : 5);
                i++;
            } else if (c == '<') {
                rc = fix_markup(p, &i);
            } else {
                rc = fix_ref(p, &i, false);
            }
        } else {
            rc = fix_char(p, &i, i < p->plain);
        }
        if (rc < 0)
            return rc;
    }
    if (p->rewriting)
        rc = kz_buf_add(&p->out, p->s + p->copied, n - p->copied);
    return rc;
}

/* ---- step 2: the SAX callbacks ---- */

enum { SEP_NONE, SEP_SPACE, SEP_LINE };
enum { K_INLINE, K_BLOCK, K_CELL, K_HEAD, K_TITLE, K_HIDDEN, K_ROOT };

/* libxml2 keeps no depth limit for HTML, but an end tag it cannot match
 * costs a scan of all open elements; past this many, parsing restarts on
 * the rest of the input with a new context (Blink caps its DOM depth at
 * 512 in the same spirit). */
#define HTML_MAX_DEPTH 512

struct sax {
    htmlParserCtxtPtr ctxt;
    size_t resume;       /* where to restart (from the start of this parse), or 0 */
    kz_buf *out;
    size_t start;        /* out->len on entry */
    int sep;             /* separator owed before the next text */
    int rc;              /* first error of a callback */
    kz_html_info *info;
    bool in_title, title_done, title_started;
    unsigned char *kinds;  /* kind of each open element */
    size_t depth, cap;
    size_t hidden;       /* open elements whose content is not shown */
    size_t head;         /* open <head> elements (not hidden) */
};

static const bool space_table[256] = {
    ['\t'] = true, ['\n'] = true, ['\v'] = true, ['\f'] = true, ['\r'] = true, [' '] = true,
};

static bool text_space(char c)
{
    return space_table[(unsigned char)c];
}

static void fail(struct sax *w, int rc)
{
    if (w->rc == 0) {
        w->rc = rc;
        xmlStopParser(w->ctxt);
    }
}

/* Append s[0..n) with whitespace runs collapsed into w->sep, writing
 * straight into out when it has room for n + 1 bytes under its limit (the
 * most this can add); else word by word, so the limit stays exact. */
static int emit(struct sax *w, const char *s, size_t n)
{
    kz_buf *b = w->out;
    size_t i = 0;
    int rc;
    if (b->len <= b->max && b->max - b->len > n) {
        if ((rc = kz_buf_grow(b, n + 1)) < 0)
            return rc;
        char *o = b->p + b->len;
        while (i < n) {
            if (text_space(s[i])) {
                if (w->sep == SEP_NONE)
                    w->sep = SEP_SPACE;
                i++;
                continue;
            }
            if (w->sep != SEP_NONE && o > b->p + w->start)
                *o++ = w->sep == SEP_LINE ? '\n' : ' ';
            w->sep = SEP_NONE;
            if (w->in_title && !w->title_started && w->info) {
                w->title_started = true;
                w->info->title_start = (size_t)(o - b->p);
            }
            while (i < n && !text_space(s[i]))
                *o++ = s[i++];
        }
        b->len = (size_t)(o - b->p);
        b->p[b->len] = '\0';
        return 0;
    }
    while (i < n) {
        if (text_space(s[i])) {
            if (w->sep == SEP_NONE)
                w->sep = SEP_SPACE;
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !text_space(s[j]))
            j++;
        if (w->sep != SEP_NONE && b->len > w->start)
            if ((rc = kz_buf_addc(b, w->sep == SEP_LINE ? '\n' : ' ')) < 0)
                return rc;
        w->sep = SEP_NONE;
        if (w->in_title && !w->title_started && w->info) {
            w->title_started = true;
            w->info->title_start = b->len;
        }
        if ((rc = kz_buf_add(b, s + i, j - i)) < 0)
            return rc;
        i = j;
    }
    return 0;
}

static void separate(struct sax *w, int sep)
{
    if (sep > w->sep)
        w->sep = sep;
}

static const char *attr(const xmlChar **atts, const char *name)
{
    for (size_t i = 0; atts && atts[i]; i += 2)
        if (strcmp((const char *)atts[i], name) == 0)
            return atts[i + 1] ? (const char *)atts[i + 1] : "";
    return NULL;
}

static int push_kind(struct sax *w, int kind)
{
    if (w->depth == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 256;
        unsigned char *bigger = kz_realloc(w->kinds, cap);
        if (!bigger)
            return KZ_ENOMEM;
        w->kinds = bigger;
        w->cap = cap;
    }
    w->kinds[w->depth++] = (unsigned char)kind;
    if (kind == K_HIDDEN)
        w->hidden++;
    else if (kind == K_HEAD)
        w->head++;
    return 0;
}

/* libxml2 opens a <p> of its own for text right in <html> or <head>
 * (after </body>, say), where HTML5 puts the text in the body; the input
 * is then past the text, not at the end of a start tag ('>' or "/>"). */
static bool implied_p(const struct sax *w)
{
    char c = (char)w->ctxt->input->cur[0];
    return c != '>' && c != '/';
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct sax *w = ctx;
    int rc;
    if (w->rc)
        return;
    unsigned f = tag_flags((const char *)name);
    int kind = K_INLINE;
    bool implied = name[0] == 'p' && name[1] == '\0' && implied_p(w);

    if (w->hidden > 0) {
        kind = K_HIDDEN;
    } else if (f & F_HTML) {
        kind = K_ROOT;
    } else if (w->head > 0 && !(f & (F_TITLE | F_HEADOK))) {
        /* an element of the body ends <head> (as in HTML5) */
        for (size_t d = 0; d < w->depth; d++)
            if (w->kinds[d] == K_HEAD)
                w->kinds[d] = K_INLINE;
        w->head = 0;
    }
    if (kind == K_HIDDEN || kind == K_ROOT) {
        /* inside something hidden; <html> */
    } else if ((f & F_HIDDEN) || (w->head > 0 && !(f & F_TITLE)) ||
               ((f & F_TITLE) && w->title_done)) {
        kind = K_HIDDEN;
    } else if (f & F_IMG) {
        const char *alt = attr(atts, "alt");
        if (alt && alt[0]) {
            separate(w, SEP_SPACE);
            if ((rc = emit(w, alt, strlen(alt))) < 0) {
                fail(w, rc);
                return;
            }
            separate(w, SEP_SPACE);
        }
    } else if (f & F_HEAD) {
        kind = K_HEAD;
    } else if (f & F_TITLE) {
        kind = K_TITLE;
        w->in_title = true;
        w->title_started = false;
        separate(w, SEP_LINE);
    } else if (f & F_BODY) {
        /* its separators never show in HTML5: what follows </body> goes
         * back into the body */
    } else if ((f & F_BLOCK) && !implied) {
        kind = K_BLOCK;
        separate(w, SEP_LINE);
    } else if (f & F_CELL) {
        kind = K_CELL;
        separate(w, SEP_SPACE);
    }
    if ((rc = push_kind(w, kind)) < 0) {
        fail(w, rc);
        return;
    }
    if (w->depth > HTML_MAX_DEPTH) {
        const xmlChar *cur = w->ctxt->input->cur;
        long at = xmlByteConsumed(w->ctxt);
        w->resume = at > 0 ? (size_t)at : 1;
        if (cur[0] == '>')
            w->resume++;
        else if (cur[0] == '/' && cur[1] == '>')
            w->resume += 2;
        xmlStopParser(w->ctxt);
    }
}

static void end_title(struct sax *w)
{
    if (!w->in_title)
        return;
    w->in_title = false;
    w->title_done = true;
    if (w->info && w->title_started)
        w->info->title_len = w->out->len - w->info->title_start;
    separate(w, SEP_LINE);
}

static void on_end(void *ctx, const xmlChar *name)
{
    struct sax *w = ctx;
    (void)name;
    if (w->rc || w->depth == 0)
        return;
    int kind = w->kinds[--w->depth];
    switch (kind) {
    case K_HIDDEN:
        w->hidden--;
        break;
    case K_HEAD:
        w->head--;
        break;
    case K_BLOCK:
        separate(w, SEP_LINE);
        break;
    case K_CELL:
        separate(w, SEP_SPACE);
        break;
    case K_TITLE:
        end_title(w);
        break;
    default:
        break;
    }
}

static void on_text(void *ctx, const xmlChar *s, int len)
{
    struct sax *w = ctx;
    int rc;
    if (w->rc || w->hidden > 0 || len <= 0)
        return;
    if (w->head > 0 && w->kinds[w->depth - 1] == K_HEAD) {
        /* text in <head>: whitespace is dropped, other text ends it */
        int i = 0;
        while (i < len && text_space((char)s[i]))
            i++;
        if (i == len)
            return;
        for (size_t d = 0; d < w->depth; d++)
            if (w->kinds[d] == K_HEAD)
                w->kinds[d] = K_INLINE;
        w->head = 0;
    }
    if ((rc = emit(w, (const char *)s, (size_t)len)) < 0)
        fail(w, rc);
}

/* Errors are not printed.  One matters: an end tag </p> or </br> with no
 * element open to close makes a line break in HTML5 (an empty <p>, <br>). */
static void on_error(void *ctx, xmlErrorPtr err)
{
    struct sax *w = ctx;
    if (err && err->code == XML_ERR_TAG_NAME_MISMATCH && err->str1 && w->hidden == 0 &&
        (strcmp(err->str1, "p") == 0 || strcmp(err->str1, "br") == 0) &&
        err->message && strncmp(err->message, "Unexpected end tag", 18) == 0)
        separate(w, SEP_LINE);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
    tag_table_init();
}

/* Parse s[0..n) from *off on; sets *off to where to resume (a restart
 * after HTML_MAX_DEPTH open elements), or n. */
static int parse(struct sax *w, const char *s, size_t n, size_t *off)
{
    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(s + *off, (int)(n - *off));
    if (!ctxt || !ctxt->sax) {
        if (ctxt)
            htmlFreeParserCtxt(ctxt);
        return KZ_ENOMEM;
    }
    htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD |
                                 HTML_PARSE_IGNORE_ENC);
    xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
    memset(ctxt->sax, 0, sizeof *ctxt->sax);
    ctxt->sax->startElement = on_start;
    ctxt->sax->endElement = on_end;
    ctxt->sax->characters = on_text;
    ctxt->sax->ignorableWhitespace = on_text;
    ctxt->sax->serror = on_error;
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    ctxt->userData = w;
    w->ctxt = ctxt;
    w->resume = 0;
    w->depth = w->hidden = w->head = 0;
    htmlParseDocument(ctxt);
    int rc = w->rc;
    if (rc == 0 && ctxt->errNo == XML_ERR_NO_MEMORY)
        rc = KZ_ENOMEM;
    *off = w->resume ? *off + w->resume : n;
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    htmlFreeParserCtxt(ctxt);
    w->ctxt = NULL;
    return rc;
}

int kz_html_text(const char *html, size_t n, kz_buf *out, kz_html_info *info)
{
    struct prep p = { .s = html, .n = n, .lang = info ? info->lang : NULL,
                      .lang_size = sizeof info->lang };
    struct sax w = { .out = out, .start = out->len, .info = info };
    size_t start = out->len, off = 0;
    int rc = 0;

    kz_buf_init(&p.out, KZ_BUF_NOLIMIT);
    if (info) {
        info->title_start = out->len;
        info->title_len = 0;
        info->lang[0] = '\0';
    }
    if (n > INT_MAX) {
        rc = KZ_ETOOBIG;
        goto out;
    }
    if ((rc = prepare(&p)) < 0)
        goto out;
    if (p.rewriting) {
        html = p.out.p;
        n = p.out.len;
    }
    if (n > INT_MAX) {
        rc = KZ_ETOOBIG;
        goto out;
    }
    pthread_once(&init_once, init_libxml);
    while (off < n) {
        if ((rc = parse(&w, html, n, &off)) < 0)
            goto out;
        end_title(&w);
    }
    if (info && !w.title_started)
        info->title_start = out->len;
    /* kz_buf's promise: NUL-terminated after success, even when empty */
    if (!out->p)
        rc = kz_buf_add(out, "", 0);
out:
    free(w.kinds);
    kz_buf_release(&p.out);
    if (rc < 0) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
        if (info) {
            info->title_start = start;
            info->title_len = 0;
            info->lang[0] = '\0';
        }
    }
    return rc;
}
