/*
 * TEMPORARY (servers branch only; reverted before hand-over): minimal
 * versions of the seven symbols the python helper owns, so that nginx and
 * lighttpd (linked BIND_NOW) can be started while testing this branch.
 * The real implementations come from /work/wt-python.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *SSL_CIPHER_description(const SSL_CIPHER *c, char *buf, int size)
{
    const ssa_cipher_info *i = (const ssa_cipher_info *)c;
    if (!buf && !(buf = OPENSSL_malloc(size = 128)))
        return NULL;
    snprintf(buf, (size_t)size, "%-30s %-7s Kx=%-8s Au=%-5s Enc=%-22s Mac=%-4s\n",
             i->openssl_name, ssa_version_name(i->min_version), i->kx, i->auth, i->enc, i->mac);
    return buf;
}

const unsigned char *SSL_SESSION_get_id(const SSL_SESSION *ss, unsigned int *len)
{
    static __thread unsigned char id[32];
    size_t n = 0;
    if (ssa_session_blob_id(ss->blob, ss->len, id, &n) != SSA_OK)
        n = 0;
    if (len)
        *len = (unsigned)n;
    return id;
}

STACK_OF(X509) *SSL_get0_verified_chain(const SSL *s) { return SSL_get_peer_cert_chain(s); }

void SSL_set_read_ahead(SSL *s, int yes) { (void)s; (void)yes; }

void SSL_set_verify(SSL *s, int mode, SSL_verify_cb cb)
{
    s->rq.verify_mode = mode;
    s->rq.verify_cb = cb;
}

int i2d_SSL_SESSION(const SSL_SESSION *ss, unsigned char **pp)
{
    if (pp && *pp) {
        memcpy(*pp, ss->blob, ss->len);
        *pp += ss->len;
    } else if (pp) {
        if (!(*pp = OPENSSL_malloc(ss->len)))
            return 0;
        memcpy(*pp, ss->blob, ss->len);
    }
    return (int)ss->len;
}

SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length)
{
    SSL_SESSION *ss = compat_session_from_blob(*pp, (size_t)length, NULL);
    if (ss) {
        *pp += length;
        if (a) {
            SSL_SESSION_free(*a);
            *a = ss;
        }
    }
    return ss;
}
