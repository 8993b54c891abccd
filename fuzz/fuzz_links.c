/*
 * fuzz/fuzz_links.c - fuzz target for ingest/links.c (the link tokenizer)
 * and the crawler's use of it (kz_crawl_links resolves what it finds).
 */
#include "fuzz.h"
#include "ingest/crawl.h"
#include "ingest/links.h"
#include "util/buf.h"

static int check(void *arg, int kind, const char *url, size_t len)
{
    size_t *n = arg;
    if (kind < KZ_LINK_BASE || kind > KZ_LINK_IMAGE || len > KZ_LINKS_MAX_VALUE ||
        strlen(url) != len)
        abort();
    (*n)++;
    return 0;
}

KZ_FUZZ(links)
{
    size_t n = 0;
    kz_links_scan((const char *)data, size, check, &n);
    kz_buf out;
    kz_buf_init(&out, 1 << 20);
    kz_crawl_links((const char *)data, size, "http://example.com/a/b.html", &out);
    kz_buf_release(&out);
    return 0;
}
