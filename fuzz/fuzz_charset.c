/*
 * fuzz/fuzz_charset.c - fuzz target for ingest/charset.c.
 *
 * The first line of the input is the Content-Type header, the rest the
 * body.  Decodes it as HTML, XML and text, checking that the output is
 * valid UTF-8 without NULs, and once more into a small buffer (the
 * KZ_ETOOBIG path must leave it as it was).
 */
#include "fuzz.h"
#include "ingest/charset.h"
#include "util/utf8.h"

static void check_utf8(const kz_buf *b)
{
    const unsigned char *p = (const unsigned char *)b->p;
    size_t i = 0;
    while (p && i < b->len) {
        uint32_t cp;
        size_t k = kz_utf8_decode(p + i, b->len - i, &cp);
        if (k == 0 || cp == 0)
            abort();
        i += k;
    }
}

KZ_FUZZ(charset)
{
    const char *nl = memchr(data, '\n', size);
    size_t hl = nl ? (size_t)(nl - (const char *)data) : 0;
    char *ct = kz_strndup((const char *)data, hl);
    const char *body = nl ? nl + 1 : (const char *)data;
    size_t n = size - (size_t)(body - (const char *)data);
    kz_charset *cs = NULL;
    if (!ct || kz_charset_new(&cs)) {
        free(ct);
        return 0;
    }
    for (int doc = KZ_CHARSET_HTML; doc <= KZ_CHARSET_TEXT; doc++) {
        kz_buf out;
        kz_charset_info info;
        kz_buf_init(&out, KZ_BUF_NOLIMIT);
        if (kz_charset_decode(cs, body, n, ct, doc, &out, &info) == 0) {
            check_utf8(&out);
            if (!memchr(info.name, '\0', sizeof info.name) || !memchr(info.bad, '\0', sizeof info.bad))
                abort();
        }
        kz_buf_release(&out);
        kz_buf_init(&out, 8);
        kz_buf_adds(&out, "ab");
        int rc = kz_charset_decode(cs, body, n, ct, doc, &out, NULL);
        if (rc == 0)
            check_utf8(&out);
        else if (out.len != 2 || strcmp(out.p, "ab"))
            abort();
        kz_buf_release(&out);
    }
    kz_charset_free(&cs);
    free(ct);
    return 0;
}
