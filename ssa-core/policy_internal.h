/*
 * Policy internals shared by policy.c, policy_file.c, policy_current.c and
 * the tests. Nothing here is part of the public API (include/ssa/core.h).
 */
#ifndef SSA_POLICY_INTERNAL_H
#define SSA_POLICY_INTERNAL_H

#include <ssa/core.h>

/* Forget the cached current policy so that the next ssa_policy_current()
 * reads the files again (tests; a long-lived cache otherwise). */
void ssa_policy_reset_cache(void);

/* Tests only: read the administrator's file from path instead of
 * SSA_POLICY_DEFAULT_PATH (NULL restores it), and forget the cache. Not
 * exported from the shared libraries (hidden visibility). */
void ssa_policy_set_admin_path(const char *path);

/* A deep copy with one reference, or NULL when out of memory. */
ssa_policy *ssa_policy_dup(const ssa_policy *p);

/* Replace *field with a copy of value (NULL allowed). False when out of
 * memory; *field is then unchanged. */
bool ssa_policy_set_string(char **field, const char *value);

#endif
