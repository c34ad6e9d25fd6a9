/*
 * The verification matrix: a core client against an unmodified
 * `openssl s_server` serving each certificate of the test PKI. Every case
 * names the X509_V_ERR_* code OpenSSL itself would report.
 */
#include "ssa_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssa/core.h"

typedef struct verify_case {
    const char *leaf;     /* <leaf>.crt / <leaf>.key */
    const char *chain;    /* extra certificates the server sends, or NULL */
    const char *name;     /* what the client connects to (NULL: nothing set) */
    int expect;           /* ssa_verify_result */
} verify_case;

static const verify_case cases[] = {
    /* A valid chain: leaf plus intermediate, root in the trust store. */
    {"good", "int.crt", "localhost", SSA_V_OK},
    /* Same certificate, other SAN. */
    {"good", "int.crt", "good.test", SSA_V_OK},
    /* The server forgets its intermediate. */
    {"good", NULL, "localhost", SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
    /* A name the certificate does not carry. */
    {"wronghost", "int.crt", "localhost", SSA_V_ERR_HOSTNAME_MISMATCH},
    /* RFC 6125: one label for the wildcard, never two. */
    {"wildcard", "int.crt", "www.wild.test", SSA_V_OK},
    {"wildcard", "int.crt", "a.b.wild.test", SSA_V_ERR_HOSTNAME_MISMATCH},
    {"wildcard", "int.crt", "wild.test", SSA_V_ERR_HOSTNAME_MISMATCH},
    /* An address is checked against IP SANs, not DNS names. */
    {"ipsan", "int.crt", "127.0.0.1", SSA_V_OK},
    {"good", "int.crt", "127.0.0.1", SSA_V_OK},
    {"wronghost", "int.crt", "127.0.0.1", SSA_V_ERR_IP_ADDRESS_MISMATCH},
    /* IPv6, in any spelling of the address. */
    {"good", "int.crt", "::1", SSA_V_OK},
    {"good", "int.crt", "0:0:0:0:0:0:0:1", SSA_V_OK},
    {"ipsan", "int.crt", "::1", SSA_V_ERR_IP_ADDRESS_MISMATCH},
    /* No application name at all: policy falls back to the peer's address. */
    {"ipsan", "int.crt", NULL, SSA_V_OK},
    /* The CN counts only when there is no SAN. */
    {"cnonly", "int.crt", "cnonly.test", SSA_V_OK},
    {"expired", "int.crt", "localhost", SSA_V_ERR_CERT_HAS_EXPIRED},
    {"notyet", "int.crt", "localhost", SSA_V_ERR_CERT_NOT_YET_VALID},
    {"selfsigned", NULL, "localhost", SSA_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
    /* A chain to a root we do not trust, the root sent along. */
    {"untrusted", "other-ca.crt", "localhost", SSA_V_ERR_SELF_SIGNED_CERT_IN_CHAIN},
    /* A client-only certificate presented by a server. */
    {"badeku", "int.crt", "localhost", SSA_V_ERR_INVALID_PURPOSE},
    /* RSA-1024 against policy's 2048-bit minimum. */
    {"rsa1024", "int.crt", "localhost", SSA_V_ERR_EE_KEY_TOO_SMALL},
    {"rsa2048", "int.crt", "localhost", SSA_V_OK},
    /* A critical extension the engine does not know: refused, and said so
     * (the core cannot serve this leaf itself: it refuses to load it). */
    {"critext", "int.crt", "localhost", SSA_V_ERR_UNHANDLED_CRITICAL_EXTENSION},
};

static pid_t start_s_server(const verify_case *vc, int port)
{
    char cert[64], key[64], portbuf[16];
    snprintf(cert, sizeof cert, "%s.crt", vc->leaf);
    snprintf(key, sizeof key, "%s.key", vc->leaf);
    snprintf(portbuf, sizeof portbuf, "%d", port);
    /* SECLEVEL=0 so that OpenSSL serves even the weak key: judging it is
     * the client's (our) job. */
    char *argv[20] = {"openssl", "s_server", "-quiet", "-cipher", "ALL:@SECLEVEL=0", "-accept", portbuf,
                      "-cert", (char *)test_pki(cert), "-key", (char *)test_pki(key)};
    int i = 11;
    if (vc->chain) {
        argv[i++] = "-cert_chain";
        argv[i++] = (char *)test_pki(vc->chain);
    }
    argv[i] = NULL;
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

START_TEST(matrix)
{
    const verify_case *vc = &cases[_i];
    char policy[1024];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; };\n",
             test_pki("ca.crt"));
    test_use_policy(policy);
    int port = test_free_port();
    pid_t server = start_s_server(vc, port);

    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(ctx);
    int fd = test_connect_tcp(port);
    ck_assert_int_ge(fd, 0);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_peer_address(c, "127.0.0.1");
    if (vc->name)
        ssa_conn_set_hostname(c, vc->name);
    ssa_status st = ssa_conn_handshake(c);

    ck_assert_msg(ssa_conn_verify_result(c) == vc->expect,
                  "case %d (%s as %s): verify result %d (%s), expected %d; %s", _i, vc->leaf,
                  vc->name ? vc->name : "(address)", ssa_conn_verify_result(c),
                  ssa_verify_result_string(ssa_conn_verify_result(c)), vc->expect,
                  ssa_conn_error(c) ? ssa_conn_error(c) : "");
    if (vc->expect == SSA_V_OK) {
        ck_assert_int_eq(st, SSA_OK);
    } else {
        ck_assert_int_eq(st, SSA_ERR_VERIFY);
        /* The reason is spelled out, and says that policy did it. */
        ck_assert_ptr_nonnull(strstr(ssa_conn_error(c), ssa_verify_result_string(vc->expect)));
        ck_assert_ptr_nonnull(strstr(ssa_conn_error(c), "SSA policy requires verification"));
    }
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    test_stop(server);
}
END_TEST

/* A profile that turns verification off still records the result. */
START_TEST(policy_without_verification_records_result)
{
    char policy[1024];
    snprintf(policy, sizeof policy,
             "default: { trust_store = \"%s\"; audit = \"off\"; verify_peer = false; };\n",
             test_pki("ca.crt"));
    test_use_policy(policy);
    int port = test_free_port();
    verify_case vc = {"selfsigned", NULL, "localhost", 0};
    pid_t server = start_s_server(&vc, port);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(ctx);
    int fd = test_connect_tcp(port);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_hostname(c, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(c), SSA_OK);
    ck_assert_int_eq(ssa_conn_verify_result(c), SSA_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    test_stop(server);
}
END_TEST

static int reject_everything(ssa_conn *c, int depth, int pre, const unsigned char *der, size_t len,
                             void *arg)
{
    (void)c, (void)der, (void)len, (void)arg;
    return depth == 0 && pre == SSA_V_OK ? SSA_V_ERR_APPLICATION_VERIFICATION : pre;
}

static int accept_everything(ssa_conn *c, int depth, int pre, const unsigned char *der, size_t len,
                             void *arg)
{
    (void)c, (void)depth, (void)pre, (void)der, (void)len, (void)arg;
    return SSA_V_OK;
}

/* The application's hook may reject a good chain... */
START_TEST(hook_can_reject)
{
    char policy[1024];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; };\n",
             test_pki("ca.crt"));
    test_use_policy(policy);
    int port = test_free_port();
    pid_t server = start_s_server(&cases[0], port);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_ctx_set_verify_hook(ctx, reject_everything, NULL);
    ssa_conn *c = ssa_conn_new(ctx);
    int fd = test_connect_tcp(port);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_hostname(c, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(c), SSA_ERR_VERIFY);
    ck_assert_int_eq(ssa_conn_verify_result(c), SSA_V_ERR_APPLICATION_VERIFICATION);
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    test_stop(server);
}
END_TEST

/* ...but never accept a chain that policy rejects. */
START_TEST(hook_cannot_accept)
{
    char policy[1024];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; };\n",
             test_pki("ca.crt"));
    test_use_policy(policy);
    int port = test_free_port();
    verify_case vc = {"expired", "int.crt", "localhost", 0};
    pid_t server = start_s_server(&vc, port);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_ctx_set_verify_hook(ctx, accept_everything, NULL);
    ssa_conn *c = ssa_conn_new(ctx);
    int fd = test_connect_tcp(port);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_hostname(c, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(c), SSA_ERR_VERIFY);
    ck_assert_int_eq(ssa_conn_verify_result(c), SSA_V_ERR_CERT_HAS_EXPIRED);
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    test_stop(server);
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *t = tcase_create("against openssl s_server");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, matrix, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(t, policy_without_verification_records_result);
    tcase_add_test(t, hook_can_reject);
    tcase_add_test(t, hook_cannot_accept);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return test_run_suite(verify_suite());
}
