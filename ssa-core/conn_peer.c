/*
 * The peer's identity for the socket API: its certificate's subject as one
 * line (TLS_PEER_IDENTITY) and its chain as PEM (TLS_PEER_CERTIFICATE_CHAIN),
 * made from the DER certificates the connection keeps.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wolfssl/wolfcrypt/asn_public.h>

ssa_status ssa_conn_peer_subject(const ssa_conn *c, char *out, size_t outlen)
{
    size_t len = 0;
    const unsigned char *der = ssa_conn_peer_cert(c, 0, &len);
    if (der == NULL || outlen == 0)
        return der == NULL ? SSA_ERR_STATE : SSA_ERR_ARG;
    WOLFSSL_X509 *x = wolfSSL_X509_d2i(NULL, der, (int)len);
    if (x == NULL)
        return SSA_ERR_PROTOCOL;
    char line[512];
    char *s = wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(x), line, sizeof line);
    snprintf(out, outlen, "%s", s ? s : "");
    wolfSSL_X509_free(x);
    return s ? SSA_OK : SSA_ERR_PROTOCOL;
}

/* PEM of one DER certificate appended to *buf (grown as needed). */
static ssa_status append_pem(const unsigned char *der, size_t len, char **buf, size_t *used)
{
    size_t room = len * 2 + 128; /* base64 (4/3), line breaks, armour */
    char *grown = realloc(*buf, *used + room + 1);
    if (grown == NULL)
        return SSA_ERR_NOMEM;
    *buf = grown;
    int n = wc_DerToPem(der, (word32)len, (byte *)*buf + *used, (word32)room, CERT_TYPE);
    if (n <= 0)
        return SSA_ERR_PROTOCOL;
    *used += (size_t)n;
    (*buf)[*used] = '\0';
    return SSA_OK;
}

ssa_status ssa_conn_peer_chain_pem(const ssa_conn *c, char **pem, size_t *pem_len)
{
    int count = ssa_conn_peer_chain_count(c);
    *pem = NULL;
    *pem_len = 0;
    if (count <= 0)
        return SSA_ERR_STATE;
    for (int i = 0; i < count; i++) {
        size_t len = 0;
        const unsigned char *der = ssa_conn_peer_cert(c, i, &len);
        ssa_status st = der ? append_pem(der, len, pem, pem_len) : SSA_ERR_PROTOCOL;
        if (st != SSA_OK) {
            free(*pem);
            *pem = NULL;
            *pem_len = 0;
            return st;
        }
    }
    return SSA_OK;
}
