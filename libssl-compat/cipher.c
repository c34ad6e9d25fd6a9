/*
 * SSL_CIPHER: a borrowed view of one entry of the core's static table
 * (struct ssl_cipher_st wraps ssa_cipher_info), so pointers stay valid for
 * the life of the process, as OpenSSL's do.
 */
#include "internal.h"

static const ssa_cipher_info *info(const SSL_CIPHER *c)
{
    return (const ssa_cipher_info *)c;
}

const char *SSL_CIPHER_get_name(const SSL_CIPHER *c)
{
    return c ? info(c)->openssl_name : "(NONE)";
}

const char *SSL_CIPHER_standard_name(const SSL_CIPHER *c)
{
    return c ? info(c)->iana_name : NULL;
}

int SSL_CIPHER_get_bits(const SSL_CIPHER *c, int *alg_bits)
{
    if (!c)
        return 0;
    if (alg_bits)
        *alg_bits = info(c)->alg_bits;
    return info(c)->bits;
}

/* OpenSSL names the first protocol version that defined the suite. */
const char *SSL_CIPHER_get_version(const SSL_CIPHER *c)
{
    return c ? ssa_version_name(info(c)->min_version) : "(NONE)";
}

/* OpenSSL's ids carry 0x03000000 over the IANA value. */
uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c)
{
    return c ? 0x03000000u | info(c)->id : 0;
}

uint16_t SSL_CIPHER_get_protocol_id(const SSL_CIPHER *c)
{
    return c ? info(c)->id : 0;
}

/* By the two-byte IANA id, among the suites the core knows; NULL (no
 * error) for one it does not, as OpenSSL. */
const SSL_CIPHER *SSL_CIPHER_find(SSL *s, const unsigned char *ptr)
{
    (void)s;
    if (!ptr)
        return NULL;
    return (const SSL_CIPHER *)ssa_cipher_by_id((uint16_t)((ptr[0] << 8) | ptr[1]));
}
