/*
 * fuzz/fuzz_serve_path.c - fuzz target for the route patterns and ids of
 * kuzet serve (serve/parse.c: kz_path_match, kz_parse_id, kz_parse_int).
 *
 * The input is "PATTERN\nPATH".  Besides not crashing, checks that each
 * captured parameter lies inside the path, is not empty and holds no '/',
 * and that an id parsed back prints as the same digits.
 */
#include "serve/parse.h"
#include "fuzz.h"

KZ_FUZZ(serve_path)
{
    char *in = kz_strndup((const char *)data, size);
    if (!in)
        return 0;
    char *nl = strchr(in, '\n');
    const char *pattern = "/api/v1/cases/{id}/{action}", *path = in;
    if (nl) {
        *nl = '\0';
        pattern = in;
        path = nl + 1;
    }
    kz_pathparam p[KZ_PATH_MAX_PARAMS];
    size_t np = 0;
    if (kz_path_match(pattern, path, p, &np)) {
        size_t plen = strlen(path);
        for (size_t i = 0; i < np; i++) {
            if (p[i].len == 0 || p[i].val < path || p[i].val + p[i].len > path + plen ||
                memchr(p[i].val, '/', p[i].len))
                __builtin_trap();
            int64_t id;
            if (kz_parse_id(p[i].val, p[i].len, &id) == 0) {
                char back[32];
                int k = snprintf(back, sizeof back, "%lld", (long long)id);
                if (k < 0 || (size_t)k != p[i].len || memcmp(back, p[i].val, p[i].len))
                    __builtin_trap();
            }
        }
    }
    int64_t v;
    (void)kz_parse_int(path, -5, 5, &v);
    free(in);
    return 0;
}
