/*
 * Readiness of TLS descriptors for poll, ppoll, select and pselect.
 *
 * The kernel sees ciphertext; the application asks about plaintext. So for
 * each TLS descriptor:
 *  - a handshake in progress is driven here, and the kernel is asked for
 *    what the handshake needs (WANT_READ -> POLLIN), not what the
 *    application asked; the application's readiness is reported only once
 *    the handshake is done (or POLLERR when it failed, so that the next call
 *    returns the error);
 *  - plaintext buffered in the library is readable at once;
 *  - kernel POLLIN is confirmed by processing the records that arrived (a
 *    TLS 1.3 ticket is not data): otherwise a blocking read after poll()
 *    would hang.
 * Plain descriptors are passed through untouched.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Does a read now find plaintext, EOF or an error? (lock held) */
static bool readable_now(struct tls_sock *s)
{
    if (ssa_conn_pending(s->conn) > 0)
        return true;
    char byte;
    size_t n = 0;
    ssa_status st = ssa_conn_peek(s->conn, &byte, 1, &n);
    return st != SSA_WANT_READ && st != SSA_WANT_WRITE;
}

/* What the library knows without the kernel: the revents to report now,
 * and (in *kevents) the kernel events to wait for. */
short tls_poll_translate(struct tls_sock *s, short events, bool *ready_now)
{
    short kev = events;
    short now = 0;
    pthread_mutex_lock(&s->lock);
    if (s->state == TLS_ST_CONNECTING || s->state == TLS_ST_HANDSHAKE) {
        ssa_status want;
        if (tls_handshake_step(s, &want) < 0 && want != SSA_OK)
            kev = want == SSA_WANT_READ ? POLLIN : POLLOUT;
    }
    if (s->state == TLS_ST_FAILED)
        now = POLLERR | (events & (POLLIN | POLLOUT));
    else if (s->state == TLS_ST_CONNECTED && (events & POLLIN) && readable_now(s))
        now = POLLIN;
    pthread_mutex_unlock(&s->lock);
    *ready_now = now != 0;
    return *ready_now ? now : kev;
}

/* The application's revents for a TLS descriptor, given the kernel's. */
short tls_poll_result(struct tls_sock *s, short events, short krev)
{
    if (krev & POLLNVAL)
        return krev;
    pthread_mutex_lock(&s->lock);
    bool handshaking = s->state == TLS_ST_CONNECTING || s->state == TLS_ST_HANDSHAKE;
    if (handshaking && krev) {
        ssa_status want;
        tls_handshake_step(s, &want);
    }
    short out = krev & (POLLERR | POLLHUP);
    if (s->state == TLS_ST_FAILED) {
        out |= POLLERR | (events & (POLLIN | POLLOUT));
    } else if (s->state == TLS_ST_CONNECTED) {
        if ((events & POLLIN) && (krev & (POLLIN | POLLHUP | POLLERR) || handshaking) &&
            readable_now(s))
            out |= POLLIN;
        if ((events & POLLOUT) && (krev & POLLOUT || handshaking))
            out |= POLLOUT;
        out |= krev & events & (POLLPRI | POLLRDHUP);
    } else if (handshaking) {
        out &= (short)~POLLHUP; /* wait for the handshake to say */
        if (krev & POLLHUP)
            out |= POLLERR;
    } else {
        out = krev; /* not connected: the kernel's view is the truth */
    }
    pthread_mutex_unlock(&s->lock);
    return out;
}

/* ---- the poll engine ---------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool any_tls(const struct pollfd *fds, nfds_t n)
{
    for (nfds_t i = 0; i < n; i++) {
        if (fdtable_is_tls(fds[i].fd))
            return true;
    }
    return false;
}

/* One round: translate, ask the kernel, translate back. Returns the number
 * of ready entries (0: none yet), -1 on error. */
static int poll_round(struct pollfd *fds, struct pollfd *k, struct tls_sock **socks, nfds_t n,
                      const struct timespec *tmo, const sigset_t *mask)
{
    bool ready = false;
    for (nfds_t i = 0; i < n; i++) {
        k[i] = fds[i];
        bool now = false;
        if (socks[i] != NULL)
            k[i].events = tls_poll_translate(socks[i], fds[i].events, &now);
        if (now)
            k[i].fd = -1; /* answered already; the kernel skips it */
        ready |= now;
        fds[i].revents = now ? k[i].events : 0;
    }
    struct timespec zero = { 0, 0 };
    int r = libc()->ppoll(k, n, ready ? &zero : tmo, mask);
    if (r < 0)
        return -1;
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        if (k[i].fd >= 0)
            fds[i].revents = socks[i] ? tls_poll_result(socks[i], fds[i].events, k[i].revents)
                                      : k[i].revents;
        count += fds[i].revents != 0;
    }
    return count;
}

static int poll_tls(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *mask)
{
    struct pollfd *k = calloc(n, sizeof *k);
    struct tls_sock **socks = calloc(n, sizeof *socks);
    int r = -1;
    if (k == NULL || socks == NULL) {
        errno = ENOMEM;
        goto out;
    }
    for (nfds_t i = 0; i < n; i++)
        socks[i] = tls_sock_get(fds[i].fd);
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline < 0 ? -1 : deadline - now_ms();
        if (left < 0 && deadline >= 0)
            left = 0;
        struct timespec tmo = { left / 1000, (left % 1000) * 1000000 };
        r = poll_round(fds, k, socks, n, left < 0 ? NULL : &tmo, mask);
        if (r != 0 || left == 0)
            break; /* ready, error, or out of time */
    }
out:;
    int e = errno;
    for (nfds_t i = 0; socks && i < n; i++)
        tls_sock_put(socks[i]);
    free(k);
    free(socks);
    errno = e;
    return r;
}

static int timespec_ms(const struct timespec *ts)
{
    if (ts == NULL)
        return -1;
    long long ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* glibc declares poll's and ppoll's array write-only (__attr_access), so
 * GCC thinks reading the caller's events here reads uninitialised memory;
 * an interposer must read them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    if (!any_tls(fds, n))
        return libc()->poll(fds, n, timeout);
    return poll_tls(fds, n, timeout, NULL);
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
    extern void __chk_fail(void) __attribute__((noreturn));
    if (fdslen / sizeof *fds < n)
        __chk_fail();
    return poll(fds, n, timeout);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
    if (!any_tls(fds, n))
        return libc()->ppoll(fds, n, tmo, mask);
    return poll_tls(fds, n, timespec_ms(tmo), mask);
}

#pragma GCC diagnostic pop

/* ---- select in terms of the poll engine --------------------------------- */

static bool sets_have_tls(int nfds, fd_set *r, fd_set *w, fd_set *x)
{
    for (int fd = 0; fd < nfds; fd++) {
        if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (x && FD_ISSET(fd, x))) &&
            fdtable_is_tls(fd))
            return true;
    }
    return false;
}

static int select_tls(int nfds, fd_set *r, fd_set *w, fd_set *x, int timeout_ms,
                      const sigset_t *mask)
{
    struct pollfd *p = calloc((size_t)nfds, sizeof *p);
    if (p == NULL)
        return errno = ENOMEM, -1;
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) | (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
                           (x && FD_ISSET(fd, x) ? POLLPRI : 0));
        if (ev)
            p[n++] = (struct pollfd){ .fd = fd, .events = ev };
    }
    int rc = poll_tls(p, n, timeout_ms, mask);
    if (rc >= 0) {
        rc = 0;
        if (r) FD_ZERO(r);
        if (w) FD_ZERO(w);
        if (x) FD_ZERO(x);
        for (nfds_t i = 0; i < n; i++) {
            short re = p[i].revents;
            if (re & POLLNVAL) {
                free(p);
                return errno = EBADF, -1;
            }
            if (r && (p[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR)))
                FD_SET(p[i].fd, r), rc++;
            if (w && (p[i].events & POLLOUT) && (re & (POLLOUT | POLLERR)))
                FD_SET(p[i].fd, w), rc++;
            if (x && (p[i].events & POLLPRI) && (re & POLLPRI))
                FD_SET(p[i].fd, x), rc++;
        }
    }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
    if (nfds < 0 || nfds > FD_SETSIZE || !sets_have_tls(nfds, r, w, x))
        return libc()->select(nfds, r, w, x, tv);
    long long ms = tv ? (long long)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000 : -1;
    long long start = now_ms();
    int rc = select_tls(nfds, r, w, x, ms > 0x7fffffff ? 0x7fffffff : (int)ms, NULL);
    if (tv) { /* Linux reports the time left */
        long long left = ms - (now_ms() - start);
        if (left < 0)
            left = 0;
        tv->tv_sec = left / 1000;
        tv->tv_usec = (left % 1000) * 1000;
    }
    return rc;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *ts,
            const sigset_t *mask)
{
    if (nfds < 0 || nfds > FD_SETSIZE || !sets_have_tls(nfds, r, w, x))
        return libc()->pselect(nfds, r, w, x, ts, mask);
    return select_tls(nfds, r, w, x, timespec_ms(ts), mask);
}
