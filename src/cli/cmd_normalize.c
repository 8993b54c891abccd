/*
 * cli/cmd_normalize.c - kuzet normalize: the normalized form of each line.
 *
 * For people writing rules: shows exactly what phrases and regexes are
 * matched against.  With --tokens, each word also with its alternate
 * spellings and the original bytes it came from.
 */
#include "cli.h"
#include "text/norm.h"
#include "util/buf.h"
#include <getopt.h>
#include <errno.h>

static const char usage_text[] =
    "usage: kuzet normalize [--tokens] [FILE|-]...\n"
    "\n"
    "Prints the normalized form of each input line (stdin when no FILE or '-'),\n"
    "the form rule phrases and regexes are matched against.\n"
    "  --tokens   after each line, one line per word: the word, its alternate\n"
    "             spellings after '|', and its original text after '<-'\n"
    "  --help     this text\n";

static int print_line(kz_norm *nm, const char *line, size_t len, int tokens, kz_buf *ob)
{
    kz_normtext t;
    int rc = kz_norm_run(nm, line, len, &t);
    if (rc)
        return rc;
    fwrite(t.text, 1, t.len, stdout);
    fputc('\n', stdout);
    if (!tokens)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        const kz_token *tk = pass ? t.joined : t.words;
        size_t cnt = pass ? t.njoined : t.nwords;
        for (size_t i = 0; i < cnt; i++) {
            printf("  %s%.*s", pass ? "joined " : "", (int)tk[i].sp[0].len, tk[i].sp[0].s);
            for (uint32_t k = 1; k < tk[i].nsp; k++)
                printf(" | %.*s", (int)tk[i].sp[k].len, tk[i].sp[k].s);
            uint32_t os, oe;
            kz_norm_span(&t, tk[i].start, tk[i].end, &os, &oe);
            kz_buf_reset(ob);
            kz_buf_add_json_str(ob, line + os, oe - os);
            printf(" <- %s\n", ob->p);
        }
    }
    if (t.invalid)
        printf("  (%zu invalid UTF-8 bytes replaced)\n", t.invalid);
    return 0;
}

int cmd_normalize(int argc, char **argv)
{
    static const struct option opts[] = {
        { "tokens", no_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int tokens = 0, c, status = KZ_EXIT_OK;
    optind = 1;
    while ((c = getopt_long(argc, argv, "th", opts, NULL)) != -1) {
        switch (c) {
        case 't': tokens = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    kz_norm *nm = kz_norm_new();
    if (!nm) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return KZ_EXIT_FAIL;
    }
    kz_buf ob;
    kz_buf_init(&ob, KZ_BUF_NOLIMIT);
    char *line = NULL;
    size_t cap = 0;
    int nfiles = argc - optind;
    for (int a = 0; a < (nfiles ? nfiles : 1); a++) {
        const char *path = nfiles ? argv[optind + a] : "-";
        FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
        if (!fp) {
            kz_cli_err("%s: cannot open: %s", path, strerror(errno));
            status = KZ_EXIT_FAIL;
            continue;
        }
        ssize_t len;
        size_t lineno = 0;
        while ((len = getline(&line, &cap, fp)) >= 0) {
            lineno++;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            int rc = print_line(nm, line, (size_t)len, tokens, &ob);
            if (rc) {
                kz_cli_err("%s:%zu: %s", path, lineno, kz_strerror(rc));
                status = KZ_EXIT_FAIL;
            }
        }
        if (fp != stdin)
            fclose(fp);
    }
    free(line);
    kz_buf_release(&ob);
    kz_norm_free(nm);
    return status;
}
