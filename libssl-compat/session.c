/*
 * SSL_SESSION: client sessions for resumption, and the context's
 * new-session callback.
 *
 * Implementation notes: an SSL_SESSION is a reference-counted wrapper around
 * the blob the core exports (ssa_conn_session_export) after a client
 * handshake; SSL_set_session hands the blob back to the next connection
 * (ssa_conn_session_import) before its handshake. Policy decides the rest:
 * with session_cache off the core exports nothing (no session, no callback)
 * and a blob older than policy's session_lifetime is refused at import, in
 * which case the handshake is a full one, as OpenSSL's is with a session it
 * cannot use. Server-side session caching is the core's own (tickets); the
 * server callbacks (get/remove) are not implemented here.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static SSL_SESSION *session_new(unsigned char *blob, size_t len)
{
    SSL_SESSION *ss = OPENSSL_zalloc(sizeof *ss);
    if (!ss) {
        free(blob);
        return NULL;
    }
    atomic_init(&ss->refs, 1);
    ss->blob = blob;
    ss->len = len;
    return ss;
}

SSL_SESSION *compat_session_from_blob(const unsigned char *blob, size_t len,
                                      const char *hostname)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, blob, len);
    SSL_SESSION *ss = session_new(copy, len);
    if (ss && hostname && !(ss->hostname = OPENSSL_strdup(hostname))) {
        SSL_SESSION_free(ss);
        return NULL;
    }
    return ss;
}

int SSL_SESSION_up_ref(SSL_SESSION *ss)
{
    atomic_fetch_add(&ss->refs, 1);
    return 1;
}

void SSL_SESSION_free(SSL_SESSION *ss)
{
    if (!ss || atomic_fetch_sub(&ss->refs, 1) != 1)
        return;
    OPENSSL_cleanse(ss->blob, ss->len); /* holds the resumption secret */
    free(ss->blob);
    OPENSSL_free(ss->hostname);
    OPENSSL_free(ss);
}

/* Borrowed, as OpenSSL's: NULL until a session is set or established. */
SSL_SESSION *SSL_get_session(const SSL *s) { return s->session; }

SSL_SESSION *SSL_get1_session(SSL *s)
{
    if (s->session)
        SSL_SESSION_up_ref(s->session);
    return s->session;
}

/* As OpenSSL: takes its own reference, NULL clears; the session is used at
 * the next handshake. Once the connection exists it is too late for the
 * core, so the session is only recorded (SSL_get_session reports it). */
int SSL_set_session(SSL *s, SSL_SESSION *ss)
{
    if (ss)
        SSL_SESSION_up_ref(ss);
    SSL_SESSION_free(s->session);
    s->session = ss;
    s->session_captured = false;
    return 1;
}

void SSL_CTX_sess_set_new_cb(SSL_CTX *ctx, int (*cb)(SSL *, SSL_SESSION *))
{
    ctx->new_session_cb = cb;
}

void compat_session_offer(SSL *s)
{
    /* A refusal (policy lifetime, cache off, unreadable blob) leaves a full
     * handshake; the core audits policy refusals itself. */
    if (s->session && s->role == SSA_ROLE_CLIENT)
        (void)ssa_conn_session_import(s->conn, s->session->blob, s->session->len);
}

void compat_session_capture(SSL *s, bool after_read)
{
    if (s->role != SSA_ROLE_CLIENT || s->session_captured || !s->conn
        || !ssa_conn_handshake_done(s->conn))
        return;
    /* A TLS 1.3 session is only resumable once the server's ticket has
     * arrived, after the handshake: wait for the first read. */
    if (!after_read && ssa_conn_version(s->conn) >= SSA_TLS1_3)
        return;
    unsigned char *blob;
    size_t len;
    if (ssa_conn_session_export(s->conn, &blob, &len) != SSA_OK)
        return;
    SSL_SESSION *ss = session_new(blob, len);
    if (!ss)
        return;
    if (s->sni)
        ss->hostname = OPENSSL_strdup(s->sni); /* NULL on failure: no name */
    s->session_captured = true;
    SSL_SESSION_free(s->session);
    s->session = ss;
    /* OpenSSL calls it for client sessions when the client cache mode is
     * on; a return of 1 means the callback keeps the reference it got. */
    SSL_CTX *ctx = s->ctx;
    if (ctx->new_session_cb && (ctx->sess_cache_mode & SSL_SESS_CACHE_CLIENT)) {
        SSL_SESSION_up_ref(ss);
        if (!ctx->new_session_cb(s, ss))
            SSL_SESSION_free(ss);
    }
}

/* ---- session lifetime ------------------------------------------------------- */

/* What the getter reports: the lifetime connections made from this context
 * will use, i.e. the request merged with policy (whose session_lifetime is
 * an upper bound); 0 when sessions are not kept at all. */
long SSL_CTX_get_timeout(const SSL_CTX *ctx)
{
    ssa_settings s;
    char err[256];
    if (compat_effective(&ctx->rq, !ctx->method->client, &s, err, sizeof err) != SSA_OK)
        return ctx->rq.req.session_lifetime;
    return s.session_cache ? s.session_lifetime : 0;
}

/* A request, as every setter here: longer than policy allows is capped by
 * the merge (and the getter says so); 0 or less, which in OpenSSL makes
 * every session expire at once, asks for no session keeping at all. The
 * previous effective value is returned, as OpenSSL returns the previous
 * timeout. Applies to SSLs created afterwards and to the next core context
 * (server tickets). */
long SSL_CTX_set_timeout(SSL_CTX *ctx, long t)
{
    long prev = SSL_CTX_get_timeout(ctx);
    ctx->rq.req.session_lifetime = t > 0 ? t : 0;
    ctx->rq.req.session_cache = t > 0 ? SSA_PREF_UNSET : 0;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++; /* the core context is rebuilt at the next handshake */
    pthread_mutex_unlock(&ctx->lock);
    return prev;
}
