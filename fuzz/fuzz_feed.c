/*
 * fuzz/fuzz_feed.c - fuzz target for ingest/feed.c (and the sniffer).
 *
 * Parses the input as a feed (with a small item limit, so the skip path
 * runs too) and checks each item's strings; sniffs it without libmagic.
 */
#include "fuzz.h"
#include "ingest/feed.h"
#include "ingest/sniff.h"

static int item(void *arg, const kz_feed_item *it)
{
    size_t *n = arg;
    if (strlen(it->title) != it->title_len || strlen(it->text) != it->text_len ||
        it->text_len > 1024 || strlen(it->link) >= 8192)
        abort();
    (*n)++;
    return 0;
}

KZ_FUZZ(feed)
{
    kz_feed_info fi;
    size_t n = 0;
    kz_feed_init();
    int rc = kz_feed_parse((const char *)data, size, "http://example.com/feed/", 50, 1024, item,
                           &n, &fi);
    if (rc == 0 && (n != fi.items || n > 50))
        abort();
    const char *mime = NULL;
    int t = kz_sniff_body(NULL, data, size, "text/html", &mime);
    if (t < KZ_SNIFF_OTHER || t > KZ_SNIFF_IMAGE || !mime)
        abort();
    return 0;
}
