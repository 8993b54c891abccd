/*
 * tests/t_bankquery.c - what a file is matched against the hash banks as
 * (pipeline/bankquery.h): an image gets its 8 PDQ variants, text its
 * SimHash, anything its SHA-256 and MD5 (values from sha256sum and
 * md5sum: printf %s 'hello world' | sha256sum).
 */
#include "kt.h"
#include "imggen.h"
#include "pipeline/bankquery.h"
#include "store/bank.h"
#include <stdlib.h>

KT_TEST(bankquery_text_binary_image)
{
    kz_simhash *sh = kz_simhash_new();
    kz_bankqs q;
    KT_CHECK(sh != NULL);
    KT_EQ_INT(kz_bankq_content("hello world", 11, sh, NULL, &q), 0);
    KT_EQ_INT(q.n, 3);
    KT_EQ_INT(q.v[0].type, KZ_BANK_SIMHASH);
    KT_EQ_INT(strlen(q.v[0].q[0]), 16);
    KT_EQ_INT(q.v[1].type, KZ_BANK_SHA256);
    KT_EQ_STR(q.v[1].q[0], "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    KT_EQ_INT(q.v[2].type, KZ_BANK_MD5);
    KT_EQ_STR(q.v[2].q[0], "5eb63bbbe01eeed093cb22bb8f5acdc3");
    KT_EQ_STR(q.image_why, "");

    /* bytes that are not text: only the exact hashes */
    KT_EQ_INT(kz_bankq_content("a\0b", 3, sh, NULL, &q), 0);
    KT_EQ_INT(q.n, 2);
    KT_EQ_INT(q.v[0].type, KZ_BANK_SHA256);

    /* an image: its 8 PDQ variants first */
    size_t n = 0;
    unsigned char *png = kt_png_grey(300, 300, 0, 0, &n);
    KT_CHECK(png != NULL);
    KT_EQ_INT(kz_bankq_content(png, n, sh, NULL, &q), 0);
    KT_EQ_INT(q.n, 3);
    KT_EQ_INT(q.v[0].type, KZ_BANK_PDQ);
    KT_EQ_INT(q.v[0].nq, KZ_PDQ_NXFORMS);
    KT_EQ_INT(strlen(q.v[0].q[7]), KZ_PDQ_HEXLEN);
    KT_EQ_INT(q.v[1].type, KZ_BANK_SHA256);
    /* the same image cut short: it does not decode, and says why */
    KT_EQ_INT(kz_bankq_content(png, n / 2, sh, NULL, &q), 0);
    KT_CHECK(q.image_why[0] != '\0');
    KT_EQ_INT(q.n, 2);
    free(png);
    kz_simhash_free(sh);
}
