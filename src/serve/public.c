/*
 * serve/public.c - the setup of the public and data routes as one
 * (serve/routes.h: kz_serve_public_setup), each area's in its own file:
 * routes_check.c (the URL check, the blocklist exports, the block page's
 * lookup), routes_rules.c (the rules, the rule tester, the scan) and
 * routes_banks.c (the hash banks); and their per-thread scratch
 * (serve/public_int.h).
 */
#include "serve/public_int.h"

int kz__scratch_init(kz_scratch *k)
{
    if (k->ready)
        return 0;
    if (pthread_key_create(&k->key, k->drop) != 0)
        return KZ_ENOMEM;
    k->ready = 1;
    return 0;
}

void *kz__scratch_get(kz_scratch *k)
{
    if (!k->ready)
        return NULL;
    void *t = pthread_getspecific(k->key);
    if (t)
        return t;
    if (!(t = k->make()))
        return NULL;
    if (pthread_setspecific(k->key, t) != 0) {
        k->drop(t);
        return NULL;
    }
    return t;
}

void kz__scratch_release(kz_scratch *k)
{
    if (!k->ready)
        return;
    k->drop(pthread_getspecific(k->key));
    pthread_setspecific(k->key, NULL);
}

int kz_serve_public_setup(const kz_serve_public_opts *o, char *err, size_t errsz)
{
    int rc = kz__check_setup(o, err, errsz);
    if (!rc)
        rc = kz__rules_setup(o->rules, o->rules_check, err, errsz);
    if (!rc)
        rc = kz__banks_setup(err, errsz);
    return rc;
}

void kz_serve_public_release(void)
{
    kz__check_release();
    kz__rules_release();
    kz__banks_release();
}
