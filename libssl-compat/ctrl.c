/*
 * SSL_CTX_ctrl / SSL_ctrl (the commands behind OpenSSL's macros), options
 * and modes.
 *
 * Implementation notes: a setter records the application's wish; a getter
 * reports the effective value, i.e. the wish merged with policy by the core
 * (SSL_CTX_set_min_proto_version(TLS1_VERSION) under a TLS 1.2 floor reads
 * back TLS1_2_VERSION). Commands we do not implement return 0 with nothing
 * on the queue, as OpenSSL answers a command it does not know.
 */
#include "internal.h"

#include <string.h>

/* Options that would weaken TLS: recorded as refused, never reported. */
#define WEAKENING_OPTIONS (SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION | \
                           SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_ALLOW_CLIENT_RENEGOTIATION)

static bool version_ok(long v)
{
    return v == 0 || (v >= SSL3_VERSION && v <= TLS1_3_VERSION);
}

static long set_version(compat_request *rq, bool min, long v)
{
    if (!version_ok(v)) {
        COMPAT_ERR(SSL_R_UNKNOWN_SSL_VERSION);
        return 0;
    }
    if (min)
        rq->req.min_version = (uint16_t)v;
    else
        rq->req.max_version = (uint16_t)v;
    return 1;
}

/* 0 when the application set nothing ("no limit"), else the merged value. */
static long get_version(const compat_request *rq, bool server, bool min)
{
    uint16_t asked = min ? rq->req.min_version : rq->req.max_version;
    ssa_settings s;
    char err[256];
    if (asked == 0 || compat_effective(rq, server, &s, err, sizeof err) != SSA_OK)
        return asked;
    return min ? s.min_version : s.max_version;
}

static bool audit_weakening(uint64_t op)
{
    if (!(op & WEAKENING_OPTIONS))
        return false;
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND, "options 0x%llx refused: they would weaken TLS",
                    (unsigned long long)(op & WEAKENING_OPTIONS));
    ssa_policy_unref(p);
    return true;
}

static uint64_t set_options(compat_request *rq, uint64_t op)
{
    audit_weakening(op);
    rq->options |= op & ~(uint64_t)WEAKENING_OPTIONS;
    return rq->options;
}

/* Commands shared by SSL_CTX_ctrl and SSL_ctrl; *handled says whether cmd
 * was one of them. */
static long common_ctrl(compat_request *rq, bool server, int cmd, long larg, bool *handled)
{
    *handled = true;
    switch (cmd) {
    case SSL_CTRL_SET_MIN_PROTO_VERSION: return set_version(rq, true, larg);
    case SSL_CTRL_SET_MAX_PROTO_VERSION: return set_version(rq, false, larg);
    case SSL_CTRL_GET_MIN_PROTO_VERSION: return get_version(rq, server, true);
    case SSL_CTRL_GET_MAX_PROTO_VERSION: return get_version(rq, server, false);
    case SSL_CTRL_MODE: return rq->mode |= (uint32_t)larg;
    case SSL_CTRL_CLEAR_MODE: return rq->mode &= ~(uint32_t)larg;
    default: *handled = false; return 0;
    }
}

/* SSL_CTX_set_tmp_dh (socat sets it on every context, client or server):
 * the application's own finite-field DH parameters for a server's DHE.
 * The core uses only the key-exchange groups policy allows, never
 * application-supplied parameters; like any request policy overrides, the
 * setter succeeds and the clamp goes to the audit log. NULL fails as in
 * OpenSSL. */
static long set_tmp_dh(const void *dh)
{
    if (!dh) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND,
                    "custom DH parameters (SSL_CTX_set_tmp_dh) not used: key exchange "
                    "groups come from policy");
    ssa_policy_unref(p);
    return 1;
}

long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
    bool handled;
    long r = common_ctrl(&ctx->rq, !ctx->method->client, cmd, larg, &handled);
    if (handled)
        return r;
    switch (cmd) {
    case SSL_CTRL_SET_SESS_CACHE_MODE: {
        long old = ctx->sess_cache_mode;
        ctx->sess_cache_mode = larg;
        return old;
    }
    case SSL_CTRL_GET_SESS_CACHE_MODE: return ctx->sess_cache_mode;
    /* SSL_CTX_set_msg_callback_arg: recorded with the callback (never
     * called: see SSL_CTX_set_msg_callback in ssl_ctx.c). */
    case SSL_CTRL_SET_MSG_CALLBACK_ARG: ctx->msg_cb_arg = parg; return 1;
    case SSL_CTRL_SET_TMP_DH: return set_tmp_dh(parg);
    default: return 0;
    }
}

static long set_hostname(SSL *s, long type, const char *name)
{
    if (type != TLSEXT_NAMETYPE_host_name || (name && strlen(name) > TLSEXT_MAXLEN_host_name)) {
        COMPAT_ERR(SSL_R_SSL3_EXT_INVALID_SERVERNAME);
        return 0;
    }
    /* The name goes to the core at the handshake (compat_ssl_start). */
    if (s->conn) {
        COMPAT_ERR(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
        return 0;
    }
    char *copy = name ? OPENSSL_strdup(name) : NULL;
    if (name && !copy) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    OPENSSL_free(s->sni);
    s->sni = copy;
    return 1;
}

long SSL_ctrl(SSL *s, int cmd, long larg, void *parg)
{
    bool handled;
    /* Version limits are fixed once the handshake started, as in OpenSSL. */
    long r = common_ctrl(&s->rq, s->role == SSA_ROLE_SERVER, cmd, larg, &handled);
    if (handled)
        return r;
    switch (cmd) {
    case SSL_CTRL_SET_TLSEXT_HOSTNAME: return set_hostname(s, larg, parg);
    default: return 0;
    }
}

uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op) { return set_options(&ctx->rq, op); }
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op) { return ctx->rq.options &= ~op; }
uint64_t SSL_CTX_get_options(const SSL_CTX *ctx) { return ctx->rq.options; }
uint64_t SSL_set_options(SSL *s, uint64_t op) { return set_options(&s->rq, op); }
uint64_t SSL_clear_options(SSL *s, uint64_t op) { return s->rq.options &= ~op; }
uint64_t SSL_get_options(const SSL *s) { return s->rq.options; }
