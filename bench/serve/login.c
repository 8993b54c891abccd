/*
 * bench/serve/login.c - how many Argon2id password checks a second this
 * machine makes, with the parameters kuzet's accounts use
 * (case/account.c: libsodium crypto_pwhash_str, OPSLIMIT_INTERACTIVE,
 * MEMLIMIT_INTERACTIVE): the cost of a log-in, which bounds the login
 * rate of kuzet serve.  Usage: login SECONDS THREADS.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char hash[crypto_pwhash_STRBYTES];
static double secs;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    long *n = arg;
    double t0 = now();
    while (now() - t0 < secs) {
        if (crypto_pwhash_str_verify(hash, "correct horse battery", 21) != 0)
            abort();
        (*n)++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    secs = argc > 1 ? atof(argv[1]) : 5;
    int nt = argc > 2 ? atoi(argv[2]) : 1;
    if (sodium_init() < 0 || nt < 1 || nt > 64)
        return 1;
    if (crypto_pwhash_str(hash, "correct horse battery", 21, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return 1;
    pthread_t th[64];
    long n[64] = { 0 };
    double t0 = now();
    for (int i = 0; i < nt; i++)
        pthread_create(&th[i], NULL, run, &n[i]);
    long all = 0;
    for (int i = 0; i < nt; i++) {
        pthread_join(th[i], NULL);
        all += n[i];
    }
    double el = now() - t0;
    printf("%.1f\n", (double)all / el);
    return 0;
}
