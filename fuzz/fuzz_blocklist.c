/*
 * fuzz/fuzz_blocklist.c - fuzz target for the blocklist list-file loader
 * (kz_export_list_parse, act/export.c) and the exports of what it loads.
 *
 * Besides not crashing: every loaded entry has a target; every export
 * (all formats) succeeds, and has no byte < 0x20 but '\n' (and '\r' in
 * CSV line ends) and no NUL, so no line of an export can be cut short or
 * run into the next one.
 */
#include "act/export.h"
#include "fuzz.h"

static void no_stray_bytes(const kz_buf *b, int fmt)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->p[i];
        if (c < 0x20 && c != '\n' && !(c == '\r' && fmt == KZ_EXPORT_CSV))
            abort();
    }
}

KZ_FUZZ(blocklist)
{
    kz_export_list l;
    kz_export_list_init(&l);
    size_t nbad = 0;
    if (kz_export_list_parse(&l, (const char *)data, size, NULL, NULL, &nbad) == 0) {
        for (size_t i = 0; i < l.n; i++)
            if (!l.v[i].target || !l.v[i].target[0])
                abort();
        kz_export_opts o = { .serial = 1, .landing = "landing.example" };
        for (int f = 0; f < KZ_EXPORT__COUNT; f++) {
            kz_buf b;
            kz_buf_init(&b, KZ_BUF_NOLIMIT);
            o.full = f & 1;
            if (kz_export_write(&b, f, l.v, l.n, &o, NULL) != 0)
                abort();
            no_stray_bytes(&b, f);
            kz_buf_release(&b);
        }
    }
    kz_export_list_release(&l);
    return 0;
}
