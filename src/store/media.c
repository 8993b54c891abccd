/*
 * store/media.c - the images of an item (store/media.h).
 */
#include "media.h"

int kz_media_add(kz_store *s, int64_t item_id, const kz_media_in *m)
{
    char now[21];
    kz_store_now(now);
    kz_dbval p[] = { kz_dbint(item_id), kz_dbstr(m->ref ? m->ref : ""), kz_dbstr(m->sha256),
                     kz_dbstr(m->md5), kz_dbstr(m->pdq),
                     m->pdq ? kz_dbint(m->quality) : kz_dbnull(), kz_dbstr(now) };
    return kz_db_query(kz_store_db(s), "INSERT INTO item_media (item_id, ref, sha256, md5, pdq, "
                       "pdq_quality, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                       "ON CONFLICT (item_id, sha256) DO NOTHING", p, 7, NULL);
}
