/*
 * The connection's transport, under the engine: a file descriptor or the
 * front end's read/write callbacks (the drop-in's BIOs). This is the one
 * narrow interface through which every record passes; it moves bytes
 * straight between the engine's buffer and the transport, no copies.
 */
#include "engine.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static ssize_t fd_read(int fd, void *buf, size_t len, int *err)
{
    ssize_t n = read(fd, buf, len);
    *err = n < 0 ? errno : 0;
    return n;
}

/* send() with MSG_NOSIGNAL so a closed peer is EPIPE, not SIGPIPE; write()
 * for descriptors that are not sockets (pipes): decided once, in
 * ssa_conn_set_fd, not per record. */
static ssize_t fd_write(int fd, bool is_socket, const void *buf, size_t len, int *err)
{
    ssize_t n = is_socket ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
    *err = n < 0 ? errno : 0;
    return n;
}

static int errno_to_cbio(int err, bool reading)
{
    switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return reading ? WOLFSSL_CBIO_ERR_WANT_READ : WOLFSSL_CBIO_ERR_WANT_WRITE;
    case EINTR:
        return WOLFSSL_CBIO_ERR_ISR;
    case ECONNRESET:
        return WOLFSSL_CBIO_ERR_CONN_RST;
    case EPIPE:
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    default:
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
}

static int engine_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
    (void)ssl;
    ssa_conn *c = arg;
    int err = 0;
    ssize_t n = c->rd ? c->rd(c->io_arg, buf, (size_t)sz, &err) : fd_read(c->fd, buf, (size_t)sz, &err);
    if (n > 0 && !c->hello_done)
        ssa_hello_capture(c, (const unsigned char *)buf, (size_t)n);
    if (n > 0)
        return (int)n;
    if (n == 0) {
        c->transport_eof = true;
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    }
    c->last_errno = err;
    return errno_to_cbio(err, true);
}

static int engine_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
    (void)ssl;
    ssa_conn *c = arg;
    int err = 0;
    ssize_t n = c->wr ? c->wr(c->io_arg, buf, (size_t)sz, &err)
                      : fd_write(c->fd, c->fd_is_socket, buf, (size_t)sz, &err);
    if (n > 0)
        return (int)n;
    if (n == 0) { /* not a valid answer: the engine would retry forever */
        c->last_errno = EIO;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    c->last_errno = err;
    return errno_to_cbio(err, false);
}

void ssa_io_attach(ssa_conn *c)
{
    wolfSSL_SSLSetIORecv(c->ssl, engine_recv);
    wolfSSL_SSLSetIOSend(c->ssl, engine_send);
    wolfSSL_SetIOReadCtx(c->ssl, c);
    wolfSSL_SetIOWriteCtx(c->ssl, c);
}
