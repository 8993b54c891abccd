/*
 * fuzz/fuzz.h - how a fuzz target is declared.
 *
 *   KZ_FUZZ(rules) { ...parse data[0..size)...; return 0; }
 *
 * defines kz_fuzz_rules(data, size).  Built with -DKZ_FUZZ_MAIN (make fuzz,
 * clang -fsanitize=fuzzer) it is also LLVMFuzzerTestOneInput.  Otherwise
 * (in the test runner) it registers itself, and the test
 * "fuzz_corpus:<name>" replays every file of fuzz/corpus/<name>/ through it,
 * so the committed corpora run as regression tests without clang.
 * Inside a target, errors from the parser are fine; crashes, leaks and
 * sanitizer reports are not.
 */
#ifndef KZ_FUZZ_H
#define KZ_FUZZ_H

#include <stdint.h>
#include <stddef.h>

typedef int (*kz_fuzz_fn)(const uint8_t *data, size_t size);
void kt_fuzz_register(const char *name, kz_fuzz_fn fn);

#ifdef KZ_FUZZ_MAIN
#define KZ_FUZZ_ENTRY(name)                                                   \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);             \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)              \
    { return kz_fuzz_##name(data, size); }
#else
#define KZ_FUZZ_ENTRY(name)                                                   \
    __attribute__((constructor)) static void kz_fuzz_reg_##name(void)         \
    { kt_fuzz_register(#name, kz_fuzz_##name); }
#endif

#define KZ_FUZZ(name)                                                         \
    int kz_fuzz_##name(const uint8_t *data, size_t size);                     \
    KZ_FUZZ_ENTRY(name)                                                       \
    int kz_fuzz_##name(const uint8_t *data, size_t size)

#endif
