/*
 * ingest/sniff.c - content sniffing: signatures first, libmagic for the
 * binary rest.
 *
 * Measured on this project's build machine (bench figures in
 * docs/crawl.md): libmagic's magic_buffer() takes 150-350 us on a 20 KiB
 * HTML page (its text tests run over the whole buffer, and it still calls
 * a page that starts with <div "text/csv"), 200 us on a line of plain
 * text, 10 us on a JPEG; the checks below take well under 1 us.  So the
 * signatures decide images, feeds and HTML, text never reaches libmagic,
 * and libmagic only names binary bodies that are none of those.
 */
#include "ingest/sniff.h"
#include "ingest/image.h"
#include <magic.h>
#include <strings.h>

#define SNIFF_TEXT   1024           /* bytes of a text body looked at */
#define SNIFF_MAGIC  4096           /* bytes given to libmagic */

struct kz_sniff {
    magic_t m;
    int     state;                  /* 0 not loaded, 1 loaded, -1 failed */
    size_t  calls;
    char    mime[96];
};

int kz_sniff_new(kz_sniff **out)
{
    kz_sniff *s = kz_calloc(1, sizeof *s);
    if (!s)
        return KZ_ENOMEM;
    *out = s;
    return 0;
}

void kz_sniff_free(kz_sniff **sp)
{
    kz_sniff *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->m)
        magic_close(s->m);
    free(s);
    *sp = NULL;
}

size_t kz_sniff_magic_calls(const kz_sniff *s)
{
    return s ? s->calls : 0;
}

static int ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Binary bytes of the WHATWG MIME sniffing standard. */
static int is_binary(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        if (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F))
            return 1;
    }
    return 0;
}

/* Skip the XML prolog (declaration, comments, PIs, DOCTYPE) and white
 * space; return the offset of the root element's '<', or n.  *decl is set
 * when an <?xml declaration was seen. */
static size_t xml_root(const char *t, size_t n, int *decl)
{
    size_t i = 0;
    *decl = 0;
    for (;;) {
        while (i < n && ws((unsigned char)t[i]))
            i++;
        if (i + 1 >= n || t[i] != '<')
            return n;
        if (t[i + 1] == '?') {
            if (i + 5 < n && !memcmp(t + i, "<?xml", 5) && ws((unsigned char)t[i + 5]))
                *decl = 1;
            const char *e = memmem(t + i, n - i, "?>", 2);
            if (!e)
                return n;
            i = (size_t)(e - t) + 2;
        } else if (i + 4 <= n && !memcmp(t + i, "<!--", 4)) {
            const char *e = memmem(t + i + 4, n - i - 4, "-->", 3);
            if (!e)
                return n;
            i = (size_t)(e - t) + 3;
        } else if (i + 9 <= n && !strncasecmp(t + i, "<!doctype", 9)) {
            if (i + 14 <= n && !strncasecmp(t + i + 9, " html", 5))
                return i;                 /* an HTML doctype: the caller sees it */
            size_t k = i + 9;
            int depth = 0;
            while (k < n && (t[k] != '>' || depth > 0)) {
                depth += t[k] == '[';
                depth -= t[k] == ']' && depth > 0;
                k++;
            }
            if (k >= n)
                return n;
            i = k + 1;
        } else {
            return i;
        }
    }
}

static int tag_is(const char *t, size_t n, const char *name)
{
    size_t l = strlen(name);
    if (n < l + 2 || t[0] != '<' || strncasecmp(t + 1, name, l))
        return 0;
    unsigned char c = (unsigned char)t[l + 1];
    return ws(c) || c == '>' || c == '/';
}

static int html_start(const char *t, size_t n)
{
    static const char *const tags[] = {
        "!doctype html", "html", "head", "script", "iframe", "h1", "div", "font", "table",
        "a", "style", "title", "b", "body", "br", "p", "!--", "meta", "link", "span", "ul",
        "section", "article", "header", "nav", "main", "form", "img", "h2", "h3",
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(tags); i++)
        if (tag_is(t, n, tags[i]))
            return 1;
    return 0;
}

static const char *magic_name(kz_sniff *s, const void *body, size_t n)
{
    if (!s)
        return "application/octet-stream";
    if (s->state == 0) {
        s->state = -1;
        s->m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
        if (s->m && magic_load(s->m, NULL) == 0) {
            size_t max = SNIFF_MAGIC;
            magic_setparam(s->m, MAGIC_PARAM_BYTES_MAX, &max);
            s->state = 1;
        }
    }
    if (s->state != 1)
        return "application/octet-stream";
    s->calls++;
    const char *r = magic_buffer(s->m, body, KZ_MIN(n, (size_t)SNIFF_MAGIC));
    if (!r || !*r || strlen(r) >= sizeof s->mime)
        return "application/octet-stream";
    memcpy(s->mime, r, strlen(r) + 1);
    return s->mime;
}

static int decide(kz_sniff *s, const void *body, size_t n, const char *ct, const char **mime)
{
    const unsigned char *b = body;
    switch (kz_image_sniff(body, n)) {
    case KZ_IMAGE_JPEG: *mime = "image/jpeg"; return KZ_SNIFF_IMAGE;
    case KZ_IMAGE_PNG: *mime = "image/png"; return KZ_SNIFF_IMAGE;
    case KZ_IMAGE_WEBP: *mime = "image/webp"; return KZ_SNIFF_IMAGE;
    case KZ_IMAGE_GIF: *mime = "image/gif"; return KZ_SNIFF_IMAGE;
    default: break;
    }
    /* t: the first bytes as ASCII-compatible text */
    char u16[SNIFF_TEXT];
    const char *t = body;
    size_t tn = KZ_MIN(n, (size_t)SNIFF_TEXT);
    int binary = 0;
    if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        int le = b[0] == 0xFF;
        size_t k = 0;
        for (size_t i = 2; i + 1 < n && k < sizeof u16; i += 2) {
            unsigned v = le ? b[i] | (unsigned)b[i + 1] << 8 : (unsigned)b[i] << 8 | b[i + 1];
            u16[k++] = (char)(v < 0x80 ? (v ? v : ' ') : '?');
        }
        t = u16;
        tn = k;
    } else {
        if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
            t += 3, tn = KZ_MIN(n - 3, (size_t)SNIFF_TEXT);
        binary = is_binary((const unsigned char *)t, KZ_MIN(tn, (size_t)512));
    }
    int decl = 0;
    size_t r = xml_root(t, tn, &decl);
    if (r < tn) {
        const char *e = t + r;
        size_t en = tn - r;
        if (tag_is(e, en, "rss")) {
            *mime = "application/rss+xml";
            return KZ_SNIFF_FEED;
        }
        if (tag_is(e, en, "feed")) {
            *mime = "application/atom+xml";
            return KZ_SNIFF_FEED;
        }
        if (tag_is(e, en, "rdf:RDF") && memmem(t, tn, "purl.org/rss/1.0", 16)) {
            *mime = "application/rdf+xml";
            return KZ_SNIFF_FEED;
        }
        if (tag_is(e, en, "html") || tag_is(e, en, "!doctype html")) {
            *mime = "text/html";
            return KZ_SNIFF_HTML;
        }
        if (tag_is(e, en, "svg")) {
            *mime = "image/svg+xml";
            return KZ_SNIFF_OTHER;
        }
        if (decl) {
            *mime = "application/xml";
            return KZ_SNIFF_OTHER;
        }
    }
    size_t i = 0;
    while (i < tn && ws((unsigned char)t[i]))
        i++;
    if (html_start(t + i, tn - i)) {
        *mime = "text/html";
        return KZ_SNIFF_HTML;
    }
    if (binary) {               /* (HTML with a NUL in it was taken above) */
        *mime = magic_name(s, body, n);
        return !strcmp(*mime, "text/html") ? KZ_SNIFF_HTML : KZ_SNIFF_OTHER;
    }
    /* stray text before the document (a PHP warning, a BOM-less header...) */
    for (const char *p = t; (p = memchr(p, '<', tn - (size_t)(p - t))) != NULL; p++) {
        size_t left = tn - (size_t)(p - t);
        if (tag_is(p, left, "html") || tag_is(p, left, "body") || tag_is(p, left, "!doctype html")) {
            *mime = "text/html";
            return KZ_SNIFF_HTML;
        }
        if (left < 2)
            break;
    }
    /* text nothing above decides: the header may */
    if (ct && strcasestr(ct, "html")) {
        *mime = "text/html";
        return KZ_SNIFF_HTML;
    }
    *mime = "text/plain";
    return KZ_SNIFF_OTHER;
}

int kz_sniff_body(kz_sniff *s, const void *body, size_t n, const char *content_type,
                  const char **mime)
{
    const char *m = NULL;
    int t = decide(s, body ? body : "", body ? n : 0, content_type, &m);
    if (mime)
        *mime = m;
    return t;
}
