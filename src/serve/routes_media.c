/*
 * serve/routes_media.c - the images kept for review in the web app: an
 * image's bytes, its page, an item's images, and the figures other pages
 * show (serve/pages.h), blurred and grey by default as the viewer's
 * settings say, each revealed on its own.  Server-rendered through the
 * one HTML writer (serve/html.h); the bytes come from store/media.h.
 * docs/web.md lists the pages.
 */
#include "serve/routes.h"
#include "serve/html.h"
#include "serve/pages.h"
#include "case/case.h"
#include "case/views.h"
#include "store/media.h"

#define PAGE KZ_ROUTE_HTML

/* ---- images kept for review -------------------------------------------------- */

/* The kept bytes of the image the request's {id} names into b (initialized
 * here; the caller releases it), its content type into ctype, its item
 * into *item when item is not NULL: 0, a 404 page already answered (1), or
 * an error for the caller to answer. */
static int kept_image(kz_req *rq, int64_t *id, kz_buf *b, char ctype[24], int64_t *item)
{
    int rc;
    kz_buf_init(b, KZ_MEDIA_KEEP_MAX + 1);
    *id = 0;
    if ((rc = kz_req_param_id(rq, "id", id)))
        return rc;
    struct kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    rc = kz_media_get(s, *id, ctype, b, item);
    if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL) {
        rc = kz_page_error(rq, 404, "Not found", "This image is not kept.");
        return rc ? rc : 1;
    }
    return rc;
}

/* GET /media/{id}: the kept bytes of image id (item_media.id) with their
 * content type; never cached by a shared cache, never sniffed, never
 * framed or run as a document (the server's CSP and nosniff). */
static int media(kz_req *rq)
{
    int64_t id;
    char ctype[24];
    kz_buf b;
    int rc = kept_image(rq, &id, &b, ctype, NULL);
    if (rc) {
        kz_buf_release(&b);
        return rc > 0 ? 0 : rc;
    }
    kz_resp_header(rq, "Cache-Control", "private, no-store");
    kz_resp_header(rq, "Content-Disposition", "inline");
    kz_resp_header(rq, "Cross-Origin-Resource-Policy", "same-origin");
    return kz_resp_buf(rq, 200, ctype, &b);
}

/* One figure: blurred and grey as the viewer's settings say, revealed by a
 * click or Enter/Space (app.js toggles "revealed"), or without script by
 * its own page (/media/{id}/view). */
static void figure(kz_html *h, int64_t id, size_t n, const kz_review_settings *rs, int revealed)
{
    /* the toggle is a real button around the image (named by its alt text):
     * focusable, Enter and Space for free, nothing interactive nested in it */
    kz_h_f(h, "<figure class=\"media%s%s%s\" id=\"m%lld\"><button type=\"button\" "
           "class=\"shield\" aria-pressed=\"%s\"><img src=\"/media/%lld\" alt=\"%s %zu\" "
           "loading=\"lazy\" decoding=\"async\"></button><figcaption>",
           rs->blur ? " blur" : "", rs->greyscale ? " grey" : "", revealed ? " revealed" : "",
           (long long)id, revealed ? "true" : "false", (long long)id, kz_h_tr(h, "Image"), n);
    if (!revealed)
        kz_h_f(h, "<a class=\"reveal\" href=\"/media/%lld/view\">%s</a>", (long long)id,
               kz_h_tr(h, "Reveal this image"));
    kz_h_raw(h, "</figcaption></figure>");
}

int kz_web_media_figures(kz_html *h, int64_t item_id)
{
    kz_req *rq = h->rq;
    kz_store *s = kz_req_store(rq);
    kz_actor *a = kz_req_actor(rq);
    kz_review_settings rs = { 1, 1, "" };
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;
    if (!s || !a)
        return KZ_EDB;
    if ((rc = kz_review_settings_get(a, &rs)) != 0 || (rc = kz_media_kept(s, item_id, &ids, &n)))
        return rc;
    if (n) {
        kz_h_f(h, "<div class=\"images\"><p class=\"help\">%s</p>",
               kz_h_tr(h, rs.blur || rs.greyscale ?
                       "Images are shown blurred and in greyscale. Click one, or focus it and "
                       "press Enter, to reveal it; again to hide it." :
                       "Images are shown as they are (your settings)."));
        for (size_t i = 0; i < n; i++)
            figure(h, ids[i], i + 1, &rs, 0);
        kz_h_raw(h, "</div>");
    }
    free(ids);
    return 0;
}

/* GET /media/{id}/view: one image revealed, on a page of its own (the way
 * to reveal without JavaScript). */
static int media_view(kz_req *rq)
{
    int64_t id, item = 0;
    char ctype[24];
    kz_buf b;
    int rc = kept_image(rq, &id, &b, ctype, &item);
    kz_buf_release(&b);
    if (rc)
        return rc > 0 ? 0 : rc;
    kz_review_settings rs = { 0, 0, "" };
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Image", NULL);
    figure(&h, id, 1, &rs, 1);
    kz_h_f(&h, "<p><a href=\"/items/%lld/images\">%s</a></p>", (long long)item,
           kz_h_tr(&h, "All images of the item, blurred"));
    return kz_page_send(&h, 200);
}

/* GET /items/{id}/images: the item's kept images, as the case page shows them. */
static int item_images(kz_req *rq)
{
    int64_t id = 0;
    int rc;
    if ((rc = kz_req_param_id(rq, "id", &id)))
        return rc;
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Images of the item", NULL);
    kz_h_f(&h, "<p>%s %lld</p>", kz_h_tr(&h, "Item"), (long long)id);
    size_t before = h.b.len;
    if ((rc = kz_web_media_figures(&h, id)) != 0) {
        kz_html_release(&h);
        return rc;
    }
    if (h.b.len == before)
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No images of this item are kept."));
    return kz_page_send(&h, 200);
}

/* ---- the table ---------------------------------------------------------------------- */

static const kz_route routes[] = {
    { "GET", "/media/{id}", KZ_ROLES_STAFF, media, PAGE, 0 },
    { "GET", "/media/{id}/view", KZ_ROLES_STAFF, media_view, PAGE, 0 },
    { "GET", "/items/{id}/images", KZ_ROLES_STAFF, item_images, PAGE, 0 },
};

const kz_route_table kz_routes_media = { "media", routes, KZ_ARRAY_LEN(routes) };

/* ---- the messages (serve/i18n.h): { en, ru, kk } ----------------------------- */

static const kz_msg msgs[] = {
    { "This image is not kept.", "Это изображение не сохранено.", "Бұл сурет сақталмаған." },
    { "Image", "Изображение", "Сурет" },
    { "Reveal this image", "Показать это изображение", "Бұл суретті ашу" },
    { "Images are shown blurred and in greyscale. Click one, or focus it and press Enter, to "
      "reveal it; again to hide it.",
      "Изображения показаны размытыми и в оттенках серого. Нажмите на изображение или выберите "
      "его и нажмите Enter, чтобы открыть; ещё раз — чтобы скрыть.",
      "Суреттер бұлыңғыр және сұр түсте көрсетіледі. Ашу үшін суретті басыңыз немесе оны таңдап, "
      "Enter пернесін басыңыз; жасыру үшін тағы бір рет." },
    { "Images are shown as they are (your settings).",
      "Изображения показаны как есть (ваши настройки).",
      "Суреттер сол күйінде көрсетіледі (сіздің баптауларыңыз)." },
    { "All images of the item, blurred", "Все изображения материала, размытые",
      "Материалдың барлық суреттері, бұлыңғыр" },
    { "Images of the item", "Изображения материала", "Материал суреттері" },
    { "No images of this item are kept.", "Изображения этого материала не сохранены.",
      "Бұл материалдың суреттері сақталмаған." },
    { "The images cannot be shown now.", "Изображения сейчас нельзя показать.",
      "Суреттерді қазір көрсету мүмкін емес." },
};

const kz_msg_table kz_i18n_media = { msgs, KZ_ARRAY_LEN(msgs) };
