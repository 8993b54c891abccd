/*
 * case/scope.h - the territorial scopes a restrictive decision may name:
 * ISO 3166 codes (docs/workflow.md, "Territorial scope").
 */
#ifndef KZ_SCOPE_H
#define KZ_SCOPE_H

#include <stddef.h>

/* 1 when scope is one or more codes of the list, separated by commas or
 * spaces ("KZ", "KZ-ALA, KZ-71"); 0 otherwise, with *bad and *badlen the first
 * code that is not on it (badlen 0: no code at all).  Codes are upper case,
 * as ISO writes them. */
int kz_scope_valid(const char *scope, const char **bad, size_t *badlen);

#endif
