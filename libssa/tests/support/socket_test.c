/* Helpers for libssa's tests (see socket_test.h). */
#define _GNU_SOURCE
#include "socket_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void st_policy(const char *extra)
{
    char text[2048];
    snprintf(text, sizeof text,
             "default: { trust_store = \"%s\"; audit = \"off\"; %s };\n",
             test_pki("ca.crt"), extra ? extra : "");
    test_use_policy(text);
}

socklen_t st_loopback(int family, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        a->sin6_addr = in6addr_loopback;
        return sizeof *a;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof *a;
}

static void set_str(int fd, int opt, const char *v)
{
    ck_assert_msg(setsockopt(fd, IPPROTO_TLS, opt, v, (socklen_t)strlen(v) + 1) == 0,
                  "setsockopt(%d, %s): %s", opt, v, strerror(errno));
}

int st_tls_listener(int family, int type_flags, int *port)
{
    int fd = socket(family, SOCK_STREAM | type_flags, IPPROTO_TLS);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    int one = 1;
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    set_str(fd, TLS_CERTIFICATE_CHAIN, test_pki("good-chain.pem"));
    set_str(fd, TLS_PRIVATE_KEY, test_pki("good.key"));
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(family, 0, &ss);
    ck_assert_msg(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind: %s", strerror(errno));
    ck_assert_msg(listen(fd, 16) == 0, "listen: %s (%s)", strerror(errno), st_tls_error(fd));
    len = sizeof ss;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

int st_tls_connect(int family, int port)
{
    int fd = socket(family, SOCK_STREAM, IPPROTO_TLS);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    set_str(fd, TLS_REMOTE_HOSTNAME, "localhost");
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(family, port, &ss);
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        fprintf(stderr, "st_tls_connect: %s (%s)\n", strerror(e), st_tls_error(fd));
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void *echo_main(void *arg)
{
    st_echo *e = arg;
    int c = accept(e->listener, NULL, NULL);
    if (c < 0) {
        e->accepted_errno = errno;
        return NULL;
    }
    char buf[4096];
    ssize_t n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
        if (send(c, buf, (size_t)n, 0) != n)
            break;
    }
    e->saw_eof = n == 0;
    close(c);
    return NULL;
}

void st_echo_listen(st_echo *e, int family)
{
    memset(e, 0, sizeof *e);
    e->listener = st_tls_listener(family, 0, &e->port);
}

void st_echo_run(st_echo *e)
{
    ck_assert_int_eq(pthread_create(&e->thread, NULL, echo_main, e), 0);
}

void st_echo_start(st_echo *e, int family)
{
    st_echo_listen(e, family);
    st_echo_run(e);
}

void st_echo_join(st_echo *e)
{
    pthread_join(e->thread, NULL);
    close(e->listener);
}

pid_t st_s_server(int port, const char *leaf, char *const extra[])
{
    static char portbuf[16], cert[4096], key[4096], chain[4096];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(cert, sizeof cert, "%s.crt", test_pki(leaf));
    snprintf(key, sizeof key, "%s.key", test_pki(leaf));
    snprintf(chain, sizeof chain, "%s-chain.pem", test_pki(leaf));
    char *argv[32] = { "openssl", "s_server", "-quiet", "-rev", "-accept", portbuf,
                       "-cert", cert, "-key", key, "-cert_chain", chain };
    int i = 12;
    for (int j = 0; extra && extra[j]; j++)
        argv[i++] = extra[j];
    argv[i] = NULL;
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

void st_send_all(int fd, const char *text)
{
    size_t len = strlen(text);
    ssize_t n = send(fd, text, len, 0);
    ck_assert_msg(n == (ssize_t)len, "send: %zd (%s; %s)", n, strerror(errno), st_tls_error(fd));
}

void st_recv_exact(int fd, char *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len, MSG_WAITALL);
    ck_assert_msg(n == (ssize_t)len, "recv: %zd of %zu (%s; %s)", n, len, strerror(errno),
                  st_tls_error(fd));
}

const char *st_tls_error(int fd)
{
    static char buf[512];
    socklen_t len = sizeof buf;
    if (getsockopt(fd, IPPROTO_TLS, TLS_ERROR, buf, &len) < 0)
        snprintf(buf, sizeof buf, "(no TLS_ERROR: %s)", strerror(errno));
    return buf;
}
