/*
 * tests/t_buf.c - util/buf.h: the JSON object writer (kz_jw) that writes
 * every audit entry's before and after.
 */
#include "kt.h"
#include "util/buf.h"
#include "util/utf8.h"
#include <stdlib.h>
#include <string.h>

KT_TEST(buf_json_writer_object)
{
    kz_jw j;
    kz_jw_init(&j);
    kz_jw_raw(&j, "{");
    kz_jw_int(&j, "id", -7);
    kz_jw_str(&j, "name", "a \"quoted\"\n\\ name");
    kz_jw_str(&j, "none", NULL);
    kz_jw_bool(&j, "on", 1);
    kz_jw_key(&j, "list");
    kz_jw_raw(&j, "[");
    kz_jw_raw(&j, "{");
    kz_jw_int(&j, "n", 1);
    kz_jw_raw(&j, "}]");
    kz_jw_str(&j, "bad", "\xff\xfe");                 /* not UTF-8: U+FFFD, still JSON */
    kz_jw_raw(&j, "}");
    KT_EQ_INT(j.rc, 0);
    KT_EQ_STR(j.b.p, "{\"id\":-7,\"name\":\"a \\\"quoted\\\"\\n\\\\ name\",\"none\":null,"
                     "\"on\":true,\"list\":[{\"n\":1}],\"bad\":\"\xef\xbf\xbd\xef\xbf\xbd\"}");
    kz_jw_release(&j);
    /* no comma before the first key, with or without a brace */
    kz_jw_init(&j);
    kz_jw_bool(&j, "x", 0);
    KT_EQ_STR(j.b.p, "\"x\":false");
    kz_jw_release(&j);
}

/* Past its 1 MiB the writer keeps its first error and writes nothing more. */
KT_TEST(buf_json_writer_sticky_error)
{
    kz_jw j;
    size_t n = 2u << 20;
    char *big = malloc(n + 1);
    KT_CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'a', n);
    big[n] = '\0';
    kz_jw_init(&j);
    kz_jw_raw(&j, "{");
    kz_jw_str(&j, "one", "small");
    KT_EQ_INT(j.rc, 0);
    kz_jw_str(&j, "two", big);
    KT_CHECK(j.rc != 0);
    size_t len = j.b.len;
    kz_jw_int(&j, "three", 3);
    kz_jw_raw(&j, "}");
    KT_EQ_INT((int64_t)j.b.len, (int64_t)len);
    kz_jw_release(&j);
    free(big);
}

/* The byte-at-a-time definitions the fast paths must agree with: every
 * invalid byte (or NUL, when cleaning) one U+FFFD, everything else kept. */
static size_t ref_invalid(const char *s, size_t n)
{
    size_t bad = 0;
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        bad += k == 0;
        i += k ? k : 1;
    }
    return bad;
}

static size_t ref_clean(const char *s, size_t n, char *o)
{
    size_t len = 0;
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0 || s[i] == '\0') {
            memcpy(o + len, "\xEF\xBF\xBD", 3);
            len += 3;
            i++;
        } else {
            memcpy(o + len, s + i, k);
            len += k;
            i += k;
        }
    }
    return len;
}

KT_TEST(buf_utf8_fast_paths_agree_with_the_definition)
{
    /* pieces: ASCII runs of every length around 8, Cyrillic, a 3- and a
     * 4-byte character, cut sequences, stray continuation bytes, NUL */
    static const char *const pieces[] = {
        "a", "abcdefg", "abcdefgh", "abcdefghijklmnopq", "п", "привет", "€", "\xF0\x9F\x98\x80",
        "\xD0", "\xE2\x82", "\x80", "\xBF\xBF", "\xC0\xAF", "\xED\xA0\x80", "\xFF", "\0", " ",
    };
    char in[512], want[1600];
    unsigned seed = 12345;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        int np = (int)(seed % 24);
        for (int i = 0; i < np; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t k = (seed >> 8) % (sizeof pieces / sizeof pieces[0]);
            size_t l = pieces[k][0] ? strlen(pieces[k]) : 1;
            if (n + l > sizeof in)
                break;
            memcpy(in + n, pieces[k], l);
            n += l;
        }
        seed = seed * 1103515245u + 12345u;
        size_t off = n ? (seed >> 8) % (n + 1) : 0;     /* from a place inside, too */
        size_t wl = ref_clean(in + off, n - off, want);
        kz_buf_reset(&b);
        int ok = kz_buf_add_utf8_clean(&b, in + off, n - off) == 0 && b.len == wl &&
                 !memcmp(b.p, want, wl) &&
                 kz_utf8_invalid_count(in + off, n - off) == ref_invalid(in + off, n - off);
        if (!ok) {
            kt_fail(__FILE__, __LINE__, "round %d: %zu bytes from %zu disagree", round, n - off,
                    off);
            break;
        }
    }
    kz_buf_release(&b);
}
