/*
 * Non-blocking TLS end to end: EINPROGRESS from connect, the handshake
 * completing while the application waits in poll/select/epoll, EAGAIN from
 * reads and writes, a non-blocking accept, SO_ERROR after a failed
 * handshake, and buffered plaintext reported readable by all three waits.
 */
#define _GNU_SOURCE
#include "socket_test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

enum waiter { BY_POLL, BY_SELECT, BY_EPOLL };
static const char *const waiter_names[] = { "poll", "select", "epoll" };

/* Wait until fd is ready for `events` (POLLIN/POLLOUT) by the given call;
 * returns the revents seen (POLLERR included). */
static short wait_for(enum waiter how, int fd, short events, int timeout_ms)
{
    if (how == BY_POLL) {
        struct pollfd p = { fd, events, 0 };
        int r = poll(&p, 1, timeout_ms);
        ck_assert_int_ge(r, 0);
        return r ? p.revents : 0;
    }
    if (how == BY_SELECT) {
        fd_set r, w;
        FD_ZERO(&r);
        FD_ZERO(&w);
        if (events & POLLIN)
            FD_SET(fd, &r);
        if (events & POLLOUT)
            FD_SET(fd, &w);
        struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
        int n = select(fd + 1, &r, &w, NULL, &tv);
        ck_assert_int_ge(n, 0);
        return (short)((FD_ISSET(fd, &r) ? POLLIN : 0) | (FD_ISSET(fd, &w) ? POLLOUT : 0));
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0),
                              .data.fd = fd };
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
    struct epoll_event out;
    int n = epoll_wait(ep, &out, 1, timeout_ms);
    ck_assert_int_ge(n, 0);
    close(ep);
    if (n == 0)
        return 0;
    ck_assert_int_eq(out.data.fd, fd);
    return (short)((out.events & EPOLLIN ? POLLIN : 0) | (out.events & EPOLLOUT ? POLLOUT : 0) |
                   (out.events & EPOLLERR ? POLLERR : 0));
}

/* The server has not accepted yet, so the handshake cannot be done when
 * connect() returns. */
static int nb_connect(int family, int port, const char *leaf_name)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TLS);
    setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, leaf_name, (socklen_t)strlen(leaf_name) + 1);
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(family, port, &ss);
    errno = 0;
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), -1);
    ck_assert_msg(errno == EINPROGRESS, "connect: %s", strerror(errno));
    return fd;
}

/* Client: EINPROGRESS, writable once the handshake is done, then echo with
 * EAGAIN while nothing is there. IPv4 and IPv6; poll, select, epoll. */
START_TEST(nonblocking_client)
{
    enum waiter how = (enum waiter)(_i % 3);
    int family = _i < 3 ? AF_INET : AF_INET6;
    st_policy(NULL);
    st_echo e;
    st_echo_listen(&e, family);
    int fd = nb_connect(family, e.port, "localhost");
    char buf[16];
    /* Before the handshake is done a read says EAGAIN, not an error. */
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    ck_assert(n == -1 && errno == EAGAIN);
    errno = 0;
    ck_assert_int_eq(connect(fd, NULL, 0), -1);
    ck_assert_int_eq(errno, EALREADY);
    st_echo_run(&e);
    short rev = wait_for(how, fd, POLLOUT, 10000);
    ck_assert_msg(rev & POLLOUT, "%s: revents %#x (%s)", waiter_names[how], rev, st_tls_error(fd));
    int done = 0;
    socklen_t dl = sizeof done;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_HANDSHAKE_DONE, &done, &dl), 0);
    ck_assert_int_eq(done, 1);
    int soerr = -1;
    socklen_t sl = sizeof soerr;
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl), 0);
    ck_assert_int_eq(soerr, 0);
    errno = 0;
    ck_assert_int_eq(connect(fd, NULL, 0), -1);
    ck_assert_int_eq(errno, EISCONN);

    ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(send(fd, "nonblock", 8, 0), 8);
    size_t got = 0;
    while (got < 8) {
        rev = wait_for(how, fd, POLLIN, 10000);
        ck_assert_msg(rev & POLLIN, "%s: no POLLIN", waiter_names[how]);
        n = recv(fd, buf + got, 8 - got, 0);
        if (n < 0 && errno == EAGAIN)
            continue;
        ck_assert_int_gt(n, 0);
        got += (size_t)n;
    }
    ck_assert_mem_eq(buf, "nonblock", 8);
    close(fd);
    st_echo_join(&e);
}
END_TEST

/* A failed non-blocking handshake: the wait reports readiness/error, SO_ERROR
 * says why once, the next call returns the error. */
START_TEST(nonblocking_verify_failure)
{
    enum waiter how = (enum waiter)_i;
    st_policy(NULL);
    st_echo e;
    st_echo_listen(&e, AF_INET);
    int fd = nb_connect(AF_INET, e.port, "wrong.test");
    st_echo_run(&e);
    short rev = 0;
    for (int i = 0; i < 100 && !rev; i++)
        rev = wait_for(how, fd, POLLOUT, 100);
    ck_assert_msg(rev != 0, "%s: never ready", waiter_names[how]);
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl), 0);
    ck_assert_int_eq(soerr, EKEYREJECTED);
    ck_assert_msg(strstr(st_tls_error(fd), "verify failed"), "%s", st_tls_error(fd));
    ck_assert_int_eq(send(fd, "x", 1, MSG_NOSIGNAL), -1);
    ck_assert_int_eq(errno, EKEYREJECTED);
    close(fd);
    st_echo_join(&e);
    ck_assert_int_eq(e.accepted_errno, ECONNABORTED);
}
END_TEST

/* Plaintext buffered inside the library is readable at once, though the
 * kernel socket is empty: poll, select and epoll all say so. */
START_TEST(buffered_plaintext_is_readable)
{
    enum waiter how = (enum waiter)_i;
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, AF_INET);
    int fd = st_tls_connect(AF_INET, e.port);
    char msg[100];
    memset(msg, 'p', sizeof msg);
    ck_assert_int_eq(send(fd, msg, sizeof msg, 0), (ssize_t)sizeof msg);
    char buf[10];
    st_recv_exact(fd, buf, 1); /* the whole 100-byte record is decrypted */
    struct pollfd p = { fd, POLLIN, 0 };
    ck_assert_int_eq(poll(&p, 1, 0), 1);
    size_t left = sizeof msg - 1;
    while (left > 0) {
        short rev = wait_for(how, fd, POLLIN, 0);
        ck_assert_msg(rev & POLLIN, "%s: buffered data not readable (%zu left)", waiter_names[how],
                      left);
        ssize_t n = recv(fd, buf, left < sizeof buf ? left : sizeof buf, MSG_DONTWAIT);
        ck_assert_int_gt(n, 0);
        left -= (size_t)n;
    }
    ck_assert_int_eq(wait_for(how, fd, POLLIN, 50), 0);
    close(fd);
    st_echo_join(&e);
}
END_TEST

/* Server side: a non-blocking listener under epoll; accept4(SOCK_NONBLOCK)
 * hands out the descriptor at once and its handshake completes as epoll
 * waits on it. The client runs in a child process, blocking. */
START_TEST(nonblocking_server_epoll)
{
    st_policy(NULL);
    int port;
    int l = st_tls_listener(AF_INET6, SOCK_NONBLOCK, &port);
    ck_assert_int_eq(accept(l, NULL, NULL), -1);
    ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
    pid_t child = fork();
    if (child == 0) {
        int fd = st_tls_connect(AF_INET6, port);
        char buf[5];
        _exit(fd >= 0 && send(fd, "hello", 5, 0) == 5 && recv(fd, buf, 5, MSG_WAITALL) == 5 &&
                      memcmp(buf, "HELLO", 5) == 0
                  ? 0
                  : 1);
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = l };
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev), 0);
    struct epoll_event out;
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 10000), 1);
    int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    ck_assert_int_ge(c, 0);
    ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), 0);
    char buf[5];
    size_t got = 0;
    while (got < 5) {
        int n = epoll_wait(ep, &out, 1, 10000);
        ck_assert_int_eq(n, 1);
        if (out.data.fd != c)
            continue;
        ssize_t r = recv(c, buf + got, 5 - got, 0);
        if (r < 0 && errno == EAGAIN)
            continue;
        ck_assert_msg(r > 0, "recv: %s (%s)", strerror(errno), st_tls_error(c));
        got += (size_t)r;
    }
    ck_assert_mem_eq(buf, "hello", 5);
    ssize_t w;
    while ((w = send(c, "HELLO", 5, 0)) < 0 && errno == EAGAIN)
        usleep(1000);
    ck_assert_int_eq(w, 5);
    int status;
    waitpid(child, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(c);
    close(ep);
    close(l);
}
END_TEST

/* fcntl(O_NONBLOCK) on a connected blocking TLS socket makes reads EAGAIN. */
START_TEST(fcntl_nonblock)
{
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, AF_INET);
    int fd = st_tls_connect(AF_INET, e.port);
    ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    char buf[4];
    ck_assert_int_eq(read(fd, buf, sizeof buf), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), 0);
    st_send_all(fd, "blk");
    st_recv_exact(fd, buf, 3);
    close(fd);
    st_echo_join(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("libssa non-blocking");
    TCase *tc = tcase_create("nonblocking");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, nonblocking_client, 0, 6);
    tcase_add_loop_test(tc, nonblocking_verify_failure, 0, 3);
    tcase_add_loop_test(tc, buffered_plaintext_is_readable, 0, 3);
    tcase_add_test(tc, nonblocking_server_epoll);
    tcase_add_test(tc, fcntl_nonblock);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
