/*
 * ingest/sitemap.c - sitemaps: gzip inflated with zlib, XML read with
 * libxml2's streaming reader, text sitemaps line by line (sitemap.h).
 */
#include "ingest/sitemap.h"
#include "util/buf.h"
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <limits.h>
#include <strings.h>
#include <zlib.h>

void kz_sitemap_init(void)
{
    xmlInitParser();
}

static int ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Inflate a gzip body (members one after another too; zeros after the
 * last are padding) into out, whose limit is the cap.  0, KZ_ETOOBIG,
 * KZ_EINVAL (a broken or cut stream: *why). */
static int gunzip(const unsigned char *b, size_t n, kz_buf *out, const char **why)
{
    z_stream z;
    unsigned char chunk[16384];
    int rc = 0;
    if (n > UINT_MAX)
        return KZ_ETOOBIG;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return KZ_ENOMEM;
    z.next_in = (unsigned char *)b;
    z.avail_in = (unsigned int)n;
    for (;;) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof chunk - z.avail_out;
        if (got && (rc = kz_buf_add(out, (const char *)chunk, got)) != 0)
            break;
        if (zr == Z_OK)
            continue;
        if (zr == Z_STREAM_END) {
            while (z.avail_in && *z.next_in == 0) {
                z.next_in++;
                z.avail_in--;
            }
            if (!z.avail_in)
                break;
            if (inflateReset(&z) != Z_OK) {
                rc = KZ_ENOMEM;
                break;
            }
            continue;
        }
        *why = zr == Z_BUF_ERROR ? "a gzip stream cut short" : "a broken gzip stream";
        rc = zr == Z_MEM_ERROR ? KZ_ENOMEM : KZ_EINVAL;
        break;
    }
    inflateEnd(&z);
    return rc;
}

struct emit {
    kz_sitemap_fn   fn;
    void           *arg;
    size_t          max_urls;
    kz_sitemap_info *info;
};

/* Report one URL (trimmed); 0, or what the callback returned. */
static int emit_url(struct emit *e, const char *s, size_t n)
{
    while (n && ws((unsigned char)*s))
        s++, n--;
    while (n && ws((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    if (n > KZ_SITEMAP_MAX_LOC || e->info->urls >= e->max_urls || memchr(s, '\0', n)) {
        e->info->skipped++;
        return 0;
    }
    char buf[KZ_SITEMAP_MAX_LOC + 1];
    memcpy(buf, s, n);
    buf[n] = '\0';
    e->info->urls++;
    return e->fn ? e->fn(e->arg, buf, n) : 0;
}

static int text_sitemap(const char *s, size_t n, struct emit *e)
{
    int rc = 0;
    e->info->kind = KZ_SITEMAP_TEXT;
    while (n && !rc) {
        const char *nl = memchr(s, '\n', n);
        size_t l = nl ? (size_t)(nl - s) : n;
        const char *t = s;
        size_t tl = l;
        while (tl && ws((unsigned char)*t))
            t++, tl--;
        if ((tl >= 7 && !strncasecmp(t, "http://", 7)) || (tl >= 8 && !strncasecmp(t, "https://", 8)))
            rc = emit_url(e, t, tl);
        s += nl ? l + 1 : l;
        n -= nl ? l + 1 : l;
    }
    return rc;
}

static int name_is(xmlTextReaderPtr r, const char *name)
{
    const xmlChar *l = xmlTextReaderConstLocalName(r);
    return l && !strcmp((const char *)l, name);
}

static int xml_sitemap(const char *s, size_t n, struct emit *e, const char **why)
{
    int rc = 0, ret;
    kz_buf loc;
    xmlTextReaderPtr r = xmlReaderForMemory(s, (int)n, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                            XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (!r)
        return KZ_ENOMEM;
    kz_buf_init(&loc, KZ_SITEMAP_MAX_LOC * 2);
    int in_entry = 0, in_loc = 0, loc_over = 0;
    const char *entry = NULL;
    while ((ret = xmlTextReaderRead(r)) == 1 && !rc) {
        int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            if (depth == 0) {
                if (name_is(r, "urlset")) {
                    e->info->kind = KZ_SITEMAP_URLSET;
                    entry = "url";
                } else if (name_is(r, "sitemapindex")) {
                    e->info->kind = KZ_SITEMAP_INDEX;
                    entry = "sitemap";
                } else {
                    *why = "the root element is not <urlset> or <sitemapindex>";
                    rc = KZ_EINVAL;
                }
            } else if (depth == 1) {
                in_entry = name_is(r, entry) && !xmlTextReaderIsEmptyElement(r);
            } else if (depth == 2 && in_entry && name_is(r, "loc") && !xmlTextReaderIsEmptyElement(r)) {
                in_loc = 1;
                loc_over = 0;
                kz_buf_reset(&loc);
            }
        } else if (in_loc && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                              type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                              type == XML_READER_TYPE_WHITESPACE)) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            if (v && !loc_over) {
                int r2 = kz_buf_adds(&loc, (const char *)v);
                if (r2 == KZ_ETOOBIG)
                    loc_over = 1;
                else if (r2)
                    rc = r2;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (in_loc && depth == 2) {
                in_loc = 0;
                if (loc_over)
                    e->info->skipped++;
                else
                    rc = emit_url(e, loc.p ? loc.p : "", loc.len);
            } else if (depth == 1) {
                in_entry = 0;
            }
        }
    }
    if (ret < 0 && !rc) {
        if (!e->info->kind) {
            *why = "not XML libxml2 can read";
            rc = KZ_EINVAL;
        } else {
            e->info->broken = 1;
        }
    }
    if (!rc && !e->info->kind) {
        *why = "an empty document";
        rc = KZ_EINVAL;
    }
    kz_buf_release(&loc);
    xmlFreeTextReader(r);
    return rc;
}

int kz_sitemap_parse(const char *body, size_t n, size_t max_bytes, size_t max_urls,
                     kz_sitemap_fn fn, void *arg, kz_sitemap_info *info, const char **why)
{
    kz_sitemap_info local;
    const char *w = NULL;
    kz_buf z;
    int rc;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!max_bytes)
        max_bytes = KZ_SITEMAP_MAX_BYTES;
    if (!max_urls)
        max_urls = KZ_SITEMAP_MAX_URLS;
    kz_buf_init(&z, max_bytes);
    if (!body)
        n = 0, body = "";
    const unsigned char *b = (const unsigned char *)body;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        info->gzip = 1;
        if ((rc = gunzip(b, n, &z, &w)) != 0)
            goto out;
        body = z.p ? z.p : "";
        n = z.len;
    } else if (n > max_bytes) {
        rc = KZ_ETOOBIG;
        goto out;
    }
    if (n > INT_MAX) {
        rc = KZ_ETOOBIG;
        goto out;
    }
    struct emit e = { fn, arg, max_urls, info };
    size_t i = 0;
    if (n >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < n && ws((unsigned char)body[i]))
        i++;
    if (i >= n) {
        w = "an empty document";
        rc = KZ_EINVAL;
    } else if (body[i] == '<') {
        rc = xml_sitemap(body, n, &e, &w);
    } else {
        rc = text_sitemap(body + i, n - i, &e);
        if (!rc && !info->urls) {
            info->kind = 0;
            w = "neither XML nor a list of URLs";
            rc = KZ_EINVAL;
        }
    }
out:
    if (rc == KZ_ETOOBIG)
        w = "over the size limit";
    if (why)
        *why = w ? w : "";
    kz_buf_release(&z);
    return rc;
}
