/*
 * Rules over the whole verified chain, trust anchor included.
 *
 * wolfSSL calls ssa_verify_callback once per certificate the peer sent,
 * never for the trust anchor the chain ends at, and it lets a chain end at
 * any certificate of the store (WOLFSSL_ALT_CERT_CHAINS: an intermediate
 * given as an anchor validates alone). It also skips the anchor's
 * pathLenConstraint (a self-signed CA's path length is not read) and
 * keyUsage on the leaf (TLS 1.3). So at the leaf, once the engine accepted
 * it, we build the path ourselves and check it as OpenSSL's verifier does.
 *
 * The path goes up from the leaf by issuer lookups in the certificate
 * manager the connection verified with -- the store wolfSSL hands the
 * callback: the context's own when the application brought anchors, the
 * shared system store (trust.c), or the connection's (conn_anchors.c).
 * While the engine processes the peer's chain, that lookup also sees the
 * chain's CAs it verified (wolfssl-patches/0001), and the lookup order is
 * the engine's own, so the path is the one the engine verified; above the
 * engine's anchor it goes on among trusted certificates until a self-signed
 * root. The manager keeps each CA's certificate (WOLFSSL_SIGNER_DER_CERT,
 * scripts/build-wolfssl.sh), which is how the anchor is found at all.
 */
#include "chain_checks.h"

#include <string.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/asn.h>

/* Without it every anchor would come back as an empty certificate, and
 * every chain would be refused: rebuild wolfSSL (scripts/build-wolfssl.sh). */
#ifndef WOLFSSL_SIGNER_DER_CERT
#error "wolfSSL must be built with WOLFSSL_SIGNER_DER_CERT (scripts/build-wolfssl.sh)"
#endif

/* wolfSSL_X509_get_extended_key_usage() answers in OpenSSL's XKU_* bits,
 * wolfSSL_X509_get_extension_flags() in its EXFLAG_* bits. */
enum { XKU_SERVER = 0x1, XKU_CLIENT = 0x2, XKU_ANY = 0x100 };
enum { EXFLAG_KEY_USAGE = 0x2, EXFLAG_EXT_KEY_USAGE = 0x4 };

/* The engine's own limit on a peer's chain (MAX_CHAIN_DEPTH) is 9; anchors
 * above it add a few. */
#define CHAIN_MAX 16

/* A path from the leaf ([0], borrowed from the engine) up; the others are
 * our own references. */
typedef struct chain {
    WOLFSSL_X509 *cert[CHAIN_MAX];
    int n;
} chain;

int ssa_chain_key_floor(const ssa_policy *p, WOLFSSL_X509 *x, bool is_leaf)
{
    WOLFSSL_EVP_PKEY *key = wolfSSL_X509_get_pubkey(x);
    if (!key)
        return SSA_V_OK;
    int type = wolfSSL_X509_get_pubkey_type(x);
    int bits = wolfSSL_EVP_PKEY_bits(key);
    wolfSSL_EVP_PKEY_free(key);
    bool too_small = (type == RSAk && bits < p->min_rsa_bits) ||
                     (type == ECDSAk && bits < p->min_ec_bits);
    if (!too_small)
        return SSA_V_OK;
    return is_leaf ? SSA_V_ERR_EE_KEY_TOO_SMALL : SSA_V_ERR_CA_KEY_TOO_SMALL;
}

static bool has_key_usage(WOLFSSL_X509 *x)
{
    return (wolfSSL_X509_get_extension_flags(x) & EXFLAG_KEY_USAGE) != 0;
}

/* keyUsage, where present, allows one of `any_of`. */
static bool key_usage_allows(WOLFSSL_X509 *x, unsigned any_of)
{
    return !has_key_usage(x) || (wolfSSL_X509_get_keyUsage(x) & any_of) != 0;
}

/* extendedKeyUsage, where present, lists the peer's role (or any use). */
static bool ext_key_usage_allows(WOLFSSL_X509 *x, ssa_role ours)
{
    if (!(wolfSSL_X509_get_extension_flags(x) & EXFLAG_EXT_KEY_USAGE))
        return true;
    unsigned need = ours == SSA_ROLE_CLIENT ? XKU_SERVER : XKU_CLIENT;
    return (wolfSSL_X509_get_extended_key_usage(x) & (need | XKU_ANY)) != 0;
}

int ssa_chain_leaf_purpose(ssa_role ours, WOLFSSL_X509 *leaf)
{
    unsigned tls_use = ours == SSA_ROLE_CLIENT
                           ? KEYUSE_DIGITAL_SIG | KEYUSE_KEY_ENCIPHER | KEYUSE_KEY_AGREE
                           : KEYUSE_DIGITAL_SIG | KEYUSE_KEY_AGREE;
    if (!ext_key_usage_allows(leaf, ours) || !key_usage_allows(leaf, tls_use))
        return SSA_V_ERR_INVALID_PURPOSE;
    return SSA_V_OK;
}

/* Same subject and issuer name, and key identifiers that do not disagree. */
static bool self_issued(WOLFSSL_X509 *x)
{
    return wolfSSL_X509_check_issued(x, x) == X509_V_OK;
}

/* Does `signer`'s key verify x's signature? */
static bool signed_by(WOLFSSL_X509 *x, WOLFSSL_X509 *signer)
{
    WOLFSSL_EVP_PKEY *key = wolfSSL_X509_get_pubkey(signer);
    bool ok = key && wolfSSL_X509_verify(x, key) == WOLFSSL_SUCCESS;
    wolfSSL_EVP_PKEY_free(key);
    return ok;
}

/* A CA must be one: basicConstraints CA:TRUE and, where keyUsage is
 * present, keyCertSign. As OpenSSL allows, the top of the path (a trust
 * anchor) may instead lack basicConstraints if it is a v1 self-signed root
 * or its keyUsage has keyCertSign. */
static bool valid_ca(WOLFSSL_X509 *x, bool is_top)
{
    if (!key_usage_allows(x, KEYUSE_KEY_CERT_SIGN))
        return false;
    if (wolfSSL_X509_ext_isSet_by_NID(x, NID_basic_constraints))
        return wolfSSL_X509_get_isCA(x) != 0;
    if (!is_top)
        return false;
    return (wolfSSL_X509_get_version(x) == 0 && self_issued(x)) || has_key_usage(x);
}

int ssa_chain_explain_missing_signer(const WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *x)
{
    for (int i = 0; store->certs && x && i < store->totalCerts; i++) {
        const WOLFSSL_BUFFER_INFO *b = &store->certs[i];
        WOLFSSL_X509 *candidate = wolfSSL_X509_d2i(NULL, b->buffer, (int)b->length);
        bool invalid = candidate && !self_issued(x) &&
                       wolfSSL_X509_check_issued(candidate, x) == X509_V_OK &&
                       !valid_ca(candidate, false);
        wolfSSL_X509_free(candidate);
        if (invalid)
            return SSA_V_ERR_INVALID_CA;
    }
    return SSA_V_OK;
}

/* Is x one of the certificates the peer sent? */
static bool sent_by_peer(const WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *x)
{
    int len = 0;
    const unsigned char *der = wolfSSL_X509_get_der(x, &len);
    for (int i = 0; der && store->certs && i < store->totalCerts; i++) {
        const WOLFSSL_BUFFER_INFO *b = &store->certs[i];
        if (b->length == (unsigned)len && memcmp(b->buffer, der, (size_t)len) == 0)
            return true;
    }
    return false;
}

/* Where the path ends: a self-issued certificate that is a trust anchor, or
 * one the peer sent whose signature its own key verifies. (A certificate
 * the peer sent that merely carries its issuer's name, and no key
 * identifier, must not end the path below the CA that signed it.) */
static bool is_root(const WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *x)
{
    if (!self_issued(x))
        return false;
    return !sent_by_peer(store, x) || signed_by(x, x);
}

/* x's issuer in the certificate manager of `trust`, by the engine's own
 * lookup (key identifier, then name). New reference, or NULL. */
static WOLFSSL_X509 *issuer_in(WOLFSSL_X509_STORE *trust, WOLFSSL_X509 *x)
{
    /* get1_issuer reads the context's store and chain only: a zeroed
     * context (no chain) makes it ask the certificate manager alone. */
    WOLFSSL_X509_STORE_CTX lookup;
    memset(&lookup, 0, sizeof lookup);
    lookup.store = trust;
    WOLFSSL_X509 *issuer = NULL;
    if (!trust || wolfSSL_X509_STORE_CTX_get1_issuer(&issuer, &lookup, x) != WOLFSSL_SUCCESS)
        return NULL;
    return issuer;
}

/* When the engine's lookup finds nothing -- it takes a certificate that
 * carries its issuer's name as its own for self-signed, and looks no
 * further -- among the trusted certificates of x's issuer name, the one
 * whose key verifies x. Rare (else the chain fails anyway), and so allowed
 * to cost a pass over the store. New reference, or NULL. */
static WOLFSSL_X509 *issuer_by_name(WOLFSSL_X509_STORE *trust, WOLFSSL_X509 *x)
{
    WOLFSSL_X509_STORE_CTX lookup;
    memset(&lookup, 0, sizeof lookup);
    lookup.store = trust;
    WOLF_STACK_OF(WOLFSSL_X509) *named =
        trust ? wolfSSL_X509_STORE_get1_certs(&lookup, wolfSSL_X509_get_issuer_name(x)) : NULL;
    WOLFSSL_X509 *found = NULL;
    for (int i = 0; named && !found && i < wolfSSL_sk_X509_num(named); i++) {
        WOLFSSL_X509 *candidate = wolfSSL_sk_X509_value(named, i);
        if (signed_by(x, candidate) && wolfSSL_X509_up_ref(candidate) == WOLFSSL_SUCCESS)
            found = candidate;
    }
    wolfSSL_sk_X509_pop_free(named, NULL);
    return found;
}

/* Does the step from `child` up to `issuer` hold? The engine checked the
 * signature of every certificate the peer sent, against this same manager;
 * above them, among trusted certificates, nobody has yet. */
static int step_verdict(const WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *child,
                        WOLFSSL_X509 *issuer)
{
    if (wolfSSL_X509_check_issued(issuer, child) != X509_V_OK)
        return SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
    if (sent_by_peer(store, child) || signed_by(child, issuer))
        return SSA_V_OK;
    return SSA_V_ERR_CERT_SIGNATURE_FAILURE;
}

static int build_path(chain *ch, WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *leaf)
{
    ch->cert[0] = leaf;
    ch->n = 1;
    while (!is_root(store, ch->cert[ch->n - 1])) {
        if (ch->n == CHAIN_MAX)
            return SSA_V_ERR_CERT_CHAIN_TOO_LONG;
        WOLFSSL_X509 *child = ch->cert[ch->n - 1];
        WOLFSSL_X509 *issuer = issuer_in(store->store, child);
        if (!issuer)
            issuer = issuer_by_name(store->store, child);
        if (!issuer) /* the top is trusted, but is no root */
            return SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
        ch->cert[ch->n++] = issuer;
        int r = step_verdict(store, child, issuer);
        if (r != SSA_V_OK)
            return r;
    }
    return SSA_V_OK;
}

static void free_path(chain *ch)
{
    for (int i = 1; i < ch->n; i++)
        wolfSSL_X509_free(ch->cert[i]);
    ch->n = 0;
}

/* The CA at cert[i], with `below` CAs under it that are not self-issued. */
static int check_ca(const chain *ch, int i, int below, ssa_role ours)
{
    WOLFSSL_X509 *x = ch->cert[i];
    if (!valid_ca(x, i == ch->n - 1))
        return SSA_V_ERR_INVALID_CA;
    if (!ext_key_usage_allows(x, ours))
        return SSA_V_ERR_INVALID_PURPOSE;
    /* RFC 5280 4.2.1.9: pathLenConstraint bounds the intermediates below. */
    if (wolfSSL_X509_get_isSet_pathLength(x) && below > (int)wolfSSL_X509_get_pathLength(x))
        return SSA_V_ERR_PATH_LENGTH_EXCEEDED;
    return SSA_V_OK;
}

/* OpenSSL's order: every certificate's extensions, then every key (those
 * the peer sent met the floor at their own callback already). */
static int check_path(const chain *ch, const ssa_conn *c, const WOLFSSL_X509_STORE_CTX *store)
{
    int below = 0;
    for (int i = 1; i < ch->n; i++) {
        int r = check_ca(ch, i, below, c->role);
        if (r != SSA_V_OK)
            return r;
        if (!self_issued(ch->cert[i]))
            below++;
    }
    for (int i = 1; i < ch->n; i++) {
        if (sent_by_peer(store, ch->cert[i]))
            continue;
        int r = ssa_chain_key_floor(c->ctx->policy, ch->cert[i], false);
        if (r != SSA_V_OK)
            return r;
    }
    return SSA_V_OK;
}

int ssa_chain_check(const ssa_conn *c, WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *leaf)
{
    chain ch;
    int r = build_path(&ch, store, leaf);
    if (r == SSA_V_OK)
        r = check_path(&ch, c, store);
    free_path(&ch);
    return r;
}
