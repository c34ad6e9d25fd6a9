/*
 * ALPN on the server: SSL_CTX_set_alpn_select_cb and SSL_select_next_proto
 * (the client's list, SSL_CTX_set_alpn_protos, is in ssl_ctx.c).
 *
 * Implementation notes: the core asks its ALPN hook once per ClientHello
 * (after the SNI hook, so after a servername callback switched the
 * SSL_CTX, as in OpenSSL) unless policy has ALPN off, in which case no
 * protocol is ever selected. The callback of the SSL's current SSL_CTX is
 * called with the real SSL*.
 */
#include "internal.h"

#include <string.h>

void SSL_CTX_set_alpn_select_cb(SSL_CTX *ctx, SSL_CTX_alpn_select_cb_func cb, void *arg)
{
    ctx->alpn_select_cb = cb;
    ctx->alpn_select_arg = arg;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++; /* the core context is rebuilt with the hook */
    pthread_mutex_unlock(&ctx->lock);
}

/* The protocol the callback chose, as a slice of what the client offered.
 * RFC 7301 section 3.2: the server selects one of the client's protocols;
 * one the client did not offer ends the handshake. */
static bool slice_of_offered(const unsigned char *offered, size_t offered_len,
                             const unsigned char *sel, unsigned char sel_len,
                             const unsigned char **out)
{
    for (size_t i = 0; i < offered_len; i += 1u + offered[i])
        if (offered[i] == sel_len && i + 1u + sel_len <= offered_len
            && memcmp(offered + i + 1, sel, sel_len) == 0) {
            *out = offered + i + 1;
            return true;
        }
    return false;
}

/* SSL_TLSEXT_ERR_OK: the selection; NOACK: no ALPN; anything else ends
 * the handshake (OpenSSL sends no_application_protocol; the core's alert
 * comes from the engine). */
static ssa_status alpn_hook(ssa_conn *c, const unsigned char *offered, size_t offered_len,
                            const unsigned char **out, unsigned char *outlen, void *arg)
{
    (void)arg;
    SSL *s = ssa_conn_user(c);
    SSL_CTX *ctx = s ? s->ctx : NULL;
    if (!ctx || !ctx->alpn_select_cb)
        return SSA_WANT_READ;
    const unsigned char *sel = NULL;
    unsigned char sel_len = 0;
    int r = ctx->alpn_select_cb(s, &sel, &sel_len, offered, (unsigned)offered_len,
                                ctx->alpn_select_arg);
    if (r == SSL_TLSEXT_ERR_NOACK)
        return SSA_WANT_READ;
    if (r != SSL_TLSEXT_ERR_OK || !sel || sel_len == 0
        || !slice_of_offered(offered, offered_len, sel, sel_len, out))
        return SSA_ERR_PROTOCOL;
    *outlen = sel_len;
    return SSA_OK;
}

void compat_alpn_install(SSL_CTX *ctx, ssa_ctx *core)
{
    if (ctx->alpn_select_cb)
        ssa_ctx_set_alpn_hook(core, alpn_hook, NULL);
}

/* OpenSSL's documented algorithm: the first of the server's protocols
 * (server, server_len) that the client (client, client_len) also lists;
 * without overlap, OPENSSL_NPN_NO_OVERLAP and the client's first one. */
int SSL_select_next_proto(unsigned char **out, unsigned char *outlen,
                          const unsigned char *server, unsigned int server_len,
                          const unsigned char *client, unsigned int client_len)
{
    for (unsigned i = 0; i < server_len; i += 1u + server[i]) {
        if (i + 1u + server[i] > server_len)
            break;
        for (unsigned j = 0; j < client_len; j += 1u + client[j]) {
            if (j + 1u + client[j] > client_len)
                break;
            if (server[i] == client[j] && memcmp(server + i + 1, client + j + 1, server[i]) == 0) {
                *out = (unsigned char *)server + i + 1;
                *outlen = server[i];
                return OPENSSL_NPN_NEGOTIATED;
            }
        }
    }
    if (client_len > 0 && client[0] < client_len) {
        *out = (unsigned char *)client + 1;
        *outlen = client[0];
    } else {
        *out = NULL;
        *outlen = 0;
    }
    return OPENSSL_NPN_NO_OVERLAP;
}
