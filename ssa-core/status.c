/* One table of the core's status codes and one of verification results. */
#include "ssa/core.h"

#include <stddef.h>

static const char *const status_names[] = {
    [SSA_OK] = "ok",
    [SSA_WANT_READ] = "want read",
    [SSA_WANT_WRITE] = "want write",
    [SSA_EOF] = "peer closed the connection (close_notify)",
    [SSA_ERR_SYSCALL] = "transport error",
    [SSA_ERR_PROTOCOL] = "TLS protocol error",
    [SSA_ERR_VERIFY] = "certificate verify failed",
    [SSA_ERR_POLICY] = "refused by SSA policy",
    [SSA_ERR_ARG] = "invalid argument",
    [SSA_ERR_STATE] = "not allowed in this state",
    [SSA_ERR_NOMEM] = "out of memory",
    [SSA_ERR_IO_FILE] = "file could not be used",
};

const char *ssa_status_name(ssa_status st)
{
    if ((size_t)st < sizeof(status_names) / sizeof(status_names[0]) && status_names[st])
        return status_names[st];
    return "unknown status";
}

/* The texts are OpenSSL's (X509_verify_cert_error_string), so that users
 * and scripts see the messages they know. */
static const struct {
    int code;
    const char *text;
} verify_texts[] = {
    {SSA_V_OK, "ok"},
    {SSA_V_ERR_UNSPECIFIED, "unspecified certificate verification error"},
    {SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "unable to get issuer certificate"},
    {SSA_V_ERR_UNABLE_TO_GET_CRL, "unable to get certificate CRL"},
    {SSA_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, "unable to decode issuer public key"},
    {SSA_V_ERR_CERT_SIGNATURE_FAILURE, "certificate signature failure"},
    {SSA_V_ERR_CRL_SIGNATURE_FAILURE, "CRL signature failure"},
    {SSA_V_ERR_CERT_NOT_YET_VALID, "certificate is not yet valid"},
    {SSA_V_ERR_CERT_HAS_EXPIRED, "certificate has expired"},
    {SSA_V_ERR_CRL_NOT_YET_VALID, "CRL is not yet valid"},
    {SSA_V_ERR_CRL_HAS_EXPIRED, "CRL has expired"},
    {SSA_V_ERR_OUT_OF_MEM, "out of memory"},
    {SSA_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "self-signed certificate"},
    {SSA_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "self-signed certificate in certificate chain"},
    {SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "unable to get local issuer certificate"},
    {SSA_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "unable to verify the first certificate"},
    {SSA_V_ERR_CERT_CHAIN_TOO_LONG, "certificate chain too long"},
    {SSA_V_ERR_CERT_REVOKED, "certificate revoked"},
    {SSA_V_ERR_PATH_LENGTH_EXCEEDED, "path length constraint exceeded"},
    {SSA_V_ERR_INVALID_PURPOSE, "unsuitable certificate purpose"},
    {SSA_V_ERR_CERT_UNTRUSTED, "certificate not trusted"},
    {SSA_V_ERR_CERT_REJECTED, "certificate rejected"},
    {SSA_V_ERR_UNHANDLED_CRITICAL_EXTENSION, "unhandled critical extension"},
    {SSA_V_ERR_APPLICATION_VERIFICATION, "application verification failure"},
    {SSA_V_ERR_HOSTNAME_MISMATCH, "hostname mismatch"},
    {SSA_V_ERR_IP_ADDRESS_MISMATCH, "IP address mismatch"},
    {SSA_V_ERR_EE_KEY_TOO_SMALL, "EE certificate key too weak"},
    {SSA_V_ERR_CA_KEY_TOO_SMALL, "CA certificate key too weak"},
    {SSA_V_ERR_CA_MD_TOO_WEAK, "CA signature digest algorithm too weak"},
    {SSA_V_ERR_INVALID_CA, "invalid CA certificate"},
};

const char *ssa_verify_result_string(int result)
{
    for (size_t i = 0; i < sizeof(verify_texts) / sizeof(verify_texts[0]); i++)
        if (verify_texts[i].code == result)
            return verify_texts[i].text;
    return "unknown certificate verification error";
}
