/*
 * The ClientHello as the client sent it: SSL_CTX_set_client_hello_cb and
 * SSL_client_hello_get0_ext, plus the parser servername.c uses to choose a
 * certificate.
 *
 * Implementation notes: the core captures the raw message from the
 * transport (ssa_conn_client_hello); it is only available while the
 * ClientHello callbacks run, as OpenSSL's SSL_client_hello_* functions
 * are only valid inside the client hello callback.
 */
#include "internal.h"

#include <string.h>

/* RFC 8446 4.1.2 layout: version(2) random(32) session_id<0..32>
 * cipher_suites<2..2^16-2> compression<1..2^8-1> extensions<0..2^16-1>. */
typedef struct hello_view {
    const unsigned char *suites;
    size_t suites_len;
    const unsigned char *exts;
    size_t exts_len;
} hello_view;

static bool take_vec(const unsigned char **p, size_t *left, size_t len_bytes,
                     const unsigned char **out, size_t *out_len)
{
    if (*left < len_bytes)
        return false;
    size_t n = len_bytes == 1 ? (*p)[0] : ((size_t)(*p)[0] << 8) | (*p)[1];
    if (*left < len_bytes + n)
        return false;
    *out = *p + len_bytes;
    *out_len = n;
    *p += len_bytes + n;
    *left -= len_bytes + n;
    return true;
}

static bool hello_parse(const unsigned char *msg, size_t len, hello_view *v)
{
    const unsigned char *p = msg, *skip;
    size_t left = len, skip_len;
    memset(v, 0, sizeof *v);
    if (left < 34)
        return false;
    p += 34;
    left -= 34;
    if (!take_vec(&p, &left, 1, &skip, &skip_len)            /* session id */
        || !take_vec(&p, &left, 2, &v->suites, &v->suites_len)
        || !take_vec(&p, &left, 1, &skip, &skip_len))        /* compression */
        return false;
    if (left == 0)
        return true; /* no extensions at all */
    return take_vec(&p, &left, 2, &v->exts, &v->exts_len);
}

/* One extension's body by type; false when absent. */
static bool hello_ext(const hello_view *v, unsigned type, const unsigned char **out,
                      size_t *out_len)
{
    const unsigned char *p = v->exts;
    size_t left = v->exts_len;
    while (left >= 4) {
        unsigned t = ((unsigned)p[0] << 8) | p[1];
        const unsigned char *body;
        size_t body_len;
        p += 2;
        left -= 2;
        if (!take_vec(&p, &left, 2, &body, &body_len))
            return false;
        if (t == type) {
            *out = body;
            *out_len = body_len;
            return true;
        }
    }
    return false;
}

static bool ssl_hello(const SSL *s, hello_view *v)
{
    size_t len = 0;
    const unsigned char *msg = s->conn ? ssa_conn_client_hello(s->conn, &len) : NULL;
    return msg && hello_parse(msg, len, v);
}

void SSL_CTX_set_client_hello_cb(SSL_CTX *ctx, SSL_client_hello_cb_fn cb, void *arg)
{
    ctx->client_hello_cb = cb;
    ctx->client_hello_arg = arg;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++; /* the core context needs the SNI hook that calls it */
    pthread_mutex_unlock(&ctx->lock);
}

/* As OpenSSL: 1 with the extension's body, 0 when absent or when called
 * outside the client hello callback. */
int SSL_client_hello_get0_ext(SSL *s, unsigned int type, const unsigned char **out,
                              size_t *outlen)
{
    hello_view v;
    const unsigned char *body;
    size_t len;
    if (!s->in_hello || !ssl_hello(s, &v) || !hello_ext(&v, type, &body, &len))
        return 0;
    if (out)
        *out = body;
    if (outlen)
        *outlen = len;
    return 1;
}

/* ---- certificate choice ------------------------------------------------------ */

static bool offers_tls13(const hello_view *v)
{
    const unsigned char *body;
    size_t len;
    if (!hello_ext(v, TLSEXT_TYPE_supported_versions, &body, &len) || len < 1
        || (size_t)body[0] + 1 > len)
        return false;
    for (size_t i = 1; i + 1 <= body[0]; i += 2)
        if (body[i] == 0x03 && body[i + 1] == 0x04)
            return true;
    return false;
}

/* RFC 8446 4.2.3 signature schemes to certificate slots. */
static int slot_for_sigalg(unsigned sig)
{
    if ((sig & 0xff) == 0x03 && sig >= 0x0403 && sig <= 0x0603)
        return COMPAT_SLOT_EC;
    if (sig >= 0x0804 && sig <= 0x0806)
        return COMPAT_SLOT_RSA; /* rsa_pss_rsae_* */
    if (sig == 0x0807 || sig == 0x0808)
        return COMPAT_SLOT_OTHER;
    return -1;
}

static bool slot_ready(const SSL_CTX *ctx, int slot)
{
    return slot >= 0 && ctx->certs[slot].cert && ctx->certs[slot].key;
}

/* TLS 1.3: the first of the client's signature schemes we hold a
 * certificate for, as OpenSSL chooses. */
static int slot_tls13(const SSL_CTX *ctx, const hello_view *v)
{
    const unsigned char *body, *list;
    size_t len, n;
    if (!hello_ext(v, TLSEXT_TYPE_signature_algorithms, &body, &len)
        || !take_vec(&body, &len, 2, &list, &n))
        return -1;
    for (size_t i = 0; i + 1 < n; i += 2) {
        int slot = slot_for_sigalg(((unsigned)list[i] << 8) | list[i + 1]);
        if (slot_ready(ctx, slot))
            return slot;
    }
    return -1;
}

static int slot_for_suite(const SSL_CTX *ctx, const ssa_settings *st, uint16_t id)
{
    const ssa_cipher_info *ci = ssa_cipher_by_id(id);
    bool allowed = false;
    for (size_t i = 0; ci && i < st->n_tls12_suites; i++)
        allowed = allowed || st->tls12_suites[i] == id;
    if (!allowed)
        return -1;
    int slot = strcmp(ci->auth, "ECDSA") == 0 ? COMPAT_SLOT_EC
               : strcmp(ci->auth, "RSA") == 0 ? COMPAT_SLOT_RSA : -1;
    return slot_ready(ctx, slot) ? slot : -1;
}

/* TLS 1.2: the first suite, in the client's order (the server's with
 * SSL_OP_CIPHER_SERVER_PREFERENCE), that policy allows and we hold a
 * certificate for. */
static int slot_tls12(const SSL *s, const hello_view *v, const ssa_settings *st)
{
    bool server_pref = s->rq.options & SSL_OP_CIPHER_SERVER_PREFERENCE;
    if (server_pref) {
        for (size_t i = 0; i < st->n_tls12_suites; i++)
            for (size_t j = 0; j + 1 < v->suites_len; j += 2)
                if ((((uint16_t)v->suites[j] << 8) | v->suites[j + 1]) == st->tls12_suites[i]) {
                    int slot = slot_for_suite(s->ctx, st, st->tls12_suites[i]);
                    if (slot >= 0)
                        return slot;
                }
        return -1;
    }
    for (size_t j = 0; j + 1 < v->suites_len; j += 2) {
        int slot = slot_for_suite(s->ctx, st, ((uint16_t)v->suites[j] << 8) | v->suites[j + 1]);
        if (slot >= 0)
            return slot;
    }
    return -1;
}

int compat_choose_slot(const SSL *s)
{
    hello_view v;
    const ssa_settings *st = ssa_conn_settings(s->conn);
    int slot = -1;
    if (ssl_hello(s, &v))
        slot = offers_tls13(&v) && st->max_version >= SSA_TLS1_3 ? slot_tls13(s->ctx, &v)
                                                                 : slot_tls12(s, &v, st);
    return slot >= 0 ? slot : compat_default_slot(s->ctx);
}
