/*
 * The connection's BIOs: SSL_set_fd and friends, SSL_set_bio with OpenSSL's
 * exact ownership rules, and the bridge that makes them the core's
 * transport.
 *
 * Implementation notes: the SSL owns one reference on rbio and one on wbio
 * (two on one BIO when they are the same), exactly as OpenSSL's
 * ssl/ssl_lib.c; SSL_free releases both. The bridge reads s->rbio and
 * s->wbio at each call, so BIOs changed mid-connection are honoured.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>

/* ---- the bridge ----------------------------------------------------------- */

/* BIO convention -> core convention: >0 bytes, 0 EOF, -1 with errno (EAGAIN
 * when the BIO asks to be retried: a non-blocking socket, an empty memory
 * BIO, or curl's own BIO_METHOD). */
static ssize_t bio_result(BIO *b, int n, bool reading, int *err_out)
{
    if (n > 0)
        return n;
    if (BIO_should_retry(b)) {
        *err_out = EAGAIN;
        return -1;
    }
    if (n == 0 && reading)
        return 0;
    *err_out = errno ? errno : EIO;
    return -1;
}

static ssize_t bio_rd(void *arg, void *buf, size_t len, int *err_out)
{
    SSL *s = arg;
    errno = 0;
    int n = BIO_read(s->rbio, buf, len > INT_MAX ? INT_MAX : (int)len);
    /* The application's BIO may have just filled the X509_STORE (curl's
     * read method loads its CA file on its first call, before it returns
     * the server's reply): the engine must have those anchors before it
     * sees the certificate these bytes carry. */
    compat_hand_late_anchors(s);
    return bio_result(s->rbio, n, true, err_out);
}

static ssize_t bio_wr(void *arg, const void *buf, size_t len, int *err_out)
{
    SSL *s = arg;
    errno = 0;
    int n = BIO_write(s->wbio, buf, len > INT_MAX ? INT_MAX : (int)len);
    return bio_result(s->wbio, n, false, err_out);
}

ssa_status compat_bio_attach(SSL *s)
{
    return ssa_conn_set_io(s->conn, bio_rd, bio_wr, s);
}

/* ---- ownership (ssl/ssl_lib.c rules) ------------------------------------- */

void SSL_set0_rbio(SSL *s, BIO *rbio)
{
    BIO_free_all(s->rbio);
    s->rbio = rbio;
}

void SSL_set0_wbio(SSL *s, BIO *wbio)
{
    BIO_free_all(s->wbio);
    s->wbio = wbio;
}

void SSL_set_bio(SSL *s, BIO *rbio, BIO *wbio)
{
    /* The same BIO twice: the caller gave one reference, we keep two. */
    if (rbio && rbio == wbio)
        BIO_up_ref(rbio);
    /* Only the wbio changes: adopt one reference. */
    if (rbio == s->rbio) {
        SSL_set0_wbio(s, wbio);
        return;
    }
    /* OpenSSL's historical asymmetry: only the rbio changes, and they were
     * different: adopt one reference. */
    if (wbio == s->wbio && s->rbio != s->wbio) {
        SSL_set0_rbio(s, rbio);
        return;
    }
    SSL_set0_rbio(s, rbio);
    SSL_set0_wbio(s, wbio);
}

BIO *SSL_get_rbio(const SSL *s) { return s->rbio; }
BIO *SSL_get_wbio(const SSL *s) { return s->wbio; }

/* ---- descriptors -------------------------------------------------------- */

static BIO *socket_bio(int fd)
{
    BIO *b = BIO_new_socket(fd, BIO_NOCLOSE);
    if (!b)
        COMPAT_ERR(ERR_R_BUF_LIB);
    return b;
}

int SSL_set_fd(SSL *s, int fd)
{
    BIO *b = socket_bio(fd);
    if (!b)
        return 0;
    SSL_set_bio(s, b, b);
    return 1;
}

/* Reuse the other direction's socket BIO when it is the same descriptor. */
static BIO *matching_socket(BIO *other, int fd)
{
    if (other && BIO_method_type(other) == BIO_TYPE_SOCKET && BIO_get_fd(other, NULL) == fd) {
        BIO_up_ref(other);
        return other;
    }
    return socket_bio(fd);
}

int SSL_set_rfd(SSL *s, int fd)
{
    BIO *b = matching_socket(s->wbio, fd);
    if (!b)
        return 0;
    SSL_set0_rbio(s, b);
    return 1;
}

int SSL_set_wfd(SSL *s, int fd)
{
    BIO *b = matching_socket(s->rbio, fd);
    if (!b)
        return 0;
    SSL_set0_wbio(s, b);
    return 1;
}

static int bio_fd(BIO *b)
{
    int fd = -1;
    /* As OpenSSL: BIO_find_type itself reports a missing BIO on the queue. */
    BIO *d = BIO_find_type(b, BIO_TYPE_DESCRIPTOR);
    if (d)
        BIO_get_fd(d, &fd);
    return fd;
}

int SSL_get_rfd(const SSL *s) { return bio_fd(s->rbio); }
int SSL_get_wfd(const SSL *s) { return bio_fd(s->wbio); }
int SSL_get_fd(const SSL *s) { return SSL_get_rfd(s); }
