/*
 * store/media.c - the images of an item (store/media.h).
 */
#include "media.h"
#include <sodium.h>

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

static const char *const kept_types[] = { "image/jpeg", "image/png", "image/webp", "image/gif" };

int kz_media_type_ok(const char *ctype)
{
    for (size_t i = 0; ctype && i < sizeof kept_types / sizeof kept_types[0]; i++)
        if (!strcmp(ctype, kept_types[i]))
            return 1;
    return 0;
}

int kz_media_keep(kz_store *s, int64_t item_id, const char *sha256, const char *ctype,
                  const void *data, size_t n)
{
    char now[21];
    int64_t mid = 0;
    kz_buf b64;
    int rc;
    if (n > KZ_MEDIA_KEEP_MAX)
        return KZ_ETOOBIG;
    if (!kz_media_type_ok(ctype) || !n)
        return KZ_EINVAL;
    kz_dbval q[] = { kz_dbint(item_id), kz_dbstr(sha256) };
    if ((rc = kz_db_int(kz_store_db(s), "SELECT id FROM item_media WHERE item_id = $1 "
                        "AND sha256 = $2", q, 2, &mid)) != 0)
        return rc;
    kz_buf_init(&b64, KZ_BUF_NOLIMIT);
    size_t bn = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    if ((rc = kz_buf_grow(&b64, bn)) != 0)
        goto out;
    sodium_bin2base64(b64.p, bn, data, n, sodium_base64_VARIANT_ORIGINAL);
    b64.len = bn - 1;
    kz_store_now(now);
    kz_dbval p[] = { kz_dbint(mid), kz_dbint(item_id), kz_dbstr(ctype), kz_dbint((int64_t)n),
                     kz_dbtext(b64.p, b64.len), kz_dbstr(now) };
    rc = kz_db_query(kz_store_db(s), "INSERT INTO item_images (media_id, item_id, content_type, "
                     "byte_len, data, added_at) VALUES ($1, $2, $3, $4, $5, $6) "
                     "ON CONFLICT (media_id) DO NOTHING", p, 6, NULL);
out:
    kz_buf_release(&b64);
    return rc;
}

int kz_media_get(kz_store *s, int64_t media_id, char ctype[24], kz_buf *out, int64_t *item_id)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(media_id) };
    int rc = kz_db_query(kz_store_db(s), "SELECT content_type, byte_len, data, item_id "
                         "FROM item_images WHERE media_id = $1", p, 1, &r);
    if (rc)
        return rc;
    if ((rc = kz_dbres_next(r)) != 1) {
        rc = rc < 0 ? rc : KZ_ENOTFOUND;
        goto out;
    }
    const char *ct = kz_dbres_text(r, 0, NULL);
    int64_t want = kz_dbres_int(r, 1);
    size_t zn = 0, bn = 0;
    const char *z = kz_dbres_text(r, 2, &zn);
    rc = KZ_EINVAL;
    if (!kz_media_type_ok(ct) || !z || want <= 0 || (size_t)want > KZ_MEDIA_KEEP_MAX)
        goto out;
    snprintf(ctype, 24, "%s", ct);
    if (item_id)
        *item_id = kz_dbres_int(r, 3);
    if ((rc = kz_buf_grow(out, (size_t)want + 1)) != 0)
        goto out;
    rc = KZ_EINVAL;
    if (sodium_base642bin((unsigned char *)out->p + out->len, (size_t)want + 1, z, zn, NULL, &bn,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || bn != (size_t)want)
        goto out;
    out->len += bn;
    out->p[out->len] = '\0';
    rc = 0;
out:
    kz_dbres_done(r);
    return rc;
}

int kz_media_kept(kz_store *s, int64_t item_id, int64_t **ids, size_t *n)
{
    kz_dbval p[] = { kz_dbint(item_id) };
    return kz_db_ids(kz_store_db(s), "SELECT media_id FROM item_images WHERE item_id = $1 "
                     "ORDER BY media_id", p, 1, ids, n);
}
