/*
 * fuzz/fuzz_html.c - fuzz target for ingest/html.c.
 *
 * Extracts the text twice: with no output limit, and with a small limit
 * (so the KZ_ETOOBIG path is fuzzed too), checking the info spans.
 */
#include "fuzz.h"
#include "ingest/html.h"

static void run(const char *html, size_t n, size_t limit)
{
    kz_buf out;
    kz_html_info info;
    kz_buf_init(&out, limit);
    int rc = kz_html_text(html, n, &out, &info);
    if (rc == 0) {
        if (info.title_start > out.len || info.title_len > out.len - info.title_start ||
            memchr(info.lang, '\0', sizeof info.lang) == NULL || out.p[out.len] != '\0')
            abort();
    } else if (out.len != 0) {
        abort();                /* on error out is left as it was */
    }
    kz_buf_release(&out);
}

KZ_FUZZ(html)
{
    char *copy = kz_malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    run(copy, size, KZ_BUF_NOLIMIT);
    run(copy, size, 64);
    free(copy);
    return 0;
}
