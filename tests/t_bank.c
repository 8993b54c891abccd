/*
 * tests/t_bank.c - hash banks (store/bank.c): the CSV parser on buffers,
 * create and import with bad rows, the export round trip (byte for byte),
 * PDQ matching within the threshold across the 8 dihedral variants,
 * allow-bank suppression, exact sha256 and md5 lookups, simhash matching,
 * the role check and the audit entries; hits' origins, the cheap "any
 * block bank" check, a decision's images banked and a reversed decision's
 * entries taken out.
 */
#include "kt.h"
#include "case/case.h"
#include "kt_store.h"
#include "detect/pdq.h"
#include "detect/simhash.h"
#include "store/bank.h"
#include "store/media.h"
#include "store/store.h"
#include <stdlib.h>
#include <unistd.h>

static kt_tmpstore tmp;

static kz_store *fresh(void)
{
    kz_store *s = kt_store_fresh(&tmp, "bank");
    if (!s)
        abort();
    /* accounts without passwords worth hashing: the bank module only reads name, role, disabled */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO accounts (name, role, password_hash, created_at) "
                         "VALUES ('al', 'analyst', 'x', '2026-01-01T00:00:00Z'), "
                         "('rev', 'reviewer', 'x', '2026-01-01T00:00:00Z'), "
                         "('old', 'admin', 'x', '2026-01-01T00:00:00Z')"), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE accounts SET disabled = 1 WHERE name = 'old'"), 0);
    return s;
}

static void cleanup(kz_store **s)
{
    kt_store_cleanup(&tmp, s);
}

/* ---- the parser ---------------------------------------------------------- */

typedef struct rows {
    char text[4096];
    size_t n;
} rows;

static int collect(void *ctx, const kz_bank_row *r)
{
    rows *c = ctx;
    size_t l = strlen(c->text);
    if (r->why)
        snprintf(c->text + l, sizeof c->text - l, "%u bad %s\n", r->line, r->why);
    else
        snprintf(c->text + l, sizeof c->text - l, "%u %s %s [%s]\n", r->line,
                 kz_bank_type_name(r->type), r->signal, r->tags);
    c->n++;
    return 0;
}

KT_TEST(bank_parse_layouts)
{
    rows c = { "", 0 };
    const char csv[] =
        "Signal_Type,signal,tags\r\n"
        "# a comment\r\n"
        "\r\n"
        "md5, D41D8CD98F00B204E9800998ECF8427E ,\"a, \"\"b\"\"\"\r\n"
        "simhash,0123456789abcdef\n"
        "sha256,00,x\n"
        "pdq,1,2,3\n"
        "video_md5,d41d8cd98f00b204e9800998ecf8427e,x\n"
        "md5,d41d8cd98f00b204e9800998ecf8427e,\"open\n"
        "md5,d41d8cd98f00b204e9800998ecf8427e,a\"b\n"
        "md5\n"
        "md5,d41d8cd98f00b204e9800998ecf8427e,\x01\n"
        "md5,d41d8cd98f00b204e9800998ecf8427e,\xff\n"
        "simhash,fedcba9876543210,last";
    KT_EQ_INT(kz_bank_parse(csv, sizeof csv - 1, collect, &c), 0);
    KT_EQ_STR(c.text,
              "4 md5 d41d8cd98f00b204e9800998ecf8427e [a, \"b\"]\n"
              "5 simhash 0123456789abcdef []\n"
              "6 bad not a sha256 signal (64 hex digits)\n"
              "7 bad more than 3 fields (quote tags that hold the separator)\n"
              "8 bad unknown signal type (pdq, sha256, md5, simhash)\n"
              "9 bad unterminated quoted field\n"
              "10 bad quote inside an unquoted field\n"
              "11 bad expected signal_type,signal,tags\n"
              "12 bad tags are not UTF-8 text (or hold control characters)\n"
              "13 bad tags are not UTF-8 text (or hold control characters)\n"
              "14 simhash fedcba9876543210 [last]\n");

    /* TSV (no header): commas in tags need no quotes */
    rows t = { "", 0 };
    const char tsv[] = "md5\td41d8cd98f00b204e9800998ecf8427e\tone, two\n"
                       "simhash\t0123456789ABCDEF\t\n";
    KT_EQ_INT(kz_bank_parse(tsv, sizeof tsv - 1, collect, &t), 0);
    KT_EQ_STR(t.text, "1 md5 d41d8cd98f00b204e9800998ecf8427e [one, two]\n"
                      "2 simhash 0123456789abcdef []\n");
    rows e = { "", 0 };
    KT_EQ_INT(kz_bank_parse("", 0, collect, &e), 0);
    KT_EQ_INT(e.n, 0);
}

/* ---- create, import, export, audit --------------------------------------- */

static void bad_line(void *ctx, unsigned line, const char *why)
{
    char *s = ctx;
    size_t l = strlen(s);
    snprintf(s + l, 512 - l, "%u:%s;", line, why);
}

static int64_t audit_count(kz_store *s, const char *action)
{
    int64_t n = -1;
    kz_dbval p[] = { kz_dbstr(action) };
    kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM audit_log WHERE action = $1", p, 1, &n);
    return n;
}

KT_TEST(bank_create_import_export)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    int64_t id = 0;
    if (!s) return;
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    KT_EQ_INT(kz_bank_create(b, "al", "known", KZ_BANK_MD5, -1, 0, &id), 0);
    KT_EQ_INT(kz_bank_create(b, "al", "known", KZ_BANK_MD5, -1, 0, &id), KZ_ESTATE);
    KT_EQ_INT(kz_bank_create(b, "al", "Bad Name", KZ_BANK_MD5, -1, 0, &id), KZ_EINVAL);
    KT_EQ_INT(kz_bank_create(b, "al", "md5-thr", KZ_BANK_MD5, 3, 0, &id), KZ_EINVAL);
    KT_EQ_INT(kz_bank_create(b, "rev", "x", KZ_BANK_MD5, -1, 0, &id), KZ_EPERM);
    KT_EQ_INT(kz_bank_create(b, "old", "x", KZ_BANK_MD5, -1, 0, &id), KZ_EPERM);
    KT_EQ_INT(kz_bank_create(b, "nobody", "x", KZ_BANK_MD5, -1, 0, &id), KZ_EPERM);

    const char canon[] =
        "signal_type,signal,tags\n"
        "md5,d41d8cd98f00b204e9800998ecf8427e,\"empty, file\"\n"
        "md5,0cc175b9c0f1b6a831c399e269772661,a\n"
        "md5,900150983cd24fb0d6963f7d28e17f72,\n"
        "md5,e2fc714c4727ee9395f324cd2e7f331f,\"say \"\"hi\"\"\"\n"
        "md5,7215ee9c7d9dc229d2921a40e899ec5f,\" padded \"\n"
        "md5,c4ca4238a0b923820dcc509a6f75849b,café\n";
    char bad[512] = "";
    kz_bank_import_report rep;
    KT_EQ_INT(kz_bank_import(b, "al", "known", canon, sizeof canon - 1, bad_line, bad, &rep), 0);
    KT_EQ_INT(rep.added, 6);
    KT_EQ_INT(rep.bad, 0);
    KT_EQ_STR(bad, "");

    kz_buf out;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_bank_export(b, "known", &out), 0);
    KT_EQ_STR(out.p, canon);                         /* byte for byte */

    /* again, with duplicates, bad rows and another type: the good ones land */
    const char more[] = "md5,D41D8CD98F00B204E9800998ECF8427E,dup\n"
                        "md5,nothex,x\n"
                        "pdq,0000000000000000000000000000000000000000000000000000000000000000,x\n"
                        "md5,c81e728d9d4c2f636f067f89cc14862c,two\n";
    KT_EQ_INT(kz_bank_import(b, "al", "known", more, sizeof more - 1, bad_line, bad, &rep), 0);
    KT_EQ_INT(rep.added, 1);
    KT_EQ_INT(rep.duplicates, 1);
    KT_EQ_INT(rep.bad, 2);
    KT_EQ_STR(bad, "2:not an md5 signal (32 hex digits);3:signal type differs from the bank's;");
    KT_EQ_INT(kz_bank_import(b, "rev", "known", more, sizeof more - 1, NULL, NULL, &rep), KZ_EPERM);
    KT_EQ_INT(kz_bank_import(b, "al", "nothing", more, sizeof more - 1, NULL, NULL, &rep),
              KZ_ENOTFOUND);

    /* the round trip of the export through a second bank */
    KT_EQ_INT(kz_bank_create(b, "al", "copy", KZ_BANK_MD5, 0, 0, &id), 0);
    kz_buf_reset(&out);
    KT_EQ_INT(kz_bank_export(b, "known", &out), 0);
    char *first = kz_strdup(out.p);
    KT_EQ_INT(kz_bank_import(b, "al", "copy", first, strlen(first), NULL, NULL, &rep), 0);
    KT_EQ_INT(rep.added, 7);
    kz_buf_reset(&out);
    KT_EQ_INT(kz_bank_export(b, "copy", &out), 0);
    KT_EQ_STR(out.p, first);
    free(first);

    int added = 0;
    KT_EQ_INT(kz_bank_add(b, "al", "known", "C4CA4238A0B923820DCC509A6F75849B", "x", "import",
                          &added), 0);
    KT_EQ_INT(added, 0);
    KT_EQ_INT(kz_bank_add(b, "al", "known", "eccbc87e4b5ce2fe28308fd9f2a7baf3", "three",
                          "decision:12", &added), 0);
    KT_EQ_INT(added, 1);
    KT_EQ_INT(kz_bank_add(b, "al", "known", "eccbc87e4b5ce2fe28308fd9f2a7baf3", "", "manual",
                          &added), KZ_EINVAL);

    kz_bank_info *v = NULL;
    size_t n = 0;
    KT_EQ_INT(kz_bank_list(b, &v, &n), 0);
    KT_EQ_INT(n, 2);
    if (n == 2) {
        KT_EQ_STR(v[0].name, "copy");
        KT_EQ_INT(v[0].threshold, 0);
        KT_EQ_INT(v[1].entries, 8);
    }
    free(v);

    KT_EQ_INT(audit_count(s, "bank.create"), 2);
    KT_EQ_INT(audit_count(s, "bank.import"), 3);     /* refused imports leave nothing */
    KT_EQ_INT(audit_count(s, "bank.add"), 1);        /* the duplicate changed nothing */
    int64_t ok = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM audit_log WHERE action = "
                        "'bank.import' AND actor = 'al' AND after_state LIKE "
                        "'{\"added\":1,\"duplicates\":1,\"bad\":2,\"first_id\":%'", NULL, 0, &ok), 0);
    KT_EQ_INT(ok, 1);
    kz_buf_release(&out);
    kz_bank_close(&b);
    cleanup(&s);
}

/* ---- matching ------------------------------------------------------------ */

static void flip_range(kz_pdq_hash *h, int from, int n);
static void flip_bits(kz_pdq_hash *h, int n) { flip_range(h, 0, n); }

static void test_image(uint8_t *px, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * w + x] = (uint8_t)((x * 7 + y * 3 + ((x / 8) ^ (y / 5)) * 40 + (x * y) % 31) & 0xff);
}

static void flip_range(kz_pdq_hash *h, int from, int n)
{
    for (int i = from; i < n; i++)
        h->w[(i * 37 % 256) >> 4] ^= (uint16_t)(1u << ((i * 37 % 256) & 15));
}

KT_TEST(bank_match_pdq_dihedral_allow)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    int64_t id;
    if (!s) return;
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    uint8_t px[64 * 64];
    test_image(px, 64, 64);
    kz_pdq_hash v[8];
    int q = 0;
    KT_EQ_INT(kz_pdq_hash_pixels(px, 64, 64, 1, 64, 0, v, 8, &q), 0);
    char hex[8][KZ_PDQ_HEXLEN + 1];
    const char *qs[8];
    for (int i = 0; i < 8; i++) {
        kz_pdq_to_hex(&v[i], hex[i]);
        qs[i] = hex[i];
    }
    KT_EQ_INT(kz_bank_create(b, "al", "pdq-block", KZ_BANK_PDQ, -1, 0, &id), 0);
    /* the bank holds each variant, 20 bits off; and one 40 bits off */
    kz_buf csv;
    kz_buf_init(&csv, KZ_BUF_NOLIMIT);
    for (int i = 0; i < 8; i++) {
        kz_pdq_hash h = v[i];
        char e[KZ_PDQ_HEXLEN + 1], tags[24];
        flip_bits(&h, 20);
        kz_pdq_to_hex(&h, e);
        snprintf(tags, sizeof tags, "variant%d", i);
        KT_EQ_INT(kz_bank_format_row(&csv, KZ_BANK_PDQ, e, tags), 0);
    }
    kz_bank_import_report rep;
    KT_EQ_INT(kz_bank_import(b, "al", "pdq-block", csv.p, csv.len, NULL, NULL, &rep), 0);
    KT_EQ_INT(rep.added, 8);

    const kz_bank_result *r = NULL;
    /* each variant alone as a query finds its own entry at 20 */
    for (int i = 0; i < 8; i++) {
        KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, &qs[i], 1, &r), 0);
        int found = 0;
        for (size_t k = 0; r && k < r->n; k++)
            if (r->v[k].distance == 20 && r->v[k].tags[7] == '0' + i)
                found = 1;
        KT_CHECK(found);
    }
    /* an image's 8 variants as one query: all 8 entries, each at 20 */
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, qs, 8, &r), 0);
    KT_EQ_INT(r->nblock, 8);
    KT_EQ_INT(r->suppressed, 0);
    for (size_t k = 0; k < r->n; k++) {
        KT_EQ_INT(r->v[k].distance, 20);
        KT_EQ_STR(r->v[k].bank, "pdq-block");
    }
    /* past the threshold: nothing */
    kz_pdq_hash far = v[0];
    char farhex[KZ_PDQ_HEXLEN + 1];
    const char *fq[1] = { farhex };
    flip_range(&far, 20, 32);               /* 12 more: 32 from variant 0's entry */
    kz_pdq_to_hex(&far, farhex);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, fq, 1, &r), 0);
    for (size_t k = 0; k < r->n; k++)
        KT_CHECK(strcmp(r->v[k].tags, "variant0") != 0);
    flip_range(&far, 31, 32);               /* 31: just within */
    kz_pdq_to_hex(&far, farhex);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, fq, 1, &r), 0);
    KT_CHECK(r->n >= 1 && !strcmp(r->v[0].tags, "variant0") && r->v[0].distance == 31);

    /* an allow bank holding the original suppresses the block matches */
    int added = 0;
    KT_EQ_INT(kz_bank_create(b, "al", "pdq-fp", KZ_BANK_PDQ, 10, 1, &id), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "pdq-fp", hex[0], "known logo", "import", &added), 0);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, qs, 8, &r), 0);
    KT_EQ_INT(r->suppressed, 1);
    KT_EQ_INT(r->nblock, 8);
    KT_EQ_INT(r->n, 9);
    KT_EQ_INT(r->v[8].allow, 1);
    KT_EQ_INT(r->v[8].distance, 0);
    KT_EQ_STR(r->v[8].tags, "known logo");
    /* ... but not a query the allow bank does not match (within 10) */
    kz_pdq_hash mid = v[0];
    char midhex[KZ_PDQ_HEXLEN + 1];
    const char *mq[1] = { midhex };
    flip_bits(&mid, 25);                    /* 25 from the allow entry, 5 from variant 0's entry */
    kz_pdq_to_hex(&mid, midhex);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, mq, 1, &r), 0);
    KT_EQ_INT(r->suppressed, 0);
    KT_CHECK(r->nblock >= 1);
    if (r->nblock >= 1) KT_EQ_INT(r->v[0].distance, 5);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, fq, 0, &r), KZ_EINVAL);
    const char *badq[1] = { "xyz" };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, badq, 1, &r), KZ_EINVAL);
    kz_buf_release(&csv);
    kz_bank_close(&b);
    cleanup(&s);
}

KT_TEST(bank_match_exact_and_simhash)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    int64_t id;
    int added = 0;
    if (!s) return;
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    KT_EQ_INT(kz_bank_create(b, "al", "files", KZ_BANK_SHA256, -1, 0, &id), 0);
    KT_EQ_INT(kz_bank_create(b, "al", "files-fp", KZ_BANK_SHA256, -1, 1, &id), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "files", sha, "test", "decision:3", &added), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "files", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A09",
                          "other", "import", &added), 0);
    const kz_bank_result *r = NULL;
    const char *q[1] = { "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08" };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, q, 1, &r), 0);
    KT_EQ_INT(r->n, 1);
    KT_EQ_STR(r->v[0].signal, sha);
    KT_EQ_STR(r->v[0].tags, "test");
    KT_EQ_INT(r->v[0].distance, 0);
    const char *q2[1] = { "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a07" };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, q2, 1, &r), 0);
    KT_EQ_INT(r->n, 0);                               /* exact: one bit off is no match */
    KT_EQ_INT(kz_bank_add(b, "al", "files-fp", sha, "", "import", &added), 0);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, q, 1, &r), 0);
    KT_EQ_INT(r->suppressed, 1);

    /* simhash: a near-duplicate text is within 14 bits, an unrelated one is not */
    kz_simhash *sh = kz_simhash_new();
    uint64_t h1 = 0, h2 = 0, h3 = 0;
    const char t1[] = "Закладки в Алматы: мефедрон, гашиш, доставка круглосуточно, пишите в телеграм @shop_kz_24 быстро и надёжно";
    const char t2[] = "Закладки в Алматы: мефедрон, гашиш, доставка круглосуточно, пишите в телеграм @shop_kz_24 быстро и надежно!!";
    const char t3[] = "The city council met on Tuesday to discuss the new bus routes and the budget for parks next year";
    KT_EQ_INT(kz_simhash_text(sh, t1, sizeof t1 - 1, &h1), 0);
    KT_EQ_INT(kz_simhash_text(sh, t2, sizeof t2 - 1, &h2), 0);
    KT_EQ_INT(kz_simhash_text(sh, t3, sizeof t3 - 1, &h3), 0);
    kz_simhash_free(sh);
    char x1[17], x2[17], x3[17];
    kz_simhash_to_hex(h1, x1);
    kz_simhash_to_hex(h2, x2);
    kz_simhash_to_hex(h3, x3);
    KT_EQ_INT(kz_bank_create(b, "al", "texts", KZ_BANK_SIMHASH, -1, 0, &id), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "texts", x1, "drugs ad", "decision:7", &added), 0);
    const char *sq[1] = { x2 };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SIMHASH, sq, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    if (r->n) KT_EQ_INT(r->v[0].distance, kz_simhash_distance(h1, h2));
    sq[0] = x3;
    int far = kz_simhash_distance(h1, h3) > 14;
    KT_CHECK(far);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SIMHASH, sq, 1, &r), 0);
    KT_EQ_INT(r->n, 0);
    /* a bank changed after it was loaded is reloaded */
    KT_EQ_INT(kz_bank_add(b, "al", "texts", x3, "council", "import", &added), 0);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SIMHASH, sq, 1, &r), 0);
    KT_EQ_INT(r->n, 1);
    kz_bank_close(&b);
    cleanup(&s);
}

/* ---- origins, cheap checks, decisions ------------------------------------ */

KT_TEST(bank_hit_origin_and_any_block)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    int64_t id;
    int added = 0;
    if (!s) return;
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    /* no banks, then only an allow bank, then an empty block bank: nothing to hash for */
    KT_EQ_INT(kz_bank_any_block(b, KZ_BANK_SHA256), 0);
    KT_EQ_INT(kz_bank_create(b, "al", "ok-files", KZ_BANK_SHA256, -1, 1, &id), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "ok-files", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                          "", "import", &added), 0);
    KT_EQ_INT(kz_bank_create(b, "al", "drugs-sha256", KZ_BANK_SHA256, -1, 0, &id), 0);
    KT_EQ_INT(kz_bank_any_block(b, KZ_BANK_SHA256), 0);
    const char *sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    KT_EQ_INT(kz_bank_add(b, "al", "drugs-sha256", sha, "drugs", "decision:3", &added), 0);
    KT_EQ_INT(kz_bank_any_block(b, KZ_BANK_SHA256), 1);
    KT_EQ_INT(kz_bank_any_block(b, KZ_BANK_MD5), 0);
    /* a hit carries its entry's origin and tags (no second query) */
    const kz_bank_result *r = NULL;
    const char *q[1] = { sha };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, q, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    if (r->n) {
        KT_EQ_STR(r->v[0].origin, "decision:3");
        KT_EQ_STR(r->v[0].tags, "drugs");
    }
    /* loaded banks (simhash, pdq) too */
    KT_EQ_INT(kz_bank_create(b, "al", "t", KZ_BANK_SIMHASH, -1, 0, &id), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "t", "00000000000000ff", "x", "decision:44", &added), 0);
    KT_EQ_INT(kz_bank_add(b, "al", "t", "ffffffffffffff00", "y", "import", &added), 0);
    const char *sq[1] = { "000000000000000f" };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SIMHASH, sq, 1, &r), 0);
    KT_EQ_INT(r->n, 1);
    if (r->n) {
        KT_EQ_STR(r->v[0].origin, "decision:44");
        KT_EQ_INT(r->v[0].distance, 4);
    }
    kz_bank_close(&b);
    /* a second handle sees what the first one added (the list is per handle) */
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    KT_EQ_INT(kz_bank_any_block(b, KZ_BANK_SIMHASH), 1);
    kz_bank_close(&b);
    cleanup(&s);
}

KT_TEST(bank_remove_decision)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    int added = 0;
    size_t removed = 0;
    if (!s) return;
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    const char *a = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const char *c = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_bank_add_tx(b, "rev", "drugs-sha256", KZ_BANK_SHA256, a, "drugs", "decision:5", &added), 0);
    KT_EQ_INT(added, 1);
    KT_EQ_INT(kz_bank_add_tx(b, "rev", "drugs-text", KZ_BANK_SIMHASH, "0123456789abcdef", "drugs",
                             "decision:5", &added), 0);
    KT_EQ_INT(kz_bank_add_tx(b, "rev", "drugs-sha256", KZ_BANK_SHA256, c, "drugs", "decision:6", &added), 0);
    KT_EQ_INT(kz_bank_add_tx(b, "rev", "drugs-text", KZ_BANK_SIMHASH, "fedcba9876543210", "drugs",
                             "decision:50", &added), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    /* matched once, so the simhash bank is loaded before the removal */
    const kz_bank_result *r = NULL;
    const char *qa[1] = { a }, *qc[1] = { c }, *qs[1] = { "0123456789abcdef" };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SIMHASH, qs, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, qa, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);

    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_bank_remove_decision_tx(b, "bob", 5, &removed), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(removed, 2);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, qa, 1, &r), 0);
    KT_EQ_INT(r->n, 0);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SIMHASH, qs, 1, &r), 0);
    KT_EQ_INT(r->n, 0);
    /* another decision's entries stay (decision:50 is not decision:5) */
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, qc, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    if (r->n) KT_EQ_STR(r->v[0].origin, "decision:6");
    int64_t left = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM bank_entries", NULL, 0, &left), 0);
    KT_EQ_INT(left, 2);
    /* each removal is audited, with what was removed */
    KT_EQ_INT(audit_count(s, "bank.remove"), 2);
    int64_t hasit = 0;
    kz_dbval p[] = { kz_dbstr("%ba7816bf8f01cfea%decision:5%") };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM audit_log WHERE action = 'bank.remove' "
                        "AND actor = 'bob' AND before_state LIKE $1", p, 1, &hasit), 0);
    KT_EQ_INT(hasit, 1);
    /* nothing left of decision 5: a second reversal removes nothing */
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_bank_remove_decision_tx(b, "bob", 5, &removed), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(removed, 0);
    kz_bank_close(&b);
    cleanup(&s);
}

/* Two decisions on the same content: reversing the first leaves the entry
 * in the bank, given to the second (audited bank.reassign); reversing the
 * second too takes it out. */
KT_TEST(bank_reversal_keeps_shared_entry)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    int added = 0;
    size_t removed = 9;
    if (!s) return;
    kz_db *db = kz_store_db(s);
    const char *a = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    for (int k = 1; k <= 2; k++) {             /* items 1 and 2, cases 1 and 2, decisions 1 and 2 */
        char sql[3][400];
        snprintf(sql[0], sizeof sql[0],
                 "INSERT INTO items (url, canonical_url, content_sha256, first_seen, last_seen) "
                 "VALUES ('https://x.kz/%d', 'https://x.kz/%d', '%s', '2026-01-01T00:00:00Z', "
                 "'2026-01-01T00:00:00Z')", k, k, a);
        snprintf(sql[1], sizeof sql[1],
                 "INSERT INTO cases (item_id, category, state, score, opened_at, updated_at) "
                 "VALUES (%d, 'drugs', 'decided', 50, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", k);
        snprintf(sql[2], sizeof sql[2],
                 "INSERT INTO decisions (case_id, measure, starts_at, automated_detection, decided_by, "
                 "decided_at) VALUES (%d, 'removal_request', '2026-01-01T00:00:00Z', 0, "
                 "(SELECT id FROM accounts WHERE name = 'rev'), '2026-01-01T00:00:00Z')", k);
        for (int q = 0; q < 3; q++)
            KT_EQ_INT(kz_db_exec(db, sql[q]), 0);
    }
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_bank_add_tx(b, "rev", "drugs-sha256", KZ_BANK_SHA256, a, "drugs", "decision:1", &added), 0);
    KT_EQ_INT(kz_bank_add_tx(b, "rev", "drugs-sha256", KZ_BANK_SHA256, a, "drugs", "decision:2", &added), 0);
    KT_EQ_INT(added, 0);                    /* one entry, with the first origin */
    KT_EQ_INT(kz_db_exec(db, "UPDATE decisions SET reversed_at = '2026-02-01T00:00:00Z' WHERE id = 1"), 0);
    KT_EQ_INT(kz_bank_remove_decision_tx(b, "bob", 1, &removed), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(removed, 0);
    const kz_bank_result *r = NULL;
    const char *qa[1] = { a };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, qa, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    if (r->n) KT_EQ_STR(r->v[0].origin, "decision:2");
    KT_EQ_INT(audit_count(s, "bank.reassign"), 1);
    KT_EQ_INT(audit_count(s, "bank.remove"), 0);
    /* the second reversed too: nothing stands, the entry goes */
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_db_exec(db, "UPDATE decisions SET reversed_at = '2026-02-02T00:00:00Z' WHERE id = 2"), 0);
    KT_EQ_INT(kz_bank_remove_decision_tx(b, "bob", 2, &removed), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(removed, 1);
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_SHA256, qa, 1, &r), 0);
    KT_EQ_INT(r->n, 0);
    kz_bank_close(&b);
    cleanup(&s);
}

KT_TEST(bank_add_media_tx)
{
    kz_store *s = fresh();
    kz_banks *b = NULL;
    size_t added = 0;
    if (!s) return;
    KT_EQ_INT(kz_bank_open(&b, s), 0);
    uint8_t px[64 * 64];
    test_image(px, 64, 64);
    kz_pdq_hash v[8];
    int q = 0;
    KT_EQ_INT(kz_pdq_hash_pixels(px, 64, 64, 1, 64, 0, v, 8, &q), 0);
    char hex[8][KZ_PDQ_HEXLEN + 1];
    for (int i = 0; i < 8; i++)
        kz_pdq_to_hex(&v[i], hex[i]);
    kz_item_in it = { "https://x.example/1", 19, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "t", 1, NULL };
    kz_ingest_out out;
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &it, NULL, 0, NULL, 0, &out), 0);
    kz_media_in m1 = { "a.png", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                       "900150983cd24fb0d6963f7d28e17f72", hex[0], 80 };
    kz_media_in m2 = { "b.png", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                       "d41d8cd98f00b204e9800998ecf8427e", NULL, 0 };
    KT_EQ_INT(kz_media_add(s, out.item_id, &m1), 0);
    KT_EQ_INT(kz_media_add(s, out.item_id, &m1), 0);         /* the same bytes: kept once */
    KT_EQ_INT(kz_media_add(s, out.item_id, &m2), 0);
    KT_EQ_INT(kz_bank_add_media_tx(b, "rev", out.item_id, "drugs", "decision:9", &added), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(added, 5);                    /* 1 PDQ (b.png did not decode), 2 SHA-256, 2 MD5 */
    /* the rotated image's hashes, as one query, find the banked original */
    const kz_bank_result *r = NULL;
    const char *qs[8];
    for (int i = 0; i < 8; i++)
        qs[i] = hex[(i + 1) % 8];
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_PDQ, qs, 8, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    if (r->n) {
        KT_EQ_STR(r->v[0].bank, "drugs-pdq");
        KT_EQ_STR(r->v[0].origin, "decision:9");
        KT_EQ_STR(r->v[0].tags, "drugs");
        KT_EQ_INT(r->v[0].distance, 0);
    }
    const char *mq[1] = { "d41d8cd98f00b204e9800998ecf8427e" };
    KT_EQ_INT(kz_bank_match(b, KZ_BANK_MD5, mq, 1, &r), 0);
    KT_EQ_INT(r->nblock, 1);
    if (r->n) KT_EQ_STR(r->v[0].bank, "drugs-md5");
    KT_EQ_INT(audit_count(s, "bank.add"), 5);
    kz_bank_close(&b);
    cleanup(&s);
}
