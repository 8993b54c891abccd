/*
 * bench/json/lib_jsonc.c - the json-c side of json_libs.c.
 *
 * One tokener is reused for every record (json_tokener_reset), as a
 * per-thread parser would.
 */
#include <stdio.h>
#include <json-c/json.h>
#include "bench.h"

static struct json_tokener *tok;

void jsonc_init(void) { tok = json_tokener_new(); }
void jsonc_done(void) { json_tokener_free(tok); }

int one_jsonc(const char *p, size_t n)
{
    json_tokener_reset(tok);
    struct json_object *root = json_tokener_parse_ex(tok, p, (int)n);
    if (!root) return -1;
    int rc = -1;
    if (!json_object_is_type(root, json_type_object)) goto out;
    struct json_object *t = NULL, *id = NULL;
    if (!json_object_object_get_ex(root, "text", &t) || !json_object_is_type(t, json_type_string))
        goto out;
    use(json_object_get_string(t), (size_t)json_object_get_string_len(t));
    if (json_object_object_get_ex(root, "id", &id)) {
        if (json_object_is_type(id, json_type_string))
            use(json_object_get_string(id), (size_t)json_object_get_string_len(id));
        else if (json_object_is_type(id, json_type_int))
            sink += (uint64_t)json_object_get_int64(id);
    }
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

void probe_jsonc(const char *json, size_t n)
{
    json_tokener_reset(tok);
    struct json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    struct json_object *ot = NULL;
    printf("    json-c:  ");
    if (!o) printf("FAIL \"%s\" at byte %zu",
                   json_tokener_error_desc(json_tokener_get_error(tok)),
                   json_tokener_get_parse_end(tok));
    else if (json_object_object_get_ex(o, "t", &ot) && json_object_is_type(ot, json_type_string))
        show(json_object_get_string(ot), (size_t)json_object_get_string_len(ot));
    else if (ot && json_object_is_type(ot, json_type_int))
        printf("int \"%s\"", json_object_get_string(ot));
    else if (ot && json_object_is_type(ot, json_type_double))
        printf("double \"%s\"", json_object_get_string(ot));
    else printf("ok");
    printf("  (parse end %zu of %zu)\n", json_tokener_get_parse_end(tok), n);
    json_object_put(o);
}
