/*
 * tests/t_buf.c - util/buf.h: the JSON object writer (kz_jw) that writes
 * every audit entry's before and after.
 */
#include "kt.h"
#include "util/buf.h"
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
