/*
 * pipeline/ingest.c - kuzet's ingest as one library call (pipeline/ingest.h).
 *
 * The caller's thread reads batches of lines and submits them to the pool
 * (util/pool.h); a worker prepares a batch: parses and scans each line,
 * reads and hashes its images, and copies what the writer needs of each
 * record that may be stored (its fields, hits, scores, image hashes, the
 * text's SHA-256, the text compressed as the store keeps it, and, when a
 * bank wants it, its SimHash) into the batch,
 * with the batch's events (lines rejected, images not hashed) in line
 * order.  A record that cannot be stored (no hits, not store_all, and no
 * block bank of a type it could match) is only counted.  The caller's
 * thread takes prepared batches back in input order and stores each in one
 * transaction through pipeline/evidence.h, the only place that touches the
 * store.
 */
#include "pipeline/ingest.h"
#include "pipeline/evidence.h"
#include "detect/simhash.h"
#include "ingest/image.h"
#include "ingest/imghash.h"
#include "store/media.h"
#include "ingest/jsonl.h"
#include "store/audit.h"
#include "store/bank.h"
#include "store/content.h"
#include "util/pool.h"
#include "url/url.h"
#include "util/sha256.h"
#include "util/utf8.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#define NONE ((size_t)-1)
#define BUSY_RETRIES 8

typedef struct str {
    size_t off, len;            /* into the batch's strs; off NONE: NULL */
} str;

/* A record that may be stored, as the writer needs it. */
typedef struct rec {
    size_t   line;
    str      url, platform, id, lang, published, text;
    str      z;                 /* the text packed for the store (store/content.h) */
    str      canon;             /* kz_url_canon(url); off NONE: none */
    int      clean;             /* every string valid UTF-8 without NUL (kz_item_prep.clean) */
    size_t   hit0, nhits;       /* hits[hit0..] */
    size_t   cat0;              /* score[cat0..], flag[cat0..]: ncats each */
    size_t   nflagged;
    size_t   img0, nimg;        /* img[img0..] */
    size_t   url0, nurl;        /* urls[url0..]: images given by URL */
    char     sha[65];           /* the text's SHA-256; "" when the text is empty */
    int      have_sim;
    uint64_t sim;
    int      stored;            /* the writer's: 1 stored as out */
    kz_ingest_out out;
} rec;

typedef struct bimg {
    str        ref;
    kz_imghash h;
    uint8_t   *data;            /* its bytes, kept for review (malloc'd), or NULL */
    size_t     len;
} bimg;

typedef struct bevent {
    kz_ingest_what what;        /* KZ_INGEST_REJECTED or KZ_INGEST_IMAGE */
    size_t         line;
    str            why, ref;
} bevent;

typedef struct batch {
    kz_lines_batch lb;
    const kz_ingest_input *in;
    kz_folder  *images;
    int         rc;             /* the worker ran out of memory */
    kz_buf      strs;
    rec        *recs;   size_t nrecs, caprecs;
    kz_hit     *hits;   size_t nhits, caphits;
    uint32_t   *score;  size_t capscore;
    uint8_t    *flag;   size_t capflag, ncat;
    bimg       *img;    size_t nimg, capimg;
    str        *urls;   size_t nurls, capurls;
    bevent     *ev;     size_t nev, capev;
    size_t      records, flagged, rejected, image_errors;
    size_t      image_urls;     /* the writer's: handed to on_image_url */
} batch;

typedef struct worker {
    kz_jsonl    *jl;
    kz_scan_ctx *cx;
    kz_simhash  *sh;
    kz_content_zip *zip;
} worker;

typedef struct run {
    const kz_ingest_opts *o;
    size_t       max_record, ncats;
    int          want_sha, want_sim, want_img;  /* some block bank could match */
    worker      *w;
    unsigned     nw;
    pthread_mutex_t folder_mu;  /* a kz_folder is one thread at a time */
    batch       *ring;
    size_t       nring, submitted;
    kz_pool     *pool;
    kz_evidence *ev;
    kz_ingest_stats st;
    int          rc;            /* what stopped the run */
} run;

/* Drop the images b->img[from..b->nimg) and their kept bytes. */
static void drop_images(batch *b, size_t from)
{
    for (size_t i = from; i < b->nimg; i++)
        free(b->img[i].data);
    b->nimg = from;
}

/* ---- the workers: parse, scan, hash ---------------------------------------- */

/* Copy s[0..n) (NULL stays NULL) into b->strs, NUL-terminated. */
static int put_str(batch *b, const char *s, size_t n, str *out)
{
    out->off = NONE;
    out->len = 0;
    if (!s)
        return 0;
    out->off = b->strs.len;
    out->len = n;
    int rc = n ? kz_buf_add(&b->strs, s, n) : 0;
    return rc ? rc : kz_buf_addc(&b->strs, '\0');  /* each one NUL-terminated */
}

static int add_event(batch *b, kz_ingest_what what, size_t line, const char *ref, size_t ref_len,
                     const char *fmt, ...) KZ_PRINTF(6, 7);

static int add_event(batch *b, kz_ingest_what what, size_t line, const char *ref, size_t ref_len,
                     const char *fmt, ...)
{
    if (KZ_GROW(b->ev, b->capev, b->nev + 1))
        return KZ_ENOMEM;
    bevent *e = &b->ev[b->nev];
    e->what = what;
    e->line = line;
    int rc = put_str(b, ref, ref_len, &e->ref);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if ((rc = put_str(b, tmp, n < 0 ? 0 : KZ_MIN((size_t)n, sizeof tmp - 1), &e->why)) != 0)
        return rc;
    b->nev++;
    return 0;
}

/* Read and hash the record's local images (inside b->images; URLs are not
 * fetched, only kept for on_image_url); each one that cannot be read or
 * decoded is an event. */
static int hash_images(run *r, batch *b, const kz_record *kr, size_t line)
{
    char why[KZ_IMAGE_ERRLEN];
    int rc;
    for (size_t i = 0; i < kr->nimages; i++) {
        const char *ref = kr->images[i];
        size_t n = kr->image_lens[i];
        uint8_t *data = NULL;
        size_t len = 0;
        if (memmem(ref, n, "://", 3)) {          /* a URL: not fetched by ingest */
            if (r->o->on_image_url) {
                if (KZ_GROW(b->urls, b->capurls, b->nurls + 1))
                    return KZ_ENOMEM;
                if ((rc = put_str(b, ref, n, &b->urls[b->nurls])) != 0)
                    return rc;
                b->nurls++;
            }
            continue;
        }
        if (KZ_GROW(b->img, b->capimg, b->nimg + 1))
            return KZ_ENOMEM;
        bimg *im = &b->img[b->nimg];
        im->data = NULL;
        im->len = 0;
        if (!b->images) {
            rc = KZ_EPERM;
            snprintf(why, sizeof why, "no folder to read images from");
        } else {
            pthread_mutex_lock(&r->folder_mu);
            rc = kz_folder_read(b->images, ref, n, KZ_IMAGE_MAX_BYTES, &data, &len);
            if (rc)
                snprintf(why, sizeof why, "%s", kz_folder_errmsg(b->images));
            pthread_mutex_unlock(&r->folder_mu);
            if (!rc)
                rc = kz_imghash_compute(data, len, &im->h, why);
            if (!rc && len <= KZ_MEDIA_KEEP_MAX) {
                im->data = data;                /* kept for review if the record is stored */
                im->len = len;
                data = NULL;
            }
            free(data);
        }
        if (rc == KZ_ENOMEM)
            return rc;
        if (rc) {
            free(im->data);
            im->data = NULL;
            if ((rc = add_event(b, KZ_INGEST_IMAGE, line, ref, n, "%s", why)) != 0)
                return rc;
            b->image_errors++;
            continue;
        }
        b->nimg++;                              /* its bytes are the batch's now */
        if ((rc = put_str(b, ref, n, &im->ref)) != 0)
            return rc;
    }
    return 0;
}

/* s[0..n) can be stored as it is: valid UTF-8 without NUL bytes (NULL
 * too); what the store checks itself when kz_item_prep.clean is 0. */
static int str_ok(const char *s, size_t n)
{
    return !s || (!memchr(s, '\0', n) && kz_utf8_invalid_count(s, n) == 0);
}

/* A record parsed and scanned: its images hashed, and what the writer
 * needs of it kept unless it cannot be stored. */
static int add_record(run *r, worker *w, batch *b, const kz_record *kr, const kz_result *res,
                      size_t line)
{
    size_t img0 = b->nimg, url0 = b->nurls;
    int rc = hash_images(r, b, kr, line);
    if (rc)
        return rc;
    size_t nimg = b->nimg - img0, nurl = b->nurls - url0;
    if (res->nhits == 0 && !r->o->store_all && !r->want_sha && !r->want_sim &&
        !(nimg && r->want_img) && !nurl) {
        drop_images(b, img0);                   /* nothing could match: only counted */
        return 0;
    }
    if (KZ_GROW(b->recs, b->caprecs, b->nrecs + 1) ||
        KZ_GROW(b->hits, b->caphits, b->nhits + res->nhits + 1) ||
        KZ_GROW(b->score, b->capscore, b->ncat + r->ncats + 1) ||
        KZ_GROW(b->flag, b->capflag, b->ncat + r->ncats + 1))
        return KZ_ENOMEM;
    rec *k = &b->recs[b->nrecs];
    memset(k, 0, sizeof *k);
    k->line = line;
    if ((rc = put_str(b, kr->url, kr->url_len, &k->url)) != 0 ||
        (rc = put_str(b, kr->platform, kr->platform_len, &k->platform)) != 0 ||
        (rc = put_str(b, kr->id, kr->id_len, &k->id)) != 0 ||
        (rc = put_str(b, kr->lang, kr->lang_len, &k->lang)) != 0 ||
        (rc = put_str(b, kr->published, kr->published_len, &k->published)) != 0 ||
        (rc = put_str(b, kr->text, kr->text_len, &k->text)) != 0)
        return rc;
    k->hit0 = b->nhits;
    k->nhits = res->nhits;
    if (res->nhits)
        memcpy(b->hits + b->nhits, res->hits, res->nhits * sizeof *res->hits);
    b->nhits += res->nhits;
    k->cat0 = b->ncat;
    if (r->ncats) {
        memcpy(b->score + b->ncat, res->score, r->ncats * sizeof *res->score);
        memcpy(b->flag + b->ncat, res->flagged, r->ncats);
    }
    b->ncat += r->ncats;
    k->nflagged = res->nflagged;
    k->img0 = img0;
    k->nimg = nimg;
    k->url0 = url0;
    k->nurl = nurl;
    if (kr->text_len)                           /* empty: the store decides (images) */
        kz_sha256_hex(kr->text, kr->text_len, k->sha);
    /* what the store would otherwise work out on the one writer thread:
     * whether every string can be stored as it is, the canonical URL */
    int text_ok = res->invalid_utf8 == 0 && !memchr(kr->text, '\0', kr->text_len);  /* scanned */
    k->clean = text_ok && str_ok(kr->url, kr->url_len) && str_ok(kr->platform, kr->platform_len) &&
               str_ok(kr->id, kr->id_len) && str_ok(kr->lang, kr->lang_len) &&
               str_ok(kr->published, kr->published_len);
    k->canon.off = NONE;
    k->canon.len = 0;
    if (kr->url && kr->url_len) {
        size_t at = b->strs.len;
        rc = kz_url_canon(kr->url, kr->url_len, &b->strs, NULL);
        if (rc == 0 && (rc = kz_buf_addc(&b->strs, '\0')) == 0) {
            k->canon.off = at;
            k->canon.len = b->strs.len - 1 - at;
        } else if (rc == KZ_ENOMEM) {
            return rc;
        } else {
            b->strs.len = at;                   /* kept as written (store.c) */
        }
    }
    /* the whole text packed here, on the scan threads, not by the writer,
     * unless the excerpt holds it (most posts: store/content.h) */
    if (text_ok && kz_store_excerpt_len(kr->text, kr->text_len) == kr->text_len) {
        k->z.off = NONE;
        k->z.len = 0;
    } else {
        if (!w->zip && !(w->zip = kz_content_zip_new()))
            return KZ_ENOMEM;
        k->z.off = b->strs.len;
        if ((rc = kz_content_zip_pack(w->zip, kr->text ? kr->text : "",
                                      kz_content_len(kr->text, kr->text_len), &b->strs)) != 0 ||
            (rc = kz_buf_addc(&b->strs, '\0')) != 0)
            return rc;
        k->z.len = b->strs.len - 1 - k->z.off;
    }
    if (r->want_sim && kr->text_len) {
        if (!w->sh && !(w->sh = kz_simhash_new()))
            return KZ_ENOMEM;
        size_t ex = kz_store_excerpt_len(kr->text, kr->text_len);
        if ((rc = kz_simhash_text(w->sh, kr->text, ex, &k->sim)) != 0)
            return rc;
        k->have_sim = 1;
    }
    b->nrecs++;
    return 0;
}

static int prepare_batch(run *r, worker *w, batch *b)
{
    const char *p = b->lb.in.p, *end = b->lb.in.p + b->lb.in.len;
    size_t line = b->lb.first_line, oi = 0;
    int rc = 0;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (oi < b->lb.noverlong && b->lb.overlong[oi] == line) {
            rc = add_event(b, KZ_INGEST_REJECTED, line, NULL, 0,
                           "line is longer than the limit of %zu bytes; skipped", r->max_record);
            b->rejected++;
            oi++;
        } else if (len > 0 && !(len == 1 && p[0] == '\r')) {
            kz_record kr;
            kz_result res;
            int src;
            if (kz_jsonl_parse(w->jl, p, len, &kr) != 0) {
                rc = add_event(b, KZ_INGEST_REJECTED, line, NULL, 0, "%s",
                               kz_jsonl_errmsg(w->jl));
                b->rejected++;
            } else if ((src = kz_scan(w->cx, kr.text, kr.text_len, &res)) != 0) {
                rc = add_event(b, KZ_INGEST_REJECTED, line, NULL, 0, "cannot scan: %s",
                               kz_strerror(src));
                b->rejected++;
            } else {
                b->records++;
                b->flagged += res.nflagged > 0;
                rc = add_record(r, w, b, &kr, &res, line);
            }
        }
        line++;
        p = nl ? nl + 1 : end;
    }
    return rc;
}

static void prepare_job(void *ctx, unsigned wi, void *job)
{
    run *r = ctx;
    batch *b = job;
    kz_buf_reset(&b->strs);
    drop_images(b, 0);
    b->nrecs = b->nhits = b->ncat = b->nev = b->nurls = 0;
    b->records = b->flagged = b->rejected = b->image_errors = 0;
    b->rc = prepare_batch(r, &r->w[wi], b);
}

/* ---- the writer: the caller's thread --------------------------------------- */

static const char *sp(const batch *b, str s) { return s.off == NONE ? NULL : b->strs.p + s.off; }

static int emit(run *r, kz_ingest_event *ev)
{
    ev->stats = &r->st;
    int rc = r->o->on_event ? r->o->on_event(r->o->ctx, ev) : 0;
    if (rc && !r->rc)
        r->rc = rc;
    return rc;
}

/* Hand the store what add_record prepared of k (item: k's). */
static void prepared(kz_store *st, const batch *b, const rec *k, const kz_item_in *it)
{
    kz_item_prep p = { it->text, it->text_len, sp(b, k->z), k->z.len, k->clean, 1,
                       sp(b, k->canon), k->canon.len };
    kz_store_prepared(st, &p);
}

/* Send ahead (kz_store_ingest_ahead) the run of records from recs[from]
 * on that will surely be stored, so their items go out together and each
 * keeps its place in the order of ids; *next: the record after the run
 * (after recs[from] when it could not be sent: it is stored as it comes). */
static int send_run(run *r, batch *b, size_t from, size_t *next)
{
    size_t j = from;
    int rc = 0;
    while (j < b->nrecs) {
        const rec *a = &b->recs[j];
        if (!(a->nhits || r->o->store_all) || !a->sha[0])
            break;
        kz_item_in it = { sp(b, a->url), a->url.len, sp(b, a->platform), a->platform.len,
                          sp(b, a->id), a->id.len, sp(b, a->lang), a->lang.len,
                          sp(b, a->published), a->published.len, sp(b, a->text), a->text.len,
                          a->sha };
        prepared(r->o->store, b, a, &it);
        if ((rc = kz_store_ingest_ahead(r->o->store, &it)) <= 0)
            break;
        j++;
    }
    *next = j == from ? from + 1 : j;
    return rc < 0 ? rc : 0;
}

/* The platforms of b's records that will surely be stored, added before
 * the batch's transaction (kz_store_add_platform: batches of other writers
 * naming a new one then do not wait for this one's commit).  A record with
 * a string that is not valid UTF-8 is left to the store, which cleans it. */
static int add_platforms(run *r, batch *b)
{
    const char *last = NULL;
    size_t last_len = 0;
    for (size_t i = 0; i < b->nrecs; i++) {
        const rec *k = &b->recs[i];
        const char *p = sp(b, k->platform);
        if (!(k->nhits || r->o->store_all) || !k->clean || !p || !k->platform.len ||
            (last && k->platform.len == last_len && !memcmp(p, last, last_len)))
            continue;
        int rc = kz_store_add_platform(r->o->store, p, k->platform.len);
        if (rc)
            return rc;
        last = p;
        last_len = k->platform.len;
    }
    return 0;
}

/* Store b's records in one transaction. */
static int store_once(run *r, batch *b)
{
    kz_store *st = r->o->store;
    int rc = add_platforms(r, b);
    if (!rc)
        rc = kz_store_begin_bulk(st);
    if (rc)
        return rc;
    int ahead = kz_store_sends_ahead(st);
    size_t sent = 0;                /* recs[..sent) were sent ahead, or tried */
    b->image_urls = 0;
    for (size_t i = 0; i < b->nrecs && !rc; i++) {
        rec *k = &b->recs[i];
        if (ahead && i >= sent && (rc = send_run(r, b, i, &sent)) != 0)
            break;
        kz_evidence_reset(r->ev);
        for (size_t j = 0; j < k->nimg && !rc; j++) {
            const bimg *im = &b->img[k->img0 + j];
            rc = kz_evidence_image_hashed(r->ev, sp(b, im->ref), im->ref.len, &im->h);
            if (!rc && im->data)
                rc = kz_evidence_image_bytes(r->ev, im->data, im->len);
        }
        if (rc)
            break;
        if (k->have_sim)
            kz_evidence_text_simhash(r->ev, k->sim);
        kz_item_in it = { sp(b, k->url), k->url.len, sp(b, k->platform), k->platform.len,
                          sp(b, k->id), k->id.len, sp(b, k->lang), k->lang.len,
                          sp(b, k->published), k->published.len, sp(b, k->text), k->text.len,
                          k->sha[0] ? k->sha : NULL };
        kz_result res = { b->hits + k->hit0, k->nhits, 0, b->score + k->cat0, b->flag + k->cat0,
                          k->nflagged, 0 };
        prepared(st, b, k, &it);
        rc = kz_evidence_keep(r->ev, &it, &res, r->o->store_all, &k->out);
        k->stored = rc > 0;
        if (rc > 0)
            rc = 0;
        for (size_t j = 0; j < k->nurl && !rc; j++) {
            const str *u = &b->urls[k->url0 + j];
            rc = r->o->on_image_url(r->o->ctx, st, sp(b, *u), u->len,
                                    k->stored ? k->out.item_id : 0, sp(b, k->url), k->url.len);
            if (rc > 0) {
                b->image_urls++;
                rc = 0;
            }
        }
    }
    if (rc == 0)
        rc = kz_store_commit(st);
    if (rc)
        kz_store_rollback(st);
    return rc;
}

/* Store b (again while the database is busy, backing off), then report. */
static void store_batch(run *r, batch *b)
{
    kz_ingest_event ev;
    int rc = b->rc;
    for (size_t i = 0; i < b->nev && !r->rc; i++) {
        const bevent *e = &b->ev[i];
        memset(&ev, 0, sizeof ev);
        ev.what = e->what;
        ev.in = b->in;
        ev.line = e->line;
        ev.why = sp(b, e->why);
        ev.ref = sp(b, e->ref);
        ev.ref_len = e->ref.len;
        emit(r, &ev);
    }
    if (r->rc)
        return;
    for (int again = 0; !rc && b->nrecs; again++) {
        rc = store_once(r, b);
        if (rc != KZ_EBUSY || again == BUSY_RETRIES)
            break;
        struct timespec ts = { 0, (50L << (again < 4 ? again : 4)) * 1000000L +
                                  (long)(getpid() % 50) * 1000000L };
        nanosleep(&ts, NULL);
        rc = 0;
    }
    if (rc) {
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_INGEST_STORE_ERROR;
        ev.in = b->in;
        ev.line = b->lb.first_line;
        ev.rc = rc;
        ev.why = rc == KZ_ENOMEM ? kz_strerror(rc) : kz_store_errmsg(r->o->store);
        r->rc = rc;
        emit(r, &ev);
        return;
    }
    r->st.records += b->records;
    r->st.flagged += b->flagged;
    r->st.rejected += b->rejected;
    r->st.image_errors += b->image_errors;
    r->st.image_urls += b->image_urls;
    r->st.bytes += b->lb.bytes;
    for (size_t i = 0; i < b->nrecs; i++) {
        const rec *k = &b->recs[i];
        if (!k->stored)
            continue;
        if (k->out.item_created)
            r->st.created++;
        else
            r->st.updated++;
        r->st.cases += k->out.cases_opened;
    }
    for (size_t i = 0; i < b->nrecs && !r->rc; i++) {
        const rec *k = &b->recs[i];
        if (!k->stored)
            continue;
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_INGEST_STORED;
        ev.in = b->in;
        ev.line = k->line;
        ev.item_id = k->out.item_id;
        ev.created = k->out.item_created;
        ev.cases_opened = k->out.cases_opened;
        emit(r, &ev);
    }
    if (!r->rc) {
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_INGEST_PROGRESS;
        ev.in = b->in;
        ev.line = b->lb.first_line;
        emit(r, &ev);
    }
}

/* in could not be opened or read (err: an errno), or (err 0) the run ran
 * out of memory reading it and stops. */
static void input_error(run *r, const kz_ingest_input *in, const char *what, int err)
{
    char why[256];
    kz_ingest_event ev;
    if (err)
        snprintf(why, sizeof why, "%s: %s", what, strerror(err));
    else
        snprintf(why, sizeof why, "%s", kz_strerror(KZ_ENOMEM));
    if (!err && !r->rc)
        r->rc = KZ_ENOMEM;
    memset(&ev, 0, sizeof ev);
    ev.what = KZ_INGEST_INPUT_ERROR;
    ev.in = in;
    ev.why = why;
    r->st.inputs_failed++;
    emit(r, &ev);
}

/* One input through the pool: batches submitted while there is room,
 * stored as they come back in order. */
static void run_input(run *r, const kz_ingest_input *in)
{
    int fd = in->fd, own_fd = 0;
    kz_folder *own = NULL, *images = in->images ? in->images : r->o->images;
    batch *b;
    if (in->path && !in->read) {
        if ((fd = open(in->path, O_RDONLY | O_CLOEXEC)) < 0) {
            input_error(r, in, "cannot open", errno);
            return;
        }
        own_fd = 1;
    }
    if (!images && in->path) {
        /* "images" are read from inside the input's folder */
        const char *slash = strrchr(in->path, '/');
        char *dir = slash ? kz_strndup(in->path, slash == in->path ? 1 : (size_t)(slash - in->path))
                          : NULL;
        /* a folder that cannot be opened: each image says so */
        if ((slash && !dir) || kz_folder_open(&own, dir ? dir : ".", 0) == KZ_ENOMEM) {
            free(dir);
            input_error(r, in, NULL, 0);
            goto out;
        }
        free(dir);
        images = own;
    }
    kz_lines rd;
    kz_lines_init(&rd, fd, r->max_record);
    if (in->read && !in->path)
        kz_lines_set_reader(&rd, in->read, in->read_ctx, 0);
    rd.batch = r->o->batch ? r->o->batch : KZ_INGEST_BATCH;
    for (;;) {
        /* a batch read and submitted whenever there is room, before the
         * oldest is stored: the scan threads work while the writer stores,
         * rather than waiting for it to store every batch they finished */
        if (!r->rc && !rd.eof && kz_pool_out(r->pool) < r->nring) {
            b = &r->ring[r->submitted % r->nring];
            int rc = kz_lines_fill(&rd, &b->lb);
            if (rc < 0) {
                input_error(r, in, NULL, 0);
            } else if (rc > 0) {
                b->in = in;
                b->images = images;
                kz_pool_submit(r->pool, b);
                r->submitted++;
            } else {
                r->st.bytes += b->lb.bytes;
            }
        } else if ((b = kz_pool_take(r->pool, 1)) != NULL) {
            if (!r->rc)
                store_batch(r, b);
        } else {
            break;
        }
    }
    if (rd.error)
        input_error(r, in, "read error", rd.error);
    kz_lines_release(&rd);
out:
    kz_folder_free(&own);
    if (own_fd)
        close(fd);
}

/* Sign where the audit log stands after this run (store/audit.h). */
static void checkpoint(run *r)
{
    char path[1024], line[512];
    kz_ingest_event ev;
    kz_store *st = r->o->store;
    if (r->o->audit_key)
        snprintf(path, sizeof path, "%s", r->o->audit_key);
    else
        kz_audit_key_path(st, path, sizeof path);
    memset(&ev, 0, sizeof ev);
    ev.what = KZ_INGEST_CHECKPOINT;
    ev.rc = kz_audit_checkpoint(st, path, line, sizeof line);
    ev.why = ev.rc == 0 ? line : ev.rc == KZ_ENOTFOUND ? "the audit log is empty"
                                                         : kz_store_errmsg(st);
    ev.key_path = path;
    ev.key_exposed = ev.rc == 0 && kz_audit_key_exposed(path);
    r->st.checkpoint = ev.rc ? ev.rc : 1;
    emit(r, &ev);
}

static void batch_release(batch *b)
{
    kz_lines_batch_release(&b->lb);
    kz_buf_release(&b->strs);
    drop_images(b, 0);
    free(b->recs);
    free(b->hits);
    free(b->score);
    free(b->flag);
    free(b->img);
    free(b->urls);
    free(b->ev);
}

int kz_ingest_run(const kz_ingest_opts *o, const kz_ingest_input *inputs, size_t ninputs,
                  kz_ingest_stats *stats)
{
    run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!o || !o->scanner || !o->store || (ninputs && !inputs))
        return KZ_EINVAL;
    r.max_record = o->max_record ? o->max_record : (size_t)1 << 20;
    r.ncats = kz_scanner_ncats(o->scanner);
    unsigned nthreads = o->threads ? o->threads : kz_pool_ncpu();
    pthread_mutex_init(&r.folder_mu, NULL);
    int rc = KZ_ENOMEM;
    if ((rc = kz_evidence_new(&r.ev, o->store, o->scanner)) != 0)
        goto out;
    kz_store_bulk(o->store);
    /* which hashes a record no rule matched needs: those some block bank
     * holds, as the banks are when the run starts */
    int want[KZ_BANK_NTYPES];
    for (int t = 0; t < KZ_BANK_NTYPES; t++)
        if ((want[t] = kz_evidence_wants(r.ev, t)) < 0) {
            kz_ingest_event ev;
            memset(&ev, 0, sizeof ev);
            ev.what = KZ_INGEST_STORE_ERROR;
            ev.in = ninputs ? &inputs[0] : NULL;
            ev.line = 1;
            ev.rc = rc = want[t];
            ev.why = kz_store_errmsg(o->store);
            emit(&r, &ev);
            goto out;
        }
    r.want_sha = want[KZ_BANK_SHA256];
    r.want_sim = want[KZ_BANK_SIMHASH];
    r.want_img = want[KZ_BANK_PDQ] || want[KZ_BANK_SHA256] || want[KZ_BANK_MD5];
    rc = KZ_ENOMEM;
    r.nw = nthreads;
    r.nring = (size_t)nthreads + 2;     /* a batch for each worker, and one more to read */
    if (!(r.w = kz_calloc(r.nw, sizeof *r.w)) || !(r.ring = kz_calloc(r.nring, sizeof *r.ring)))
        goto out;
    for (size_t i = 0; i < r.nring; i++) {
        kz_lines_batch_init(&r.ring[i].lb);
        kz_buf_init(&r.ring[i].strs, KZ_BUF_NOLIMIT);
    }
    for (unsigned i = 0; i < r.nw; i++)
        if (!(r.w[i].jl = kz_jsonl_new(r.max_record)) ||
            !(r.w[i].cx = kz_scan_ctx_new(o->scanner)))
            goto out;
    if ((rc = kz_pool_new(&r.pool, nthreads, r.nring, prepare_job, &r)) != 0)
        goto out;
    for (size_t i = 0; i < ninputs && !r.rc; i++)
        run_input(&r, &inputs[i]);
    kz_pool_free(&r.pool);
    r.st.complete = !r.rc && !r.st.inputs_failed;
    if (!o->no_checkpoint && (r.st.created || r.st.updated || r.st.cases))
        checkpoint(&r);
    rc = r.rc;
out:
    kz_pool_free(&r.pool);
    if (r.w)
        for (unsigned i = 0; i < r.nw; i++) {
            kz_jsonl_free(r.w[i].jl);
            kz_scan_ctx_free(r.w[i].cx);
            kz_simhash_free(r.w[i].sh);
            kz_content_zip_free(&r.w[i].zip);
        }
    free(r.w);
    if (r.ring)
        for (size_t i = 0; i < r.nring; i++)
            batch_release(&r.ring[i]);
    free(r.ring);
    kz_evidence_free(&r.ev);
    pthread_mutex_destroy(&r.folder_mu);
    if (stats)
        *stats = r.st;
    return rc;
}
