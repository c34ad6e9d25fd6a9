/*
 * Blocking TLS through the socket API, end to end: a libssa client against
 * `openssl s_server`, a libssa server against `openssl s_client`, and two
 * libssa sockets talking, over IPv4 and IPv6 and by name (AF_HOSTNAME);
 * every data call of the paper's table; failures with their errno and
 * words.
 */
#define _GNU_SOURCE
#include "socket_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static const int families[] = { AF_INET, AF_INET6 };

/* Client against s_server -rev: a line comes back reversed. */
START_TEST(client_against_openssl)
{
    st_policy(NULL);
    int port = test_free_port();
    pid_t srv = st_s_server(port, "good", NULL);
    int fd = st_tls_connect(AF_INET, port);
    ck_assert_msg(fd >= 0, "connect: %s", strerror(errno));
    st_send_all(fd, "hello\n");
    char buf[8] = "";
    st_recv_exact(fd, buf, 6);
    ck_assert_mem_eq(buf, "olleh\n", 6);
    int v = 0;
    socklen_t len = sizeof v;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_VERSION_NEGOTIATED, &v, &len), 0);
    ck_assert_int_eq(v, TLS_1_3);
    ck_assert_int_eq(close(fd), 0);
    test_stop(srv);
}
END_TEST

/* connect() by name: AF_HOSTNAME resolves with getaddrinfo and verifies the
 * name: "localhost" (IPv4 here), and "::1" from an AF_INET socket (the
 * library replaces the TCP socket with one of the address's family), with
 * TLS_REMOTE_HOSTNAME naming what to verify. */
START_TEST(connect_by_hostname)
{
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, families[_i]);
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    if (families[_i] == AF_INET6)
        ck_assert_int_eq(setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, "localhost", 10), 0);
    struct sockaddr_host h = { .sin_family = AF_HOSTNAME, .sin_port = htons((uint16_t)e.port) };
    const char *name_in = families[_i] == AF_INET6 ? "::1" : "localhost";
    strcpy((char *)h.sin_addr.name, name_in);
    ck_assert_msg(connect(fd, (struct sockaddr *)&h, sizeof h) == 0, "connect: %s (%s)",
                  strerror(errno), st_tls_error(fd));
    char name[64];
    socklen_t len = sizeof name;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, name, &len), 0);
    ck_assert_str_eq(name, "localhost");
    st_send_all(fd, "by name");
    char buf[8];
    st_recv_exact(fd, buf, 7);
    ck_assert_mem_eq(buf, "by name", 7);
    close(fd);
    st_echo_join(&e);
    ck_assert(e.saw_eof);
}
END_TEST

/* Two libssa sockets; every data call of the table, then shutdown's
 * close_notify reaches the server as EOF. */
START_TEST(libssa_both_ends_every_call)
{
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, families[_i]);
    int fd = st_tls_connect(families[_i], e.port);
    ck_assert_int_ge(fd, 0);
    char buf[64];

    ck_assert_int_eq(send(fd, "send", 4, 0), 4);
    st_recv_exact(fd, buf, 4);
    ck_assert_mem_eq(buf, "send", 4);

    ck_assert_int_eq(write(fd, "write", 5), 5);
    size_t got = 0;
    while (got < 5) {
        ssize_t n = read(fd, buf + got, 5 - got);
        ck_assert_int_gt(n, 0);
        got += (size_t)n;
    }
    ck_assert_mem_eq(buf, "write", 5);

    ck_assert_int_eq(sendto(fd, "sendto", 6, 0, NULL, 0), 6);
    socklen_t alen = 99;
    struct sockaddr_storage from;
    ck_assert_int_eq(recvfrom(fd, buf, 6, MSG_WAITALL, (struct sockaddr *)&from, &alen), 6);
    ck_assert_mem_eq(buf, "sendto", 6);
    ck_assert_int_eq(alen, 0);

    struct iovec out[2] = { { "write", 5 }, { "v", 1 } };
    ck_assert_int_eq(writev(fd, out, 2), 6);
    char a[3], b[3];
    struct iovec in[2] = { { a, 3 }, { b, 3 } };
    got = 0;
    ssize_t n = readv(fd, in, 2);
    ck_assert_int_gt(n, 0);
    got = (size_t)n;
    if (got < 6) /* the rest, if the echo arrived in two records */
        st_recv_exact(fd, (got < 3 ? a + got : b + got - 3), 6 - got), got = 6;
    ck_assert_mem_eq(a, "wri", 3);

    struct iovec mo[2] = { { "send", 4 }, { "msg", 3 } };
    struct msghdr m = { .msg_iov = mo, .msg_iovlen = 2 };
    ck_assert_int_eq(sendmsg(fd, &m, 0), 7);
    char r1[4], r2[3];
    struct iovec mi[2] = { { r1, 4 }, { r2, 3 } };
    struct msghdr rm = { .msg_iov = mi, .msg_iovlen = 2 };
    ck_assert_int_eq(recvmsg(fd, &rm, MSG_WAITALL), 7);
    ck_assert_mem_eq(r1, "send", 4);
    ck_assert_mem_eq(r2, "msg", 3);

    /* MSG_PEEK leaves the data for the next read. */
    st_send_all(fd, "peek");
    ck_assert_int_eq(recv(fd, buf, 4, MSG_PEEK | MSG_WAITALL), 4);
    st_recv_exact(fd, buf, 4);
    ck_assert_mem_eq(buf, "peek", 4);

    /* shutdown: close_notify; the server sees EOF and closes; we see EOF. */
    ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
    ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), 0);
    errno = 0;
    ck_assert_int_eq(send(fd, "x", 1, MSG_NOSIGNAL), -1);
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_int_eq(close(fd), 0);
    st_echo_join(&e);
    ck_assert(e.saw_eof);
}
END_TEST

/* Server against s_client: verified chain, message delivered, our peer
 * facts readable. */
START_TEST(server_against_openssl)
{
    st_policy(NULL);
    int port;
    int l = st_tls_listener(AF_INET, 0, &port);
    char connect_to[64];
    snprintf(connect_to, sizeof connect_to, "127.0.0.1:%d", port);
    char *argv[] = { "openssl", "s_client", "-connect", connect_to, "-servername", "localhost",
                     "-CAfile", (char *)test_pki("ca.crt"), "-verify_return_error",
                     "-verify_hostname", "localhost", "-quiet", NULL };
    const char *log;
    pid_t cli = test_spawn(argv, &log);
    int c = accept(l, NULL, NULL);
    ck_assert_msg(c >= 0, "accept: %s (%s)", strerror(errno), st_tls_error(l));
    char sni[64];
    socklen_t len = sizeof sni;
    ck_assert_int_eq(getsockopt(c, IPPROTO_TLS, TLS_HOSTNAME, sni, &len), 0);
    ck_assert_str_eq(sni, "localhost");
    st_send_all(c, "from the SSA server\n");
    close(c);
    close(l);
    for (int i = 0; i < 200; i++) {
        char *text = test_slurp(log);
        bool done = text && strstr(text, "from the SSA server");
        free(text);
        if (done)
            break;
        usleep(20000);
    }
    char *text = test_slurp(log);
    ck_assert_msg(text && strstr(text, "from the SSA server"), "s_client said: %s", text);
    free(text);
    test_stop(cli);
}
END_TEST

/* Failures: errno, TLS_ERROR's words, and EBADFD afterwards. */
START_TEST(untrusted_server_refused)
{
    st_policy(NULL);
    int port = test_free_port();
    pid_t srv = st_s_server(port, "selfsigned", NULL);
    errno = 0;
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, "localhost", 10);
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(AF_INET, port, &ss);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), -1);
    ck_assert_int_eq(errno, EKEYREJECTED);
    ck_assert_msg(strstr(st_tls_error(fd), "certificate verify failed"), "%s", st_tls_error(fd));
    int vr = 0;
    socklen_t vl = sizeof vr;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_VERIFY_RESULT, &vr, &vl), 0);
    ck_assert_int_ne(vr, 0);
    ck_assert_int_eq(setsockopt(fd, IPPROTO_TLS, TLS_ALPN, "h2", 3), -1);
    ck_assert_int_eq(errno, EBADFD);
    int v;
    vl = sizeof v;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_VERSION_NEGOTIATED, &v, &vl), -1);
    ck_assert_int_eq(errno, EBADFD);
    ck_assert_int_eq(send(fd, "x", 1, MSG_NOSIGNAL), -1);
    ck_assert_int_eq(errno, EKEYREJECTED);
    close(fd);
    test_stop(srv);
}
END_TEST

START_TEST(wrong_name_refused)
{
    st_policy(NULL);
    int port = test_free_port();
    pid_t srv = st_s_server(port, "good", NULL);
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, "wrong.test", 11);
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(AF_INET, port, &ss);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), -1);
    ck_assert_int_eq(errno, EKEYREJECTED);
    ck_assert_msg(strstr(st_tls_error(fd), "certificate verify failed"), "%s", st_tls_error(fd));
    close(fd);
    test_stop(srv);
}
END_TEST

START_TEST(connection_refused)
{
    st_policy(NULL);
    int fd = socket(AF_INET6, SOCK_STREAM, IPPROTO_TLS);
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(AF_INET6, test_free_port(), &ss);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    ck_assert_msg(strstr(st_tls_error(fd), "TCP connect"), "%s", st_tls_error(fd));
    close(fd);
}
END_TEST

/* A client that does not speak TLS: a blocking accept drops it with
 * ECONNABORTED and says why on the listener; the next client is served. */
START_TEST(accept_aborts_bad_client)
{
    st_policy(NULL);
    int port;
    int l = st_tls_listener(AF_INET, 0, &port);
    int raw = test_connect_tcp(port);
    ck_assert_int_ge(raw, 0);
    ck_assert_int_eq(write(raw, "GET / HTTP/1.0\r\n\r\n", 18), 18);
    ck_assert_int_eq(accept(l, NULL, NULL), -1);
    ck_assert_int_eq(errno, ECONNABORTED);
    ck_assert_msg(strstr(st_tls_error(l), "handshake failed"), "%s", st_tls_error(l));
    close(raw);
    close(l);
}
END_TEST

START_TEST(socket_kinds)
{
    st_policy(NULL);
    ck_assert_int_eq(socket(AF_INET, SOCK_DGRAM, IPPROTO_TLS), -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_int_eq(socket(AF_UNIX, SOCK_STREAM, IPPROTO_TLS), -1);
    ck_assert_int_eq(errno, EAFNOSUPPORT);
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TLS);
    ck_assert_int_ge(fd, 0);
    ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    char buf[4];
    ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), -1);
    ck_assert_int_eq(errno, ENOTCONN);
    close(fd);
}
END_TEST

/* A listener with neither its own key nor policy's default cannot serve. */
START_TEST(listen_without_key)
{
    st_policy(NULL);
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    ck_assert_int_eq(listen(fd, 1), -1);
    ck_assert_int_eq(errno, ENOKEY);
    close(fd);
}
END_TEST

/* Policy's default certificate serves a listener that sets none. */
START_TEST(listen_with_policy_key)
{
    char extra[1024];
    snprintf(extra, sizeof extra, "server_certificate = \"%s\"; server_private_key = \"%s\";",
             test_pki("good-chain.pem"), test_pki("good.key"));
    st_policy(extra);
    int l = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(AF_INET, 0, &ss);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&ss, len), 0);
    ck_assert_int_eq(listen(l, 1), 0);
    len = sizeof ss;
    getsockname(l, (struct sockaddr *)&ss, &len);
    int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    pid_t child = fork();
    if (child == 0) {
        int fd = st_tls_connect(AF_INET, port);
        _exit(fd >= 0 && send(fd, "ok", 2, 0) == 2 ? 0 : 1);
    }
    int c = accept(l, NULL, NULL);
    ck_assert_msg(c >= 0, "accept: %s (%s)", strerror(errno), st_tls_error(l));
    char buf[2];
    st_recv_exact(c, buf, 2);
    int status;
    waitpid(child, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(c);
    close(l);
}
END_TEST

/* One thread blocks in recv while another sends on the same socket. */
static void *reader(void *arg)
{
    int fd = *(int *)arg;
    static char buf[5];
    ssize_t n = recv(fd, buf, 5, MSG_WAITALL);
    return n == 5 ? buf : NULL;
}

START_TEST(threads_read_and_write)
{
    st_policy(NULL);
    st_echo e;
    st_echo_start(&e, AF_INET);
    int fd = st_tls_connect(AF_INET, e.port);
    pthread_t t;
    pthread_create(&t, NULL, reader, &fd);
    usleep(50000); /* the reader is waiting, without the socket's lock */
    st_send_all(fd, "duplx");
    void *res;
    pthread_join(t, &res);
    ck_assert_ptr_nonnull(res);
    ck_assert_mem_eq(res, "duplx", 5);
    close(fd);
    st_echo_join(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("libssa client and server");
    TCase *tc = tcase_create("blocking");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, client_against_openssl);
    tcase_add_loop_test(tc, connect_by_hostname, 0, 2);
    tcase_add_loop_test(tc, libssa_both_ends_every_call, 0, 2);
    tcase_add_test(tc, server_against_openssl);
    tcase_add_test(tc, untrusted_server_refused);
    tcase_add_test(tc, wrong_name_refused);
    tcase_add_test(tc, connection_refused);
    tcase_add_test(tc, accept_aborts_bad_client);
    tcase_add_test(tc, socket_kinds);
    tcase_add_test(tc, listen_without_key);
    tcase_add_test(tc, listen_with_policy_key);
    tcase_add_test(tc, threads_read_and_write);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
