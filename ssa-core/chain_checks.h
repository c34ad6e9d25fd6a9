/*
 * Internal to the core: the rules that concern the whole chain the engine
 * verified, the trust anchor included (DESIGN.md section 4: "floors apply
 * to every certificate of the verified chain, trust anchors included"), and
 * those that concern one certificate's role. Used by verify.c; every answer
 * is an ssa_verify_result (OpenSSL's X509_V_ERR_* numbers).
 */
#ifndef SSA_CHAIN_CHECKS_H
#define SSA_CHAIN_CHECKS_H

#include "engine.h"

/* Policy's key-size floor (min_rsa_bits, min_ec_bits) for one certificate:
 * SSA_V_OK, SSA_V_ERR_EE_KEY_TOO_SMALL (the leaf) or
 * SSA_V_ERR_CA_KEY_TOO_SMALL (any CA, trust anchors included). */
int ssa_chain_key_floor(const ssa_policy *p, WOLFSSL_X509 *x, bool is_leaf);

/* Does the peer's leaf serve the role the peer plays (`ours` is our own
 * role)? extendedKeyUsage, where present, must list it; keyUsage, where
 * present, must allow a TLS use of the key, as OpenSSL's TLS purposes ask:
 * a server's key may sign, encrypt or agree, a client's sign or agree.
 * SSA_V_OK or SSA_V_ERR_INVALID_PURPOSE. */
int ssa_chain_leaf_purpose(ssa_role ours, WOLFSSL_X509 *leaf);

/* Called at the leaf once the engine accepted it: builds the path from the
 * leaf up to a self-signed root through the certificate manager this
 * connection verifies with, then holds every certificate of it to the
 * rules: an anchor that is no root (SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT, as
 * OpenSSL without X509_V_FLAG_PARTIAL_CHAIN), CA constraints
 * (SSA_V_ERR_INVALID_CA), the role's extendedKeyUsage on CAs
 * (SSA_V_ERR_INVALID_PURPOSE), pathLenConstraint
 * (SSA_V_ERR_PATH_LENGTH_EXCEEDED), then key-size floors. The first
 * failure in OpenSSL's order is returned. */
int ssa_chain_check(const ssa_conn *c, WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *leaf);

/* The engine found no signer for x. If the peer did send x's issuer and
 * that certificate is no valid CA (not CA:TRUE, or keyUsage without
 * keyCertSign), say so: SSA_V_ERR_INVALID_CA. Otherwise SSA_V_OK (no
 * better explanation than the missing issuer). */
int ssa_chain_explain_missing_signer(const WOLFSSL_X509_STORE_CTX *store, WOLFSSL_X509 *x);

#endif
