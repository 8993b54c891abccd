/*
 * serve/throttle.c - log-in throttling in memory (serve/throttle.h).
 */
#include "serve/throttle.h"
#include <pthread.h>
#include <time.h>

#define SLOTS   16384
#define PROBE   16
#define FORGET  (15 * 60)

typedef struct slot {
    uint64_t key;                       /* 0: empty */
    unsigned fails;
    time_t   last;                      /* the last failure (monotonic seconds) */
} slot;

static slot tab[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static time_t now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
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
static slot *find(uint64_t key, int make, time_t now)
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

static unsigned wait_of(const slot *s, unsigned free_, unsigned cap, time_t now)
{
    if (!s || s->fails < free_ || now - s->last >= FORGET)
        return 0;
    unsigned shift = s->fails - free_;
    unsigned w = shift >= 16 ? cap : 1u << shift;
    if (w > cap)
        w = cap;
    time_t since = now - s->last;
    return since >= (time_t)w ? 0 : (unsigned)(w - since);
}

unsigned kz_throttle_wait(const char *name, const char *addr)
{
    time_t now = now_s();
    pthread_mutex_lock(&mu);
    unsigned a = wait_of(find(hash_key('p', name, addr), 0, now), 3, 60, now);
    unsigned b = wait_of(find(hash_key('a', "", addr), 0, now), 20, 300, now);
    pthread_mutex_unlock(&mu);
    return a > b ? a : b;
}

void kz_throttle_fail(const char *name, const char *addr)
{
    time_t now = now_s();
    pthread_mutex_lock(&mu);
    slot *s = find(hash_key('p', name, addr), 1, now);
    s->fails++;
    s->last = now;
    s = find(hash_key('a', "", addr), 1, now);
    s->fails++;
    s->last = now;
    pthread_mutex_unlock(&mu);
}

void kz_throttle_ok(const char *name, const char *addr)
{
    time_t now = now_s();
    pthread_mutex_lock(&mu);
    slot *s = find(hash_key('p', name, addr), 0, now);
    if (s)
        s->fails = 0;
    pthread_mutex_unlock(&mu);
}
