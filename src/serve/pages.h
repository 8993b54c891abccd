/*
 * serve/pages.h - what the web app's image pages (serve/routes_media.c) offer
 * the other pages: the kept images of an item, blurred and in greyscale as
 * the viewer's settings say, each revealed on its own.
 */
#ifndef KZ_SERVE_PAGES_H
#define KZ_SERVE_PAGES_H

#include "serve/html.h"

/* Write the kept images of item_id (store/media.h) as <figure class="media
 * [blur] [grey]"> elements with a reveal link each; nothing when it has
 * none.  0 or a storage error. */
int kz_web_media_figures(kz_html *h, int64_t item_id);

#endif
