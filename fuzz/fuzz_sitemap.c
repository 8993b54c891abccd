/*
 * fuzz/fuzz_sitemap.c - fuzz target for ingest/sitemap.c (gzip, XML and
 * text sitemaps).  Reads the input twice: with the default limits, and
 * with small ones (64 KiB, 3 URLs), checking what is reported.
 */
#include "fuzz.h"
#include "ingest/sitemap.h"

static int check(void *arg, const char *loc, size_t len)
{
    size_t *n = arg;
    if (!loc || strlen(loc) != len || len == 0 || len > KZ_SITEMAP_MAX_LOC)
        abort();
    (*n)++;
    return 0;
}

KZ_FUZZ(sitemap)
{
    kz_sitemap_init();
    size_t limits[2][2] = { { 0, 0 }, { 65536, 3 } };
    for (int i = 0; i < 2; i++) {
        kz_sitemap_info si;
        const char *why = NULL;
        size_t n = 0;
        int rc = kz_sitemap_parse((const char *)data, size, limits[i][0], limits[i][1], check, &n,
                                  &si, &why);
        if (!why || (rc == 0 && (si.kind < KZ_SITEMAP_URLSET || si.kind > KZ_SITEMAP_TEXT)) ||
            n != si.urls || (limits[i][1] && n > limits[i][1]) || (rc != 0 && rc != KZ_EINVAL &&
            rc != KZ_ETOOBIG && rc != KZ_ENOMEM) || (rc == KZ_EINVAL && !*why))
            abort();
    }
    return 0;
}
