/*
 * tests/t_content.c - an item's whole text kept compressed
 * (src/store/content.c): round trips, the size cap on a character
 * boundary, refusal of what kz_content_pack did not write, and the words
 * around a hit.
 */
#include "kt.h"
#include "store/content.h"
#include "store/db.h"
#include "kt_store.h"
#include <stdlib.h>
#include <sodium.h>
#include <zlib.h>

KT_TEST(content_round_trip_and_cap)
{
    kz_buf z, back;
    kz_buf_init(&z, KZ_BUF_NOLIMIT);
    kz_buf_init(&back, KZ_BUF_NOLIMIT);
    const char *t = "Продам закладка, пиши в лс\n\0binary\xff tail";
    size_t n = 42;
    KT_EQ_INT(kz_content_pack(t, n, &z), 0);
    KT_EQ_INT(kz_content_unpack(z.p, z.len, &back), 0);
    KT_EQ_INT((int64_t)back.len, (int64_t)n);
    KT_CHECK(memcmp(back.p, t, n) == 0);
    /* the empty text */
    kz_buf_reset(&z);
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_pack("", 0, &z), 0);
    KT_EQ_INT(kz_content_unpack(z.p, z.len, &back), 0);
    KT_EQ_INT((int64_t)back.len, 0);
    /* 2 MiB of 2-byte letters: cut at the cap, on a character boundary */
    size_t big = 2u << 20;
    char *b = malloc(big);
    for (size_t i = 0; i + 1 < big; i += 2) { b[i] = (char)0xD0; b[i + 1] = (char)0xB0; }
    KT_EQ_INT((int64_t)kz_content_len(b, big), KZ_CONTENT_MAX);
    KT_EQ_INT((int64_t)kz_content_len(b + 1, big - 1), KZ_CONTENT_MAX - 1);   /* starts mid-letter */
    KT_EQ_INT((int64_t)kz_content_len(b, 100), 100);
    kz_buf_reset(&z);
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_pack(b, KZ_CONTENT_MAX, &z), 0);
    KT_CHECK(z.len < 100000);                       /* compressed */
    KT_EQ_INT(kz_content_unpack(z.p, z.len, &back), 0);
    KT_EQ_INT((int64_t)back.len, KZ_CONTENT_MAX);
    KT_CHECK(memcmp(back.p, b, KZ_CONTENT_MAX) == 0);
    free(b);
    /* not what pack wrote: refused, not a crash */
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_unpack("not base64!", 11, &back), KZ_EINVAL);
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_unpack("aGVsbG8=", 8, &back), KZ_EINVAL);         /* "hello", no zlib */
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_unpack(z.p, z.len / 2, &back), KZ_EINVAL);        /* cut short */
    kz_buf_release(&z);
    kz_buf_release(&back);
}

/* What compress2() at the default level and base64 give: the bytes every
 * stored item's content_z has held. */
static void reference_pack(const char *t, size_t n, kz_buf *out)
{
    uLongf zn = compressBound((uLong)n);
    unsigned char *z = malloc(zn);
    KT_CHECK(compress2(z, &zn, (const Bytef *)t, (uLong)n, Z_DEFAULT_COMPRESSION) == Z_OK);
    size_t bn = sodium_base64_ENCODED_LEN(zn, sodium_base64_VARIANT_ORIGINAL);
    KT_EQ_INT(kz_buf_grow(out, bn), 0);
    sodium_bin2base64(out->p + out->len, bn, z, zn, sodium_base64_VARIANT_ORIGINAL);
    out->len += bn - 1;
    free(z);
}

KT_TEST(content_zip_reused_writes_the_same_bytes)
{
    kz_content_zip *zip = kz_content_zip_new();
    KT_CHECK(zip != NULL);
    kz_buf a, ref;
    kz_buf_init(&a, KZ_BUF_NOLIMIT);
    kz_buf_init(&ref, KZ_BUF_NOLIMIT);
    size_t big = 300000;
    char *b = malloc(big);
    for (size_t i = 0; i < big; i++)
        b[i] = (char)("абвгд efgh"[(i * 7 + i / 13) % 10]);
    /* a big text, then small ones, the empty one, and the big one again:
     * each packed by one reused stream as a fresh compress2() packs it */
    const size_t lens[] = { big, 42, 0, 1, 5000, big };
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        kz_buf_reset(&a);
        kz_buf_reset(&ref);
        KT_EQ_INT(kz_content_zip_pack(zip, b + (k == 3), lens[k], &a), 0);
        reference_pack(b + (k == 3), lens[k], &ref);
        KT_EQ_INT((int64_t)a.len, (int64_t)ref.len);
        KT_CHECK(a.len == ref.len && memcmp(a.p, ref.p, a.len) == 0);
        kz_buf_reset(&ref);
        KT_EQ_INT(kz_content_pack(b + (k == 3), lens[k], &ref), 0);
        KT_CHECK(a.len == ref.len && memcmp(a.p, ref.p, a.len) == 0);
    }
    free(b);
    kz_buf_release(&a);
    kz_buf_release(&ref);
    kz_content_zip_free(&zip);
    KT_CHECK(zip == NULL);
    kz_content_zip_free(&zip);                      /* NULL-safe */
}

/* Column col of item id as stored, into out (NUL-terminated; "" for NULL). */
static void stored_col(kz_store *s, int64_t id, const char *col, kz_buf *out)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    char sql[96];
    size_t n = 0;
    kz_buf_reset(out);
    snprintf(sql, sizeof sql, "SELECT %s FROM items WHERE id = $1", col);
    KT_EQ_INT(kz_db_query(kz_store_db(s), sql, p, 1, &r), 0);
    KT_EQ_INT(kz_dbres_next(r), 1);
    const char *t = kz_dbres_text(r, 0, &n);
    KT_EQ_INT(kz_buf_add(out, t ? t : "", n), 0);
    KT_EQ_INT(kz_buf_addc(out, '\0'), 0);
    kz_dbres_done(r);
}

/* The text of item id as stored, unpacked into out. */
static void stored_text(kz_store *s, int64_t id, kz_buf *out)
{
    kz_buf z;
    kz_buf_init(&z, KZ_BUF_NOLIMIT);
    stored_col(s, id, "content_z", &z);
    kz_buf_reset(out);
    KT_EQ_INT(kz_content_unpack(z.p, z.len - 1, out), 0);
    kz_buf_release(&z);
}

/* The canonical URL of item id as stored, into out. */
static void stored_url(kz_store *s, int64_t id, kz_buf *out)
{
    stored_col(s, id, "canonical_url", out);
}

/* What a scan thread prepared (the text packed, its canonical URL) is used
 * for that very text (pointer and length) only, and forgotten at commit. */
KT_TEST(content_packed_text_used_for_that_text_only)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "packed");
    if (!s)
        return;
    /* texts longer than the excerpt (shorter ones are not packed: below) */
    char a[2400], b[2400];
    size_t at = 0;
    while (at + 32 < sizeof a) {
        memcpy(a + at, "закладка первая ", 30);    /* 29 bytes of text and a space */
        memcpy(b + at, "закладка вторая ", 30);    /* as long as a, elsewhere */
        at += 30;
    }
    a[at] = b[at] = '\0';
    kz_buf z, back;
    kz_buf_init(&z, KZ_BUF_NOLIMIT);
    kz_buf_init(&back, KZ_BUF_NOLIMIT);
    /* handed over packed: the bytes given are stored (here, on purpose,
     * those of another text, to see which were used) */
    KT_EQ_INT(kz_content_pack("handed over", 11, &z), 0);
    kz_ingest_out o1, o2, o3;
    kz_item_in ia = { "https://x.kz/1", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, a, strlen(a), NULL };
    kz_item_in ib = { "https://x.kz/2", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, b, strlen(b), NULL };
    kz_item_in ia2 = { "https://x.kz/3", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, a, strlen(a), NULL };
    /* and its canonical URL worked out by the caller (here, on purpose,
     * another one, to see which was used) */
    kz_item_prep pa = { a, strlen(a), z.p, z.len, 1, 1, "https://given.kz/", 17 };
    KT_EQ_INT(kz_store_begin(s), 0);
    kz_store_prepared(s, &pa);
    KT_EQ_INT(kz_store_ingest(s, &ia, NULL, 0, &o1), 0);
    kz_store_prepared(s, &pa);
    KT_EQ_INT(kz_store_ingest(s, &ib, NULL, 0, &o2), 0);     /* another text: packed here */
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_store_ingest(s, &ia2, NULL, 0, &o3), 0);    /* forgotten at the commit */
    KT_EQ_INT(kz_store_commit(s), 0);
    stored_text(s, o1.item_id, &back);
    KT_CHECK(back.len == 11 && !memcmp(back.p, "handed over", 11));
    stored_url(s, o1.item_id, &back);
    KT_EQ_STR(back.p, "https://given.kz/");
    stored_url(s, o2.item_id, &back);
    KT_EQ_STR(back.p, "https://x.kz/2");
    stored_text(s, o2.item_id, &back);
    KT_CHECK(back.len == strlen(b) && !memcmp(back.p, b, back.len));
    stored_text(s, o3.item_id, &back);
    KT_CHECK(back.len == strlen(a) && !memcmp(back.p, a, back.len));
    kz_buf_release(&z);
    kz_buf_release(&back);
    kt_store_cleanup(&t, &s);
}

/* A text the excerpt holds byte for byte is stored once: content_z NULL,
 * content_len its length, read back whole from the excerpt; one with a
 * byte that is not UTF-8 (the excerpt shows U+FFFD) is packed as it came. */
KT_TEST(content_short_text_only_in_the_excerpt)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "inexcerpt");
    if (!s)
        return;
    static const char ok[] = "закладка в парке", bad[] = "закладка \xff в парке";
    KT_EQ_INT(kz_content_in_excerpt(ok, strlen(ok)), 1);
    KT_EQ_INT(kz_content_in_excerpt(bad, strlen(bad)), 0);
    KT_EQ_INT(kz_content_in_excerpt("a\0b", 3), 0);
    KT_EQ_INT(kz_content_in_excerpt(NULL, 0), 0);
    kz_ingest_out o1, o2;
    kz_item_in i1 = { "https://x.kz/1", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, ok, strlen(ok), NULL };
    kz_item_in i2 = { "https://x.kz/2", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, bad, strlen(bad), NULL };
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_store_ingest(s, &i1, NULL, 0, &o1), 0);
    KT_EQ_INT(kz_store_ingest(s, &i2, NULL, 0, &o2), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    kz_buf back;
    kz_buf_init(&back, KZ_BUF_NOLIMIT);
    for (int k = 0; k < 2; k++) {
        kz_dbres *r = NULL;
        kz_dbval p[] = { kz_dbint(k ? o2.item_id : o1.item_id) };
        KT_EQ_INT(kz_db_query(kz_store_db(s), "SELECT content_z, excerpt, content_len FROM items "
                              "WHERE id = $1", p, 1, &r), 0);
        KT_EQ_INT(kz_dbres_next(r), 1);
        size_t zn = 0, en = 0;
        const char *z = kz_dbres_null(r, 0) ? NULL : kz_dbres_text(r, 0, &zn);
        const char *ex = kz_dbres_text(r, 1, &en);
        KT_CHECK(k ? z != NULL : z == NULL);
        kz_buf_reset(&back);
        KT_EQ_INT(kz_content_text(z, zn, ex, en, kz_dbres_int(r, 2), 0, &back), 1);
        const char *want = k ? bad : ok;
        KT_CHECK(back.len == strlen(want) && !memcmp(back.p, want, back.len));
        kz_buf_reset(&back);                         /* purged: nothing */
        KT_EQ_INT(kz_content_text(z, zn, ex, en, kz_dbres_int(r, 2), 1, &back), k ? 1 : 0);
        kz_dbres_done(r);
    }
    /* an older item (no content_len): the excerpt, said to be one */
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_text(NULL, 0, ok, strlen(ok), -1, 0, &back), 2);
    kz_buf_release(&back);
    kt_store_cleanup(&t, &s);
}

KT_TEST(content_context_words_around_a_hit)
{
    kz_buf o;
    kz_buf_init(&o, KZ_BUF_NOLIMIT);
    const char *t = "one two three four five six seven eight nine ten";
    /* "five" at 19..23, 6 bytes around, widened to whole words */
    KT_EQ_INT(kz_content_context(t, strlen(t), 19, 23, 6, &o), 0);
    KT_EQ_STR(o.p, "…three four [five] six seven…");
    kz_buf_reset(&o);
    KT_EQ_INT(kz_content_context(t, strlen(t), 0, 3, 4, &o), 0);
    KT_EQ_STR(o.p, "[one] two…");
    kz_buf_reset(&o);
    KT_EQ_INT(kz_content_context(t, strlen(t), 45, 48, 100, &o), 0);
    KT_EQ_STR(o.p, "one two three four five six seven eight nine [ten]");
    kz_buf_reset(&o);
    /* Cyrillic: never cut inside a letter */
    const char *c = "жжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжж закладка";
    const char *h = strstr(c, "закладка");
    KT_EQ_INT(kz_content_context(c, strlen(c), (size_t)(h - c), strlen(c), 3, &o), 0);
    KT_CHECK(strstr(o.p, "[закладка]") != NULL);
    KT_CHECK(!strncmp(o.p, "…", 3));
    kz_buf_reset(&o);
    KT_EQ_INT(kz_content_context(t, strlen(t), 5, 3, 4, &o), KZ_EINVAL);
    KT_EQ_INT(kz_content_context(t, strlen(t), 5, 300, 4, &o), KZ_EINVAL);
    kz_buf_release(&o);
}

KT_TEST(content_fit_and_cut_on_characters)
{
    /* & < > cost 5 bytes escaped, " ' 6, others 1 */
    KT_EQ_INT((int64_t)kz_content_fit_escaped("<<<<", 4, 12), 2);
    KT_EQ_INT((int64_t)kz_content_fit_escaped("\"'ab", 4, 12), 2);
    KT_EQ_INT((int64_t)kz_content_fit_escaped("abcd", 4, 100), 4);
    /* never half a letter: "жж" is 4 bytes; 3 fit only one */
    KT_EQ_INT((int64_t)kz_content_fit_escaped("жж", 4, 3), 2);
    KT_EQ_INT((int64_t)kz_content_fit_escaped("жж", 4, 1), 0);
    KT_EQ_INT((int64_t)kz_content_cut("жж", 3), 2);
    KT_EQ_INT((int64_t)kz_content_cut("жж", 2), 2);
    KT_EQ_INT((int64_t)kz_content_cut("жж", 1), 0);
    /* a 4-byte character */
    KT_EQ_INT((int64_t)kz_content_cut("a\xF0\x9F\x98\x80", 4), 1);
}

KT_TEST(content_marks_overlap_characters_budget)
{
    kz_content_mark m[8];
    size_t n = 0;
    /* overlapping spans are one mark naming each rule once; spans that only
     * touch stay two; the input order does not matter */
    const char *t = "aaa bbb ccc ddd eee";
    kz_content_span a[] = { { 12, 15, "r3" }, { 4, 11, "r2" }, { 0, 7, "r1" }, { 4, 7, "r1" },
                            { 15, 19, NULL } };
    KT_EQ_INT(kz_content_marks(t, strlen(t), a, 5, m, &n), 0);
    KT_EQ_INT((int64_t)n, 3);
    KT_EQ_INT((int64_t)m[0].off, 0);
    KT_EQ_INT((int64_t)m[0].len, 11);
    KT_EQ_STR(m[0].rules, "r1, r2");
    KT_EQ_INT((int64_t)m[1].off, 12);
    KT_EQ_INT((int64_t)m[1].len, 3);
    KT_EQ_STR(m[1].rules, "r3");
    KT_EQ_INT((int64_t)m[2].off, 15);
    KT_EQ_INT((int64_t)m[2].len, 4);
    KT_EQ_STR(m[2].rules, "?");
    /* spans cutting a letter are widened to whole letters: ж is 2 bytes */
    const char *c = "жжжж";
    kz_content_span b[] = { { 1, 3, "x" }, { 7, 8, "y" } };
    KT_EQ_INT(kz_content_marks(c, strlen(c), b, 2, m, &n), 0);
    KT_EQ_INT((int64_t)n, 2);
    KT_EQ_INT((int64_t)m[0].off, 0);
    KT_EQ_INT((int64_t)m[0].len, 4);
    KT_EQ_INT((int64_t)m[1].off, 6);
    KT_EQ_INT((int64_t)m[1].len, 2);
    /* a budget: shown = 4 bytes; a span past it is left out, one across it
     * cut at it; empty, backwards and negative spans are left out */
    kz_content_span d[] = { { 2, 7, "across" }, { 4, 6, "past" }, { 1, 1, "empty" },
                            { 3, 2, "back" }, { -1, 2, "neg" } };
    KT_EQ_INT(kz_content_marks(c, 4, d, 5, m, &n), 0);
    KT_EQ_INT((int64_t)n, 1);
    KT_EQ_INT((int64_t)m[0].off, 2);
    KT_EQ_INT((int64_t)m[0].len, 2);
    KT_EQ_STR(m[0].rules, "across");
    /* the rule names are cut to fit, never inside a letter */
    char long_rule[200];
    for (size_t i = 0; i < 90; i++)
        memcpy(long_rule + 2 * i, "ж", 2);
    long_rule[180] = '\0';
    kz_content_span e[] = { { 0, 2, "first" }, { 0, 4, long_rule } };
    KT_EQ_INT(kz_content_marks(c, strlen(c), e, 2, m, &n), 0);
    KT_EQ_INT((int64_t)n, 1);
    KT_CHECK(strlen(m[0].rules) < sizeof m[0].rules);
    KT_CHECK(!strncmp(m[0].rules, "first, жж", strlen("first, жж")));
    KT_EQ_INT((int64_t)(strlen(m[0].rules) % 2), 1);       /* "first, " is 7 bytes, then whole letters */
    KT_EQ_INT((int64_t)kz_content_cut(m[0].rules, strlen(m[0].rules)), (int64_t)strlen(m[0].rules));
    /* nothing to mark */
    KT_EQ_INT(kz_content_marks(c, strlen(c), NULL, 0, m, &n), 0);
    KT_EQ_INT((int64_t)n, 0);
}
