/*
 * Named groups (key exchange curves and finite-field groups): names, IANA
 * ids, and OpenSSL's colon-separated group lists.
 */
#include "id_list.h"
#include "ssa/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_ALIASES 3

typedef struct group {
    uint16_t id;                      /* IANA named-group id */
    const char *name;                 /* canonical, as OpenSSL prints it */
    const char *aliases[MAX_ALIASES]; /* other spellings */
} group;

/* Aliases: OpenSSL's other names for the same group, and the spellings
 * wolfSSL_get_curve_name() reports ("SECP256R1", "FFDHE_2048"), so that the
 * core can map what the engine says back to a group. */
static const group groups[] = {
    {0x001d, "X25519", {NULL}},
    {0x001e, "X448", {NULL}},
    {0x0017, "P-256", {"prime256v1", "secp256r1", NULL}},
    {0x0018, "P-384", {"secp384r1", NULL}},
    {0x0019, "P-521", {"secp521r1", NULL}},
    {0x0100, "ffdhe2048", {"FFDHE_2048", NULL}},
    {0x0101, "ffdhe3072", {"FFDHE_3072", NULL}},
    {0x0102, "ffdhe4096", {"FFDHE_4096", NULL}},
    {0x0103, "ffdhe6144", {"FFDHE_6144", NULL}},
    {0x0104, "ffdhe8192", {"FFDHE_8192", NULL}},
};

#define N_GROUPS (sizeof groups / sizeof groups[0])

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case folding, whatever the locale (a Turkish 'I' must not matter). */
static bool same_name(const char *a, size_t alen, const char *b)
{
    if (strlen(b) != alen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

static bool group_is_named(const group *g, const char *name, size_t len)
{
    if (same_name(name, len, g->name))
        return true;
    for (size_t i = 0; i < MAX_ALIASES && g->aliases[i]; i++)
        if (same_name(name, len, g->aliases[i]))
            return true;
    return false;
}

static uint16_t group_by_name_len(const char *name, size_t len)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (group_is_named(&groups[i], name, len))
            return groups[i].id;
    return 0;
}

/* Case-insensitive: the brief asks for it and wolfSSL reports upper case.
 * (OpenSSL 3.0's own lists are case-sensitive; accepting more is
 * harmless.) 0 when unknown. */
uint16_t ssa_group_by_name(const char *name)
{
    return name ? group_by_name_len(name, strlen(name)) : 0;
}

const char *ssa_group_name(uint16_t id)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].id == id)
            return groups[i].name;
    return NULL;
}

/* Why an entry cannot join the list, or NULL if it can. */
static const char *entry_problem(size_t len, uint16_t id, const uint16_t *ids, size_t n,
                                 size_t max)
{
    if (len == 0)
        return "empty entry";
    if (id == 0)
        return "unknown group";
    if (ssa_ids_contain(ids, n, id))
        return "group listed twice";
    if (n == max)
        return "too many groups";
    return NULL;
}

/* As SSL_CTX_set1_groups_list: blanks around names are ignored; an empty
 * list or entry, an unknown name and a repeated group are errors. */
ssa_status ssa_groups_parse(const char *str, uint16_t *ids, size_t max, size_t *n, char *err,
                            size_t errlen)
{
    *n = 0;
    if (!str || !*str) {
        ssa_set_err(err, errlen, "empty group list");
        return SSA_ERR_ARG;
    }
    const char *p = str;
    bool last = false;
    while (!last) {
        last = strchr(p, ':') == NULL;
        size_t len;
        const char *name = ssa_list_next(&p, &len);
        uint16_t id = len ? group_by_name_len(name, len) : 0;
        const char *why = entry_problem(len, id, ids, *n, max);
        if (why) {
            ssa_set_err(err, errlen, "group list \"%s\": %s \"%.*s\"", str, why, (int)len, name);
            *n = 0;
            return SSA_ERR_ARG;
        }
        ids[(*n)++] = id;
    }
    return SSA_OK;
}
