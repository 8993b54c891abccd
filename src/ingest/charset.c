/*
 * ingest/charset.c - charset sniffing (BOM, header, <meta>, <?xml?>) and
 * conversion to UTF-8 with iconv.
 *
 * The label table is the WHATWG Encoding Standard's, cut to what iconv
 * (glibc) converts, plus the two Kazakh code pages (PT154, RK1048) that
 * Kazakh sites still use.  UTF-7 and other labels browsers refuse are not
 * in it: an unknown label is ignored, never passed to iconv_open.
 * The <meta> prescan follows the WHATWG "prescan a byte stream" steps over
 * the first KZ_CHARSET_PRESCAN bytes: comments skipped, tags skipped with
 * their attributes (so a '>' inside a quoted value does not end them).
 */
#include "ingest/charset.h"
#include "util/utf8.h"
#include <errno.h>
#include <iconv.h>
#include <strings.h>
#include <uchardet.h>

struct kz_charset {
    iconv_t     cd;                 /* (iconv_t)-1 when none cached */
    const char *cd_name;            /* the iconv name cd converts from */
    kz_buf      tmp;                /* iconv's raw output */
};

/* canonical name, iconv name, labels (lower case, space separated) */
static const struct label {
    const char *name, *iconv, *labels;
} labels[] = {
    { "utf-8", "UTF-8", "utf-8 utf8 unicode-1-1-utf-8 unicode11utf8 unicode20utf8 x-unicode20utf8" },
    { "windows-1251", "WINDOWS-1251", "windows-1251 cp1251 x-cp1251" },
    { "koi8-r", "KOI8-R", "koi8-r koi8_r koi8 koi cskoi8r" },
    { "koi8-u", "KOI8-U", "koi8-u koi8-ru" },
    { "windows-1252", "WINDOWS-1252",
      "windows-1252 cp1252 x-cp1252 iso-8859-1 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 "
      "iso-ir-100 l1 latin1 csisolatin1 ibm819 cp819 ascii us-ascii ansi_x3.4-1968" },
    { "ibm866", "IBM866", "ibm866 cp866 866 csibm866" },
    { "iso-8859-5", "ISO-8859-5",
      "iso-8859-5 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988 iso-ir-144 cyrillic "
      "csisolatincyrillic" },
    { "x-mac-cyrillic", "MAC-CYRILLIC", "x-mac-cyrillic x-mac-ukrainian" },
    { "pt154", "PT154", "pt154 ptcp154 cp154 csptcp154 pt-154" },
    { "kz-1048", "RK1048", "kz-1048 rk1048 strk1048-2002" },
    { "iso-8859-2", "ISO-8859-2",
      "iso-8859-2 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 iso-ir-101 l2 latin2 csisolatin2" },
    { "iso-8859-3", "ISO-8859-3",
      "iso-8859-3 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 iso-ir-109 l3 latin3 csisolatin3" },
    { "iso-8859-4", "ISO-8859-4",
      "iso-8859-4 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 iso-ir-110 l4 latin4 csisolatin4" },
    { "iso-8859-6", "ISO-8859-6",
      "iso-8859-6 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987 iso-ir-127 arabic asmo-708 "
      "csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6-e iso-8859-6-i" },
    { "iso-8859-7", "ISO-8859-7",
      "iso-8859-7 iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 iso-ir-126 greek greek8 "
      "csisolatingreek ecma-118 elot_928 sun_eu_greek" },
    { "iso-8859-8", "ISO-8859-8",
      "iso-8859-8 iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 iso-ir-138 hebrew visual "
      "csiso88598e csisolatinhebrew iso-8859-8-e iso-8859-8-i csiso88598i logical" },
    { "iso-8859-10", "ISO-8859-10",
      "iso-8859-10 iso8859-10 iso885910 iso-ir-157 l6 latin6 csisolatin6" },
    { "iso-8859-13", "ISO-8859-13", "iso-8859-13 iso8859-13 iso885913" },
    { "iso-8859-14", "ISO-8859-14", "iso-8859-14 iso8859-14 iso885914" },
    { "iso-8859-15", "ISO-8859-15",
      "iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9 csisolatin9" },
    { "iso-8859-16", "ISO-8859-16", "iso-8859-16" },
    { "windows-874", "WINDOWS-874",
      "windows-874 dos-874 iso-8859-11 iso8859-11 iso885911 tis-620" },
    { "windows-1250", "WINDOWS-1250", "windows-1250 cp1250 x-cp1250" },
    { "windows-1253", "WINDOWS-1253", "windows-1253 cp1253 x-cp1253" },
    { "windows-1254", "WINDOWS-1254",
      "windows-1254 cp1254 x-cp1254 iso-8859-9 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 "
      "iso-ir-148 l5 latin5 csisolatin5" },
    { "windows-1255", "WINDOWS-1255", "windows-1255 cp1255 x-cp1255" },
    { "windows-1256", "WINDOWS-1256", "windows-1256 cp1256 x-cp1256" },
    { "windows-1257", "WINDOWS-1257", "windows-1257 cp1257 x-cp1257" },
    { "windows-1258", "WINDOWS-1258", "windows-1258 cp1258 x-cp1258" },
    { "macintosh", "MACINTOSH", "macintosh mac csmacintosh x-mac-roman" },
    { "gbk", "GBK",
      "gbk gb2312 gb_2312 gb_2312-80 chinese csgb2312 csiso58gb231280 iso-ir-58 x-gbk" },
    { "gb18030", "GB18030", "gb18030" },
    { "big5", "BIG5-HKSCS", "big5 big5-hkscs cn-big5 csbig5 x-x-big5" },
    { "euc-jp", "EUC-JP", "euc-jp cseucpkdfmtjapanese x-euc-jp" },
    { "iso-2022-jp", "ISO-2022-JP", "iso-2022-jp csiso2022jp" },
    { "shift_jis", "CP932",
      "shift_jis shift-jis sjis csshiftjis ms932 ms_kanji windows-31j x-sjis" },
    { "euc-kr", "CP949",
      "euc-kr cseuckr csksc56011987 iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 "
      "ksc_5601 windows-949" },
    { "utf-16le", "UTF-16LE",
      "utf-16le utf-16 ucs-2 unicode unicodefeff csunicode iso-10646-ucs-2" },
    { "utf-16be", "UTF-16BE", "utf-16be unicodefffe" },
};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static const struct label *find_label(const char *s, size_t n)
{
    while (n && is_space((unsigned char)*s))
        s++, n--;
    while (n && is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= KZ_CHARSET_NAMELEN)
        return NULL;
    for (size_t i = 0; i < KZ_ARRAY_LEN(labels); i++) {
        const char *p = labels[i].labels;
        while (*p) {
            const char *e = strchr(p, ' ');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (l == n && !strncasecmp(p, s, n))
                return &labels[i];
            p += l;
            while (*p == ' ')
                p++;
        }
    }
    return NULL;
}

const char *kz_charset_canonical(const char *label, size_t n)
{
    const struct label *l = label ? find_label(label, n) : NULL;
    return l ? l->name : NULL;
}

/* ---- the sources ---- */

/* The charset= parameter of a Content-Type value: *v, *vn; 1 if found. */
static int header_charset(const char *ct, const char **v, size_t *vn)
{
    const char *p = ct ? strchr(ct, ';') : NULL;
    while (p) {
        p++;
        while (is_space((unsigned char)*p))
            p++;
        if (!strncasecmp(p, "charset", 7)) {
            const char *q = p + 7;
            while (is_space((unsigned char)*q))
                q++;
            if (*q == '=') {
                q++;
                while (is_space((unsigned char)*q))
                    q++;
                if (*q == '"' || *q == '\'') {
                    char quote = *q++;
                    const char *e = strchr(q, quote);
                    *v = q;
                    *vn = e ? (size_t)(e - q) : strlen(q);
                } else {
                    size_t l = strcspn(q, "; \t");
                    *v = q;
                    *vn = l;
                }
                return 1;
            }
        }
        p = strchr(p, ';');
    }
    return 0;
}

/* "algorithm for extracting a character encoding from a meta element" */
static int content_charset(const char *s, size_t n, const char **v, size_t *vn)
{
    size_t i = 0;
    for (;;) {
        for (; i + 7 <= n; i++)
            if (!strncasecmp(s + i, "charset", 7))
                break;
        if (i + 7 > n)
            return 0;
        i += 7;
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        if (i < n && s[i] == '=')
            break;
    }
    i++;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    if (i >= n)
        return 0;
    if (s[i] == '"' || s[i] == '\'') {
        char q = s[i++];
        size_t e = i;
        while (e < n && s[e] != q)
            e++;
        if (e >= n)
            return 0;
        *v = s + i;
        *vn = e - i;
        return 1;
    }
    size_t e = i;
    while (e < n && !is_space((unsigned char)s[e]) && s[e] != ';')
        e++;
    *v = s + i;
    *vn = e - i;
    return 1;
}

struct attr {
    const char *name, *val;
    size_t nlen, vlen;
};

/* WHATWG "get an attribute" from s[*i..n).  0 at the end of the tag. */
static int get_attr(const char *s, size_t n, size_t *i, struct attr *a)
{
    size_t p = *i;
    while (p < n && (is_space((unsigned char)s[p]) || s[p] == '/'))
        p++;
    if (p >= n || s[p] == '>') {
        *i = p;
        return 0;
    }
    a->name = s + p;
    size_t ns = p;
    if (s[p] == '=')
        p++;                             /* a name may start with '=' */
    while (p < n && s[p] != '=' && s[p] != '/' && s[p] != '>' && !is_space((unsigned char)s[p]))
        p++;
    a->nlen = p - ns;
    a->val = s + p;
    a->vlen = 0;
    while (p < n && is_space((unsigned char)s[p]))
        p++;
    if (p >= n || s[p] != '=') {
        *i = p;
        return 1;
    }
    p++;
    while (p < n && is_space((unsigned char)s[p]))
        p++;
    if (p < n && (s[p] == '"' || s[p] == '\'')) {
        char q = s[p++];
        size_t vs = p;
        while (p < n && s[p] != q)
            p++;
        a->val = s + vs;
        a->vlen = p - vs;
        if (p < n)
            p++;
    } else {
        size_t vs = p;
        while (p < n && !is_space((unsigned char)s[p]) && s[p] != '>')
            p++;
        a->val = s + vs;
        a->vlen = p - vs;
    }
    *i = p;
    return 1;
}

static int name_is(const struct attr *a, const char *name)
{
    return a->nlen == strlen(name) && !strncasecmp(a->name, name, a->nlen);
}

/* The label a <meta> in s[0..n) declares (HTML prescan). */
static int meta_charset(const char *s, size_t n, const char **v, size_t *vn)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] != '<') {
            i++;
            continue;
        }
        if (i + 4 <= n && !memcmp(s + i, "<!--", 4)) {
            const char *e = memmem(s + i + 2, n - i - 2, "-->", 3);
            if (!e)
                return 0;
            i = (size_t)(e - s) + 3;
            continue;
        }
        if (i + 6 <= n && !strncasecmp(s + i, "<meta", 5) &&
            (is_space((unsigned char)s[i + 5]) || s[i + 5] == '/')) {
            size_t p = i + 6;
            struct attr a;
            int pragma = 0, have = 0;
            const char *cv = NULL, *mv = NULL;
            size_t cvn = 0, mvn = 0;
            while (get_attr(s, n, &p, &a)) {
                if (name_is(&a, "http-equiv")) {
                    if (a.vlen == 12 && !strncasecmp(a.val, "content-type", 12))
                        pragma = 1;
                } else if (name_is(&a, "content") && !mv && !cv) {
                    if (content_charset(a.val, a.vlen, &mv, &mvn) == 0)
                        mv = NULL;
                } else if (name_is(&a, "charset") && !cv) {
                    cv = a.val;
                    cvn = a.vlen;
                    have = 1;
                }
            }
            if (have) {
                *v = cv;
                *vn = cvn;
                return 1;
            }
            if (pragma && mv) {
                *v = mv;
                *vn = mvn;
                return 1;
            }
            i = p + 1;
            continue;
        }
        if (i + 2 < n && ((s[i + 1] >= 'a' && s[i + 1] <= 'z') || (s[i + 1] >= 'A' && s[i + 1] <= 'Z') ||
                          (s[i + 1] == '/' && ((s[i + 2] | 0x20) >= 'a' && (s[i + 2] | 0x20) <= 'z')))) {
            size_t p = i + 1;
            while (p < n && !is_space((unsigned char)s[p]) && s[p] != '>')
                p++;
            struct attr a;
            while (get_attr(s, n, &p, &a))
                ;
            i = p + 1;
            continue;
        }
        if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '/' || s[i + 1] == '?')) {
            const char *e = memchr(s + i, '>', n - i);
            if (!e)
                return 0;
            i = (size_t)(e - s) + 1;
            continue;
        }
        i++;
    }
    return 0;
}

/* The encoding= of an <?xml ...?> declaration at the start of s. */
static int xml_charset(const char *s, size_t n, const char **v, size_t *vn)
{
    if (n < 6 || memcmp(s, "<?xml", 5) || !is_space((unsigned char)s[5]))
        return 0;
    const char *e = memmem(s, n, "?>", 2);
    size_t end = e ? (size_t)(e - s) : n;
    const char *p = memmem(s, end, "encoding", 8);
    if (!p)
        return 0;
    size_t i = (size_t)(p - s) + 8;
    while (i < end && is_space((unsigned char)s[i]))
        i++;
    if (i >= end || s[i] != '=')
        return 0;
    i++;
    while (i < end && is_space((unsigned char)s[i]))
        i++;
    if (i >= end || (s[i] != '"' && s[i] != '\''))
        return 0;
    char q = s[i++];
    size_t b = i;
    while (i < end && s[i] != q)
        i++;
    if (i >= end)
        return 0;
    *v = s + b;
    *vn = i - b;
    return 1;
}

/* ---- nothing declared: the bytes decide ---- */

/* Is b[0..n) UTF-8?  Every sequence valid (one cut at the very end, as a
 * body cut at --max-body is, allowed), or valid multi-byte sequences more
 * than 8 times as many as invalid bytes (a UTF-8 page with a stray byte
 * stays UTF-8, as it was read before detection existed).  Text in an 8-bit
 * Cyrillic code page almost never forms a valid multi-byte sequence. */
static int is_utf8(const unsigned char *b, size_t n)
{
    size_t multi = 0, bad = 0, i = 0;
    while (i < n) {
        if (b[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = kz_utf8_decode(b + i, n - i, &cp);
        if (k == 0) {
            if (n - i < 4 && b[i] >= 0xC2 && b[i] <= 0xF4) {   /* cut at the end? */
                size_t j = i + 1;
                while (j < n && (b[j] & 0xC0) == 0x80)
                    j++;
                if (j == n)
                    break;
            }
            bad++;
            i++;
            continue;
        }
        multi++;
        i += k;
    }
    return bad == 0 || multi > 8 * bad;
}

/*
 * KZ-1048 is windows-1251 with Kazakh letters in the places of Serbian,
 * Macedonian and Belarusian ones; no detector knows it, and they call
 * Kazakh text in it windows-1251.  Kazakh is KZ-1048 when bytes that are
 * ә қ ң һ there (ј ќ ѕ ћ in windows-1251, and their capitals) occur at
 * least twice and four times as often as љ њ џ ђ, which Serbian and
 * Macedonian text would have beside them.
 */
static int looks_kz1048(const unsigned char *b, size_t n)
{
    size_t kz = 0, sr = 0;
    for (size_t i = 0; i < n; i++)
        switch (b[i]) {
        case 0xBC: case 0x9D: case 0xBE: case 0x9E:
        case 0xA3: case 0x8D: case 0xBD: case 0x8E:
            kz++;
            break;
        case 0x9A: case 0x9C: case 0x9F: case 0x90:
        case 0x8A: case 0x8C: case 0x8F: case 0x80:
            sr++;
            break;
        }
    return kz >= 2 && kz > 4 * sr;
}

/* The charset of bytes that are not UTF-8 and declare none: libuchardet
 * (measured against ICU's detector in bench/charset: right more often on
 * short Russian and Kazakh texts, and it knows CP866), on the first
 * KZ_CHARSET_SNIFF bytes; KZ-1048 told from windows-1251 as above; when
 * libuchardet has no answer, or one kuzet has no label for, windows-1251
 * if most bytes above 0x7F are its letters, else windows-1252. */
static const struct label *guess(const unsigned char *b, size_t n)
{
    const struct label *l = NULL;
    size_t m = KZ_MIN(n, (size_t)KZ_CHARSET_SNIFF);
    uchardet_t ud = uchardet_new();
    if (ud) {
        if (uchardet_handle_data(ud, (const char *)b, m) == 0) {
            uchardet_data_end(ud);
            const char *name = uchardet_get_charset(ud);
            if (name && *name)
                l = find_label(name, strlen(name));
        }
        uchardet_delete(ud);
    }
    if (l && !strcmp(l->name, "utf-8"))
        l = NULL;                        /* it is not: is_utf8() said so */
    if (!l) {
        size_t hi = 0, cyr = 0;
        for (size_t i = 0; i < m; i++)
            if (b[i] >= 0x80) {
                hi++;
                cyr += b[i] >= 0xC0;
            }
        l = find_label(cyr * 2 > hi ? "windows-1251" : "windows-1252", 12);
    }
    if (!strcmp(l->name, "windows-1251") && looks_kz1048(b, m))
        l = find_label("kz-1048", 7);
    return l;
}

static void set_bad(kz_charset_info *info, const char *v, size_t vn)
{
    if (info->bad[0])
        return;
    size_t k = 0;
    for (size_t i = 0; i < vn && k < sizeof info->bad - 1; i++) {
        unsigned char c = (unsigned char)v[i];
        info->bad[k++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
    }
    info->bad[k] = '\0';
}

static const struct label *detect(const char *body, size_t n, const char *ct, int doc,
                                  kz_charset_info *info, size_t *skip)
{
    const unsigned char *b = (const unsigned char *)body;
    const struct label *l = NULL;
    const char *v;
    size_t vn;
    memset(info, 0, sizeof *info);
    *skip = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        l = &labels[0];
        *skip = 3;
    } else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        l = find_label("utf-16le", 8);
        *skip = 2;
    } else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        l = find_label("utf-16be", 8);
        *skip = 2;
    }
    if (l) {
        info->source = KZ_CHARSET_BOM;
        return l;
    }
    if (header_charset(ct, &v, &vn)) {
        if ((l = find_label(v, vn)) != NULL) {
            info->source = KZ_CHARSET_HEADER;
            return l;
        }
        set_bad(info, v, vn);
    }
    size_t pn = KZ_MIN(n, (size_t)KZ_CHARSET_PRESCAN);
    int found = doc == KZ_CHARSET_HTML ? meta_charset(body, pn, &v, &vn)
              : doc == KZ_CHARSET_XML ? xml_charset(body, pn, &v, &vn) : 0;
    if (found) {
        if ((l = find_label(v, vn)) != NULL) {
            /* bytes that could be read as ASCII to find this are not UTF-16 */
            if (!strncmp(l->name, "utf-16", 6))
                l = &labels[0];
            info->source = KZ_CHARSET_META;
            return l;
        }
        set_bad(info, v, vn);
    }
    if (!is_utf8(b, n)) {
        info->source = KZ_CHARSET_DETECTED;
        return guess(b, n);
    }
    info->source = KZ_CHARSET_DEFAULT;
    return &labels[0];
}

size_t kz_charset_detect(const char *body, size_t n, const char *content_type, int doc,
                         kz_charset_info *info)
{
    size_t skip;
    const struct label *l = detect(body, n, content_type, doc, info, &skip);
    snprintf(info->name, sizeof info->name, "%s", l->name);
    return skip;
}

/* ---- conversion ---- */

int kz_charset_new(kz_charset **out)
{
    kz_charset *cs = kz_calloc(1, sizeof *cs);
    if (!cs)
        return KZ_ENOMEM;
    cs->cd = (iconv_t)-1;
    kz_buf_init(&cs->tmp, KZ_BUF_NOLIMIT);
    *out = cs;
    return 0;
}

void kz_charset_free(kz_charset **cp)
{
    kz_charset *cs = cp ? *cp : NULL;
    if (!cs)
        return;
    if (cs->cd != (iconv_t)-1)
        iconv_close(cs->cd);
    kz_buf_release(&cs->tmp);
    free(cs);
    *cp = NULL;
}

/* Append s[0..n) to out with each invalid sequence (and NUL) as U+FFFD.
 * Room is made for n bytes, and 2 more for each replacement when one
 * happens, so valid text needs no more than its length under out's limit. */
static int add_clean(kz_buf *out, const char *s, size_t n, size_t *replaced)
{
    size_t len0 = out->len;
    int rc = kz_buf_grow(out, n);
    if (rc)
        return rc;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = out->len, room = KZ_MIN(out->cap - 1, out->max);   /* content bytes */
    while (i < n) {
        if (u[i] - 1u < 0x7fu) {         /* ASCII but NUL: the common case */
            out->p[o++] = (char)u[i++];
            continue;
        }
        uint32_t cp;
        size_t k = u[i] ? kz_utf8_decode(u + i, n - i, &cp) : 0;
        if (k == 0) {
            if (o + 3 + (n - i - 1) > room) {   /* 3 bytes for 1, and the rest */
                out->len = o;
                if ((rc = kz_buf_grow(out, 3 + (n - i - 1))) != 0) {
                    out->len = len0;
                    out->p[len0] = '\0';
                    return rc;
                }
                room = KZ_MIN(out->cap - 1, out->max);
            }
            memcpy(out->p + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            (*replaced)++;
            continue;
        }
        memcpy(out->p + o, u + i, k);
        o += k;
        i += k;
    }
    out->len = o;
    out->p[o] = '\0';
    return 0;
}

/* Convert with cd into tmp (raw iconv output, U+FFFD for bad input). */
static int run_iconv(iconv_t cd, int unit, const char *s, size_t n, kz_buf *tmp, size_t *replaced)
{
    kz_buf_reset(tmp);
    int rc = kz_buf_grow(tmp, n * 3 + 8);
    if (rc)
        return rc;
    iconv(cd, NULL, NULL, NULL, NULL);           /* initial state */
    char *in = (char *)s, *o = tmp->p;
    size_t inleft = n, oleft = tmp->cap - 1;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1)
            break;
        if (errno == E2BIG || oleft < 3)
            return KZ_EINTERNAL;                 /* 3 bytes out per byte in is enough */
        memcpy(o, "\xEF\xBF\xBD", 3);
        o += 3;
        oleft -= 3;
        (*replaced)++;
        if (errno == EINVAL)                     /* incomplete at the end */
            break;
        size_t step = KZ_MIN((size_t)unit, inleft);   /* EILSEQ: skip one unit */
        in += step;
        inleft -= step;
    }
    iconv(cd, NULL, NULL, &o, &oleft);           /* flush a shift state */
    tmp->len = (size_t)(o - tmp->p);
    tmp->p[tmp->len] = '\0';
    return 0;
}

int kz_charset_decode(kz_charset *cs, const char *body, size_t n, const char *content_type,
                      int doc, kz_buf *out, kz_charset_info *info)
{
    kz_charset_info local;
    kz_charset *own = NULL;
    size_t skip, len0 = out->len;
    int rc;
    if (!info)
        info = &local;
    const struct label *l = detect(body, n, content_type, doc, info, &skip);
    body += skip;
    n -= skip;
    if (l == &labels[0])
        goto utf8;
    if (!cs) {
        if ((rc = kz_charset_new(&own)) != 0)
            return rc;
        cs = own;
    }
    if (cs->cd == (iconv_t)-1 || strcmp(cs->cd_name, l->iconv) != 0) {
        if (cs->cd != (iconv_t)-1)
            iconv_close(cs->cd);
        cs->cd_name = NULL;
        cs->cd = iconv_open("UTF-8", l->iconv);
        if (cs->cd == (iconv_t)-1) {
            set_bad(info, l->name, strlen(l->name));  /* iconv lacks it */
            info->source = KZ_CHARSET_DEFAULT;
            l = &labels[0];
            kz_charset_free(&own);
            goto utf8;
        }
        cs->cd_name = l->iconv;
    }
    snprintf(info->name, sizeof info->name, "%s", l->name);
    rc = run_iconv(cs->cd, !strncmp(l->name, "utf-16", 6) ? 2 : 1, body, n, &cs->tmp,
                   &info->replaced);
    if (rc == 0)
        rc = add_clean(out, cs->tmp.p, cs->tmp.len, &info->replaced);
    if (cs->tmp.cap > (1u << 20)) {              /* do not keep a big page's buffer */
        kz_buf_release(&cs->tmp);
        kz_buf_init(&cs->tmp, KZ_BUF_NOLIMIT);
    }
    kz_charset_free(&own);
    if (rc) {
        out->len = len0;
        if (out->p)
            out->p[len0] = '\0';
    }
    return rc;
utf8:
    snprintf(info->name, sizeof info->name, "%s", l->name);
    rc = add_clean(out, body, n, &info->replaced);
    return rc;
}

const char *kz_charset_source_name(int source)
{
    switch (source) {
    case KZ_CHARSET_BOM:      return "bom";
    case KZ_CHARSET_HEADER:   return "header";
    case KZ_CHARSET_META:     return "meta";
    case KZ_CHARSET_DETECTED: return "detected";
    default:                  return "default";
    }
}
