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

static void ctx_touched(SSL_CTX *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++;
    pthread_mutex_unlock(&ctx->lock);
}

/* ---- certificate chains (per certificate slot, as OpenSSL keeps them) ---- */

/* SSL_CTX_set0_chain / set1_chain: the current certificate's chain. */
static long set_chain(SSL_CTX *ctx, bool copy, STACK_OF(X509) *chain)
{
    STACK_OF(X509) *mine = chain;
    if (copy && chain && !(mine = X509_chain_up_ref(chain))) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    sk_X509_pop_free(ctx->certs[ctx->cur].chain, X509_free);
    ctx->certs[ctx->cur].chain = mine;
    ctx_touched(ctx);
    return 1;
}

/* SSL_CTX_add0/add1_chain_cert, and SSL_CTX_add_extra_chain_cert, which
 * OpenSSL keeps apart for certificates without a chain of their own: here
 * it joins the current certificate's chain (the same bytes on the wire
 * for a server with one certificate). */
static long add_chain_cert(SSL_CTX *ctx, bool copy, X509 *x)
{
    compat_cert *slot = &ctx->certs[ctx->cur];
    if (!x) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if ((!slot->chain && !(slot->chain = sk_X509_new_null())) || !sk_X509_push(slot->chain, x)) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    if (copy)
        X509_up_ref(x);
    ctx_touched(ctx);
    return 1;
}

/* SSL_CTX_select_current_cert / SSL_CTX_set_current_cert. */
static long select_cert(SSL_CTX *ctx, X509 *x)
{
    for (int i = 0; x && i < COMPAT_SLOTS; i++)
        if (ctx->certs[i].cert == x) {
            ctx->cur = i;
            return 1;
        }
    return 0;
}

static long set_current_cert(SSL_CTX *ctx, long op)
{
    int from = op == SSL_CERT_SET_FIRST ? 0 : op == SSL_CERT_SET_NEXT ? ctx->cur + 1 : COMPAT_SLOTS;
    for (int i = from; i < COMPAT_SLOTS; i++)
        if (ctx->certs[i].cert) {
            ctx->cur = i;
            return 1;
        }
    return 0;
}

/* SSL_CTX_set1_groups_list: a request merged with policy like the cipher
 * lists; nothing left (or an unknown name) fails as in OpenSSL. */
static long set_groups_list(SSL_CTX *ctx, const char *list)
{
    uint16_t ids[SSA_MAX_GROUPS];
    size_t n = 0;
    char err[256] = "";
    if (!list || ssa_groups_parse(list, ids, SSA_MAX_GROUPS, &n, err, sizeof err) != SSA_OK) {
        COMPAT_ERR_MSG(SSL_R_BAD_VALUE, "groups \"%s\": %s", list ? list : "", err);
        return 0;
    }
    compat_request trial;
    ssa_settings st;
    bool ok = compat_request_copy(&trial, &ctx->rq)
              && compat_set_string(&trial.groups, &trial.req.groups, list);
    ssa_status merged = ok ? compat_effective(&trial, !ctx->method->client, &st, err, sizeof err)
                           : SSA_ERR_NOMEM;
    compat_request_clear(&trial);
    if (merged != SSA_OK) {
        COMPAT_ERR_MSG(merged == SSA_ERR_NOMEM ? ERR_R_MALLOC_FAILURE : SSL_R_BAD_VALUE,
                       "%s (SSA policy)", err);
        return 0;
    }
    if (!compat_set_string(&ctx->rq.groups, &ctx->rq.req.groups, list)) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    ctx_touched(ctx);
    return 1;
}

static void audit_ignored(const char *what)
{
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND, "%s", what);
    ssa_policy_unref(p);
}

/* SSL_CTX_set1_sigalgs_list, SSL_set1_sigalgs_list: OpenSSL's names,
 * merged with policy like the groups (the application's list within
 * policy's, above its hash floor, in the application's order). A list
 * with an unknown name, or one that leaves nothing, fails with the core's
 * reason on the queue and leaves the earlier list in force. */
static long set_sigalgs_list(compat_request *rq, bool server, const char *list)
{
    char err[512] = "";
    if (!list) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    compat_request trial;
    ssa_settings st;
    bool ok = compat_request_copy(&trial, rq)
              && compat_set_string(&trial.sigalgs, &trial.req.sigalgs, list);
    ssa_status merged = ok ? compat_effective(&trial, server, &st, err, sizeof err)
                           : SSA_ERR_NOMEM;
    compat_request_clear(&trial);
    if (merged != SSA_OK) {
        int reason = merged == SSA_ERR_NOMEM ? ERR_R_MALLOC_FAILURE
                     : merged == SSA_ERR_ARG ? SSL_R_BAD_VALUE : COMPAT_R_POLICY_REFUSED;
        COMPAT_ERR_MSG(reason, "%s (SSA policy)", err);
        return 0;
    }
    if (!compat_set_string(&rq->sigalgs, &rq->req.sigalgs, list)) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    return 1;
}

/* SSL_CTX_set1_client_sigalgs_list, SSL_set1_client_sigalgs_list: the
 * algorithms for client authentication. The engine has one list for
 * every signature, so this one is checked as set1_sigalgs_list checks
 * (same answers, same errors) and recorded, not applied: narrowing the
 * one list to it could leave a server unable to sign. Policy's floor
 * holds for client certificates all the same. */
static long check_client_sigalgs_list(const compat_request *rq, bool server, const char *list)
{
    compat_request trial;
    if (!compat_request_copy(&trial, rq)) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    long ok = set_sigalgs_list(&trial, server, list);
    compat_request_clear(&trial);
    if (ok)
        audit_ignored("client signature algorithms (set1_client_sigalgs_list) checked, not "
                      "applied: the engine uses one list; policy's floor applies");
    return ok;
}

/* Chain, certificate and server-side commands of SSL_CTX_ctrl; *handled
 * says whether cmd was one of them. */
static long server_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg, bool *handled)
{
    *handled = true;
    switch (cmd) {
    case SSL_CTRL_CHAIN: return set_chain(ctx, larg != 0, parg);
    case SSL_CTRL_CHAIN_CERT: return add_chain_cert(ctx, larg != 0, parg);
    case SSL_CTRL_EXTRA_CHAIN_CERT: return add_chain_cert(ctx, false, parg);
    case SSL_CTRL_GET_EXTRA_CHAIN_CERTS:
    case SSL_CTRL_GET_CHAIN_CERTS:
        *(STACK_OF(X509) **)parg = ctx->certs[ctx->cur].chain;
        return 1;
    case SSL_CTRL_SELECT_CURRENT_CERT: return select_cert(ctx, parg);
    case SSL_CTRL_SET_CURRENT_CERT: return set_current_cert(ctx, larg);
    case SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG: compat_set_servername_arg(ctx, parg); return 1;
    case SSL_CTRL_SET_GROUPS_LIST: return set_groups_list(ctx, parg);
    /* Automatic DH parameters are the only kind there is: the groups
     * policy allows. */
    case SSL_CTRL_SET_DH_AUTO: return 1;
    /* A performance hint (read whole records ahead); the engine reads as
     * it does. The previous value is returned, as OpenSSL returns it. */
    case SSL_CTRL_SET_READ_AHEAD: {
        long old = ctx->read_ahead;
        ctx->read_ahead = larg;
        return old;
    }
    case SSL_CTRL_GET_READ_AHEAD: return ctx->read_ahead;
    /* The size of OpenSSL's internal cache: recorded; the engine's own
     * cache has a fixed size (an application's external cache is its own). */
    case SSL_CTRL_SET_SESS_CACHE_SIZE: {
        long old = ctx->sess_cache_size;
        ctx->sess_cache_size = larg;
        return old;
    }
    case SSL_CTRL_GET_SESS_CACHE_SIZE: return ctx->sess_cache_size;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG: ctx->status_arg = parg; return 1;
    default: *handled = false; return 0;
    }
}

long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
    bool handled;
    long r = common_ctrl(&ctx->rq, !ctx->method->client, cmd, larg, &handled);
    if (handled)
        return r;
    r = server_ctrl(ctx, cmd, larg, parg, &handled);
    if (handled)
        return r;
    switch (cmd) {
    /* A server without SSL_SESS_CACHE_SERVER keeps no session: its next
     * core context is made without a cache (ssl_ctx.c, core_configure). */
    case SSL_CTRL_SET_SESS_CACHE_MODE: {
        pthread_mutex_lock(&ctx->lock);
        long old = ctx->sess_cache_mode;
        ctx->sess_cache_mode = larg;
        ctx->gen++;
        pthread_mutex_unlock(&ctx->lock);
        return old;
    }
    case SSL_CTRL_GET_SESS_CACHE_MODE: return ctx->sess_cache_mode;
    /* SSL_CTX_set_msg_callback_arg: recorded with the callback (never
     * called: see SSL_CTX_set_msg_callback in ssl_ctx.c). */
    case SSL_CTRL_SET_MSG_CALLBACK_ARG: ctx->msg_cb_arg = parg; return 1;
    case SSL_CTRL_SET_TMP_DH: return set_tmp_dh(parg);
    case SSL_CTRL_SET_SIGALGS_LIST:
        r = set_sigalgs_list(&ctx->rq, !ctx->method->client, parg);
        if (r)
            ctx_touched(ctx);
        return r;
    case SSL_CTRL_SET_CLIENT_SIGALGS_LIST:
        return check_client_sigalgs_list(&ctx->rq, !ctx->method->client, parg);
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

/* SSL_set0/set1_chain, SSL_add0/add1_chain_cert: the chain of the SSL's
 * own certificate (SSL_use_certificate). */
static long ssl_chain(SSL *s, int cmd, bool copy, void *parg)
{
    if (cmd == SSL_CTRL_CHAIN) {
        STACK_OF(X509) *mine = parg;
        if (copy && parg && !(mine = X509_chain_up_ref(parg))) {
            COMPAT_ERR(ERR_R_MALLOC_FAILURE);
            return 0;
        }
        sk_X509_pop_free(s->own.chain, X509_free);
        s->own.chain = mine;
        return 1;
    }
    if (!parg) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if ((!s->own.chain && !(s->own.chain = sk_X509_new_null())) || !sk_X509_push(s->own.chain, parg)) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    if (copy)
        X509_up_ref(parg);
    return 1;
}

/* Its role once set, else the one its method implies. */
static bool ssl_is_server(const SSL *s)
{
    return s->role >= 0 ? s->role == SSA_ROLE_SERVER : !s->ctx->method->client;
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
    case SSL_CTRL_CHAIN:
    case SSL_CTRL_CHAIN_CERT: return ssl_chain(s, cmd, larg != 0, parg);
    /* The SSL's request goes to the core at its first handshake step. */
    case SSL_CTRL_SET_SIGALGS_LIST:
        if (s->conn) {
            COMPAT_ERR(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
            return 0;
        }
        return set_sigalgs_list(&s->rq, ssl_is_server(s), parg);
    case SSL_CTRL_SET_CLIENT_SIGALGS_LIST:
        return check_client_sigalgs_list(&s->rq, ssl_is_server(s), parg);
    default: return 0;
    }
}

/* Callbacks set through ctrl commands. Unknown commands: 0, nothing on
 * the queue, as OpenSSL. */
long SSL_CTX_callback_ctrl(SSL_CTX *ctx, int cmd, void (*fp)(void))
{
    switch (cmd) {
    case SSL_CTRL_SET_TLSEXT_SERVERNAME_CB: return compat_set_servername_cb(ctx, fp);
    case SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB: return compat_set_ticket_key_cb(ctx, fp);
    /* OCSP stapling: the core sends no certificate status, so the status
     * callback is recorded and never called: clients asking for a stapled
     * response get none, as from a server without one. Audited. */
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB:
        ctx->status_cb_set = fp != NULL;
        if (fp)
            audit_ignored("OCSP stapling (status callback) not provided by SSA: no stapled "
                          "responses are sent");
        return 1;
    case SSL_CTRL_SET_MSG_CALLBACK:
        SSL_CTX_set_msg_callback(ctx, (void (*)(int, int, int, const void *, size_t, SSL *,
                                                void *))fp);
        return 1;
    default: return 0;
    }
}

uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op) { return set_options(&ctx->rq, op); }
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op) { return ctx->rq.options &= ~op; }
uint64_t SSL_CTX_get_options(const SSL_CTX *ctx) { return ctx->rq.options; }
uint64_t SSL_set_options(SSL *s, uint64_t op) { return set_options(&s->rq, op); }
uint64_t SSL_clear_options(SSL *s, uint64_t op) { return s->rq.options &= ~op; }
uint64_t SSL_get_options(const SSL *s) { return s->rq.options; }
