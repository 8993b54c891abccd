/*
 * serve/web_media.c - THE HOOK for a case's evidence images on the review
 * page (serve/html.h: kz_web_case_media).  The review page
 * (routes_review.c) calls it between the text and the hash-bank matches.
 * It writes the item's kept images (serve/pages.h, routes_media.c),
 * blurred and in greyscale as the reviewer's settings say until revealed
 * one at a time (<figure class="media blur grey" tabindex="0"
 * role="button" aria-pressed="false">, web/static/app.css and app.js).
 */
#include "serve/pages.h"

void kz_web_case_media(kz_html *h, int64_t case_id, int64_t item_id)
{
    (void)case_id;
    if (kz_web_media_figures(h, item_id) != 0)
        kz_h_f(h, "<p class=\"note\">%s</p>", kz_h_tr(h, "The images cannot be shown now."));
}
