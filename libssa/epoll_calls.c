/*
 * epoll readiness for TLS descriptors.
 *
 * epoll_ctl always goes to the kernel; registrations of TLS descriptors
 * are remembered too (epoll set, descriptor, the application's events and
 * data), so that epoll_wait can apply poll_calls.c's rules: a handshake in
 * progress is driven and the kernel registration temporarily asks for what
 * it needs, buffered plaintext is reported at once, and a kernel EPOLLIN
 * that carried no application data is not reported.
 *
 * Limits (documented in the report): EPOLLONESHOT and EPOLLEXCLUSIVE are
 * passed to the kernel but the library's own "ready now" answers do not
 * disarm; events are matched back to descriptors by their data word, so two
 * TLS descriptors in one set should not share one data value.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct reg {
    int epfd;
    int fd;
    uint32_t events;      /* what the application registered */
    uint32_t kernel;      /* what the kernel registration currently says */
    epoll_data_t data;
};

static struct reg *regs;
static size_t nregs, capregs;
static pthread_mutex_t regs_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_size_t regs_count;

static struct reg *find_reg(int epfd, int fd)
{
    for (size_t i = 0; i < nregs; i++) {
        if (regs[i].epfd == epfd && regs[i].fd == fd)
            return &regs[i];
    }
    return NULL;
}

static void drop_reg(struct reg *r)
{
    *r = regs[--nregs];
    atomic_store(&regs_count, nregs);
}

static int add_reg(int epfd, int fd, const struct epoll_event *ev)
{
    struct reg *r = find_reg(epfd, fd);
    if (r == NULL) {
        if (nregs == capregs) {
            size_t cap = capregs ? capregs * 2 : 16;
            struct reg *p = realloc(regs, cap * sizeof *p);
            if (p == NULL)
                return -1;
            regs = p;
            capregs = cap;
        }
        r = &regs[nregs++];
        atomic_store(&regs_count, nregs);
    }
    *r = (struct reg){ epfd, fd, ev->events, ev->events, ev->data };
    return 0;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    int r = libc()->epoll_ctl(epfd, op, fd, ev);
    if (r < 0 || !fdtable_is_tls(fd))
        return r;
    pthread_mutex_lock(&regs_lock);
    if (op == EPOLL_CTL_DEL) {
        struct reg *g = find_reg(epfd, fd);
        if (g)
            drop_reg(g);
    } else if (add_reg(epfd, fd, ev) < 0) {
        pthread_mutex_unlock(&regs_lock);
        libc()->epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        return errno = ENOMEM, -1;
    }
    pthread_mutex_unlock(&regs_lock);
    return r;
}

/* close(fd): forget registrations of fd, or of the set fd was. */
void tls_epoll_forget(int fd)
{
    if (atomic_load(&regs_count) == 0)
        return;
    pthread_mutex_lock(&regs_lock);
    for (size_t i = 0; i < nregs;) {
        if (regs[i].fd == fd || regs[i].epfd == fd)
            drop_reg(&regs[i]);
        else
            i++;
    }
    pthread_mutex_unlock(&regs_lock);
}

/* A snapshot of one set's TLS registrations (the lock is not held while
 * driving handshakes). */
static struct reg *snapshot(int epfd, size_t *n)
{
    *n = 0;
    if (atomic_load(&regs_count) == 0)
        return NULL;
    pthread_mutex_lock(&regs_lock);
    struct reg *out = malloc((nregs ? nregs : 1) * sizeof *out);
    for (size_t i = 0; out && i < nregs; i++) {
        if (regs[i].epfd == epfd)
            out[(*n)++] = regs[i];
    }
    pthread_mutex_unlock(&regs_lock);
    return out;
}

static uint32_t to_epoll(short p)
{
    return (p & POLLIN ? EPOLLIN : 0) | (p & POLLOUT ? EPOLLOUT : 0) | (p & POLLERR ? EPOLLERR : 0) |
           (p & POLLHUP ? EPOLLHUP : 0) | (p & POLLPRI ? EPOLLPRI : 0) |
           (p & POLLRDHUP ? EPOLLRDHUP : 0);
}

static short to_poll(uint32_t e)
{
    return (short)((e & EPOLLIN ? POLLIN : 0) | (e & EPOLLOUT ? POLLOUT : 0) |
                   (e & EPOLLERR ? POLLERR : 0) | (e & EPOLLHUP ? POLLHUP : 0) |
                   (e & EPOLLPRI ? POLLPRI : 0) | (e & EPOLLRDHUP ? POLLRDHUP : 0));
}

/* Point the kernel registration at what the descriptor needs now. */
static void retarget(struct reg *g, uint32_t want)
{
    uint32_t flags = g->events & (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP);
    if (want == g->kernel)
        return;
    struct epoll_event ev = { .events = want | flags, .data = g->data };
    if (libc()->epoll_ctl(g->epfd, EPOLL_CTL_MOD, g->fd, &ev) == 0) {
        pthread_mutex_lock(&regs_lock);
        struct reg *live = find_reg(g->epfd, g->fd);
        if (live)
            live->kernel = want;
        pthread_mutex_unlock(&regs_lock);
        g->kernel = want;
    }
}

/* Pre-wait: events that are ready without the kernel go into out[]. */
static int ready_without_kernel(struct reg *g, size_t n, struct epoll_event *out, int max)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        struct tls_sock *s = tls_sock_get(g[i].fd);
        if (s == NULL)
            continue;
        bool now = false;
        short ev = tls_poll_translate(s, to_poll(g[i].events), &now);
        tls_sock_put(s);
        if (now && count < max)
            out[count++] = (struct epoll_event){ to_epoll(ev), g[i].data };
        else if (!now)
            retarget(&g[i], to_epoll(ev) & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP));
    }
    return count;
}

static struct reg *reg_for(struct reg *g, size_t n, epoll_data_t data)
{
    for (size_t i = 0; i < n; i++) {
        if (g[i].data.u64 == data.u64)
            return &g[i];
    }
    return NULL;
}

/* Post-wait: rewrite or drop the kernel's events for TLS descriptors, and
 * merge them with those found ready before the wait. */
static int merge(struct reg *g, size_t n, struct epoll_event *ev, int got, int pre,
                 struct epoll_event *pre_ev, int max)
{
    int out = 0;
    for (int i = 0; i < got; i++) {
        struct reg *r = reg_for(g, n, ev[i].data);
        if (r != NULL) {
            struct tls_sock *s = tls_sock_get(r->fd);
            if (s != NULL) {
                ev[i].events = to_epoll(tls_poll_result(s, to_poll(r->events), to_poll(ev[i].events)));
                tls_sock_put(s);
            }
            for (int j = 0; j < pre; j++) {
                if (pre_ev[j].data.u64 == ev[i].data.u64) {
                    ev[i].events |= pre_ev[j].events;
                    pre_ev[j].events = 0;
                }
            }
        }
        if (ev[i].events)
            ev[out++] = ev[i];
    }
    for (int j = 0; j < pre && out < max; j++) {
        if (pre_ev[j].events)
            ev[out++] = pre_ev[j];
    }
    return out;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_tls(int epfd, struct epoll_event *ev, int max, int timeout,
                    const sigset_t *mask, struct reg *g, size_t n)
{
    struct epoll_event pre[64];
    long long deadline = timeout < 0 ? -1 : now_ms() + timeout;
    for (;;) {
        int npre = ready_without_kernel(g, n, pre, max < 64 ? max : 64);
        long long left = deadline < 0 ? -1 : deadline - now_ms();
        if (deadline >= 0 && left < 0)
            left = 0;
        int got = libc()->epoll_pwait(epfd, ev, max - npre > 0 ? max - npre : 1,
                                      npre ? 0 : (int)left, mask);
        if (got < 0)
            return npre > 0 ? merge(g, n, ev, 0, npre, pre, max) : -1;
        int r = merge(g, n, ev, got, npre, pre, max);
        if (r > 0 || left == 0)
            return r;
    }
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
    size_t n;
    struct reg *g = snapshot(epfd, &n);
    if (n == 0 || max <= 0) {
        free(g);
        return libc()->epoll_pwait(epfd, ev, max, timeout, mask);
    }
    int r = wait_tls(epfd, ev, max, timeout, mask, g, n);
    int e = errno;
    /* Back to what the application registered, for descriptors whose
     * handshake no longer needs a different interest. */
    for (size_t i = 0; i < n; i++) {
        if (g[i].kernel != g[i].events && !fdtable_is_tls(g[i].fd))
            continue;
        struct tls_sock *s = tls_sock_get(g[i].fd);
        if (s && s->state == TLS_ST_CONNECTED)
            retarget(&g[i], g[i].events & ~(uint32_t)(EPOLLET | EPOLLONESHOT | EPOLLWAKEUP));
        tls_sock_put(s);
    }
    free(g);
    errno = e;
    return r;
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
    return epoll_pwait(epfd, ev, max, timeout, NULL);
}
