/*
 * The signature-hash floor (policy's min_signature_hash) over each
 * certificate of the verified chain.
 */
#ifndef SSA_SIG_FLOOR_H
#define SSA_SIG_FLOOR_H

#include "engine.h"

/* The hash behind a certificate's signatureAlgorithm (SSA_SIG_HASH_*), 0
 * when it cannot be told (an algorithm the core does not know). */
int ssa_cert_signature_hash(WOLFSSL_X509 *x);

/* The verify callback's verdict for x after the floor: `verdict` unchanged
 * unless it was SSA_V_OK and x's signature uses a hash below policy's
 * floor, then SSA_V_ERR_CA_MD_TOO_WEAK (OpenSSL's code for every
 * certificate of the chain). A self-signed certificate is not judged: its
 * signature over itself proves nothing (OpenSSL skips the anchor's too). */
int ssa_sig_floor_verdict(const ssa_conn *c, WOLFSSL_X509 *x, int verdict);

#endif
