/*
 * Client sessions as byte blobs (export after a handshake, import before
 * the next), with policy's lifetime as an upper bound on reuse.
 */
#include "engine.h"
#include "id_list.h"
#include "session_seal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wolfssl/wolfcrypt/sha256.h>

ssa_status ssa_conn_session_export(ssa_conn *c, unsigned char **blob, size_t *len)
{
    *blob = NULL;
    *len = 0;
    /* A failed connection (a fatal alert, an EOF without close_notify)
     * leaves no session to resume, as OpenSSL drops it. */
    if (!c->handshake_done || !c->settings.session_cache || c->failed != SSA_OK)
        return SSA_ERR_STATE;
    WOLFSSL_SESSION *s = wolfSSL_get1_session(c->ssl);
    if (!s)
        return SSA_ERR_STATE;
    int n = wolfSSL_i2d_SSL_SESSION(s, NULL);
    unsigned char *raw = n > 0 ? malloc((size_t)n) : NULL;
    unsigned char *p = raw;
    ssa_status st = n > 0 ? SSA_ERR_NOMEM : SSA_ERR_STATE;
    if (raw && wolfSSL_i2d_SSL_SESSION(s, &p) == n)
        st = ssa_session_seal(raw, (size_t)n, blob, len);
    wolfSSL_SESSION_free(s);
    if (raw)
        memset(raw, 0, (size_t)n); /* it holds the resumption secret */
    free(raw);
    return st;
}

/* The engine's session inside a blob this process sealed, or NULL. */
static WOLFSSL_SESSION *session_unsealed(const unsigned char *blob, size_t len,
                                         size_t *consumed)
{
    const unsigned char *raw;
    size_t raw_len;
    if (ssa_session_unseal(blob, len, &raw, &raw_len) != SSA_OK || raw_len > LONG_MAX)
        return NULL;
    const unsigned char *p = raw;
    WOLFSSL_SESSION *s = wolfSSL_d2i_SSL_SESSION(NULL, &p, (long)raw_len);
    if (s && consumed)
        *consumed = (size_t)(p - blob);
    return s;
}

static bool session_too_old(const WOLFSSL_SESSION *s, long lifetime)
{
    long age = (long)time(NULL) - wolfSSL_SESSION_get_time(s);
    return age < 0 || age > lifetime;
}

ssa_status ssa_conn_session_import(ssa_conn *c, const unsigned char *blob, size_t len)
{
    if (c->ssl || c->role != SSA_ROLE_CLIENT)
        return SSA_ERR_STATE;
    if (!c->settings.session_cache)
        return SSA_ERR_POLICY;
    WOLFSSL_SESSION *s = session_unsealed(blob, len, NULL);
    if (!s)
        return SSA_ERR_ARG;
    if (session_too_old(s, c->settings.session_lifetime)) {
        wolfSSL_SESSION_free(s);
        return SSA_ERR_POLICY;
    }
    if (c->session)
        wolfSSL_SESSION_free(c->session);
    c->session = s;
    return SSA_OK;
}

static bool suite_allowed(const ssa_settings *s, uint16_t id)
{
    const uint16_t *list = s->tls13_suites;
    size_t n = s->n_tls13_suites;
    const ssa_cipher_info *ci = ssa_cipher_by_id(id);
    if (!ci)
        return false;
    if (ci->min_version < SSA_TLS1_3) {
        if (s->min_version > SSA_TLS1_2)
            return false;
        list = s->tls12_suites;
        n = s->n_tls12_suites;
    }
    return ssa_ids_contain(list, n, id);
}

/* A session made under an older, weaker policy (a suite or version no
 * longer allowed) or one that has aged past the lifetime since import is
 * dropped: a full handshake follows, instead of a resumption the engine
 * would abort. */
static bool session_still_fits(const ssa_conn *c, const WOLFSSL_SESSION *s)
{
    const char *name = wolfSSL_SESSION_CIPHER_get_name(s);
    const ssa_cipher_info *ci = name ? ssa_cipher_by_name(name) : NULL;
    return ci && suite_allowed(&c->settings, ci->id) &&
           !session_too_old(s, c->settings.session_lifetime);
}

/* What a client's session is bound to: the name it verified (or the
 * address), whether verification was enforced, and the trust it was
 * verified under. The engine stamps it into every session the connection
 * makes, as OpenSSL's session id context, and refuses a session whose
 * stamp differs: a resumption skips the certificate, so it may only stand
 * in for a verification of the same identity under the same trust. 31
 * bytes: the engine copies a context only when shorter than its 32. */
enum { IDENTITY_CONTEXT_LEN = 31 };

static void identity_context(const ssa_conn *c, unsigned char out[IDENTITY_CONTEXT_LEN])
{
    const char *name = c->verify_name ? c->verify_name : c->hostname;
    if (!name)
        name = c->peer_address ? c->peer_address : "";
    const char *store = c->ctx->app_anchors ? "application anchors" : c->ctx->policy->trust_store;
    unsigned char digest[WC_SHA256_DIGEST_SIZE];
    wc_Sha256 sha;
    wc_InitSha256(&sha);
    wc_Sha256Update(&sha, (const byte *)name, (word32)strlen(name) + 1);
    wc_Sha256Update(&sha, (const byte *)(c->verify_enforced ? "v" : "-"), 2);
    wc_Sha256Update(&sha, (const byte *)(store ? store : ""), (word32)strlen(store ? store : "") + 1);
    wc_Sha256Final(&sha, digest);
    wc_Sha256Free(&sha);
    memcpy(out, digest, IDENTITY_CONTEXT_LEN);
}

void ssa_session_apply(ssa_conn *c)
{
    unsigned char stamp[IDENTITY_CONTEXT_LEN];
    identity_context(c, stamp);
    wolfSSL_set_session_id_context(c->ssl, stamp, sizeof stamp);
    if (!c->session)
        return;
    if (!session_still_fits(c, c->session)) {
        ssa_audit_event(c->ctx->policy, c->ctx->frontend,
                        "session not resumed: it no longer fits policy (suite, version or age)");
        return;
    }
    if (wolfSSL_set_session(c->ssl, c->session) != WOLFSSL_SUCCESS)
        ssa_audit_event(c->ctx->policy, c->ctx->frontend,
                        "session not resumed: it was verified for another name or trust");
}

/* A client's blob is sealed (and must be ours); a server's, kept by the
 * front end's external cache, is the engine's own. */
static WOLFSSL_SESSION *session_parsed(const unsigned char *blob, size_t len, size_t *consumed)
{
    if (ssa_session_looks_sealed(blob, len))
        return session_unsealed(blob, len, consumed);
    const unsigned char *p = blob;
    WOLFSSL_SESSION *s = wolfSSL_d2i_SSL_SESSION(NULL, &p, (long)len);
    if (s)
        *consumed = (size_t)(p - blob);
    return s;
}

ssa_status ssa_session_facts_get(const unsigned char *blob, size_t len,
                                 ssa_session_facts *out, size_t *consumed)
{
    memset(out, 0, sizeof *out);
    *consumed = 0;
    if (!blob || len == 0 || len > LONG_MAX)
        return SSA_ERR_ARG;
    WOLFSSL_SESSION *s = session_parsed(blob, len, consumed);
    if (!s)
        return SSA_ERR_ARG;
    unsigned int id_len = 0;
    const unsigned char *id = wolfSSL_SESSION_get_id(s, &id_len);
    if (id && id_len <= sizeof out->id) {
        memcpy(out->id, id, id_len);
        out->id_len = id_len;
    }
    out->time = wolfSSL_SESSION_get_time(s);
    out->timeout = wolfSSL_SESSION_get_timeout(s);
    out->has_ticket = wolfSSL_SESSION_has_ticket(s) == 1;
    out->ticket_lifetime_hint = wolfSSL_SESSION_get_ticket_lifetime_hint(s);
    wolfSSL_SESSION_free(s);
    return SSA_OK;
}
