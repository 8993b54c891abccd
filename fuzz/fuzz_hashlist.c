/*
 * fuzz/fuzz_hashlist.c - fuzz target for the parsers of the private check
 * (act/hashlist.c): the prefix list of a full-hash request, a prefix-list
 * answer applied to a list held (the client), and a full-hash answer.
 *
 * The first byte chooses the parser; the rest is its input.  Checks what
 * they promise: a parsed request has 1..cap prefixes; an applied answer
 * gives prefixes in strictly increasing order whose checksum is the one
 * the list reports, and written back as a full answer
 * (kz_hashlist_update_json) applies again to the same list; a diff from
 * the held list to the new one, applied to the held list, gives it too.
 */
#include "act/hashlist.h"
#include "fuzz.h"
#include <stdlib.h>

static kz_hashlist *held(void)
{
    static const char base[] =
        "{\"version\":5,\"type\":\"full\",\"prefix_size\":4,\"count\":2,\"checksum\":"
        "\"7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21\","
        "\"additions\":[\"0125c6ea\",\"73d986e0\"],\"removals\":[]}";
    kz_hashlist *h = NULL;
    const char *why;
    if (kz_hashlist_apply_json(&h, NULL, base, sizeof base - 1, &why) != 0)
        abort();
    return h;
}

static void same(const kz_hashlist *a, const kz_hashlist *b)
{
    if (kz_hashlist_nprefixes(a) != kz_hashlist_nprefixes(b) ||
        strcmp(kz_hashlist_checksum(a), kz_hashlist_checksum(b)))
        abort();
}

KZ_FUZZ(hashlist)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    const char *why = NULL;
    if (data[0] % 3 == 0) {
        uint8_t p[8][KZ_HASHLIST_PREFIX];
        int k = kz_hashlist_parse_prefixes(in, n, p, 8, &why);
        if ((k < 0 && !why) || k == 0 || k > 8)
            abort();
    } else if (data[0] % 3 == 1) {
        kz_hashlist *base = held(), *h = NULL, *again = NULL, *d = NULL;
        if (kz_hashlist_apply_json(&h, data[0] & 4 ? NULL : base, in, n, &why) == 0) {
            const uint8_t *p = kz_hashlist_prefixes(h);
            for (size_t i = 1; i < kz_hashlist_nprefixes(h); i++)
                if (memcmp(p + 4 * (i - 1), p + 4 * i, 4) >= 0)
                    abort();
            kz_buf b;
            kz_buf_init(&b, KZ_BUF_NOLIMIT);
            if (kz_hashlist_update_json(&b, NULL, h) ||
                kz_hashlist_apply_json(&again, NULL, b.p, b.len, &why))
                abort();
            same(h, again);
            kz_buf_reset(&b);
            if (kz_hashlist_update_json(&b, base, h) ||
                kz_hashlist_apply_json(&d, base, b.p, b.len, &why))
                abort();
            same(h, d);
            kz_buf_release(&b);
        } else if (h || !why) {
            abort();
        }
        kz_hashlist_free(&h);
        kz_hashlist_free(&again);
        kz_hashlist_free(&d);
        kz_hashlist_free(&base);
    } else {
        kz_hashlist_full *v = NULL;
        size_t nv = 0;
        if (kz_hashlist_parse_full(in, n, &v, &nv, &why) != 0 && (v || nv || !why))
            abort();
        free(v);
    }
    return 0;
}
