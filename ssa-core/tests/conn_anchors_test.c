/*
 * Anchors for one connection (conn_anchors.c): they replace the context's
 * store for that connection, only before the peer's certificate is
 * examined, and only where policy allows application anchors.
 */
#include "ssa_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ssa/core.h"

static void use_policy(const char *store, bool app_anchors)
{
    char policy[1024];
    snprintf(policy, sizeof policy,
             "default: { trust_store = \"%s\"; audit = \"off\"; app_trust_anchors = %s; };\n",
             test_pki(store), app_anchors ? "true" : "false");
    test_use_policy(policy);
}

/* The DER form of a PKI certificate, as an application would hand it. */
static unsigned char *der_of(const char *name, size_t *len)
{
    char cmd[1024];
    const char *out = test_write_temp(".der", "");
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -outform DER -out '%s'", test_pki(name), out);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(out, "rb");
    ck_assert_ptr_nonnull(f);
    static unsigned char buf[8192];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_uint_gt(*len, 0);
    return buf;
}

static pid_t start_server(int port)
{
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *argv[] = {"openssl", "s_server", "-quiet", "-accept", portbuf,
                    "-cert", (char *)test_pki("good.crt"), "-key", (char *)test_pki("good.key"),
                    "-cert_chain", (char *)test_pki("int.crt"), NULL};
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

/* One handshake to "localhost", with `anchor` (NULL: none) given to the
 * connection after it was set up, as a late application would. */
static ssa_status connect_with(int port, const char *anchor, ssa_status *trust_status, int *verify)
{
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(ctx);
    ssa_conn *c = ssa_conn_new(ctx);
    ck_assert_ptr_nonnull(c);
    int fd = test_connect_tcp(port);
    ck_assert_int_ge(fd, 0);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_hostname(c, "localhost");
    if (anchor) {
        size_t len;
        const unsigned char *der = der_of(anchor, &len);
        *trust_status = ssa_conn_trust_der(c, der, len);
    }
    ssa_status st = ssa_conn_handshake(c);
    *verify = ssa_conn_verify_result(c);
    if (st == SSA_OK) {
        size_t len;
        const unsigned char *der = der_of("ca.crt", &len);
        ck_assert_int_eq(ssa_conn_trust_der(c, der, len), SSA_ERR_STATE);
    }
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    return st;
}

START_TEST(anchors_replace_the_store_for_one_connection)
{
    int port = test_free_port();
    pid_t server = start_server(port);
    ssa_status trust = SSA_ERR_STATE;
    int verify = -1;

    use_policy("other-ca.crt", true);
    ck_assert_int_eq(connect_with(port, NULL, &trust, &verify), SSA_ERR_VERIFY);
    ck_assert_int_eq(connect_with(port, "ca.crt", &trust, &verify), SSA_OK);
    ck_assert_int_eq(trust, SSA_OK);

    /* Replace, never add: the policy's store (ca.crt) is not consulted. */
    use_policy("ca.crt", true);
    ck_assert_int_eq(connect_with(port, "other-ca.crt", &trust, &verify), SSA_ERR_VERIFY);
    ck_assert_int_eq(verify, SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    test_stop(server);
}
END_TEST

START_TEST(policy_may_refuse_them)
{
    int port = test_free_port();
    pid_t server = start_server(port);
    ssa_status trust = SSA_OK;
    int verify = -1;

    use_policy("other-ca.crt", false);
    ck_assert_int_eq(connect_with(port, "ca.crt", &trust, &verify), SSA_ERR_VERIFY);
    ck_assert_int_eq(trust, SSA_ERR_POLICY);
    use_policy("ca.crt", false);
    ck_assert_int_eq(connect_with(port, "other-ca.crt", &trust, &verify), SSA_OK);
    ck_assert_int_eq(trust, SSA_ERR_POLICY);
    test_stop(server);
}
END_TEST

START_TEST(garbage_is_not_an_anchor)
{
    use_policy("ca.crt", true);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(ctx);
    static const unsigned char junk[] = "not a certificate";
    ck_assert_int_eq(ssa_conn_trust_der(c, junk, sizeof junk), SSA_ERR_ARG);
    ck_assert_int_eq(ssa_conn_trust_der(c, NULL, 10), SSA_ERR_ARG);
    size_t len;
    const unsigned char *ca = der_of("ca.crt", &len);
    ck_assert_int_eq(ssa_conn_trust_der(c, ca, len - 1), SSA_ERR_ARG); /* truncated */
    ck_assert_int_eq(ssa_conn_trust_der(c, ca, len), SSA_OK);
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
}
END_TEST

/* An anchor the engine refuses (here an expired leaf, as an application
 * that adds an expired CA) narrows the connection's trust to what the
 * application gave, even to nothing: it never falls back to policy's
 * store, which would trust the server here. */
START_TEST(refused_anchor_never_widens_a_connection)
{
    int port = test_free_port();
    pid_t server = start_server(port);
    ssa_status trust = SSA_OK;
    int verify = -1;
    use_policy("ca.crt", true);
    ck_assert_int_eq(connect_with(port, "expired.crt", &trust, &verify), SSA_ERR_VERIFY);
    ck_assert_int_eq(trust, SSA_ERR_ARG);
    ck_assert_int_eq(verify, SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    test_stop(server);
}
END_TEST

/* The same for a context's anchors, and the error says why. */
START_TEST(refused_anchor_never_widens_a_context)
{
    int port = test_free_port();
    pid_t server = start_server(port);
    use_policy("ca.crt", true);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    size_t len;
    const unsigned char *der = der_of("expired.crt", &len);
    ck_assert_int_eq(ssa_ctx_trust_der(ctx, der, len), SSA_ERR_ARG);
    ssa_conn *c = ssa_conn_new(ctx);
    int fd = test_connect_tcp(port);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_hostname(c, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(c), SSA_ERR_VERIFY);
    ck_assert_msg(strstr(ssa_conn_error(c), "trust anchor") != NULL, "error: %s",
                  ssa_conn_error(c));
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    test_stop(server);
}
END_TEST

static Suite *conn_anchors_suite(void)
{
    Suite *s = suite_create("conn_anchors");
    TCase *tc = tcase_create("anchors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, anchors_replace_the_store_for_one_connection);
    tcase_add_test(tc, policy_may_refuse_them);
    tcase_add_test(tc, garbage_is_not_an_anchor);
    tcase_add_test(tc, refused_anchor_never_widens_a_connection);
    tcase_add_test(tc, refused_anchor_never_widens_a_context);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(conn_anchors_suite());
}
