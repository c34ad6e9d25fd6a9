/*
 * Merged settings (ssa_settings) applied to wolfSSL objects: the only place
 * where the lattice's result turns into engine calls.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

/* "TLS_AES_128_GCM_SHA256:TLS_ECDHE_..." from suite ids; wolfSSL accepts the
 * IANA names of everything it implements and skips what it does not. */
static bool suites_to_list(const ssa_settings *s, char *out, size_t outlen)
{
    size_t used = 0;
    const uint16_t *lists[2] = {s->tls13_suites, s->tls12_suites};
    size_t counts[2] = {s->max_version >= SSA_TLS1_3 ? s->n_tls13_suites : 0,
                        s->min_version <= SSA_TLS1_2 ? s->n_tls12_suites : 0};
    out[0] = '\0';
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            const ssa_cipher_info *ci = ssa_cipher_by_id(lists[l][i]);
            if (!ci)
                continue;
            int n = snprintf(out + used, outlen - used, "%s%s", used ? ":" : "", ci->iana_name);
            if (n < 0 || (size_t)n >= outlen - used)
                return false;
            used += (size_t)n;
        }
    }
    return used > 0;
}

/* RFC 8446 4.6.1: a ticket lifetime MUST NOT exceed seven days. */
#define TLS13_MAX_TICKET_LIFETIME 604800L

static ssa_status apply_sessions_ctx(const ssa_settings *s, WOLFSSL_CTX *wctx)
{
    long lifetime = s->session_lifetime;
    if (lifetime > TLS13_MAX_TICKET_LIFETIME)
        lifetime = TLS13_MAX_TICKET_LIFETIME;
    wolfSSL_CTX_set_timeout(wctx, (unsigned)(lifetime > 0 ? lifetime : 1));
    if (!s->session_cache)
        wolfSSL_CTX_set_session_cache_mode(wctx, WOLFSSL_SESS_CACHE_OFF);
    if (s->session_tickets) {
        wolfSSL_CTX_UseSessionTicket(wctx);
    } else {
        wolfSSL_CTX_NoTicketTLSv12(wctx);
        wolfSSL_CTX_no_ticket_TLSv13(wctx);
    }
    /* 0-RTT: the server accepts none unless the merged settings allow it. */
    wolfSSL_CTX_set_max_early_data(wctx, s->early_data ? 16384 : 0);
    return SSA_OK;
}

static int verify_mode(const ssa_settings *s, bool server)
{
    if (!server)
        return WOLFSSL_VERIFY_PEER; /* always look; verify.c decides */
    switch (s->client_auth) {
    case SSA_CLIENT_AUTH_REQUIRE:
        return WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    case SSA_CLIENT_AUTH_OPTIONAL:
        return WOLFSSL_VERIFY_PEER;
    default:
        return WOLFSSL_VERIFY_NONE;
    }
}

/* The engine has a setter per object kind for each handshake parameter:
 * one target names either the context or a connection, so that the same
 * sequence configures both. */
typedef struct engine_target {
    WOLFSSL_CTX *ctx;
    WOLFSSL *ssl;
} engine_target;

static bool set_versions(engine_target t, const ssa_settings *s)
{
    if (t.ctx)
        return WOLF_OK(wolfSSL_CTX_set_min_proto_version(t.ctx, s->min_version)) &&
               WOLF_OK(wolfSSL_CTX_set_max_proto_version(t.ctx, s->max_version));
    return WOLF_OK(wolfSSL_set_min_proto_version(t.ssl, s->min_version)) &&
           WOLF_OK(wolfSSL_set_max_proto_version(t.ssl, s->max_version));
}

static bool set_suites(engine_target t, const char *list)
{
    return t.ctx ? WOLF_OK(wolfSSL_CTX_set_cipher_list(t.ctx, list))
                 : WOLF_OK(wolfSSL_set_cipher_list(t.ssl, list));
}

/* The engine's set_groups refuses an object whose version is below TLS
 * 1.3 (a maximum of TLS 1.2 lowers it): the same list then goes in as
 * supported curves, which is what TLS 1.2 negotiates with. */
static bool set_curves_tls12(engine_target t, const ssa_settings *s)
{
    for (size_t i = 0; i < s->n_groups; i++)
        if (!WOLF_OK(t.ctx ? wolfSSL_CTX_UseSupportedCurve(t.ctx, s->groups[i])
                           : wolfSSL_UseSupportedCurve(t.ssl, s->groups[i])))
            return false;
    return true;
}

static bool set_groups(engine_target t, const ssa_settings *s)
{
    int groups[SSA_MAX_GROUPS];
    if (s->n_groups == 0)
        return true;
    if (s->max_version < SSA_TLS1_3)
        return set_curves_tls12(t, s);
    for (size_t i = 0; i < s->n_groups; i++)
        groups[i] = s->groups[i];
    return t.ctx ? WOLF_OK(wolfSSL_CTX_set_groups(t.ctx, groups, (int)s->n_groups))
                 : WOLF_OK(wolfSSL_set_groups(t.ssl, groups, (int)s->n_groups));
}

static bool set_sigalgs(engine_target t, const char *sigalgs)
{
    if (!sigalgs[0])
        return true;
    return t.ctx ? WOLF_OK(wolfSSL_CTX_set1_sigalgs_list(t.ctx, sigalgs))
                 : WOLF_OK(wolfSSL_set1_sigalgs_list(t.ssl, sigalgs));
}

static void set_verify(engine_target t, int mode)
{
    if (t.ctx)
        wolfSSL_CTX_set_verify(t.ctx, mode, ssa_verify_callback);
    else
        wolfSSL_set_verify(t.ssl, mode, ssa_verify_callback);
}

/* Versions, suites, groups, signature algorithms and verify mode: what
 * both a context and a connection carry. */
static ssa_status apply_handshake(const ssa_settings *s, engine_target t, bool server, char *err,
                                  size_t errlen)
{
    char list[4096];
    if (!set_versions(t, s)) {
        snprintf(err, errlen, "the TLS engine refused versions %s..%s",
                 ssa_version_name(s->min_version), ssa_version_name(s->max_version));
        return SSA_ERR_POLICY;
    }
    if (!suites_to_list(s, list, sizeof list) || !set_suites(t, list)) {
        snprintf(err, errlen, "no cipher suite allowed by policy is available in the TLS engine");
        return SSA_ERR_POLICY;
    }
    if (!set_groups(t, s)) {
        snprintf(err, errlen, "the TLS engine refused the groups allowed by policy");
        return SSA_ERR_POLICY;
    }
    if (!set_sigalgs(t, s->sigalgs)) {
        snprintf(err, errlen, "the TLS engine refused signature algorithms \"%s\"", s->sigalgs);
        return SSA_ERR_POLICY;
    }
    set_verify(t, verify_mode(s, server));
    return SSA_OK;
}

ssa_status ssa_settings_apply_ctx(const ssa_settings *s, const ssa_policy *p, bool server,
                                  WOLFSSL_CTX *wctx, char *err, size_t errlen)
{
    engine_target t = {wctx, NULL};
    ssa_status st = apply_handshake(s, t, server, err, errlen);
    if (st != SSA_OK)
        return st;
    wolfSSL_CTX_SetMinRsaKey_Sz(wctx, (short)p->min_rsa_bits);
    wolfSSL_CTX_SetMinEccKey_Sz(wctx, (short)p->min_ec_bits);
    wolfSSL_CTX_set_verify_depth(wctx, p->verify_depth);
    return apply_sessions_ctx(s, wctx);
}

ssa_status ssa_settings_apply_conn(const ssa_settings *s, WOLFSSL *ssl, char *err, size_t errlen)
{
    engine_target t = {NULL, ssl};
    return apply_handshake(s, t, wolfSSL_is_server(ssl), err, errlen);
}
