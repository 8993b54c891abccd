/*
 * ingest/links.c - a one-pass HTML tokenizer that reports link attributes.
 *
 * It follows the states of the HTML tokenizer (WHATWG 13.2.5) only as far
 * as finding tags and their attributes needs: data, tag open, end tag
 * open, tag name, attribute name/value (quoted and unquoted), comment,
 * bogus comment, and the raw-text/RCDATA elements whose content is not
 * markup.  There is no tree and no recursion: the cost is one pass over
 * the bytes (memchr to the next '<'), about 40x less than a gumbo parse.
 */
#include "ingest/links.h"
#include <stdlib.h>
#include <strings.h>

enum { A_HREF, A_SRC, A_SRCSET, A_REL, A_TYPE, A_STYLE, NATTR };
static const char *const attr_names[NATTR] = { "href", "src", "srcset", "rel", "type", "style" };

struct tag {
    const char *v[NATTR];
    size_t      vl[NATTR];
    int         set[NATTR];
};

static int ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int alnum(unsigned char c)
{
    return alpha(c) || (c >= '0' && c <= '9');
}

static int name_eq(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && !strncasecmp(s, name, n);
}

/* Read the attributes from h[*i] to the end of the tag; *i is left after
 * the '>' (or at n).  Returns 0 at the end of input inside the tag. */
static int attributes(const char *h, size_t n, size_t *i, struct tag *t)
{
    size_t j = *i;
    for (;;) {
        while (j < n && (ws((unsigned char)h[j]) || h[j] == '/'))
            j++;
        if (j >= n)
            return *i = n, 0;
        if (h[j] == '>') {
            *i = j + 1;
            return 1;
        }
        size_t ns = j++;
        while (j < n && !ws((unsigned char)h[j]) && h[j] != '/' && h[j] != '>' && h[j] != '=')
            j++;
        size_t nl = j - ns;
        while (j < n && ws((unsigned char)h[j]))
            j++;
        const char *v = "";
        size_t vl = 0;
        if (j < n && h[j] == '=') {
            j++;
            while (j < n && ws((unsigned char)h[j]))
                j++;
            if (j < n && (h[j] == '"' || h[j] == '\'')) {
                const char *e = memchr(h + j + 1, h[j], n - j - 1);
                if (!e)
                    return *i = n, 0;
                v = h + j + 1;
                vl = (size_t)(e - v);
                j = (size_t)(e - h) + 1;
            } else {
                size_t vs = j;
                while (j < n && !ws((unsigned char)h[j]) && h[j] != '>')
                    j++;
                v = h + vs;
                vl = j - vs;
            }
        }
        if (t)
            for (int a = 0; a < NATTR; a++)
                if (!t->set[a] && name_eq(h + ns, nl, attr_names[a])) {
                    t->set[a] = 1;
                    t->v[a] = v;
                    t->vl[a] = vl;
                }
    }
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the character references of an attribute value into out (room
 * for 3n + 1 bytes: a reference never decodes longer than it is written,
 * a NUL becomes U+FFFD, 3 bytes for 1, as the HTML tokenizer says). */
static size_t decode(const char *s, size_t n, char *out)
{
    static const struct { const char *name; const char *utf8; } named[] = {
        { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
        { "nbsp", "\xC2\xA0" },
    };
    size_t o = 0, i = 0;
    while (i < n) {
        if (s[i] == '\0') {
            o += put_utf8(out + o, 0);
            i++;
            continue;
        }
        if (s[i] != '&') {
            out[o++] = s[i++];
            continue;
        }
        size_t j = i + 1;
        if (j < n && s[j] == '#') {
            int hex = j + 1 < n && (s[j + 1] | 0x20) == 'x';
            size_t k = j + 1 + hex, ds = k;
            uint32_t cp = 0;
            while (k < n && (hex ? ((s[k] >= '0' && s[k] <= '9') || ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'f'))
                                 : (s[k] >= '0' && s[k] <= '9'))) {
                unsigned d = s[k] <= '9' ? (unsigned)(s[k] - '0') : (unsigned)((s[k] | 0x20) - 'a' + 10);
                if (cp <= 0x10FFFF)
                    cp = cp * (hex ? 16 : 10) + d;
                k++;
            }
            if (k == ds) {                      /* "&#" alone: as written */
                out[o++] = s[i++];
                continue;
            }
            if (k < n && s[k] == ';')
                k++;
            o += put_utf8(out + o, cp);
            i = k;
            continue;
        }
        size_t k = j;
        while (k < n && alnum((unsigned char)s[k]) && k - j < 8)
            k++;
        int done = 0;
        for (size_t e = 0; e < KZ_ARRAY_LEN(named) && !done; e++) {
            size_t l = strlen(named[e].name);
            if (k - j < l || memcmp(s + j, named[e].name, l))
                continue;
            size_t end = j + l;
            if (end < n && s[end] == ';')
                end++;
            else if (end < n && (s[end] == '=' || alnum((unsigned char)s[end])))
                continue;                       /* "&ampx", "&amp=": as written */
            size_t ul = strlen(named[e].utf8);
            memcpy(out + o, named[e].utf8, ul);
            o += ul;
            i = end;
            done = 1;
        }
        if (!done)
            out[o++] = s[i++];
    }
    out[o] = '\0';
    return o;
}

static int blank(const char *s, size_t n);

static int has_token(const char *s, size_t n, const char *word)
{
    size_t wl = strlen(word), i = 0;
    while (i < n) {
        while (i < n && ws((unsigned char)s[i]))
            i++;
        size_t b = i;
        while (i < n && !ws((unsigned char)s[i]))
            i++;
        if (i - b == wl && !strncasecmp(s + b, word, wl))
            return 1;
    }
    return 0;
}

static int is_feed_type(const char *s, size_t n)
{
    while (n && ws((unsigned char)*s))
        s++, n--;
    return (n >= 19 && !strncasecmp(s, "application/rss+xml", 19)) ||
           (n >= 20 && !strncasecmp(s, "application/atom+xml", 20));
}

/*
 * The largest image candidate of a srcset value s[0..n) (WHATWG "parse a
 * srcset attribute", simplified): candidates are a URL (a run of
 * non-space; trailing commas end the candidate) and descriptors up to the
 * next comma outside parentheses.  The largest is the one with the largest
 * width ("800w") when any has one, else the largest density ("2x"; none
 * given is 1x); the first of equals.  *u, *ul; 0 when there is none.
 */
static int srcset_largest(const char *s, size_t n, const char **u, size_t *ul)
{
    size_t i = 0;
    double best_w = -1, best_x = -1;
    const char *bw = NULL, *bx = NULL;
    size_t bwl = 0, bxl = 0;
    while (i < n) {
        while (i < n && (ws((unsigned char)s[i]) || s[i] == ','))
            i++;
        if (i >= n)
            break;
        size_t us = i;
        while (i < n && !ws((unsigned char)s[i]))
            i++;
        size_t ue = i;
        double w = -1, x = 1;
        if (s[ue - 1] == ',') {
            while (ue > us && s[ue - 1] == ',')
                ue--;
        } else {
            int depth = 0;
            while (i < n && (depth || s[i] != ',')) {
                while (i < n && ws((unsigned char)s[i]))
                    i++;
                size_t ds = i;
                while (i < n && !ws((unsigned char)s[i]) && (depth || s[i] != ',')) {
                    depth += s[i] == '(';
                    depth -= s[i] == ')' && depth;
                    i++;
                }
                size_t dl = i - ds;
                if (dl >= 2 && dl < 32 && ((s[i - 1] | 0x20) == 'w' || (s[i - 1] | 0x20) == 'x')) {
                    char num[32];
                    memcpy(num, s + ds, dl - 1);
                    num[dl - 1] = '\0';
                    char *end;
                    double v = strtod(num, &end);
                    if (*end == '\0' && v > 0 && v < 1e9) {
                        if ((s[i - 1] | 0x20) == 'w')
                            w = v;
                        else
                            x = v;
                    }
                }
            }
        }
        if (ue == us)
            continue;
        if (w > best_w) {
            best_w = w;
            bw = s + us;
            bwl = ue - us;
        }
        if (w < 0 && x > best_x) {
            best_x = x;
            bx = s + us;
            bxl = ue - us;
        }
    }
    if (bw && best_w > 0) {
        *u = bw;
        *ul = bwl;
    } else if (bx) {
        *u = bx;
        *ul = bxl;
    } else if (bw) {
        *u = bw;
        *ul = bwl;
    } else {
        return 0;
    }
    return 1;
}

/* Report attribute a of t as kind (decoded; srcset: its largest
 * candidate). */
static int report(const struct tag *t, int a, int kind, kz_links_fn fn, void *arg)
{
    char buf[KZ_LINKS_MAX_VALUE * 3 + 8];
    if (t->vl[a] > KZ_LINKS_MAX_VALUE)
        return 0;
    size_t l = decode(t->v[a], t->vl[a], buf);
    if (l > KZ_LINKS_MAX_VALUE)                  /* NULs made it longer */
        return 0;
    const char *u = buf;
    if (a == A_SRCSET) {
        if (!srcset_largest(buf, l, &u, &l))
            return 0;
        ((char *)u)[l] = '\0';
    }
    return fn(arg, kind, u, l);
}

/* The images of a style attribute: each url(...) of a background or
 * background-image declaration (several layers, several URLs). */
static int style_images(const struct tag *t, kz_links_fn fn, void *arg)
{
    char buf[KZ_LINKS_MAX_VALUE * 3 + 8];
    if (t->vl[A_STYLE] > KZ_LINKS_MAX_VALUE)
        return 0;
    size_t n = decode(t->v[A_STYLE], t->vl[A_STYLE], buf), i = 0;
    int rc = 0;
    while (i < n && !rc) {
        /* one declaration: name ':' value, to a ';' outside quotes and () */
        while (i < n && (ws((unsigned char)buf[i]) || buf[i] == ';'))
            i++;
        size_t ns = i;
        while (i < n && buf[i] != ':' && buf[i] != ';')
            i++;
        size_t ne = i;
        while (ne > ns && ws((unsigned char)buf[ne - 1]))
            ne--;
        if (i >= n || buf[i] != ':')
            continue;
        size_t vs = ++i;
        char q = 0;
        int depth = 0;
        while (i < n && (q || depth || buf[i] != ';')) {
            if (q) {
                if (buf[i] == '\\' && i + 1 < n)
                    i++;
                else if (buf[i] == q)
                    q = 0;
            } else if (buf[i] == '"' || buf[i] == '\'') {
                q = buf[i];
            } else if (buf[i] == '(') {
                depth++;
            } else if (buf[i] == ')' && depth) {
                depth--;
            }
            i++;
        }
        size_t ve = i;
        if (!name_eq(buf + ns, ne - ns, "background") && !name_eq(buf + ns, ne - ns, "background-image"))
            continue;
        for (size_t k = vs; k + 4 <= ve && !rc; k++) {
            if (strncasecmp(buf + k, "url(", 4) || (k > vs && (alnum((unsigned char)buf[k - 1]) ||
                                                              buf[k - 1] == '-')))
                continue;
            size_t a = k + 4;
            while (a < ve && ws((unsigned char)buf[a]))
                a++;
            size_t b;
            if (a < ve && (buf[a] == '"' || buf[a] == '\'')) {
                char qq = buf[a++];
                b = a;
                while (b < ve && buf[b] != qq)
                    b++;
                if (b >= ve)
                    break;
                k = b;
            } else {
                b = a;
                while (b < ve && buf[b] != ')' && !ws((unsigned char)buf[b]))
                    b++;
                if (b >= ve)
                    break;
                k = b;
            }
            if (b > a) {
                char save = buf[b];
                buf[b] = '\0';
                rc = fn(arg, KZ_LINK_IMAGE, buf + a, b - a);
                buf[b] = save;
            }
        }
    }
    return rc;
}

/* A <source> of a <picture> is taken unless its type is an image kuzet
 * does not decode (AVIF, JPEG XL, SVG...). */
static int source_type_ok(const struct tag *t)
{
    static const char *const ok[] = { "image/jpeg", "image/png", "image/webp", "image/gif" };
    if (!t->set[A_TYPE] || blank(t->v[A_TYPE], t->vl[A_TYPE]))
        return 1;
    const char *s = t->v[A_TYPE];
    size_t n = t->vl[A_TYPE];
    while (n && ws((unsigned char)*s))
        s++, n--;
    while (n && ws((unsigned char)s[n - 1]))
        n--;
    for (size_t i = 0; i < KZ_ARRAY_LEN(ok); i++)
        if (name_eq(s, n, ok[i]))
            return 1;
    return 0;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ws((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Where the raw text of element name (its content) ends: the offset of its
 * end tag, or n. */
static size_t raw_end(const char *h, size_t n, size_t i, const char *name)
{
    size_t l = strlen(name);
    while (i < n) {
        const char *p = memchr(h + i, '<', n - i);
        if (!p)
            return n;
        size_t k = (size_t)(p - h);
        if (k + 2 + l <= n && h[k + 1] == '/' && !strncasecmp(h + k + 2, name, l) &&
            (k + 2 + l == n || ws((unsigned char)h[k + 2 + l]) || h[k + 2 + l] == '/' ||
             h[k + 2 + l] == '>'))
            return k;
        i = k + 1;
    }
    return n;
}

int kz_links_scan(const char *h, size_t n, kz_links_fn fn, void *arg)
{
    static const char *const raw[] = { "script", "style", "textarea", "title", "xmp", "iframe",
                                       "noembed", "noframes" };
    size_t i = 0;
    int base_seen = 0, rc = 0;
    while (i < n && !rc) {
        const char *p = memchr(h + i, '<', n - i);
        if (!p || (size_t)(p - h) + 1 >= n)
            break;
        i = (size_t)(p - h);
        unsigned char c = (unsigned char)h[i + 1];
        if (c == '!' && i + 4 <= n && !memcmp(h + i, "<!--", 4)) {
            size_t j = i + 4;
            if (j < n && h[j] == '>') {              /* <!--> */
                i = j + 1;
                continue;
            }
            if (j + 1 < n && h[j] == '-' && h[j + 1] == '>') {   /* <!---> */
                i = j + 2;
                continue;
            }
            const char *e = memmem(h + j, n - j, "-->", 3);
            if (!e)
                break;
            i = (size_t)(e - h) + 3;
            continue;
        }
        if (c == '!' || c == '?' || (c == '/' && (i + 2 >= n || !alpha((unsigned char)h[i + 2])))) {
            const char *e = memchr(h + i, '>', n - i);   /* bogus comment (or "</>") */
            if (!e)
                break;
            i = (size_t)(e - h) + 1;
            continue;
        }
        if (c == '/') {                              /* end tag: attributes skipped */
            size_t j = i + 2;
            while (j < n && !ws((unsigned char)h[j]) && h[j] != '/' && h[j] != '>')
                j++;
            if (!attributes(h, n, &j, NULL))
                break;
            i = j;
            continue;
        }
        if (!alpha(c)) {                             /* a '<' in text */
            i++;
            continue;
        }
        size_t ns = i + 1, j = ns;
        while (j < n && !ws((unsigned char)h[j]) && h[j] != '/' && h[j] != '>')
            j++;
        const char *name = h + ns;
        size_t nl = j - ns;
        struct tag t;
        memset(&t, 0, sizeof t);
        if (!attributes(h, n, &j, &t))
            break;
        i = j;
        if (name_eq(name, nl, "a") || name_eq(name, nl, "area")) {
            if (t.set[A_HREF] && !(t.set[A_REL] && has_token(t.v[A_REL], t.vl[A_REL], "nofollow")))
                rc = report(&t, A_HREF, KZ_LINK_PAGE, fn, arg);
        } else if (name_eq(name, nl, "img")) {
            /* the largest candidate of srcset; src without one */
            int done = 0;
            if (t.set[A_SRCSET] && !blank(t.v[A_SRCSET], t.vl[A_SRCSET])) {
                const char *u;
                size_t ul;
                done = t.vl[A_SRCSET] <= KZ_LINKS_MAX_VALUE &&
                       srcset_largest(t.v[A_SRCSET], t.vl[A_SRCSET], &u, &ul);
                if (done)
                    rc = report(&t, A_SRCSET, KZ_LINK_IMAGE, fn, arg);
            }
            if (!done && t.set[A_SRC] && !blank(t.v[A_SRC], t.vl[A_SRC]))
                rc = report(&t, A_SRC, KZ_LINK_IMAGE, fn, arg);
        } else if (name_eq(name, nl, "source")) {
            /* <picture><source srcset>; a <video>'s <source src> is not an image */
            if (t.set[A_SRCSET] && !blank(t.v[A_SRCSET], t.vl[A_SRCSET]) && source_type_ok(&t))
                rc = report(&t, A_SRCSET, KZ_LINK_IMAGE, fn, arg);
        } else if (name_eq(name, nl, "link")) {
            if (t.set[A_HREF] && t.set[A_REL] && t.set[A_TYPE] &&
                has_token(t.v[A_REL], t.vl[A_REL], "alternate") && is_feed_type(t.v[A_TYPE], t.vl[A_TYPE]))
                rc = report(&t, A_HREF, KZ_LINK_FEED, fn, arg);
        } else if (name_eq(name, nl, "base")) {
            if (t.set[A_HREF] && !base_seen) {
                base_seen = 1;
                rc = report(&t, A_HREF, KZ_LINK_BASE, fn, arg);
            }
        } else if (name_eq(name, nl, "plaintext")) {
            break;
        } else {
            for (size_t r = 0; r < KZ_ARRAY_LEN(raw); r++)
                if (name_eq(name, nl, raw[r])) {
                    i = raw_end(h, n, i, raw[r]);
                    break;
                }
        }
        if (!rc && t.set[A_STYLE] && t.vl[A_STYLE] >= 4)
            rc = style_images(&t, fn, arg);
    }
    return rc;
}
