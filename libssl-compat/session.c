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
 * cannot use. The server's side (external caches, ticket keys) is in
 * session_cache.c.
 */
#include "internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The id is copied out of the blob once, here, so that SSL_SESSION_get_id
 * can hand out a pointer into the session, as OpenSSL's does. */
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
    ssa_session_facts f;
    size_t used;
    if (ssa_session_facts_get(blob, len, &f, &used) == SSA_OK && f.id_len <= sizeof ss->id) {
        memcpy(ss->id, f.id, f.id_len);
        ss->id_len = (unsigned int)f.id_len;
    }
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
    if (s->session && s->role == SSA_ROLE_CLIENT && !atomic_load(&s->session->not_resumable))
        (void)ssa_conn_session_import(s->conn, s->session->blob, s->session->len);
}

void compat_session_fail(SSL *s, ssa_status st)
{
    bool fatal = st != SSA_OK && st != SSA_WANT_READ && st != SSA_WANT_WRITE && st != SSA_EOF;
    if (fatal && s->session)
        atomic_store(&s->session->not_resumable, true);
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

/* ---- what a session says about itself ------------------------------------------------ */

/* The core's facts for a session; false (and zeroes) if it has none. */
static bool facts(const SSL_SESSION *ss, ssa_session_facts *f)
{
    size_t used;
    return ss && ssa_session_facts_get(ss->blob, ss->len, f, &used) == SSA_OK;
}

/* Borrowed, as OpenSSL's: points into the session. */
const unsigned char *SSL_SESSION_get_id(const SSL_SESSION *ss, unsigned int *len)
{
    if (len)
        *len = ss->id_len;
    return ss->id;
}

long SSL_SESSION_get_time(const SSL_SESSION *ss)
{
    ssa_session_facts f;
    return facts(ss, &f) ? f.time : 0;
}

/* The lifetime the session will actually be honoured for: the engine's,
 * capped by policy's session_lifetime (ssa_conn_session_import refuses an
 * older one). */
long SSL_SESSION_get_timeout(const SSL_SESSION *ss)
{
    ssa_session_facts f;
    if (!facts(ss, &f))
        return 0;
    ssa_policy *p = ssa_policy_current();
    long cap = p->session_cache ? p->session_lifetime : 0;
    ssa_policy_unref(p);
    return f.timeout < cap ? f.timeout : cap;
}

int SSL_SESSION_has_ticket(const SSL_SESSION *ss)
{
    ssa_session_facts f;
    return facts(ss, &f) && f.has_ticket;
}

unsigned long SSL_SESSION_get_ticket_lifetime_hint(const SSL_SESSION *ss)
{
    ssa_session_facts f;
    return facts(ss, &f) ? f.ticket_lifetime_hint : 0;
}

/* ---- serialised sessions ------------------------------------------------------------- */

/* i2d_SSL_SESSION's output is not OpenSSL's ASN.1 SSL_SESSION (the core's
 * session holds the engine's state, not OpenSSL's): a tag, a format
 * version and the length, the core's blob, and an HMAC-SHA256 over all of
 * that under a key made at random once per process.
 *
 * Why the MAC: the engine's session parser trusts its input (a crafted
 * certificate count or length overruns its buffers), so d2i_SSL_SESSION
 * hands it only bytes that this process produced and that arrived intact.
 * Anything else (garbage, truncation, OpenSSL's DER, a session saved by
 * unrelated process) is refused with an error; for a client that only means
 * a full handshake. python copies every session it hands out this way
 * (i2d then d2i in one process), which works. */
static const unsigned char session_tag[4] = {'S', 'S', 'A', 'S'};
enum { SESSION_FORMAT = 1, SESSION_HEADER = 9, SESSION_MAC = 32 };

static unsigned char mac_key[32];
static bool mac_key_ok;
static pthread_once_t mac_key_once = PTHREAD_ONCE_INIT;

static void mac_key_init(void)
{
    mac_key_ok = RAND_priv_bytes(mac_key, sizeof mac_key) == 1;
}

/* Made with the first context: a server that forks its workers after
 * making its contexts (nginx) gives them all one key, so a session one
 * worker put in the shared cache resumes in another. */
void compat_session_key_init(void)
{
    pthread_once(&mac_key_once, mac_key_init);
}

/* HMAC-SHA256 of header and blob; false if no key or libcrypto fails. */
static bool session_mac(const unsigned char *msg, size_t len, unsigned char out[SESSION_MAC])
{
    compat_session_key_init();
    unsigned int n = 0;
    return mac_key_ok
           && HMAC(EVP_sha256(), mac_key, sizeof mac_key, msg, len, out, &n) != NULL
           && n == SESSION_MAC;
}

int i2d_SSL_SESSION(const SSL_SESSION *ss, unsigned char **pp)
{
    if (!ss || ss->len > INT_MAX - SESSION_HEADER - SESSION_MAC) {
        COMPAT_ERR(ERR_R_PASSED_INVALID_ARGUMENT);
        return 0;
    }
    int total = (int)(SESSION_HEADER + ss->len + SESSION_MAC);
    if (!pp)
        return total;
    unsigned char *out = *pp ? *pp : OPENSSL_malloc((size_t)total);
    if (!out) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    memcpy(out, session_tag, sizeof session_tag);
    out[4] = SESSION_FORMAT;
    for (int i = 0; i < 4; i++)
        out[5 + i] = (unsigned char)(ss->len >> (24 - 8 * i));
    memcpy(out + SESSION_HEADER, ss->blob, ss->len);
    if (!session_mac(out, SESSION_HEADER + ss->len, out + SESSION_HEADER + ss->len)) {
        if (!*pp)
            OPENSSL_free(out);
        COMPAT_ERR(ERR_R_INTERNAL_ERROR);
        return 0;
    }
    /* As OpenSSL's i2d: a caller's buffer is advanced past the output; an
     * allocated one is handed back at its start. */
    *pp = *pp ? out + total : out;
    return total;
}

/* The blob's length if `p` holds an intact session of this process, else
 * 0. The MAC is checked before any byte of the blob is looked at. */
static size_t session_check(const unsigned char *p, long length)
{
    if (length < SESSION_HEADER + SESSION_MAC || memcmp(p, session_tag, sizeof session_tag) != 0
        || p[4] != SESSION_FORMAT)
        return 0;
    size_t n = (size_t)p[5] << 24 | (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
    unsigned char mac[SESSION_MAC];
    if (n == 0 || n > (size_t)length - SESSION_HEADER - SESSION_MAC
        || !session_mac(p, SESSION_HEADER + n, mac)
        || CRYPTO_memcmp(mac, p + SESSION_HEADER + n, SESSION_MAC) != 0)
        return 0;
    return n;
}

SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length)
{
    if (!pp || !*pp || length <= 0) {
        COMPAT_ERR(ERR_R_PASSED_NULL_PARAMETER);
        return NULL;
    }
    size_t n = session_check(*pp, length);
    const unsigned char *payload = *pp + SESSION_HEADER;
    ssa_session_facts f;
    size_t used = 0;
    /* Ours and intact; the core must still read all of it, nothing more. */
    if (n == 0 || ssa_session_facts_get(payload, n, &f, &used) != SSA_OK || used != n) {
        COMPAT_ERR_MSG(SSL_R_BAD_DATA, "not a session saved by this process");
        return NULL;
    }
    unsigned char *blob = malloc(n);
    if (blob)
        memcpy(blob, payload, n);
    SSL_SESSION *ss = blob ? session_new(blob, n) : NULL;
    if (!ss) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    *pp = payload + n + SESSION_MAC;
    if (a) {
        SSL_SESSION_free(*a);
        *a = ss;
    }
    return ss;
}
