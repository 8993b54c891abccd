/*
 * cli/stored.c - one scanned text into the store: what ingest and crawl
 * both do with a scan result (detections from the hits, a flag per
 * category over its threshold, then kz_store_ingest).
 */
#include "cli.h"
#include "detect/scan.h"
#include "store/store.h"

int kz_cli_store_scan(kz_store *st, const kz_scanner *sc, kz_cli_sink *k, const kz_item_in *it,
                      const kz_result *r, kz_ingest_out *out)
{
    if (KZ_GROW(k->det, k->capdet, r->nhits + 1) ||
        KZ_GROW(k->flags, k->capflags, kz_scanner_ncats(sc) + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < r->nhits; i++) {
        const kz_hit *h = &r->hits[i];
        size_t cat = kz_scanner_rule_cat(sc, h->rule);
        k->det[i] = (kz_detection_in){ kz_scanner_rule_id(sc, h->rule),
                                       kz_scanner_cat_name(sc, cat), "rule",
                                       kz_scanner_rule_weight(sc, h->rule), h->start, h->end };
    }
    size_t nf = 0;
    for (size_t c = 0; c < kz_scanner_ncats(sc); c++)
        if (r->flagged[c])
            k->flags[nf++] = (kz_flag_in){ kz_scanner_cat_name(sc, c), (int)r->score[c] };
    return kz_store_ingest(st, it, k->det, r->nhits, k->flags, nf, out);
}

void kz_cli_sink_release(kz_cli_sink *k)
{
    free(k->det);
    free(k->flags);
    memset(k, 0, sizeof *k);
}
