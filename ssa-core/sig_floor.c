/*
 * The signature-hash floor over the verified chain (DESIGN.md section 4:
 * "floors apply to everything verified").
 *
 * Implementation notes:
 * - wolfSSL names a certificate's signatureAlgorithm by its OID sum
 *   (CTC_SHA256wRSA, ...), which says the hash for every algorithm but
 *   RSASSA-PSS, whose hash is in its parameters. This engine build does
 *   not parse RSASSA-PSS-signed certificates at all (such a chain never
 *   verifies), so PSS is not read here: it falls under the next rule.
 * - A hash we cannot tell is below every floor: the check fails closed.
 */
#include "sig_floor.h"

#include <wolfssl/wolfcrypt/asn_public.h>

static int hash_of_sig_oid(int oid)
{
    switch (oid) {
    case CTC_MD2wRSA:
    case CTC_MD5wRSA:
        return SSA_SIG_HASH_MD5;
    case CTC_SHAwRSA:
    case CTC_SHAwECDSA:
    case CTC_SHAwDSA:
        return SSA_SIG_HASH_SHA1;
    case CTC_SHA224wRSA:
    case CTC_SHA224wECDSA:
    case CTC_SHA3_224wRSA:
    case CTC_SHA3_224wECDSA:
        return SSA_SIG_HASH_SHA224;
    case CTC_SHA256wRSA:
    case CTC_SHA256wECDSA:
    case CTC_SHA256wDSA:
    case CTC_SHA3_256wRSA:
    case CTC_SHA3_256wECDSA:
        return SSA_SIG_HASH_SHA256;
    case CTC_SHA384wRSA:
    case CTC_SHA384wECDSA:
    case CTC_SHA3_384wRSA:
    case CTC_SHA3_384wECDSA:
        return SSA_SIG_HASH_SHA384;
    case CTC_SHA512wRSA:
    case CTC_SHA512wECDSA:
    case CTC_SHA3_512wRSA:
    case CTC_SHA3_512wECDSA:
    case CTC_ED25519:
    case CTC_ED448:
        return SSA_SIG_HASH_SHA512;
    default:
        return 0;
    }
}

int ssa_cert_signature_hash(WOLFSSL_X509 *x)
{
    return hash_of_sig_oid(wolfSSL_X509_get_signature_type(x));
}

static bool self_signed(WOLFSSL_X509 *x)
{
    return wolfSSL_X509_NAME_cmp(wolfSSL_X509_get_subject_name(x),
                                 wolfSSL_X509_get_issuer_name(x)) == 0;
}

int ssa_sig_floor_verdict(const ssa_conn *c, WOLFSSL_X509 *x, int verdict)
{
    if (verdict != SSA_V_OK || !x || self_signed(x))
        return verdict;
    const ssa_policy *p = c->ctx->policy;
    int floor = p->min_signature_hash > 0 ? p->min_signature_hash : SSA_SIG_HASH_SHA256;
    int hash = ssa_cert_signature_hash(x);
    if (hash >= floor)
        return verdict;
    ssa_audit_event(p, c->ctx->frontend,
                    "certificate signed with %s refused: policy's min_signature_hash is %s",
                    hash ? ssa_sig_hash_name(hash) : "an unknown hash", ssa_sig_hash_name(floor));
    return SSA_V_ERR_CA_MD_TOO_WEAK;
}
