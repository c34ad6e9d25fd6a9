/*
 * The policy object: strict built-in defaults, reference counting, and the
 * protocol version names used in policy files and messages.
 *
 * Implementation notes: a published policy is immutable, so the reference
 * count is the only field that changes after ssa_policy_current() hands it
 * out; it is updated with atomic builtins because contexts in several
 * threads share one policy.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_internal.h"

/* Every string field, so that copying and freeing cannot forget one. */
static const size_t string_fields[] = {
    offsetof(ssa_policy, source),
    offsetof(ssa_policy, application),
    offsetof(ssa_policy, tls13_ciphersuites),
    offsetof(ssa_policy, tls12_ciphers),
    offsetof(ssa_policy, groups),
    offsetof(ssa_policy, sigalgs),
    offsetof(ssa_policy, trust_store),
    offsetof(ssa_policy, server_certificate),
    offsetof(ssa_policy, server_private_key),
    offsetof(ssa_policy, audit),
};
#define N_STRING_FIELDS (sizeof string_fields / sizeof string_fields[0])

static char **string_field(ssa_policy *p, size_t i)
{
    return (char **)((char *)p + string_fields[i]);
}

static void policy_free(ssa_policy *p)
{
    for (size_t i = 0; i < N_STRING_FIELDS; i++)
        free(*string_field(p, i));
    free(p);
}

bool ssa_policy_set_string(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return false;
    free(*field);
    *field = copy;
    return true;
}

/* The string defaults; NULL entries stay NULL. */
struct default_string {
    size_t offset;
    const char *value;
};

static const struct default_string default_strings[] = {
    { offsetof(ssa_policy, source), "built-in defaults" },
    { offsetof(ssa_policy, tls13_ciphersuites),
      "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256" },
    { offsetof(ssa_policy, tls12_ciphers), "ECDHE+AESGCM:ECDHE+CHACHA20" },
    { offsetof(ssa_policy, groups), "X25519:P-256:P-384" },
    { offsetof(ssa_policy, trust_store), "/etc/ssl/certs/ca-certificates.crt" },
    { offsetof(ssa_policy, audit), "syslog" },
};

static bool set_default_strings(ssa_policy *p)
{
    for (size_t i = 0; i < sizeof default_strings / sizeof default_strings[0]; i++) {
        char **field = (char **)((char *)p + default_strings[i].offset);
        if (!ssa_policy_set_string(field, default_strings[i].value))
            return false;
    }
    return true;
}

static void set_default_scalars(ssa_policy *p)
{
    p->min_version = SSA_TLS1_2;
    p->max_version = SSA_TLS1_3;
    p->min_rsa_bits = 2048;
    p->min_ec_bits = 256;
    p->min_signature_hash = SSA_SIG_HASH_SHA256;
    p->app_trust_anchors = true;
    p->verify_peer = true;
    p->verify_hostname = true;
    p->verify_ip_fallback = true;
    p->verify_depth = 10;
    p->client_auth = SSA_CLIENT_AUTH_NONE;
    p->session_cache = true;
    p->session_lifetime = 7200;
    p->session_tickets = true;
    p->early_data = false;
    p->alpn = true;
    p->sni = true;
    p->keylog = false;
    p->allow_user_config = false;
    p->refs_ = 1;
}

ssa_policy *ssa_policy_new_defaults(void)
{
    ssa_policy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    set_default_scalars(p);
    if (!set_default_strings(p)) {
        policy_free(p);
        return NULL;
    }
    return p;
}

ssa_policy *ssa_policy_dup(const ssa_policy *p)
{
    ssa_policy *copy = malloc(sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *p;
    copy->refs_ = 1;
    for (size_t i = 0; i < N_STRING_FIELDS; i++)
        *string_field(copy, i) = NULL;
    for (size_t i = 0; i < N_STRING_FIELDS; i++) {
        const char *value = *string_field((ssa_policy *)p, i);
        if (!ssa_policy_set_string(string_field(copy, i), value)) {
            policy_free(copy);
            return NULL;
        }
    }
    return copy;
}

ssa_policy *ssa_policy_ref(ssa_policy *p)
{
    if (p)
        __atomic_fetch_add(&p->refs_, 1, __ATOMIC_RELAXED);
    return p;
}

void ssa_policy_unref(ssa_policy *p)
{
    /* Release so that our writes happen before another thread frees;
     * acquire on the last reference so that the free sees theirs. */
    if (p && __atomic_sub_fetch(&p->refs_, 1, __ATOMIC_ACQ_REL) == 0)
        policy_free(p);
}

struct version_name {
    uint16_t version;
    const char *number;     /* policy-file spelling */
    const char *openssl;    /* SSL_get_version() spelling */
};

static const struct version_name versions[] = {
    { SSA_TLS1_0, "1.0", "TLSv1" },
    { SSA_TLS1_1, "1.1", "TLSv1.1" },
    { SSA_TLS1_2, "1.2", "TLSv1.2" },
    { SSA_TLS1_3, "1.3", "TLSv1.3" },
};
#define N_VERSIONS (sizeof versions / sizeof versions[0])

uint16_t ssa_version_parse(const char *s)
{
    if (!s)
        return 0;
    /* "TLSv1.2" is "1.2" with a prefix; "TLSv1" alone means 1.0. */
    if (strncasecmp(s, "TLSv", 4) == 0) {
        s += 4;
        if (strcmp(s, "1") == 0)
            return SSA_TLS1_0;
    }
    for (size_t i = 0; i < N_VERSIONS; i++)
        if (strcmp(s, versions[i].number) == 0)
            return versions[i].version;
    return 0;
}

const char *ssa_version_name(uint16_t version)
{
    for (size_t i = 0; i < N_VERSIONS; i++)
        if (versions[i].version == version)
            return versions[i].openssl;
    if (version == 0x0300)
        return "SSLv3";
    return "unknown";
}
