/*
 * serve/public_int.h - private to the public and data routes
 * (routes_check.c, routes_rules.c, routes_banks.c; their common setup in
 * public.c): what each area sets up at the start, and the per-thread
 * scratch they share the pattern of.
 */
#ifndef KZ_SERVE_PUBLIC_INT_H
#define KZ_SERVE_PUBLIC_INT_H

#include "serve/routes.h"
#include <pthread.h>

/* One kind of per-pool-thread scratch: made by make on a thread's first
 * use, freed by drop when the thread ends (a pthread key). */
typedef struct kz_scratch {
    void *(*make)(void);            /* NULL on ENOMEM */
    void  (*drop)(void *);          /* NULL-safe */
    pthread_key_t key;
    int ready;
} kz_scratch;

/* At setup: 0, or KZ_ENOMEM. */
int   kz__scratch_init(kz_scratch *k);
/* This thread's, made on first use; NULL before setup or on ENOMEM. */
void *kz__scratch_get(kz_scratch *k);
/* At release: the calling thread's freed (the pool's threads have ended). */
void  kz__scratch_release(kz_scratch *k);

/* Each area's start and end (public.c calls them in this order; each
 * release is safe after a failed or no setup). */
int  kz__check_setup(const kz_serve_public_opts *o, char *err, size_t errsz);  /* routes_check.c */
void kz__check_release(void);
int  kz__rules_setup(const char *rules, long check_secs, char *err, size_t errsz); /* routes_rules.c */
void kz__rules_release(void);
int  kz__banks_setup(char *err, size_t errsz);                                 /* routes_banks.c */
void kz__banks_release(void);

#endif
