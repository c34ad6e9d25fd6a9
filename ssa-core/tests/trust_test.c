/*
 * The shared system trust store (trust.c): parsed once, shared by every
 * context of the process, and never taught by a peer.
 *
 * Stock wolfSSL adds each CA certificate of a peer's chain that verifies to
 * the certificate manager, which is our one shared store: an intermediate
 * seen once then verified every later chain that omitted it. The build
 * patches that out (scripts/wolfssl-patches/0001-no-chain-ca-caching.patch);
 * these tests hold the core to "verification does not depend on history".
 * Each test runs in one process (Check forks per test, not per step), so the
 * history is real.
 */
#include "ssa_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "ssa/core.h"

static void use_policy(bool verify_peer)
{
    char policy[1024];
    snprintf(policy, sizeof policy,
             "default: { trust_store = \"%s\"; audit = \"off\";%s };\n", test_pki("ca.crt"),
             verify_peer ? "" : " verify_peer = false;");
    test_use_policy(policy);
}

/* `openssl s_server` with good.crt, and the intermediate too when asked. */
static pid_t start_server(bool send_intermediate, int port)
{
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *argv[16] = {"openssl", "s_server", "-quiet", "-accept", portbuf,
                      "-cert", (char *)test_pki("good.crt"), "-key", (char *)test_pki("good.key")};
    int i = 9;
    if (send_intermediate) {
        argv[i++] = "-cert_chain";
        argv[i++] = (char *)test_pki("int.crt");
    }
    argv[i] = NULL;
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

typedef struct outcome {
    ssa_status status;
    int verify_result;
} outcome;

/* One connection from ctx to 127.0.0.1:port as "localhost". */
static outcome connect_once(ssa_ctx *ctx, int port)
{
    ssa_conn *c = ssa_conn_new(ctx);
    ck_assert_ptr_nonnull(c);
    int fd = test_connect_tcp(port);
    ck_assert_int_ge(fd, 0);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_peer_address(c, "127.0.0.1");
    ssa_conn_set_hostname(c, "localhost");
    outcome o = {ssa_conn_handshake(c), ssa_conn_verify_result(c)};
    ssa_conn_free(c);
    close(fd);
    return o;
}

static void expect_refused(outcome o, const char *step)
{
    ck_assert_msg(o.status == SSA_ERR_VERIFY &&
                      o.verify_result == SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                  "%s: status %d, verify result %d (%s); expected SSA_ERR_VERIFY with "
                  "'unable to get local issuer certificate'",
                  step, o.status, o.verify_result, ssa_verify_result_string(o.verify_result));
}

static void expect_ok(outcome o, const char *step)
{
    ck_assert_msg(o.status == SSA_OK && o.verify_result == SSA_V_OK,
                  "%s: status %d, verify result %d (%s); expected success", step, o.status,
                  o.verify_result, ssa_verify_result_string(o.verify_result));
}

/* The CA certificates in the store a context verifies with. */
static int store_ca_count(ssa_ctx *ctx)
{
    WOLFSSL_X509_STORE *store = wolfSSL_CTX_get_cert_store(ctx->wctx);
    ck_assert_ptr_nonnull(store);
    return wolfSSL_X509_CA_num(store);
}

/* Leaf only, full chain, leaf only again: the full chain in between must not
 * make the leaf-only server acceptable, neither to the context that saw the
 * chain nor to a new one. */
START_TEST(intermediate_is_not_remembered)
{
    use_policy(true);
    int leaf_port = test_free_port();
    pid_t leaf_only = start_server(false, leaf_port);
    int chain_port = test_free_port();
    pid_t full_chain = start_server(true, chain_port);

    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(ctx);
    expect_refused(connect_once(ctx, leaf_port), "(a) leaf only, before any chain");
    ck_assert_int_eq(store_ca_count(ctx), 1); /* ca.crt */
    expect_ok(connect_once(ctx, chain_port), "(b) full chain");
    expect_refused(connect_once(ctx, leaf_port), "leaf only, same context, after the chain");
    ck_assert_int_eq(store_ca_count(ctx), 1); /* the intermediate did not go in */

    ssa_ctx *fresh = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(fresh);
    expect_refused(connect_once(fresh, leaf_port), "(c) leaf only, new context, after the chain");
    /* ...and the chain still verifies on its own, in any context. */
    expect_ok(connect_once(fresh, chain_port), "full chain, new context");
    expect_ok(connect_once(ctx, chain_port), "full chain again, first context");
    ck_assert_ptr_eq(fresh->trust, ctx->trust); /* the same shared store throughout */
    ck_assert_int_eq(store_ca_count(fresh), 1);

    ssa_ctx_unref(fresh);
    ssa_ctx_unref(ctx);
    test_stop(full_chain);
    test_stop(leaf_only);
}
END_TEST

static int flag_intermediate(ssa_conn *c, int depth, int pre, const unsigned char *der,
                             size_t len, void *arg)
{
    (void)c, (void)der, (void)len, (void)arg;
    return depth == 1 ? SSA_V_ERR_APPLICATION_VERIFICATION : pre;
}

/* A context that does not enforce verification lets a chain through that the
 * core flagged (here: the application's hook rejects the intermediate). That
 * intermediate must not become a signer for an enforcing context sharing the
 * store. */
START_TEST(non_enforcing_context_does_not_teach_the_store)
{
    int leaf_port = test_free_port();
    pid_t leaf_only = start_server(false, leaf_port);
    int chain_port = test_free_port();
    pid_t full_chain = start_server(true, chain_port);

    use_policy(false);
    ssa_ctx *lax = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(lax);
    ssa_ctx_set_verify_hook(lax, flag_intermediate, NULL);
    outcome o = connect_once(lax, chain_port);
    ck_assert_int_eq(o.status, SSA_OK); /* not enforced: recorded only */
    ck_assert_int_eq(o.verify_result, SSA_V_ERR_APPLICATION_VERIFICATION);

    use_policy(true);
    ssa_ctx *strict = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(strict);
    expect_refused(connect_once(strict, leaf_port), "leaf only, enforcing, after the lax chain");
    ck_assert_ptr_eq(strict->trust, lax->trust); /* the store was indeed shared */
    ck_assert_int_eq(store_ca_count(strict), 1);

    ssa_ctx_unref(strict);
    ssa_ctx_unref(lax);
    test_stop(full_chain);
    test_stop(leaf_only);
}
END_TEST

/* Two contexts made in a row share one parsed store (trust.c parses a store
 * file once per path, size and mtime), and so one wolfSSL X509_STORE. */
START_TEST(store_is_loaded_once_and_shared)
{
    use_policy(true);
    char err[256];
    ssa_ctx *a = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_ctx *b = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(ssa_ctx_freeze(a, err, sizeof err), SSA_OK);
    ck_assert_int_eq(ssa_ctx_freeze(b, err, sizeof err), SSA_OK);
    ck_assert_ptr_nonnull(a->trust);
    ck_assert_ptr_eq(a->trust, b->trust);
    ck_assert_ptr_eq(wolfSSL_CTX_get_cert_store(a->wctx), wolfSSL_CTX_get_cert_store(b->wctx));
    ck_assert_int_eq(store_ca_count(a), 1);
    ssa_ctx_unref(b);
    ssa_ctx_unref(a);
}
END_TEST

static Suite *trust_suite(void)
{
    Suite *s = suite_create("trust");
    TCase *tc = tcase_create("history");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, intermediate_is_not_remembered);
    tcase_add_test(tc, non_enforcing_context_does_not_teach_the_store);
    tcase_add_test(tc, store_is_loaded_once_and_shared);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(trust_suite());
}
