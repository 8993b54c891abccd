/*
 * fuzz/fuzz_scan.c - the whole scan engine on any text, with a fixed rule
 * set that has exact words, multi-word phrases, stems, unless and a regex.
 * Every hit must lie inside the input.
 */
#include "fuzz.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include <stdlib.h>

static const char rules[] =
    "rules:\n"
    "  - {id: a, category: drugs, weight: 30, phrases: [закладка, \"купить соль\", \"нарко*\"],"
    " unless: [новости]}\n"
    "  - {id: b, category: drugs, weight: 30, regex: ['закладк\\S*\\s+\\d{2,4}']}\n"
    "  - {id: c, category: bullying, weight: 60, phrases: [\"сен ақымақсың\", \"kill yourself\","
    " \"өлтір*\"]}\n";

KZ_FUZZ(scan)
{
    static kz_scanner *sc;
    static kz_scan_ctx *cx;
    if (!sc) {
        kz_ruleset *rs = NULL;
        if (kz_rules_parse(rules, sizeof rules - 1, "fuzz", &rs, NULL) != 0 ||
            kz_scanner_new(rs, &sc, NULL) != 0)
            abort();
        kz_ruleset_free(&rs);
        if (!(cx = kz_scan_ctx_new(sc)))
            abort();
    }
    kz_result r;
    if (kz_scan(cx, (const char *)data, size, &r) != 0)
        return 0;
    for (size_t i = 0; i < r.nhits; i++)
        if (r.hits[i].start >= r.hits[i].end || r.hits[i].end > size)
            abort();
    return 0;
}
