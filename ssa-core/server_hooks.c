/*
 * Server-side hooks for front ends that run servers (the drop-in under
 * nginx and lighttpd): the raw ClientHello, an external session cache,
 * ticket protection by the front end, the session id context and the
 * verification depth.
 *
 * Implementation notes:
 *  - The ClientHello is captured from the transport (engine_recv, io.c)
 *    as records arrive, before the engine parses them: the engine keeps no
 *    copy of the message, and a front end needs its extensions (OpenSSL's
 *    SSL_client_hello_get0_ext) and its cipher suites and signature
 *    algorithms (choosing between an RSA and an ECDSA certificate). Only
 *    handshake records at the very start of the stream are kept; capture
 *    ends when the message is complete, or is given up (anything else).
 *  - The context's hooks are installed at the freeze, after the merged
 *    settings: policy's session_cache = false or session_tickets = false
 *    still wins (no hook is installed then).
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- ClientHello capture ------------------------------------------------ */

#define HELLO_MAX 65536
#define RECORD_HEADER 5
#define HANDSHAKE_HEADER 4
#define CONTENT_HANDSHAKE 22
#define MSG_CLIENT_HELLO 1

static void hello_give_up(ssa_conn *c)
{
    free(c->hello_raw);
    c->hello_raw = NULL;
    c->hello_raw_len = 0;
    c->hello_done = true;
}

/* The handshake bytes of the complete records so far, joined. */
static size_t join_fragments(const unsigned char *raw, size_t raw_len, unsigned char *msg,
                             bool *bad)
{
    size_t off = 0, used = 0;
    *bad = false;
    while (off + RECORD_HEADER <= raw_len) {
        if (raw[off] != CONTENT_HANDSHAKE) {
            *bad = true;
            break;
        }
        size_t rl = ((size_t)raw[off + 3] << 8) | raw[off + 4];
        if (off + RECORD_HEADER + rl > raw_len)
            break;
        memcpy(msg + used, raw + off + RECORD_HEADER, rl);
        used += rl;
        off += RECORD_HEADER + rl;
    }
    return used;
}

static void hello_try_complete(ssa_conn *c)
{
    unsigned char *msg = malloc(c->hello_raw_len);
    bool bad;
    if (!msg) {
        hello_give_up(c);
        return;
    }
    size_t used = join_fragments(c->hello_raw, c->hello_raw_len, msg, &bad);
    if (bad || (used >= 1 && msg[0] != MSG_CLIENT_HELLO)) {
        free(msg);
        hello_give_up(c);
        return;
    }
    if (used < HANDSHAKE_HEADER) {
        free(msg);
        return;
    }
    size_t body = ((size_t)msg[1] << 16) | ((size_t)msg[2] << 8) | msg[3];
    if (used < HANDSHAKE_HEADER + body) {
        free(msg);
        return;
    }
    memmove(msg, msg + HANDSHAKE_HEADER, body);
    c->hello = msg;
    c->hello_len = body;
    hello_give_up(c); /* frees the raw records; capture is over */
}

void ssa_hello_capture(ssa_conn *c, const unsigned char *buf, size_t n)
{
    if (c->hello_done)
        return;
    if (c->hello_raw_len + n > HELLO_MAX) {
        hello_give_up(c);
        return;
    }
    unsigned char *grown = realloc(c->hello_raw, c->hello_raw_len + n);
    if (!grown) {
        hello_give_up(c);
        return;
    }
    memcpy(grown + c->hello_raw_len, buf, n);
    c->hello_raw = grown;
    c->hello_raw_len += n;
    hello_try_complete(c);
}

void ssa_hello_free(ssa_conn *c)
{
    free(c->hello_raw);
    free(c->hello);
    c->hello_raw = c->hello = NULL;
}

const unsigned char *ssa_conn_client_hello(const ssa_conn *c, size_t *len)
{
    *len = c->hello ? c->hello_len : 0;
    return c->hello;
}

/* ---- settings recorded before the freeze ---------------------------------- */

/* Under the lock: SSA_ERR_STATE once frozen, as every context setter. */
static ssa_status ctx_lock_unfrozen(ssa_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    if (ctx->frozen) {
        pthread_mutex_unlock(&ctx->lock);
        return SSA_ERR_STATE;
    }
    return SSA_OK;
}

ssa_status ssa_ctx_set_session_hooks(ssa_ctx *ctx, ssa_session_new_hook new_hook,
                                     ssa_session_get_hook get_hook,
                                     ssa_session_remove_hook remove_hook, void *arg,
                                     bool internal_cache)
{
    if (ctx->role != SSA_ROLE_SERVER)
        return SSA_ERR_ARG;
    if (ctx_lock_unfrozen(ctx) != SSA_OK)
        return SSA_ERR_STATE;
    ctx->sess_new = new_hook;
    ctx->sess_get = get_hook;
    ctx->sess_remove = remove_hook;
    ctx->sess_arg = arg;
    ctx->sess_internal_off = !internal_cache;
    pthread_mutex_unlock(&ctx->lock);
    return SSA_OK;
}

ssa_status ssa_ctx_set_session_id_context(ssa_ctx *ctx, const unsigned char *sid, size_t len)
{
    if (len > sizeof ctx->sid_ctx || (len && !sid))
        return SSA_ERR_ARG;
    if (ctx_lock_unfrozen(ctx) != SSA_OK)
        return SSA_ERR_STATE;
    if (len)
        memcpy(ctx->sid_ctx, sid, len);
    ctx->sid_ctx_len = len;
    pthread_mutex_unlock(&ctx->lock);
    return SSA_OK;
}

ssa_status ssa_ctx_set_ticket_hook(ssa_ctx *ctx, ssa_ticket_hook hook, void *arg)
{
    if (ctx->role != SSA_ROLE_SERVER)
        return SSA_ERR_ARG;
    if (ctx_lock_unfrozen(ctx) != SSA_OK)
        return SSA_ERR_STATE;
    ctx->ticket_hook = hook;
    ctx->ticket_arg = arg;
    pthread_mutex_unlock(&ctx->lock);
    return SSA_OK;
}

ssa_status ssa_ctx_set_verify_depth(ssa_ctx *ctx, int depth)
{
    if (depth < 0)
        return SSA_ERR_ARG;
    if (ctx_lock_unfrozen(ctx) != SSA_OK)
        return SSA_ERR_STATE;
    ctx->verify_depth = depth;
    ctx->verify_depth_set = true;
    pthread_mutex_unlock(&ctx->lock);
    return SSA_OK;
}

ssa_status ssa_session_blob_id(const unsigned char *blob, size_t len, unsigned char id[32],
                               size_t *id_len)
{
    const unsigned char *p = blob;
    WOLFSSL_SESSION *s = blob ? wolfSSL_d2i_SSL_SESSION(NULL, &p, (long)len) : NULL;
    if (!s)
        return SSA_ERR_ARG;
    unsigned int n = 0;
    const unsigned char *sid = wolfSSL_SESSION_get_id(s, &n);
    if (n > 32)
        n = 32;
    if (n)
        memcpy(id, sid, n);
    *id_len = n;
    wolfSSL_SESSION_free(s);
    return SSA_OK;
}

ssa_status ssa_conn_raise_client_auth(ssa_conn *c, ssa_client_auth mode)
{
    if (c->role != SSA_ROLE_SERVER || c->handshake_done || (c->ssl && !c->in_sni_hook))
        return SSA_ERR_STATE;
    if (mode < c->settings.client_auth)
        return SSA_ERR_POLICY;
    if (mode == c->settings.client_auth)
        return SSA_OK;
    c->settings.client_auth = mode;
    c->verify_enforced = true;
    if (c->ssl)
        wolfSSL_set_verify(c->ssl, mode == SSA_CLIENT_AUTH_REQUIRE
                                       ? WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                       : WOLFSSL_VERIFY_PEER,
                           ssa_verify_callback);
    return SSA_OK;
}

/* The names as the engine's stack (it takes ownership when given). */
/* The names with their 2-byte length prefixes must fit the message's
 * 16-bit list. */
static bool names_fit(const size_t *len, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n && total <= SSA_MAX_CA_NAMES; i++)
        total += 2 + len[i];
    return total <= SSA_MAX_CA_NAMES;
}

static WOLF_STACK_OF(WOLFSSL_X509_NAME) *names_stack(const unsigned char *const *der,
                                                    const size_t *len, size_t n, ssa_status *st)
{
    if (!names_fit(len, n)) {
        *st = SSA_ERR_ARG;
        return NULL;
    }
    WOLF_STACK_OF(WOLFSSL_X509_NAME) *sk = wolfSSL_sk_X509_NAME_new(NULL);
    *st = sk ? SSA_OK : SSA_ERR_NOMEM;
    for (size_t i = 0; sk && i < n; i++) {
        unsigned char *p = (unsigned char *)der[i];
        WOLFSSL_X509_NAME *name = wolfSSL_d2i_X509_NAME(NULL, &p, (long)len[i]);
        if (!name || wolfSSL_sk_X509_NAME_push(sk, name) <= 0) {
            if (name)
                wolfSSL_X509_NAME_free(name);
            wolfSSL_sk_X509_NAME_pop_free(sk, NULL);
            *st = name ? SSA_ERR_NOMEM : SSA_ERR_ARG;
            return NULL;
        }
    }
    return sk;
}

ssa_status ssa_ctx_set_client_ca_names(ssa_ctx *ctx, const unsigned char *const *der,
                                       const size_t *len, size_t n)
{
    ssa_status st;
    if (ctx->role != SSA_ROLE_SERVER || (n && (!der || !len)))
        return SSA_ERR_ARG;
    WOLF_STACK_OF(WOLFSSL_X509_NAME) *sk = names_stack(der, len, n, &st);
    if (!sk)
        return st;
    if (ctx_lock_unfrozen(ctx) != SSA_OK) {
        wolfSSL_sk_X509_NAME_pop_free(sk, NULL);
        return SSA_ERR_STATE;
    }
    wolfSSL_CTX_set_client_CA_list(ctx->wctx, sk);
    pthread_mutex_unlock(&ctx->lock);
    return SSA_OK;
}

ssa_status ssa_conn_set_client_ca_names(ssa_conn *c, const unsigned char *const *der,
                                        const size_t *len, size_t n)
{
    ssa_status st;
    if (c->role != SSA_ROLE_SERVER || (n && (!der || !len)))
        return SSA_ERR_ARG;
    if (!c->ssl || c->handshake_done || !c->in_sni_hook)
        return SSA_ERR_STATE;
    WOLF_STACK_OF(WOLFSSL_X509_NAME) *sk = names_stack(der, len, n, &st);
    if (!sk)
        return st;
    wolfSSL_set_client_CA_list(c->ssl, sk);
    return SSA_OK;
}

/* ---- the engine's callbacks ------------------------------------------------ */

/* wolfSSL's TLS 1.2 server always issues a full-length (32-byte) session
 * id, the one its ServerHello carried, but records the length the client
 * offered: 0 for a fresh handshake. The bytes are right, the length is not,
 * and wolfSSL has no setter for it (its SSL_SESSION_set1_id is a stub). So
 * the serialized session gets the id spliced in: wolfSSL 5.5.4's i2d
 * layout starts side(1) bornOn(4) timeout(4) idLen(1) id(idLen), and d2i
 * validates the result when the session comes back. */
#define BLOB_ID_LEN_AT 9
#define SERVER_ID_LEN 32

static unsigned char *blob_with_id(const unsigned char *blob, size_t n, const unsigned char *id,
                                   size_t *out_len)
{
    unsigned char *fixed = malloc(n + SERVER_ID_LEN);
    if (!fixed)
        return NULL;
    memcpy(fixed, blob, BLOB_ID_LEN_AT);
    fixed[BLOB_ID_LEN_AT] = SERVER_ID_LEN;
    memcpy(fixed + BLOB_ID_LEN_AT + 1, id, SERVER_ID_LEN);
    memcpy(fixed + BLOB_ID_LEN_AT + 1 + SERVER_ID_LEN, blob + BLOB_ID_LEN_AT + 1,
           n - BLOB_ID_LEN_AT - 1);
    *out_len = n + SERVER_ID_LEN;
    return fixed;
}

static void session_give(ssa_conn *c, WOLFSSL_SESSION *s, const unsigned char *blob, size_t n)
{
    unsigned int id_len = 0;
    const unsigned char *id = wolfSSL_SESSION_get_id(s, &id_len);
    if (!id || n <= BLOB_ID_LEN_AT || blob[BLOB_ID_LEN_AT] != id_len)
        return; /* not the layout we know: no external caching */
    if (id_len) {
        c->ctx->sess_new(c, id, id_len, blob, n, c->ctx->sess_arg);
        return;
    }
    size_t fixed_len = 0;
    unsigned char *fixed = blob_with_id(blob, n, id, &fixed_len);
    if (fixed)
        c->ctx->sess_new(c, id, SERVER_ID_LEN, fixed, fixed_len, c->ctx->sess_arg);
    if (fixed)
        memset(fixed, 0, fixed_len);
    free(fixed);
}

static int session_new_cb(WOLFSSL *ssl, WOLFSSL_SESSION *s)
{
    ssa_conn *c = ssa_conn_from_wolf(ssl);
    if (!c || !c->ctx->sess_new)
        return 0;
    int n = wolfSSL_i2d_SSL_SESSION(s, NULL);
    unsigned char *blob = n > 0 ? malloc((size_t)n) : NULL, *p = blob;
    if (blob && wolfSSL_i2d_SSL_SESSION(s, &p) == n)
        session_give(c, s, blob, (size_t)n);
    if (blob)
        memset(blob, 0, (size_t)n); /* it holds the master secret */
    free(blob);
    return 0; /* the engine keeps no extra reference for us */
}

/* Too old for policy, or for the session's own timeout: not resumed, and
 * removed from the front end's cache, as OpenSSL removes a timed-out
 * session it finds. */
static bool session_expired(const ssa_conn *c, const WOLFSSL_SESSION *s)
{
    long age = (long)time(NULL) - wolfSSL_SESSION_get_time(s);
    long own = wolfSSL_SESSION_get_timeout(s);
    return age < 0 || age > c->settings.session_lifetime || (own > 0 && age > own);
}

static WOLFSSL_SESSION *session_get_cb(WOLFSSL *ssl, const unsigned char *id, int len, int *copy)
{
    *copy = 0; /* the engine frees what we return */
    ssa_conn *c = ssa_conn_from_wolf(ssl);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    if (!c || !c->ctx->sess_get || len <= 0
        || !c->ctx->sess_get(c, id, (size_t)len, &blob, &blob_len, c->ctx->sess_arg) || !blob)
        return NULL;
    const unsigned char *p = blob;
    WOLFSSL_SESSION *s = wolfSSL_d2i_SSL_SESSION(NULL, &p, (long)blob_len);
    if (s && session_expired(c, s)) {
        if (c->ctx->sess_remove)
            c->ctx->sess_remove(id, (size_t)len, blob, blob_len, c->ctx->sess_arg);
        wolfSSL_SESSION_free(s);
        s = NULL;
    }
    memset(blob, 0, blob_len);
    free(blob);
    return s;
}

static int ticket_cb(WOLFSSL *ssl, unsigned char key_name[WOLFSSL_TICKET_NAME_SZ],
                     unsigned char iv[WOLFSSL_TICKET_IV_SZ],
                     unsigned char mac[WOLFSSL_TICKET_MAC_SZ], int enc, unsigned char *ticket,
                     int in_len, int *out_len, void *arg)
{
    (void)arg;
    ssa_conn *c = ssa_conn_from_wolf(ssl);
    if (!c || !c->ctx->ticket_hook || in_len < 0 || *out_len < 0)
        return WOLFSSL_TICKET_RET_FATAL;
    size_t out = 0;
    ssa_ticket_answer a = c->ctx->ticket_hook(c, enc != 0, key_name, iv, mac, ticket,
                                              (size_t)in_len, (size_t)*out_len, &out,
                                              c->ctx->ticket_arg);
    *out_len = (int)out;
    switch (a) {
    case SSA_TICKET_OK: return WOLFSSL_TICKET_RET_OK;
    case SSA_TICKET_RENEW: return enc ? WOLFSSL_TICKET_RET_OK : WOLFSSL_TICKET_RET_CREATE;
    case SSA_TICKET_REJECT: return WOLFSSL_TICKET_RET_REJECT;
    default: return WOLFSSL_TICKET_RET_FATAL;
    }
}

void ssa_ctx_install_extra(ssa_ctx *ctx)
{
    if (ctx->verify_depth_set && ctx->verify_depth < ctx->policy->verify_depth)
        wolfSSL_CTX_set_verify_depth(ctx->wctx, ctx->verify_depth);
    if (ctx->role != SSA_ROLE_SERVER)
        return;
    if (ctx->sid_ctx_len)
        wolfSSL_CTX_set_session_id_context(ctx->wctx, ctx->sid_ctx, (unsigned)ctx->sid_ctx_len);
    if (ctx->settings.session_cache && (ctx->sess_new || ctx->sess_get)) {
        wolfSSL_CTX_sess_set_new_cb(ctx->wctx, session_new_cb);
        wolfSSL_CTX_sess_set_get_cb(ctx->wctx, session_get_cb);
        if (ctx->sess_internal_off)
            wolfSSL_CTX_set_session_cache_mode(ctx->wctx, WOLFSSL_SESS_CACHE_SERVER
                                                              | WOLFSSL_SESS_CACHE_NO_INTERNAL);
    }
    if (ctx->settings.session_tickets && ctx->ticket_hook)
        wolfSSL_CTX_set_TicketEncCb(ctx->wctx, ticket_cb);
}
