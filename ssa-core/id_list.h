/*
 * Small helpers shared by the parsers of colon-separated lists (cipher
 * suites, groups) and by the code that intersects their id lists.
 */
#ifndef SSA_ID_LIST_H
#define SSA_ID_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* printf into err (which may be NULL or empty). */
void ssa_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The next ':'-separated element of *p with blanks trimmed (length in
 * *len); *p moves past it. */
const char *ssa_list_next(const char **p, size_t *len);

bool ssa_ids_contain(const uint16_t *ids, size_t n, uint16_t id);

#endif
