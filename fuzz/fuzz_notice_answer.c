/*
 * fuzz/fuzz_notice_answer.c - fuzz target for what a platform's endpoint
 * answers to a notice (case/notice_text.h: kz_notice_parse_answer), any
 * bytes.  Besides not crashing: an answer taken is 1 to 16384 bytes of
 * valid UTF-8 with no control character but line breaks and tabs; a
 * refused one says why; nothing taken is appended on no answer.
 */
#include "case/notice_text.h"
#include "util/utf8.h"
#include "fuzz.h"
#include <stdlib.h>

KZ_FUZZ(notice_answer)
{
    kz_buf b;
    const char *why = NULL;
    kz_buf_init(&b, 1u << 16);
    int rc = kz_notice_parse_answer((const char *)data, size, &b, &why);
    if (rc == 1) {
        if (!b.len || b.len > 16384 || kz_utf8_invalid_count(b.p, b.len) != 0)
            abort();
        for (size_t i = 0; i < b.len; i++)
            if ((unsigned char)b.p[i] < 0x20 && b.p[i] != '\n' && b.p[i] != '\t' &&
                b.p[i] != '\r')
                abort();
    } else if (rc == 0) {
        if (b.len)
            abort();
    } else if (rc == KZ_EINVAL) {
        if (!why || b.len)
            abort();
    } else if (rc != KZ_ENOMEM) {
        abort();
    }
    kz_buf_release(&b);
    return 0;
}
