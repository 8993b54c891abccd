/*
 * serve/throttle.c - log-in throttling in memory, and its counters
 * (serve/throttle.h).
 */
#include "serve/throttle.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define SLOTS   16384
#define PROBE   16
#define FORGET  (15 * 60 * 1000)       /* ms */

typedef struct slot {
    uint64_t key;                       /* 0: empty */
    unsigned fails;
    int64_t  last;                      /* the last failure (monotonic ms) */
} slot;

#define REPORT_FIRST 5                  /* an account's failures audited at 5, 10, 20... */

static slot tab[SLOTS];
static atomic_ulong nfailed, nrefused;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Milliseconds, so that a second boundary between a failure and the next
 * try cannot shorten the wait told (it is rounded up to whole seconds). */
static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t hash_key(char kind, const char *name, const char *addr)
{
    uint64_t h = 1469598103934665603ull ^ (unsigned char)kind;     /* FNV-1a */
    for (const char *p = name ? name : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
    for (const char *p = addr ? addr : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h ? h : 1;
}

/* The slot of key (made when make), or NULL; mu held. */
static slot *find(uint64_t key, int make, int64_t now)
{
    slot *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &tab[(key + i) % SLOTS];
        if (s->key == key) {
            if (now - s->last >= FORGET) {
                s->fails = 0;
            }
            return s;
        }
        if (!victim || s->key == 0 || (victim->key && s->last < victim->last))
            victim = s;
    }
    if (!make)
        return NULL;
    victim->key = key;
    victim->fails = 0;
    victim->last = now;
    return victim;
}

/* The seconds left to wait (rounded up), 0 when none. */
static unsigned wait_of(const slot *s, unsigned free_, unsigned cap, int64_t now)
{
    if (!s || s->fails < free_ || now - s->last >= FORGET)
        return 0;
    unsigned shift = s->fails - free_;
    unsigned w = shift >= 16 ? cap : 1u << shift;
    if (w > cap)
        w = cap;
    int64_t left = (int64_t)w * 1000 - (now - s->last);
    return left <= 0 ? 0 : (unsigned)((left + 999) / 1000);
}

unsigned kz_throttle_wait(const char *name, const char *addr)
{
    int64_t now = now_ms();
    pthread_mutex_lock(&mu);
    unsigned a = wait_of(find(hash_key('p', name, addr), 0, now), 3, 60, now);
    unsigned b = wait_of(find(hash_key('a', "", addr), 0, now), 20, 300, now);
    pthread_mutex_unlock(&mu);
    return a > b ? a : b;
}

unsigned kz_throttle_fail(const char *name, const char *addr)
{
    int64_t now = now_ms();
    unsigned report = 0;
    atomic_fetch_add(&nfailed, 1);
    pthread_mutex_lock(&mu);
    slot *s = find(hash_key('p', name, addr), 1, now);
    s->fails++;
    s->last = now;
    s = find(hash_key('a', "", addr), 1, now);
    s->fails++;
    s->last = now;
    s = find(hash_key('n', name, ""), 1, now);      /* the account, from anywhere */
    s->fails++;
    s->last = now;
    /* 5, 10, 20, 40, ...: a power of two times 5 */
    if (s->fails >= REPORT_FIRST && s->fails % REPORT_FIRST == 0 &&
        ((s->fails / REPORT_FIRST) & (s->fails / REPORT_FIRST - 1)) == 0)
        report = s->fails;
    pthread_mutex_unlock(&mu);
    return report;
}

void kz_throttle_refused(void)
{
    atomic_fetch_add(&nrefused, 1);
}

void kz_throttle_counts(unsigned long *failed, unsigned long *refused)
{
    *failed = atomic_load(&nfailed);
    *refused = atomic_load(&nrefused);
}

void kz_throttle_ok(const char *name, const char *addr)
{
    int64_t now = now_ms();
    pthread_mutex_lock(&mu);
    slot *s = find(hash_key('p', name, addr), 0, now);
    if (s)
        s->fails = 0;
    pthread_mutex_unlock(&mu);
}
