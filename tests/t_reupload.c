/*
 * tests/t_reupload.c - re-uploaded images through the CLI (docs/banks.md
 * "Images"): posts in JSON Lines carry "images" (paths relative to the
 * JSONL file); a removal decision banks the image's PDQ, SHA-256 and MD5;
 * a later ingest flags an exact copy, a rotated copy and a mirrored copy
 * (PDQ in any of the 8 orientations) even when no rule matches the post,
 * and opens a case whose "hash" detection names the decision; a different
 * image does not match; an image that does not decode is reported with
 * its file and line and the batch goes on; a reversal on appeal takes the
 * entries out of the banks, so the next copy is not flagged.  And the
 * crawl: a page on loopback (nginx) refers to a rotated copy and another
 * picture; the copy becomes an item (its URL) with a case; a page whose
 * text breaks no rule but is a near copy of a banked text is stored too.
 *
 * The images are generated here (a photo-like RGB picture, its rotation
 * and mirror, and another picture) and written as PNG with libpng.
 */
#include "kt.h"
#include <arpa/inet.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <png.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Soft blobs of many sizes: a photo-like RGB image. */
static uint8_t *photo(uint32_t w, uint32_t h, unsigned seed)
{
    uint8_t *px = malloc((size_t)w * h * 3);
    double cx[30], cy[30], r[30], a[30][3];
    srand(seed);
    for (int k = 0; k < 30; k++) {
        cx[k] = rand() % w;
        cy[k] = rand() % h;
        r[k] = w / 30.0 + rand() % (w / 6);
        for (int c = 0; c < 3; c++)
            a[k][c] = (rand() % 240) - 120;
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                double v = 128;
                for (int k = 0; k < 30; k++) {
                    double dx = x - cx[k], dy = y - cy[k];
                    v += a[k][c] * exp(-(dx * dx + dy * dy) / (2 * r[k] * r[k]));
                }
                px[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    return px;
}

/* rot: 90 degrees clockwise (the result is h x w); else a left-right mirror. */
static uint8_t *turn(const uint8_t *px, uint32_t w, uint32_t h, int rot)
{
    uint8_t *o = malloc((size_t)w * h * 3);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            size_t to = rot ? ((size_t)x * h + (h - 1 - y)) * 3 : ((size_t)y * w + (w - 1 - x)) * 3;
            memcpy(o + to, px + ((size_t)y * w + x) * 3, 3);
        }
    return o;
}

static int write_png(const char *path, const uint8_t *px, uint32_t w, uint32_t h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = w;
    im.height = h;
    im.format = PNG_FORMAT_RGB;
    return png_image_write_to_file(&im, path, 0, px, (png_int_32)(w * 3), NULL) ? 0 : -1;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static char dir[64], bin[PATH_MAX], dburi[700] = "sqlite:k.db";

/* The images in dir/img: photo.png, rot.png, mirror.png, other.png, bad.png,
 * flat.png and flat2.png (two plain greys: PDQ quality 0, not banked);
 * the rules and the posts in dir. */
static int setup(void)
{
    char p[256];
    uint32_t w = 160, h = 112;
    snprintf(dir, sizeof dir, "/tmp/kt-reupload-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(p, sizeof p, "%s/img", dir);
    if (mkdir(p, 0700)) return -1;
    uint8_t *a = photo(w, h, 7), *r = turn(a, w, h, 1), *m = turn(a, w, h, 0), *o = photo(w, h, 1234);
    int rc = 0;
    snprintf(p, sizeof p, "%s/img/photo.png", dir);
    rc |= write_png(p, a, w, h);
    snprintf(p, sizeof p, "%s/img/rot.png", dir);
    rc |= write_png(p, r, h, w);
    snprintf(p, sizeof p, "%s/img/mirror.png", dir);
    rc |= write_png(p, m, w, h);
    snprintf(p, sizeof p, "%s/img/other.png", dir);
    rc |= write_png(p, o, w, h);
    free(a); free(r); free(m); free(o);
    uint8_t *g1 = malloc((size_t)w * h * 3), *g2 = malloc((size_t)w * h * 3);
    memset(g1, 128, (size_t)w * h * 3);
    memset(g2, 200, (size_t)w * h * 3);
    snprintf(p, sizeof p, "%s/img/flat.png", dir);
    rc |= write_png(p, g1, w, h);
    snprintf(p, sizeof p, "%s/img/flat2.png", dir);
    rc |= write_png(p, g2, w, h);
    free(g1); free(g2);
    snprintf(p, sizeof p, "%s/img/bad.png", dir);
    rc |= write_file(p, "this is not an image\n");
    snprintf(p, sizeof p, "%s/rules.yaml", dir);
    rc |= write_file(p, "categories:\n  drugs: { threshold: 50 }\nrules:\n"
                        "  - id: drugs-stash-ru\n    category: drugs\n    weight: 50\n"
                        "    phrases: [закладка]\n");
    snprintf(p, sizeof p, "%s/post.jsonl", dir);
    rc |= write_file(p, "{\"id\":\"p1\",\"url\":\"https://forum.example.kz/t/1\",\"platform\":\"forum\","
                        "\"text\":\"Продам закладка, фото товара\",\"images\":[\"img/photo.png\",\"img/flat.png\"]}\n");
    snprintf(p, sizeof p, "%s/again.jsonl", dir);
    rc |= write_file(p,
        "{\"id\":\"r1\",\"url\":\"https://a.example.kz/1\",\"text\":\"смотри\",\"images\":[\"img/photo.png\"]}\n"
        "{\"id\":\"r2\",\"url\":\"https://b.example.kz/2\",\"text\":\"новое фото\",\"images\":[\"img/rot.png\"]}\n"
        "{\"id\":\"r3\",\"url\":\"https://c.example.kz/3\",\"text\":\"\",\"images\":[\"https://cdn.example/x.jpg\",\"img/mirror.png\"]}\n"
        "{\"id\":\"r4\",\"url\":\"https://d.example.kz/4\",\"text\":\"кошка\",\"images\":[\"img/other.png\"]}\n"
        "{\"id\":\"r5\",\"url\":\"https://e.example.kz/5\",\"text\":\"сломано\",\"images\":[\"img/bad.png\",\"img/none.png\"]}\n"
        "{\"id\":\"r6\",\"url\":\"https://f.example.kz/6\",\"text\":\"x\",\"images\":\"img/photo.png\"}\n"
        "{\"id\":\"r7\",\"url\":\"https://h.example.kz/8\",\"text\":\"серый фон\",\"images\":[\"img/flat2.png\"]}\n");
    snprintf(p, sizeof p, "%s/later.jsonl", dir);
    rc |= write_file(p, "{\"id\":\"l1\",\"url\":\"https://g.example.kz/7\",\"text\":\"опять\","
                        "\"images\":[\"img/rot.png\"]}\n");
    return rc;
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) kt_fail(__FILE__, __LINE__, "cleanup failed");
}

#define HAS(hay, needle) do { if (!(hay) || !strstr((hay), (needle)))                  \
    kt_fail(__FILE__, __LINE__, "no \"%s\" in:\n%s", (needle), (hay) ? (hay) : "(null)"); } while (0)
#define HASNT(hay, needle) do { if ((hay) && strstr((hay), (needle)))                  \
    kt_fail(__FILE__, __LINE__, "unexpected \"%s\" in:\n%s", (needle), (hay)); } while (0)

/* Run a shell command in dir with $K the kuzet binary and the database
 * there; returns its exit status, output (stdout and stderr) in *out. */
static int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(char **out, const char *fmt, ...)
{
    char body[2048], cmd[2048 + PATH_MAX + 1024], *err = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (!bin[0] && !realpath(kt_bin(), bin))
        snprintf(bin, sizeof bin, "%s", kt_bin());
    snprintf(cmd, sizeof cmd, "cd '%s' && K='%s' KUZET_DB='%s' KUZET_AUDIT_KEY=audit.key "
             "PATH=\"$PATH:/usr/sbin\" && export KUZET_DB KUZET_AUDIT_KEY && { %s ; } 2>&1",
             dir, bin, dburi, body);
    int rc = kt_run(cmd, out, &err);
    free(err);
    return rc;
}

/* The whole flow on the database dburi (SQLite, or PostgreSQL below). */
static void ingest_flow(void)
{
    char *o = NULL;
    const char *K = "$K";
    KT_EQ_INT(sh(&o, "%s db init >/dev/null && %s ingest --rules rules.yaml --quiet post.jsonl && "
                 "KUZET_PASSWORD=root-password-123 %s users add root --role admin >/dev/null && "
                 "for u in ann:reviewer bob:reviewer al:analyst; do "
                 "KUZET_PASSWORD=root-password-123 %s users add ${u%%%%:*} --role ${u#*:} --as root | "
                 "KUZET_NEW_PASSWORD=${u%%%%:*}-password-123 %s users enrol - >/dev/null || exit 1; done",
                 K, K, K, K, K), 0);
    free(o);
    /* the decision banks the image's PDQ, SHA-256 and MD5 beside the text's hashes */
    KT_EQ_INT(sh(&o, "KUZET_PASSWORD=al-password-123 %s cases assign 1 --to ann --as al && "
                 "KUZET_PASSWORD=ann-password-123 %s cases decide 1 --measure removal_request "
                 "--legal-basis 'Law on Narcotic Drugs, art. 5' --reasons 'drugs for sale' "
                 "--scope KZ --days 90 --as ann && %s bank list", K, K, K), 0);
    HAS(o, "case 1: decided (decision 1: removal_request)");
    HAS(o, "drugs-pdq                pdq      31        block        1");
    HAS(o, "drugs-md5                md5      0         block        2");
    HAS(o, "drugs-sha256             sha256   0         block        3");
    HAS(o, "drugs-text               simhash  14        block        1");
    free(o);
    o = NULL;
    /* re-uploads: no rule matches these posts (no --store-all) */
    KT_EQ_INT(sh(&o, "%s ingest --rules rules.yaml again.jsonl", K), 1);
    HAS(o, "again.jsonl:5: image img/bad.png: not a JPEG, PNG, WebP or GIF image");
    HAS(o, "again.jsonl:5: image img/none.png: cannot open: No such file or directory");
    HAS(o, "again.jsonl:6: \"images\" is not an array of strings");
    /* on PostgreSQL the image URL is queued for the workers' hash role */
    HAS(o, strncmp(dburi, "sqlite:", 7)
               ? "kuzet ingest: 6 records, 0 flagged, 1 rejected; items: 3 new, 0 updated; 3 cases "
                 "opened; 1 images queued for the workers; 2 images not hashed"
               : "kuzet ingest: 6 records, 0 flagged, 1 rejected; items: 3 new, 0 updated; 3 cases "
                 "opened; 2 images not hashed");
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "%s cases list", K), 0);
    HAS(o, "https://a.example.kz/1");
    HAS(o, "https://b.example.kz/2");
    HAS(o, "https://c.example.kz/3");
    HASNT(o, "https://d.example.kz/4");                 /* a different image */
    HASNT(o, "https://e.example.kz/5");
    HASNT(o, "https://h.example.kz/8");                 /* another plain image: quality 0, not matched by PDQ */
    free(o);
    o = NULL;
    /* the exact copy by all three hashes, the rotated and mirrored ones by PDQ */
    KT_EQ_INT(sh(&o, "%s cases show 2 --json", K), 0);
    HAS(o, "\"rule_id\":\"bank:drugs-pdq\",\"category\":\"drugs\",\"method\":\"hash\",\"weight\":100,"
           "\"start\":0,\"end\":0,\"evidence\":\"decision:1\"");
    HAS(o, "\"rule_id\":\"bank:drugs-sha256\"");
    HAS(o, "\"rule_id\":\"bank:drugs-md5\"");
    free(o);
    o = NULL;
    for (int c = 3; c <= 4; c++) {
        KT_EQ_INT(sh(&o, "%s cases show %d --json", K, c), 0);
        HAS(o, "\"rule_id\":\"bank:drugs-pdq\",\"category\":\"drugs\",\"method\":\"hash\"");
        HAS(o, "\"evidence\":\"decision:1\"");
        HASNT(o, "bank:drugs-md5");
        free(o);
        o = NULL;
    }
    /* reversed on appeal: the decision's entries leave the banks, audited */
    KT_EQ_INT(sh(&o, "KUZET_PASSWORD=al-password-123 %s cases appeal 1 --by content_owner "
                 "--grounds 'a pharmacy photo' --as al && KUZET_PASSWORD=bob-password-123 "
                 "%s cases resolve-appeal 1 --outcome reversed --reasons 'not drugs' --as bob && "
                 "%s bank list && %s ingest --rules rules.yaml later.jsonl && "
                 "%s audit verify --pubkey \"$(%s audit key)\"", K, K, K, K, K, K), 0);
    HAS(o, "drugs-pdq                pdq      31        block        0");
    HAS(o, "drugs-sha256             sha256   0         block        0");
    HAS(o, "items: 0 new, 0 updated; 0 cases opened");
    HAS(o, "ok: ");
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "Q=\"SELECT 'removed ' || COUNT(*) FROM audit_log WHERE action = 'bank.remove' "
                 "AND actor = 'bob'\"; case $KUZET_DB in sqlite:*) sqlite3 \"${KUZET_DB#sqlite:}\" "
                 "\"$Q\";; *) psql -X -At \"$KUZET_DB\" -c \"$Q\";; esac"), 0);
    HAS(o, "removed 7");       /* the original's text SHA-256 and SimHash, the photo's PDQ,
                                  SHA-256, MD5, the plain image's SHA-256 and MD5 (no PDQ) */
    free(o);
}

KT_TEST(reupload_images_ingest)
{
    if (setup() != 0) {
        kt_fail(__FILE__, __LINE__, "setup failed");
        return;
    }
    ingest_flow();
    cleanup();
}

/* The same on PostgreSQL: a database of its own on the server of
 * $KUZET_TEST_PG (skipped when unset, as tests/t_store_pg.c does). */
/* Run flow on a PostgreSQL database of its own on the server of
 * $KUZET_TEST_PG (skipped when unset, as tests/t_store_pg.c does), made
 * for it (named prefix_PID) and dropped after; dir set up around it. */
static void on_pg(const char *test, const char *prefix, void (*flow)(void))
{
    const char *u = getenv("KUZET_TEST_PG");
    char *o = NULL, db[64];
    if (!u)
        kt_skip("%s: KUZET_TEST_PG is not set", test);
    if (!*u || setup() != 0) {
        kt_fail(__FILE__, __LINE__, "no test cluster, or setup failed");
        return;
    }
    snprintf(db, sizeof db, "%s_%ld", prefix, (long)getpid());
    const char *q = strchr(u, '?'), *slash = q ? q : u + strlen(u);
    while (slash > u && slash[-1] != '/')
        slash--;
    snprintf(dburi, sizeof dburi, "%.*s%s%s", (int)(slash - u), u, db, q ? q : "");
    if (sh(&o, "psql -X -q -v ON_ERROR_STOP=1 '%s' -c 'CREATE DATABASE %s'", u, db) != 0)
        kt_fail(__FILE__, __LINE__, "cannot create %s: %s", db, o ? o : "");
    else
        flow();
    free(o);
    o = NULL;
    if (sh(&o, "psql -X -q '%s' -c 'DROP DATABASE IF EXISTS %s WITH (FORCE)'", u, db) != 0)
        kt_fail(__FILE__, __LINE__, "cannot drop %s: %s", db, o ? o : "");
    free(o);
    snprintf(dburi, sizeof dburi, "sqlite:k.db");
    cleanup();
}

KT_TEST(reupload_images_ingest_pg)
{
    on_pg("reupload_images_ingest_pg", "kt_reupload", ingest_flow);
}

/* Near copies of a decided text (detect/minhash.h): the copy has the rule
 * word removed and a few words changed, so no rule and no SimHash within 14
 * bits finds it; the MinHash banked beside the SimHash does. */
static void nearcopy_flow(void)
{
    char *o = NULL, p[256];
    const char *K = "$K";
    static const char orig[] =
        "Продам закладка недорого в центре города возле старого парка у фонтана, пишите в личку, "
        "доставка каждый день после обеда, оплата только переводом на карту, скидка постоянным "
        "покупателям и новым друзьям, качество проверено, отзывы есть в группе, не пропустите";
    static const char copy[] =
        "Продам недорого в центре города возле нового парка у фонтана, пишите в личку, "
        "доставка каждый вечер после обеда, оплата только переводом на карту, скидка постоянным "
        "клиентам и новым друзьям, качество проверено, отзывы есть в канале, не пропустите";
    snprintf(p, sizeof p, "%s/rules.yaml", dir);
    write_file(p, "categories:\n  drugs: { threshold: 50 }\nrules:\n"
                  "  - id: drugs-stash-ru\n    category: drugs\n    weight: 50\n"
                  "    phrases: [закладка]\n");
    char line[1024];
    snprintf(p, sizeof p, "%s/post.jsonl", dir);
    snprintf(line, sizeof line, "{\"id\":\"p1\",\"url\":\"https://forum.example.kz/t/1\",\"text\":\"%s\"}\n", orig);
    write_file(p, line);
    snprintf(p, sizeof p, "%s/again.jsonl", dir);
    snprintf(line, sizeof line, "{\"id\":\"c1\",\"url\":\"https://copy.example.kz/1\",\"text\":\"%s\"}\n"
             "{\"id\":\"c2\",\"url\":\"https://other.example.kz/2\",\"text\":\"Продам велосипед "
             "недорого, почти новый, пишите в личку\"}\n", copy);
    write_file(p, line);
    KT_EQ_INT(sh(&o, "%s db init >/dev/null && %s ingest --rules rules.yaml --quiet post.jsonl && "
                 "KUZET_PASSWORD=root-password-123 %s users add root --role admin >/dev/null && "
                 "for u in ann:reviewer al:analyst; do "
                 "KUZET_PASSWORD=root-password-123 %s users add ${u%%%%:*} --role ${u#*:} --as root | "
                 "KUZET_NEW_PASSWORD=${u%%%%:*}-password-123 %s users enrol - >/dev/null "
                 "|| exit 1; done && "
                 "KUZET_PASSWORD=al-password-123 %s cases assign 1 --to ann --as al && "
                 "KUZET_PASSWORD=ann-password-123 %s cases decide 1 --measure removal_request "
                 "--legal-basis 'Law on Narcotic Drugs, art. 5' --reasons 'drugs for sale' "
                 "--scope KZ --days 90 --as ann >/dev/null", K, K, K, K, K, K, K), 0);
    free(o);
    o = NULL;
    /* SimHash alone does not find the copy */
    KT_EQ_INT(sh(&o, "printf '%%s' '%s' > a.txt && printf '%%s' '%s' > b.txt && %s hash text a.txt b.txt",
                 orig, copy, K), 0);
    unsigned long long x = 0, y = 0;
    KT_CHECK(o && sscanf(o, "%llx,a.txt\n%llx,b.txt", &x, &y) == 2);
    KT_CHECK(__builtin_popcountll(x ^ y) > 14);
    free(o);
    o = NULL;
    /* kuzet bank match-file finds it by the MinHash too (exit 1: a match) */
    KT_EQ_INT(sh(&o, "%s bank match-file b.txt", K), 1);
    HAS(o, "b.txt: match drugs-text ");
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "%s ingest --rules rules.yaml again.jsonl && %s cases list", K, K), 0);
    HAS(o, "https://copy.example.kz/1");
    HASNT(o, "https://other.example.kz/2");
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "%s cases show 2 --json", K), 0);
    HAS(o, "\"rule_id\":\"bank:drugs-text\"");
    HAS(o, "\"evidence\":\"decision:1\"");
    free(o);
}

KT_TEST(reupload_text_near_copy)
{
    if (setup() != 0) {
        kt_fail(__FILE__, __LINE__, "setup failed");
        return;
    }
    nearcopy_flow();
    cleanup();
}

KT_TEST(reupload_text_near_copy_pg)
{
    on_pg("reupload_text_near_copy_pg", "kt_nearcopy", nearcopy_flow);
}

/* A loopback port nothing listens on (bound, then released). */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* nginx on 127.0.0.1:port serving dir/www, with dir/img as www/img;
 * stopped with kill $(cat ngx/npid).  0 when it answers. */
static int start_nginx(int port)
{
    char *o = NULL;
    int rc = sh(&o, "mkdir -p www && chmod 755 . && ln -s ../img www/img && mkdir -p ngx/logs ngx/tmp && "
                "printf 'daemon off;\\nmaster_process off;\\npid %s/ngx/pid;\\nerror_log %s/ngx/logs/e.log;\\n"
                "events { worker_connections 16; }\\nhttp { access_log off; "
                "client_body_temp_path %s/ngx/tmp; types { text/html html; image/png png; } "
                "server { listen 127.0.0.1:%d; root %s/www; } }\\n' > ngx/conf && "
                "{ nginx -p %s/ngx -e %s/ngx/logs/e.log -c %s/ngx/conf & echo $! > ngx/npid; } && "
                "n=0; until curl -s -o /dev/null http://127.0.0.1:%d/img/photo.png; do n=$((n+1)); "
                "[ $n -gt 50 ] && { echo nginx did not start; cat ngx/logs/e.log; exit 1; }; sleep 0.1; done",
                dir, dir, dir, port, dir, dir, dir, dir, port);
    if (rc)
        kt_fail(__FILE__, __LINE__, "nginx: %s", o ? o : "");
    free(o);
    return rc;
}

KT_TEST(reupload_images_crawl)
{
    char *o = NULL, p[256];
    if (setup() != 0) {
        kt_fail(__FILE__, __LINE__, "setup failed");
        return;
    }
    int port = free_port();
    snprintf(p, sizeof p, "%s/www", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/www/index.html", dir);
    write_file(p, "<!doctype html><title>Gallery</title><p>Photos of the week.\n"
                  "<img src=\"/img/rot.png\"> <img src=\"/img/other.png\">\n"
                  "<a href=\"/offer.html\">offer</a>\n");
    /* a text no rule matches, near a banked one (a word changed): stored
     * as a re-upload by its SimHash */
    snprintf(p, sizeof p, "%s/www/offer.html", dir);
    write_file(p, "<!doctype html><p>Продаю товар высокого качества, доставка по всему городу, "
                  "пишите в личные сообщения, цены ниже рынка, спешите\n");
    snprintf(p, sizeof p, "%s/banked.txt", dir);
    write_file(p, "Продаю товар высокого качества, доставка по всему городу, "
                  "пишите в личные сообщения, цены ниже рынка\n");
    /* a bank imported from the original's PDQ (tags: the category) */
    KT_EQ_INT(sh(&o, "$K db init >/dev/null && "
                 "KUZET_PASSWORD=root-password-123 $K users add root --role admin >/dev/null && "
                 "KUZET_PASSWORD=root-password-123 $K users add al --role analyst --as root | "
                 "KUZET_NEW_PASSWORD=al-password-123 $K users enrol - >/dev/null && "
                 "export KUZET_PASSWORD=al-password-123 && "
                 "$K bank create drugs-pdq --type pdq --as al >/dev/null && "
                 "$K hash pdq img/photo.png | sed 's/^\\([0-9a-f]*\\),.*/pdq,\\1,drugs/' | "
                 "$K bank import drugs-pdq - --as al && "
                 "$K bank create drugs-text --type simhash --as al >/dev/null && "
                 "$K hash text banked.txt | sed 's/^\\([0-9a-f]*\\),.*/simhash,\\1,drugs/' | "
                 "$K bank import drugs-text - --as al"), 0);
    HAS(o, "drugs-pdq: 1 added");
    HAS(o, "drugs-text: 1 added");
    free(o);
    o = NULL;
    int rc = start_nginx(port);
    if (rc == 0)
        rc = sh(&o, "echo http://127.0.0.1:%d/ > seeds && "
                "$K crawl --seeds seeds --rules rules.yaml --depth 1 --delay 0 --allow-private "
                "--contact https://kuzet.example/contact --quiet; echo crawl=$?; "
                "kill $(cat ngx/npid); $K cases list; $K cases show 1 --json", port);
    KT_EQ_INT(rc, 0);
    HAS(o, "crawl=0");
    HAS(o, "/img/rot.png");
    HASNT(o, "/img/other.png");
    HAS(o, "\"rule_id\":\"bank:drugs-pdq\",\"category\":\"drugs\",\"method\":\"hash\"");
    HAS(o, "\"evidence\":\"import\"");
    HAS(o, "/offer.html");                      /* the text re-upload, without rule hits */
    free(o);
    o = NULL;
    /* the crawled image's bytes are kept for review with its hashes */
    KT_EQ_INT(sh(&o, "sqlite3 k.db \"SELECT 'kept ' || g.content_type || ' ' || (g.byte_len = "
                 "$(wc -c < img/rot.png)) || ' ' || m.ref FROM item_images g JOIN item_media m "
                 "ON m.id = g.media_id\""), 0);
    HAS(o, "kept image/png 1 http://127.0.0.1:");
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "$K cases show 2 --json"), 0);
    HAS(o, "\"rule_id\":\"bank:drugs-text\",\"category\":\"drugs\",\"method\":\"hash\"");
    free(o);
    cleanup();
}

/* Images a post gives by URL, on PostgreSQL with workers: the ingest job
 * queues a hash job per image URL in the chunk's transaction; a worker
 * with the hash role fetches each (nginx on loopback), records its hashes
 * with the post's item when the post was stored, and stores a copy of a
 * banked image as an item of its own with a case, naming the post it was
 * seen in.  A 404 and bytes that are not an image finish their jobs,
 * saying so; nothing is fetched twice. */
static void worker_flow(void)
{
    char *o = NULL, p[256];
    int port = free_port();
    if (start_nginx(port) != 0)
        return;
    snprintf(p, sizeof p, "%s/w.jsonl", dir);
    char body[2048];
    snprintf(body, sizeof body,
             "{\"id\":\"w1\",\"url\":\"https://w.example.kz/1\",\"text\":\"Продам закладка\","
             "\"images\":[\"http://127.0.0.1:%d/img/rot.png\"]}\n"
             "{\"id\":\"w2\",\"url\":\"https://w.example.kz/2\",\"text\":\"кошка\",\"images\":"
             "[\"http://127.0.0.1:%d/img/mirror.png\",\"http://127.0.0.1:%d/img/other.png\"]}\n"
             "{\"id\":\"w3\",\"url\":\"https://w.example.kz/3\",\"text\":\"пусто\","
             "\"images\":[\"http://127.0.0.1:%d/img/missing.png\"]}\n"
             "{\"id\":\"w4\",\"url\":\"https://w.example.kz/4\",\"text\":\"сломано\","
             "\"images\":[\"http://127.0.0.1:%d/img/bad.png\",\"ftp://127.0.0.1/x.png\"]}\n",
             port, port, port, port, port);
    write_file(p, body);
    snprintf(p, sizeof p, "%s/c.jsonl", dir);
    snprintf(body, sizeof body, "{\"id\":\"c1\",\"url\":\"https://c.example.kz/9\",\"text\":"
             "\"фото\",\"images\":[\"http://127.0.0.1:%d/img/photo.png\"]}\n", port);
    write_file(p, body);
    KT_EQ_INT(sh(&o, "$K db init >/dev/null && "
                 "KUZET_PASSWORD=root-password-123 $K users add root --role admin >/dev/null && "
                 "KUZET_PASSWORD=root-password-123 $K users add al --role analyst --as root | "
                 "KUZET_NEW_PASSWORD=al-password-123 $K users enrol - >/dev/null && "
                 "export KUZET_PASSWORD=al-password-123 && "
                 "$K bank create drugs-pdq --type pdq --as al >/dev/null && "
                 "$K hash pdq img/photo.png | sed 's/^\\([0-9a-f]*\\),.*/pdq,\\1,drugs/' | "
                 "$K bank import drugs-pdq - --as al && $K ingest --rules rules.yaml c.jsonl && "
                 "$K jobs add ingest \"$PWD/w.jsonl\" && "
                 "$K worker --roles ingest,hash --rules rules.yaml --exit-when-idle --allow-private "
                 "--poll 100; echo worker=$?"), 0);
    HAS(o, "drugs-pdq: 1 added");
    /* kuzet ingest on PostgreSQL queues them too */
    HAS(o, "kuzet ingest: 1 records, 0 flagged, 0 rejected; items: 0 new, 0 updated; 0 cases "
           "opened; 1 images queued for the workers");
    HAS(o, "/img/photo.png: matched a block bank");
    HAS(o, "worker=0");
    HAS(o, "4 records, 0 rejected, 1 new items, 1 cases, 5 images queued");
    HAS(o, "/img/rot.png: matched a block bank");
    HAS(o, "/img/mirror.png: matched a block bank");
    HAS(o, "/img/other.png: no match");
    HAS(o, "/img/missing.png: HTTP 404, not hashed");
    HAS(o, "/img/bad.png: not hashed: not a JPEG, PNG, WebP or GIF image");
    HASNT(o, "ftp://");
    free(o);
    o = NULL;
    /* every job done once; the post's item has its image's hashes; each
     * copy is an item naming the post it was seen in, with a case */
    /* without --allow-private the SSRF guard refuses loopback: said, and done */
    snprintf(p, sizeof p, "%s/d.jsonl", dir);
    snprintf(body, sizeof body, "{\"id\":\"d1\",\"url\":\"https://d.example.kz/9\",\"text\":"
             "\"фото\",\"images\":[\"http://127.0.0.1:%d/img/flat.png\"]}\n", port);
    write_file(p, body);
    KT_EQ_INT(sh(&o, "$K ingest --rules rules.yaml --quiet d.jsonl && $K worker --roles hash "
                 "--exit-when-idle --poll 100; echo worker=$?"), 0);
    HAS(o, "/img/flat.png: not hashed: refused to connect to 127.0.0.1 (not a public address)");
    HAS(o, "worker=0");
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "kill $(cat ngx/npid); psql -X -At \"$KUZET_DB\" -c \""
                 "SELECT 'jobs ' || kind || ' ' || state || ' ' || count(*) FROM jobs GROUP BY kind, "
                 "state ORDER BY kind;"
                 "SELECT 'media ' || i.url || ' ' || m.ref || ' ' || (m.pdq IS NOT NULL) FROM "
                 "item_media m JOIN items i ON i.id = m.item_id ORDER BY m.ref;"
                 "SELECT 'kept ' || count(*) FROM item_images;"
                 "SELECT 'copy ' || i.url || ' seen in ' || i.source_ref || ' case ' || c.category "
                 "FROM items i JOIN cases c ON c.item_id = i.id WHERE i.url LIKE '%%/img/%%' "
                 "ORDER BY i.url\""), 0);
    HAS(o, "jobs hash done 7");
    HAS(o, "jobs ingest done 1");
    HAS(o, "media https://w.example.kz/1 http://127.0.0.1:");
    HAS(o, "/img/rot.png t");
    HAS(o, "/img/mirror.png seen in https://w.example.kz/2 case drugs");
    HAS(o, "/img/photo.png seen in https://c.example.kz/9 case drugs");
    HAS(o, "/img/rot.png seen in https://w.example.kz/1 case drugs");
    HASNT(o, "other.png seen");
    HASNT(o, "media https://w.example.kz/2");  /* the post itself was not stored */
    free(o);
    o = NULL;
    KT_EQ_INT(sh(&o, "$K audit verify --pubkey \"$($K audit key)\""), 0);
    HAS(o, "ok: ");
    free(o);
}

KT_TEST(reupload_images_worker_pg)
{
    on_pg("reupload_images_worker_pg", "kt_rehash", worker_flow);
}
