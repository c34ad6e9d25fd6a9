/*
 * setsockopt/getsockopt at level IPPROTO_TLS (every other level, and every
 * descriptor that is not TLS, goes to the C library).
 *
 * Errors, as the original SSA answered them:
 *   EPROTO      the value would weaken the administrator's policy
 *   EOPNOTSUPP  the call is valid, but not in this state (e.g. a setting
 *               after connect(), a negotiated value before the handshake)
 *   EBADFD      the socket has failed (TLS_ERROR still says why)
 *   ENOPROTOOPT no such option, or not in this direction
 *   EINVAL      a malformed value; ERANGE a getter's buffer too small
 *               (*optlen then says how much is needed)
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- values in ---------------------------------------------------------- */

static int want_int(const void *val, socklen_t len, int *out)
{
    if (val == NULL || len < (socklen_t)sizeof(int))
        return errno = EINVAL, -1;
    memcpy(out, val, sizeof *out);
    return 0;
}

/* A string option: the bytes up to the first NUL or optlen. */
static char *want_string(const void *val, socklen_t len)
{
    if (val == NULL || len == 0)
        return errno = EINVAL, NULL;
    char *s = strndup(val, len);
    if (s == NULL)
        errno = ENOMEM;
    else if (s[0] == '\0')
        free(s), s = NULL, errno = EINVAL;
    return s;
}

/* Replace a string option, keeping the old value if policy refuses it. */
static int set_string(struct tls_sock *s, char **slot, const void *val, socklen_t len)
{
    char *v = want_string(val, len);
    if (v == NULL)
        return -1;
    char *old = *slot;
    *slot = v;
    if (tls_options_check(s) < 0) {
        *slot = old;
        free(v);
        return -1;
    }
    free(old);
    return 0;
}


/* A server name the core can send: at most SSA_MAX_HOSTNAME bytes. */
static int set_hostname(struct tls_sock *s, const void *val, socklen_t len)
{
    if (val && strnlen(val, len) > SSA_MAX_HOSTNAME)
        return errno = EINVAL, -1;
    return set_string(s, &s->opt.remote_hostname, val, len);
}

static int set_path(struct tls_sock *s, char **slot, const void *val, socklen_t len)
{
    char *v = want_string(val, len);
    if (v == NULL)
        return -1;
    if (access(v, R_OK) < 0) {
        tls_set_error(s, "cannot read %s", v);
        int e = errno;
        free(v);
        return errno = e, -1;
    }
    free(*slot);
    *slot = v;
    return 0;
}

static int set_version(struct tls_sock *s, uint16_t *slot, const void *val, socklen_t len)
{
    int v;
    if (want_int(val, len, &v) < 0)
        return -1;
    if (v != 0 && (v < TLS_1_0 || v > TLS_1_3))
        return errno = EINVAL, -1;
    uint16_t old = *slot;
    *slot = (uint16_t)v;
    if (tls_options_check(s) < 0)
        return *slot = old, -1;
    return 0;
}

static int set_ttl(struct tls_sock *s, const void *val, socklen_t len)
{
    int v;
    if (want_int(val, len, &v) < 0 || v < 0)
        return errno = EINVAL, -1;
    long old = s->opt.session_ttl;
    s->opt.session_ttl = v;
    if (tls_options_check(s) < 0)
        return s->opt.session_ttl = old, -1;
    return 0;
}

/* Disabled suites accumulate as a colon list. */
static int disable_cipher(struct tls_sock *s, const void *val, socklen_t len)
{
    char *name = want_string(val, len);
    if (name == NULL)
        return -1;
    if (ssa_cipher_by_name(name) == NULL) {
        tls_set_error(s, "unknown cipher suite %s", name);
        free(name);
        return errno = EINVAL, -1;
    }
    char *old = s->opt.disabled_ciphers, *list = NULL;
    if (asprintf(&list, "%s%s%s", old ? old : "", old ? ":" : "", name) < 0)
        list = NULL;
    free(name);
    if (list == NULL)
        return errno = ENOMEM, -1;
    s->opt.disabled_ciphers = list;
    if (tls_options_check(s) < 0) {
        s->opt.disabled_ciphers = old;
        free(list);
        return -1;
    }
    free(old);
    return 0;
}

static int set_session(struct tls_sock *s, const void *val, socklen_t len)
{
    if (val == NULL || len == 0)
        return errno = EINVAL, -1;
    unsigned char *copy = malloc(len);
    if (copy == NULL)
        return errno = ENOMEM, -1;
    memcpy(copy, val, len);
    free(s->opt.session);
    s->opt.session = copy;
    s->opt.session_len = len;
    return 0;
}

static int set_trust(struct tls_sock *s, const void *val, socklen_t len)
{
    const ssa_policy *p = ssa_policy_current();
    bool allowed = p->app_trust_anchors;
    ssa_policy_unref((ssa_policy *)p);
    if (!allowed) {
        tls_set_error(s, "refused by SSA policy: applications may not choose trust anchors");
        return errno = EPROTO, -1;
    }
    return set_path(s, &s->opt.trusted_peers, val, len);
}

static int set_reuse(struct tls_sock *s, const void *val, socklen_t len)
{
    int v;
    if (want_int(val, len, &v) < 0)
        return -1;
    s->opt.session_reuse = v != 0;
    return 0;
}

/* TLS_REQUEST_PEER_AUTH: before listen() every client must present a
 * certificate; on an accepted TLS 1.3 connection, ask now. */
static int request_peer_auth(struct tls_sock *s)
{
    if (s->state == TLS_ST_NEW) {
        s->opt.request_peer_auth = true;
        return 0;
    }
    if (s->state == TLS_ST_CONNECTED && s->server) {
        ssa_status st = ssa_conn_request_post_handshake_auth(s->conn);
        if (st == SSA_OK)
            return 0;
    }
    return errno = EOPNOTSUPP, -1;
}

static int set_in_new_state(struct tls_sock *s, int opt, const void *val, socklen_t len)
{
    switch (opt) {
    case TLS_REMOTE_HOSTNAME: return set_hostname(s, val, len);
    case TLS_TRUSTED_PEER_CERTIFICATES: return set_trust(s, val, len);
    case TLS_CERTIFICATE_CHAIN: return set_path(s, &s->opt.certificate_chain, val, len);
    case TLS_PRIVATE_KEY: return set_path(s, &s->opt.private_key, val, len);
    case TLS_ALPN: return set_string(s, &s->opt.alpn, val, len);
    case TLS_SESSION_TTL: return set_ttl(s, val, len);
    case TLS_DISABLE_CIPHER: return disable_cipher(s, val, len);
    case TLS_VERSION_MIN: return set_version(s, &s->opt.min_version, val, len);
    case TLS_VERSION_MAX: return set_version(s, &s->opt.max_version, val, len);
    case TLS_SESSION_REUSE: return set_reuse(s, val, len);
    case TLS_CIPHERSUITES: return set_string(s, &s->opt.tls13_suites, val, len);
    case TLS_CIPHER_LIST: return set_string(s, &s->opt.tls12_ciphers, val, len);
    case TLS_SESSION: return set_session(s, val, len);
    default: return errno = ENOPROTOOPT, -1;
    }
}

static bool is_settable(int opt)
{
    return (opt >= TLS_REMOTE_HOSTNAME && opt <= TLS_REQUEST_PEER_AUTH && opt != TLS_HOSTNAME &&
            opt != TLS_PEER_IDENTITY) ||
           opt == TLS_VERSION_MIN || opt == TLS_VERSION_MAX || opt == TLS_SESSION_REUSE ||
           opt == TLS_CIPHERSUITES || opt == TLS_CIPHER_LIST || opt == TLS_SESSION;
}

int tls_setsockopt(struct tls_sock *s, int opt, const void *val, socklen_t len)
{
    if (!is_settable(opt))
        return errno = ENOPROTOOPT, -1;
    if (s->state == TLS_ST_FAILED)
        return errno = EBADFD, -1;
    if (opt == TLS_REQUEST_PEER_AUTH)
        return request_peer_auth(s);
    if (s->state != TLS_ST_NEW)
        return errno = EOPNOTSUPP, -1;
    return set_in_new_state(s, opt, val, len);
}

/* ---- values out --------------------------------------------------------- */

static int put_bytes(const void *v, size_t n, void *val, socklen_t *len)
{
    if (len == NULL || (val == NULL && *len > 0))
        return errno = EFAULT, -1;
    if (*len < n) {
        *len = (socklen_t)n;
        return errno = ERANGE, -1;
    }
    memcpy(val, v, n);
    *len = (socklen_t)n;
    return 0;
}

static int put_string(const char *str, void *val, socklen_t *len)
{
    return put_bytes(str ? str : "", strlen(str ? str : "") + 1, val, len);
}

static int put_int(int v, void *val, socklen_t *len)
{
    return put_bytes(&v, sizeof v, val, len);
}

/* Settings in force: the connection's, the context's, or what connect()
 * would get from the options set so far. */
static int effective(struct tls_sock *s, ssa_settings *out)
{
    if (s->conn) {
        *out = *ssa_conn_settings(s->conn);
        return 0;
    }
    if (s->ctx) {
        *out = *ssa_ctx_settings(s->ctx);
        return 0;
    }
    struct tls_request r;
    char err[256];
    if (tls_request_from_options(&s->opt, s->server, &r) < 0)
        return -1;
    ssa_policy *p = ssa_policy_current();
    ssa_status st = ssa_policy_merge(p, &r.req, s->server, out, err, sizeof err);
    ssa_policy_unref(p);
    return st == SSA_OK ? 0 : (errno = EPROTO, -1);
}

static int get_setting(struct tls_sock *s, int opt, void *val, socklen_t *len)
{
    ssa_settings st;
    if (effective(s, &st) < 0)
        return -1;
    switch (opt) {
    case TLS_VERSION_MIN: return put_int(st.min_version, val, len);
    case TLS_VERSION_MAX: return put_int(st.max_version, val, len);
    case TLS_SESSION_TTL: return put_int((int)st.session_lifetime, val, len);
    default: return put_int(st.session_cache, val, len); /* TLS_SESSION_REUSE */
    }
}

static int get_peer_identity(struct tls_sock *s, void *val, socklen_t *len)
{
    char line[512];
    if (ssa_conn_peer_subject(s->conn, line, sizeof line) != SSA_OK)
        return errno = ENOTCONN, -1; /* the peer presented no certificate */
    return put_string(line, val, len);
}

static int get_peer_chain(struct tls_sock *s, void *val, socklen_t *len)
{
    char *pem;
    size_t n;
    if (ssa_conn_peer_chain_pem(s->conn, &pem, &n) != SSA_OK)
        return errno = ENOTCONN, -1;
    int r = put_bytes(pem, n + 1, val, len);
    free(pem);
    return r;
}

static int get_session(struct tls_sock *s, void *val, socklen_t *len)
{
    unsigned char *blob;
    size_t n;
    if (s->server || ssa_conn_session_export(s->conn, &blob, &n) != SSA_OK)
        return errno = EOPNOTSUPP, -1;
    int r = put_bytes(blob, n, val, len);
    free(blob);
    return r;
}

/* Facts of a finished handshake. */
static int get_negotiated(struct tls_sock *s, int opt, void *val, socklen_t *len)
{
    if (s->state != TLS_ST_CONNECTED)
        return errno = EOPNOTSUPP, -1;
    const ssa_conn *c = s->conn;
    switch (opt) {
    case TLS_HOSTNAME: return s->server ? put_string(ssa_conn_sni(c), val, len)
                                        : (errno = EOPNOTSUPP, -1);
    case TLS_ALPN: return put_string(ssa_conn_alpn(c), val, len);
    case TLS_PEER_IDENTITY: return get_peer_identity(s, val, len);
    case TLS_PEER_CERTIFICATE_CHAIN: return get_peer_chain(s, val, len);
    case TLS_VERSION_NEGOTIATED: return put_int(ssa_conn_version(c), val, len);
    case TLS_CIPHER_NEGOTIATED: return put_string(ssa_conn_cipher(c) ? ssa_conn_cipher(c)->iana_name : "", val, len);
    case TLS_SESSION_RESUMED: return put_int(ssa_conn_resumed(c), val, len);
    case TLS_GROUP_NEGOTIATED: return put_string(ssa_conn_group(c), val, len);
    case TLS_SESSION: return get_session(s, val, len);
    default: return errno = ENOPROTOOPT, -1;
    }
}

int tls_getsockopt(struct tls_sock *s, int opt, void *val, socklen_t *len)
{
    switch (opt) {
    case TLS_ERROR: return put_string(s->err, val, len);
    case TLS_ID: {
        uint64_t id = s->id;
        return put_bytes(&id, sizeof id, val, len);
    }
    case TLS_VERIFY_RESULT: return put_int(s->conn ? ssa_conn_verify_result(s->conn) : 0, val, len);
    case TLS_HANDSHAKE_DONE: return put_int(s->state == TLS_ST_CONNECTED, val, len);
    default: break;
    }
    if (s->state == TLS_ST_FAILED)
        return errno = EBADFD, -1;
    switch (opt) {
    case TLS_REMOTE_HOSTNAME: return put_string(s->opt.remote_hostname, val, len);
    case TLS_VERSION_MIN:
    case TLS_VERSION_MAX:
    case TLS_SESSION_TTL:
    case TLS_SESSION_REUSE: return get_setting(s, opt, val, len);
    case TLS_HOSTNAME:
    case TLS_ALPN:
    case TLS_PEER_IDENTITY:
    case TLS_PEER_CERTIFICATE_CHAIN:
    case TLS_VERSION_NEGOTIATED:
    case TLS_CIPHER_NEGOTIATED:
    case TLS_SESSION_RESUMED:
    case TLS_GROUP_NEGOTIATED:
    case TLS_SESSION: return get_negotiated(s, opt, val, len);
    default: return errno = ENOPROTOOPT, -1;
    }
}

/* ---- the calls ---------------------------------------------------------- */

/* SO_ERROR after a failed non-blocking connect reports the TLS failure once,
 * as the kernel does for a TCP one. */
static int tls_so_error(struct tls_sock *s, int fd, void *val, socklen_t *len)
{
    int r = libc()->getsockopt(fd, SOL_SOCKET, SO_ERROR, val, len);
    if (r == 0 && s->so_error != 0 && len && *len >= (socklen_t)sizeof(int)) {
        memcpy(val, &s->so_error, sizeof(int));
        s->so_error = 0;
    }
    return r;
}

int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
    struct tls_sock *s = level == IPPROTO_TLS ? tls_sock_get(fd) : NULL;
    if (s == NULL)
        return libc()->setsockopt(fd, level, opt, val, len);
    pthread_mutex_lock(&s->lock);
    int r = tls_setsockopt(s, opt, val, len);
    int e = errno;
    pthread_mutex_unlock(&s->lock);
    tls_sock_put(s);
    errno = e;
    return r;
}

int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
    bool so_error = level == SOL_SOCKET && opt == SO_ERROR;
    struct tls_sock *s = level == IPPROTO_TLS || so_error ? tls_sock_get(fd) : NULL;
    if (s == NULL)
        return libc()->getsockopt(fd, level, opt, val, len);
    pthread_mutex_lock(&s->lock);
    int r = so_error ? tls_so_error(s, fd, val, len) : tls_getsockopt(s, opt, val, len);
    int e = errno;
    pthread_mutex_unlock(&s->lock);
    tls_sock_put(s);
    errno = e;
    return r;
}
