/*
 * pipeline/lookups.c - the lookups' answers as JSON documents: banks, bank
 * matches, a URL check (pipeline/lookups.h).
 */
#include "pipeline/lookups.h"

int kz_lookups_bank(kz_buf *o, const kz_bank_info *b)
{
    const char *t = kz_bank_type_name(b->type);
    int rc = kz_buf_adds(o, "{\"name\":");
    if (!rc) rc = kz_buf_add_json_str(o, b->name, strlen(b->name));
    if (!rc) rc = kz_buf_addf(o, ",\"signal_type\":\"%s\",\"threshold\":%d,\"kind\":\"%s\","
                              "\"entries\":%lld,\"created_at\":\"%s\",\"version\":%lld}",
                              t ? t : "?", b->threshold, b->allow ? "allow" : "block",
                              (long long)b->entries, b->created_at, (long long)b->version);
    return rc;
}

int kz_lookups_banks(kz_buf *o, const kz_bank_info *v, size_t n)
{
    int rc = kz_buf_adds(o, "{\"banks\":[");
    for (size_t i = 0; i < n && !rc; i++) {
        if (i)
            rc = kz_buf_addc(o, ',');
        if (!rc)
            rc = kz_lookups_bank(o, &v[i]);
    }
    return rc ? rc : kz_buf_adds(o, "]}\n");
}

static int hit(kz_buf *o, const kz_bank_hit *h, int type)
{
    int rc = kz_buf_adds(o, "{\"bank\":");
    if (!rc) rc = kz_buf_add_json_str(o, h->bank, strlen(h->bank));
    if (!rc) rc = kz_buf_addf(o, ",\"signal_type\":\"%s\",\"signal\":\"%s\",\"distance\":%d",
                              kz_bank_type_name(type), h->signal, h->distance);
    if (!rc && h->minhash_distance >= 0)
        rc = kz_buf_addf(o, ",\"minhash_distance\":%d", h->minhash_distance);
    if (!rc) rc = kz_buf_addf(o, ",\"entry_id\":%lld,\"tags\":", (long long)h->entry_id);
    if (!rc) rc = kz_buf_add_json_str(o, h->tags ? h->tags : "", h->tags ? strlen(h->tags) : 0);
    return rc ? rc : kz_buf_addc(o, '}');
}

int kz_lookups_matches(kz_buf *o, kz_banks *bk, const kz_bankqs *qs, int ids_only)
{
    size_t k = 0, supp = 0;
    int rc = kz_buf_adds(o, "{\"matches\":[");
    for (size_t i = 0; i < qs->n && !rc; i++) {
        const kz_bank_result *r = NULL;
        if ((rc = kz_bankq_match(bk, qs, i, &r)) != 0)
            return rc;
        if (r->suppressed) {
            supp += r->nblock;
            continue;
        }
        for (size_t j = 0; j < r->nblock && !rc; j++, k++) {
            if (k)
                rc = kz_buf_addc(o, ',');
            if (!rc)
                rc = ids_only ? kz_buf_addf(o, "%lld", (long long)r->v[j].entry_id)
                              : hit(o, &r->v[j], qs->v[i].type);
        }
    }
    if (rc)
        return rc;
    return ids_only ? kz_buf_adds(o, "]}\n") : kz_buf_addf(o, "],\"suppressed\":%zu}\n", supp);
}

int kz_lookups_check(kz_buf *o, const kz_blocklist *b, kz_blocklist_ctx *ctx, const char *url,
                     size_t n, int64_t version)
{
    int64_t id = 0;
    const char *expr = NULL;
    int r = kz_blocklist_check(b, ctx, url, n, &id, &expr);
    int rc = kz_buf_adds(o, "{\"url\":");
    if (!rc) rc = kz_buf_add_json_str(o, url, n);
    if (!rc && r == 1) {
        rc = kz_buf_addf(o, ",\"result\":\"blocked\",\"decision_id\":%lld,\"expression\":",
                         (long long)id);
        if (!rc) rc = kz_buf_add_json_str(o, expr, strlen(expr));
    } else if (!rc && r == 0) {
        rc = kz_buf_adds(o, ",\"result\":\"ok\"");
    } else if (!rc && r == KZ_EINVAL) {
        rc = kz_buf_adds(o, ",\"result\":\"invalid\",\"reason\":");
        if (!rc) rc = kz_buf_add_json_str(o, ctx->url.why, strlen(ctx->url.why));
    } else if (!rc) {
        rc = r;
    }
    return rc ? rc : kz_buf_addf(o, ",\"version\":%lld}\n", (long long)version);
}
