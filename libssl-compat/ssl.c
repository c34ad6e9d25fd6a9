/*
 * SSL: lifecycle, role, handshake, names, and the facts of a connection.
 *
 * Implementation notes: the ssa_conn is made at the first handshake step
 * (compat_ssl_start), when the role is known: the SSL's request (copied
 * from its SSL_CTX at SSL_new, as OpenSSL copies settings) is merged there
 * with policy by the core, names and transport are handed over, and from
 * then on every call maps onto one core call.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

SSL *SSL_new(SSL_CTX *ctx)
{
    if (!ctx) {
        COMPAT_ERR(SSL_R_NULL_SSL_CTX);
        return NULL;
    }
    SSL *s = OPENSSL_zalloc(sizeof *s);
    if (!s || !compat_request_copy(&s->rq, &ctx->rq)) {
        if (s)
            compat_request_clear(&s->rq);
        OPENSSL_free(s);
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    SSL_CTX_up_ref(ctx);
    s->ctx = ctx;
    /* As in OpenSSL, whatever the method, no role until a state is set
     * (SSL_connect and SSL_accept set it themselves). */
    s->role = -1;
    s->verify_depth = -1;
    CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL, s, &s->ex_data);
    /* As OpenSSL's SSL_new inherits the context's X509_VERIFY_PARAM: its
     * host (SSL_CTX_set1_param) is this connection's verify name. */
    const char *host = X509_VERIFY_PARAM_get0_host(ctx->param, 0);
    if (!(s->param = X509_VERIFY_PARAM_new()) || !X509_VERIFY_PARAM_inherit(s->param, ctx->param)
        || (host && !(s->verify_host = OPENSSL_strdup(host)))) {
        SSL_free(s);
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    return s;
}

int SSL_up_ref(SSL *s)
{
    atomic_fetch_add(&s->refs, 1);
    return 1;
}

void SSL_free(SSL *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL, s, &s->ex_data);
    ssa_conn_free(s->conn);
    /* One reference each, even when both are the same BIO: SSL_set_bio
     * took two then, as OpenSSL's does. */
    BIO_free_all(s->wbio);
    BIO_free_all(s->rbio);
    compat_request_clear(&s->rq);
    sk_X509_pop_free(s->peer_chain, X509_free);
    sk_X509_pop_free(s->verified_chain, X509_free);
    sk_X509_pop_free(s->seen_chain, X509_free);
    sk_SSL_CIPHER_free(s->ciphers);
    X509_VERIFY_PARAM_free(s->param);
    SSL_SESSION_free(s->session);
    OPENSSL_free(s->sni);
    OPENSSL_free(s->verify_host);
    X509_free(s->own.cert);
    sk_X509_pop_free(s->own.chain, X509_free);
    EVP_PKEY_free(s->own.key);
    sk_X509_NAME_pop_free(s->client_ca, X509_NAME_free);
    SSL_CTX_free(s->ctx);
    OPENSSL_free(s);
}

SSL_CTX *SSL_get_SSL_CTX(const SSL *s) { return s->ctx; }
int SSL_set_ex_data(SSL *s, int idx, void *data) { return CRYPTO_set_ex_data(&s->ex_data, idx, data); }
void *SSL_get_ex_data(const SSL *s, int idx) { return CRYPTO_get_ex_data(&s->ex_data, idx); }

/* ---- role and handshake ------------------------------------------------------ */

void SSL_set_connect_state(SSL *s) { s->role = s->conn ? s->role : SSA_ROLE_CLIENT; }
void SSL_set_accept_state(SSL *s) { s->role = s->conn ? s->role : SSA_ROLE_SERVER; }
int SSL_is_server(const SSL *s) { return s->role == SSA_ROLE_SERVER; }

/* Without a name the core can check the peer's address (policy's IP
 * fallback); a socket BIO tells us which. */
static void hand_peer_address(SSL *s)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char buf[INET6_ADDRSTRLEN];
    int fd = -1;
    if (!s->rbio || BIO_get_fd(s->rbio, &fd) <= 0 || fd < 0
        || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return;
    const void *a = ss.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
                    : ss.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                               : NULL;
    if (a && inet_ntop(ss.ss_family, a, buf, sizeof buf))
        ssa_conn_set_peer_address(s->conn, buf);
}

static ssa_status hand_over(SSL *s)
{
    ssa_request req;
    compat_request_effective(&s->rq, &req);
    const ssa_policy *p = ssa_ctx_policy(ssa_conn_ctx(s->conn));
    uint16_t asked_max = req.max_version;
    if (compat_clamp_legacy_versions(&req, p))
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "clamped: protocol versions up to %s asked; policy's %s..%s apply",
                        ssa_version_name(asked_max), ssa_version_name(p->min_version),
                        ssa_version_name(p->max_version));
    ssa_status st = ssa_conn_request(s->conn, &req, NULL);
    if (st == SSA_OK && s->sni)
        st = ssa_conn_set_hostname(s->conn, s->sni);
    if (st == SSA_OK && !s->verify_host)
        st = compat_param_apply(s);
    if (st == SSA_OK && s->verify_host)
        st = ssa_conn_set_verify_name(s->conn, s->verify_host);
    if (st == SSA_OK)
        st = compat_bio_attach(s);
    if (st == SSA_OK && s->role == SSA_ROLE_CLIENT && !s->sni && !s->verify_host)
        hand_peer_address(s);
    if (st == SSA_OK)
        compat_session_offer(s);
    return st;
}

static ssa_status conn_anchor(void *conn, const unsigned char *der, size_t len)
{
    ssa_status st = ssa_conn_trust_der(conn, der, len);
    return st == SSA_ERR_ARG ? SSA_OK : st; /* not an anchor: left out */
}

/* Clients only (a server's client CAs are in place before it accepts, and
 * its core context may be one of several: per certificate, per SNI name).
 * Nothing once the handshake is done (this runs on every read); counting
 * the store is all it costs otherwise when nothing is new. */
void compat_hand_late_anchors(SSL *s)
{
    if (s->role != SSA_ROLE_CLIENT || !s->conn || ssa_conn_handshake_done(s->conn))
        return;
    int in_store = compat_store_certs(s->ctx->store);
    if (in_store <= s->core_anchors)
        return;
    int n = 0;
    /* Refused by policy (audited by the core) or too late: the core's
     * verdict against the store it has stands, and is not asked again. */
    ssa_status st = compat_store_each_der(s->ctx->store, conn_anchor, s->conn, &n);
    if (st == SSA_OK || st == SSA_ERR_POLICY || st == SSA_ERR_STATE)
        s->core_anchors = in_store;
}

int compat_ssl_start(SSL *s, int reason_if_no_role)
{
    if (s->conn) {
        compat_hand_late_anchors(s);
        return 1;
    }
    if (s->role < 0) {
        COMPAT_ERR(reason_if_no_role);
        return 0;
    }
    if (!s->rbio || !s->wbio) {
        /* OpenSSL fails here with SSL_ERROR_SYSCALL and an empty queue. */
        s->last = SSA_ERR_SYSCALL;
        return 0;
    }
    /* A server SSL with its own certificate (SSL_use_certificate before
     * the handshake) gets a core context of its own. */
    ssa_ctx *core = s->role == SSA_ROLE_SERVER && s->own.cert && s->own.key
                        ? compat_own_cert_core(s)
                        : compat_ctx_core(s->ctx, (ssa_role)s->role, &s->core_anchors);
    if (!core)
        return 0;
    s->conn = ssa_conn_new(core);
    ssa_ctx_unref(core); /* the connection holds its own */
    if (!s->conn) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    ssa_conn_set_user(s->conn, s);
    ssa_status st = hand_over(s);
    if (st != SSA_OK) {
        s->last = st;
        compat_err_status(s, st, __func__);
    }
    return st == SSA_OK;
}

int SSL_do_handshake(SSL *s)
{
    if (!compat_ssl_start(s, SSL_R_CONNECTION_TYPE_NOT_SET))
        return -1;
    bool was_done = ssa_conn_handshake_done(s->conn);
    if (!s->hs_started) {
        s->hs_started = true;
        compat_info(s, SSL_CB_HANDSHAKE_START, 1);
    }
    ssa_status st = ssa_conn_handshake(s->conn);
    s->last = st;
    s->last_ret = st == SSA_OK ? 1 : -1;
    compat_err_status(s, st, __func__);
    compat_session_fail(s, st);
    if (st == SSA_OK)
        compat_session_capture(s, false);
    if (st == SSA_OK && !was_done)
        compat_info(s, SSL_CB_HANDSHAKE_DONE, 1);
    if (st != SSA_WANT_READ && st != SSA_WANT_WRITE)
        compat_info(s, (s->role == SSA_ROLE_SERVER ? SSL_ST_ACCEPT : SSL_ST_CONNECT) | SSL_CB_EXIT,
                    s->last_ret > 0 ? 1 : 0);
    return s->last_ret;
}

int SSL_connect(SSL *s)
{
    if (s->role < 0)
        SSL_set_connect_state(s);
    return SSL_do_handshake(s);
}

int SSL_accept(SSL *s)
{
    if (s->role < 0)
        SSL_set_accept_state(s);
    return SSL_do_handshake(s);
}

int SSL_is_init_finished(const SSL *s) { return s->conn && ssa_conn_handshake_done(s->conn); }

/* ---- names ---------------------------------------------------------------------- */

int SSL_set1_host(SSL *s, const char *host)
{
    char *copy = host ? OPENSSL_strdup(host) : NULL;
    if ((host && !copy) || (s->conn && ssa_conn_set_verify_name(s->conn, host) != SSA_OK)) {
        OPENSSL_free(copy);
        COMPAT_ERR(host && !copy ? ERR_R_MALLOC_FAILURE : ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
        return 0;
    }
    OPENSSL_free(s->verify_host);
    s->verify_host = copy;
    /* As in OpenSSL, the name is the SSL's verify parameter's host. */
    X509_VERIFY_PARAM_set1_host(s->param, host, 0);
    return 1;
}

const char *SSL_get_servername(const SSL *s, const int type)
{
    if (type != TLSEXT_NAMETYPE_host_name)
        return NULL;
    if (s->role == SSA_ROLE_SERVER)
        return s->conn ? ssa_conn_sni(s->conn) : NULL;
    return s->sni;
}

int SSL_get_servername_type(const SSL *s)
{
    return SSL_get_servername(s, TLSEXT_NAMETYPE_host_name) ? TLSEXT_NAMETYPE_host_name : -1;
}

/* ---- facts ------------------------------------------------------------------------ */

long SSL_get_verify_result(const SSL *s)
{
    return s->conn ? ssa_conn_verify_result(s->conn) : X509_V_OK;
}

int SSL_version(const SSL *s)
{
    uint16_t v = s->conn ? ssa_conn_version(s->conn) : 0;
    return v ? v : TLS_ANY_VERSION;
}

const char *SSL_get_version(const SSL *s)
{
    uint16_t v = s->conn ? ssa_conn_version(s->conn) : 0;
    return v ? ssa_version_name(v) : "unknown";
}

const SSL_CIPHER *SSL_get_current_cipher(const SSL *s)
{
    return s->conn ? (const SSL_CIPHER *)ssa_conn_cipher(s->conn) : NULL;
}

void SSL_get0_alpn_selected(const SSL *s, const unsigned char **data, unsigned int *len)
{
    const char *p = s->conn ? ssa_conn_alpn(s->conn) : NULL;
    *data = (const unsigned char *)p;
    *len = p ? (unsigned int)strlen(p) : 0;
}

int SSL_session_reused(const SSL *s) { return s->conn && ssa_conn_resumed(s->conn); }

/* A new X509 from the core's DER each time: the caller owns it. */
X509 *SSL_get1_peer_certificate(const SSL *s)
{
    size_t len = 0;
    const unsigned char *der = s->conn ? ssa_conn_peer_cert(s->conn, 0, &len) : NULL;
    return der ? d2i_X509(NULL, &der, (long)len) : NULL;
}


/* Borrowed, as OpenSSL's: made from the core's DER on first use and freed
 * with the SSL. A server's list leaves out the client's leaf, as OpenSSL's. */
STACK_OF(X509) *SSL_get_peer_cert_chain(const SSL *s)
{
    SSL *m = (SSL *)s; /* the cache is not part of the logical state */
    int n = s->conn ? ssa_conn_peer_chain_count(s->conn) : 0;
    if (m->peer_chain || n <= 0)
        return m->peer_chain;
    STACK_OF(X509) *sk = sk_X509_new_null();
    for (int i = s->role == SSA_ROLE_SERVER ? 1 : 0; sk && i < n; i++) {
        size_t len = 0;
        const unsigned char *der = ssa_conn_peer_cert(s->conn, i, &len);
        X509 *x = der ? d2i_X509(NULL, &der, (long)len) : NULL;
        if (!x || !sk_X509_push(sk, x)) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return NULL;
        }
    }
    return m->peer_chain = sk;
}

/* The SSL's own certificate and key (SSL_use_certificate), else its
 * context's current ones. Borrowed. */
X509 *SSL_get_certificate(const SSL *s)
{
    return s->own.cert ? s->own.cert : s->ctx->certs[s->ctx->cur].cert;
}

EVP_PKEY *SSL_get_privatekey(const SSL *s)
{
    return s->own.key ? s->own.key : s->ctx->certs[s->ctx->cur].key;
}

/* ---- verify callbacks --------------------------------------------------------------- */

static int store_ctx_idx = -1;
static pthread_once_t store_ctx_once = PTHREAD_ONCE_INIT;

static void store_ctx_idx_init(void)
{
    store_ctx_idx = X509_STORE_CTX_get_ex_new_index(0, "SSL for verify callback", NULL, NULL,
                                                    NULL);
}

int SSL_get_ex_data_X509_STORE_CTX_idx(void)
{
    pthread_once(&store_ctx_once, store_ctx_idx_init);
    return store_ctx_idx;
}

/* The chain the core verifies, as it goes: certificates arrive top first,
 * leaf (depth 0) last; a new round (TLS 1.3 post-handshake
 * authentication) starts over. SSL_get0_verified_chain reads it. */
static X509 *remember_verified(SSL *s, int depth, int pre, const unsigned char *der, size_t len)
{
    if (!s->seen_chain || s->seen_chain_done) {
        sk_X509_pop_free(s->seen_chain, X509_free);
        sk_X509_pop_free(s->verified_chain, X509_free);
        s->verified_chain = NULL;
        s->seen_chain = sk_X509_new_null();
        s->seen_chain_ok = true;
        s->seen_chain_done = false;
    }
    X509 *x = d2i_X509(NULL, &der, (long)len);
    if (!x || !s->seen_chain || !sk_X509_push(s->seen_chain, x)) {
        X509_free(x);
        s->seen_chain_ok = false;
        return NULL;
    }
    if (pre != X509_V_OK)
        s->seen_chain_ok = false;
    s->seen_chain_done = depth == 0;
    return x; /* borrowed: the seen chain owns it */
}

/* Host-check flags the core's own matching does not already imply (it
 * never accepts partial wildcards): python sets NO_PARTIAL_WILDCARDS on
 * every context, and NEVER_CHECK_SUBJECT when hostname_checks_common_name
 * is off. Where an application asks for such a stricter rule, libcrypto
 * checks the leaf the core accepted once more, with the application's
 * flags; it can only turn the verdict into a mismatch. */
static int host_flags_check(const SSL *s, X509 *leaf)
{
    unsigned int flags = X509_VERIFY_PARAM_get_hostflags(s->param)
                         & ~(unsigned int)X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    const char *name = s->verify_host ? s->verify_host : X509_VERIFY_PARAM_get0_host(s->param, 0);
    if (!name)
        name = s->sni;
    unsigned char ip[16];
    /* Host flags say nothing about addresses, which the core checks. */
    if (!flags || !leaf || !name || inet_pton(AF_INET, name, ip) == 1
        || inet_pton(AF_INET6, name, ip) == 1)
        return X509_V_OK;
    return X509_check_host(leaf, name, 0, flags, NULL) == 1 ? X509_V_OK
                                                             : X509_V_ERR_HOSTNAME_MISMATCH;
}

/* The application's callback sees a real X509_STORE_CTX for each
 * certificate, leaf last, with the core's verdict. Its answer can only make
 * things stricter: the core ignores an attempt to turn a failure into OK. */
int compat_verify_hook(ssa_conn *c, int depth, int pre, const unsigned char *der, size_t len,
                       void *arg)
{
    SSL *s = ssa_conn_user(c);
    (void)arg;
    X509 *seen = s ? remember_verified(s, depth, pre, der, len) : NULL;
    if (s && depth == 0 && pre == X509_V_OK && (pre = host_flags_check(s, seen)) != X509_V_OK)
        s->seen_chain_ok = false;
    if (!s || !s->rq.verify_cb)
        return pre;
    X509 *x = d2i_X509(NULL, &der, (long)len);
    if (!x)
        return X509_V_ERR_UNSPECIFIED;
    X509_STORE_CTX *sc = X509_STORE_CTX_new();
    int result = X509_V_ERR_UNSPECIFIED;
    if (sc && X509_STORE_CTX_init(sc, s->ctx->store, x, NULL)) {
        X509_STORE_CTX_set_ex_data(sc, SSL_get_ex_data_X509_STORE_CTX_idx(), s);
        X509_STORE_CTX_set_current_cert(sc, x);
        X509_STORE_CTX_set_error_depth(sc, depth);
        X509_STORE_CTX_set_error(sc, pre);
        int ok = s->rq.verify_cb(pre == X509_V_OK, sc);
        int err = X509_STORE_CTX_get_error(sc);
        result = pre != X509_V_OK ? pre
                 : ok             ? X509_V_OK
                                  : (err != X509_V_OK ? err : X509_V_ERR_APPLICATION_VERIFICATION);
    }
    X509_STORE_CTX_free(sc);
    X509_free(x);
    if (result != X509_V_OK)
        s->seen_chain_ok = false;
    return result;
}

/* ---- verification settings of one SSL ------------------------------------------------ */

ssa_status compat_param_apply(SSL *s)
{
    unsigned long weak = X509_VERIFY_PARAM_get_flags(s->param) & COMPAT_WEAKENING_VERIFY_FLAGS;
    /* Stricter checks the core does not make (CRL checking, X509_STRICT,
     * ...) are not silently dropped: the audit log says so. */
    unsigned long unenforced = X509_VERIFY_PARAM_get_flags(s->param)
                               & ~(unsigned long)(COMPAT_WEAKENING_VERIFY_FLAGS
                                                  | X509_V_FLAG_TRUSTED_FIRST);
    if (weak)
        X509_VERIFY_PARAM_clear_flags(s->param, weak);
    if (weak || unenforced) {
        ssa_policy *p = ssa_policy_current();
        if (weak)
            ssa_audit_event(p, COMPAT_FRONTEND,
                            "verify flags 0x%lx (X509_VERIFY_PARAM) refused: they would weaken "
                            "certificate verification", weak);
        if (unenforced)
            ssa_audit_event(p, COMPAT_FRONTEND,
                            "verify flags 0x%lx (X509_VERIFY_PARAM) not enforced: policy's "
                            "verification applies", unenforced);
        ssa_policy_unref(p);
    }
    const char *host = X509_VERIFY_PARAM_get0_host(s->param, 0);
    /* libcrypto reports "no address set" on the queue; it is no error here. */
    ERR_set_mark();
    char *ip = host ? NULL : X509_VERIFY_PARAM_get1_ip_asc(s->param);
    ERR_pop_to_mark();
    const char *name = host ? host : ip;
    ssa_status st = name ? ssa_conn_set_verify_name(s->conn, name) : SSA_OK;
    OPENSSL_free(ip);
    return st;
}

/* The SSL's own parameters, changed in place by the caller (python sets
 * the host or IP address to check here). They are read when the handshake
 * starts (compat_param_apply): the first host, else the IP address,
 * becomes the name the core verifies; weakening flags are removed. */
X509_VERIFY_PARAM *SSL_get0_param(SSL *s) { return s->param; }

/* As SSL_CTX_set_verify, for this SSL: SSL_VERIFY_NONE is the
 * application's wish, and where policy requires verification the merge at
 * the handshake keeps it on (and audits the clamp). Once the handshake has
 * started only the callback can still change. */
void SSL_set_verify(SSL *s, int mode, SSL_verify_cb cb)
{
    s->rq.verify_mode = mode;
    s->rq.verify_cb = cb;
}

SSL_verify_cb SSL_get_verify_callback(const SSL *s) { return s->rq.verify_cb; }

/* Client: recorded. The core's clients always accept a TLS 1.3 server's
 * request for a certificate after the handshake (they send one if they
 * have one), so this flag does not reach it. */
void SSL_set_post_handshake_auth(SSL *s, int val) { s->post_handshake_auth = val != 0; }

/* Server: ask a TLS 1.3 client for its certificate now. Fails as OpenSSL
 * fails, with its reasons: not a server, not TLS 1.3, handshake not done. */
int SSL_verify_client_post_handshake(SSL *s)
{
    if (s->role != SSA_ROLE_SERVER) {
        COMPAT_ERR(SSL_R_NOT_SERVER);
        return 0;
    }
    if (!s->conn || !ssa_conn_handshake_done(s->conn)) {
        COMPAT_ERR(SSL_R_STILL_IN_INIT);
        return 0;
    }
    if (ssa_conn_version(s->conn) != SSA_TLS1_3) {
        COMPAT_ERR(SSL_R_WRONG_SSL_VERSION);
        return 0;
    }
    ssa_status st = ssa_conn_request_post_handshake_auth(s->conn);
    if (st != SSA_OK) {
        COMPAT_ERR_MSG(SSL_R_EXTENSION_NOT_RECEIVED,
                       "the client did not offer post-handshake authentication");
        return 0;
    }
    return 1;
}

/* Recorded, never called, as SSL_CTX_set_msg_callback (ssl_ctx.c): the
 * core does not report individual protocol messages. */
void SSL_set_msg_callback(SSL *s, void (*cb)(int write_p, int version, int content_type,
                                             const void *buf, size_t len, SSL *ssl, void *arg))
{
    s->msg_cb = cb;
}

/* A hint about buffering: the engine reads records as it needs them, so
 * the value is recorded only (no behaviour depends on it in OpenSSL
 * either, beyond how many bytes one read asks the BIO for). */
void SSL_set_read_ahead(SSL *s, int yes) { s->read_ahead = yes; }

/* ---- Finished messages (tls-unique, RFC 5929) ------------------------------------------ */

/* Up to count bytes of the latest Finished this side sent (peer: received);
 * the full length is returned, 0 before the handshake. python's
 * tls-unique channel binding is made from these. */
size_t SSL_get_finished(const SSL *s, void *buf, size_t count)
{
    return s->conn ? ssa_conn_finished(s->conn, false, buf, count) : 0;
}

size_t SSL_get_peer_finished(const SSL *s, void *buf, size_t count)
{
    return s->conn ? ssa_conn_finished(s->conn, true, buf, count) : 0;
}

/* ---- the verified chain ---------------------------------------------------------------- */

/* The store the core took its anchors from: the application's (when it
 * brought some and policy lets it) or policy's own, which is loaded here
 * once per context into libcrypto objects the first time it is needed. */
static X509_STORE *anchor_store(SSL *s)
{
    SSL_CTX *ctx = s->ctx;
    ssa_policy *p = ssa_policy_current();
    X509_STORE *store = NULL;
    if (p->app_trust_anchors && s->core_anchors > 0) {
        store = ctx->store;
    } else {
        pthread_mutex_lock(&ctx->lock);
        if (!ctx->policy_store && p->trust_store && (ctx->policy_store = X509_STORE_new())) {
            struct stat st;
            bool dir = stat(p->trust_store, &st) == 0 && S_ISDIR(st.st_mode);
            if (!(dir ? X509_STORE_load_path(ctx->policy_store, p->trust_store)
                      : X509_STORE_load_file(ctx->policy_store, p->trust_store))) {
                X509_STORE_free(ctx->policy_store);
                ctx->policy_store = NULL;
            }
        }
        store = ctx->policy_store;
        pthread_mutex_unlock(&ctx->lock);
    }
    ssa_policy_unref(p);
    return store;
}

/* The trust anchor that issued the top certificate, or NULL when the top
 * certificate is itself the anchor (or none is found). New reference. */
static X509 *anchor_for(SSL *s, X509 *top)
{
    if (X509_check_issued(top, top) == X509_V_OK)
        return NULL;
    X509_STORE *store = anchor_store(s);
    X509_STORE_CTX *sc = store ? X509_STORE_CTX_new() : NULL;
    X509 *issuer = NULL;
    if (sc && X509_STORE_CTX_init(sc, store, top, NULL)
        && X509_STORE_CTX_get1_issuer(&issuer, sc, top) != 1)
        issuer = NULL;
    X509_STORE_CTX_free(sc);
    return issuer;
}

/* OpenSSL's answer: the chain from the peer's certificate to the trust
 * anchor, leaf first, as verification built it. Ours is the chain the core
 * verified (the certificates its verification saw, every one accepted)
 * with the anchor that issued its top appended. Owned by the SSL. NULL
 * before the handshake, when the peer sent no certificate, and, unlike
 * OpenSSL (which keeps what it built even for a failed verification),
 * when verification did not succeed. */
STACK_OF(X509) *SSL_get0_verified_chain(const SSL *s)
{
    SSL *m = (SSL *)s; /* the cache is not part of the logical state */
    if (m->verified_chain)
        return m->verified_chain;
    if (!s->conn || !ssa_conn_handshake_done(s->conn) || !s->seen_chain || !s->seen_chain_done
        || !s->seen_chain_ok || ssa_conn_verify_result(s->conn) != X509_V_OK)
        return NULL;
    int n = sk_X509_num(s->seen_chain);
    STACK_OF(X509) *sk = sk_X509_new_reserve(NULL, n + 1);
    for (int i = n - 1; sk && i >= 0; i--) {
        X509 *x = sk_X509_value(s->seen_chain, i);
        X509_up_ref(x);
        sk_X509_push(sk, x); /* reserved: cannot fail */
    }
    X509 *anchor = sk && n > 0 ? anchor_for(m, sk_X509_value(sk, n - 1)) : NULL;
    if (anchor)
        sk_X509_push(sk, anchor);
    return m->verified_chain = sk;
}
