/*
 * Connections: lifecycle, handshake, read, write, peek, shutdown, and the
 * translation of engine failures into words a user can act on.
 *
 * The engine connection (WOLFSSL) is created at the first handshake step:
 * everything requested before that (settings, names, transport, session)
 * is applied in conn_start(), in one place. A failure is sticky.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wolfssl/error-ssl.h>

ssa_conn *ssa_conn_new(ssa_ctx *ctx)
{
    if (!ctx)
        return NULL;
    ssa_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->role = ctx->role;
    c->hello_done = ctx->role != SSA_ROLE_SERVER; /* only servers capture */
    c->ctx = ssa_ctx_ref(ctx);
    c->settings = ctx->settings;
    c->fd = -1;
    return c;
}

void ssa_conn_free(ssa_conn *c)
{
    if (!c)
        return;
    if (c->ssl)
        wolfSSL_free(c->ssl); /* and attached anchors with it */
    ssa_conn_free_anchors(c);
    if (c->session)
        wolfSSL_SESSION_free(c->session);
    free(c->hostname);
    free(c->verify_name);
    free(c->peer_address);
    free(c->sni);
    free(c->alpn);
    ssa_hello_free(c);
    ssa_ctx_unref(c->ctx);
    ssa_ctx_unref(c->initial_ctx);
    free(c);
}

ssa_ctx *ssa_conn_ctx(const ssa_conn *c) { return c->ctx; }
const ssa_settings *ssa_conn_settings(const ssa_conn *c) { return &c->settings; }
void ssa_conn_set_user(ssa_conn *c, void *user) { c->user = user; }
void *ssa_conn_user(const ssa_conn *c) { return c->user; }

ssa_conn *ssa_conn_from_wolf(WOLFSSL *ssl)
{
    return wolfSSL_get_ex_data(ssl, ssa_engine_conn_slot());
}

void ssa_conn_fail(ssa_conn *c, ssa_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    c->failed = st;
    if (!c->audited) {
        c->audited = true;
        ssa_audit_connection(c, st);
    }
}

ssa_status ssa_conn_request(ssa_conn *c, const ssa_request *req, bool *clamped)
{
    ssa_settings merged;
    char err[256];
    if (c->ssl)
        return SSA_ERR_STATE;
    ssa_status st = ssa_policy_merge(c->ctx->policy, req, c->role == SSA_ROLE_SERVER,
                                     &merged, err, sizeof err);
    if (st != SSA_OK) {
        ssa_audit_event(c->ctx->policy, c->ctx->frontend, "request refused: %s", err);
        snprintf(c->error, sizeof c->error, "%s", err);
        return st;
    }
    ssa_audit_clamps(c->ctx->policy, c->ctx->frontend, &merged);
    if (clamped)
        *clamped = merged.n_clamps > 0;
    c->settings = merged;
    c->custom_settings = true;
    return SSA_OK;
}

ssa_status ssa_conn_set_fd(ssa_conn *c, int fd)
{
    if (c->ssl)
        return SSA_ERR_STATE;
    struct stat st;
    c->fd = fd;
    c->fd_is_socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
    c->rd = NULL;
    c->wr = NULL;
    return SSA_OK;
}

ssa_status ssa_conn_set_io(ssa_conn *c, ssa_read_fn rd, ssa_write_fn wr, void *arg)
{
    if (!rd || !wr)
        return SSA_ERR_ARG;
    c->rd = rd;
    c->wr = wr;
    c->io_arg = arg;
    c->fd = -1;
    return SSA_OK;
}

static ssa_status replace_string(char **slot, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return SSA_ERR_NOMEM;
    free(*slot);
    *slot = copy;
    return SSA_OK;
}

/* Longer than any DNS name (RFC 1035: 253): refused before the engine. */
static bool name_too_long(const char *name)
{
    return name && strnlen(name, SSA_MAX_HOSTNAME + 1) > SSA_MAX_HOSTNAME;
}

ssa_status ssa_conn_set_hostname(ssa_conn *c, const char *name)
{
    if (name_too_long(name))
        return SSA_ERR_ARG;
    return c->ssl ? SSA_ERR_STATE : replace_string(&c->hostname, name);
}

ssa_status ssa_conn_set_verify_name(ssa_conn *c, const char *name)
{
    if (name_too_long(name))
        return SSA_ERR_ARG;
    return c->handshake_done ? SSA_ERR_STATE : replace_string(&c->verify_name, name);
}

ssa_status ssa_conn_set_peer_address(ssa_conn *c, const char *addr)
{
    return replace_string(&c->peer_address, addr);
}

ssa_status ssa_conn_switch_ctx(ssa_conn *c, ssa_ctx *ctx)
{
    char err[256];
    /* Only a server, only while its SNI hook runs: anywhere else a switch
     * could change what the engine verifies under the core's feet. */
    if (!c->ssl || c->handshake_done || c->role != SSA_ROLE_SERVER ||
        ctx->role != SSA_ROLE_SERVER || !c->in_sni_hook)
        return SSA_ERR_STATE;
    if (ssa_ctx_freeze(ctx, err, sizeof err) != SSA_OK)
        return SSA_ERR_STATE;
    if (wolfSSL_set_SSL_CTX(c->ssl, ctx->wctx) == NULL)
        return SSA_ERR_PROTOCOL;
    if (!c->initial_ctx)
        c->initial_ctx = c->ctx;
    else
        ssa_ctx_unref(c->ctx);
    c->ctx = ssa_ctx_ref(ctx);
    return SSA_OK;
}

static bool is_address(const char *name)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* RFC 6066: SNI carries DNS names only, never address literals. */
static ssa_status client_extensions(ssa_conn *c)
{
    const ssa_policy *p = c->ctx->policy;
    if (c->hostname && p->sni && !is_address(c->hostname) &&
        !WOLF_OK(wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, c->hostname,
                                (unsigned short)strlen(c->hostname))))
        return SSA_ERR_ARG;
    if (c->ctx->alpn_csv && p->alpn &&
        !WOLF_OK(wolfSSL_UseALPN(c->ssl, c->ctx->alpn_csv, (unsigned)strlen(c->ctx->alpn_csv),
                                 WOLFSSL_ALPN_CONTINUE_ON_MISMATCH)))
        return SSA_ERR_ARG;
    if (c->ctx->have_cert)
        wolfSSL_allow_post_handshake_auth(c->ssl);
    return SSA_OK;
}

static ssa_status conn_start(ssa_conn *c)
{
    char err[256];
    if (c->ssl)
        return SSA_OK;
    if (c->fd < 0 && !c->rd)
        return SSA_ERR_STATE;
    ssa_status st = ssa_ctx_freeze(c->ctx, err, sizeof err);
    if (st != SSA_OK) {
        ssa_conn_fail(c, st, "%s", err);
        return st;
    }
    bool server = c->role == SSA_ROLE_SERVER;
    if (server && !c->ctx->have_cert) {
        ssa_conn_fail(c, SSA_ERR_STATE,
                      "this server has no certificate and key (set one, or policy's "
                      "server_certificate and server_private_key)");
        return SSA_ERR_STATE;
    }
    if (!(c->ssl = wolfSSL_new(c->ctx->wctx))) {
        ssa_conn_fail(c, SSA_ERR_NOMEM, "out of memory");
        return SSA_ERR_NOMEM;
    }
    wolfSSL_set_ex_data(c->ssl, ssa_engine_conn_slot(), c);
    ssa_conn_attach_anchors(c);
    if (c->custom_settings &&
        (st = ssa_settings_apply_conn(&c->settings, c->ssl, err, sizeof err)) != SSA_OK) {
        ssa_conn_fail(c, st, "%s", err);
        return st;
    }
    c->verify_enforced = server ? c->settings.client_auth != SSA_CLIENT_AUTH_NONE
                                : c->settings.verify_peer;
    ssa_io_attach(c);
    if (!server && client_extensions(c) != SSA_OK) {
        ssa_conn_fail(c, SSA_ERR_ARG, "server name or ALPN list refused by the TLS engine");
        return SSA_ERR_ARG;
    }
    if (!server)
        ssa_session_apply(c);
    return SSA_OK;
}

/* ---- failures, in words ------------------------------------------------ */

/* Why a chain may have found no anchor: the application's were refused. */
static const char *anchor_reason_suffix(const ssa_conn *c)
{
    if (c->anchors_unusable == 0 && c->ctx->anchors_refused == 0)
        return "";
    return " (the engine refused the application's trust anchor(s); SSA does not fall back "
           "to the system trust store)";
}

static const char *verify_reason_suffix(const ssa_conn *c)
{
    const ssa_policy *p = c->ctx->policy;
    bool policy_requires = c->role == SSA_ROLE_CLIENT
                               ? p->verify_peer
                               : p->client_auth != SSA_CLIENT_AUTH_NONE;
    return policy_requires ? " (SSA policy requires verification)" : "";
}

static ssa_status fail_alert(ssa_conn *c)
{
    WOLFSSL_ALERT_HISTORY h;
    memset(&h, 0, sizeof h);
    wolfSSL_get_alert_history(c->ssl, &h);
    int code = h.last_rx.code;
    const char *what = wolfSSL_alert_desc_string_long(code);
    c->peer_alert_received = true;
    c->peer_alert = code;
    if (code == 70 /* protocol_version */ || code == 40 /* handshake_failure */) {
        ssa_conn_fail(c, SSA_ERR_POLICY,
                      "the peer refused the handshake (%s alert): it supports no protocol "
                      "version or cipher suite that SSA policy allows (%s..%s, AEAD suites)",
                      what ? what : "fatal", ssa_version_name(c->settings.min_version),
                      ssa_version_name(c->settings.max_version));
        return SSA_ERR_POLICY;
    }
    ssa_conn_fail(c, SSA_ERR_PROTOCOL, "the peer sent a fatal alert: %s",
                  what ? what : "unknown alert");
    return SSA_ERR_PROTOCOL;
}

static ssa_status fail_transport(ssa_conn *c, const char *op)
{
    if (c->transport_eof) {
        if (c->handshake_done)
            ssa_conn_fail(c, SSA_ERR_SYSCALL,
                          "the peer closed the connection without close_notify (truncation)");
        else
            ssa_conn_fail(c, SSA_ERR_SYSCALL, "the peer closed the connection during the handshake");
        c->last_errno = 0;
        return SSA_ERR_SYSCALL;
    }
    ssa_conn_fail(c, SSA_ERR_SYSCALL, "transport error during %s: %s", op,
                  c->last_errno ? strerror(c->last_errno) : "unknown");
    return SSA_ERR_SYSCALL;
}

static ssa_status fail_engine(ssa_conn *c, int err)
{
    char text[128];
    switch (err) {
    case VERSION_ERROR:
        ssa_conn_fail(c, SSA_ERR_POLICY,
                      "protocol version refused: SSA policy allows %s..%s and the peer offers "
                      "nothing in that range",
                      ssa_version_name(c->settings.min_version),
                      ssa_version_name(c->settings.max_version));
        return SSA_ERR_POLICY;
    case MATCH_SUITE_ERROR:
    case UNSUPPORTED_SUITE:
        ssa_conn_fail(c, SSA_ERR_POLICY,
                      "no shared cipher suite: the peer offers none of the suites SSA policy allows");
        return SSA_ERR_POLICY;
    case FATAL_ERROR:
        return fail_alert(c);
    case NO_PRIVATE_KEY:
        ssa_conn_fail(c, SSA_ERR_STATE,
                      "this server has no certificate and key (set one, or policy's "
                      "server_certificate and server_private_key)");
        return SSA_ERR_STATE;
    case NO_PEER_CERT:
        ssa_conn_fail(c, SSA_ERR_VERIFY, "the peer sent no certificate%s",
                      verify_reason_suffix(c));
        return SSA_ERR_VERIFY;
    default:
        wolfSSL_ERR_error_string_n((unsigned long)err, text, sizeof text);
        ssa_conn_fail(c, SSA_ERR_PROTOCOL, "TLS failure: %s (engine error %d)", text, err);
        return SSA_ERR_PROTOCOL;
    }
}

/* The status for a failed engine call (rc <= 0). */
static ssa_status conn_failure(ssa_conn *c, int rc, const char *op)
{
    int err = wolfSSL_get_error(c->ssl, rc);
    if (err == WOLFSSL_ERROR_WANT_READ)
        return SSA_WANT_READ;
    if (err == WOLFSSL_ERROR_WANT_WRITE)
        return SSA_WANT_WRITE;
    if (err == WOLFSSL_ERROR_ZERO_RETURN || err == ZERO_RETURN)
        return SSA_EOF;
    if (c->no_peer_certificate) {
        ssa_conn_fail(c, SSA_ERR_VERIFY, "the peer sent no certificate%s",
                      c->role == SSA_ROLE_CLIENT ? " (a server must authenticate itself)"
                                                 : verify_reason_suffix(c));
        return SSA_ERR_VERIFY;
    }
    if (!c->handshake_done)
        ssa_verify_note_engine_error(c, err);
    if (c->verify_result != SSA_V_OK && c->verify_enforced && !c->handshake_done) {
        ssa_conn_fail(c, SSA_ERR_VERIFY, "certificate verify failed: %s%s%s",
                      ssa_verify_result_string(c->verify_result), anchor_reason_suffix(c),
                      verify_reason_suffix(c));
        return SSA_ERR_VERIFY;
    }
    if (c->transport_eof || err == WOLFSSL_ERROR_SYSCALL || err == SOCKET_ERROR_E ||
        err == SOCKET_PEER_CLOSED_E)
        return fail_transport(c, op);
    return fail_engine(c, err);
}

static void conn_collect_facts(ssa_conn *c)
{
    char *name = NULL;
    unsigned short size = 0;
    if (wolfSSL_ALPN_GetProtocol(c->ssl, &name, &size) == WOLFSSL_SUCCESS && name && size) {
        free(c->alpn);
        c->alpn = strndup(name, size);
    }
    const char *curve = wolfSSL_get_curve_name(c->ssl);
    uint16_t gid = curve ? ssa_group_by_name(curve) : 0;
    snprintf(c->group, sizeof c->group, "%s", gid ? ssa_group_name(gid) : curve ? curve : "");
}

ssa_status ssa_conn_handshake(ssa_conn *c)
{
    if (c->failed)
        return c->failed;
    if (c->handshake_done)
        return SSA_OK;
    ssa_status st = conn_start(c);
    if (st != SSA_OK)
        return c->failed ? c->failed : st;
    int rc = c->role == SSA_ROLE_SERVER ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
    if (rc != WOLFSSL_SUCCESS)
        return conn_failure(c, rc, "handshake");
    c->handshake_done = true;
    conn_collect_facts(c);
    c->audited = true;
    ssa_audit_connection(c, SSA_OK);
    return SSA_OK;
}

static ssa_status conn_ready_for_data(ssa_conn *c)
{
    if (c->failed)
        return c->failed;
    return c->handshake_done ? SSA_OK : ssa_conn_handshake(c);
}

static int clamp_len(size_t len)
{
    return len > INT_MAX ? INT_MAX : (int)len;
}

ssa_status ssa_conn_read(ssa_conn *c, void *buf, size_t len, size_t *nread)
{
    *nread = 0;
    ssa_status st = conn_ready_for_data(c);
    if (st != SSA_OK)
        return st;
    int n = wolfSSL_read(c->ssl, buf, clamp_len(len));
    if (n > 0) {
        *nread = (size_t)n;
        return SSA_OK;
    }
    return conn_failure(c, n, "read");
}

ssa_status ssa_conn_peek(ssa_conn *c, void *buf, size_t len, size_t *nread)
{
    *nread = 0;
    ssa_status st = conn_ready_for_data(c);
    if (st != SSA_OK)
        return st;
    int n = wolfSSL_peek(c->ssl, buf, clamp_len(len));
    if (n > 0) {
        *nread = (size_t)n;
        return SSA_OK;
    }
    return conn_failure(c, n, "read");
}

/* Like SSL_write: all of buf, or WANT_* (then call again with the same
 * arguments). */
ssa_status ssa_conn_write(ssa_conn *c, const void *buf, size_t len, size_t *nwritten)
{
    *nwritten = 0;
    ssa_status st = conn_ready_for_data(c);
    if (st != SSA_OK)
        return st;
    if (wolfSSL_get_shutdown(c->ssl) & WOLFSSL_SENT_SHUTDOWN)
        return SSA_ERR_STATE; /* as OpenSSL: no data after our close_notify */
    const unsigned char *p = buf;
    while (*nwritten < len) {
        /* One record's worth at a time in partial mode. A write the
         * transport stops half-way is kept by the engine and finished by the
         * caller's retry with the same data, as OpenSSL requires. */
        size_t left = len - *nwritten;
        if (c->partial_write && left > SSA_RECORD_PLAINTEXT_MAX)
            left = SSA_RECORD_PLAINTEXT_MAX;
        int n = wolfSSL_write(c->ssl, p + *nwritten, clamp_len(left));
        if (n <= 0)
            return conn_failure(c, n, "write");
        *nwritten += (size_t)n;
        if (c->partial_write)
            break;
    }
    return SSA_OK;
}

void ssa_conn_set_partial_write(ssa_conn *c, bool on)
{
    c->partial_write = on;
}

size_t ssa_conn_pending(const ssa_conn *c)
{
    if (!c->ssl)
        return 0;
    int n = wolfSSL_pending(c->ssl);
    return n > 0 ? (size_t)n : 0;
}

ssa_status ssa_conn_shutdown(ssa_conn *c, bool wait_peer)
{
    if (c->failed)
        return c->failed;
    if (!c->ssl || !c->handshake_done)
        return SSA_ERR_STATE;
    int rc = wolfSSL_shutdown(c->ssl);
    if (rc == WOLFSSL_SHUTDOWN_NOT_DONE && wait_peer)
        rc = wolfSSL_shutdown(c->ssl);
    if (rc == WOLFSSL_SUCCESS || (rc == WOLFSSL_SHUTDOWN_NOT_DONE && !wait_peer))
        return SSA_OK;
    /* Still waiting for the peer's close_notify (it may have sent data
     * first, which is discarded, as OpenSSL does): not a failure. */
    if (rc == WOLFSSL_SHUTDOWN_NOT_DONE)
        return SSA_WANT_READ;
    return conn_failure(c, rc, "shutdown");
}

ssa_status ssa_conn_request_post_handshake_auth(ssa_conn *c)
{
    if (!c->ssl || !c->handshake_done || c->role != SSA_ROLE_SERVER)
        return SSA_ERR_STATE;
    return WOLF_OK(wolfSSL_request_certificate(c->ssl)) ? SSA_OK : SSA_ERR_STATE;
}
