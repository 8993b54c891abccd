/*
 * ingest/html.c - the visible text of an HTML document, with gumbo.
 *
 * Three steps:
 *   1. limit_depth(): gumbo's tree builder is quadratic in nesting depth
 *      (each start tag scans the stack of open elements: 100000 nested
 *      <div> take about 15 s), so a cheap pre-pass follows the tags,
 *      estimates the depth, and drops the tags that would nest deeper than
 *      HTML_MAX_DEPTH (Blink caps its DOM depth at 512 in the same spirit).
 *      A dropped block tag becomes a space, a dropped inline tag nothing;
 *      a dropped <script>/<style>-like element goes with its content.  The
 *      input is copied only when something is dropped.  It also keeps the
 *      list of open formatting elements (<b>, <font>, ...) short.
 *   2. gumbo parses (with error recording off: recording copies the open
 *      element stack into every error, quadratic again).
 *   3. A walk with an explicit stack (no recursion) appends the text.
 * The tree gumbo builds is then at most about HTML_MAX_DEPTH deep, which
 * also bounds the recursion inside gumbo_destroy_output().
 *
 * gumbo does not check its own allocations: out of memory inside gumbo
 * aborts rather than returning KZ_ENOMEM.
 */
#include "ingest/html.h"

#include <gumbo.h>

#define HTML_MAX_DEPTH 512
#define HTML_MAX_FORMATTING 8

/* ---- classification of tags ---- */

static bool is_void(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BR: case GUMBO_TAG_COL:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_HR: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT:
    case GUMBO_TAG_LINK: case GUMBO_TAG_META: case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK: case GUMBO_TAG_WBR: case GUMBO_TAG_KEYGEN: case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND: case GUMBO_TAG_FRAME: case GUMBO_TAG_IMAGE: case GUMBO_TAG_MENUITEM:
        return true;
    default:
        return false;
    }
}

/* Elements whose end separates lines of text. */
static bool is_block(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BODY: case GUMBO_TAG_BR: case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_CENTER: case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIR: case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_FRAMESET: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR:
    case GUMBO_TAG_HTML: case GUMBO_TAG_LEGEND: case GUMBO_TAG_LI: case GUMBO_TAG_LISTING:
    case GUMBO_TAG_MAIN: case GUMBO_TAG_MENU: case GUMBO_TAG_NAV: case GUMBO_TAG_OL:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_P: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION: case GUMBO_TAG_SELECT: case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE: case GUMBO_TAG_TBODY: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_THEAD: case GUMBO_TAG_TITLE: case GUMBO_TAG_TR: case GUMBO_TAG_UL:
    case GUMBO_TAG_XMP:
        return true;
    default:
        return false;
    }
}

/* Elements that only separate words (table cells). */
static bool is_cell(GumboTag t)
{
    return t == GUMBO_TAG_TD || t == GUMBO_TAG_TH;
}

/* Elements whose content is never shown (head is handled apart). */
static bool is_hidden(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_SVG:
    case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_OBJECT:
        return true;
    default:
        return false;
    }
}

/* Elements whose content the tokenizer reads as text up to their end tag. */
static bool is_rawtext(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_XMP: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_TITLE:
        return true;
    default:
        return false;
    }
}

/* A start tag of these closes an open one of the same kind right above it. */
static bool closes_sibling(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P: case GUMBO_TAG_LI: case GUMBO_TAG_DT: case GUMBO_TAG_DD:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_TR: case GUMBO_TAG_TD: case GUMBO_TAG_TH:
        return true;
    default:
        return false;
    }
}

/* ---- step 1: the depth limit ---- */

/*
 * The model of gumbo's stack of open elements is rough but errs towards
 * deeper: an end tag pops to its element (not past a table, cell, ...);
 * formatting elements (<b>, <a>, ...) that a generic end tag pops stay
 * counted, as gumbo reopens them ("reconstructs the active formatting
 * elements") at the next text, at most three alike (its "Noah's Ark",
 * looked for only among the last 16 kept);
 * the end tag of a formatting element takes out only that element.
 * gumbo reopens the whole active formatting list in every new block, so
 * that list is modelled too and kept to HTML_MAX_FORMATTING entries (more
 * <b>/<font>/... start tags are dropped): otherwise 10000 distinct unclosed
 * <b id=N> followed by many <p>x take minutes and gigabytes.
 */

static bool is_formatting(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_A: case GUMBO_TAG_B: case GUMBO_TAG_BIG: case GUMBO_TAG_CODE:
    case GUMBO_TAG_EM: case GUMBO_TAG_FONT: case GUMBO_TAG_I: case GUMBO_TAG_NOBR:
    case GUMBO_TAG_S: case GUMBO_TAG_SMALL: case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG:
    case GUMBO_TAG_TT: case GUMBO_TAG_U:
        return true;
    default:
        return false;
    }
}

static bool ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool tag_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)lower(s[i])) * 1099511628211ull;
    return h;
}

/* A key for a tag name: the gumbo tag, or a hash of an unknown name. */
static uint64_t tag_key(const char *s, size_t n, GumboTag *tag)
{
    *tag = gumbo_tagn_enum(s, (unsigned)KZ_MIN(n, 64));
    if (*tag != GUMBO_TAG_UNKNOWN)
        return (uint64_t)*tag;
    return fnv(1469598103934665603ull, s, n) | (1ull << 63);
}

static bool is_foreign_root(uint64_t key)
{
    return key == GUMBO_TAG_SVG || key == GUMBO_TAG_MATH;
}

/* Elements that end the scope an end tag looks in for its element. */
static bool is_scope_boundary(uint64_t key)
{
    switch (key) {
    case GUMBO_TAG_HTML: case GUMBO_TAG_TABLE: case GUMBO_TAG_TD: case GUMBO_TAG_TH:
    case GUMBO_TAG_CAPTION: case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_MARQUEE:
    case GUMBO_TAG_OBJECT: case GUMBO_TAG_APPLET: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
        return true;
    default:
        return false;
    }
}

/* Position just past the '>' closing a tag whose attributes start at i
 * (quoted attribute values may hold '>'); n when it is not closed. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
    while (i < n) {
        char c = s[i];
        if (c == '>')
            return i + 1;
        i++;
        if (c == '=') {
            while (i < n && tag_space(s[i]))
                i++;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                const char *q = memchr(s + i + 1, s[i], n - i - 1);
                i = q ? (size_t)(q - s) + 1 : n;
            }
        }
    }
    return n;
}

/* Position of "</name" (any case) at or after i, or n. */
static size_t find_end_tag(const char *s, size_t n, size_t i, const char *name, size_t len)
{
    while (i + 2 + len <= n) {
        const char *p = memchr(s + i, '<', n - i);
        if (!p)
            break;
        i = (size_t)(p - s);
        if (i + 2 + len > n)
            break;
        if (s[i + 1] == '/') {
            size_t k = 0;
            while (k < len && lower(s[i + 2 + k]) == name[k])
                k++;
            if (k == len)
                return i;
        }
        i++;
    }
    return n;
}

struct open_el {
    uint64_t key;        /* tag_key() */
    uint64_t attrs;      /* formatting elements: hash of the attributes; else 0 */
};

struct limiter {
    const char *s;
    size_t n, copied;      /* s[0..copied) is in out (when rewriting) */
    kz_buf out;            /* the rewritten input, once something is dropped */
    bool rewriting;
    struct open_el st[HTML_MAX_DEPTH];
    size_t depth, foreign; /* foreign: <svg>/<math> open */
    struct open_el fmt[HTML_MAX_FORMATTING];   /* the active formatting list */
    size_t nfmt;
};

static void fmt_remove(struct limiter *l, size_t at)
{
    memmove(&l->fmt[at], &l->fmt[at + 1], (l->nfmt - at - 1) * sizeof l->fmt[0]);
    l->nfmt--;
}

/* Take the latest formatting element with key out of the list. */
static void fmt_close(struct limiter *l, uint64_t key)
{
    for (size_t k = l->nfmt; k > 0; k--)
        if (l->fmt[k - 1].key == key) {
            fmt_remove(l, k - 1);
            return;
        }
}

/* Make room for a formatting start tag as gumbo does; false when the list
 * is full (the tag is then dropped: it only styles text). */
static bool fmt_room(struct limiter *l, uint64_t key, GumboTag tag, uint64_t attrs)
{
    if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_NOBR)   /* these close an open one */
        fmt_close(l, key);
    size_t alike = 0, first = 0;
    for (size_t k = l->nfmt; k > 0; k--)
        if (l->fmt[k - 1].key == key && l->fmt[k - 1].attrs == attrs) {
            alike++;
            first = k - 1;
        }
    if (alike >= 3)
        fmt_remove(l, first);
    return l->nfmt < HTML_MAX_FORMATTING;
}

static void lim_remove(struct limiter *l, size_t at)
{
    l->foreign -= is_foreign_root(l->st[at].key);
    memmove(&l->st[at], &l->st[at + 1], (l->depth - at - 1) * sizeof l->st[0]);
    l->depth--;
}

/* Index + 1 of the topmost open key within scope, or 0. */
static size_t lim_find(const struct limiter *l, uint64_t key)
{
    for (size_t d = l->depth; d > 0; d--) {
        if (l->st[d - 1].key == key)
            return d;
        if (is_scope_boundary(l->st[d - 1].key) && !is_scope_boundary(key))
            return 0;
    }
    return 0;
}

static void lim_end_tag(struct limiter *l, uint64_t key, GumboTag tag)
{
    size_t d = lim_find(l, key);
    if (d == 0)
        return;
    if (is_formatting(tag)) {
        lim_remove(l, d - 1);
        return;
    }
    /* pop to it; the formatting elements above it stay, as gumbo reopens
     * them, but not a fourth alike among the last few (Noah's Ark) */
    size_t keep = d - 1;
    for (size_t k = d; k < l->depth; k++) {
        size_t alike = 0;
        for (size_t b = keep; l->st[k].attrs && b > 0 && keep - b < 16; b--)
            alike += l->st[b - 1].key == l->st[k].key && l->st[b - 1].attrs == l->st[k].attrs;
        if (l->st[k].attrs && alike < 3)
            l->st[keep++] = l->st[k];
        else
            l->foreign -= is_foreign_root(l->st[k].key);
    }
    l->foreign -= is_foreign_root(l->st[d - 1].key);
    l->depth = keep;
}

/* Room for a start tag (making it as gumbo would); false when too deep. */
static bool lim_start_tag(struct limiter *l, uint64_t key, GumboTag tag, uint64_t attrs)
{
    if (closes_sibling(tag) && l->depth > 0 && l->st[l->depth - 1].key == key)
        l->depth--;
    if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_NOBR) {   /* these close an open one */
        size_t d = lim_find(l, key);
        if (d)
            lim_remove(l, d - 1);
    }
    if (l->depth >= HTML_MAX_DEPTH)
        return false;
    l->foreign += is_foreign_root(key);
    l->st[l->depth++] = (struct open_el){ key, attrs };
    return true;
}

/* Leave s[a..b) out of the rewritten input, putting sep (may be "") there. */
static int drop(struct limiter *l, size_t a, size_t b, const char *sep)
{
    int rc;
    if (!l->rewriting) {
        l->rewriting = true;
        if ((rc = kz_buf_grow(&l->out, l->n)) < 0)
            return rc;
    }
    if ((rc = kz_buf_add(&l->out, l->s + l->copied, a - l->copied)) < 0)
        return rc;
    if ((rc = kz_buf_adds(&l->out, sep)) < 0)
        return rc;
    l->copied = b;
    return 0;
}

/* Fill l->out with s minus the tags nested deeper than HTML_MAX_DEPTH, or
 * leave l->rewriting false when nothing needs dropping. */
static int limit_depth(struct limiter *l)
{
    const char *s = l->s;
    size_t n = l->n, i = 0, dropped = 0;
    int rc = 0;

    while (i < n) {
        const char *p = memchr(s + i, '<', n - i);
        if (!p)
            break;
        i = (size_t)(p - s);
        if (i + 1 >= n)
            break;
        char c = s[i + 1];
        if (c == '!' && i + 3 < n && s[i + 2] == '-' && s[i + 3] == '-') {
            const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);
            i = e ? (size_t)(e - s) + 3 : n;
            continue;
        }
        if (c == '!' || c == '?') {
            const char *e = memchr(s + i, '>', n - i);
            i = e ? (size_t)(e - s) + 1 : n;
            continue;
        }
        bool end = c == '/';
        size_t name = i + 1 + end, k = name;
        if (k >= n || !ascii_alpha(s[k])) {
            i++;
            continue;
        }
        while (k < n && !tag_space(s[k]) && s[k] != '/' && s[k] != '>')
            k++;
        GumboTag tag;
        uint64_t key = tag_key(s + name, k - name, &tag);
        size_t after = tag_end(s, n, k);
        const char *sep = is_block(tag) || is_cell(tag) ? " " : "";

        if (end) {
            if (dropped > 0) {
                dropped--;
                if ((rc = drop(l, i, after, sep)) < 0)
                    return rc;
            } else {
                if (is_formatting(tag))
                    fmt_close(l, key);
                lim_end_tag(l, key, tag);
            }
            i = after;
            continue;
        }
        if (tag == GUMBO_TAG_PLAINTEXT)
            break;                                   /* the rest is text */
        bool self_closing = after >= 2 && s[after - 2] == '/';
        size_t content_end = after;
        if (is_rawtext(tag)) {
            const char *tn = gumbo_normalized_tagname(tag);
            content_end = find_end_tag(s, n, after, tn, strlen(tn));
        }
        /* "<div/>" opens a div: "/>" counts only inside <svg> or <math> */
        if (is_void(tag) || (self_closing && l->foreign > 0)) {
            i = after;
            continue;
        }
        uint64_t attrs = 0;
        if (is_formatting(tag) && dropped == 0) {
            attrs = fnv(1469598103934665603ull, s + k, after - k) | 1;
            if (!fmt_room(l, key, tag, attrs)) {
                if ((rc = drop(l, i, after, "")) < 0)
                    return rc;
                i = after;
                continue;
            }
        }
        if (dropped == 0 && lim_start_tag(l, key, tag, attrs)) {
            if (attrs)
                l->fmt[l->nfmt++] = (struct open_el){ key, attrs };
            i = content_end;
            continue;
        }
        if (is_rawtext(tag) && is_hidden(tag)) {
            /* the element and its content go, end tag included */
            size_t stop = content_end < n ? tag_end(s, n, content_end) : n;
            if ((rc = drop(l, i, stop, " ")) < 0)
                return rc;
            i = stop;
            continue;
        }
        dropped++;
        if ((rc = drop(l, i, after, sep)) < 0)
            return rc;
        i = content_end;
    }
    if (l->rewriting)
        rc = kz_buf_add(&l->out, s + l->copied, n - l->copied);
    return rc;
}

/* ---- step 3: the walk ---- */

enum { SEP_NONE, SEP_SPACE, SEP_LINE };
enum { K_INLINE, K_BLOCK, K_CELL, K_HEAD, K_TITLE };

struct frame {
    const GumboNode *node;
    unsigned next;       /* index of the next child to visit */
    int kind;
};

struct walker {
    kz_buf *out;
    size_t start;        /* out->len on entry */
    int sep;             /* separator owed before the next text */
    kz_html_info *info;
    bool in_title, title_done, title_started;
};

static bool text_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Append s[0..n) with whitespace runs collapsed into w->sep. */
static int emit(struct walker *w, const char *s, size_t n)
{
    size_t i = 0;
    int rc;
    while (i < n) {
        if (text_space(s[i])) {
            if (w->sep == SEP_NONE)
                w->sep = SEP_SPACE;
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !text_space(s[j]))
            j++;
        if (w->sep != SEP_NONE && w->out->len > w->start)
            if ((rc = kz_buf_addc(w->out, w->sep == SEP_LINE ? '\n' : ' ')) < 0)
                return rc;
        w->sep = SEP_NONE;
        if (w->in_title && !w->title_started && w->info) {
            w->title_started = true;
            w->info->title_start = w->out->len;
        }
        if ((rc = kz_buf_add(w->out, s + i, j - i)) < 0)
            return rc;
        i = j;
    }
    return 0;
}

static void separate(struct walker *w, int sep)
{
    if (sep > w->sep)
        w->sep = sep;
}

static void copy_lang(const GumboNode *root, kz_html_info *info)
{
    if (!root || root->type != GUMBO_NODE_ELEMENT)
        return;
    const GumboAttribute *a = gumbo_get_attribute(&root->v.element.attributes, "lang");
    if (!a || !a->value)
        return;
    const char *v = a->value;
    size_t k = 0;
    while (tag_space(*v))
        v++;
    while (k + 1 < sizeof info->lang && v[k] &&
           (ascii_alpha(v[k]) || (v[k] >= '0' && v[k] <= '9') || v[k] == '-' || v[k] == '_')) {
        info->lang[k] = v[k];
        k++;
    }
    info->lang[k] = '\0';
}

static int walk(struct walker *w, const GumboNode *doc)
{
    struct frame *st = NULL;
    size_t depth = 0, cap = 0;
    int rc = 0;

    cap = 64;
    st = kz_malloc(cap * sizeof *st);
    if (!st)
        return KZ_ENOMEM;
    st[depth++] = (struct frame){ doc, 0, K_INLINE };

    while (depth > 0) {
        struct frame *f = &st[depth - 1];
        const GumboVector *kids = f->node->type == GUMBO_NODE_DOCUMENT
                                      ? &f->node->v.document.children
                                      : &f->node->v.element.children;
        if (f->next >= kids->length) {
            if (f->kind == K_BLOCK)
                separate(w, SEP_LINE);
            else if (f->kind == K_CELL)
                separate(w, SEP_SPACE);
            else if (f->kind == K_TITLE) {
                w->in_title = false;
                w->title_done = true;
                if (w->info && w->title_started)
                    w->info->title_len = w->out->len - w->info->title_start;
                separate(w, SEP_LINE);
            }
            depth--;
            continue;
        }
        const GumboNode *c = kids->data[f->next++];
        int parent = f->kind;
        if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_CDATA ||
            c->type == GUMBO_NODE_WHITESPACE) {
            if (parent == K_HEAD)
                continue;
            if ((rc = emit(w, c->v.text.text, strlen(c->v.text.text))) < 0)
                goto out;
            continue;
        }
        if (c->type != GUMBO_NODE_ELEMENT)
            continue;                   /* comments, templates */
        const GumboElement *e = &c->v.element;
        bool html_ns = e->tag_namespace == GUMBO_NAMESPACE_HTML;
        bool title = html_ns && e->tag == GUMBO_TAG_TITLE;
        if (parent == K_HEAD && !title)
            continue;
        if (html_ns && is_hidden(e->tag))
            continue;
        if (e->tag == GUMBO_TAG_SVG || (title && w->title_done))
            continue;
        if (html_ns && e->tag == GUMBO_TAG_IMG) {
            const GumboAttribute *alt = gumbo_get_attribute(&e->attributes, "alt");
            if (alt && alt->value && alt->value[0]) {
                separate(w, SEP_SPACE);
                if ((rc = emit(w, alt->value, strlen(alt->value))) < 0)
                    goto out;
                separate(w, SEP_SPACE);
            }
            continue;
        }
        int kind = K_INLINE;
        if (html_ns && e->tag == GUMBO_TAG_HEAD)
            kind = K_HEAD;
        else if (title)
            kind = K_TITLE;
        else if (html_ns && is_block(e->tag))
            kind = K_BLOCK;
        else if (html_ns && is_cell(e->tag))
            kind = K_CELL;
        if (kind == K_BLOCK || kind == K_TITLE)
            separate(w, SEP_LINE);
        else if (kind == K_CELL)
            separate(w, SEP_SPACE);
        if (title) {
            w->in_title = true;
            w->title_started = false;
        }
        if (depth == cap) {
            struct frame *bigger = kz_realloc(st, 2 * cap * sizeof *st);
            if (!bigger) {
                rc = KZ_ENOMEM;
                goto out;
            }
            st = bigger;
            cap *= 2;
        }
        st[depth++] = (struct frame){ c, 0, kind };
    }
out:
    free(st);
    return rc;
}

int kz_html_text(const char *html, size_t n, kz_buf *out, kz_html_info *info)
{
    struct limiter *lim = NULL;
    GumboOutput *g = NULL;
    GumboOptions opt = kGumboDefaultOptions;
    size_t start = out->len;
    int rc;

    if (info) {
        info->title_start = out->len;
        info->title_len = 0;
        info->lang[0] = '\0';
    }
    lim = kz_calloc(1, sizeof *lim);
    if (!lim) {
        rc = KZ_ENOMEM;
        goto out;
    }
    lim->s = html;
    lim->n = n;
    kz_buf_init(&lim->out, KZ_BUF_NOLIMIT);
    if ((rc = limit_depth(lim)) < 0)
        goto out;
    opt.max_errors = 0;
    if (lim->rewriting)
        g = gumbo_parse_with_options(&opt, lim->out.p ? lim->out.p : "", lim->out.len);
    else
        g = gumbo_parse_with_options(&opt, n ? html : "", n);
    if (!g) {
        rc = KZ_ENOMEM;
        goto out;
    }
    struct walker w = { out, start, SEP_NONE, info, false, false, false };
    if ((rc = walk(&w, g->document)) < 0)
        goto out;
    if (info) {
        copy_lang(g->root, info);
        if (!w.title_started)
            info->title_start = out->len;
    }
    /* kz_buf's promise: NUL-terminated after success, even when empty */
    if (!out->p)
        rc = kz_buf_add(out, "", 0);
out:
    if (g)
        gumbo_destroy_output(&opt, g);
    if (lim)
        kz_buf_release(&lim->out);
    free(lim);
    if (rc < 0) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
        if (info) {
            info->title_start = start;
            info->title_len = 0;
        }
    }
    return rc;
}
