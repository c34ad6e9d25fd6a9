/*
 * The core's transport for a TLS descriptor, and the loop that turns the
 * core's non-blocking steps into blocking calls.
 *
 * The core only ever sees MSG_DONTWAIT reads and writes on the socket's
 * io_fd: it never blocks while the socket's lock is held. A blocking call
 * waits in poll() with the lock released (tls_wait), so that reading and
 * writing threads do not starve each other.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static ssize_t transport_read(void *arg, void *buf, size_t len, int *err)
{
    struct tls_sock *s = arg;
    ssize_t n = libc()->recv(atomic_load(&s->io_fd), buf, len, MSG_DONTWAIT);
    *err = n < 0 ? errno : 0;
    return n;
}

/* MSG_NOSIGNAL: a TLS record half-sent to a dead peer must not kill the
 * process from inside the library; tls_send raises SIGPIPE itself where the
 * application's own call would have. */
static ssize_t transport_write(void *arg, const void *buf, size_t len, int *err)
{
    struct tls_sock *s = arg;
    ssize_t n = libc()->send(atomic_load(&s->io_fd), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    *err = n < 0 ? errno : 0;
    return n;
}

ssa_status tls_conn_attach(struct tls_sock *s, ssa_conn *c)
{
    return ssa_conn_set_io(c, transport_read, transport_write, s);
}

bool tls_fd_nonblocking(int fd)
{
    int fl = libc()->fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

/* SO_RCVTIMEO / SO_SNDTIMEO in milliseconds, -1 for none. */
static int socket_timeout_ms(int fd, bool reading)
{
    struct timeval tv;
    socklen_t len = sizeof tv;
    if (libc()->getsockopt(fd, SOL_SOCKET, reading ? SO_RCVTIMEO : SO_SNDTIMEO, &tv, &len) < 0 ||
        (tv.tv_sec == 0 && tv.tv_usec == 0))
        return -1;
    long long ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    return ms > INT_MAX ? INT_MAX : (int)(ms ? ms : 1);
}

int tls_wait(struct tls_sock *s, ssa_status st)
{
    int fd = atomic_load(&s->io_fd);
    bool reading = st != SSA_WANT_WRITE;
    struct pollfd p = { .fd = fd, .events = reading ? POLLIN : POLLOUT };
    int r = libc()->poll(&p, 1, socket_timeout_ms(fd, reading));
    if (r == 0) {
        errno = EAGAIN;  /* the kernel's answer to an expired SO_RCVTIMEO */
        return -1;
    }
    return r < 0 ? -1 : 0;
}

/* Called with s->lock held. */
int tls_handshake_step(struct tls_sock *s, ssa_status *want)
{
    *want = SSA_OK;
    if (s->state == TLS_ST_CONNECTED)
        return 0;
    if (s->state == TLS_ST_FAILED) {
        errno = s->fail_errno;
        return -1;
    }
    if (s->state == TLS_ST_CONNECTING) {
        if (tls_finish_tcp_connect(s) < 0) {
            if (errno == EAGAIN)
                *want = SSA_WANT_WRITE;
            return -1;
        }
    }
    tls_mark_used(s);
    ssa_status st = ssa_conn_handshake(s->conn);
    if (st == SSA_OK) {
        s->state = TLS_ST_CONNECTED;
        return 0;
    }
    if (st == SSA_WANT_READ || st == SSA_WANT_WRITE) {
        *want = st;
        errno = EAGAIN;
        return -1;
    }
    tls_set_error(s, "%s", ssa_conn_error(s->conn));
    s->so_error = tls_errno_for(st, s->conn);
    return tls_fail(s, s->so_error);
}

int tls_handshake(struct tls_sock *s, bool nonblock)
{
    for (;;) {
        ssa_status want;
        pthread_mutex_lock(&s->lock);
        int r = tls_handshake_step(s, &want);
        int e = errno;
        pthread_mutex_unlock(&s->lock);
        if (r == 0)
            return 0;
        if (want == SSA_OK || nonblock) {
            errno = e;
            return -1;
        }
        if (tls_wait(s, want) < 0 && errno != EINTR)
            return -1;
    }
}

/* Called with s->lock held, state CONNECTING: has the kernel finished the
 * TCP connect that returned EINPROGRESS? */
int tls_finish_tcp_connect(struct tls_sock *s)
{
    int fd = atomic_load(&s->io_fd);
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    if (libc()->poll(&p, 1, 0) == 0) {
        errno = EAGAIN;
        return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (libc()->getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr != 0) {
        tls_set_error(s, "TCP connect failed: %s", strerror(soerr));
        s->so_error = soerr;
        return tls_fail(s, soerr);
    }
    s->state = TLS_ST_HANDSHAKE;
    return 0;
}
