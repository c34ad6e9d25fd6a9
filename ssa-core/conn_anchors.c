/*
 * Trust anchors for one connection: an application that brings its CA
 * certificates after the handshake has begun (curl loads its CA file once
 * its ClientHello is out) still has them used, for that connection, in
 * place of the context's store -- the same rule as anchors given to a
 * context (DESIGN.md section 4: application anchors replace the store,
 * never add to it), with every other check of policy unchanged.
 *
 * They are accepted until the peer's first certificate is examined, and
 * only where policy allows application anchors.
 */
#include "engine.h"

#include <wolfssl/ssl.h>

/* The store goes to the engine connection as soon as both exist; wolfSSL
 * then owns it (wolfSSL_set0_verify_cert_store) and verifies the peer's
 * chain with its certificate manager. */
void ssa_conn_attach_anchors(ssa_conn *c)
{
    if (!c->anchors || !c->ssl || c->anchors_attached)
        return;
    if (wolfSSL_set0_verify_cert_store(c->ssl, c->anchors) == WOLFSSL_SUCCESS)
        c->anchors_attached = true;
}

void ssa_conn_free_anchors(ssa_conn *c)
{
    if (c->anchors && !c->anchors_attached)
        wolfSSL_X509_STORE_free(c->anchors);
    c->anchors = NULL;
}

static ssa_status anchors_allowed(ssa_conn *c)
{
    if (c->verify_started)
        return SSA_ERR_STATE;
    if (!c->ctx->policy->app_trust_anchors) {
        if (!c->anchors_refused)
            ssa_audit_event(c->ctx->policy, c->ctx->frontend,
                            "refused: application trust anchors for a connection "
                            "(policy app_trust_anchors = false)");
        c->anchors_refused = true;
        return SSA_ERR_POLICY;
    }
    return SSA_OK;
}

ssa_status ssa_conn_trust_der(ssa_conn *c, const unsigned char *der, size_t len)
{
    if (!der || len == 0 || len > INT32_MAX)
        return SSA_ERR_ARG;
    ssa_status st = anchors_allowed(c);
    if (st != SSA_OK)
        return st;
    if (!c->anchors && !(c->anchors = wolfSSL_X509_STORE_new()))
        return SSA_ERR_NOMEM;
    /* The same loader as a context's anchors: a certificate it refuses (not
     * a CA, out of its validity period) is not an anchor. The store is
     * attached all the same: the application narrowed this connection's
     * trust, and a refusal must leave it narrower, never back on the
     * context's store. */
    bool loaded = wolfSSL_CertManagerLoadCABuffer(c->anchors->cm, der, (long)len,
                                                  WOLFSSL_FILETYPE_ASN1) == WOLFSSL_SUCCESS;
    if (!loaded && c->anchors_unusable++ == 0)
        ssa_audit_event(c->ctx->policy, c->ctx->frontend,
                        "refused: an application trust anchor the engine cannot use; the "
                        "connection trusts only the application's other anchors");
    ssa_conn_attach_anchors(c);
    return loaded ? SSA_OK : SSA_ERR_ARG;
}
