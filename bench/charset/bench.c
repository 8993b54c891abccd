/*
 * bench/charset/bench.c - how often a charset detector names the right
 * charset for short kk/ru/en texts that declare none: libuchardet, ICU's
 * ucsdet and kuzet's own choice (kz_charset_decode without a declaration),
 * on the same bytes.  "Right" means the bytes read in the charset named are
 * the text (so ASCII text is right in any ASCII-compatible charset).
 *
 *   bench/charset/run            (builds this and runs it on texts.txt)
 *
 * Kazakh letters (ә ғ қ ң ө ұ ү һ і) exist only in UTF-8, KZ-1048 and
 * PT154: for windows-1251, KOI8-R, CP866 and ISO-8859-5 the Kazakh texts
 * are written the way people did on such systems, each letter replaced by
 * the Russian (or Latin і) one it looks like; that is what such pages hold.
 */

#include "ingest/charset.h"
#include "util/buf.h"
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>
#include <unicode/ucsdet.h>

#define MAXT 256

static char *texts[3][MAXT];
static size_t ntexts[3];
static const char *langs[3] = { "ru", "kk", "en" };

static const char *charsets[] = { "UTF-8", "WINDOWS-1251", "KOI8-R", "IBM866", "ISO-8859-5", "RK1048" };
#define NCS (sizeof charsets / sizeof *charsets)
static const size_t sizes[] = { 0, 256, 1024, 2048 };   /* 0: one text */
#define NSZ (sizeof sizes / sizeof *sizes)

/* Kazakh letters the 8-bit Russian code pages lack, and what replaces them */
static const char *kzsub[][2] = {
    { "ә", "а" }, { "ғ", "г" }, { "қ", "к" }, { "ң", "н" }, { "ө", "о" }, { "ұ", "у" },
    { "ү", "у" }, { "һ", "х" }, { "і", "i" }, { "Ә", "А" }, { "Ғ", "Г" }, { "Қ", "К" },
    { "Ң", "Н" }, { "Ө", "О" }, { "Ұ", "У" }, { "Ү", "У" }, { "Һ", "Х" }, { "І", "I" },
};

static char *substitute(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1), *w = o;
    while (*s) {
        size_t k;
        for (k = 0; k < sizeof kzsub / sizeof *kzsub; k++) {
            size_t l = strlen(kzsub[k][0]);
            if (!strncmp(s, kzsub[k][0], l)) {
                size_t m = strlen(kzsub[k][1]);
                memcpy(w, kzsub[k][1], m);
                w += m;
                s += l;
                break;
            }
        }
        if (k == sizeof kzsub / sizeof *kzsub)
            *w++ = *s++;
    }
    *w = '\0';
    return o;
}

/* s converted from -> to, or NULL when it cannot be */
static char *conv(const char *from, const char *to, const char *s, size_t n, size_t *outn)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = n * 4 + 16, left = cap;
    char *o = malloc(cap), *w = o, *in = (char *)s;
    size_t inl = n;
    size_t r = iconv(cd, &in, &inl, &w, &left);
    iconv_close(cd);
    if (r == (size_t)-1 || inl) {
        free(o);
        return NULL;
    }
    *w = '\0';
    *outn = (size_t)(w - o);
    return o;
}

static const char *iconv_name(const char *det)
{
    if (!det || !*det)
        return NULL;
    if (!strcasecmp(det, "ASCII"))
        return "UTF-8";
    if (!strcasecmp(det, "kz-1048"))
        return "RK1048";
    return det;
}

/* the detector's answer decodes bytes to the text */
static int right(const char *det, const char *bytes, size_t n, const char *utf8)
{
    const char *nm = iconv_name(det);
    size_t on;
    if (!nm)
        return 0;
    char *back = conv(nm, "UTF-8", bytes, n, &on);
    int ok = back && on == strlen(utf8) && !memcmp(back, utf8, on);
    free(back);
    return ok;
}

int main(int argc, char **argv)
{
    FILE *f = fopen(argc > 1 ? argv[1] : "bench/charset/texts.txt", "r");
    char line[4096];
    if (!f) {
        perror("texts");
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        for (int l = 0; l < 3; l++)
            if (!strncmp(line, langs[l], 2) && line[2] == '\t' && ntexts[l] < MAXT)
                texts[l][ntexts[l]++] = strdup(line + 3);
    }
    fclose(f);
    uchardet_t ud = uchardet_new();
    UErrorCode ue = U_ZERO_ERROR;
    UCharsetDetector *icu = ucsdet_open(&ue);
    kz_charset *cs = NULL;
    kz_charset_new(&cs);
    size_t tot[3] = { 0 }, all = 0;
    printf("%-4s %-13s %-6s %6s %9s %6s %6s\n", "lang", "charset", "size", "texts", "uchardet", "ICU",
           "kuzet");
    for (int l = 0; l < 3; l++)
        for (size_t c = 0; c < NCS; c++)
            for (size_t z = 0; z < NSZ; z++) {
                size_t ok[3] = { 0 }, n = 0;
                for (size_t i = 0; i < ntexts[l]; i++) {
                    kz_buf t;
                    kz_buf_init(&t, KZ_BUF_NOLIMIT);
                    for (size_t k = 0; k == 0 || t.len < sizes[z]; k++) {
                        if (k)
                            kz_buf_addc(&t, ' ');
                        kz_buf_adds(&t, texts[l][(i + k) % ntexts[l]]);
                    }
                    char *u = (c == 0 || !strcmp(charsets[c], "RK1048")) ? strdup(t.p) : substitute(t.p);
                    kz_buf_release(&t);
                    size_t bn;
                    char *b = conv("UTF-8", charsets[c], u, strlen(u), &bn);
                    if (!b) {
                        free(u);
                        continue;
                    }
                    n++;
                    uchardet_reset(ud);
                    uchardet_handle_data(ud, b, bn);
                    uchardet_data_end(ud);
                    ok[0] += right(uchardet_get_charset(ud), b, bn, u);
                    ue = U_ZERO_ERROR;
                    ucsdet_setText(icu, b, (int32_t)bn, &ue);
                    const UCharsetMatch *m = ucsdet_detect(icu, &ue);
                    const char *in = U_SUCCESS(ue) && m ? ucsdet_getName(m, &ue) : NULL;
                    ok[1] += right(U_SUCCESS(ue) ? in : NULL, b, bn, u);
                    kz_buf o;
                    kz_charset_info ci;
                    kz_buf_init(&o, KZ_BUF_NOLIMIT);
                    kz_charset_decode(cs, b, bn, NULL, KZ_CHARSET_TEXT, &o, &ci);
                    ok[2] += o.p && o.len == strlen(u) && !memcmp(o.p, u, o.len);
                    kz_buf_release(&o);
                    free(b);
                    free(u);
                }
                if (!n)
                    continue;
                char szs[16];
                snprintf(szs, sizeof szs, sizes[z] ? "%zu" : "one", sizes[z]);
                printf("%-4s %-13s %-6s %6zu %8.1f%% %5.1f%% %5.1f%%\n", langs[l],
                       !strcmp(charsets[c], "RK1048") ? "KZ-1048" : charsets[c], szs, n,
                       100.0 * ok[0] / n, 100.0 * ok[1] / n, 100.0 * ok[2] / n);
                tot[0] += ok[0];
                tot[1] += ok[1];
                tot[2] += ok[2];
                all += n;
            }
    printf("all  %27zu %8.1f%% %5.1f%% %5.1f%%\n", all, 100.0 * tot[0] / all, 100.0 * tot[1] / all,
           100.0 * tot[2] / all);
    kz_charset_free(&cs);
    uchardet_delete(ud);
    ucsdet_close(icu);
    return 0;
}
