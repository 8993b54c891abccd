/*
 * case/scope.c - the territorial scopes a restrictive decision may name.
 *
 * The default list is ISO 3166: every officially assigned alpha-2 country
 * code of ISO 3166-1 (249) and, for Kazakhstan, the subdivision codes of
 * ISO 3166-2:KZ (the numeric codes in use since the 2022 reorganisation into
 * 17 regions and 3 cities, KZ-10 ... KZ-79, and the older letter codes,
 * KZ-AKM ... KZ-ZHA, which earlier decisions and laws still name).
 */
#include "case/scope.h"
#include <string.h>

static const char alpha2[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

static const char *const kz_sub[] = {
    "10", "11", "15", "19", "23", "27", "31", "33",
    "35", "39", "43", "47", "55", "59", "61", "62",
    "63", "71", "75", "79", "AKM", "AKT", "ALA", "ALM",
    "AST", "ATY", "KAR", "KUS", "KZY", "MAN", "PAV", "SEV",
    "SHY", "VOS", "YUZ", "ZAP", "ZHA",
    NULL };

/* Is s[0..n) one code of the list? */
static int code_ok(const char *s, size_t n)
{
    if (n == 2) {
        for (size_t i = 0; alpha2[i]; i += 2)
            if (alpha2[i] == s[0] && alpha2[i + 1] == s[1])
                return 1;
        return 0;
    }
    if (n > 3 && n <= 6 && !memcmp(s, "KZ-", 3))
        for (size_t i = 0; kz_sub[i]; i++)
            if (strlen(kz_sub[i]) == n - 3 && !memcmp(s + 3, kz_sub[i], n - 3))
                return 1;
    return 0;
}

int kz_scope_valid(const char *scope, const char **bad, size_t *badlen)
{
    size_t codes = 0;
    const char *p = scope;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ,");
        if (!code_ok(p, n)) {
            *bad = p;
            *badlen = n;
            return 0;
        }
        codes++;
        p += n;
    }
    *bad = scope;
    *badlen = 0;
    return codes > 0;
}
