/* What a finished handshake established: the connection's facts. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

bool ssa_conn_handshake_done(const ssa_conn *c) { return c->handshake_done; }
const char *ssa_conn_error(const ssa_conn *c) { return c->error[0] ? c->error : NULL; }
int ssa_conn_errno(const ssa_conn *c) { return c->last_errno; }
int ssa_conn_verify_result(const ssa_conn *c) { return c->verify_result; }
const char *ssa_conn_alpn(const ssa_conn *c) { return c->alpn; }
const char *ssa_conn_sni(const ssa_conn *c) { return c->sni; }
const char *ssa_conn_hostname(const ssa_conn *c) { return c->hostname; }

const char *ssa_conn_group(const ssa_conn *c)
{
    return c->group[0] ? c->group : NULL;
}

uint16_t ssa_conn_version(const ssa_conn *c)
{
    return c->handshake_done ? (uint16_t)wolfSSL_version(c->ssl) : 0;
}

const ssa_cipher_info *ssa_conn_cipher(const ssa_conn *c)
{
    if (!c->handshake_done)
        return NULL;
    int suite = wolfSSL_get_current_cipher_suite(c->ssl);
    return suite >= 0 ? ssa_cipher_by_id((uint16_t)suite) : NULL;
}

bool ssa_conn_resumed(const ssa_conn *c)
{
    return c->handshake_done && wolfSSL_session_reused(c->ssl);
}

int ssa_conn_peer_chain_count(const ssa_conn *c)
{
    WOLFSSL_X509_CHAIN *chain = c->ssl ? wolfSSL_get_peer_chain(c->ssl) : NULL;
    return chain ? wolfSSL_get_chain_count(chain) : 0;
}

const unsigned char *ssa_conn_peer_cert(const ssa_conn *c, int i, size_t *len)
{
    WOLFSSL_X509_CHAIN *chain = c->ssl ? wolfSSL_get_peer_chain(c->ssl) : NULL;
    if (!chain || i < 0 || i >= wolfSSL_get_chain_count(chain))
        return NULL;
    *len = (size_t)wolfSSL_get_chain_length(chain, i);
    return wolfSSL_get_chain_cert(chain, i);
}

bool ssa_conn_peer_closed(const ssa_conn *c)
{
    return c->ssl && (wolfSSL_get_shutdown(c->ssl) & WOLFSSL_RECEIVED_SHUTDOWN);
}

ssa_status ssa_conn_failure(const ssa_conn *c)
{
    return c->failed;
}

int ssa_conn_peer_alert(const ssa_conn *c)
{
    return c->peer_alert_received ? c->peer_alert : -1;
}

bool ssa_conn_sent_close(const ssa_conn *c)
{
    return c->ssl && (wolfSSL_get_shutdown(c->ssl) & WOLFSSL_SENT_SHUTDOWN);
}

ssa_status ssa_conn_export_keying_material(ssa_conn *c, unsigned char *out, size_t outlen,
                                           const char *label, size_t label_len,
                                           const unsigned char *context, size_t context_len,
                                           bool use_context)
{
    if (!c->handshake_done)
        return SSA_ERR_STATE;
    int rc = wolfSSL_export_keying_material(c->ssl, out, outlen, label, label_len, context,
                                            context_len, use_context ? 1 : 0);
    return WOLF_OK(rc) ? SSA_OK : SSA_ERR_ARG;
}

/* wolfSSL keeps both Finished messages (WOLFSSL_HAVE_TLS_UNIQUE, which its
 * OPENSSL_ALL configuration turns on), copies a whole one (up to a hash
 * length in TLS 1.3) and refuses a short buffer; the caller may ask for
 * less, as OpenSSL allows. */
size_t ssa_conn_finished(const ssa_conn *c, bool peer, void *buf, size_t count)
{
    unsigned char full[64]; /* a Finished is at most one hash long */
    if (!c->handshake_done || !c->ssl)
        return 0;
    size_t n = peer ? wolfSSL_get_peer_finished(c->ssl, full, sizeof full)
                    : wolfSSL_get_finished(c->ssl, full, sizeof full);
    if (buf && count)
        memcpy(buf, full, n < count ? n : count);
    return n;
}
