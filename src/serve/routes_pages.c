/*
 * serve/routes_pages.c - the reviewers' web app beyond the case page: the
 * images kept for review (store/media.h), served to staff only.
 * docs/web.md describes each route.
 */
#include "serve/routes.h"
#include "store/media.h"
#include "serve/html.h"

/* GET /media/{id}: the kept bytes of image id (item_media.id) with
 * their content type; never cached by a shared cache, never sniffed,
 * never framed or run as a document (the server's CSP and nosniff). */
static int media(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int64_t id = 0;
    char ctype[24];
    kz_buf b;
    int rc;
    if ((rc = kz_req_param_id(rq, "id", &id)) || (rc = kz_req_query_check(rq, none)))
        return rc;
    struct kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_buf_init(&b, KZ_MEDIA_KEEP_MAX + 1);
    if ((rc = kz_media_get(s, id, ctype, &b, NULL)) != 0) {
        kz_buf_release(&b);
        if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL)
            return kz_page_error(rq, 404, "Not found", "This image is not kept.");
        return rc;
    }
    kz_resp_header(rq, "Cache-Control", "private, no-store");
    kz_resp_header(rq, "Content-Disposition", "inline");
    kz_resp_header(rq, "Cross-Origin-Resource-Policy", "same-origin");
    return kz_resp_buf(rq, 200, ctype, &b);
}

static const kz_route routes[] = {
    { "GET", "/media/{id}", KZ_ROLES_STAFF, media, KZ_ROUTE_HTML, 0 },
};

const kz_route_table kz_routes_pages = { "pages", routes, KZ_ARRAY_LEN(routes) };
