/*
 * tests/t_pipeline.c - the ingest pipeline driven as a library call
 * (pipeline/ingest.h), without the kuzet binary.
 *
 * A batch of records with bad ones among them (not JSON, no text, a line
 * over the limit, not an object): every good record is stored, every bad
 * one reported through the callback with its line and reason, in input
 * order; 1 thread and 3 threads, over many small batches, leave the same
 * store.  Images: the ones that hash are stored with their item, the ones
 * refused (missing, outside the folder, not an image, no folder at all)
 * are reported with their line, name and reason.  A callback's non-zero
 * return stops the run.
 */
#include "kt.h"
#include "kt_store.h"
#include "store/media.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "ingest/jsonl.h"
#include "pipeline/ingest.h"
#include "store/audit.h"
#include "util/buf.h"
#include <sys/stat.h>
#include <unistd.h>

static const char rules_yaml[] =
    "categories:\n"
    "  drugs: { threshold: 50 }\n"
    "rules:\n"
    "  - id: drugs-stash\n"
    "    category: drugs\n"
    "    weight: 50\n"
    "    phrases: [закладка]\n";

static kz_scanner *scanner(kz_ruleset **rs)
{
    kz_scanner *sc = NULL;
    kz_buf errs;
    kz_buf_init(&errs, 1 << 16);
    KT_EQ_INT(kz_rules_parse(rules_yaml, strlen(rules_yaml), "rules", rs, &errs), 0);
    if (*rs)
        KT_EQ_INT(kz_scanner_new(*rs, &sc, &errs), 0);
    kz_buf_release(&errs);
    return sc;
}

/* An input in memory, handed out at most chunk bytes a read. */
typedef struct mem {
    const char *p;
    size_t len, off, chunk;
} mem;

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
    mem *m = ctx;
    size_t k = KZ_MIN(KZ_MIN(n, m->chunk), m->len - m->off);
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

/* What the callback saw, one line per event (progress left out). */
typedef struct seen {
    kz_buf log;
    int    stop_at_stored;      /* return 7 on this STORED event (1-based); 0: never */
    int    nstored, ncheckpoint;
} seen;

static int on_event(void *ctx, const kz_ingest_event *ev)
{
    seen *s = ctx;
    switch (ev->what) {
    case KZ_INGEST_REJECTED:
        kz_buf_addf(&s->log, "rejected %zu: %s\n", ev->line, ev->why);
        break;
    case KZ_INGEST_IMAGE:
        kz_buf_addf(&s->log, "image %zu %.*s: %s\n", ev->line, (int)ev->ref_len, ev->ref, ev->why);
        break;
    case KZ_INGEST_STORED:
        kz_buf_addf(&s->log, "stored %zu%s\n", ev->line, ev->created ? " new" : "");
        if (++s->nstored == s->stop_at_stored)
            return 7;
        break;
    case KZ_INGEST_CHECKPOINT:
        s->ncheckpoint++;
        KT_EQ_INT(ev->rc, 0);
        break;
    case KZ_INGEST_PROGRESS:
        KT_CHECK(ev->stats != NULL);
        break;
    default:
        kz_buf_addf(&s->log, "event %d %zu: %s\n", (int)ev->what, ev->line, ev->why ? ev->why : "");
        break;
    }
    return 0;
}

/* Rows of sql, one line each, fields separated by '|'. */
static void dump(kz_store *st, const char *sql, kz_buf *out)
{
    kz_dbres *r = NULL;
    KT_EQ_INT(kz_db_query(kz_store_db(st), sql, NULL, 0, &r), 0);
    if (!r)
        return;
    int rc, cols = 1;
    for (const char *p = sql; *p && strncmp(p, " FROM", 5); p++)
        cols += *p == ',';
    while ((rc = kz_dbres_next(r)) == 1) {
        for (int c = 0; c < cols; c++) {
            size_t n = 0;
            const char *t = kz_dbres_text(r, c, &n);
            kz_buf_addf(out, "%s%.*s", c ? "|" : "", (int)n, t ? t : "NULL");
        }
        kz_buf_addc(out, '\n');
    }
    KT_EQ_INT(rc, 0);
    kz_dbres_done(r);
}

static void dump_store(kz_store *st, kz_buf *out)
{
    dump(st, "SELECT id, source_ref, url, canonical_url, content_sha256, excerpt FROM items "
             "ORDER BY id", out);
    dump(st, "SELECT item_id, rule_id, category, method, start_offset, end_offset, evidence "
             "FROM detections ORDER BY id", out);
    dump(st, "SELECT item_id, category, state, score FROM cases ORDER BY id", out);
    dump(st, "SELECT seq, actor, action, entity, entity_id, after_state FROM audit_log "
             "ORDER BY seq", out);
}

enum { K_HIT, K_PLAIN, K_BADJSON, K_NOTEXT, K_LONG, K_EMPTY, K_ARRAY, NKINDS };

#define MAX_RECORD 300

/* The input: 70 lines, every kind of good and bad line in turn. */
static void make_input(kz_buf *in, kz_buf *expect_rejected, kz_buf *expect_stored, int store_all,
                       size_t *good, size_t *bad)
{
    kz_jsonl *jl = kz_jsonl_new(MAX_RECORD);
    kz_record rec;
    *good = *bad = 0;
    for (size_t line = 1; line <= 70; line++) {
        size_t at = in->len;
        switch (line % NKINDS) {
        case K_HIT:
            kz_buf_addf(in, "{\"id\":%zu,\"url\":\"https://x.example/%zu\",\"text\":\"закладка "
                        "номер %zu\"}", line, line, line);
            break;
        case K_PLAIN:
            kz_buf_addf(in, "{\"id\":\"p%zu\",\"text\":\"просто текст %zu\"}", line, line);
            break;
        case K_BADJSON: kz_buf_addf(in, "{\"id\":%zu,\"text\":", line); break;
        case K_NOTEXT:  kz_buf_addf(in, "{\"id\":%zu,\"url\":\"https://x.example/n\"}", line); break;
        case K_LONG:
            kz_buf_addf(in, "{\"id\":%zu,\"text\":\"", line);
            for (int i = 0; i < 3 * MAX_RECORD; i++)   /* skipped while it is read */
                kz_buf_addc(in, 'a');
            kz_buf_adds(in, "\"}");
            break;
        case K_EMPTY: break;
        case K_ARRAY: kz_buf_adds(in, "[1,2,3]"); break;
        }
        int kind = (int)(line % NKINDS);
        if (kind == K_LONG) {
            kz_buf_addf(expect_rejected, "rejected %zu: line is longer than the limit of %d bytes; "
                        "skipped\n", line, MAX_RECORD);
            ++*bad;
        } else if (kind == K_BADJSON || kind == K_NOTEXT || kind == K_ARRAY) {
            KT_CHECK(kz_jsonl_parse(jl, in->p + at, in->len - at, &rec) != 0);
            kz_buf_addf(expect_rejected, "rejected %zu: %s\n", line, kz_jsonl_errmsg(jl));
            ++*bad;
        } else if (kind == K_HIT || kind == K_PLAIN) {
            if (kind == K_HIT || store_all)
                kz_buf_addf(expect_stored, "stored %zu new\n", line);
            ++*good;
        }
        kz_buf_addc(in, '\n');
    }
    kz_jsonl_free(jl);
}

/* Ingest in into a fresh store with threads threads; the store's rows into
 * rows, the events into ev.  The run's return code. */
static int ingest_into(const kz_buf *in, unsigned threads, int store_all, kz_buf *rows,
                       kz_buf *ev, kz_ingest_stats *stats)
{
    kt_tmpstore t;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    kz_store *st = kt_store_fresh(&t, "pipeline");
    int rc = -1;
    if (!sc || !st)
        goto out;
    char key[128];
    snprintf(key, sizeof key, "%s/audit.key", t.dir);
    mem m = { in->p, in->len, 0, 97 };
    kz_ingest_input input = { .read = mem_read, .read_ctx = &m };
    seen s;
    memset(&s, 0, sizeof s);
    kz_buf_init(&s.log, KZ_BUF_NOLIMIT);
    kz_ingest_opts o = { .scanner = sc, .store = st, .max_record = MAX_RECORD,
                         .store_all = store_all, .threads = threads, .audit_key = key,
                         .batch = 512, .on_event = on_event, .ctx = &s };
    rc = kz_ingest_run(&o, &input, 1, stats);
    KT_EQ_INT(s.ncheckpoint, 1);
    kz_buf_add(ev, s.log.p ? s.log.p : "", s.log.len);
    kz_buf_release(&s.log);
    dump_store(st, rows);
    kz_audit_report rep;
    KT_EQ_INT(kz_audit_verify(st, NULL, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    KT_EQ_INT(rep.bad_seq, 0);
    KT_CHECK(rep.checkpoints >= 1);
    KT_EQ_INT(rep.uncovered, 0);
out:
    kt_store_cleanup(&t, &st);
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    return rc;
}

static void bad_lines(int store_all)
{
    kz_buf in, rej, sto, rows1, rows3, ev1, ev3;
    kz_buf_init(&in, KZ_BUF_NOLIMIT);
    kz_buf_init(&rej, KZ_BUF_NOLIMIT);
    kz_buf_init(&sto, KZ_BUF_NOLIMIT);
    kz_buf_init(&rows1, KZ_BUF_NOLIMIT);
    kz_buf_init(&rows3, KZ_BUF_NOLIMIT);
    kz_buf_init(&ev1, KZ_BUF_NOLIMIT);
    kz_buf_init(&ev3, KZ_BUF_NOLIMIT);
    size_t good, bad;
    make_input(&in, &rej, &sto, store_all, &good, &bad);
    kz_ingest_stats s1, s3;
    KT_EQ_INT(ingest_into(&in, 1, store_all, &rows1, &ev1, &s1), 0);
    KT_EQ_INT(ingest_into(&in, 3, store_all, &rows3, &ev3, &s3), 0);

    /* every bad line reported with its line and reason, every good record
     * stored, in input order: the events are the rejections and the stores
     * of each batch, batch after batch */
    kz_buf want_rej, want_sto, got_rej, got_sto;
    kz_buf *parts[4] = { &want_rej, &want_sto, &got_rej, &got_sto };
    for (int i = 0; i < 4; i++)
        kz_buf_init(parts[i], KZ_BUF_NOLIMIT);
    for (const char *p = ev1.p; p && *p;) {
        const char *nl = strchr(p, '\n');
        kz_buf_add(!strncmp(p, "rejected", 8) ? &got_rej : &got_sto, p, (size_t)(nl - p + 1));
        p = nl + 1;
    }
    KT_EQ_STR(got_rej.p, rej.p);
    KT_EQ_STR(got_sto.p, sto.p);
    KT_EQ_STR(ev3.p, ev1.p);                        /* the same events, in the same order */
    for (int i = 0; i < 4; i++)
        kz_buf_release(parts[i]);

    KT_EQ_INT(s1.records, good);
    KT_EQ_INT(s1.rejected, bad);
    KT_EQ_INT(s1.created, store_all ? good : 10);
    KT_EQ_INT(s1.updated, 0);
    KT_EQ_INT(s1.cases, 10);
    KT_EQ_INT(s1.flagged, 10);
    KT_EQ_INT(s1.bytes, in.len);
    KT_EQ_INT(s1.complete, 1);
    KT_EQ_INT(s1.checkpoint, 1);
    KT_CHECK(!memcmp(&s1, &s3, sizeof s1));

    /* 1 thread and 3 threads leave the same store, row for row (the times
     * of the audit entries aside, which the dump leaves out) */
    KT_CHECK(rows1.len > 0);
    KT_EQ_STR(rows3.p, rows1.p);
    kz_buf_release(&in);
    kz_buf_release(&rej);
    kz_buf_release(&sto);
    kz_buf_release(&rows1);
    kz_buf_release(&rows3);
    kz_buf_release(&ev1);
    kz_buf_release(&ev3);
}

KT_TEST(pipeline_ingest_bad_lines_store_all) { bad_lines(1); }
KT_TEST(pipeline_ingest_bad_lines_default) { bad_lines(0); }

KT_TEST(pipeline_ingest_callback_stops)
{
    kz_buf in, rej, sto;
    kz_buf_init(&in, KZ_BUF_NOLIMIT);
    kz_buf_init(&rej, KZ_BUF_NOLIMIT);
    kz_buf_init(&sto, KZ_BUF_NOLIMIT);
    size_t good, bad;
    make_input(&in, &rej, &sto, 1, &good, &bad);
    kt_tmpstore t;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    kz_store *st = kt_store_fresh(&t, "pipestop");
    if (sc && st) {
        mem m = { in.p, in.len, 0, 4096 };
        kz_ingest_input input = { .read = mem_read, .read_ctx = &m };
        seen s;
        memset(&s, 0, sizeof s);
        kz_buf_init(&s.log, KZ_BUF_NOLIMIT);
        s.stop_at_stored = 1;
        kz_ingest_opts o = { .scanner = sc, .store = st, .max_record = MAX_RECORD,
                             .store_all = 1, .threads = 2, .no_checkpoint = 1, .batch = 512,
                             .on_event = on_event, .ctx = &s };
        kz_ingest_stats stats;
        KT_EQ_INT(kz_ingest_run(&o, &input, 1, &stats), 7);
        KT_EQ_INT(s.nstored, 1);                    /* no event after the stop */
        KT_EQ_INT(stats.complete, 0);
        KT_CHECK(stats.created > 0 && stats.created < good);   /* the first batch only */
        KT_EQ_INT(s.ncheckpoint, 0);
        kz_buf_release(&s.log);
    }
    kt_store_cleanup(&t, &st);
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    kz_buf_release(&in);
    kz_buf_release(&rej);
    kz_buf_release(&sto);
}

/* The scan threads check a record's strings and canonicalize its URL for
 * the writer (store.h: kz_item_prep); a record with bytes that are not
 * UTF-8 or a NUL in any field, a long text, a URL with no canonical form,
 * is stored exactly as the store makes it of the same record given
 * directly (kz_store_ingest, nothing prepared). */
KT_TEST(pipeline_ingest_prepared_items_as_the_store_makes_them)
{
    kz_buf in, rows[2];
    kz_buf_init(&in, KZ_BUF_NOLIMIT);
    kz_buf_adds(&in, "{\"id\":\"a\xff\",\"url\":\"https://X.example/\xfe" "1\",\"platform\":\"f\xffo\","
                     "\"lang\":\"r\xffu\",\"published\":\"2026\xff\",\"text\":\"закладка \xff раз\"}\n"
                     "{\"id\":\"b\\u0000c\",\"url\":\"https://x.example/2#f\",\"text\":\"текст\\u0000два\"}\n"
                     "{\"id\":\"c\",\"url\":\"not a url \xff\",\"text\":\"");
    for (int i = 0; i < 300; i++)
        kz_buf_adds(&in, "закладка ");          /* 2,700 bytes: more than the excerpt */
    kz_buf_adds(&in, "\xff конец\"}\n"
                     "{\"id\":4,\"url\":\"https://x.example/a/../4\",\"platform\":\"forum\","
                     "\"text\":\"чистая закладка\"}\n"
                     "{\"id\":5,\"url\":\"https://x.example/5\",\"text\":\"");
    for (int i = 0; i < 300; i++)
        kz_buf_adds(&in, "чисто ");             /* long and clean: packed by the scan thread */
    kz_buf_adds(&in, "\"}\n");
    for (int way = 0; way < 2; way++) {
        kz_buf_init(&rows[way], KZ_BUF_NOLIMIT);
        kt_tmpstore t;
        kz_ruleset *rs = NULL;
        kz_scanner *sc = scanner(&rs);
        kz_store *st = kt_store_fresh(&t, way ? "prepdirect" : "prepipe");
        if (sc && st && way == 0) {
            mem m = { in.p, in.len, 0, 4096 };
            kz_ingest_input input = { .read = mem_read, .read_ctx = &m };
            kz_ingest_opts o = { .scanner = sc, .store = st, .max_record = 1 << 20,
                                 .store_all = 1, .threads = 2, .no_checkpoint = 1 };
            kz_ingest_stats stats;
            KT_EQ_INT(kz_ingest_run(&o, &input, 1, &stats), 0);
            KT_EQ_INT(stats.created, 5);
        } else if (sc && st) {
            kz_jsonl *jl = kz_jsonl_new(1 << 20);
            KT_EQ_INT(kz_store_begin(st), 0);
            for (const char *p = in.p; *p;) {
                const char *nl = strchr(p, '\n');
                kz_record r;
                kz_ingest_out out;
                KT_EQ_INT(kz_jsonl_parse(jl, p, (size_t)(nl - p), &r), 0);
                kz_item_in it = { r.url, r.url_len, r.platform, r.platform_len, r.id, r.id_len,
                                  r.lang, r.lang_len, r.published, r.published_len, r.text,
                                  r.text_len, NULL };
                KT_EQ_INT(kz_store_ingest(st, &it, NULL, 0, &out), 0);
                p = nl + 1;
            }
            KT_EQ_INT(kz_store_commit(st), 0);
            kz_jsonl_free(jl);
        }
        if (st)
            dump(st, "SELECT i.id, i.source_ref, i.url, i.canonical_url, i.content_sha256, "
                     "i.excerpt, i.lang, i.published, i.content_z, i.content_len, "
                     "i.content_full_len, p.name FROM items i LEFT JOIN platforms p "
                     "ON p.id = i.platform_id ORDER BY i.id", &rows[way]);
        kt_store_cleanup(&t, &st);
        kz_scanner_free(&sc);
        kz_ruleset_free(&rs);
    }
    KT_CHECK(rows[0].len > 0 && strstr(rows[0].p, "a\xef\xbf\xbd|") != NULL);   /* U+FFFD */
    KT_CHECK(strstr(rows[0].p, "|https://x.example/4|") != NULL);
    KT_EQ_STR(rows[0].p, rows[1].p);
    kz_buf_release(&rows[0]);
    kz_buf_release(&rows[1]);
    kz_buf_release(&in);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

KT_TEST(pipeline_ingest_images)
{
    kt_tmpstore t;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    kz_store *st = kt_store_fresh(&t, "pipeimg");
    char path[256], png[256];
    size_t n = 0;
    snprintf(png, sizeof png, "%s/tests/data/images/photo.png", kt_root());
    char *photo = kt_slurp(png, &n);
    KT_CHECK(photo != NULL);
    if (!sc || !st || !photo)
        goto out;
    snprintf(path, sizeof path, "%s/export", t.dir);
    KT_EQ_INT(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/export/media", t.dir);
    KT_EQ_INT(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/export/media/photo.png", t.dir);
    KT_EQ_INT(write_file(path, photo, n), 0);
    snprintf(path, sizeof path, "%s/export/media/not.png", t.dir);
    KT_EQ_INT(write_file(path, "not a picture", 13), 0);
    snprintf(path, sizeof path, "%s/x.png", t.dir);
    KT_EQ_INT(write_file(path, photo, n), 0);          /* a real image outside the export */
    static const char posts[] =
        "{\"id\":1,\"text\":\"a\",\"images\":[\"media/photo.png\",\"media/not.png\"]}\n"
        "{\"id\":2,\"text\":\"b\",\"images\":[\"media/missing.png\",\"../x.png\","
        "\"https://cdn.example/p.png\"]}\n"
        "{\"id\":3,\"text\":\"c\",\"images\":[\"media/photo.png\"]}\n";
    snprintf(path, sizeof path, "%s/export/posts.jsonl", t.dir);
    KT_EQ_INT(write_file(path, posts, strlen(posts)), 0);

    /* the first input's images from its own folder (export/); the second,
     * read from memory, has no folder: its images are refused */
    static const char more[] = "{\"id\":4,\"text\":\"d\",\"images\":[\"photo.png\"]}\n";
    mem m = { more, strlen(more), 0, 4096 };
    kz_ingest_input inputs[2] = { { .path = path }, { .read = mem_read, .read_ctx = &m } };
    seen s;
    memset(&s, 0, sizeof s);
    kz_buf_init(&s.log, KZ_BUF_NOLIMIT);
    char key[128];
    snprintf(key, sizeof key, "%s/audit.key", t.dir);
    kz_ingest_opts o = { .scanner = sc, .store = st, .store_all = 1, .threads = 2,
                         .audit_key = key, .on_event = on_event, .ctx = &s };
    kz_ingest_stats stats;
    KT_EQ_INT(kz_ingest_run(&o, inputs, 2, &stats), 0);
    /* not.png does not decode: its reason is the decoder's */
    const char *log = s.log.p ? s.log.p : "";
    const char *np = strstr(log, "image 1 media/not.png: ");
    KT_CHECK(np != NULL);
    KT_CHECK(np && np[strlen("image 1 media/not.png: ")] != '\n');
    if (np) {
        const char *e = strchr(np, '\n');
        size_t cut = (size_t)(np - log), len = e ? (size_t)(e - np + 1) : strlen(np);
        memmove(s.log.p + cut, s.log.p + cut + len, s.log.len - cut - len + 1);
        s.log.len -= len;
    }
    KT_EQ_STR(s.log.p,
              "image 2 media/missing.png: cannot open: No such file or directory\n"
              "image 2 ../x.png: \"..\" leads outside the folder\n"
              "stored 1 new\n"
              "stored 2 new\n"
              "stored 3 new\n"
              "image 1 photo.png: no folder to read images from\n"
              "stored 1 new\n");
    KT_EQ_INT(stats.image_errors, 4);
    KT_EQ_INT(stats.records, 4);
    KT_EQ_INT(stats.created, 4);

    /* the two copies of photo.png are stored with their items, nothing else */
    kz_buf rows;
    kz_buf_init(&rows, KZ_BUF_NOLIMIT);
    dump(st, "SELECT i.source_ref, m.ref, length(m.sha256), m.pdq IS NOT NULL FROM item_media m "
             "JOIN items i ON i.id = m.item_id ORDER BY m.id", &rows);
    KT_EQ_STR(rows.p, "1|media/photo.png|64|1\n3|media/photo.png|64|1\n");
    /* and their bytes, kept for review, read back as they were */
    kz_buf_reset(&rows);
    dump(st, "SELECT g.media_id = m.id, g.content_type, g.byte_len FROM item_images g "
             "JOIN item_media m ON m.id = g.media_id ORDER BY g.media_id", &rows);
    char want[128];
    snprintf(want, sizeof want, "1|image/png|%zu\n1|image/png|%zu\n", n, n);
    KT_EQ_STR(rows.p, want);
    int64_t *ids = NULL;
    size_t nids = 0;
    KT_EQ_INT(kz_media_kept(st, 1, &ids, &nids), 0);
    KT_EQ_INT(nids, 1);
    if (nids == 1) {
        kz_buf img;
        char ct[24];
        int64_t item = 0;
        kz_buf_init(&img, KZ_BUF_NOLIMIT);
        KT_EQ_INT(kz_media_get(st, ids[0], ct, &img, &item), 0);
        KT_EQ_STR(ct, "image/png");
        KT_EQ_INT(item, 1);
        KT_CHECK(img.len == n && memcmp(img.p, photo, n) == 0);
        kz_buf_release(&img);
    }
    free(ids);
    kz_buf_release(&rows);
    kz_buf_release(&s.log);
out:
    free(photo);
    kt_store_cleanup(&t, &st);
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
}
