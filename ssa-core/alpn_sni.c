/*
 * ALPN and SNI, both directions: the context's protocol list, the server's
 * engine callbacks that record what the client sent and ask the front end's
 * hooks, and the key-log bridge.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 7301: a list of non-empty protocol names, each at most 255 bytes,
 * each prefixed by its length. */
static bool alpn_wire_valid(const unsigned char *wire, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (wire[i] == 0 || i + 1 + wire[i] > len)
            return false;
        i += 1u + wire[i];
    }
    return len > 0;
}

static char *alpn_wire_to_csv(const unsigned char *wire, size_t len)
{
    char *csv = malloc(len + 1);
    if (!csv)
        return NULL;
    size_t out = 0;
    for (size_t i = 0; i < len; i += 1u + wire[i]) {
        if (out)
            csv[out++] = ',';
        memcpy(csv + out, wire + i + 1, wire[i]);
        out += wire[i];
    }
    csv[out] = '\0';
    return csv;
}

ssa_status ssa_ctx_set_alpn_wire(ssa_ctx *ctx, const unsigned char *wire, size_t len)
{
    if (!wire || len > SSA_MAX_ALPN_WIRE || !alpn_wire_valid(wire, len))
        return SSA_ERR_ARG;
    unsigned char *copy = malloc(len);
    char *csv = alpn_wire_to_csv(wire, len);
    if (!copy || !csv) {
        free(copy);
        free(csv);
        return SSA_ERR_NOMEM;
    }
    memcpy(copy, wire, len);
    pthread_mutex_lock(&ctx->lock);
    bool frozen = ctx->frozen;
    if (!frozen) {
        free(ctx->alpn_wire);
        free(ctx->alpn_csv);
        ctx->alpn_wire = copy;
        ctx->alpn_wire_len = len;
        ctx->alpn_csv = csv;
    }
    pthread_mutex_unlock(&ctx->lock);
    if (frozen) {
        free(copy);
        free(csv);
        return SSA_ERR_STATE;
    }
    return SSA_OK;
}

ssa_status ssa_ctx_set_alpn_list(ssa_ctx *ctx, const char *comma_list)
{
    if (!comma_list)
        return SSA_ERR_ARG;
    size_t len = strlen(comma_list);
    unsigned char *wire = malloc(len + 1);
    if (!wire)
        return SSA_ERR_NOMEM;
    size_t out = 0;
    for (const char *p = comma_list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n > 255) {
            free(wire);
            return SSA_ERR_ARG;
        }
        wire[out++] = (unsigned char)n;
        memcpy(wire + out, p, n);
        out += n;
        p += n + (p[n] == ',');
    }
    ssa_status st = ssa_ctx_set_alpn_wire(ctx, wire, out);
    free(wire);
    return st;
}

/* Server preference: the first of our protocols that the client offers. */
static bool alpn_pick_ours(const ssa_ctx *ctx, const unsigned char *in, unsigned inlen,
                           const unsigned char **out, unsigned char *outlen)
{
    for (size_t i = 0; i < ctx->alpn_wire_len; i += 1u + ctx->alpn_wire[i]) {
        const unsigned char *ours = ctx->alpn_wire + i;
        for (unsigned j = 0; j < inlen; j += 1u + in[j]) {
            if (in[j] == ours[0] && memcmp(in + j + 1, ours + 1, ours[0]) == 0) {
                *out = in + j + 1;
                *outlen = in[j];
                return true;
            }
        }
    }
    return false;
}

/* OpenSSL's SSL_TLSEXT_ERR_* values, which wolfSSL's callback uses too. */
enum { TLSEXT_OK = 0, TLSEXT_ALERT_FATAL = 2, TLSEXT_NOACK = 3 };

/* The engine takes any failure of the select callback as "no selection"
 * and goes on, then matches the client's list against the connection's
 * own. A hook that refuses must end the handshake (RFC 7301 section 3.2:
 * no_application_protocol): the connection gets a list of one name the
 * client did not offer, failing on mismatch, so the engine's own match
 * sends that alert and fails. */
static bool alpn_offered(const unsigned char *in, unsigned inlen, const char *name)
{
    size_t n = strlen(name);
    for (unsigned j = 0; j < inlen; j += 1u + in[j])
        if (in[j] == n && memcmp(in + j + 1, name, n) == 0)
            return true;
    return false;
}

static void alpn_refuse(WOLFSSL *ssl, const unsigned char *in, unsigned inlen)
{
    char name[32] = "ssa-refused";
    for (int i = 0; alpn_offered(in, inlen, name); i++)
        snprintf(name, sizeof name, "ssa-refused-%d", i);
    wolfSSL_UseALPN(ssl, name, (unsigned)strlen(name), WOLFSSL_ALPN_FAILED_ON_MISMATCH);
}

static int alpn_select(WOLFSSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)arg;
    ssa_conn *c = ssa_conn_from_wolf(ssl);
    if (!c || !c->ctx->policy->alpn)
        return TLSEXT_NOACK;
    ssa_ctx *ctx = c->ctx;
    if (ctx->alpn_hook) {
        ssa_status st = ctx->alpn_hook(c, in, inlen, out, outlen, ctx->alpn_arg);
        if (st == SSA_OK)
            return TLSEXT_OK;
        if (st == SSA_WANT_READ)
            return TLSEXT_NOACK;
        alpn_refuse(ssl, in, inlen);
        return TLSEXT_ALERT_FATAL;
    }
    return alpn_pick_ours(ctx, in, inlen, out, outlen) ? TLSEXT_OK : TLSEXT_NOACK;
}

/* wolfSSL's servername callback: *alert is the alert to send on failure. */
static int sni_received(WOLFSSL *ssl, int *alert, void *arg)
{
    (void)arg;
    ssa_conn *c = ssa_conn_from_wolf(ssl);
    if (!c)
        return TLSEXT_NOACK;
    const char *name = wolfSSL_get_servername(ssl, WOLFSSL_SNI_HOST_NAME);
    if (name && !c->sni)
        c->sni = strdup(name);
    if (!c->ctx->sni_hook)
        return TLSEXT_OK;
    c->in_sni_hook = true;
    ssa_sni_answer answer = c->ctx->sni_hook(c, c->sni, c->ctx->sni_arg);
    c->in_sni_hook = false;
    switch (answer) {
    case SSA_SNI_OK:
        return TLSEXT_OK;
    case SSA_SNI_NOACK:
        return TLSEXT_NOACK;
    default:
        *alert = 112; /* unrecognized_name */
        return TLSEXT_ALERT_FATAL;
    }
}

static void keylog_line(const WOLFSSL *ssl, const char *line)
{
    ssa_conn *c = ssa_conn_from_wolf((WOLFSSL *)ssl);
    if (c && c->ctx->keylog_hook && c->ctx->policy->keylog)
        c->ctx->keylog_hook(c, line, c->ctx->keylog_arg);
}

void ssa_ctx_install_callbacks(ssa_ctx *ctx)
{
    if (ctx->keylog_hook)
        wolfSSL_CTX_set_keylog_callback(ctx->wctx, keylog_line);
    if (ctx->role != SSA_ROLE_SERVER)
        return;
    wolfSSL_CTX_set_servername_callback(ctx->wctx, sni_received);
    if (ctx->alpn_hook || ctx->alpn_wire)
        wolfSSL_CTX_set_alpn_select_cb(ctx->wctx, alpn_select, NULL);
}
