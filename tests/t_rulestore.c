/*
 * tests/t_rulestore.c - rule sets versioned in the store (store/rulestore.h),
 * the rules a long-running process takes from it (pipeline/liverules.h),
 * the versions every detection records, publishes at the same moment (six
 * processes: versions 1..6, each once), and the commands that take the
 * published rule set without --rules: kuzet scan --db and ingest (the
 * version on each detection; --rules FILE as before), kuzet serve (scan and
 * rule tester: 404 with nothing published, then version 1, then version 2
 * without a restart); the audit's rows check covers rule_sets (a text
 * edited in the database, a column changed, a version deleted or slipped
 * in: each named, kuzet audit verify exits 1).
 *
 * SQLite: publishing validates first (bad YAML, a regex Hyperscan refuses,
 * text that is not UTF-8: nothing stored, nothing audited), the same text
 * twice is one version, only analysts, supervisors and admins publish;
 * ingest records the rule set's version ("1", "2", "file:<sha256>") and a
 * bank match its bank's version, which every change to the bank bumps.
 * PostgreSQL: a real kuzet worker started without --rules ingests a job
 * under version 1, version 2 is published, and its next job is scanned
 * with version 2 without a restart.
 */
#include "kt.h"
#include "kt_store.h"
#include "kt_serve.h"
#include "case/session.h"
#include "jobs/queue.h"
#include "pipeline/ingest.h"
#include "pipeline/liverules.h"
#include "store/bank.h"
#include "store/rulestore.h"
#include "util/buf.h"
#include "util/sha256.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const char rules_v1[] =
    "rules:\n"
    "  - id: drugs-v1\n"
    "    category: drugs\n"
    "    weight: 60\n"
    "    phrases: [закладка]\n";

static const char rules_v2[] =
    "rules:\n"
    "  - id: drugs-v2\n"
    "    category: drugs\n"
    "    weight: 70\n"
    "    phrases: [закладка, закладки]\n";

static int64_t one(kz_store *s, const char *sql)
{
    int64_t v = -1;
    KT_EQ_INT(kz_db_int(kz_store_db(s), sql, NULL, 0, &v), 0);
    return v;
}

/* The first row's first column of sql, as text ("NULL" for NULL). */
static void text1(kz_store *s, const char *sql, char *out, size_t outsz)
{
    kz_dbres *r = NULL;
    snprintf(out, outsz, "(no row)");
    KT_EQ_INT(kz_db_query(kz_store_db(s), sql, NULL, 0, &r), 0);
    if (r && kz_dbres_next(r) == 1) {
        size_t n = 0;
        const char *t = kz_dbres_text(r, 0, &n);
        snprintf(out, outsz, "%.*s", (int)n, t ? t : "NULL");
    }
    kz_dbres_done(r);
}

static int publish(kz_store *s, const char *actor, const char *name, const char *text,
                   kz_buf *errs, kz_rule_version *v, int *created)
{
    kz_buf_reset(errs);
    int rc = kz_rulestore_publish(s, actor, name, text, strlen(text), errs, v, created);
    (void)kz_buf_addc(errs, '\0');
    return rc;
}

KT_TEST(rulestore_publish_validates_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "rulestore");
    kz_rule_version v;
    kz_buf errs;
    int created = 0;
    if (!s)
        return;
    kt_store_accounts(s);                           /* ann reviewer, sue supervisor */
    kz_buf_init(&errs, 1 << 16);
    int64_t audit0 = one(s, "SELECT count(*) FROM audit_log");
    /* bad YAML: every problem named, nothing stored or audited */
    KT_EQ_INT(publish(s, "sue", "bad.yaml", "rules:\n  - id: x\n    category: drugs\n    weight: 500\n"
                                            "    phrases: []\n", &errs, &v, &created), KZ_EBADRULE);
    KT_CHECK(strstr(errs.p, "bad.yaml:4: weight must be an integer from 1 to 100") != NULL);
    KT_CHECK(strstr(errs.p, "bad.yaml:5: 'phrases' is an empty list") != NULL);
    KT_EQ_INT(publish(s, "sue", "y.yaml", "rules: [\n", &errs, &v, &created), KZ_EBADRULE);
    KT_CHECK(strstr(errs.p, "y.yaml:") != NULL);
    /* a regex only the compile refuses */
    KT_EQ_INT(publish(s, "sue", "re.yaml", "rules:\n  - id: r\n    category: c\n    weight: 5\n"
                                           "    regex: ['(?<=a+)b']\n", &errs, &v, &created),
              KZ_EBADRULE);
    KT_CHECK(strstr(errs.p, "re.yaml:5:") != NULL);
    /* not UTF-8 */
    KT_EQ_INT(publish(s, "sue", "l1.yaml", "rules:\n  - id: \xe9\n", &errs, &v, &created), KZ_EBADRULE);
    KT_CHECK(strstr(errs.p, "l1.yaml:1: not UTF-8") != NULL);
    KT_EQ_INT(created, 0);
    KT_EQ_INT(one(s, "SELECT count(*) FROM rule_sets"), 0);
    KT_EQ_INT(one(s, "SELECT count(*) FROM audit_log"), audit0);
    /* a reviewer may not; an unknown account neither */
    KT_EQ_INT(publish(s, "ann", "r.yaml", rules_v1, &errs, &v, &created), KZ_EPERM);
    KT_CHECK(strstr(kz_store_errmsg(s), "needs an analyst, supervisor or admin") != NULL);
    KT_EQ_INT(publish(s, "nobody", "r.yaml", rules_v1, &errs, &v, &created), KZ_EPERM);
    KT_EQ_INT(one(s, "SELECT count(*) FROM rule_sets"), 0);
    int64_t latest = -1;
    KT_EQ_INT(kz_rulestore_latest(s, &latest), 0);
    KT_EQ_INT(latest, 0);
    /* published: version 1, its SHA-256, who; the same text again: nothing */
    KT_EQ_INT(publish(s, "sue", "r.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(created, 1);
    KT_EQ_INT(v.version, 1);
    char hex[65];
    kz_sha256_hex(rules_v1, strlen(rules_v1), hex);
    KT_EQ_STR(v.sha256, hex);
    KT_EQ_STR(v.by, "sue");
    KT_EQ_INT(v.rules, 1);
    KT_EQ_INT(publish(s, "sue", "again.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(created, 0);
    KT_EQ_INT(v.version, 1);
    KT_EQ_INT(publish(s, "sue", "r2.yaml", rules_v2, &errs, &v, &created), 0);
    KT_EQ_INT(created, 1);
    KT_EQ_INT(v.version, 2);
    KT_EQ_INT(one(s, "SELECT count(*) FROM audit_log WHERE action = 'rules.publish' AND "
                     "actor = 'sue' AND entity = 'rule_set'"), 2);
    KT_EQ_INT(kz_rulestore_latest(s, &latest), 0);
    KT_EQ_INT(latest, 2);
    kz_rule_version *list = NULL;
    size_t n = 0;
    KT_EQ_INT(kz_rulestore_list(s, &list, &n), 0);
    KT_EQ_INT(n, 2);
    if (n == 2) {
        KT_EQ_STR(list[0].name, "r.yaml");
        KT_EQ_INT(list[1].version, 2);
        KT_EQ_INT(list[1].rules, 1);
    }
    free(list);
    /* version 1 read back: its text, and a rule set that says "1" */
    kz_ruleset *rs = NULL;
    KT_EQ_INT(kz_rulestore_load(s, 1, &rs, &v, NULL), 0);
    KT_CHECK(rs && !strcmp(rs->version, "1") && !strcmp(rs->rules[0].id, "drugs-v1"));
    kz_ruleset_free(&rs);
    KT_EQ_INT(kz_rulestore_load(s, 9, &rs, NULL, NULL), KZ_ENOTFOUND);
    char why[256] = "";
    KT_EQ_INT(kt_audit_bad_seq(t.dir[0] ? kz_store_uri(s) : "", why, sizeof why), 0);
    kz_buf_release(&errs);
    kt_store_cleanup(&t, &s);
}

typedef struct mem {
    const char *p;
    size_t len, off;
} mem;

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
    mem *m = ctx;
    size_t k = KZ_MIN(n, m->len - m->off);
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

static void ingest(kz_store *s, const kz_scanner *sc, const char *jsonl)
{
    mem m = { jsonl, strlen(jsonl), 0 };
    kz_ingest_input in;
    kz_ingest_opts o;
    kz_ingest_stats st;
    memset(&in, 0, sizeof in);
    memset(&o, 0, sizeof o);
    in.read = mem_read;
    in.read_ctx = &m;
    o.scanner = sc;
    o.store = s;
    o.threads = 1;
    o.no_checkpoint = 1;
    KT_EQ_INT(kz_ingest_run(&o, &in, 1, &st), 0);
    KT_EQ_INT(st.rejected, 0);
}

/* Ingest records the versions: the store's rule set through liverules
 * (1, then 2 after a publish, without a new liverules), a file's
 * "file:<sha256>", and a bank match its bank's version, bumped by each
 * change. */
KT_TEST(rulestore_detections_record_versions_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "rulever");
    kz_liverules *lr = NULL;
    kz_liverules_news nw;
    const kz_scanner *sc = NULL;
    kz_rule_version v;
    kz_buf errs;
    char got[200];
    int created = 0;
    if (!s)
        return;
    kt_store_accounts(s);
    kz_buf_init(&errs, 1 << 16);
    KT_EQ_INT(kz_liverules_new(&lr, 0), 0);
    KT_EQ_INT(kz_liverules_get(lr, s, &sc, &nw), KZ_ENOTFOUND);     /* nothing published */
    KT_CHECK(sc == NULL && strstr(nw.why, "no rule set published") != NULL);
    KT_EQ_INT(publish(s, "sue", "r.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(kz_liverules_get(lr, s, &sc, &nw), 0);
    KT_CHECK(sc != NULL && nw.changed && nw.version == 1 && nw.previous == 0);
    ingest(s, sc, "{\"url\":\"https://a.example/1\",\"text\":\"тут закладка\"}\n");
    const kz_scanner *held = sc;                  /* a job still holds version 1 */
    KT_EQ_INT(publish(s, "sue", "r2.yaml", rules_v2, &errs, &v, &created), 0);
    KT_EQ_INT(kz_liverules_get(lr, s, &sc, &nw), 0);
    KT_CHECK(sc != NULL && sc != held && nw.changed && nw.version == 2 && nw.previous == 1);
    KT_EQ_STR(kz_scanner_version(held), "1");    /* still usable by its job */
    kz_liverules_put(lr, held);
    ingest(s, sc, "{\"url\":\"https://a.example/2\",\"text\":\"там закладки\"}\n");
    const kz_scanner *again = NULL;
    KT_EQ_INT(kz_liverules_get(lr, s, &again, &nw), 0);
    KT_CHECK(again == sc && !nw.changed && nw.version == 2);          /* nothing newer */
    kz_liverules_put(lr, again);
    kz_liverules_put(lr, sc);
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://a.example/1'", got, sizeof got);
    KT_EQ_STR(got, "drugs-v1 1");
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://a.example/2'", got, sizeof got);
    KT_EQ_STR(got, "drugs-v2 2");
    /* rules from a file: "file:" and its SHA-256 */
    kz_ruleset *rs = NULL;
    kz_scanner *fsc = NULL;
    KT_EQ_INT(kz_rules_parse(rules_v1, strlen(rules_v1), "f.yaml", &rs, NULL), 0);
    KT_EQ_INT(kz_scanner_new(rs, &fsc, NULL), 0);
    ingest(s, fsc, "{\"url\":\"https://a.example/3\",\"text\":\"закладка\"}\n");
    char want[100], hex[65];
    kz_sha256_hex(rules_v1, strlen(rules_v1), hex);
    snprintf(want, sizeof want, "file:%s", hex);
    text1(s, "SELECT rules_version FROM detections d JOIN items i ON i.id = d.item_id WHERE "
             "i.url = 'https://a.example/3'", got, sizeof got);
    KT_EQ_STR(got, want);
    /* a bank match: the bank's version, bumped by every change */
    const char *post = "{\"url\":\"https://b.example/1\",\"text\":\"banked words here\"}\n";
    kz_sha256_hex("banked words here", 17, hex);
    kz_banks *bk = NULL;
    int added = 0;
    int64_t bank_id = 0;
    KT_EQ_INT(kz_bank_open(&bk, s), 0);
    KT_EQ_INT(kz_bank_create(bk, "sue", "drugs-sha256", KZ_BANK_SHA256, -1, 0, &bank_id), 0);
    KT_EQ_INT(one(s, "SELECT version FROM banks WHERE name = 'drugs-sha256'"), 0);
    KT_EQ_INT(kz_bank_add(bk, "sue", "drugs-sha256", hex, "drugs", "import", &added), 0);
    KT_EQ_INT(kz_bank_add(bk, "sue", "drugs-sha256", hex, "drugs", "import", &added), 0);
    KT_EQ_INT(added, 0);                          /* already held: no change, no bump */
    char other[65];
    memset(other, '0', 64);
    other[64] = '\0';
    KT_EQ_INT(kz_bank_add(bk, "sue", "drugs-sha256", other, "drugs", "import", &added), 0);
    KT_EQ_INT(one(s, "SELECT version FROM banks WHERE name = 'drugs-sha256'"), 2);
    kz_bank_close(&bk);
    ingest(s, fsc, post);
    text1(s, "SELECT rule_id || ' ' || method || ' ' || bank_version || ' ' || "
             "COALESCE(rules_version, 'none') FROM detections d JOIN items i ON i.id = d.item_id "
             "WHERE i.url = 'https://b.example/1'", got, sizeof got);
    KT_EQ_STR(got, "bank:drugs-sha256 hash 2 none");
    /* shown in kuzet cases show */
    char cmd[600], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "'%s' cases show 1 --db '%s'", kt_bin(), kz_store_uri(s));
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    KT_CHECK(out && strstr(out, "    rules_version: 1\n") != NULL);
    free(out);
    free(err);
    out = err = NULL;
    snprintf(cmd, sizeof cmd, "'%s' cases show 4 --json --db '%s'", kt_bin(), kz_store_uri(s));
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    KT_CHECK(out && strstr(out, "\"rules_version\":null,\"bank_version\":2") != NULL);
    free(out);
    free(err);
    kz_scanner_free(&fsc);
    kz_ruleset_free(&rs);
    kz_liverules_free(&lr);
    kz_buf_release(&errs);
    kt_store_cleanup(&t, &s);
}

/* Wait (up to 15 s) until count(*) of sql is want; 1 when it was. */
static int wait_for(kz_store *s, const char *sql, int64_t want)
{
    for (int i = 0; i < 300; i++) {
        int64_t v = -1;
        if (kz_db_int(kz_store_db(s), sql, NULL, 0, &v) == 0 && v == want)
            return 1;
        usleep(50 * 1000);
    }
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    KT_CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A real worker without --rules: version 1 for the first job, version 2
 * (published while it runs) for the next, without a restart. */
KT_TEST(rulestore_worker_takes_new_version_pg)
{
    kt_pgdb d;
    char uri[700], dir[] = "/tmp/kt-rulever-XXXXXX", a[300], b[300], logp[300], got[200];
    kz_store *s = kt_store_pg(&d, "rulestore_worker_takes_new_version_pg", "rulever");
    kz_rule_version v;
    kz_buf errs;
    int created = 0;
    size_t added = 0;
    if (!s)
        return;
    kz_buf_init(&errs, 1 << 16);
    kt_store_pg_uri(&d, uri, sizeof uri);
    KT_CHECK(mkdtemp(dir) != NULL);
    snprintf(a, sizeof a, "%s/a.jsonl", dir);
    snprintf(b, sizeof b, "%s/b.jsonl", dir);
    snprintf(logp, sizeof logp, "%s/worker.log", dir);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO accounts (name, role, password_hash, "
                                         "created_at) VALUES ('al', 'analyst', '', "
                                         "'2026-01-01T00:00:00Z')"), 0);
    KT_EQ_INT(publish(s, "al", "v1.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(v.version, 1);
    write_file(a, "{\"url\":\"https://w.example/a\",\"text\":\"тут закладка\"}\n");
    write_file(b, "{\"url\":\"https://w.example/b\",\"text\":\"там закладки\"}\n");
    KT_EQ_INT(kz_queue_add_ingest(s, a, 0, &added), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setenv("KUZET_AUDIT_KEY", d.key, 1);
        execl(kt_bin(), "kuzet", "worker", "--db", uri, "--roles", "ingest", "--rules-check", "0",
              "--poll", "50", (char *)NULL);
        _exit(127);
    }
    KT_CHECK(pid > 0);
    KT_CHECK(wait_for(s, "SELECT count(*) FROM jobs WHERE state = 'done'", 1));
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://w.example/a'", got, sizeof got);
    KT_EQ_STR(got, "drugs-v1 1");
    /* version 2 published while the worker runs; the next job uses it */
    KT_EQ_INT(publish(s, "al", "v2.yaml", rules_v2, &errs, &v, &created), 0);
    KT_EQ_INT(v.version, 2);
    KT_EQ_INT(kz_queue_add_ingest(s, b, 0, &added), 0);
    KT_CHECK(wait_for(s, "SELECT count(*) FROM jobs WHERE state = 'done'", 2));
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://w.example/b'", got, sizeof got);
    KT_EQ_STR(got, "drugs-v2 2");
    int status = -1;
    if (pid > 0) {
        kill(pid, SIGTERM);
        KT_EQ_INT(waitpid(pid, &status, 0), pid);
        KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char *log = kt_slurp(logp, NULL);
    KT_CHECK(log && strstr(log, "kuzet worker: rule set 1 from the database\n") != NULL);
    KT_CHECK(log && strstr(log, ": rule set 2 in use (was 1)\n") != NULL);
    if (log && !strstr(log, "rule set 2 in use"))
        printf("    %s\n", log);
    free(log);
    /* with nothing published, a worker without --rules says so and exits 1 */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "DELETE FROM rule_sets"), 0);
    char cmd[1200], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "KUZET_AUDIT_KEY='%s' '%s' worker --db '%s' --roles ingest "
                              "--exit-when-idle", d.key, kt_bin(), uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_CHECK(err && strstr(err, "no rule set published (kuzet rules publish FILE)") != NULL);
    free(out);
    free(err);
    unlink(a);
    unlink(b);
    unlink(logp);
    rmdir(dir);
    kz_buf_release(&errs);
    kt_store_pg_drop(&d, &s);
}

/* n processes publish at the same moment (each its own text, its own
 * connection), released together through a pipe: each gets a version, and
 * the versions are 1..n, each exactly once; the audit log stays whole. */
static void publish_at_once(const char *uri, const char *key, int n)
{
    int go[2];
    pid_t pid[8];
    KT_CHECK(n <= 8 && pipe(go) == 0);
    for (int i = 0; i < n; i++) {
        if ((pid[i] = fork()) == 0) {
            char text[300], name[32], c;
            kz_store *st = NULL;
            kz_rule_version v;
            int created = 0;
            close(go[1]);
            if (kz_store_open(&st, uri, 1) != 0 || kz_store_set_signer(st, key))
                _exit(10);
            snprintf(text, sizeof text, "rules:\n  - id: r%d\n    category: drugs\n    weight: %d\n"
                                        "    phrases: [закладка]\n", i, 10 + i);
            snprintf(name, sizeof name, "p%d.yaml", i);
            if (read(go[0], &c, 1) != 0)                /* all at once: the pipe's close */
                _exit(11);
            int rc = kz_rulestore_publish(st, "al", name, text, strlen(text), NULL, &v, &created);
            if (rc)
                fprintf(stderr, "publish %d: %s: %s\n", i, kz_strerror(rc), kz_store_errmsg(st));
            kz_store_close(&st);
            _exit(rc ? 1 : created ? 0 : 2);
        }
        KT_CHECK(pid[i] > 0);
    }
    close(go[0]);
    usleep(100 * 1000);                                 /* every child at its read */
    close(go[1]);
    for (int i = 0; i < n; i++) {
        int status = -1;
        if (pid[i] > 0) {
            KT_EQ_INT(waitpid(pid[i], &status, 0), pid[i]);
            KT_CHECK(WIFEXITED(status));
            KT_EQ_INT(WEXITSTATUS(status), 0);
        }
    }
}

static void check_consecutive(kz_store *s, int n)
{
    kz_rule_version *list = NULL;
    size_t cnt = 0;
    KT_EQ_INT(kz_rulestore_list(s, &list, &cnt), 0);
    KT_EQ_INT(cnt, (size_t)n);
    for (size_t i = 0; i < cnt; i++)
        KT_EQ_INT(list[i].version, (int64_t)i + 1);
    free(list);
    KT_EQ_INT(one(s, "SELECT count(DISTINCT entity_id) FROM audit_log WHERE action = "
                     "'rules.publish'"), n);
    char why[256] = "";
    KT_EQ_INT(kt_audit_bad_seq(kz_store_uri(s), why, sizeof why), 0);
}

KT_TEST(rulestore_publish_at_once_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "rulepub");
    char key[128];
    if (!s)
        return;
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO accounts (name, role, password_hash, "
                                         "created_at) VALUES ('al', 'analyst', '', "
                                         "'2026-01-01T00:00:00Z')"), 0);
    snprintf(key, sizeof key, "%s/k.db.audit-key", t.dir);
    publish_at_once(kz_store_uri(s), key, 6);
    check_consecutive(s, 6);
    kt_store_cleanup(&t, &s);
}

KT_TEST(rulestore_publish_at_once_pg)
{
    kt_pgdb d;
    char uri[700];
    kz_store *s = kt_store_pg(&d, "rulestore_publish_at_once_pg", "rulepub");
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO accounts (name, role, password_hash, "
                                         "created_at) VALUES ('al', 'analyst', '', "
                                         "'2026-01-01T00:00:00Z')"), 0);
    publish_at_once(uri, d.key, 6);
    check_consecutive(s, 6);
    kt_store_pg_drop(&d, &s);
}

/* Run `kuzet ARGS` (a shell line after the binary) with the store t's
 * database; its exit status, stdout and stderr (freed by the caller). */
static const char *abs_bin(void)
{
    static char bin[1024];
    if (!bin[0] && !realpath(kt_bin(), bin))
        snprintf(bin, sizeof bin, "%s", kt_bin());
    return bin;
}

static int kuzet(kt_tmpstore *t, const char *args, char **out, char **err)
{
    char cmd[2000];
    *out = *err = NULL;
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", t->dir, abs_bin(), args);
    return kt_run(cmd, out, err);
}

#define HAS(s, want) KT_CHECK((s) && strstr((s), (want)) != NULL)

/* kuzet scan --db, ingest without --rules: nothing published is said
 * (exit 1, nothing stored); then the published set, its number on each
 * detection; a newer version taken by the next run; --rules FILE as
 * before. */
KT_TEST(rulestore_commands_take_published_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "rulecmd");
    kz_rule_version v;
    kz_buf errs;
    char *out = NULL, *err = NULL, got[200], path[128];
    int created = 0;
    if (!s)
        return;
    kt_store_accounts(s);
    kz_buf_init(&errs, 1 << 16);
    snprintf(path, sizeof path, "%s/a.jsonl", t.dir);
    write_file(path, "{\"url\":\"https://a.example/1\",\"text\":\"тут закладка\"}\n");
    snprintf(path, sizeof path, "%s/b.jsonl", t.dir);
    write_file(path, "{\"url\":\"https://a.example/2\",\"text\":\"там закладки\"}\n");
    snprintf(path, sizeof path, "%s/c.jsonl", t.dir);
    write_file(path, "{\"url\":\"https://a.example/3\",\"text\":\"закладка\"}\n");
    snprintf(path, sizeof path, "%s/v1.yaml", t.dir);
    write_file(path, rules_v1);
    /* nothing published */
    KT_EQ_INT(kuzet(&t, "ingest --db k.db --threads 1 a.jsonl", &out, &err), 1);
    HAS(err, "kuzet: ingest: no rule set published (kuzet rules publish FILE); or give --rules FILE");
    free(out);
    free(err);
    KT_EQ_INT(kuzet(&t, "scan --db k.db --threads 1 a.jsonl", &out, &err), 1);
    HAS(err, "kuzet: scan: no rule set published");
    free(out);
    free(err);
    KT_EQ_INT(one(s, "SELECT count(*) FROM items"), 0);
    /* version 1: scan --db (and $KUZET_DB), ingest */
    KT_EQ_INT(publish(s, "sue", "v1.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(kuzet(&t, "scan --db k.db --threads 1 a.jsonl", &out, &err), 0);
    HAS(out, "\"hits\":[{\"rule\":\"drugs-v1\"");
    HAS(err, "kuzet scan: rule set 1 from the database\n");
    free(out);
    free(err);
    KT_EQ_INT(kuzet(&t, "ingest --db k.db --threads 1 a.jsonl", &out, &err), 0);
    HAS(err, "kuzet ingest: rule set 1 from the database\n");
    HAS(err, "1 cases opened");
    free(out);
    free(err);
    /* version 2 published: the next run takes it */
    KT_EQ_INT(publish(s, "sue", "v2.yaml", rules_v2, &errs, &v, &created), 0);
    KT_EQ_INT(kuzet(&t, "ingest --db k.db --threads 1 --quiet b.jsonl", &out, &err), 0);
    free(out);
    free(err);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cd '%s' && KUZET_DB=k.db '%s' scan --threads 1 --flagged-only "
                              "b.jsonl", t.dir, abs_bin());
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    HAS(out, "\"hits\":[{\"rule\":\"drugs-v2\"");
    HAS(err, "kuzet scan: rule set 2 from the database\n");
    free(out);
    free(err);
    /* --rules FILE: as before */
    KT_EQ_INT(kuzet(&t, "ingest --db k.db --threads 1 --rules v1.yaml c.jsonl", &out, &err), 0);
    KT_CHECK(err && !strstr(err, "rule set"));
    free(out);
    free(err);
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://a.example/1'", got, sizeof got);
    KT_EQ_STR(got, "drugs-v1 1");
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://a.example/2'", got, sizeof got);
    KT_EQ_STR(got, "drugs-v2 2");
    char want[100], hex[65];
    kz_sha256_hex(rules_v1, strlen(rules_v1), hex);
    snprintf(want, sizeof want, "drugs-v1 file:%s", hex);
    text1(s, "SELECT rule_id || ' ' || rules_version FROM detections d JOIN items i ON "
             "i.id = d.item_id WHERE i.url = 'https://a.example/3'", got, sizeof got);
    KT_EQ_STR(got, want);
    kz_buf_release(&errs);
    kt_store_cleanup(&t, &s);
}

/* ---- kuzet serve without --rules -------------------------------------------- */

static char serve_token[KZ_TOKEN_LEN + 1];

static void serve_setup(kz_store *s)
{
    kz_actor *root = NULL;
    kz_principal p;
    kt_store_accounts(s);                           /* sue: a supervisor */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO accounts (name, role, password_hash, "
                                         "created_at) VALUES ('root', 'admin', 'x', "
                                         "'2026-01-01T00:00:00Z')"), 0);
    memset(&p, 0, sizeof p);                        /* no password: as if logged in */
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM accounts WHERE name = 'root'", NULL, 0,
                        &p.account_id), 0);
    snprintf(p.name, sizeof p.name, "root");
    snprintf(p.role, sizeof p.role, "admin");
    KT_EQ_INT(kz_account_act(&root, s, &p), 0);
    KT_EQ_INT(kz_token_add(root, "sue", "rules", 1, NULL, serve_token, NULL), 0);
    kz_account_logout(&root);
}

static void serve_publish(const kt_server *sv, const char *name, const char *text, int64_t want)
{
    kz_store *s = NULL;
    kz_rule_version v;
    int created = 0;
    KT_EQ_INT(kz_store_open(&s, sv->uri, 1), 0);
    if (!s)
        return;
    KT_EQ_INT(kz_store_set_signer(s, sv->key), 0);
    KT_EQ_INT(kz_rulestore_publish(s, "sue", name, text, strlen(text), NULL, &v, &created), 0);
    KT_EQ_INT(v.version, want);
    kz_store_close(&s);
}

/* kuzet serve started without --rules: POST /api/v1/scan and the rule
 * tester answer 404 while nothing is published, then scan with version 1,
 * and with version 2 once it is published, without a restart. */
KT_TEST(rulestore_serve_takes_new_version_sqlite)
{
    kt_server sv;
    kt_client sue;
    kt_resp r;
    static const char *const extra[] = { "--rules-check", "0", NULL };
    memset(&sue, 0, sizeof sue);
    if (kt_serve_start(&sv, "rulesrv", 0, serve_setup, extra))
        return;
    snprintf(sue.token, sizeof sue.token, "%s", serve_token);
    const char *post = "{\"id\":1,\"text\":\"там закладки\"}\n";
    KT_EQ_INT(kt_httpx(&sv, &sue, "POST", "/api/v1/scan", "application/x-ndjson", post,
                       strlen(post), NULL, &r), 404);
    KT_CHECK(r.body && strstr(r.body, "none published in the database") != NULL);
    kt_resp_free(&r);
    serve_publish(&sv, "v1.yaml", rules_v1, 1);
    KT_EQ_INT(kt_httpx(&sv, &sue, "POST", "/api/v1/scan", "application/x-ndjson", post,
                       strlen(post), NULL, &r), 200);
    KT_CHECK(r.body && strstr(r.body, "\"flagged\":[]") != NULL);      /* v1: закладка only */
    kt_resp_free(&r);
    serve_publish(&sv, "v2.yaml", rules_v2, 2);
    KT_EQ_INT(kt_httpx(&sv, &sue, "POST", "/api/v1/scan", "application/x-ndjson", post,
                       strlen(post), NULL, &r), 200);
    KT_CHECK(r.body && strstr(r.body, "\"rule\":\"drugs-v2\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "POST", "/api/v1/rules/test", "{\"text\":\"там закладки\"}", &r),
              200);
    KT_CHECK(r.body && strstr(r.body, "\"rule\":\"drugs-v2\"") != NULL);
    kt_resp_free(&r);
    char *log = kt_serve_log(&sv);
    KT_CHECK(log && strstr(log, "kuzet serve: rule set 1 from the database\n") != NULL);
    KT_CHECK(log && strstr(log, "kuzet serve: rule set 2 in use (was 1)\n") != NULL);
    free(log);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* ---- the audit covers rule_sets ------------------------------------------- */

/* A published rule set's text edited in the database (sha256 column left
 * alone, or changed to match), a column changed, a version slipped in, one
 * deleted: the rows check names each, and kuzet audit verify fails. */
static void tamper(kz_store *s, const char *uri)
{
    kz_rule_version v;
    kz_buf errs;
    char what[2000], cmd[1600], *out = NULL, *err = NULL;
    int created = 0;
    kz_buf_init(&errs, 1 << 16);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO accounts (name, role, password_hash, "
                                         "created_at) VALUES ('al', 'analyst', '', "
                                         "'2026-01-01T00:00:00Z')"), 0);
    KT_EQ_INT(publish(s, "al", "v1.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(publish(s, "al", "v2.yaml", rules_v2, &errs, &v, &created), 0);
    KT_EQ_INT(publish(s, "al", "v1.yaml", rules_v1, &errs, &v, &created), 0);
    KT_EQ_INT(v.version, 3);
    /* al was added by SQL, not through kuzet: that row is one difference */
    int64_t base = kt_rows_differ(uri, what, sizeof what);
    KT_EQ_INT(base, 1);
    KT_CHECK(strstr(what, "accounts ") != NULL && !strstr(what, "rule_sets"));
    KT_EQ_INT(one(s, "SELECT count(*) FROM audit_log WHERE action = 'rules.publish' AND "
                     "after_state LIKE '%\"published_by\":\"al\"%'"), 3);
    /* version 1's text: a rule's weight lowered, nothing else */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE rule_sets SET body = replace(body, 'weight: 60', "
                                         "'weight: 6') WHERE version = 1"), 0);
    KT_EQ_INT(kt_rows_differ(uri, what, sizeof what), base + 1);
    KT_CHECK(strstr(what, "rule_sets 1: body is not the text the audit log recorded") != NULL);
    snprintf(cmd, sizeof cmd, "'%s' audit verify --unpinned --db '%s'", kt_bin(), uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_CHECK(out && strstr(out, "row rule_sets 1: body is not the text") != NULL);
    free(out);
    free(err);
    /* and its sha256 column made to match: both named */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE rule_sets SET sha256 = 'ab' WHERE version = 1"),
              0);
    KT_EQ_INT(kt_rows_differ(uri, what, sizeof what), base + 1);
    KT_CHECK(strstr(what, "rule_sets 1: sha256 is 'ab', the audit log says") != NULL);
    /* who published version 2; version 3 deleted; a version 4 slipped in */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE rule_sets SET published_by = 'root' WHERE "
                                         "version = 2"), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "DELETE FROM rule_sets WHERE version = 3"), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO rule_sets (version, sha256, body, name, "
                                         "rules, published_by, published_at) SELECT 4, sha256, "
                                         "body, name, rules, published_by, published_at FROM "
                                         "rule_sets WHERE version = 2"), 0);
    KT_EQ_INT(kt_rows_differ(uri, what, sizeof what), base + 4);     /* 1 still */
    KT_CHECK(strstr(what, "rule_sets 2: published_by is 'root', the audit log says 'al'") != NULL);
    KT_CHECK(strstr(what, "rule_sets 3: missing") != NULL);
    KT_CHECK(strstr(what, "rule_sets 4: not in the audit log") != NULL);
    kz_buf_release(&errs);
}

KT_TEST(rulestore_audit_rows_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "ruleaudit");
    if (!s)
        return;
    tamper(s, kz_store_uri(s));
    kt_store_cleanup(&t, &s);
}

KT_TEST(rulestore_audit_rows_pg)
{
    kt_pgdb d;
    char uri[700];
    kz_store *s = kt_store_pg(&d, "rulestore_audit_rows_pg", "ruleaudit");
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    tamper(s, uri);
    kt_store_pg_drop(&d, &s);
}

/* kz_liverules_open: a file is compiled at once and used whatever the
 * store holds (version 0, "file:<sha256>"); a file with problems is
 * refused with them; without a file the store's, and with nothing
 * published no look at the store before check_ms is up. */
KT_TEST(rulestore_liverules_source_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "rulesrc");
    kz_liverules *lr = NULL;
    kz_liverules_news nw;
    const kz_scanner *sc = NULL;
    kz_rule_version v;
    kz_buf errs;
    char path[128], want[100], hex[65];
    int created = 0;
    if (!s)
        return;
    kt_store_accounts(s);
    kz_buf_init(&errs, 1 << 16);
    snprintf(path, sizeof path, "%s/r.yaml", t.dir);
    write_file(path, rules_v2);
    KT_EQ_INT(publish(s, "sue", "v1.yaml", rules_v1, &errs, &v, &created), 0);
    kz_buf_reset(&errs);
    KT_EQ_INT(kz_liverules_open(&lr, path, 0, &errs), 0);
    KT_EQ_INT(kz_liverules_from_store(lr), 0);
    KT_EQ_INT(kz_liverules_get(lr, NULL, &sc, &nw), 0);     /* no store needed */
    kz_sha256_hex(rules_v2, strlen(rules_v2), hex);
    snprintf(want, sizeof want, "file:%s", hex);
    KT_CHECK(sc && !strcmp(kz_scanner_version(sc), want) && nw.version == 0 && !nw.changed);
    kz_liverules_put(lr, sc);
    KT_EQ_INT(kz_liverules_get(lr, s, &sc, &nw), 0);        /* the store's version 1: not used */
    KT_CHECK(sc && !strcmp(kz_scanner_version(sc), want));
    kz_liverules_put(lr, sc);
    kz_liverules_free(&lr);
    /* a file with problems */
    write_file(path, "rules:\n  - id: x\n    category: drugs\n    weight: 500\n    phrases: [a]\n");
    kz_buf_reset(&errs);
    KT_EQ_INT(kz_liverules_open(&lr, path, 0, &errs), KZ_EBADRULE);
    KT_CHECK(lr == NULL);
    (void)kz_buf_addc(&errs, '\0');
    KT_CHECK(errs.p && strstr(errs.p, "r.yaml:4: weight must be") != NULL);
    /* the store's; nothing published yet, and no look again for an hour */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "DELETE FROM rule_sets"), 0);
    KT_EQ_INT(kz_liverules_open(&lr, NULL, 3600 * 1000, &errs), 0);
    KT_EQ_INT(kz_liverules_from_store(lr), 1);
    KT_EQ_INT(kz_liverules_get(lr, s, &sc, &nw), KZ_ENOTFOUND);
    KT_CHECK(sc == NULL && strstr(nw.why, "no rule set published") != NULL);
    KT_EQ_INT(publish(s, "sue", "v2.yaml", rules_v2, &errs, &v, &created), 0);
    KT_EQ_INT(kz_liverules_get(lr, s, &sc, &nw), KZ_ENOTFOUND);    /* no look due */
    KT_CHECK(sc == NULL && strstr(nw.why, "no rule set published") != NULL);
    kz_liverules_free(&lr);
    kz_buf_release(&errs);
    kt_store_cleanup(&t, &s);
}
