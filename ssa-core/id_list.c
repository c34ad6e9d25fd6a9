/* See id_list.h. */
#include "id_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ssa_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool is_blank(char c)
{
    return c != '\0' && strchr(" \t\n\v\f\r", c) != NULL;
}

const char *ssa_list_next(const char **p, size_t *len)
{
    const char *start = *p, *end = strchr(start, ':');
    if (!end)
        end = start + strlen(start);
    *p = *end ? end + 1 : end;
    while (start < end && is_blank(*start))
        start++;
    while (end > start && is_blank(end[-1]))
        end--;
    *len = (size_t)(end - start);
    return start;
}

bool ssa_ids_contain(const uint16_t *ids, size_t n, uint16_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}
