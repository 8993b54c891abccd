/*
 * store/bank_csv.c - the ThreatExchange-style CSV/TSV layout of banks
 * ("signal_type,signal,tags"): parsed without a database, so it can be
 * fuzzed alone, and written back row by row.
 */
#include "bank_int.h"
#include "util/utf8.h"
#include <strings.h>

/* ---- the CSV/TSV layout -------------------------------------------------- */

#define MAX_FIELDS 3

typedef struct field {
    const char *p;
    size_t      n;
    int         quoted;
} field;

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Split line[0..n) into fields; quoted fields are unescaped into scratch
 * (their p points there).  Returns the number of fields (may exceed
 * MAX_FIELDS; only the first MAX_FIELDS are kept) or -1 with *why. */
static int split(const char *line, size_t n, char sep, kz_buf *scratch, field *f,
                 size_t *offs, const char **why)
{
    int nf = 0;
    size_t i = 0;
    kz_buf_reset(scratch);
    for (;;) {
        field cur = { NULL, 0, 0 };
        size_t off = 0;
        while (i < n && line[i] != sep && is_space(line[i]))
            i++;
        if (i < n && line[i] == '"') {
            i++;
            off = scratch->len;
            for (;;) {
                if (i >= n) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        if (kz_buf_addc(scratch, '"'))
                            goto toobig;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (kz_buf_addc(scratch, line[i++]))
                    goto toobig;
            }
            cur.quoted = 1;
            cur.n = scratch->len - off;
            if (kz_buf_addc(scratch, '\0'))
                goto toobig;
            while (i < n && line[i] != sep && is_space(line[i]))
                i++;
            if (i < n && line[i] != sep) {
                *why = "text after a quoted field";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < n && line[i] != sep) {
                if (line[i] == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                i++;
            }
            size_t end = i;
            while (end > start && is_space(line[end - 1]))
                end--;
            cur.p = line + start;
            cur.n = end - start;
        }
        if (nf < MAX_FIELDS) {
            f[nf] = cur;
            offs[nf] = off;
        }
        nf++;
        if (i >= n)
            break;
        i++;                                    /* the separator */
    }
    return nf;
toobig:
    *why = "tags over 1024 bytes";
    return -1;
}

int kz_bank__tags_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k || cp < 0x20 || cp == 0x7f)
            return 0;
        i += k;
    }
    return 1;
}

int kz_bank_parse(const char *data, size_t n, kz_bank_row_fn fn, void *ctx)
{
    kz_buf scratch;
    kz_buf_init(&scratch, 3 * KZ_BANK_TAGS_MAX + 256);
    char sep = 0;
    unsigned line = 0;
    int rc = 0, first = 1;
    size_t pos = 0;
    while (pos < n && !rc) {
        const char *p = data + pos, *nl = memchr(p, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - p) : n - pos;
        pos += len + (nl ? 1 : 0);
        line++;
        if (len && p[len - 1] == '\r')
            len--;
        size_t lead = 0;
        while (lead < len && is_space(p[lead]))
            lead++;
        if (lead == len || p[lead] == '#')
            continue;
        if (!sep)
            sep = memchr(p, '\t', len) ? '\t' : ',';
        kz_bank_row row;
        memset(&row, 0, sizeof row);
        row.line = line;
        field f[MAX_FIELDS];
        size_t offs[MAX_FIELDS];
        const char *why = NULL;
        int nf = split(p, len, sep, &scratch, f, offs, &why);
        if (nf >= 0)
            for (int i = 0; i < nf && i < MAX_FIELDS; i++)
                if (f[i].quoted)
                    f[i].p = scratch.p + offs[i];   /* scratch may have moved */
        int header = first && nf >= 1 && f[0].n == 11 && !strncasecmp(f[0].p, "signal_type", 11);
        first = 0;
        if (header)
            continue;
        if (nf < 0) {
            row.why = why;
        } else if (nf < 2) {
            row.why = "expected signal_type,signal,tags";
        } else if (nf > MAX_FIELDS) {
            row.why = "more than 3 fields (quote tags that hold the separator)";
        } else if ((row.type = kz_bank_type_parse(f[0].p, f[0].n)) < 0) {
            row.why = "unknown signal type (pdq, sha256, md5, simhash)";
        } else if (kz_bank_signal_norm(row.type, f[1].p, f[1].n, row.signal)) {
            row.why = row.type == KZ_BANK_MD5       ? "not an md5 signal (32 hex digits)"
                      : row.type == KZ_BANK_SIMHASH ? "not a simhash signal (16 hex digits)"
                      : row.type == KZ_BANK_PDQ     ? "not a pdq signal (64 hex digits)"
                                                    : "not a sha256 signal (64 hex digits)";
        } else if (nf == 3 && f[2].n > KZ_BANK_TAGS_MAX) {
            row.why = "tags over 1024 bytes";
        } else if (nf == 3 && !kz_bank__tags_ok(f[2].p, f[2].n)) {
            row.why = "tags are not UTF-8 text (or hold control characters)";
        } else {
            row.tags = nf == 3 ? f[2].p : "";
            row.tags_len = nf == 3 ? f[2].n : 0;
            if (nf == 3 && !f[2].quoted) {
                /* lend a NUL-terminated copy */
                kz_buf_reset(&scratch);
                if (kz_buf_add(&scratch, f[2].p, f[2].n)) {
                    rc = KZ_ENOMEM;
                    break;
                }
                row.tags = scratch.p;
            }
        }
        if (row.why)
            row.type = -1;
        rc = fn(ctx, &row);
    }
    kz_buf_release(&scratch);
    return rc;
}

int kz_bank_format_row(kz_buf *out, int type, const char *signal, const char *tags)
{
    const char *name = kz_bank_type_name(type);
    size_t tn = tags ? strlen(tags) : 0;
    int rc;
    if (!name)
        return KZ_EINVAL;
    if ((rc = kz_buf_adds(out, name)) || (rc = kz_buf_addc(out, ',')) ||
        (rc = kz_buf_adds(out, signal)) || (rc = kz_buf_addc(out, ',')))
        return rc;
    int quote = tn && (strpbrk(tags, ",\"\t\r\n") || tags[0] == ' ' || tags[tn - 1] == ' ');
    if (!quote)
        rc = kz_buf_add(out, tags ? tags : "", tn);
    else {
        rc = kz_buf_addc(out, '"');
        for (size_t i = 0; i < tn && !rc; i++)
            rc = tags[i] == '"' ? kz_buf_add(out, "\"\"", 2) : kz_buf_addc(out, tags[i]);
        if (!rc)
            rc = kz_buf_addc(out, '"');
    }
    return rc ? rc : kz_buf_addc(out, '\n');
}
