/*
 * bench/json/lib_jansson.c - the jansson side of json_libs.c.
 */
#include <stdio.h>
#include <jansson.h>
#include "bench.h"

int one_jansson(const char *p, size_t n)
{
    json_error_t err;
    json_t *root = json_loadb(p, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    if (!root) return -1;
    int rc = -1;
    if (!json_is_object(root)) goto out;
    json_t *t = json_object_get(root, "text");
    if (!json_is_string(t)) goto out;
    use(json_string_value(t), json_string_length(t));
    json_t *id = json_object_get(root, "id");
    if (json_is_string(id)) use(json_string_value(id), json_string_length(id));
    else if (json_is_integer(id)) sink += (uint64_t)json_integer_value(id);
    else if (json_is_real(id)) sink += (uint64_t)json_real_value(id);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

void probe_jansson(const char *json, size_t n)
{
    json_error_t err;
    json_t *j = json_loadb(json, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    json_t *jt = json_is_object(j) ? json_object_get(j, "t") : NULL;
    printf("    jansson: ");
    if (!j) printf("FAIL \"%s\" at byte %d", err.text, err.position);
    else if (json_is_string(jt)) show(json_string_value(jt), json_string_length(jt));
    else if (json_is_integer(jt)) printf("integer %lld", (long long)json_integer_value(jt));
    else if (json_is_real(jt)) printf("real %.17g", json_real_value(jt));
    else printf("ok");
    putchar('\n');
    json_decref(j);
}
