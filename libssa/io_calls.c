/*
 * The data path: send/recv/read/write/sendto/recvfrom/sendmsg/recvmsg/
 * readv/writev on TLS descriptors encrypt and decrypt; on every other
 * descriptor they are the C library's own.
 *
 * Each call runs the core non-blocking under the socket's lock and, for a
 * blocking descriptor, waits in poll() with the lock released (engine_io.c).
 * A handshake still in progress (non-blocking connect or accept) is driven
 * first: EAGAIN until it is done.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOUNCE_MAX 16384 /* one TLS record's worth of plaintext */

/* Ready for data? 0, or -1 with errno (EAGAIN while a non-blocking
 * handshake is still under way). */
static int ready_for_data(struct tls_sock *s, bool nonblock)
{
    pthread_mutex_lock(&s->lock);
    enum tls_state st = s->state;
    int fail = s->fail_errno;
    pthread_mutex_unlock(&s->lock);
    switch (st) {
    case TLS_ST_CONNECTED:
        return 0;
    case TLS_ST_FAILED:
        return errno = fail, -1;
    case TLS_ST_CONNECTING:
    case TLS_ST_HANDSHAKE:
        return tls_handshake(s, nonblock);
    default:
        return errno = ENOTCONN, -1;
    }
}

/* A core failure while moving data: sticky, with its words in TLS_ERROR.
 * Called with the lock held. */
static int data_failure(struct tls_sock *s, ssa_status st)
{
    tls_set_error(s, "%s", ssa_conn_error(s->conn));
    return tls_fail(s, tls_errno_for(st, s->conn));
}

static bool nonblocking_call(struct tls_sock *s, int flags)
{
    return (flags & MSG_DONTWAIT) || tls_fd_nonblocking(atomic_load(&s->io_fd));
}

/* One read attempt: >= 0 bytes (0 at close_notify), -1 with errno. */
static ssize_t read_once(struct tls_sock *s, void *buf, size_t len, bool peek, ssa_status *want)
{
    size_t n = 0;
    *want = SSA_OK;
    pthread_mutex_lock(&s->lock);
    tls_mark_used(s);
    ssa_status st = s->state == TLS_ST_FAILED ? SSA_ERR_STATE
                    : peek ? ssa_conn_peek(s->conn, buf, len, &n)
                           : ssa_conn_read(s->conn, buf, len, &n);
    ssize_t r = (ssize_t)n;
    if (st == SSA_WANT_READ || st == SSA_WANT_WRITE) {
        *want = st;
        errno = EAGAIN;
        r = -1;
    } else if (st == SSA_ERR_STATE && s->state == TLS_ST_FAILED) {
        errno = s->fail_errno;
        r = -1;
    } else if (st != SSA_OK && st != SSA_EOF) {
        r = data_failure(s, st);
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

ssize_t tls_recv(struct tls_sock *s, void *buf, size_t len, int flags)
{
    if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC))
        return errno = EOPNOTSUPP, -1; /* MSG_OOB has no meaning inside TLS */
    bool nonblock = nonblocking_call(s, flags);
    if (ready_for_data(s, nonblock) < 0)
        return -1;
    size_t done = 0;
    while (len == 0 || done < len) {
        ssa_status want;
        ssize_t r = read_once(s, (char *)buf + done, len - done, flags & MSG_PEEK, &want);
        if (r > 0)
            done += (size_t)r;
        if (r == 0 || (r > 0 && !(flags & MSG_WAITALL)) || (r > 0 && (flags & MSG_PEEK)) || len == 0)
            return (ssize_t)done;
        if (r < 0 && (want == SSA_OK || nonblock))
            return done > 0 ? (ssize_t)done : -1;
        if (r < 0 && tls_wait(s, want) < 0)
            return done > 0 ? (ssize_t)done : -1;
    }
    return (ssize_t)done;
}

/* One write attempt of as much as the transport takes. */
static ssa_status write_once(struct tls_sock *s, const void *buf, size_t len, size_t *n)
{
    pthread_mutex_lock(&s->lock);
    tls_mark_used(s);
    ssa_status st = s->state == TLS_ST_FAILED ? SSA_ERR_ARG : ssa_conn_write(s->conn, buf, len, n);
    if (s->state == TLS_ST_FAILED) {
        errno = s->fail_errno;
    } else if (st == SSA_ERR_STATE) {
        errno = EPIPE; /* after shutdown(SHUT_WR): our close_notify is out */
    } else if (st != SSA_OK && st != SSA_WANT_READ && st != SSA_WANT_WRITE) {
        data_failure(s, st);
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

ssize_t tls_send(struct tls_sock *s, const void *buf, size_t len, int flags)
{
    if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR))
        return errno = EOPNOTSUPP, -1;
    bool nonblock = nonblocking_call(s, flags);
    if (ready_for_data(s, nonblock) < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        size_t n = 0;
        ssa_status st = write_once(s, (const char *)buf + done, len - done, &n);
        done += n;
        if (st == SSA_OK)
            break;
        if (st == SSA_WANT_READ || st == SSA_WANT_WRITE) {
            if (nonblock) {
                errno = EAGAIN;
                return done > 0 ? (ssize_t)done : -1;
            }
            if (tls_wait(s, st) < 0)
                return done > 0 ? (ssize_t)done : -1;
            continue;
        }
        if (done > 0)
            return (ssize_t)done;
        if (errno == EPIPE && !(flags & MSG_NOSIGNAL))
            raise(SIGPIPE); /* what the kernel does for a plain socket */
        return -1;
    }
    return (ssize_t)done;
}

/* ---- the call family ---------------------------------------------------- */

/* Run f on a TLS descriptor with a reference held, keeping errno. */
#define WITH_TLS(fd, s, plain, tls_expr)                                                       \
    do {                                                                                       \
        struct tls_sock *s = tls_sock_get(fd);                                                 \
        if (s == NULL)                                                                         \
            return plain;                                                                      \
        ssize_t r_ = tls_expr;                                                                 \
        int e_ = errno;                                                                        \
        tls_sock_put(s);                                                                       \
        errno = e_;                                                                            \
        return r_;                                                                             \
    } while (0)

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    WITH_TLS(fd, s, libc()->recv(fd, buf, len, flags), tls_recv(s, buf, len, flags));
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    WITH_TLS(fd, s, libc()->send(fd, buf, len, flags), tls_send(s, buf, len, flags));
}

ssize_t read(int fd, void *buf, size_t len)
{
    WITH_TLS(fd, s, libc()->read(fd, buf, len), tls_recv(s, buf, len, 0));
}

ssize_t write(int fd, const void *buf, size_t len)
{
    WITH_TLS(fd, s, libc()->write(fd, buf, len), tls_send(s, buf, len, 0));
}

/* A connected stream socket has no source address to report (Linux writes
 * a zero length too). */
static ssize_t recv_noaddr(struct tls_sock *s, void *buf, size_t len, int flags, socklen_t *alen)
{
    ssize_t r = tls_recv(s, buf, len, flags);
    if (r >= 0 && alen != NULL)
        *alen = 0;
    return r;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *alen)
{
    WITH_TLS(fd, s, libc()->recvfrom(fd, buf, len, flags, sa, alen),
             recv_noaddr(s, buf, len, flags, alen));
}

/* The destination of a connected stream socket is fixed: ignored, as TCP
 * does. */
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
               socklen_t alen)
{
    WITH_TLS(fd, s, libc()->sendto(fd, buf, len, flags, sa, alen), tls_send(s, buf, len, flags));
}

static size_t iov_total(const struct iovec *iov, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

/* Gather into one buffer so that small pieces make one record, not many. */
static ssize_t tls_sendv(struct tls_sock *s, const struct iovec *iov, int n, int flags)
{
    if (n < 0)
        return errno = EINVAL, -1;
    size_t total = iov_total(iov, n);
    if (n == 1 || total > BOUNCE_MAX) {
        ssize_t done = 0;
        for (int i = 0; i < n; i++) {
            ssize_t r = tls_send(s, iov[i].iov_base, iov[i].iov_len, flags);
            if (r < 0)
                return done > 0 ? done : -1;
            done += r;
            if ((size_t)r < iov[i].iov_len)
                break;
        }
        return done;
    }
    char buf[BOUNCE_MAX];
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    return tls_send(s, buf, total, flags);
}

/* Read once into a bounce buffer and scatter: one record may fill several
 * pieces. */
static ssize_t tls_recvv(struct tls_sock *s, const struct iovec *iov, int n, int flags)
{
    if (n < 0)
        return errno = EINVAL, -1;
    if (n == 1)
        return tls_recv(s, iov[0].iov_base, iov[0].iov_len, flags);
    size_t total = iov_total(iov, n);
    char *buf = malloc(total ? total : 1);
    if (buf == NULL)
        return errno = ENOMEM, -1;
    ssize_t r = tls_recv(s, buf, total, flags);
    size_t off = 0;
    for (int i = 0; r > 0 && i < n && off < (size_t)r; i++) {
        size_t k = (size_t)r - off < iov[i].iov_len ? (size_t)r - off : iov[i].iov_len;
        memcpy(iov[i].iov_base, buf + off, k);
        off += k;
    }
    int e = errno;
    free(buf);
    errno = e;
    return r;
}

ssize_t readv(int fd, const struct iovec *iov, int n)
{
    WITH_TLS(fd, s, libc()->readv(fd, iov, n), tls_recvv(s, iov, n, 0));
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    WITH_TLS(fd, s, libc()->writev(fd, iov, n), tls_sendv(s, iov, n, 0));
}

/* No ancillary data crosses TLS (a descriptor cannot be encrypted). */
static ssize_t tls_sendmsg(struct tls_sock *s, const struct msghdr *m, int flags)
{
    if (m->msg_controllen > 0)
        return errno = EOPNOTSUPP, -1;
    return tls_sendv(s, m->msg_iov, (int)m->msg_iovlen, flags);
}

static ssize_t tls_recvmsg(struct tls_sock *s, struct msghdr *m, int flags)
{
    ssize_t r = tls_recvv(s, m->msg_iov, (int)m->msg_iovlen, flags);
    if (r >= 0) {
        m->msg_namelen = 0;
        m->msg_controllen = 0;
        m->msg_flags = 0;
    }
    return r;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
    WITH_TLS(fd, s, libc()->sendmsg(fd, m, flags), tls_sendmsg(s, m, flags));
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
    WITH_TLS(fd, s, libc()->recvmsg(fd, m, flags), tls_recvmsg(s, m, flags));
}

/* _FORTIFY_SOURCE builds call these instead of read/recv/recvfrom. */
extern void __chk_fail(void) __attribute__((noreturn));

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    if (len > buflen)
        __chk_fail();
    return read(fd, buf, len);
}

ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
    if (len > buflen)
        __chk_fail();
    return recv(fd, buf, len, flags);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                       struct sockaddr *sa, socklen_t *alen)
{
    if (len > buflen)
        __chk_fail();
    return recvfrom(fd, buf, len, flags, sa, alen);
}
