/*
 * Server name indication and the ClientHello callbacks: the servername
 * callback (SSL_CTX_set_tlsext_servername_callback, through
 * SSL_CTX_callback_ctrl), SSL_set_SSL_CTX, SSL_CTX_set_cert_cb, the
 * certificate the handshake uses (per key type, or the SSL's own), and the
 * hooks every server core context gets.
 *
 * Implementation notes: the core calls one hook while it processes the
 * ClientHello (ssa_ctx_set_sni_hook), for every ClientHello, with or
 * without a server_name extension, as OpenSSL calls its servername
 * callback. From it, in OpenSSL's order: the client hello callback, the
 * servername callback (which may SSL_set_SSL_CTX), the certificate
 * callback, then the certificate choice, which switches the connection to
 * the core context holding that certificate (ssa_conn_switch_ctx, allowed
 * only here). Versions, suites and verification stay those the handshake
 * started with, as the core documents for a switch.
 */
#include "internal.h"

static void audit_hello_failure(const char *what, int r)
{
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND, "handshake refused: the application's %s returned %d",
                    what, r);
    ssa_policy_unref(p);
}

/* OpenSSL's answers mapped onto the core's. The core sends
 * unrecognized_name for a fatal answer whatever alert the callback chose
 * (it takes no alert code); SSL_TLSEXT_ERR_ALERT_WARNING continues without
 * acknowledging the name and without the warning alert OpenSSL would send
 * in TLS 1.2. */
static ssa_sni_answer servername_answer(int r)
{
    switch (r) {
    case SSL_TLSEXT_ERR_OK: return SSA_SNI_OK;
    case SSL_TLSEXT_ERR_NOACK:
    case SSL_TLSEXT_ERR_ALERT_WARNING: return SSA_SNI_NOACK;
    default: return SSA_SNI_FATAL;
    }
}

static ssa_sni_answer run_hello_callbacks(SSL *s)
{
    int al = SSL_AD_INTERNAL_ERROR;
    SSL_CTX *ctx = s->ctx;
    /* SSL_CLIENT_HELLO_RETRY would suspend the handshake; the core cannot
     * pause inside the ClientHello, so it ends the handshake instead. */
    if (ctx->client_hello_cb) {
        int r = ctx->client_hello_cb(s, &al, ctx->client_hello_arg);
        if (r != SSL_CLIENT_HELLO_SUCCESS) {
            audit_hello_failure("client hello callback", r);
            return SSA_SNI_FATAL;
        }
    }
    ssa_sni_answer answer = SSA_SNI_OK;
    ctx = s->ctx;
    if (ctx->servername_cb) {
        al = SSL_AD_UNRECOGNIZED_NAME;
        answer = servername_answer(ctx->servername_cb(s, &al, ctx->servername_arg));
        if (answer == SSA_SNI_FATAL)
            return answer;
    }
    ctx = s->ctx; /* the servername callback may have switched it */
    if (ctx->cert_cb) {
        /* A negative answer (retry later) cannot be honoured either. */
        int r = ctx->cert_cb(s, ctx->cert_arg);
        if (r <= 0) {
            audit_hello_failure("certificate callback", r);
            return SSA_SNI_FATAL;
        }
    }
    return answer;
}

/* The core context with the certificate this handshake uses. With no
 * certificate from the context, the SSL or policy, the handshake ends
 * here: the placeholder (below) is never sent. */
static bool switch_certificate(SSL *s)
{
    int anchors, slot = compat_choose_slot(s);
    const compat_cert *c = &s->ctx->certs[slot];
    bool own = s->own.cert && s->own.key;
    if (!own && !(c->cert && c->key) && !compat_policy_has_server_cert()) {
        ssa_policy *p = ssa_policy_current();
        ssa_audit_event(p, COMPAT_FRONTEND, "handshake refused: the application's callbacks set "
                                            "no certificate, and policy names no default one");
        ssa_policy_unref(p);
        return false;
    }
    ssa_ctx *target = own ? compat_own_cert_core(s)
                          : compat_ctx_core_at(s->ctx, COMPAT_CORE_SERVER(slot), &anchors);
    if (!target)
        return false;
    bool ok = target == ssa_conn_ctx(s->conn) || ssa_conn_switch_ctx(s->conn, target) == SSA_OK;
    ssa_ctx_unref(target);
    return ok;
}

/* A verify mode set on the SSL from the callbacks (SSL_set_verify, as
 * lighttpd and nginx's servername callback do per host) takes effect for
 * this handshake: the connection is raised to it (never lowered). */
static bool apply_verify_mode(SSL *s)
{
    int mode = s->rq.verify_mode;
    ssa_client_auth want = !(mode & SSL_VERIFY_PEER) ? SSA_CLIENT_AUTH_NONE
                           : (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) ? SSA_CLIENT_AUTH_REQUIRE
                                                                      : SSA_CLIENT_AUTH_OPTIONAL;
    ssa_status st = ssa_conn_raise_client_auth(s->conn, want);
    return st == SSA_OK || st == SSA_ERR_POLICY; /* lower than now: stays */
}

static ssa_sni_answer sni_hook(ssa_conn *c, const char *name, void *arg)
{
    (void)name; /* SSL_get_servername reads it from the core */
    (void)arg;
    SSL *s = ssa_conn_user(c);
    if (!s)
        return SSA_SNI_OK;
    s->in_hello = true;
    ssa_sni_answer answer = run_hello_callbacks(s);
    if (answer != SSA_SNI_FATAL && (!switch_certificate(s) || !apply_verify_mode(s)))
        answer = SSA_SNI_FATAL;
    /* An SSL's own CA names (SSL_set_client_CA_list, lighttpd's per host). */
    if (answer != SSA_SNI_FATAL && s->client_ca
        && compat_client_ca_to_core(s->client_ca, NULL, s->conn) != SSA_OK)
        answer = SSA_SNI_FATAL;
    s->in_hello = false;
    return answer;
}

ssa_status compat_install_server_hooks(SSL_CTX *ctx, ssa_ctx *core)
{
    ssa_ctx_set_sni_hook(core, sni_hook, NULL);
    compat_alpn_install(ctx, core);
    return compat_sessions_install(ctx, core);
}

/* ---- setters ------------------------------------------------------------------ */

long compat_set_servername_cb(SSL_CTX *ctx, void (*cb)(void))
{
    ctx->servername_cb = (int (*)(SSL *, int *, void *))cb;
    return 1;
}

void compat_set_servername_arg(SSL_CTX *ctx, void *arg) { ctx->servername_arg = arg; }

void SSL_CTX_set_cert_cb(SSL_CTX *ctx, int (*cb)(SSL *, void *), void *arg)
{
    ctx->cert_cb = cb;
    ctx->cert_arg = arg;
}

/* As OpenSSL: the SSL now belongs to ctx (SSL_get_SSL_CTX says so), and a
 * handshake in its ClientHello uses ctx's certificate (switch_certificate,
 * after the callbacks). NULL keeps the current context (OpenSSL would go
 * back to the one the SSL was made with). */
SSL_CTX *SSL_set_SSL_CTX(SSL *s, SSL_CTX *ctx)
{
    if (!ctx || ctx == s->ctx)
        return s->ctx;
    SSL_CTX_up_ref(ctx);
    SSL_CTX_free(s->ctx);
    s->ctx = ctx;
    return ctx;
}

/* ---- the SSL's own certificate ------------------------------------------------- */

static int own_check(SSL *s)
{
    if (s->own.cert && s->own.key && !X509_check_private_key(s->own.cert, s->own.key)) {
        ERR_clear_error();
        EVP_PKEY_free(s->own.key);
        s->own.key = NULL;
    }
    return 1;
}

/* OpenSSL copies the context's certificates into each SSL at SSL_new, so a
 * certificate set on the SSL keeps the chain of the context's certificate
 * of the same key type, and its key where the two match. */
static void own_inherit(SSL *s)
{
    EVP_PKEY *pub = X509_get0_pubkey(s->own.cert);
    if (!pub)
        return;
    const compat_cert *slot = &s->ctx->certs[compat_slot_for_key(pub)];
    if (!s->own.chain && slot->chain)
        s->own.chain = X509_chain_up_ref(slot->chain);
    ERR_set_mark(); /* a mismatch is an answer here, not an error */
    if (!s->own.key && slot->key && X509_check_private_key(s->own.cert, slot->key)
        && EVP_PKEY_up_ref(slot->key))
        s->own.key = slot->key;
    ERR_pop_to_mark();
}

/* Takes effect for a handshake not yet past its ClientHello: before it, or
 * from inside the ClientHello callbacks (lighttpd's per-host certificate). */
int SSL_use_certificate(SSL *s, X509 *x)
{
    if (!x) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    X509_up_ref(x);
    X509_free(s->own.cert);
    s->own.cert = x;
    int ok = own_check(s);
    own_inherit(s);
    return ok;
}

int SSL_use_PrivateKey(SSL *s, EVP_PKEY *pkey)
{
    if (!pkey) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if (s->own.cert && !X509_check_private_key(s->own.cert, pkey))
        return 0; /* libcrypto put the reason on the queue */
    EVP_PKEY_up_ref(pkey);
    EVP_PKEY_free(s->own.key);
    s->own.key = pkey;
    return 1;
}

ssa_ctx *compat_own_cert_core(SSL *s)
{
    return compat_ctx_core_own(s->ctx, &s->own);
}

/* ---- a placeholder for servers whose certificate comes from callbacks ---- */

/* lighttpd sets its certificate with SSL_use_certificate from its
 * certificate callback, so its SSL_CTX has none when a handshake starts,
 * and the engine will not start a server handshake without one. Such a
 * context's core gets a placeholder: a P-256 key and a self-signed
 * certificate made once per process with libcrypto. It is never sent:
 * switch_certificate ends a handshake whose callbacks set no certificate,
 * before the server's first message. */
static X509 *placeholder_cert;
static EVP_PKEY *placeholder_key;
static pthread_once_t placeholder_once = PTHREAD_ONCE_INIT;

static void placeholder_make(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    bool ok = key && x && name && X509_set_version(x, X509_VERSION_3)
              && ASN1_INTEGER_set(X509_get_serialNumber(x), 1)
              && X509_gmtime_adj(X509_getm_notBefore(x), 0)
              && X509_gmtime_adj(X509_getm_notAfter(x), 3600)
              && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                            (const unsigned char *)"SSA placeholder, never sent",
                                            -1, -1, 0)
              && X509_set_subject_name(x, name) && X509_set_issuer_name(x, name)
              && X509_set_pubkey(x, key) && X509_sign(x, key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        EVP_PKEY_free(key);
        ERR_clear_error();
        return;
    }
    placeholder_cert = x;
    placeholder_key = key;
}

bool compat_policy_has_server_cert(void)
{
    ssa_policy *p = ssa_policy_current();
    bool has = p->server_certificate && p->server_certificate[0] && p->server_private_key
               && p->server_private_key[0];
    ssa_policy_unref(p);
    return has;
}

/* The certificate a server core context starts with when its slot has
 * none but the application's callbacks may set one: the placeholder. */
bool compat_needs_placeholder(const SSL_CTX *ctx, const compat_cert *own)
{
    return !(own && own->cert && own->key)
           && (ctx->cert_cb || ctx->client_hello_cb || ctx->servername_cb)
           && !compat_policy_has_server_cert();
}

const compat_cert *compat_placeholder(void)
{
    static compat_cert c;
    pthread_once(&placeholder_once, placeholder_make);
    c.cert = placeholder_cert;
    c.key = placeholder_key;
    return placeholder_cert ? &c : NULL;
}
