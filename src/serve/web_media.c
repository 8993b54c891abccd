/*
 * serve/web_media.c - THE HOOK for a case's evidence images on the review
 * page (serve/html.h: kz_web_case_media).  The review page
 * (routes_review.c) calls it between the text and the hash-bank matches.
 * This default writes nothing; the media pages replace this function's
 * body with the item's images, blurred and in greyscale until revealed
 * one at a time (<figure class="media" tabindex="0" role="button"
 * aria-pressed="false">, web/static/app.css and app.js).
 */
#include "serve/html.h"

void kz_web_case_media(kz_html *h, int64_t case_id, int64_t item_id)
{
    (void)h;
    (void)case_id;
    (void)item_id;
}
