/*
 * The server's session cache and tickets: SSL_CTX_sess_set_get_cb /
 * _remove_cb (with session.c's new-session callback), SSL_CTX_remove_session,
 * SSL_CTX_set_session_id_context, SSL_SESSION_get0_hostname, and the
 * ticket key callbacks (SSL_CTX_set_tlsext_ticket_key_cb through
 * SSL_CTX_callback_ctrl, SSL_CTX_set_tlsext_ticket_key_evp_cb).
 *
 * Implementation notes: sessions cross this wall as the core's blobs
 * (the same SSL_SESSION objects a client gets), so i2d/d2i_SSL_SESSION of
 * a server session work as for a client's. The core installs the hooks
 * only where policy keeps a session cache (session_cache) or tickets
 * (session_tickets); otherwise the callbacks are never called, and every
 * handshake is a full one. The ticket callbacks get real EVP_CIPHER_CTX and
 * HMAC_CTX / EVP_MAC_CTX objects and the ticket is protected with them
 * here, as OpenSSL does: encrypt-then-MAC over key name, IV and ciphertext.
 * Without a callback, the context's own keys (made at SSL_CTX_new) are used
 * the same way.
 */
#include "internal.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

void SSL_CTX_sess_set_get_cb(SSL_CTX *ctx,
                             SSL_SESSION *(*cb)(SSL *, const unsigned char *, int, int *))
{
    ctx->sess_get_cb = cb;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++;
    pthread_mutex_unlock(&ctx->lock);
}

void SSL_CTX_sess_set_remove_cb(SSL_CTX *ctx, void (*cb)(SSL_CTX *, SSL_SESSION *))
{
    ctx->sess_remove_cb = cb;
}

/* The session leaves the application's cache through its remove callback,
 * as OpenSSL calls it for any session given here. Sessions in the engine's
 * own cache are not addressed individually: 0, as OpenSSL answers for a
 * session it did not hold. */
int SSL_CTX_remove_session(SSL_CTX *ctx, SSL_SESSION *ss)
{
    if (ss && ctx->sess_remove_cb)
        ctx->sess_remove_cb(ctx, ss);
    return 0;
}

const char *SSL_SESSION_get0_hostname(const SSL_SESSION *ss) { return ss->hostname; }

int SSL_CTX_set_session_id_context(SSL_CTX *ctx, const unsigned char *sid, unsigned int len)
{
    if (len > SSL_MAX_SID_CTX_LENGTH) {
        COMPAT_ERR(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
        return 0;
    }
    if (len)
        memcpy(ctx->sid_ctx, sid, len);
    ctx->sid_ctx_len = len;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++;
    pthread_mutex_unlock(&ctx->lock);
    return 1;
}

/* ---- the external cache ---------------------------------------------------------- */

static void session_new_hook(ssa_conn *c, const unsigned char *id, size_t id_len,
                             const unsigned char *blob, size_t len, void *arg)
{
    (void)id;
    (void)id_len;
    (void)arg;
    SSL *s = ssa_conn_user(c);
    SSL_CTX *ctx = s ? s->ctx : NULL;
    if (!ctx || !ctx->new_session_cb || !(ctx->sess_cache_mode & SSL_SESS_CACHE_SERVER))
        return;
    SSL_SESSION *ss = compat_session_from_blob(blob, len, ssa_conn_sni(c));
    if (ss && !ctx->new_session_cb(s, ss))
        SSL_SESSION_free(ss); /* 1 means the callback kept our reference */
}

static bool session_get_hook(ssa_conn *c, const unsigned char *id, size_t id_len,
                             unsigned char **blob, size_t *len, void *arg)
{
    (void)arg;
    SSL *s = ssa_conn_user(c);
    SSL_CTX *ctx = s ? s->ctx : NULL;
    if (!ctx || !ctx->sess_get_cb)
        return false;
    int copy = 1;
    SSL_SESSION *ss = ctx->sess_get_cb(s, id, (int)id_len, &copy);
    if (!ss)
        return false;
    bool ok = (*blob = malloc(ss->len)) != NULL; /* the core free()s it */
    if (ok) {
        memcpy(*blob, ss->blob, ss->len);
        *len = ss->len;
    }
    /* copy = 0: the callback gave us its reference. */
    if (!copy)
        SSL_SESSION_free(ss);
    return ok;
}

static void session_remove_hook(const unsigned char *id, size_t id_len, const unsigned char *blob,
                                size_t len, void *arg)
{
    (void)id;
    (void)id_len;
    SSL_CTX *ctx = arg;
    SSL_SESSION *ss = ctx->sess_remove_cb ? compat_session_from_blob(blob, len, NULL) : NULL;
    if (ss)
        ctx->sess_remove_cb(ctx, ss);
    SSL_SESSION_free(ss);
}

/* ---- tickets ----------------------------------------------------------------------- */

long compat_set_ticket_key_cb(SSL_CTX *ctx, void (*cb)(void))
{
    ctx->ticket_key_cb = (int (*)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *,
                                  HMAC_CTX *, int))cb;
    ctx->ticket_key_evp_cb = NULL;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++;
    pthread_mutex_unlock(&ctx->lock);
    return 1;
}

int SSL_CTX_set_tlsext_ticket_key_evp_cb(SSL_CTX *ctx,
                                         int (*cb)(SSL *, unsigned char *, unsigned char *,
                                                   EVP_CIPHER_CTX *, EVP_MAC_CTX *, int))
{
    ctx->ticket_key_evp_cb = cb;
    ctx->ticket_key_cb = NULL;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++;
    pthread_mutex_unlock(&ctx->lock);
    return 1;
}

/* The MAC state for one ticket: the legacy HMAC_CTX or an EVP_MAC_CTX. */
typedef struct ticket_mac {
    HMAC_CTX *hctx;
    EVP_MAC *mac;
    EVP_MAC_CTX *mctx;
} ticket_mac;

static bool mac_new(ticket_mac *m, bool evp)
{
    memset(m, 0, sizeof *m);
    if (!evp)
        return (m->hctx = HMAC_CTX_new()) != NULL;
    m->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    return m->mac && (m->mctx = EVP_MAC_CTX_new(m->mac)) != NULL;
}

static void mac_free(ticket_mac *m)
{
    HMAC_CTX_free(m->hctx);
    EVP_MAC_CTX_free(m->mctx);
    EVP_MAC_free(m->mac);
}

/* MAC over key name, IV and ciphertext; out is 32 bytes, zero-padded for
 * a shorter digest. */
static bool mac_compute(ticket_mac *m, const unsigned char *name, const unsigned char *iv,
                        const unsigned char *ct, size_t ct_len, unsigned char out[32])
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    size_t n = 0;
    unsigned int hn = 0;
    bool ok;
    if (m->hctx)
        ok = HMAC_Update(m->hctx, name, 16) && HMAC_Update(m->hctx, iv, 16)
             && HMAC_Update(m->hctx, ct, ct_len) && HMAC_Final(m->hctx, buf, &hn);
    else
        ok = EVP_MAC_update(m->mctx, name, 16) && EVP_MAC_update(m->mctx, iv, 16)
             && EVP_MAC_update(m->mctx, ct, ct_len)
             && EVP_MAC_final(m->mctx, buf, &n, sizeof buf);
    n = m->hctx ? hn : n;
    if (!ok || n == 0)
        return false;
    memset(out, 0, 32);
    memcpy(out, buf, n > 32 ? 32 : n);
    return true;
}

/* Without an application callback, the context's own keys, made at
 * SSL_CTX_new as OpenSSL makes them: a server that forks its workers after
 * configuring (nginx) then shares them, so a ticket from one worker
 * resumes in another. AES-256-CBC and HMAC-SHA256, OpenSSL's choice. */
int compat_ticket_keys_init(SSL_CTX *ctx)
{
    return RAND_bytes(ctx->ticket_name, sizeof ctx->ticket_name) == 1
           && RAND_priv_bytes(ctx->ticket_aes, sizeof ctx->ticket_aes) == 1
           && RAND_priv_bytes(ctx->ticket_hmac, sizeof ctx->ticket_hmac) == 1;
}

static int builtin_ticket_cb(SSL_CTX *ctx, unsigned char *name, unsigned char *iv,
                             EVP_CIPHER_CTX *cctx, HMAC_CTX *hctx, int enc)
{
    if (enc) {
        memcpy(name, ctx->ticket_name, sizeof ctx->ticket_name);
        if (RAND_bytes(iv, 16) != 1
            || !EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, ctx->ticket_aes, iv))
            return -1;
    } else {
        if (CRYPTO_memcmp(name, ctx->ticket_name, sizeof ctx->ticket_name) != 0)
            return 0; /* not one of ours */
        if (!EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, ctx->ticket_aes, iv))
            return -1;
    }
    return HMAC_Init_ex(hctx, ctx->ticket_hmac, sizeof ctx->ticket_hmac, EVP_sha256(), NULL) ? 1
                                                                                             : -1;
}

static int call_ticket_cb(SSL_CTX *ctx, SSL *s, unsigned char *name, unsigned char *iv,
                          EVP_CIPHER_CTX *cctx, ticket_mac *m, int enc)
{
    if (ctx->ticket_key_evp_cb)
        return ctx->ticket_key_evp_cb(s, name, iv, cctx, m->mctx, enc);
    if (ctx->ticket_key_cb)
        return ctx->ticket_key_cb(s, name, iv, cctx, m->hctx, enc);
    return builtin_ticket_cb(ctx, name, iv, cctx, m->hctx, enc);
}

static ssa_ticket_answer ticket_encrypt(EVP_CIPHER_CTX *cctx, ticket_mac *m,
                                        unsigned char *name, unsigned char *iv,
                                        unsigned char mac[32], unsigned char *ticket,
                                        size_t len, size_t cap, size_t *out_len)
{
    unsigned char *ct = OPENSSL_malloc(len + EVP_MAX_BLOCK_LENGTH);
    int n1 = 0, n2 = 0;
    bool ok = ct && len <= INT32_MAX && EVP_EncryptUpdate(cctx, ct, &n1, ticket, (int)len)
              && EVP_EncryptFinal_ex(cctx, ct + n1, &n2) && (size_t)(n1 + n2) <= cap
              && mac_compute(m, name, iv, ct, (size_t)(n1 + n2), mac);
    if (ok) {
        memcpy(ticket, ct, (size_t)(n1 + n2));
        *out_len = (size_t)(n1 + n2);
    }
    OPENSSL_free(ct);
    return ok ? SSA_TICKET_OK : SSA_TICKET_FATAL;
}

static ssa_ticket_answer ticket_decrypt(EVP_CIPHER_CTX *cctx, ticket_mac *m,
                                        unsigned char *name, unsigned char *iv,
                                        const unsigned char mac[32], unsigned char *ticket,
                                        size_t len, size_t *out_len)
{
    unsigned char want[32];
    if (!mac_compute(m, name, iv, ticket, len, want) || CRYPTO_memcmp(want, mac, 32) != 0)
        return SSA_TICKET_REJECT; /* not ours, or altered: a full handshake */
    unsigned char *pt = OPENSSL_malloc(len + EVP_MAX_BLOCK_LENGTH);
    int n1 = 0, n2 = 0;
    bool ok = pt && len <= INT32_MAX && EVP_DecryptUpdate(cctx, pt, &n1, ticket, (int)len)
              && EVP_DecryptFinal_ex(cctx, pt + n1, &n2) && (size_t)(n1 + n2) <= len;
    if (ok) {
        memcpy(ticket, pt, (size_t)(n1 + n2));
        *out_len = (size_t)(n1 + n2);
    }
    OPENSSL_clear_free(pt, len + EVP_MAX_BLOCK_LENGTH);
    return ok ? SSA_TICKET_OK : SSA_TICKET_REJECT;
}

/* OpenSSL's callback answers: encrypt 1 = go on, 0 = no ticket, <0 error;
 * decrypt 1 = good, 2 = good but renew, 0 = unknown key, <0 error. */
static ssa_ticket_answer ticket_hook(ssa_conn *c, bool enc, unsigned char key_name[16],
                                     unsigned char iv[16], unsigned char mac[32],
                                     unsigned char *ticket, size_t len, size_t cap,
                                     size_t *out_len, void *arg)
{
    SSL_CTX *ctx = arg;
    SSL *s = ssa_conn_user(c);
    ticket_mac m;
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    ssa_ticket_answer a = SSA_TICKET_FATAL;
    if (!s || !cctx || !mac_new(&m, ctx->ticket_key_evp_cb != NULL)) {
        EVP_CIPHER_CTX_free(cctx);
        return SSA_TICKET_FATAL;
    }
    int r = call_ticket_cb(ctx, s, key_name, iv, cctx, &m, enc ? 1 : 0);
    if (r < 0)
        a = SSA_TICKET_FATAL;
    else if (r == 0)
        a = SSA_TICKET_REJECT;
    else if (enc)
        a = ticket_encrypt(cctx, &m, key_name, iv, mac, ticket, len, cap, out_len);
    else if ((a = ticket_decrypt(cctx, &m, key_name, iv, mac, ticket, len, out_len))
             == SSA_TICKET_OK && r == 2)
        a = SSA_TICKET_RENEW;
    mac_free(&m);
    EVP_CIPHER_CTX_free(cctx);
    return a;
}

ssa_status compat_sessions_install(SSL_CTX *ctx, ssa_ctx *core)
{
    ssa_status st = SSA_OK;
    if (ctx->sid_ctx_len)
        st = ssa_ctx_set_session_id_context(core, ctx->sid_ctx, ctx->sid_ctx_len);
    bool external = (ctx->sess_cache_mode & SSL_SESS_CACHE_SERVER)
                    && (ctx->new_session_cb || ctx->sess_get_cb);
    if (st == SSA_OK && external)
        st = ssa_ctx_set_session_hooks(core, session_new_hook, session_get_hook,
                                       session_remove_hook, ctx,
                                       !(ctx->sess_cache_mode & SSL_SESS_CACHE_NO_INTERNAL_STORE));
    if (st == SSA_OK)
        st = ssa_ctx_set_ticket_hook(core, ticket_hook, ctx);
    return st;
}
