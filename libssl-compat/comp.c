/*
 * Compression: never offered. TLS compression is unsafe (CRIME) and the
 * SSA core has none, so this libssl behaves as an OpenSSL 3 built without
 * zlib: the list of compression methods exists and is empty, and no
 * connection ever has a current compression or expansion method.
 */
#include "internal.h"

#include <openssl/comp.h>

static STACK_OF(SSL_COMP) *methods;
static pthread_once_t methods_once = PTHREAD_ONCE_INIT;

static void methods_init(void)
{
    methods = sk_SSL_COMP_new_null();
}

/* The same (empty) stack every time, owned by the library, as OpenSSL's.
 * NULL only if it could not be allocated. */
STACK_OF(SSL_COMP) *SSL_COMP_get_compression_methods(void)
{
    pthread_once(&methods_once, methods_init);
    return methods;
}

/* As OpenSSL 3: the method's own name, NULL for none. */
const char *SSL_COMP_get_name(const COMP_METHOD *comp)
{
    return comp ? COMP_get_name(comp) : NULL;
}

const COMP_METHOD *SSL_get_current_compression(const SSL *s)
{
    (void)s;
    return NULL;
}

const COMP_METHOD *SSL_get_current_expansion(const SSL *s)
{
    (void)s;
    return NULL;
}
