/*
 * serve/pages_int.h - what the web app's pages share (serve/routes_pages.c,
 * routes_users.c): a library refusal as an error page, a table cell, and a
 * library view (case/views.h) written as a table of columns described
 * once.  Internal to serve/.
 */
#ifndef KZ_SERVE_PAGES_INT_H
#define KZ_SERVE_PAGES_INT_H

#include "serve/routes.h"
#include "serve/html.h"
#include "case/views.h"

#define PAGE KZ_ROUTE_HTML

/* A library refusal or failure as a whole page. */
int kz_wp_fail(kz_req *rq, kz_actor *a, int rc);
/* A cell: the text, or a dash. */
void kz_wp_td(kz_html *h, const char *s);

enum { VC_TEXT, VC_TR, VC_CODE, VC_NUM, VC_CASE, VC_TIME, VC_SPAN, VC_FN, VC_KIND = 0xff,
       VC_HIDDEN_HEAD = 0x100 /* the heading only for screen readers */ };

/* One column of a view's table: its heading (English, translated), the
 * view's column, and how a cell is written: as text, translated, as code,
 * a number, a link to the case, a time, a span of seconds, or by fn. */
typedef struct kz_wp_col {
    const char *head, *col;
    int kind;
    void (*fn)(kz_html *h, const kz_view *v, size_t r);
} kz_wp_col;

/* One table of a page: how its view is read (arg: the page's; NULL when
 * the caller reads it and calls kz_wp_table itself), a heading
 * above it, its caption (count: followed by the number of rows), the note
 * when it has no rows (NULL: the empty table), its columns, a class for a
 * row (may be NULL) and a note below it (may be NULL). */
typedef struct kz_wp_tab {
    int (*fetch)(kz_actor *a, const void *arg, kz_view *v);
    const char *h2, *caption;
    int count;
    const char *empty;
    const kz_wp_col *cols;
    size_t ncols;
    const char *(*row_class)(const kz_view *v, size_t r);
    const char *note;
} kz_wp_tab;

/* Table t of view v, with its heading, caption, note or empty note. */
void kz_wp_table(kz_html *h, const kz_wp_tab *t, const kz_view *v);

#define VIEW_PAGE_MAX 2

/* A page of n (at most VIEW_PAGE_MAX) tables of views: each view read (a
 * refusal or failure: the error page), then the layout, top (filters or a
 * form; may be NULL) and the tables. */
int kz_wp_page(kz_req *rq, const char *title, const char *active,
               void (*top)(kz_html *h, const void *arg), const void *arg, const kz_wp_tab *t,
               size_t n);

#endif
