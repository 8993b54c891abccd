/*
 * fuzz/fuzz_content.c - fuzz target for an item's kept text
 * (store/content.c): kz_content_unpack reads what the database holds,
 * which anyone with write access to it may have changed, and
 * kz_content_context cuts the words around a hit.
 *
 * The first byte chooses: 0 - the rest is a stored items.content_z value
 * (base64 of zlib), unpacked (refused or not; never more than
 * KZ_CONTENT_MAX and one window); 1 - the rest is a text, packed and
 * unpacked, which must give back exactly the part kz_content_len keeps;
 * 2 - the next four bytes place a hit (start, length) in the rest, whose
 * context is cut, and must hold the hit between "[" and "]".
 */
#include "store/content.h"
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>

KZ_FUZZ(content)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    int mode = data[0] % 3;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    kz_buf out, z;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    kz_buf_init(&z, KZ_BUF_NOLIMIT);
    if (mode == 0) {
        if (kz_content_unpack(p, n, &out) == 0 && out.len > KZ_CONTENT_MAX + 65536)
            abort();
    } else if (mode == 1) {
        size_t keep = kz_content_len(p, n);
        if (keep > n || keep > KZ_CONTENT_MAX)
            abort();
        if (kz_content_pack(p, keep, &z) == 0) {
            if (kz_content_unpack(z.p, z.len, &out) != 0 || out.len != keep ||
                (keep && memcmp(out.p, p, keep) != 0))
                abort();
        }
    } else if (n >= 4) {
        size_t a = ((size_t)data[1] << 8 | data[2]), len = ((size_t)data[3] << 8 | data[4]);
        p += 4;
        n -= 4;
        if (a > n)
            a = n;
        if (len > n - a)
            len = n - a;
        if (kz_content_context(p, n, a, a + len, 40, &out) == 0 &&
            (!out.p || !memchr(out.p, '[', out.len) || !memchr(out.p, ']', out.len)))
            abort();
    }
    kz_buf_release(&out);
    kz_buf_release(&z);
    return 0;
}
