/*
 * setsockopt/getsockopt at level IPPROTO_TLS: every option of the table,
 * policy enforcement (EPROTO), state (EOPNOTSUPP), failed sockets (EBADFD),
 * unknown options (ENOPROTOOPT), and other levels passing through.
 */
#define _GNU_SOURCE
#include "socket_test.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/wait.h>
#include <unistd.h>

static int set_s(int fd, int opt, const char *v)
{
    return setsockopt(fd, IPPROTO_TLS, opt, v, (socklen_t)strlen(v) + 1);
}

static int set_i(int fd, int opt, int v)
{
    return setsockopt(fd, IPPROTO_TLS, opt, &v, sizeof v);
}

static int get_i(int fd, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    ck_assert_msg(getsockopt(fd, IPPROTO_TLS, opt, &v, &len) == 0, "getsockopt(%d): %s", opt,
                  strerror(errno));
    return v;
}

static const char *get_s(int fd, int opt)
{
    static char buf[16384];
    socklen_t len = sizeof buf;
    ck_assert_msg(getsockopt(fd, IPPROTO_TLS, opt, buf, &len) == 0, "getsockopt(%d): %s", opt,
                  strerror(errno));
    return buf;
}

#define EXPECT_ERRNO(call, e)                                                                 \
    do {                                                                                      \
        errno = 0;                                                                            \
        ck_assert_int_eq((call), -1);                                                         \
        ck_assert_msg(errno == (e), "%s: errno %s, expected %s", #call, strerror(errno),      \
                      strerror(e));                                                           \
    } while (0)

/* A profile for this very test binary raises the minimum to TLS 1.3: asking
 * for less is EPROTO, asking for as much or more is fine. */
START_TEST(profile_raises_minimum)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    char text[3 * PATH_MAX];
    snprintf(text, sizeof text,
             "default: { trust_store = \"%s\"; audit = \"off\"; };\n"
             "profiles = ( { application = \"%s\"; min_protocol = \"1.3\"; } );\n",
             test_pki("ca.crt"), exe);
    test_use_policy(text);
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    ck_assert_int_eq(get_i(fd, TLS_VERSION_MIN), TLS_1_3);
    EXPECT_ERRNO(set_i(fd, TLS_VERSION_MIN, TLS_1_2), EPROTO);
    ck_assert_msg(strstr(st_tls_error(fd), "policy"), "%s", st_tls_error(fd));
    EXPECT_ERRNO(set_i(fd, TLS_VERSION_MAX, TLS_1_2), EPROTO);
    ck_assert_int_eq(set_i(fd, TLS_VERSION_MIN, TLS_1_3), 0);
    ck_assert_int_eq(get_i(fd, TLS_VERSION_MIN), TLS_1_3);
    close(fd);
}
END_TEST

/* Without a profile: the weakening requests the table can express. */
START_TEST(weakening_is_eproto)
{
    st_policy("session_lifetime = 600;");
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    EXPECT_ERRNO(set_i(fd, TLS_VERSION_MIN, TLS_1_0), EPROTO);
    EXPECT_ERRNO(set_i(fd, TLS_SESSION_TTL, 7200), EPROTO);
    ck_assert_int_eq(set_i(fd, TLS_SESSION_TTL, 60), 0);
    ck_assert_int_eq(get_i(fd, TLS_SESSION_TTL), 60);
    EXPECT_ERRNO(set_s(fd, TLS_CIPHER_LIST, "AES128-SHA"), EPROTO);
    EXPECT_ERRNO(set_s(fd, TLS_CIPHERSUITES, "TLS_AES_128_CCM_8_SHA256"), EPROTO);
    ck_assert_int_eq(set_s(fd, TLS_CIPHERSUITES, "TLS_AES_256_GCM_SHA384"), 0);
    /* The effective minimum is still policy's. */
    ck_assert_int_eq(get_i(fd, TLS_VERSION_MIN), TLS_1_2);
    EXPECT_ERRNO(set_i(fd, TLS_VERSION_MIN, 0x0999), EINVAL);
    close(fd);
}
END_TEST

START_TEST(app_anchors_forbidden_by_policy)
{
    st_policy("app_trust_anchors = false;");
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    EXPECT_ERRNO(set_s(fd, TLS_TRUSTED_PEER_CERTIFICATES, test_pki("ca.crt")), EPROTO);
    close(fd);
}
END_TEST

/* Every option on a real connection: set before, read after. */
START_TEST(every_option_on_a_connection)
{
    st_policy(NULL);
    int port;
    int l = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    ck_assert_int_eq(set_s(l, TLS_CERTIFICATE_CHAIN, test_pki("good-chain.pem")), 0);
    ck_assert_int_eq(set_s(l, TLS_PRIVATE_KEY, test_pki("good.key")), 0);
    ck_assert_int_eq(set_s(l, TLS_ALPN, "h2,http/1.1"), 0);
    ck_assert_int_eq(setsockopt(l, IPPROTO_TLS, TLS_REQUEST_PEER_AUTH, NULL, 0), 0);
    ck_assert_int_eq(set_s(l, TLS_TRUSTED_PEER_CERTIFICATES, test_pki("ca.crt")), 0);
    struct sockaddr_storage ss;
    socklen_t len = st_loopback(AF_INET, 0, &ss);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&ss, len), 0);
    ck_assert_int_eq(listen(l, 4), 0);
    len = sizeof ss;
    getsockname(l, (struct sockaddr *)&ss, &len);
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    /* Settings are for before listen(). */
    EXPECT_ERRNO(set_s(l, TLS_ALPN, "h2"), EOPNOTSUPP);

    pid_t child = fork();
    if (child == 0) {
        int c = accept(l, NULL, NULL);
        if (c < 0)
            _exit(10);
        char buf[1];
        _exit(recv(c, buf, 1, 0) == 1 ? 0 : 11);
    }
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    ck_assert_int_eq(set_s(fd, TLS_REMOTE_HOSTNAME, "localhost"), 0);
    ck_assert_int_eq(set_s(fd, TLS_TRUSTED_PEER_CERTIFICATES, test_pki("ca.crt")), 0);
    ck_assert_int_eq(set_s(fd, TLS_CERTIFICATE_CHAIN, test_pki("client-chain.pem")), 0);
    ck_assert_int_eq(set_s(fd, TLS_PRIVATE_KEY, test_pki("client.key")), 0);
    ck_assert_int_eq(set_s(fd, TLS_ALPN, "http/1.1"), 0);
    ck_assert_int_eq(set_i(fd, TLS_SESSION_TTL, 300), 0);
    ck_assert_int_eq(set_s(fd, TLS_DISABLE_CIPHER, "TLS_CHACHA20_POLY1305_SHA256"), 0);
    EXPECT_ERRNO(set_s(fd, TLS_DISABLE_CIPHER, "NOT-A-CIPHER"), EINVAL);
    char long_name[300];
    memset(long_name, 'h', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    EXPECT_ERRNO(set_s(fd, TLS_REMOTE_HOSTNAME, long_name), EINVAL); /* over 255 bytes */
    ck_assert_int_eq(set_i(fd, TLS_VERSION_MIN, TLS_1_2), 0);
    ck_assert_int_eq(set_i(fd, TLS_VERSION_MAX, TLS_1_3), 0);
    ck_assert_int_eq(set_i(fd, TLS_SESSION_REUSE, 1), 0);
    ck_assert_int_eq(get_i(fd, TLS_SESSION_REUSE), 1);
    ck_assert_int_eq(get_i(fd, TLS_HANDSHAKE_DONE), 0);
    /* Negotiated facts before the handshake: wrong state. */
    int v;
    socklen_t vl = sizeof v;
    EXPECT_ERRNO(getsockopt(fd, IPPROTO_TLS, TLS_VERSION_NEGOTIATED, &v, &vl), EOPNOTSUPP);
    EXPECT_ERRNO(set_s(fd, TLS_PRIVATE_KEY, "/nonexistent/key.pem"), ENOENT);

    len = st_loopback(AF_INET, port, &ss);
    ck_assert_msg(connect(fd, (struct sockaddr *)&ss, len) == 0, "connect: %s (%s)",
                  strerror(errno), st_tls_error(fd));
    ck_assert_int_eq(get_i(fd, TLS_HANDSHAKE_DONE), 1);
    ck_assert_int_eq(get_i(fd, TLS_VERSION_NEGOTIATED), TLS_1_3);
    ck_assert_str_eq(get_s(fd, TLS_CIPHER_NEGOTIATED), "TLS_AES_128_GCM_SHA256");
    ck_assert_str_eq(get_s(fd, TLS_ALPN), "http/1.1");
    ck_assert_str_ne(get_s(fd, TLS_GROUP_NEGOTIATED), "");
    ck_assert_msg(strstr(get_s(fd, TLS_PEER_IDENTITY), "CN=localhost"), "%s",
                  get_s(fd, TLS_PEER_IDENTITY));
    const char *pem = get_s(fd, TLS_PEER_CERTIFICATE_CHAIN);
    ck_assert_msg(strstr(pem, "-----BEGIN CERTIFICATE-----") &&
                      strstr(strstr(pem, "-----END CERTIFICATE-----"), "-----BEGIN CERTIFICATE-----"),
                  "a chain of two: %s", pem);
    ck_assert_int_eq(get_i(fd, TLS_VERIFY_RESULT), 0);
    ck_assert_int_eq(get_i(fd, TLS_SESSION_RESUMED), 0);
    uint64_t id = 0;
    socklen_t il = sizeof id;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_ID, &id, &il), 0);
    ck_assert(id != 0);
    /* A too-small buffer: ERANGE with the size needed. */
    char tiny[2];
    socklen_t tl = sizeof tiny;
    EXPECT_ERRNO(getsockopt(fd, IPPROTO_TLS, TLS_CIPHER_NEGOTIATED, tiny, &tl), ERANGE);
    ck_assert_int_eq(tl, strlen("TLS_AES_128_GCM_SHA256") + 1);
    /* Settings after connect: wrong state. Unknown and get-only: none. */
    EXPECT_ERRNO(set_s(fd, TLS_REMOTE_HOSTNAME, "other"), EOPNOTSUPP);
    EXPECT_ERRNO(set_i(fd, TLS_VERSION_MIN, TLS_1_3), EOPNOTSUPP);
    EXPECT_ERRNO(set_i(fd, 199, 1), ENOPROTOOPT);
    EXPECT_ERRNO(set_s(fd, TLS_PEER_IDENTITY, "x"), ENOPROTOOPT);
    EXPECT_ERRNO(getsockopt(fd, IPPROTO_TLS, TLS_PRIVATE_KEY, tiny, &tl), ENOPROTOOPT);
    /* TLS_HOSTNAME is the server's view. */
    EXPECT_ERRNO(getsockopt(fd, IPPROTO_TLS, TLS_HOSTNAME, tiny, &tl), EOPNOTSUPP);
    ck_assert_int_eq(send(fd, "x", 1, 0), 1);
    int status;
    waitpid(child, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server status %d", status);
    close(fd);
    close(l);
}
END_TEST

/* TLS_SESSION: export after one handshake, resume in the next. */
START_TEST(session_resumption)
{
    st_policy(NULL);
    int port = test_free_port();
    pid_t srv = st_s_server(port, "good", NULL);
    unsigned char blob[8192];
    socklen_t blen = 0;
    for (int round = 0; round < 2; round++) {
        int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
        set_s(fd, TLS_REMOTE_HOSTNAME, "localhost");
        if (round == 1)
            ck_assert_int_eq(setsockopt(fd, IPPROTO_TLS, TLS_SESSION, blob, blen), 0);
        struct sockaddr_storage ss;
        socklen_t len = st_loopback(AF_INET, port, &ss);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
        st_send_all(fd, "ab\n"); /* a round trip brings the TLS 1.3 ticket */
        char buf[3];
        st_recv_exact(fd, buf, 3);
        ck_assert_int_eq(get_i(fd, TLS_SESSION_RESUMED), round);
        if (round == 0) {
            blen = sizeof blob;
            ck_assert_int_eq(getsockopt(fd, IPPROTO_TLS, TLS_SESSION, blob, &blen), 0);
        }
        close(fd);
    }
    test_stop(srv);
}
END_TEST

/* Other levels pass through to the kernel, on TLS and plain sockets; the
 * TLS level on a plain socket is the kernel's business too. */
START_TEST(other_levels_pass_through)
{
    st_policy(NULL);
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
    int one = 1, v = 0;
    socklen_t len = sizeof v;
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one), 0);
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
    int type = 0;
    len = sizeof type;
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
    ck_assert_int_eq(type, SOCK_STREAM);
    int plain = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_ERRNO(set_s(plain, TLS_REMOTE_HOSTNAME, "x"), ENOPROTOOPT);
    close(plain);
    close(fd);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("libssa options");
    TCase *tc = tcase_create("options");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, profile_raises_minimum);
    tcase_add_test(tc, weakening_is_eproto);
    tcase_add_test(tc, app_anchors_forbidden_by_policy);
    tcase_add_test(tc, every_option_on_a_connection);
    tcase_add_test(tc, session_resumption);
    tcase_add_test(tc, other_levels_pass_through);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
