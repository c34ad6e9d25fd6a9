/*
 * The signature-hash floor over the verified chain (sig_floor.c): a core
 * client against `openssl s_server` serving chains signed with SHA-1, and
 * the hash read from each kind of certificate signature.
 */
#include "ssa_test.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sig_floor.h"
#include "ssa/core.h"

/* ------------------------------------------------------------------------
 * The hash behind a certificate's signature
 * ---------------------------------------------------------------------- */

static int hash_of_file(const char *name)
{
    WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_file(test_pki(name), WOLFSSL_FILETYPE_PEM);
    ck_assert_msg(x != NULL, "cannot read %s", name);
    int hash = ssa_cert_signature_hash(x);
    wolfSSL_X509_free(x);
    return hash;
}

START_TEST(test_hash_of_each_signature)
{
    ck_assert_int_eq(hash_of_file("good.crt"), SSA_SIG_HASH_SHA256);  /* ecdsa-with-SHA256 */
    ck_assert_int_eq(hash_of_file("sha1.crt"), SSA_SIG_HASH_SHA1);    /* ecdsa-with-SHA1 */
    ck_assert_int_eq(hash_of_file("md5-self.crt"), SSA_SIG_HASH_MD5); /* md5WithRSAEncryption */
}
END_TEST

/* ------------------------------------------------------------------------
 * Chains
 * ---------------------------------------------------------------------- */

typedef struct chain_case {
    const char *leaf;       /* <leaf>.crt / <leaf>.key */
    const char *chain;      /* the intermediate the server sends */
    const char *floor;      /* min_signature_hash in the policy, NULL: default */
    int expect;             /* ssa_verify_result */
    bool tls12;             /* s_server -tls1_2 (a P-256 key signs with SHA-384 there) */
} chain_case;

static const chain_case cases[] = {
    /* A leaf signed with SHA-1, under the default floor (SHA-256). */
    {"sha1", "int.crt", NULL, SSA_V_ERR_CA_MD_TOO_WEAK, false},
    /* A good leaf under an intermediate the root signed with SHA-1. */
    {"via-sha1-int", "sha1-int.crt", NULL, SSA_V_ERR_CA_MD_TOO_WEAK, false},
    /* The administrator allows SHA-1: both chains verify. */
    {"sha1", "int.crt", "sha1", SSA_V_OK, false},
    {"via-sha1-int", "sha1-int.crt", "sha1", SSA_V_OK, false},
    /* The good chain (SHA-256 throughout) under the default floor... */
    {"good", "int.crt", NULL, SSA_V_OK, false},
    /* ...and under a SHA-384 floor, which it does not meet. In TLS 1.3 a
     * P-256 key signs only with SHA-256, which that floor refuses in the
     * handshake already: TLS 1.2 gets as far as the chain. */
    {"good", "int.crt", "sha384", SSA_V_ERR_CA_MD_TOO_WEAK, true},
};

static void use_policy(const char *floor)
{
    char policy[1024], floor_line[64] = "";
    if (floor)
        snprintf(floor_line, sizeof floor_line, "min_signature_hash = \"%s\";", floor);
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; %s };\n",
             test_pki("ca.crt"), floor_line);
    test_use_policy(policy);
}

static pid_t start_s_server(const chain_case *cc, int port)
{
    char cert[64], key[64], portbuf[16];
    snprintf(cert, sizeof cert, "%s.crt", cc->leaf);
    snprintf(key, sizeof key, "%s.key", cc->leaf);
    snprintf(portbuf, sizeof portbuf, "%d", port);
    /* SECLEVEL=0 so that OpenSSL serves the SHA-1 chain: judging it is the
     * client's (our) job. */
    char *argv[] = {"openssl", "s_server", "-quiet", "-cipher", "ALL:@SECLEVEL=0", "-accept",
                    portbuf, "-cert", (char *)test_pki(cert), "-key", (char *)test_pki(key),
                    "-cert_chain", (char *)test_pki(cc->chain), cc->tls12 ? "-tls1_2" : NULL,
                    NULL};
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

START_TEST(test_chain_floor)
{
    const chain_case *cc = &cases[_i];
    use_policy(cc->floor);
    int port = test_free_port();
    pid_t server = start_s_server(cc, port);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(ctx);
    int fd = test_connect_tcp(port);
    ck_assert_int_ge(fd, 0);
    ssa_conn_set_fd(c, fd);
    ssa_conn_set_hostname(c, "localhost");
    ssa_status st = ssa_conn_handshake(c);
    int got = ssa_conn_verify_result(c);
    ck_assert_msg(got == cc->expect, "case %d (%s, floor %s): verify result %d (%s), expected %d; %s",
                  _i, cc->leaf, cc->floor ? cc->floor : "default", got,
                  ssa_verify_result_string(got), cc->expect,
                  ssa_conn_error(c) ? ssa_conn_error(c) : "");
    if (cc->expect == SSA_V_OK) {
        ck_assert_int_eq(st, SSA_OK);
    } else {
        ck_assert_int_eq(st, SSA_ERR_VERIFY);
        ck_assert_ptr_nonnull(strstr(ssa_conn_error(c), "CA signature digest algorithm too weak"));
    }
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    close(fd);
    test_stop(server);
}
END_TEST

static Suite *sig_floor_suite(void)
{
    Suite *s = suite_create("sig_floor");
    TCase *tc = tcase_create("hash");
    tcase_add_test(tc, test_hash_of_each_signature);
    suite_add_tcase(s, tc);
    tc = tcase_create("chain");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_chain_floor, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(sig_floor_suite());
}
