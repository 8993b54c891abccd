/*
 * bench/json/bench.h - what json_libs.c shares with the per-library files.
 *
 * jansson and json-c cannot be included in one translation unit (both
 * define json_object, json_type, ...), so each library has its own file.
 * one_*() parses one record and takes "text" and "id" (0, or -1 when the
 * record is rejected); probe_*() prints what the library makes of the
 * value of key "t" in json[0..n).
 */
#ifndef KZ_BENCH_JSON_H
#define KZ_BENCH_JSON_H
#include <stddef.h>
#include <stdint.h>

extern uint64_t sink;
void use(const char *s, size_t n);
void show(const char *s, size_t n);

int one_jansson(const char *p, size_t n);
void probe_jansson(const char *json, size_t n);
int one_jsonc(const char *p, size_t n);
void probe_jsonc(const char *json, size_t n);
void jsonc_init(void);
void jsonc_done(void);
#endif
