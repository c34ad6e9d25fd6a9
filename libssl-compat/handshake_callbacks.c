/*
 * The info callback (SSL_CTX_set_info_callback) and SSL_in_init.
 *
 * Implementation notes: the core reports no individual handshake states,
 * so the callback hears what this layer sees: SSL_CB_HANDSHAKE_START when
 * the first handshake step begins, SSL_CB_HANDSHAKE_DONE when it
 * completes, and SSL_CB_ACCEPT_EXIT / SSL_CB_CONNECT_EXIT when a
 * handshake call returns other than "would block". There are no
 * SSL_CB_*_LOOP or alert notifications (OpenSSL sends one per state and
 * per alert). No renegotiation happens, so START is told once.
 */
#include "internal.h"

void SSL_CTX_set_info_callback(SSL_CTX *ctx, void (*cb)(const SSL *, int, int))
{
    ctx->info_cb = cb;
}

void compat_info(SSL *s, int where, int ret)
{
    if (s->ctx->info_cb)
        s->ctx->info_cb(s, where, ret);
}

/* In init until the handshake has completed (also before it began, as
 * OpenSSL's "before" state counts as init). */
int SSL_in_init(const SSL *s) { return !s->conn || !ssa_conn_handshake_done(s->conn); }
