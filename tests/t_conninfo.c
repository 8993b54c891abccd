/*
 * tests/t_conninfo.c - database strings (store/conninfo.c): which backend
 * each names, and that no password of one survives kz_db_redact or
 * kz_db_redact_msg, in every form libpq takes.  The commands themselves
 * are checked by the golden cases store/0003 and store-pg/0003.
 */
#include "kt.h"
#include "store/db.h"
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static char out[1024];

static const char *red(const char *uri)
{
    size_t n = kz_db_redact(uri, out, sizeof out);
    KT_EQ_INT(n, strlen(out));
    return out;
}

static const char *msg(const char *m, const char *uri)
{
    kz_db_redact_msg(m, uri, NULL, out, sizeof out);
    return out;
}

KT_TEST(conninfo_backend)
{
    KT_EQ_STR(kz_db_backend("kuzet.db"), "sqlite");
    KT_EQ_STR(kz_db_backend("/tmp/a b/k.db"), "sqlite");
    KT_EQ_STR(kz_db_backend("sqlite:/tmp/x=y.db"), "sqlite");
    KT_EQ_STR(kz_db_backend("sqlite://srv/k.db"), "sqlite");
    KT_EQ_STR(kz_db_backend("postgresql://h/db"), "postgresql");
    KT_EQ_STR(kz_db_backend("postgres://u:pw@h/db"), "postgresql");
    KT_EQ_STR(kz_db_backend("host=h dbname=d"), "postgresql");
    KT_EQ_STR(kz_db_backend("dbname = d"), "postgresql");
    KT_EQ_STR(kz_db_backend("/tmp/x=y.db"), "postgresql");    /* libpq's rule: '=' */
    KT_CHECK(kz_db_backend("mysql://u:pw@h/db") == NULL);
    KT_CHECK(kz_db_backend("POSTGRESQL://u:pw@h/db") == NULL);
    KT_CHECK(kz_db_backend("postgresql:/u:pw@h/db") == NULL);
    KT_CHECK(kz_db_backend("postgres:u:pw@h") == NULL);
    KT_CHECK(kz_db_backend("PostgreSQL:/u:pw@h") == NULL);
    KT_EQ_STR(kz_db_backend("postgres.db"), "sqlite");        /* a file, not a misspelt URI */
    KT_EQ_STR(kz_db_backend("postgresql-copy.db"), "sqlite");
}

KT_TEST(conninfo_redact_uri)
{
    KT_EQ_STR(red("postgresql://u:pw@h/db"), "postgresql://u:***@h/db");
    KT_EQ_STR(red("postgres://u:pw@h:5432/db?sslmode=require"),
              "postgres://u:***@h:5432/db?sslmode=require");
    /* no password: as given */
    KT_EQ_STR(red("postgresql://u@h/db"), "postgresql://u@h/db");
    KT_EQ_STR(red("postgresql://h:5432/db"), "postgresql://h:5432/db");
    KT_EQ_STR(red("postgresql://u:@h/db"), "postgresql://u:@h/db");
    KT_EQ_STR(red("postgresql:///db?host=/run/pg"), "postgresql:///db?host=/run/pg");
    KT_EQ_STR(red("postgresql://"), "postgresql://");
    /* percent-encoded, and with characters that mean something in a URI */
    KT_EQ_STR(red("postgresql://u:p%40ss%2Fw%3A%3F@h/db"), "postgresql://u:***@h/db");
    KT_EQ_STR(red("postgresql://u:p:a?s#s;&=@h/db"), "postgresql://u:***@h/db");
    /* unencoded '@' and '/': what was meant goes whole */
    KT_EQ_STR(red("postgresql://u:p@ss@h/db"), "postgresql://u:***@h/db");
    KT_EQ_STR(red("postgresql://u:pa/ss@h/db"), "postgresql://u:***@h/db");
    /* several hosts; a malformed IPv6 host */
    KT_EQ_STR(red("postgresql://u:pw@h1:1,h2:2/db"), "postgresql://u:***@h1:1,h2:2/db");
    KT_EQ_STR(red("postgresql://kuzet:PW@[::1:1/kuzet"), "postgresql://kuzet:***@[::1:1/kuzet");
    /* query parameters, keys percent-encoded or in any case */
    KT_EQ_STR(red("postgresql://u@h/db?sslmode=require&password=pw&connect_timeout=5"),
              "postgresql://u@h/db?sslmode=require&password=***&connect_timeout=5");
    KT_EQ_STR(red("postgresql://h/db?pass%77ord=pw"), "postgresql://h/db?pass%77ord=***");
    KT_EQ_STR(red("postgresql://h/db?PASSWORD=pw&sslpassword=k%20y"),
              "postgresql://h/db?PASSWORD=***&sslpassword=***");
    KT_EQ_STR(red("postgresql://h/db?password=a=b"), "postgresql://h/db?password=***");
    KT_EQ_STR(red("postgresql://h/db?password="), "postgresql://h/db?password=");
    KT_EQ_STR(red("postgresql://h/db?passfile=/x&user=u"), "postgresql://h/db?passfile=/x&user=u");
    KT_EQ_STR(red("postgresql://u:a@h/db?password=b"), "postgresql://u:***@h/db?password=***");
    KT_EQ_STR(red("postgresql://u:p?w@h/db?password=b"), "postgresql://u:***@h/db?password=***");
    /* refused strings are shown with the same care */
    KT_EQ_STR(red("mysql://u:pw@h/db"), "mysql://u:***@h/db");
    KT_EQ_STR(red("postgresql:/u:pw@h/db"), "postgresql:/u:***@h/db");
}

KT_TEST(conninfo_redact_keyvalue)
{
    KT_EQ_STR(red("host=h user=u password=pw dbname=d"), "host=h user=u password=*** dbname=d");
    KT_EQ_STR(red("password=pw"), "password=***");
    KT_EQ_STR(red("host=h password = pw  port=1"), "host=h password = ***  port=1");
    KT_EQ_STR(red("host=h\tpassword=pw\nport=1"), "host=h\tpassword=***\nport=1");
    KT_EQ_STR(red("host=h sslpassword=k Password=pw"), "host=h sslpassword=*** Password=***");
    /* quoted, with spaces, an escaped quote and backslash: the quotes stay */
    KT_EQ_STR(red("host=h password='a b\\'c\\\\' dbname=d"), "host=h password='***' dbname=d");
    KT_EQ_STR(red("password='' host=h"), "password='' host=h");
    KT_EQ_STR(red("password=''"), "password=''");
    /* unquoted with escapes, and special characters */
    KT_EQ_STR(red("password=a\\ b host=h"), "password=*** host=h");
    KT_EQ_STR(red("password=p@ss:w/o?r#d&x=y; host=h"), "password=*** host=h");
    KT_EQ_STR(red("password=postgresql://u:v@h host=h"), "password=*** host=h");
    /* malformed: an unquoted space, an unterminated quote */
    KT_EQ_STR(red("host=h password=a b c dbname=d"), "host=h password=*** dbname=d");
    KT_EQ_STR(red("host=h password=a b"), "host=h password=***");
    KT_EQ_STR(red("host=h password='a b dbname=d"), "host=h password='***");
    KT_EQ_STR(red("host=h password="), "host=h password=");
    /* no password; keys that only contain the word */
    KT_EQ_STR(red("host=h dbname=password"), "host=h dbname=password");
    KT_EQ_STR(red("passfile=/p host=h mypassword=x"), "passfile=/p host=h mypassword=x");
    /* SQLite paths are never changed */
    KT_EQ_STR(red("sqlite:/tmp/password=x.db"), "sqlite:/tmp/password=x.db");
    KT_EQ_STR(red("/tmp/k.db"), "/tmp/k.db");
    KT_EQ_STR(red(""), "");
    KT_EQ_STR(red(NULL), "");
}

KT_TEST(conninfo_redact_short_buffer)
{
    char b[20];
    const char *u = "postgresql://user:secretpassword@host/db";
    size_t n = kz_db_redact(u, b, sizeof b);
    KT_EQ_INT(n, strlen("postgresql://user:***@host/db"));
    KT_EQ_STR(b, "postgresql://user:*");
    KT_EQ_INT(kz_db_redact(u, NULL, 0), n);
    /* a message cut short ends inside the replacement, never the password */
    n = kz_db_redact_msg("x secretpassword y", u, NULL, b, 4);
    KT_EQ_INT(n, strlen("x *** y"));
    KT_EQ_STR(b, "x *");
}

/* libpq's messages quote the string, the password as written or as
 * decoded, or a fragment of a password it read as something else. */
KT_TEST(conninfo_redact_msg)
{
    KT_EQ_STR(msg("end of string reached when looking for matching \"]\" in IPv6 host address "
                  "in URI: \"postgresql://kuzet:PW@[::1:1/kuzet\"",
                  "postgresql://kuzet:PW@[::1:1/kuzet"),
              "end of string reached when looking for matching \"]\" in IPv6 host address "
              "in URI: \"postgresql://kuzet:***@[::1:1/kuzet\"");
    KT_EQ_STR(msg("invalid percent-encoded token: \"p%zz\"", "postgresql://u:p%zz@h/db"),
              "invalid percent-encoded token: \"***\"");
    KT_EQ_STR(msg("server said p@ss/w", "postgresql://u:p%40ss%2Fw@h/db"), "server said ***");
    KT_EQ_STR(msg("bad: a b'c\\", "host=h password='a b\\'c\\\\'"), "bad: ***");
    KT_EQ_STR(msg("bad: a b", "password=a\\ b"), "bad: ***");
    KT_EQ_STR(msg("missing \"=\" after \"W\" in connection info string",
                  "host=h password=P W dbname=d"),
              "missing \"=\" after \"***\" in connection info string");
    KT_EQ_STR(msg("could not translate host name \"ss@h\" to address: Name or service not known",
                  "postgresql://u:p@ss@h/db"),
              "could not translate host name \"***@h\" to address: Name or service not known");
    KT_EQ_STR(msg("invalid integer value \"pa\" for connection option \"port\"",
                  "postgresql://u:pa/ss@h/db"),
              "invalid integer value \"***\" for connection option \"port\"");
    KT_EQ_STR(msg("query pw=sekrit", "postgresql://h/db?password=sekrit"), "query pw=***");
    /* the password is hidden inside other words too (a fragment is not) */
    KT_EQ_STR(msg("role \"kuzet\" failed", "postgresql://kuzet:kuzet@h/db"), "role \"***\" failed");
    /* nothing to hide: as given */
    KT_EQ_STR(msg("connection refused", "postgresql://u@h/db"), "connection refused");
    KT_EQ_STR(msg("k.db: unable to open", "k.db"), "k.db: unable to open");
    KT_EQ_STR(msg("", "postgresql://u:pw@h/db"), "");
    KT_EQ_STR(msg(NULL, NULL), "");
    /* passwords known otherwise (as libpq parsed them) */
    const char *also[] = { "hunter2", "xyzzy", NULL };
    kz_db_redact_msg("a hunter2 b xyzzy c", "host=h", also, out, sizeof out);
    KT_EQ_STR(out, "a *** b *** c");
}

/* Many passwords in one string: more than the redactor keeps on its stack. */
KT_TEST(conninfo_redact_many)
{
    char in[2048] = "host=h", want[2048] = "host=h";
    for (int i = 0; i < 40; i++) {
        size_t n = strlen(in), m = strlen(want);
        snprintf(in + n, sizeof in - n, " password=pw%02d", i);
        snprintf(want + m, sizeof want - m, " password=***");
    }
    KT_EQ_STR(red(in), want);
    kz_db_redact_msg("pw07 and pw39", in, NULL, out, sizeof out);
    KT_EQ_STR(out, "*** and ***");
}

/* A key=value string is PostgreSQL: opening it never makes a file, and
 * its error holds no password. */
KT_TEST(conninfo_keyvalue_is_no_file)
{
    char dir[] = "/tmp/kt-conninfo-XXXXXX", cwd[4096];
    KT_CHECK(mkdtemp(dir) != NULL);
    KT_CHECK(getcwd(cwd, sizeof cwd) != NULL);
    KT_EQ_INT(chdir(dir), 0);
    kz_db *db = NULL;
    KT_EQ_INT(kz_db_open(&db, "host=127.0.0.1 port=1 user=kuzet password=s3cr3t dbname=kuzet"),
              KZ_EDB);
    KT_CHECK(db != NULL);                           /* a handle that says why */
    KT_CHECK(strstr(kz_db_errmsg(db), "s3cr3t") == NULL);
    KT_CHECK(strstr(kz_db_errmsg(db), "127.0.0.1") != NULL);
    kz_db_close(&db);
    KT_EQ_INT(kz_db_open(&db, "host=127.0.0.1 password=s3cr3t pw dbname=kuzet"),
              KZ_EINVAL);
    KT_CHECK(strstr(kz_db_errmsg(db), "s3cr3t") == NULL &&
             strstr(kz_db_errmsg(db), "\"pw\"") == NULL);
    KT_CHECK(strstr(kz_db_errmsg(db), "sqlite:PATH") != NULL);
    kz_db_close(&db);
    KT_EQ_INT(kz_db_open(&db, "postgresql://u:s3cr3t@[::1/db"), KZ_EINVAL);
    KT_CHECK(strstr(kz_db_errmsg(db), "s3cr3t") == NULL &&
             strstr(kz_db_errmsg(db), "u:***@[::1/db") != NULL);
    kz_db_close(&db);
    KT_EQ_INT(kz_db_open(&db, "mysql://u:s3cr3t@h/db"), KZ_EINVAL);
    KT_CHECK(strstr(kz_db_errmsg(db), "s3cr3t") == NULL &&
             strstr(kz_db_errmsg(db), "'mysql:'") != NULL);
    kz_db_close(&db);
    DIR *d = opendir(".");
    int files = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        files += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    KT_EQ_INT(files, 0);
    KT_EQ_INT(chdir(cwd), 0);
    rmdir(dir);
}
