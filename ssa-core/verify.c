/*
 * Peer verification: the core's verdict for each certificate of the peer's
 * chain, in OpenSSL's X509_V_ERR_* terms.
 *
 * wolfSSL calls ssa_verify_callback once per certificate (the build defines
 * WOLFSSL_ALWAYS_VERIFY_CB and WOLFSSL_VERIFY_CB_ALL_CERTS), top of the
 * chain first and the leaf last, with its own error for that certificate.
 * We translate that error, add the checks policy asks for (hostname or IP
 * address, key and extended key usage, key sizes, signature hashes) and, at
 * the leaf, the rules over the whole chain up to its root (chain_checks.c:
 * the anchor is never passed to us), then let the front end's hook make the
 * verdict stricter. The first failure is kept for ssa_conn_verify_result(); whether
 * it stops the handshake depends on whether verification is enforced for
 * this connection.
 */
#include "chain_checks.h"
#include "engine.h"
#include "identity.h"
#include "sig_floor.h"

#include <string.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

static bool self_issued(WOLFSSL_X509 *x)
{
    return x && wolfSSL_X509_NAME_cmp(wolfSSL_X509_get_subject_name(x),
                                      wolfSSL_X509_get_issuer_name(x)) == 0;
}

/* Is the last certificate the peer sent a self-issued root? wolfSSL may
 * report the missing signer on the leaf, so look at the chain itself. */
static bool chain_ends_in_root(const WOLFSSL_X509_STORE_CTX *store)
{
    if (store->totalCerts < 2 || !store->certs)
        return false;
    const WOLFSSL_BUFFER_INFO *top = &store->certs[store->totalCerts - 1];
    WOLFSSL_X509 *x = wolfSSL_X509_d2i(NULL, top->buffer, (int)top->length);
    bool root = self_issued(x);
    wolfSSL_X509_free(x);
    return root;
}

/* wolfSSL's per-certificate errors, as OpenSSL would name them. */
static int map_store_error(const WOLFSSL_X509_STORE_CTX *store)
{
    int depth = store->error_depth;
    switch (store->error) {
    case ASN_NO_SIGNER_E:
    case ASN_SELF_SIGNED_E:
        if (ssa_chain_explain_missing_signer(store, store->current_cert) != SSA_V_OK)
            return SSA_V_ERR_INVALID_CA;
        if (depth == 0 && store->totalCerts <= 1 && self_issued(store->current_cert))
            return SSA_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
        if ((depth > 0 && self_issued(store->current_cert)) || chain_ends_in_root(store))
            return SSA_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
        return SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    default:
        return ssa_verify_map_wolf_error(store->error);
    }
}

int ssa_verify_map_wolf_error(int wolf_error)
{
    switch (wolf_error) {
    case 0:
        return SSA_V_OK;
    case ASN_BEFORE_DATE_E:
        return SSA_V_ERR_CERT_NOT_YET_VALID;
    case ASN_AFTER_DATE_E:
        return SSA_V_ERR_CERT_HAS_EXPIRED;
    case ASN_NO_SIGNER_E:
        return SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    case ASN_SELF_SIGNED_E:
        return SSA_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
    case ASN_SIG_CONFIRM_E:
    case ASN_SIG_OID_E:
    case ASN_SIG_KEY_E:
        return SSA_V_ERR_CERT_SIGNATURE_FAILURE;
    case DOMAIN_NAME_MISMATCH:
        return SSA_V_ERR_HOSTNAME_MISMATCH;
    case IPADDR_MISMATCH:
        return SSA_V_ERR_IP_ADDRESS_MISMATCH;
    case CRL_CERT_REVOKED:
    case OCSP_CERT_REVOKED:
        return SSA_V_ERR_CERT_REVOKED;
    case CRL_MISSING:
        return SSA_V_ERR_UNABLE_TO_GET_CRL;
    case ASN_PATHLEN_INV_E:
    case ASN_PATHLEN_SIZE_E:
        return SSA_V_ERR_PATH_LENGTH_EXCEEDED;
    case MAX_CHAIN_ERROR:
        return SSA_V_ERR_CERT_CHAIN_TOO_LONG;
    case EXTKEYUSE_AUTH_E:
    case KEYUSE_SIGNATURE_E:
    case KEYUSE_ENCIPHER_E:
        return SSA_V_ERR_INVALID_PURPOSE;
    case ASN_CRIT_EXT_E:
        return SSA_V_ERR_UNHANDLED_CRITICAL_EXTENSION;
    case RSA_KEY_SIZE_E:
    case ECC_KEY_SIZE_E:
        return SSA_V_ERR_EE_KEY_TOO_SMALL;
    case MEMORY_E:
        return SSA_V_ERR_OUT_OF_MEM;
    default:
        return SSA_V_ERR_UNSPECIFIED;
    }
}

/* The name to check: the one the application gave (or the SNI name),
 * else, where policy allows, the address we connected to. */
static const char *identity_to_check(const ssa_conn *c)
{
    const char *name = c->verify_name ? c->verify_name : c->hostname;
    if (!name && c->ctx->policy->verify_ip_fallback)
        name = c->peer_address;
    return name;
}

static int check_identity(ssa_conn *c, WOLFSSL_X509 *leaf)
{
    const char *name = identity_to_check(c);
    if (!name)
        return SSA_V_ERR_HOSTNAME_MISMATCH; /* nothing to check against */
    return ssa_identity_check(leaf, name);
}

/* The leaf's own checks, then the whole chain's, then its identity: the
 * order in which OpenSSL's verifier reports them. */
static int leaf_checks(ssa_conn *c, WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *leaf)
{
    int r = ssa_chain_leaf_purpose(c->role, leaf);
    if (r == SSA_V_OK)
        r = ssa_chain_check(c, store, leaf);
    if (r == SSA_V_OK && c->role == SSA_ROLE_CLIENT && c->settings.verify_hostname)
        r = check_identity(c, leaf);
    return r;
}

/* The front end may reject what we accept, never accept what we reject. */
static int ask_hook(ssa_conn *c, int depth, int verdict, WOLFSSL_X509 *x)
{
    if (!c->ctx->verify_hook)
        return verdict;
    int der_len = 0;
    const unsigned char *der = wolfSSL_X509_get_der(x, &der_len);
    int answer = c->ctx->verify_hook(c, depth, verdict, der, (size_t)der_len, c->ctx->verify_arg);
    if (verdict != SSA_V_OK)
        return verdict;
    return answer;
}

/* wolfSSL's TLS 1.2 client accepts an empty Certificate message and still
 * calls us for "the leaf", an empty placeholder without DER. */
static bool peer_sent_certificate(const WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *x)
{
    int len = 0;
    return x && store->totalCerts > 0 && wolfSSL_X509_get_der(x, &len) != NULL && len > 0;
}

/* No certificate: a server must always authenticate itself; a client only
 * where client authentication is required. */
static int no_certificate_verdict(ssa_conn *c)
{
    bool required = c->role == SSA_ROLE_CLIENT || c->settings.client_auth == SSA_CLIENT_AUTH_REQUIRE;
    if (required)
        c->no_peer_certificate = true;
    return required ? 0 : 1;
}

int ssa_verify_callback(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    WOLFSSL *ssl = wolfSSL_X509_STORE_CTX_get_ex_data(store, wolfSSL_get_ex_data_X509_STORE_CTX_idx());
    ssa_conn *c = ssl ? ssa_conn_from_wolf(ssl) : NULL;
    if (!c)
        return 0; /* fail closed: a handshake we do not know */
    c->verify_started = true; /* too late for ssa_conn_trust_der now */
    int depth = store->error_depth;
    WOLFSSL_X509 *x = store->current_cert;
    if (!peer_sent_certificate(store, x))
        return no_certificate_verdict(c);
    int verdict = preverify ? SSA_V_OK : map_store_error(store);
    if (verdict == SSA_V_OK)
        verdict = ssa_chain_key_floor(c->ctx->policy, x, depth == 0);
    verdict = ssa_sig_floor_verdict(c, x, verdict);
    if (verdict == SSA_V_OK && depth == 0)
        verdict = leaf_checks(c, store, x);
    verdict = ask_hook(c, depth, verdict, x);
    if (verdict != SSA_V_OK && c->verify_result == SSA_V_OK)
        c->verify_result = verdict;
    return (verdict == SSA_V_OK || !c->verify_enforced) ? 1 : 0;
}

/* Some certificate failures end the handshake before wolfSSL calls us at
 * all: it parses the peer's leaf first and gives up on a critical extension
 * it does not know. The verify result must not read "ok" then. */
void ssa_verify_note_engine_error(ssa_conn *c, int wolf_error)
{
    if (wolf_error == ASN_CRIT_EXT_E && c->verify_result == SSA_V_OK)
        c->verify_result = SSA_V_ERR_UNHANDLED_CRITICAL_EXTENSION;
}
