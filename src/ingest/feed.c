/*
 * ingest/feed.c - RSS 2.0, RSS 1.0 and Atom 1.0 items with libxml2.
 *
 * The document is parsed into a tree (libxml2 caps depth at 256 and text
 * nodes at 10 MB without XML_PARSE_HUGE; the input is capped by the
 * caller's body limit).  Text is collected by walking the tree with the
 * parent pointers (no recursion) and never through entity references, so
 * an entity declared in an internal DTD is never expanded here.
 */
#include "ingest/feed.h"
#include "ingest/html.h"
#include "util/buf.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <limits.h>

#define FEED_MAX_LINK 8192

void kz_feed_init(void)
{
    xmlInitParser();
}

static int named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

static const char *prop(const xmlNode *n, const char *name, xmlChar **owned)
{
    *owned = xmlGetProp(n, (const xmlChar *)name);
    return *owned ? (const char *)*owned : NULL;
}

/* Append the text under n (text and CDATA nodes; entity references are
 * not followed).  sep: a space between elements (XHTML content).
 * KZ_ETOOBIG when out is full: what fitted stays. */
static int collect(const xmlNode *n, kz_buf *out, int sep)
{
    const xmlNode *c = n->children;
    while (c && c != n) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content) {
                size_t l = strlen((const char *)c->content);
                size_t room = out->max - out->len;
                int rc = kz_buf_add(out, c->content, KZ_MIN(l, room));
                if (rc)
                    return rc;
                if (l > room)
                    return KZ_ETOOBIG;
            }
        } else if (c->type == XML_ELEMENT_NODE && c->children) {
            if (sep && kz_buf_addc(out, ' ') == KZ_ENOMEM)
                return KZ_ENOMEM;
            c = c->children;
            continue;
        }
        /* next: a sibling, or up until one */
        while (c && c != n && !c->next)
            c = c->parent;
        if (!c || c == n)
            break;
        c = c->next;
    }
    return 0;
}

struct scratch {
    kz_buf raw, title, text, link;
    size_t max_text;
};

/* The visible text of e (HTML when html, else plain) appended to out. */
static int element_text(struct scratch *s, const xmlNode *e, int html, int xhtml, kz_buf *out)
{
    if (!e)
        return 0;
    kz_buf_reset(&s->raw);
    int rc = collect(e, &s->raw, xhtml);
    if (rc == KZ_ENOMEM)
        return rc;
    if (!s->raw.p)
        return 0;
    if (!html) {
        rc = kz_buf_add(out, s->raw.p, KZ_MIN(s->raw.len, out->max - out->len));
        return rc == KZ_ENOMEM ? rc : 0;
    }
    rc = kz_html_text(s->raw.p, s->raw.len, out, NULL);
    if (rc == KZ_ETOOBIG)            /* the start of it, then */
        rc = kz_html_text(s->raw.p, KZ_MIN(s->raw.len, (out->max - out->len) / 2), out, NULL);
    return rc == KZ_ENOMEM ? rc : 0;
}

static int is_html_type(const xmlNode *e, int *xhtml)
{
    xmlChar *owned = NULL;
    const char *t = e ? prop(e, "type", &owned) : NULL;
    int html = t && (!strcmp(t, "html") || !strcmp(t, "text/html"));
    *xhtml = t && (!strcmp(t, "xhtml") || !strcmp(t, "application/xhtml+xml"));
    xmlFree(owned);
    return html;
}

static void trim(kz_buf *b)
{
    if (!b->p)
        return;
    size_t s = 0, e = b->len;
    while (s < e && (unsigned char)b->p[s] <= ' ')
        s++;
    while (e > s && (unsigned char)b->p[e - 1] <= ' ')
        e--;
    memmove(b->p, b->p + s, e - s);
    b->len = e - s;
    b->p[b->len] = '\0';
}

/* href resolved against the base of node n into s->link. */
static int set_link(struct scratch *s, const xmlDoc *doc, const xmlNode *n, const char *href)
{
    kz_buf_reset(&s->link);
    if (!href)
        return 0;
    while (*href && (unsigned char)*href <= ' ')
        href++;
    size_t l = strlen(href);
    while (l && (unsigned char)href[l - 1] <= ' ')
        l--;
    if (!l || l >= FEED_MAX_LINK)
        return 0;
    char *h = kz_strndup(href, l);
    if (!h)
        return KZ_ENOMEM;
    xmlChar *base = xmlNodeGetBase(doc, n);
    xmlChar *abs = xmlBuildURI((const xmlChar *)h, base);
    const char *res = abs ? (const char *)abs : h;
    int rc = strlen(res) < FEED_MAX_LINK ? kz_buf_adds(&s->link, res) : 0;
    xmlFree(abs);
    xmlFree(base);
    free(h);
    return rc == KZ_ENOMEM ? rc : 0;
}

static int emit_item(struct scratch *s, kz_feed_fn fn, void *arg)
{
    trim(&s->title);
    trim(&s->text);
    kz_feed_item it = { s->link.p ? s->link.p : "", s->title.p ? s->title.p : "",
                        s->text.p ? s->text.p : "", s->title.len, s->text.len };
    return fn ? fn(arg, &it) : 0;
}

static void reset(struct scratch *s)
{
    kz_buf_reset(&s->title);
    kz_buf_reset(&s->text);
    kz_buf_reset(&s->link);
}

/* RSS 2.0 / 1.0 item. */
static int rss_item(struct scratch *s, const xmlDoc *doc, const xmlNode *it)
{
    int rc;
    reset(s);
    const xmlNode *l = child(it, "link"), *body = child(it, "encoded");
    if (!body)
        body = child(it, "description");
    if ((rc = element_text(s, child(it, "title"), 0, 0, &s->title)) != 0 ||
        (rc = element_text(s, body, 1, 0, &s->text)) != 0)
        return rc;
    kz_buf_reset(&s->raw);
    if (l && collect(l, &s->raw, 0) == KZ_ENOMEM)
        return KZ_ENOMEM;
    if (!s->raw.len) {                   /* a permalink guid instead */
        const xmlNode *g = child(it, "guid");
        xmlChar *owned = NULL;
        const char *pl = g ? prop(g, "isPermaLink", &owned) : NULL;
        if (g && (!pl || strcmp(pl, "false")) && collect(g, &s->raw, 0) == KZ_ENOMEM) {
            xmlFree(owned);
            return KZ_ENOMEM;
        }
        xmlFree(owned);
    }
    if (!s->raw.p)
        return 0;
    char *h = kz_strndup(s->raw.p, s->raw.len);
    if (!h)
        return KZ_ENOMEM;
    rc = set_link(s, doc, l ? l : it, h);
    free(h);
    return rc;
}

/* Atom entry. */
static int atom_entry(struct scratch *s, const xmlDoc *doc, const xmlNode *en)
{
    int rc, xhtml;
    reset(s);
    const xmlNode *best = NULL, *first = NULL;
    for (const xmlNode *c = en->children; c; c = c->next) {
        if (!named(c, "link"))
            continue;
        xmlChar *owned = NULL;
        const char *rel = prop(c, "rel", &owned);
        if (!first)
            first = c;
        if (!best && (!rel || !strcmp(rel, "alternate")))
            best = c;
        xmlFree(owned);
    }
    if (!best)
        best = first;
    if (best) {
        xmlChar *owned = NULL;
        const char *href = prop(best, "href", &owned);
        rc = set_link(s, doc, best, href);
        xmlFree(owned);
        if (rc)
            return rc;
    }
    const xmlNode *t = child(en, "title"), *body = child(en, "content");
    if (!body)
        body = child(en, "summary");
    int th = is_html_type(t, &xhtml);
    if ((rc = element_text(s, t, th, xhtml, &s->title)) != 0)
        return rc;
    int bh = is_html_type(body, &xhtml);
    return element_text(s, body, bh, xhtml, &s->text);
}

int kz_feed_parse(const char *xml, size_t n, const char *url, size_t max_items, size_t max_text,
                  kz_feed_fn fn, void *arg, kz_feed_info *info)
{
    kz_feed_info local;
    struct scratch s;
    xmlDoc *doc = NULL;
    int rc = KZ_EINVAL;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!max_items)
        max_items = 1000;
    if (!max_text)
        max_text = 64u << 10;
    s.max_text = max_text;
    kz_buf_init(&s.raw, max_text * 4);
    kz_buf_init(&s.title, max_text);
    kz_buf_init(&s.text, max_text);
    kz_buf_init(&s.link, FEED_MAX_LINK);
    if (!xml || n > INT_MAX)
        goto out;
    doc = xmlReadMemory(xml, (int)n, url, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root)
        goto out;
    const xmlNode *list = NULL;
    const char *item = NULL;
    if (named(root, "rss")) {
        info->kind = KZ_FEED_RSS;
        list = child(root, "channel");
        item = "item";
    } else if (named(root, "RDF")) {
        info->kind = KZ_FEED_RDF;
        list = root;
        item = "item";
    } else if (named(root, "feed")) {
        info->kind = KZ_FEED_ATOM;
        list = root;
        item = "entry";
    } else {
        goto out;
    }
    rc = 0;
    for (const xmlNode *c = list ? list->children : NULL; c && !rc; c = c->next) {
        if (!named(c, item))
            continue;
        if (info->items >= max_items) {
            info->skipped++;
            continue;
        }
        rc = info->kind == KZ_FEED_ATOM ? atom_entry(&s, doc, c) : rss_item(&s, doc, c);
        if (!rc) {
            info->items++;
            rc = emit_item(&s, fn, arg);
        }
    }
out:
    if (doc)
        xmlFreeDoc(doc);
    kz_buf_release(&s.raw);
    kz_buf_release(&s.title);
    kz_buf_release(&s.text);
    kz_buf_release(&s.link);
    return rc;
}
