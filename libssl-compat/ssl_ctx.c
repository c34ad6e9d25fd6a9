/*
 * SSL_CTX: methods, lifecycle, verification settings, trust anchors, own
 * certificate and key, cipher lists, ALPN.
 *
 * Implementation notes: setters only record what the application asked
 * (validated as OpenSSL validates it, with libcrypto doing the file work);
 * compat_ctx_core() turns the record into an ssa_ctx at the first handshake
 * of a role, and again after any later setter (`gen`), because the core
 * freezes a context at its first connection. Policy is applied by the core's
 * merge, never here.
 */
#include "internal.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

/* ---- methods ------------------------------------------------------------ */

static const SSL_METHOD method_any = {TLS_ANY_VERSION, true, true, false};
static const SSL_METHOD method_client = {TLS_ANY_VERSION, true, false, false};
static const SSL_METHOD method_server = {TLS_ANY_VERSION, false, true, false};
/* DTLS: the core offers TLS over a stream only. The methods exist, as in
 * any OpenSSL build with DTLS, so that applications which pick one only for
 * UDP (ncat -u --ssl, socat's dtls: addresses) load and keep working over
 * TCP; SSL_CTX_new refuses them with an error on the queue. */
static const SSL_METHOD method_dtls_client = {DTLS_ANY_VERSION, true, false, true};
static const SSL_METHOD method_dtls_server = {DTLS_ANY_VERSION, false, true, true};

const SSL_METHOD *TLS_method(void) { return &method_any; }
const SSL_METHOD *TLS_client_method(void) { return &method_client; }
const SSL_METHOD *TLS_server_method(void) { return &method_server; }
const SSL_METHOD *DTLS_client_method(void) { return &method_dtls_client; }
const SSL_METHOD *DTLS_server_method(void) { return &method_dtls_server; }

/* One protocol version each, as OpenSSL 3 still offers them (deprecated).
 * A context made from one asks for exactly that version; where policy's
 * floor is above it the merge leaves no version at all, and the first
 * handshake fails with the reason on the error queue, as OpenSSL's does
 * when the version is disabled ("no protocols available"). */
static const SSL_METHOD method_tls1 = {TLS1_VERSION, true, true, false};
static const SSL_METHOD method_tls1_1 = {TLS1_1_VERSION, true, true, false};
static const SSL_METHOD method_tls1_2 = {TLS1_2_VERSION, true, true, false};

const SSL_METHOD *TLSv1_method(void) { return &method_tls1; }
const SSL_METHOD *TLSv1_1_method(void) { return &method_tls1_1; }
const SSL_METHOD *TLSv1_2_method(void) { return &method_tls1_2; }

/* ---- the accumulated request --------------------------------------------- */

int compat_set_string(char **slot, const char **req_slot, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = OPENSSL_strdup(value)))
        return 0;
    OPENSSL_free(*slot);
    *slot = copy;
    *req_slot = copy;
    return 1;
}

void compat_request_clear(compat_request *rq)
{
    OPENSSL_free(rq->tls12_ciphers);
    OPENSSL_free(rq->tls13_ciphersuites);
    OPENSSL_free(rq->groups);
    OPENSSL_free(rq->sigalgs);
    memset(rq, 0, sizeof *rq);
}

int compat_request_copy(compat_request *dst, const compat_request *src)
{
    *dst = *src;
    dst->tls12_ciphers = dst->tls13_ciphersuites = dst->groups = dst->sigalgs = NULL;
    dst->req.tls12_ciphers = dst->req.tls13_ciphersuites = NULL;
    dst->req.groups = dst->req.sigalgs = NULL;
    return compat_set_string(&dst->tls12_ciphers, &dst->req.tls12_ciphers, src->tls12_ciphers)
        && compat_set_string(&dst->tls13_ciphersuites, &dst->req.tls13_ciphersuites,
                             src->tls13_ciphersuites)
        && compat_set_string(&dst->groups, &dst->req.groups, src->groups)
        && compat_set_string(&dst->sigalgs, &dst->req.sigalgs, src->sigalgs);
}

/* SSL_OP_NO_TLSv1_x narrow the version range the application allows. */
static void fold_version_options(uint64_t op, uint16_t *min, uint16_t *max)
{
    static const struct { uint16_t v; uint64_t no; } vs[] = {
        {SSA_TLS1_0, SSL_OP_NO_TLSv1}, {SSA_TLS1_1, SSL_OP_NO_TLSv1_1},
        {SSA_TLS1_2, SSL_OP_NO_TLSv1_2}, {SSA_TLS1_3, SSL_OP_NO_TLSv1_3}};
    size_t lo = 0, hi = 4;
    while (lo < hi && (op & vs[lo].no))
        lo++;
    while (hi > lo && (op & vs[hi - 1].no))
        hi--;
    if (lo == 0 && hi == 4)
        return;
    /* Everything disabled: an empty range, which the merge refuses. */
    uint16_t first = lo < hi ? vs[lo].v : SSA_TLS1_3, last = lo < hi ? vs[hi - 1].v : SSA_TLS1_0;
    if (*min < first)
        *min = first;
    if (*max == 0 || *max > last)
        *max = last;
}

void compat_request_effective(const compat_request *rq, ssa_request *out)
{
    *out = rq->req;
    fold_version_options(rq->options, &out->min_version, &out->max_version);
    if (rq->options & SSL_OP_NO_TICKET)
        out->session_tickets = 0;
    out->verify_peer = (rq->verify_mode & SSL_VERIFY_PEER) ? 1 : 0;
    out->client_auth = !(rq->verify_mode & SSL_VERIFY_PEER) ? SSA_CLIENT_AUTH_NONE
                       : (rq->verify_mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
                           ? SSA_CLIENT_AUTH_REQUIRE
                           : SSA_CLIENT_AUTH_OPTIONAL;
}

/* DESIGN.md section 4: a legacy caller's request weaker than policy is
 * clamped, not refused. A version range entirely below policy's floor
 * (nginx's "ssl_protocols TLSv1 TLSv1.1") would leave the merge nothing:
 * its maximum is dropped so that policy's range applies. */
bool compat_clamp_legacy_versions(ssa_request *req, const ssa_policy *p)
{
    if (!req->max_version || req->max_version >= p->min_version)
        return false;
    req->max_version = 0;
    if (req->min_version > p->max_version)
        req->min_version = 0;
    return true;
}

ssa_status compat_effective(const compat_request *rq, bool server, ssa_settings *out,
                            char *err, size_t errlen)
{
    ssa_request req;
    compat_request_effective(rq, &req);
    ssa_policy *p = ssa_policy_current();
    compat_clamp_legacy_versions(&req, p);
    ssa_status st = ssa_policy_merge(p, &req, server, out, err, errlen);
    ssa_policy_unref(p);
    return st;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        OPENSSL_free(v[i]);
    OPENSSL_free(v);
}

/* ---- lifecycle ------------------------------------------------------------ */

SSL_CTX *SSL_CTX_new_ex(OSSL_LIB_CTX *libctx, const char *propq, const SSL_METHOD *meth)
{
    (void)libctx; /* one engine; libcrypto's providers are not ours to pick */
    (void)propq;
    if (!meth) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return NULL;
    }
    compat_load_strings();
    compat_session_key_init();
    if (meth->dtls) {
        COMPAT_ERR_MSG(SSL_R_UNSUPPORTED_PROTOCOL,
                       "DTLS is not offered: the SSA core provides TLS over streams only");
        return NULL;
    }
    SSL_CTX *ctx = OPENSSL_zalloc(sizeof *ctx);
    if (!ctx || !(ctx->store = X509_STORE_new()) || !(ctx->param = X509_VERIFY_PARAM_new())
        || !compat_ticket_keys_init(ctx)) {
        if (ctx) {
            X509_STORE_free(ctx->store);
            X509_VERIFY_PARAM_free(ctx->param);
        }
        OPENSSL_free(ctx);
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    atomic_init(&ctx->refs, 1);
    pthread_mutex_init(&ctx->lock, NULL);
    ctx->method = meth;
    ctx->rq.req = (ssa_request)SSA_REQUEST_INIT;
    /* OpenSSL 3's defaults (SSL_CTX_new): no compression, middlebox
     * compatibility on. */
    ctx->rq.options = SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT;
    ctx->rq.mode = SSL_MODE_AUTO_RETRY;
    ctx->sess_cache_mode = SSL_SESS_CACHE_SERVER;
    ctx->num_tickets = 2; /* OpenSSL's default */
    if (meth->version != TLS_ANY_VERSION)
        ctx->rq.req.min_version = ctx->rq.req.max_version = (uint16_t)meth->version;
    ctx->verify_depth = -1;
    ctx->sess_cache_size = SSL_SESSION_CACHE_MAX_SIZE_DEFAULT;
    ctx->security_level = 1; /* OpenSSL 3's default */
    CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL_CTX, ctx, &ctx->ex_data);
    return ctx;
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth) { return SSL_CTX_new_ex(NULL, NULL, meth); }

int SSL_CTX_up_ref(SSL_CTX *ctx)
{
    atomic_fetch_add(&ctx->refs, 1);
    return 1;
}


void SSL_CTX_free(SSL_CTX *ctx)
{
    if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
        return;
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL_CTX, ctx, &ctx->ex_data);
    for (int r = 0; r < COMPAT_CORES; r++)
        ssa_ctx_unref(ctx->core[r]);
    for (size_t i = 0; i < sizeof ctx->own_cores / sizeof ctx->own_cores[0]; i++) {
        X509_free(ctx->own_cores[i].cert);
        EVP_PKEY_free(ctx->own_cores[i].key);
        sk_X509_pop_free(ctx->own_cores[i].chain, X509_free);
        ssa_ctx_unref(ctx->own_cores[i].core);
    }
    compat_request_clear(&ctx->rq);
    X509_STORE_free(ctx->store);
    X509_STORE_free(ctx->policy_store);
    X509_VERIFY_PARAM_free(ctx->param);
    free_strings(ctx->trust_files, ctx->n_trust_files);
    free_strings(ctx->trust_dirs, ctx->n_trust_dirs);
    for (int i = 0; i < COMPAT_SLOTS; i++) {
        X509_free(ctx->certs[i].cert);
        sk_X509_pop_free(ctx->certs[i].chain, X509_free);
        EVP_PKEY_free(ctx->certs[i].key);
    }
    OPENSSL_free(ctx->alpn);
    sk_X509_NAME_pop_free(ctx->client_ca, X509_NAME_free);
    pthread_mutex_destroy(&ctx->lock);
    OPENSSL_clear_free(ctx, sizeof *ctx); /* ticket keys */
}

int SSL_CTX_set_ex_data(SSL_CTX *ctx, int idx, void *data)
{
    return CRYPTO_set_ex_data(&ctx->ex_data, idx, data);
}

void *SSL_CTX_get_ex_data(const SSL_CTX *ctx, int idx)
{
    return CRYPTO_get_ex_data(&ctx->ex_data, idx);
}

/* Every setter the core sees calls this, under the lock. */
static void touched(SSL_CTX *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++;
    pthread_mutex_unlock(&ctx->lock);
}

/* ---- verification ----------------------------------------------------------- */

/* SSL_VERIFY_NONE is recorded as the application's wish; where policy
 * requires verification the merge keeps it on (and audits the clamp). */
void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb cb)
{
    ctx->rq.verify_mode = mode;
    ctx->rq.verify_cb = cb;
}

/* The effective mode: what the connection will do, not what was asked. */
static int effective_verify_mode(const compat_request *rq, bool server)
{
    ssa_settings s;
    char err[256];
    if (compat_effective(rq, server, &s, err, sizeof err) != SSA_OK)
        return rq->verify_mode;
    if (server)
        return s.client_auth == SSA_CLIENT_AUTH_NONE ? SSL_VERIFY_NONE
               : s.client_auth == SSA_CLIENT_AUTH_REQUIRE
                   ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                   : SSL_VERIFY_PEER;
    return s.verify_peer ? (rq->verify_mode | SSL_VERIFY_PEER) : SSL_VERIFY_NONE;
}

int SSL_CTX_get_verify_mode(const SSL_CTX *ctx)
{
    return effective_verify_mode(&ctx->rq, !ctx->method->client);
}

/* The SSL's own copy of the request (taken at SSL_new); its role once set,
 * else the one its method implies. */
int SSL_get_verify_mode(const SSL *s)
{
    bool server = s->role >= 0 ? s->role == SSA_ROLE_SERVER : !s->ctx->method->client;
    return effective_verify_mode(&s->rq, server);
}

SSL_verify_cb SSL_CTX_get_verify_callback(const SSL_CTX *ctx) { return ctx->rq.verify_cb; }

/* A depth limit only ever shortens the chains accepted: the core uses the
 * smaller of it and policy's verify_depth. The getter reports what was
 * set (-1: none, as OpenSSL). */
void SSL_CTX_set_verify_depth(SSL_CTX *ctx, int depth)
{
    ctx->verify_depth = depth < 0 ? -1 : depth;
    touched(ctx);
}

int SSL_CTX_get_verify_depth(const SSL_CTX *ctx) { return ctx->verify_depth; }

/* Per connection: recorded. The core sets depth per context, so a depth
 * set on one SSL applies only when it is stricter than the context's is
 * not possible: it is audited as not enforced (the context's and policy's
 * limits apply). */
void SSL_set_verify_depth(SSL *s, int depth)
{
    s->verify_depth = depth < 0 ? -1 : depth;
    if (depth >= 0 && (s->ctx->verify_depth < 0 || depth < s->ctx->verify_depth)) {
        ssa_policy *p = ssa_policy_current();
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "verify depth %d (SSL_set_verify_depth) not enforced: the context's "
                        "(%d) and policy's (%d) limits apply", depth, s->ctx->verify_depth,
                        p->verify_depth);
        ssa_policy_unref(p);
    }
}

/* OpenSSL's security levels restrict key sizes and algorithms. Policy sets
 * those (min_rsa_bits, min_ec_bits, min_signature_hash, suites, versions,
 * tickets): a level is recorded; one above what policy enforces is audited
 * as not enforced, one below it changes nothing (policy's floors stay).
 * SSL_CTX_get_security_level reports the enforced level. */
void SSL_CTX_set_security_level(SSL_CTX *ctx, int level)
{
    ctx->security_level = level;
    int enforced = SSL_CTX_get_security_level(ctx);
    if (level > enforced) {
        ssa_policy *p = ssa_policy_current();
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "security level %d (SSL_CTX_set_security_level) not enforced beyond "
                        "policy's level %d (min_rsa_bits %d, min_ec_bits %d, "
                        "min_signature_hash %s)", level, enforced, p->min_rsa_bits,
                        p->min_ec_bits, ssa_sig_hash_name(p->min_signature_hash));
        ssa_policy_unref(p);
    }
}

static int push_path(char ***v, size_t *n, const char *path)
{
    char **grown = OPENSSL_realloc(*v, (*n + 1) * sizeof **v);
    if (!grown)
        return 0;
    *v = grown;
    if (!(grown[*n] = OPENSSL_strdup(path)))
        return 0;
    (*n)++;
    return 1;
}

/* libcrypto loads them first, so a bad file fails here with OpenSSL's own
 * errors; the core then gets the same paths (they replace, never widen,
 * the policy's store, as DESIGN.md section 4 says). */
int SSL_CTX_load_verify_locations(SSL_CTX *ctx, const char *file, const char *dir)
{
    if (!file && !dir) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if (file && !X509_STORE_load_file(ctx->store, file))
        return 0;
    if (dir && !X509_STORE_load_path(ctx->store, dir))
        return 0;
    if ((file && !push_path(&ctx->trust_files, &ctx->n_trust_files, file))
        || (dir && !push_path(&ctx->trust_dirs, &ctx->n_trust_dirs, dir))) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    touched(ctx);
    return 1;
}

/* The "default paths" of this libssl are the administrator's trust store,
 * which the core uses whenever the application brings no anchors. */
int SSL_CTX_set_default_verify_paths(SSL_CTX *ctx)
{
    (void)ctx;
    return 1;
}

/* SSL_CTX_set1_param: OpenSSL copies the X509_VERIFY_PARAM into the
 * context's own, and every later SSL_new inherits it. Policy verifies every
 * connection, so a parameter can only make verification stricter:
 *   - the first host (X509_VERIFY_PARAM_set1_host) becomes each new SSL's
 *     verify name, checked by the core (SSL_set1_host overrides it, as in
 *     OpenSSL); further hosts would widen the accepted names and are not
 *     used (a connection then accepts the first host only);
 *   - flags that would weaken verification (partial chains, no time check,
 *     ignored critical extensions, proxy certificates) are removed from the
 *     stored parameter and audited; X509_V_FLAG_TRUSTED_FIRST is how the
 *     core builds chains anyway and is kept;
 *   - what the core cannot enforce (other flags, host-check flags, depth,
 *     IP address, e-mail) is kept in the stored parameter and audited as not
 *     enforced; purpose, trust and policy OIDs are kept, not enforced (OpenSSL
 *     3.0 has no getter for the purpose). The connection is verified by
 *     policy's rules either way, never more loosely than policy allows.
 * The setter succeeds unless the copy fails (as in OpenSSL). */
#define WEAKENING_VERIFY_FLAGS COMPAT_WEAKENING_VERIFY_FLAGS
#define NEUTRAL_VERIFY_FLAGS (X509_V_FLAG_TRUSTED_FIRST)

int SSL_CTX_set1_param(SSL_CTX *ctx, X509_VERIFY_PARAM *vpm)
{
    if (!vpm) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    X509_VERIFY_PARAM *copy = X509_VERIFY_PARAM_new();
    if (!copy || !X509_VERIFY_PARAM_set1(copy, vpm)) {
        X509_VERIFY_PARAM_free(copy);
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    unsigned long flags = X509_VERIFY_PARAM_get_flags(copy);
    unsigned long weak = flags & WEAKENING_VERIFY_FLAGS;
    unsigned long unenforced = flags & ~(unsigned long)(WEAKENING_VERIFY_FLAGS | NEUTRAL_VERIFY_FLAGS);
    if (weak)
        X509_VERIFY_PARAM_clear_flags(copy, weak);
    ssa_policy *p = ssa_policy_current();
    if (weak)
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "verify flags 0x%lx (SSL_CTX_set1_param) refused: they would weaken "
                        "certificate verification", weak);
    if (unenforced)
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "verify flags 0x%lx (SSL_CTX_set1_param) not enforced: policy's "
                        "verification applies", unenforced);
    if (X509_VERIFY_PARAM_get_hostflags(copy))
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "host-check flags 0x%x (SSL_CTX_set1_param) not enforced: policy's "
                        "name matching applies", X509_VERIFY_PARAM_get_hostflags(copy));
    if (X509_VERIFY_PARAM_get0_host(copy, 1))
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "more than one host (SSL_CTX_set1_param): only the first, \"%s\", "
                        "is accepted", X509_VERIFY_PARAM_get0_host(copy, 0));
    ERR_set_mark(); /* "no address set" is no error here */
    char *ip = X509_VERIFY_PARAM_get1_ip_asc(copy);
    ERR_pop_to_mark();
    if (ip || X509_VERIFY_PARAM_get0_email(copy)
        || X509_VERIFY_PARAM_get_depth(copy) >= 0)
        ssa_audit_event(p, COMPAT_FRONTEND,
                        "IP address, e-mail or depth (SSL_CTX_set1_param) not "
                        "enforced: policy's verification applies");
    OPENSSL_free(ip);
    ssa_policy_unref(p);
    X509_VERIFY_PARAM_free(ctx->param);
    ctx->param = copy;
    return 1;
}

/* The context's parameter object itself, as OpenSSL hands it out: the
 * caller changes it in place (python sets its flags and host-check flags
 * this way). Connections made afterwards copy it (SSL_new); what a copy
 * asks for is honoured at the handshake as SSL_CTX_set1_param describes
 * (compat_param_apply in ssl.c), never more loosely than policy allows. */
X509_VERIFY_PARAM *SSL_CTX_get0_param(SSL_CTX *ctx) { return ctx->param; }

X509_STORE *SSL_CTX_get_cert_store(const SSL_CTX *ctx) { return ctx->store; }

/* As OpenSSL: the context takes the caller's reference and frees the old
 * store. The paths loaded into the old store went with it. Whatever
 * certificates the store holds when the core context is built become its
 * anchors (core_configure), so certificates the application adds itself
 * (X509_STORE_add_cert, X509_STORE_load_file, as curl does) count too.
 * Not seen by the core: hashed-directory lookups added to the store
 * directly (X509_STORE_load_path) rather than through
 * SSL_CTX_load_verify_locations, and CRLs. */
void SSL_CTX_set_cert_store(SSL_CTX *ctx, X509_STORE *store)
{
    X509_STORE_free(ctx->store);
    ctx->store = store;
    free_strings(ctx->trust_files, ctx->n_trust_files);
    free_strings(ctx->trust_dirs, ctx->n_trust_dirs);
    ctx->trust_files = ctx->trust_dirs = NULL;
    ctx->n_trust_files = ctx->n_trust_dirs = 0;
    touched(ctx);
}

/* Server: one more CA name for the CertificateRequest (client_ca.c says
 * how the list reaches the core); it does not decide which client
 * certificates are accepted (the trust anchors do). */
int SSL_CTX_add_client_CA(SSL_CTX *ctx, X509 *x)
{
    if (!x) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if (!ctx->client_ca && !(ctx->client_ca = sk_X509_NAME_new_null())) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    X509_NAME *name = X509_NAME_dup(X509_get_subject_name(x));
    if (!name || !sk_X509_NAME_push(ctx->client_ca, name)) {
        X509_NAME_free(name);
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    touched(ctx);
    return 1;
}

/* Client: recorded, as OpenSSL records it for the next SSL_new. Whether a
 * client offers post-handshake authentication is the core's decision
 * (servers ask through ssa_conn_request_post_handshake_auth); this flag
 * does not reach it. */
void SSL_CTX_set_post_handshake_auth(SSL_CTX *ctx, int val) { ctx->post_handshake_auth = val != 0; }

/* ---- callbacks and SRP --------------------------------------------------------- */

/* Key logging is honoured only where policy says keylog = true: the hook is
 * installed when the core context is built (core_configure) and the core
 * refuses it otherwise, writing the refusal to the audit log. The setter is
 * void in OpenSSL, so a refusal leaves nothing on the error queue; the
 * callback is then never called. */
void SSL_CTX_set_keylog_callback(SSL_CTX *ctx, SSL_CTX_keylog_cb_func cb)
{
    ctx->keylog_cb = cb;
    touched(ctx);
}

SSL_CTX_keylog_cb_func SSL_CTX_get_keylog_callback(const SSL_CTX *ctx) { return ctx->keylog_cb; }

static void keylog_hook(ssa_conn *c, const char *line, void *arg)
{
    SSL_CTX *ctx = arg;
    SSL *s = ssa_conn_user(c);
    if (s && ctx->keylog_cb)
        ctx->keylog_cb(s, line);
}

/* Recorded, never called: the core does not report individual protocol
 * messages (records, handshake messages, alerts) to its front ends, so
 * this libssl cannot feed a message callback. The setter is void in
 * OpenSSL; it succeeds and the callback simply stays silent (curl -v then
 * prints no "TLS handshake" trace lines). */
void SSL_CTX_set_msg_callback(SSL_CTX *ctx,
                              void (*cb)(int write_p, int version, int content_type,
                                         const void *buf, size_t len, SSL *ssl, void *arg))
{
    ctx->msg_cb = cb;
}

/* SRP is not among the key exchanges SSA policy offers: the setters fail
 * as OpenSSL's fail (0, error on the queue), saying why, and the request is
 * audited. */
static int refuse_srp(const char *func)
{
    compat_err(COMPAT_R_POLICY_REFUSED, func, "SRP is not offered under SSA policy");
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND, "refused: SRP (%s): not a key exchange policy offers", func);
    ssa_policy_unref(p);
    return 0;
}

int SSL_CTX_set_srp_username(SSL_CTX *ctx, char *name)
{
    (void)ctx;
    (void)name;
    return refuse_srp(__func__);
}

int SSL_CTX_set_srp_password(SSL_CTX *ctx, char *password)
{
    (void)ctx;
    (void)password;
    return refuse_srp(__func__);
}

/* ---- own certificate and key ----------------------------------------------- */

static BIO *open_file(const char *file)
{
    BIO *b = BIO_new_file(file, "r");
    if (!b)
        COMPAT_ERR_MSG(ERR_R_SYS_LIB, "cannot open %s", file);
    return b;
}

int compat_slot_for_key(const EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: return COMPAT_SLOT_RSA;
    case EVP_PKEY_EC: return COMPAT_SLOT_EC;
    default: return COMPAT_SLOT_OTHER;
    }
}

/* As OpenSSL: the certificate goes to the slot of its key type, which
 * becomes the current one; a key already there that does not match it is
 * dropped (OpenSSL clears it too). */
int SSL_CTX_use_certificate(SSL_CTX *ctx, X509 *x)
{
    EVP_PKEY *pub = x ? X509_get0_pubkey(x) : NULL;
    if (!x || !pub) {
        COMPAT_ERR(x ? SSL_R_X509_LIB : ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    compat_cert *slot = &ctx->certs[ctx->cur = compat_slot_for_key(pub)];
    X509_up_ref(x);
    X509_free(slot->cert);
    slot->cert = x;
    if (slot->key && !X509_check_private_key(x, slot->key)) {
        ERR_clear_error();
        EVP_PKEY_free(slot->key);
        slot->key = NULL;
    }
    touched(ctx);
    return 1;
}

int SSL_CTX_use_certificate_file(SSL_CTX *ctx, const char *file, int type)
{
    BIO *b = open_file(file);
    if (!b)
        return 0;
    X509 *x = type == SSL_FILETYPE_PEM ? PEM_read_bio_X509(b, NULL, NULL, NULL)
              : type == SSL_FILETYPE_ASN1 ? d2i_X509_bio(b, NULL) : NULL;
    BIO_free(b);
    if (!x) {
        COMPAT_ERR(type == SSL_FILETYPE_PEM ? ERR_R_PEM_LIB
                   : type == SSL_FILETYPE_ASN1 ? ERR_R_ASN1_LIB : SSL_R_BAD_SSL_FILETYPE);
        return 0;
    }
    int ok = SSL_CTX_use_certificate(ctx, x);
    X509_free(x);
    return ok;
}

int SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file)
{
    BIO *b = open_file(file);
    if (!b)
        return 0;
    X509 *leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *x;
    while (leaf && chain && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
        sk_X509_push(chain, x);
    /* Running out of certificates is the normal end, not an error. */
    if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE)
        ERR_clear_error();
    BIO_free(b);
    if (!leaf || !chain || ERR_peek_error()) {
        X509_free(leaf);
        sk_X509_pop_free(chain, X509_free);
        COMPAT_ERR(ERR_R_PEM_LIB);
        return 0;
    }
    int ok = SSL_CTX_use_certificate(ctx, leaf);
    X509_free(leaf);
    if (ok) {
        sk_X509_pop_free(ctx->certs[ctx->cur].chain, X509_free);
        ctx->certs[ctx->cur].chain = chain;
    } else {
        sk_X509_pop_free(chain, X509_free);
    }
    return ok;
}

int SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey)
{
    if (!pkey) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    /* As OpenSSL: the key goes to the slot of its type; one that does not
     * match the certificate already there is refused
     * (X509_check_private_key reports why on the queue). */
    compat_cert *slot = &ctx->certs[compat_slot_for_key(pkey)];
    if (slot->cert && !X509_check_private_key(slot->cert, pkey))
        return 0;
    EVP_PKEY_up_ref(pkey);
    EVP_PKEY_free(slot->key);
    slot->key = pkey;
    ctx->cur = (int)(slot - ctx->certs);
    touched(ctx);
    return 1;
}

int SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type)
{
    BIO *b = open_file(file);
    if (!b)
        return 0;
    EVP_PKEY *k = type == SSL_FILETYPE_PEM ? PEM_read_bio_PrivateKey(b, NULL, ctx->passwd_cb, ctx->passwd_arg)
                  : type == SSL_FILETYPE_ASN1 ? d2i_PrivateKey_bio(b, NULL) : NULL;
    BIO_free(b);
    if (!k) {
        COMPAT_ERR(type == SSL_FILETYPE_PEM ? ERR_R_PEM_LIB
                   : type == SSL_FILETYPE_ASN1 ? ERR_R_ASN1_LIB : SSL_R_BAD_SSL_FILETYPE);
        return 0;
    }
    int ok = SSL_CTX_use_PrivateKey(ctx, k);
    EVP_PKEY_free(k);
    return ok;
}

void SSL_CTX_set_default_passwd_cb(SSL_CTX *ctx, pem_password_cb *cb) { ctx->passwd_cb = cb; }

void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX *ctx, void *u) { ctx->passwd_arg = u; }

pem_password_cb *SSL_CTX_get_default_passwd_cb(SSL_CTX *ctx) { return ctx->passwd_cb; }

void *SSL_CTX_get_default_passwd_cb_userdata(SSL_CTX *ctx) { return ctx->passwd_arg; }

int SSL_CTX_check_private_key(const SSL_CTX *ctx)
{
    const compat_cert *slot = &ctx->certs[ctx->cur];
    if (!slot->cert) {
        COMPAT_ERR(SSL_R_NO_CERTIFICATE_ASSIGNED);
        return 0;
    }
    if (!slot->key) {
        COMPAT_ERR(SSL_R_NO_PRIVATE_KEY_ASSIGNED);
        return 0;
    }
    return X509_check_private_key(slot->cert, slot->key); /* pushes its own error */
}

/* ---- cipher lists and ALPN ---------------------------------------------------- */

/* Where a request keeps its cipher list of one kind. */
static void list_slots(compat_request *rq, bool tls13, char ***slot, const char ***req_slot)
{
    *slot = tls13 ? &rq->tls13_ciphersuites : &rq->tls12_ciphers;
    *req_slot = tls13 ? &rq->req.tls13_ciphersuites : &rq->req.tls12_ciphers;
}

/* A list that policy leaves nothing of fails here, as a list that matches
 * nothing fails in OpenSSL, rather than at the handshake. */
/* A list policy leaves empty is refused (the application keeps its old
 * list); the administrator sees what was asked for. */
static void audit_refused_list(bool tls13, const char *str, const char *why)
{
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND, "refused: %s \"%.200s\": %s",
                    tls13 ? "ciphersuites" : "ciphers", str, why);
    ssa_policy_unref(p);
}

static int set_list(compat_request *rq, bool server, bool tls13, const char *str)
{
    /* A TLS 1.2 string that selects nothing at all ("" or only unknown
     * words) fails as in OpenSSL, before policy is consulted. */
    uint16_t ids[SSA_MAX_SUITES];
    size_t n = 0;
    char why[128];
    if (!tls13 && (!str || ssa_cipher_string_eval(str, ids, SSA_MAX_SUITES, &n, why, sizeof why) != SSA_OK)) {
        COMPAT_ERR(SSL_R_NO_CIPHER_MATCH);
        return 0;
    }
    compat_request trial;
    char **slot;
    const char **req_slot;
    bool ok = compat_request_copy(&trial, rq);
    list_slots(&trial, tls13, &slot, &req_slot);
    ok = ok && compat_set_string(slot, req_slot, str);
    ssa_settings s;
    char err[256] = "";
    ssa_status st = ok ? compat_effective(&trial, server, &s, err, sizeof err)
                       : SSA_ERR_NOMEM;
    compat_request_clear(&trial);
    list_slots(rq, tls13, &slot, &req_slot);
    if (st == SSA_OK && !compat_set_string(slot, req_slot, str))
        st = SSA_ERR_NOMEM;
    if (st == SSA_ERR_NOMEM)
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
    else if (st != SSA_OK)
        COMPAT_ERR_MSG(SSL_R_NO_CIPHER_MATCH, "%s%s", err,
                       st == SSA_ERR_POLICY ? " (SSA policy)" : "");
    /* Callers often replace the error with their own words (python: "No
     * cipher can be selected."): the audit log keeps policy's. */
    if (st == SSA_ERR_POLICY)
        audit_refused_list(tls13, str, err);
    return st == SSA_OK;
}

static int ctx_set_list(SSL_CTX *ctx, bool tls13, const char *str)
{
    return set_list(&ctx->rq, !ctx->method->client, tls13, str);
}

int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str) { return ctx_set_list(ctx, false, str); }
int SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str) { return ctx_set_list(ctx, true, str); }

/* The SSL's own list, handed to its connection at the first handshake
 * step (ssl.c, hand_over); once the handshake has begun it is recorded
 * only, as there is no renegotiation for it to affect. */
int SSL_set_cipher_list(SSL *s, const char *str)
{
    bool server = s->role >= 0 ? s->role == SSA_ROLE_SERVER : !s->ctx->method->client;
    return set_list(&s->rq, server, false, str);
}

static bool alpn_wire_ok(const unsigned char *p, unsigned int len)
{
    for (unsigned int i = 0; i < len; i += 1u + p[i])
        if (p[i] == 0 || i + 1u + p[i] > len)
            return false;
    return true;
}

/* Note the inverted convention: 0 is success, as OpenSSL documents. */
int SSL_CTX_set_alpn_protos(SSL_CTX *ctx, const unsigned char *protos, unsigned int len)
{
    if (len > 0 && (!protos || !alpn_wire_ok(protos, len)))
        return 1; /* OpenSSL 3.0 refuses without an error on the queue */
    if (len > SSA_MAX_ALPN_WIRE) {
        COMPAT_ERR_MSG(SSL_R_BAD_LENGTH, "ALPN list of %u bytes: at most %d", len,
                       SSA_MAX_ALPN_WIRE);
        return 1;
    }
    unsigned char *copy = len ? OPENSSL_memdup(protos, len) : NULL;
    if (len && !copy) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 1;
    }
    OPENSSL_free(ctx->alpn);
    ctx->alpn = copy;
    ctx->alpn_len = len;
    touched(ctx);
    return 0;
}

/* ---- the core context ----------------------------------------------------------- */

/* The chain as PEM and the key as PKCS#8 PEM, in memory only: the wall
 * between libcrypto objects and the core. */
static ssa_status core_use_cert(ssa_ctx *core, X509 *cert, STACK_OF(X509) *chain, EVP_PKEY *key)
{
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_secmem());
    ssa_status st = SSA_ERR_NOMEM;
    bool ok = cb && kb && PEM_write_bio_X509(cb, cert)
              && PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL);
    for (int i = 0; ok && i < sk_X509_num(chain); i++)
        ok = PEM_write_bio_X509(cb, sk_X509_value(chain, i));
    if (ok) {
        char *c, *k;
        long cl = BIO_get_mem_data(cb, &c), kl = BIO_get_mem_data(kb, &k);
        st = ssa_ctx_use_certificate_mem(core, (unsigned char *)c, (size_t)cl, true,
                                         (unsigned char *)k, (size_t)kl, true);
    }
    BIO_free(cb);
    BIO_free(kb);
    return st;
}

int compat_verify_hook(ssa_conn *c, int depth, int pre, const unsigned char *der, size_t len,
                       void *arg);

int compat_store_certs(X509_STORE *store)
{
    if (!store)
        return 0;
    int n = 0;
    X509_STORE_lock(store);
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++)
        n += X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) == X509_LU_X509;
    X509_STORE_unlock(store);
    return n;
}

ssa_status compat_store_each_der(X509_STORE *store, compat_der_fn fn, void *arg, int *count)
{
    *count = 0;
    if (!store)
        return SSA_OK;
    ssa_status st = SSA_OK;
    X509_STORE_lock(store);
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objs) && st == SSA_OK; i++) {
        X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
        if (!x)
            continue;
        unsigned char *der = NULL;
        int n = i2d_X509(x, &der);
        ++*count;
        st = n > 0 ? fn(arg, der, (size_t)n) : SSA_ERR_NOMEM;
        OPENSSL_free(der);
    }
    X509_STORE_unlock(store);
    return st;
}

/* A certificate the core cannot take as an anchor (an expired root from
 * the system bundle, as ncat loads it: libcrypto keeps those, the core
 * refuses them) is left out rather than failing the whole context: no
 * chain could verify to it anyway, and leaving an anchor out only narrows
 * trust. Policy may forbid application anchors: the core refuses them
 * (and audits it) and the administrator's store stays. */
static ssa_status ctx_anchor(void *core, const unsigned char *der, size_t len)
{
    ssa_status st = ssa_ctx_trust_der(core, der, len);
    return st == SSA_ERR_POLICY || st == SSA_ERR_ARG ? SSA_OK : st;
}

int compat_default_slot(const SSL_CTX *ctx)
{
    for (int i = 0; i < COMPAT_SLOTS; i++)
        if (ctx->certs[i].cert && ctx->certs[i].key)
            return i;
    return COMPAT_SLOT_RSA;
}

static ssa_status core_configure(SSL_CTX *ctx, ssa_ctx *core, const compat_cert *own,
                                 bool server, int *anchors)
{
    /* The context-wide part of the request (session cache, tickets,
     * lifetime; the rest is per connection too): a request policy leaves
     * nothing of is reported by the connection's own merge, in words. */
    ssa_request req;
    compat_request_effective(&ctx->rq, &req);
    compat_clamp_legacy_versions(&req, ssa_ctx_policy(core));
    /* Caching only where both allow it: nginx's "ssl_session_cache off". */
    if (server && !(ctx->sess_cache_mode & SSL_SESS_CACHE_SERVER))
        req.session_cache = 0;
    (void)ssa_ctx_request(core, &req, NULL);
    ssa_status st = SSA_OK;
    /* Policy may forbid application anchors: the core refuses them and the
     * administrator's store stays, which is the stricter outcome. */
    for (size_t i = 0; i < ctx->n_trust_files && st == SSA_OK; i++)
        if ((st = ssa_ctx_trust_file(core, ctx->trust_files[i])) == SSA_ERR_POLICY)
            st = SSA_OK;
    for (size_t i = 0; i < ctx->n_trust_dirs && st == SSA_OK; i++)
        if ((st = ssa_ctx_trust_dir(core, ctx->trust_dirs[i])) == SSA_ERR_POLICY)
            st = SSA_OK;
    /* Certificates in the X509_STORE, however they got there. */
    if (st == SSA_OK)
        st = compat_store_each_der(ctx->store, ctx_anchor, core, anchors);
    /* Refused by policy: audited by the core, nothing for the queue. */
    if (st == SSA_OK && ctx->keylog_cb
        && (st = ssa_ctx_set_keylog_hook(core, keylog_hook, ctx)) == SSA_ERR_POLICY)
        st = SSA_OK;
    if (st == SSA_OK && ctx->alpn)
        st = ssa_ctx_set_alpn_wire(core, ctx->alpn, ctx->alpn_len);
    if (server && compat_needs_placeholder(ctx, own))
        own = compat_placeholder();
    if (st == SSA_OK && own && own->cert && own->key)
        st = core_use_cert(core, own->cert, own->chain, own->key);
    if (st == SSA_OK && ctx->verify_depth >= 0)
        st = ssa_ctx_set_verify_depth(core, ctx->verify_depth);
    if (st == SSA_OK && server)
        st = compat_install_server_hooks(ctx, core);
    if (st == SSA_OK && server && sk_X509_NAME_num(ctx->client_ca) > 0)
        st = compat_client_ca_to_core(ctx->client_ca, core, NULL);
    ssa_ctx_set_verify_hook(core, compat_verify_hook, ctx);
    return st;
}

/* idx: COMPAT_CORE_CLIENT or COMPAT_CORE_SERVER(slot). */
ssa_ctx *compat_ctx_core_at(SSL_CTX *ctx, int idx, int *anchors)
{
    ssa_role role = idx == COMPAT_CORE_CLIENT ? SSA_ROLE_CLIENT : SSA_ROLE_SERVER;
    /* Certificates added to the store behind our back (X509_STORE_add_cert,
     * X509_STORE_load_file on SSL_CTX_get_cert_store) change it too. */
    int in_store = compat_store_certs(ctx->store);
    pthread_mutex_lock(&ctx->lock);
    if (ctx->core[idx] && (ctx->core_gen[idx] != ctx->gen || ctx->core_anchors[idx] != in_store)) {
        ssa_ctx_unref(ctx->core[idx]); /* connections keep their own refs */
        ctx->core[idx] = NULL;
    }
    ssa_status st = SSA_OK;
    if (!ctx->core[idx]) {
        ssa_ctx *core = ssa_ctx_new(role, COMPAT_FRONTEND);
        int n = 0;
        bool server = role == SSA_ROLE_SERVER;
        /* A client presents its context's current certificate, if any. */
        const compat_cert *own = server ? &ctx->certs[idx - 1] : &ctx->certs[ctx->cur];
        st = core ? core_configure(ctx, core, own, server, &n) : SSA_ERR_NOMEM;
        if (st == SSA_OK) {
            ctx->core[idx] = core;
            ctx->core_gen[idx] = ctx->gen;
            ctx->core_anchors[idx] = n;
        } else {
            ssa_ctx_unref(core);
        }
    }
    ssa_ctx *ref = ctx->core[idx] ? ssa_ctx_ref(ctx->core[idx]) : NULL;
    *anchors = ctx->core_anchors[idx];
    pthread_mutex_unlock(&ctx->lock);
    if (!ref)
        COMPAT_ERR_MSG(st == SSA_ERR_POLICY ? COMPAT_R_POLICY_REFUSED : COMPAT_R_CORE_FAILURE,
                       "context setup: %s", ssa_status_name(st));
    return ref;
}

ssa_ctx *compat_ctx_core(SSL_CTX *ctx, ssa_role role, int *anchors)
{
    return compat_ctx_core_at(ctx, role == SSA_ROLE_CLIENT ? COMPAT_CORE_CLIENT
                                   : COMPAT_CORE_SERVER(compat_default_slot(ctx)), anchors);
}

/* Same certificate objects (SSL_set1_chain copies the stack, not the
 * certificates). */
static bool same_chain(STACK_OF(X509) *a, STACK_OF(X509) *b)
{
    if (sk_X509_num(a) != sk_X509_num(b))
        return false;
    for (int i = 0; i < sk_X509_num(a); i++)
        if (sk_X509_value(a, i) != sk_X509_value(b, i))
            return false;
    return true;
}

/* A small cache, replaced round-robin: servers hand the same few
 * certificate objects to many connections. */
ssa_ctx *compat_ctx_core_own(SSL_CTX *ctx, const compat_cert *own)
{
    size_t n = sizeof ctx->own_cores / sizeof ctx->own_cores[0];
    ssa_ctx *ref = NULL;
    ssa_status st = SSA_OK;
    pthread_mutex_lock(&ctx->lock);
    for (size_t i = 0; i < n && !ref; i++)
        if (ctx->own_cores[i].core && ctx->own_cores[i].cert == own->cert
            && ctx->own_cores[i].key == own->key && ctx->own_cores[i].gen == ctx->gen
            && same_chain(ctx->own_cores[i].chain, own->chain))
            ref = ssa_ctx_ref(ctx->own_cores[i].core);
    if (!ref) {
        ssa_ctx *core = ssa_ctx_new(SSA_ROLE_SERVER, COMPAT_FRONTEND);
        int anchors = 0;
        st = core ? core_configure(ctx, core, own, true, &anchors) : SSA_ERR_NOMEM;
        if (st == SSA_OK) {
            size_t i = ctx->own_next++ % n;
            X509_free(ctx->own_cores[i].cert);
            EVP_PKEY_free(ctx->own_cores[i].key);
            sk_X509_pop_free(ctx->own_cores[i].chain, X509_free);
            ssa_ctx_unref(ctx->own_cores[i].core);
            ctx->own_cores[i].chain = own->chain ? X509_chain_up_ref(own->chain) : NULL;
            X509_up_ref(own->cert);
            EVP_PKEY_up_ref(own->key);
            ctx->own_cores[i].cert = own->cert;
            ctx->own_cores[i].key = own->key;
            ctx->own_cores[i].core = core;
            ctx->own_cores[i].gen = ctx->gen;
            ref = ssa_ctx_ref(core);
        } else {
            ssa_ctx_unref(core);
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    if (!ref)
        COMPAT_ERR_MSG(st == SSA_ERR_POLICY ? COMPAT_R_POLICY_REFUSED : COMPAT_R_CORE_FAILURE,
                       "context setup: %s", ssa_status_name(st));
    return ref;
}

/* ---- tickets and security level ----------------------------------------------- */

/* How many TLS 1.3 tickets a server sends after a full handshake. The
 * engine sends one, or none when tickets are off (policy, SSL_OP_NO_TICKET
 * or this setter with 0, a stricter request that reaches the core). So a
 * request for more than one is recorded but gives one; the getter reports
 * what connections from this context will do. */
int SSL_CTX_set_num_tickets(SSL_CTX *ctx, size_t num_tickets)
{
    ctx->num_tickets = num_tickets;
    /* Server contexts only: in OpenSSL the number means nothing to a
     * client, which must not lose its tickets over it. */
    if (!ctx->method->client) {
        ctx->rq.req.session_tickets = num_tickets == 0 ? 0 : SSA_PREF_UNSET;
        touched(ctx);
    }
    return 1;
}

size_t SSL_CTX_get_num_tickets(const SSL_CTX *ctx)
{
    ssa_settings s;
    char err[256];
    if (compat_effective(&ctx->rq, !ctx->method->client, &s, err, sizeof err) != SSA_OK)
        return ctx->num_tickets;
    if (ctx->method->client)
        return ctx->num_tickets;
    return s.session_tickets && ctx->num_tickets > 0 ? 1 : 0;
}

/* OpenSSL's levels (SSL_CTX_set_security_level(3)) by the smallest value
 * they allow: level 1 is 80-bit security (RSA 1024, EC 160, no SHA-1 or
 * MD5 signatures), 2 is 112-bit (2048, 224), 3 is 128-bit (3072, 256,
 * SHA-256), 4 is 192-bit (7680, 384, SHA-384), 5 is 256-bit (15360, 512,
 * SHA-512). */
static int level_for(int value, const int *floor_by_level)
{
    int level = 0;
    while (level < 5 && value >= floor_by_level[level])
        level++;
    return level;
}

static int min_level(int a, int b)
{
    return a < b ? a : b;
}

/* Do policy's TLS 1.2 suites (if TLS 1.2 is allowed at all) all have
 * forward secrecy (level 3) and a MAC other than SHA-1 (level 4)? */
static void tls12_suite_facts(const ssa_policy *p, bool *forward_secret, bool *no_sha1_mac)
{
    uint16_t ids[256];
    size_t n = 0;
    char err[64];
    *forward_secret = *no_sha1_mac = true;
    if (p->min_version > SSA_TLS1_2 || !p->tls12_ciphers
        || ssa_cipher_string_eval(p->tls12_ciphers, ids, 256, &n, err, sizeof err) != SSA_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        const ssa_cipher_info *c = ssa_cipher_by_id(ids[i]);
        if (!c)
            continue;
        if (strcmp(c->kx, "ECDH") != 0 && strcmp(c->kx, "DH") != 0)
            *forward_secret = false;
        if (strcmp(c->mac, "SHA1") == 0)
            *no_sha1_mac = false;
    }
}

/* The highest level whose every requirement policy enforces: key sizes,
 * the signature-hash floor, and from level 3 on the protocol floor, forward
 * secrecy and no session tickets (OpenSSL 3.0's level 3 turns them off),
 * from level 4 on no SHA-1 MACs. */
static int policy_security_level(const ssa_policy *p)
{
    static const int rsa_floor[5] = {1024, 2048, 3072, 7680, 15360};
    static const int ec_floor[5] = {160, 224, 256, 384, 512};
    static const int hash_floor[5] = {SSA_SIG_HASH_SHA224, SSA_SIG_HASH_SHA224,
                                      SSA_SIG_HASH_SHA256, SSA_SIG_HASH_SHA384,
                                      SSA_SIG_HASH_SHA512};
    int hash = p->min_signature_hash > 0 ? p->min_signature_hash : SSA_SIG_HASH_SHA256;
    int level = min_level(level_for(p->min_rsa_bits, rsa_floor),
                          min_level(level_for(p->min_ec_bits, ec_floor),
                                    level_for(hash, hash_floor)));
    bool forward_secret, no_sha1_mac;
    tls12_suite_facts(p, &forward_secret, &no_sha1_mac);
    if (p->min_version < SSA_TLS1_1 || !forward_secret || p->session_tickets)
        level = min_level(level, 2);
    if (p->min_version < SSA_TLS1_2 || !no_sha1_mac)
        level = min_level(level, 3);
    return level;
}

/* What an application set (SSL_CTX_set_security_level) is not reported:
 * a lower level changes nothing, and a higher one is audited as not
 * enforced, so the getters answer with what policy enforces. */
int SSL_CTX_get_security_level(const SSL_CTX *ctx)
{
    (void)ctx;
    ssa_policy *p = ssa_policy_current();
    int level = policy_security_level(p);
    ssa_policy_unref(p);
    return level;
}

int SSL_get_security_level(const SSL *s)
{
    return SSL_CTX_get_security_level(s->ctx);
}
