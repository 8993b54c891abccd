/*
 * fuzz/fuzz_normalize.c - the normalizer on any bytes.
 *
 * Besides not crashing, checks the offset map's promises: every normalized
 * byte maps to a non-empty span inside the input, spans never go backwards,
 * and every token lies inside the normalized text.
 */
#include "fuzz.h"
#include "text/norm.h"
#include <stdlib.h>

KZ_FUZZ(normalize)
{
    static kz_norm *nm;
    if (!nm && !(nm = kz_norm_new()))
        return 0;
    kz_normtext t;
    if (kz_norm_run(nm, (const char *)data, size, &t) != 0)
        return 0;
    for (size_t i = 0; i < t.len; i++) {
        if (t.src_start[i] >= t.src_end[i] || t.src_end[i] > size)
            abort();
        if (i && t.src_start[i] < t.src_start[i - 1])
            abort();
    }
    for (size_t i = 0; i < t.nwords; i++)
        if (t.words[i].start >= t.words[i].end || t.words[i].end > t.len || t.words[i].nsp < 1)
            abort();
    for (size_t i = 0; i < t.njoined; i++)
        if (t.joined[i].end > t.len)
            abort();
    return 0;
}
