/*
 * Descriptors: a descriptor that is not TLS is untouched (pipes, plain
 * sockets, across dup2 onto a TLS descriptor and back); dup/dup2/dup3/
 * F_DUPFD share one TLS socket whose close_notify goes with its last name;
 * and the fork rule (fork.c): the process that uses an inherited connection
 * owns it, the other one's close is silent.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void echo_round_trip(int fd, const char *text)
{
    st_send_all(fd, text);
    char buf[64];
    size_t len = strlen(text);
    st_recv_exact(fd, buf, len);
    ck_assert_mem_eq(buf, text, len);
}

/* Every intercepted call on plain descriptors behaves as the C library's. */
START_TEST(plain_descriptors_untouched)
{
    st_policy(NULL);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "pipe", 4), 4);
    struct pollfd pf = { p[0], POLLIN, 0 };
    ck_assert_int_eq(poll(&pf, 1, 1000), 1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = { 1, 0 };
    ck_assert_int_eq(select(p[0] + 1, &r, NULL, NULL, &tv), 1);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] };
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
    ck_assert_int_eq(epoll_wait(ep, &ev, 1, 1000), 1);
    char buf[16];
    ck_assert_int_eq(read(p[0], buf, sizeof buf), 4);
    ck_assert_mem_eq(buf, "pipe", 4);

    int sp[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
    ck_assert_int_eq(writev(sp[0], iov, 2), 4);
    ck_assert_int_eq(recv(sp[1], buf, 4, MSG_WAITALL), 4);
    ck_assert_mem_eq(buf, "abcd", 4);
    ck_assert_int_eq(send(sp[1], "ef", 2, 0), 2);
    ck_assert_int_eq(recvfrom(sp[0], buf, 2, 0, NULL, NULL), 2);
    ck_assert_int_eq(shutdown(sp[0], SHUT_WR), 0);
    ck_assert_int_eq(read(sp[1], buf, 1), 0);
    int d = dup(sp[1]);
    ck_assert_int_ge(d, 0);
    ck_assert_int_eq(fcntl(d, F_SETFL, O_NONBLOCK), 0);
    ck_assert(fcntl(sp[1], F_GETFL) & O_NONBLOCK);
    /* The kernel's answers for the TLS level on a plain socket. */
    ck_assert_int_eq(setsockopt(sp[0], IPPROTO_TLS, TLS_ALPN, "x", 2), -1);
    ck_assert_int_ne(errno, EPROTO);
    close(d);
    close(sp[0]);
    close(sp[1]);
    close(ep);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* dup2 a plain descriptor onto a TLS one: that name turns plain (bytes go
 * out unencrypted), the TLS socket lives on under its other name; dup2 the
 * TLS one back onto the plain one: that name turns TLS. */
START_TEST(dup2_onto_tls_and_back)
{
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, AF_INET);
    int t = st_tls_connect(AF_INET, e.port);
    int t2 = dup(t);
    ck_assert_int_ge(t2, 0);
    echo_round_trip(t2, "via dup");

    int sp[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    ck_assert_int_eq(dup2(sp[0], t), t);
    ck_assert_int_eq(write(t, "plain", 5), 5);
    char buf[8];
    ck_assert_int_eq(recv(sp[1], buf, 5, MSG_WAITALL), 5);
    ck_assert_mem_eq(buf, "plain", 5);
    int v;
    socklen_t vl = sizeof v;
    ck_assert_int_eq(getsockopt(t, IPPROTO_TLS, TLS_HANDSHAKE_DONE, &v, &vl), -1);
    echo_round_trip(t2, "still TLS"); /* no close_notify went out */

    ck_assert_int_eq(dup3(t2, sp[0], O_CLOEXEC), sp[0]);
    echo_round_trip(sp[0], "back");
    int t3 = fcntl(sp[0], F_DUPFD_CLOEXEC, 100);
    ck_assert_int_ge(t3, 100);
    ck_assert_int_eq(getsockopt(t3, IPPROTO_TLS, TLS_HANDSHAKE_DONE, &v, &vl), 0);
    ck_assert_int_eq(v, 1);
    close(t2);
    close(sp[0]);
    echo_round_trip(t3, "last name");
    ck_assert(!e.saw_eof);
    close(t3); /* the last name: close_notify */
    st_echo_join(&e);
    ck_assert(e.saw_eof);
    close(t);
    close(sp[1]);
}
END_TEST

/* accept, fork: the child serves, the parent closes its copy first. The
 * parent's close must be silent or the client would see EOF too early. */
START_TEST(fork_child_owns_the_connection)
{
    st_policy(NULL);
    int port;
    int l = st_tls_listener(AF_INET, 0, &port);
    pid_t client = fork();
    if (client == 0) {
        int fd = st_tls_connect(AF_INET, port);
        char buf[16];
        ssize_t n = fd < 0 ? -1 : recv(fd, buf, 10, MSG_WAITALL);
        ssize_t end = n == 10 ? recv(fd, buf, sizeof buf, 0) : -1;
        _exit(n == 10 && memcmp(buf, "from-child", 10) == 0 && end == 0 ? 0 : 1);
    }
    int c = accept(l, NULL, NULL);
    ck_assert_int_ge(c, 0);
    pid_t server = fork();
    if (server == 0) {
        usleep(200000); /* the parent closes first */
        _exit(send(c, "from-child", 10, 0) == 10 && close(c) == 0 ? 0 : 1);
    }
    ck_assert_int_eq(close(c), 0);
    int st1, st2;
    waitpid(server, &st1, 0);
    waitpid(client, &st2, 0);
    ck_assert_msg(WIFEXITED(st1) && WEXITSTATUS(st1) == 0, "server child failed");
    ck_assert_msg(WIFEXITED(st2) && WEXITSTATUS(st2) == 0, "client saw the wrong stream");
    close(l);
}
END_TEST

/* A child that only closes inherited descriptors does not end the parent's
 * session; the parent keeps using it and its last close sends close_notify. */
START_TEST(fork_child_close_is_silent)
{
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, AF_INET6);
    int t = st_tls_connect(AF_INET6, e.port);
    echo_round_trip(t, "before");
    pid_t child = fork();
    if (child == 0)
        _exit(close(t) == 0 ? 0 : 1);
    int status;
    waitpid(child, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    echo_round_trip(t, "after");
    close(t);
    st_echo_join(&e);
    ck_assert(e.saw_eof);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("libssa descriptors");
    TCase *tc = tcase_create("descriptors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, plain_descriptors_untouched);
    tcase_add_test(tc, dup2_onto_tls_and_back);
    tcase_add_test(tc, fork_child_owns_the_connection);
    tcase_add_test(tc, fork_child_close_is_silent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
