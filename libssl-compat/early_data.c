/*
 * TLS 1.3 early data (0-RTT): SSL_CTX_set/get_max_early_data,
 * SSL_read_early_data and SSL_write_early_data.
 *
 * Implementation notes: this libssl never accepts or sends early data.
 * 0-RTT data can be replayed; SSA policy has early_data = false by default,
 * and even where a policy allows it the drop-in does not offer it (the
 * core has no early-data path for its front ends yet). So a server behaves
 * exactly as an OpenSSL server that rejected early data: the limit reads
 * back 0, SSL_read_early_data completes its part of the handshake and
 * reports SSL_READ_EARLY_DATA_FINISH with no data, and the client-side
 * SSL_write_early_data fails with an error, as OpenSSL's does without a
 * resumable session that allows early data.
 */
#include "internal.h"

static void audit_refused(uint32_t asked)
{
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND,
                    "clamped: max_early_data %u -> 0 (0-RTT is not offered by SSA)", asked);
    ssa_policy_unref(p);
}

int SSL_CTX_set_max_early_data(SSL_CTX *ctx, uint32_t max_early_data)
{
    ctx->max_early_data = max_early_data;
    if (max_early_data > 0)
        audit_refused(max_early_data);
    return 1;
}

/* The effective value: none accepted. */
uint32_t SSL_CTX_get_max_early_data(const SSL_CTX *ctx)
{
    (void)ctx;
    return 0;
}

/* Server only. Runs the handshake as far as it goes: once the server's
 * reply to the ClientHello is out (the handshake finished, or waits for
 * the client's Finished), there is no early data to read: FINISH, once.
 * Before that, SSL_READ_EARLY_DATA_ERROR with SSL_get_error telling
 * WANT_READ/WANT_WRITE or the failure. */
int SSL_read_early_data(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    (void)buf;
    (void)num;
    *readbytes = 0;
    if (s->role == SSA_ROLE_CLIENT) {
        COMPAT_ERR(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
        return SSL_READ_EARLY_DATA_ERROR;
    }
    if (s->early_data_done) {
        COMPAT_ERR(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
        return SSL_READ_EARLY_DATA_ERROR;
    }
    if (s->role < 0)
        SSL_set_accept_state(s);
    int r = SSL_do_handshake(s);
    size_t hello_len = 0;
    bool replied = r == 1 || (s->conn && ssa_conn_client_hello(s->conn, &hello_len)
                              && s->last == SSA_WANT_READ);
    if (!replied)
        return SSL_READ_EARLY_DATA_ERROR;
    s->early_data_done = true;
    return SSL_READ_EARLY_DATA_FINISH;
}

int SSL_write_early_data(SSL *s, const void *buf, size_t num, size_t *written)
{
    (void)s;
    (void)buf;
    (void)num;
    *written = 0;
    COMPAT_ERR_MSG(COMPAT_R_POLICY_REFUSED, "early data (0-RTT) is not sent under SSA");
    return 0;
}
