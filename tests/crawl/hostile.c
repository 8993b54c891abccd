/*
 * tests/crawl/hostile.c - a tiny misbehaving HTTP server for the crawl tests.
 *
 *   hostile --free-port     print a free loopback port and exit
 *   hostile PORT            serve on 127.0.0.1:PORT (one process per
 *                           connection) until killed or 60 s have passed
 *
 * Paths:  /            an HTML page linking to every path below
 *         /robots.txt  404 (everything allowed)
 *         /endless     a body without length that never ends (body cap)
 *         /drip        one byte every 500 ms (low-speed/total timeout)
 *         /loop        a redirect to itself (redirect limit)
 *         /to-local    a redirect to 127.0.0.2 (SSRF guard on a hop)
 *         /to-meta     a redirect to 169.254.169.254 (SSRF guard on a hop)
 *         /bighead     200 KiB of response headers (header cap)
 * Built by tests/crawl/run.sh with cc; not part of kuzet.
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

static int port;

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
                           "<a href=/bighead>h</a>\n";
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
    if (argc != 2 || s < 0)
        return 2;
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
