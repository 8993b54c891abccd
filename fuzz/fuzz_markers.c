/*
 * fuzz/fuzz_markers.c - fuzz target for the removed-content marker file
 * and the verdict on a fetched page (act/verify.c).
 *
 * Input: up to the first NUL byte, a marker file; after it, a page body.
 * Parses the file (errors are fine: a bad line has a line number and a
 * reason), then judges the body as an HTML page from a host the markers
 * may name, with a flagged text and a content hash, and checks what the
 * module promises: a verdict is one of the three outcomes with a reason,
 * and a page with a marker it matched is gone.
 */
#include "act/verify.h"
#include "fuzz.h"

KZ_FUZZ(markers)
{
    const char *p = (const char *)data, *nul = memchr(p, '\0', size);
    size_t flen = nul ? (size_t)(nul - p) : size;
    const char *body = nul ? nul + 1 : "";
    size_t blen = nul ? size - flen - 1 : 0;
    kz_verify_markers *m = NULL;
    kz_norm *nm = kz_norm_new();
    size_t line = 0;
    const char *why = NULL;
    if (!nm || kz_verify_markers_new(&m, 0))
        goto out;
    int rc = kz_verify_markers_parse(m, p, flen, &line, &why);
    if (rc == KZ_EINVAL && (!line || !why))
        abort();
    if (rc == 0 && (line || why))
        abort();
    static const char *const ev[] = { "взорвать школу", "" };
    kz_verify_page pg = { "forum.example.kz", "m.forum.example.kz", (int)(blen & 1),
                          KZ_FETCH_OK, "", 200, "text/html", body, blen,
                          "0000000000000000000000000000000000000000000000000000000000000000",
                          ev, 2, "Продам закладку" };
    kz_verify_verdict v;
    if (kz_verify_classify(m, nm, &pg, &v) == 0) {
        if (v.outcome != KZ_VERIFY_PRESENT && v.outcome != KZ_VERIFY_GONE &&
            v.outcome != KZ_VERIFY_ERROR)
            abort();
        if (!v.why[0])
            abort();
        if (!strcmp(v.why, "removed-page") && v.outcome != KZ_VERIFY_GONE)
            abort();
    }
out:
    kz_verify_markers_free(&m);
    kz_norm_free(nm);
    return 0;
}
