/*
 * tests/crawl/hostile.c - a tiny misbehaving HTTP server for the crawl tests.
 *
 *   hostile --free-port     print a free loopback port and exit
 *   hostile PORT [JPEG]     serve on 127.0.0.1:PORT (one process per
 *                           connection) until killed or 60 s have passed;
 *                           JPEG: a file served as /image-as-html
 *
 * Paths:  /            an HTML page linking to every path below
 *         /robots.txt  404 (everything allowed)
 *         /endless     a body without length that never ends (body cap)
 *         /drip        one byte every 500 ms (low-speed/total timeout)
 *         /loop        a redirect to itself (redirect limit)
 *         /to-local    a redirect to 127.0.0.2 (SSRF guard on a hop)
 *         /to-meta     a redirect to 169.254.169.254 (SSRF guard on a hop)
 *         /bighead     200 KiB of response headers (header cap)
 *         /chunked-bad invalid chunked encoding (a protocol error)
 *         /bomb        1 GiB of zeros gzipped, streamed without a length,
 *                      Content-Encoding: gzip (the body cap counts decoded bytes)
 *         /bomb-small  64 MiB of zeros gzipped (about 64 KiB) with an honest
 *                      Content-Length under the cap: decoded bytes still over it
 *         /bad-gzip    Content-Encoding: gzip over bytes that are not gzip
 *         /malformed   broken HTML: unclosed and misnested tags, NULs, 3000
 *                      nested <div>, an unterminated comment (still a page)
 *         /mismatch    says charset=utf-8, is windows-1251 (the header wins)
 *         /bad-charset says charset=x-no-such (an unusable label: UTF-8 read)
 *         /image-as-html  a JPEG served as text/html (an image event)
 *         /html-as-image  <img src> of an HTML page (not an image)
 * Built by tests/crawl/run.sh with cc -lz; not part of kuzet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static int port;
static const char *jpeg_path;

static void say(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            _exit(0);
        s += w;
        n -= (size_t)w;
    }
}

static void say_n(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            _exit(0);
        s += w;
        n -= (size_t)w;
    }
}

/* Gzip total bytes of zeros; each piece of output goes to fd, or is
 * appended to *buf when buf is not NULL. */
static void gzip_zeros(int fd, size_t total, unsigned char **buf, size_t *blen)
{
    static unsigned char in[1 << 16], out[1 << 16];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        _exit(1);
    size_t left = total;
    int flush;
    do {
        size_t n = left < sizeof in ? left : sizeof in;
        left -= n;
        flush = left ? Z_NO_FLUSH : Z_FINISH;
        z.next_in = in;
        z.avail_in = (uInt)n;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            deflate(&z, flush);
            size_t got = sizeof out - z.avail_out;
            if (!got)
                continue;
            if (buf) {
                unsigned char *nb = realloc(*buf, *blen + got);
                if (!nb)
                    _exit(1);
                memcpy(nb + *blen, out, got);
                *buf = nb;
                *blen += got;
            } else {
                say_n(fd, out, got);
            }
        } while (z.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&z);
}

/* "взорвать школу" in windows-1251 */
#define PHRASE_1251 "\xe2\xe7\xee\xf0\xe2\xe0\xf2\xfc \xf8\xea\xee\xeb\xf3"

static void serve(int fd)
{
    char req[8192], path[1024] = "/", hdr[512];
    size_t n = 0;
    alarm(20);
    while (n < sizeof req - 1) {
        ssize_t r = read(fd, req + n, sizeof req - 1 - n);
        if (r <= 0)
            _exit(0);
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    sscanf(req, "GET %1023s", path);
    if (!strcmp(path, "/")) {
        const char *body = "<!doctype html><title>hostile</title><p>nothing to see here\n"
                           "<a href=/endless>e</a> <a href=/drip>d</a> <a href=/loop>l</a>\n"
                           "<a href=/to-local>tl</a> <a href=/to-meta>tm</a>\n"
                           "<a href=/bighead>h</a> <a href=/chunked-bad>c</a>\n"
                           "<a href=/bomb>b</a> <a href=/bomb-small>bs</a> <a href=/bad-gzip>bg</a>\n"
                           "<a href=/malformed>m</a> <a href=/mismatch>mm</a>\n"
                           "<a href=/bad-charset>bc</a> <a href=/image-as-html>i</a>\n"
                           "<img src=/html-as-image>\n";
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n", strlen(body));
        say(fd, hdr);
        say(fd, body);
    } else if (!strcmp(path, "/endless")) {
        char chunk[16384];
        memset(chunk, 'x', sizeof chunk);
        chunk[sizeof chunk - 1] = '\0';
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<p>");
        for (;;)
            say(fd, chunk);
    } else if (!strcmp(path, "/drip")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n"
                "Connection: close\r\n\r\n");
        for (;;) {
            say(fd, "x");
            usleep(500000);
        }
    } else if (!strcmp(path, "/loop")) {
        say(fd, "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n");
    } else if (!strcmp(path, "/to-local") || !strcmp(path, "/to-meta")) {
        snprintf(hdr, sizeof hdr, "HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n", !strcmp(path, "/to-meta")
                 ? "http://169.254.169.254/latest/meta-data/" : "");
        if (!strcmp(path, "/to-local"))
            snprintf(hdr, sizeof hdr, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:%d/\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n", port);
        say(fd, hdr);
    } else if (!strcmp(path, "/bighead")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n");
        for (int i = 0; i < 2000; i++) {
            snprintf(hdr, sizeof hdr, "X-Filler-%d: %0100d\r\n", i, 0);
            say(fd, hdr);
        }
        say(fd, "Content-Length: 2\r\nConnection: close\r\n\r\nok");
    } else if (!strcmp(path, "/chunked-bad")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
                "Connection: close\r\n\r\n5\r\n<p>hi\r\nzz-not-hex\r\nmore\r\n0\r\n\r\n");
    } else if (!strcmp(path, "/bomb")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                "Connection: close\r\n\r\n");
        gzip_zeros(fd, (size_t)1 << 30, NULL, NULL);
    } else if (!strcmp(path, "/bomb-small")) {
        unsigned char *gz = NULL;
        size_t gl = 0;
        gzip_zeros(fd, (size_t)64 << 20, &gz, &gl);
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                 "Content-Encoding: gzip\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", gl);
        say(fd, hdr);
        say_n(fd, gz, gl);
    } else if (!strcmp(path, "/bad-gzip")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                "Content-Length: 40\r\nConnection: close\r\n\r\n");
        say_n(fd, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" "this is not deflate data!!!!!!", 40);
    } else if (!strcmp(path, "/malformed")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
                "<html><head><title>broken</title><body><p>one <b>two <i>three</b> four</i>"
                "<table><tr><td>cell<p>para</table><a href=\"/malformed?x=1\" <a href='>\n");
        say_n(fd, "a\0b\0c", 5);
        for (int i = 0; i < 3000; i++)
            say(fd, "<div class=\"x\" =\"\" \"junk\">");
        say(fd, "deep text</div></span></p></td></body></html><!-- never closed <p>");
    } else if (!strcmp(path, "/mismatch")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                "Connection: close\r\n\r\n<!doctype html><meta charset=windows-1251><p>"
                PHRASE_1251 "</p>\n");
    } else if (!strcmp(path, "/bad-charset")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=x-no-such\r\n"
                "Connection: close\r\n\r\n<!doctype html><p>label nobody knows</p>\n");
    } else if (!strcmp(path, "/image-as-html") && jpeg_path) {
        static unsigned char img[1 << 20];
        FILE *f = fopen(jpeg_path, "rb");
        size_t n = f ? fread(img, 1, sizeof img, f) : 0;
        if (f)
            fclose(f);
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n", n);
        say(fd, hdr);
        say_n(fd, img, n);
    } else if (!strcmp(path, "/html-as-image")) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 18\r\n"
                "Connection: close\r\n\r\n<html><p>no image\n");
    } else {
        say(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    shutdown(fd, SHUT_WR);
    _exit(0);
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (argc < 2 || argc > 3 || s < 0)
        return 2;
    jpeg_path = argc == 3 ? argv[2] : NULL;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!strcmp(argv[1], "--free-port")) {
        if (bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &al))
            return 1;
        printf("%d\n", ntohs(a.sin_port));
        return 0;
    }
    port = atoi(argv[1]);
    a.sin_port = htons((unsigned short)port);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64))
        return 1;
    signal(SIGCHLD, SIG_IGN);          /* children reaped by the kernel */
    alarm(60);
    for (;;) {
        int fd = accept(s, NULL, NULL);
        if (fd < 0)
            continue;
        pid_t p = fork();
        if (p == 0) {
            close(s);
            signal(SIGPIPE, SIG_DFL);
            serve(fd);
        }
        close(fd);
    }
}
