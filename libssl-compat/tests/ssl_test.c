/*
 * Entry points of ssl.c, ssl_ctx.c and cipher.c that python's _ssl uses
 * and where policy, not OpenSSL, decides the outcome (the differential
 * harness covers where both must agree). Self-talk over a BIO pair, both
 * ends on this libssl, or `openssl s_server` peers.
 */
/* The version-specific methods are deprecated, and tested here. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "ssa_test.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char audit_path[512];

static void use_policy(const char *extra)
{
    snprintf(audit_path, sizeof audit_path, "%s/audit.log", test_pki_dir());
    char policy[2048];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"%s\"; %s };\n",
             test_pki("ca.crt"), audit_path, extra ? extra : "");
    test_use_policy(policy);
}

static bool audit_says(const char *needle)
{
    char *log = test_slurp(audit_path);
    bool found = log && strstr(log, needle);
    free(log);
    return found;
}

/* The reason text of the last error on the queue (what python shows). */
static const char *last_reason(void)
{
    const char *r = ERR_reason_error_string(ERR_peek_last_error());
    return r ? r : "";
}

/* ---- self-talk ----------------------------------------------------------- */

static SSL_CTX *server_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(ctx, test_pki("good-chain.pem")), 1);
    ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, test_pki("good.key"), SSL_FILETYPE_PEM), 1);
    return ctx;
}

static SSL_CTX *client_ctx(const SSL_METHOD *m)
{
    SSL_CTX *ctx = SSL_CTX_new(m);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, test_pki("ca.crt"), NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* A connected pair over a BIO pair; the handshake driven to its end. */
static void pair(SSL_CTX *cctx, SSL_CTX *sctx, SSL **client, SSL **server)
{
    BIO *cb, *sb;
    ck_assert_int_eq(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
    *client = SSL_new(cctx);
    *server = SSL_new(sctx);
    SSL_set_bio(*client, cb, cb);
    SSL_set_bio(*server, sb, sb);
    SSL_set_connect_state(*client);
    SSL_set_accept_state(*server);
    SSL_set_tlsext_host_name(*client, "localhost");
    int c = 0, s = 0;
    for (int i = 0; i < 50 && (c != 1 || s != 1); i++) {
        if (c != 1)
            c = SSL_do_handshake(*client);
        if (s != 1)
            s = SSL_do_handshake(*server);
    }
    if (c != 1 || s != 1)
        ERR_print_errors_fp(stderr);
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(s, 1);
}

/* tls-unique: each side's Finished is the other's peer Finished, 12 bytes
 * up to TLS 1.2 and a hash long in TLS 1.3; none before the handshake. */
START_TEST(finished_messages_match)
{
    use_policy(NULL);
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx(TLS_client_method());
    if (_i)
        SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    SSL *fresh = SSL_new(cctx);
    unsigned char a[64], b[64];
    ck_assert_uint_eq(SSL_get_finished(fresh, a, sizeof a), 0);
    ck_assert_uint_eq(SSL_get_peer_finished(fresh, a, sizeof a), 0);
    SSL_free(fresh);
    SSL *client, *server;
    pair(cctx, sctx, &client, &server);
    size_t want = _i ? 12 : 32;
    unsigned char mine[64];
    ck_assert_uint_eq(SSL_get_finished(client, mine, sizeof mine), want);
    ck_assert_uint_eq(SSL_get_finished(client, a, sizeof a), want);
    ck_assert_uint_eq(SSL_get_peer_finished(server, b, sizeof b), want);
    ck_assert_int_eq(memcmp(a, b, want), 0);
    ck_assert_uint_eq(SSL_get_peer_finished(client, a, sizeof a), want);
    ck_assert_uint_eq(SSL_get_finished(server, b, sizeof b), want);
    ck_assert_int_eq(memcmp(a, b, want), 0);
    unsigned char tiny[4] = {0};
    ck_assert_uint_eq(SSL_get_finished(client, tiny, sizeof tiny), want); /* full length */
    ck_assert_int_eq(memcmp(tiny, mine, sizeof tiny), 0); /* its first bytes */
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* Post-handshake authentication fails as OpenSSL's does where it cannot
 * apply: on a client, before the handshake, and below TLS 1.3. */
START_TEST(post_handshake_auth_errors)
{
    use_policy(NULL);
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx(TLS_client_method());
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    SSL *early = SSL_new(sctx);
    SSL_set_accept_state(early);
    ck_assert_int_eq(SSL_verify_client_post_handshake(early), 0);
    ck_assert_int_eq(ERR_GET_REASON(ERR_get_error()), SSL_R_STILL_IN_INIT);
    SSL_free(early);
    SSL *client, *server;
    pair(cctx, sctx, &client, &server);
    SSL_set_post_handshake_auth(client, 1); /* recorded; the core always accepts */
    ck_assert_int_eq(SSL_verify_client_post_handshake(client), 0);
    ck_assert_int_eq(ERR_GET_REASON(ERR_get_error()), SSL_R_NOT_SERVER);
    ck_assert_int_eq(SSL_verify_client_post_handshake(server), 0);
    ck_assert_int_eq(ERR_GET_REASON(ERR_get_error()), SSL_R_WRONG_SSL_VERSION);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* ---- against s_server ------------------------------------------------------ */

static pid_t s_server(int port, const char *leaf, const char *chain)
{
    char portbuf[16], crt[64], key[64];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(crt, sizeof crt, "%s.crt", leaf);
    snprintf(key, sizeof key, "%s.key", leaf);
    char *argv[] = {"openssl", "s_server", "-rev", "-accept", portbuf,
                    "-cert", (char *)test_pki(crt), "-key", (char *)test_pki(key),
                    chain ? "-cert_chain" : NULL, (char *)(chain ? test_pki(chain) : NULL), NULL};
    pid_t pid = test_spawn(argv, NULL);
    ck_assert(test_wait_port(port));
    return pid;
}

static int connect_ssl(SSL *ssl, int port)
{
    int fd = test_connect_tcp(port);
    ck_assert_int_ge(fd, 0);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    return SSL_connect(ssl);
}

static void close_ssl(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    close(fd);
}

/* SSL_set_verify(SSL_VERIFY_NONE) on the connection (python's
 * _create_unverified_context does it on the context): policy verifies
 * anyway; the getter says so, the last error on the queue says why. */
START_TEST(set_verify_none_still_verifies)
{
    use_policy(NULL);
    int port = test_free_port();
    pid_t server = s_server(port, "selfsigned", NULL);
    SSL_CTX *ctx = client_ctx(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    ck_assert_ptr_null(SSL_get_verify_callback(ssl));
    ck_assert_int_eq(SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER, SSL_VERIFY_PEER);
    int rc = connect_ssl(ssl, port);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(SSL_get_error(ssl, rc), SSL_ERROR_SSL);
    ck_assert_int_eq(ERR_GET_REASON(ERR_peek_error()), SSL_R_CERTIFICATE_VERIFY_FAILED);
    ck_assert_msg(strstr(last_reason(), "self-signed certificate (SSA policy requires verification)"),
                  "last reason: %s", last_reason());
    ck_assert_ptr_null(SSL_get0_verified_chain(ssl));
    ck_assert(audit_says("clamped: verify_peer off refused"));
    ERR_clear_error();
    close_ssl(ssl);
    SSL_CTX_free(ctx);
    test_stop(server);
}
END_TEST

/* What python puts in SSL_get0_param: the host is checked by the core; a
 * flag that would weaken verification is removed and audited. */
START_TEST(ssl_param_host_checked_flags_clamped)
{
    use_policy(NULL);
    int port = test_free_port();
    pid_t server = s_server(port, "good", "int.crt");
    SSL_CTX *ctx = client_ctx(TLS_client_method());
    ck_assert_ptr_eq(SSL_CTX_get0_param(ctx), SSL_CTX_get0_param(ctx));

    SSL *wrong = SSL_new(ctx);
    ck_assert_int_eq(X509_VERIFY_PARAM_set1_host(SSL_get0_param(wrong), "wrong.test", 0), 1);
    ck_assert_int_eq(connect_ssl(wrong, port), -1);
    ck_assert_int_eq(SSL_get_verify_result(wrong), X509_V_ERR_HOSTNAME_MISMATCH);
    ERR_clear_error();
    close_ssl(wrong);

    SSL *ok = SSL_new(ctx);
    X509_VERIFY_PARAM *vpm = SSL_get0_param(ok);
    ck_assert_int_eq(X509_VERIFY_PARAM_set1_host(vpm, "localhost", 0), 1);
    ck_assert_int_eq(X509_VERIFY_PARAM_set_flags(vpm, X509_V_FLAG_PARTIAL_CHAIN), 1);
    ck_assert_int_eq(connect_ssl(ok, port), 1);
    ck_assert_int_eq(X509_VERIFY_PARAM_get_flags(vpm) & X509_V_FLAG_PARTIAL_CHAIN, 0);
    ck_assert(audit_says("X509_VERIFY_PARAM) refused"));
    STACK_OF(X509) *chain = SSL_get0_verified_chain(ok);
    ck_assert_int_eq(sk_X509_num(chain), 3); /* leaf, intermediate, root */
    ck_assert_ptr_eq(SSL_get0_verified_chain(ok), chain);
    close_ssl(ok);
    SSL_CTX_free(ctx);
    test_stop(server);
}
END_TEST

/* Host-check flags stricter than the core's matching are honoured: with
 * python's hostname_checks_common_name = False (NEVER_CHECK_SUBJECT) a
 * certificate naming its host only in the CN is refused, as by OpenSSL;
 * without the flag it is accepted, as by OpenSSL. Other unenforced verify
 * flags are audited. */
START_TEST(stricter_host_flags_honoured)
{
    use_policy(NULL);
    int port = test_free_port();
    pid_t server = s_server(port, "cnonly", "int.crt");
    SSL_CTX *ctx = client_ctx(TLS_client_method());
    for (int strict = 0; strict < 2; strict++) {
        SSL *ssl = SSL_new(ctx);
        X509_VERIFY_PARAM *vpm = SSL_get0_param(ssl);
        ck_assert_int_eq(X509_VERIFY_PARAM_set1_host(vpm, "cnonly.test", 0), 1);
        X509_VERIFY_PARAM_set_hostflags(vpm, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS
                                             | (strict ? X509_CHECK_FLAG_NEVER_CHECK_SUBJECT : 0));
        if (strict)
            X509_VERIFY_PARAM_set_flags(vpm, X509_V_FLAG_CRL_CHECK);
        int fd = test_connect_tcp(port);
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, "cnonly.test");
        int rc = SSL_connect(ssl);
        ck_assert_int_eq(rc, strict ? -1 : 1);
        if (strict) {
            ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_ERR_HOSTNAME_MISMATCH);
            ck_assert(audit_says("verify flags 0x4 (X509_VERIFY_PARAM) not enforced"));
        }
        ERR_clear_error();
        close_ssl(ssl);
    }
    SSL_CTX_free(ctx);
    test_stop(server);
}
END_TEST

/* TLSv1_method and TLSv1_1_method exist. A range wholly below policy's
 * floor is clamped up to policy's range (audited), as for nginx's
 * "ssl_protocols TLSv1 TLSv1.1": the application gets policy's floor, and
 * a peer that offers nothing better is refused at the handshake. */
START_TEST(old_version_methods_clamped)
{
    use_policy(NULL);
    int port = test_free_port();
    pid_t server = s_server(port, "good", "int.crt");
    const SSL_METHOD *m = _i ? TLSv1_1_method() : TLSv1_method();
    SSL_CTX *ctx = client_ctx(m);
    SSL *ssl = SSL_new(ctx);
    ck_assert_int_eq(connect_ssl(ssl, port), 1);
    ck_assert_msg(strcmp(SSL_get_version(ssl), "TLSv1.2") == 0
                      || strcmp(SSL_get_version(ssl), "TLSv1.3") == 0,
                  "version %s", SSL_get_version(ssl));
    ck_assert(audit_says("clamped: protocol versions up to TLSv1"));
    close_ssl(ssl);
    SSL_CTX_free(ctx);

    /* TLSv1_2_method works, and stays at 1.2 against a 1.3-capable server. */
    ctx = client_ctx(TLSv1_2_method());
    ssl = SSL_new(ctx);
    ck_assert_int_eq(connect_ssl(ssl, port), 1);
    ck_assert_str_eq(SSL_get_version(ssl), "TLSv1.2");
    close_ssl(ssl);
    SSL_CTX_free(ctx);
    test_stop(server);
}
END_TEST

/* ---- context facts ------------------------------------------------------------ */

/* SSL_get_ciphers: the request merged with policy, TLS 1.3 first. */
START_TEST(cipher_list_is_policys)
{
    use_policy(NULL);
    SSL_CTX *ctx = client_ctx(TLS_client_method());
    ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx, "AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256"), 1);
    SSL *ssl = SSL_new(ctx);
    STACK_OF(SSL_CIPHER) *list = SSL_get_ciphers(ssl);
    int n = sk_SSL_CIPHER_num(list);
    ck_assert_int_ge(n, 2);
    ck_assert_uint_eq(SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(list, 0)) >> 8, 0x13);
    const SSL_CIPHER *last = sk_SSL_CIPHER_value(list, n - 1);
    ck_assert_str_eq(SSL_CIPHER_get_name(last), "ECDHE-ECDSA-AES128-GCM-SHA256");
    for (int i = 0; i < n; i++) {
        ck_assert_str_ne(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i)), "AES128-SHA");
        ck_assert_int_eq(SSL_CIPHER_is_aead(sk_SSL_CIPHER_value(list, i)), 1);
    }
    ck_assert_ptr_eq(SSL_get_ciphers(ssl), list); /* unchanged: the same stack */
    /* Nothing left at all: refused as OpenSSL refuses, and audited. */
    ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx, "AES128-SHA"), 1); /* TLS 1.3 remains */
    ck_assert_int_eq(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_CCM_8_SHA256"), 0);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}
END_TEST

/* Security level as policy's floors make it (level 3's keys, but tickets
 * on: OpenSSL's level 3 has none, so 2; sigalgs_test has the full table);
 * ticket count as the engine sends them (at most one), zero when a server
 * asks for none. */
START_TEST(security_level_and_tickets)
{
    use_policy("min_rsa_bits = 3072; min_ec_bits = 256;");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_int_eq(SSL_CTX_get_security_level(ctx), 2);
    ck_assert_uint_eq(SSL_CTX_get_num_tickets(ctx), 1);
    ck_assert_int_eq(SSL_CTX_set_num_tickets(ctx, 0), 1);
    ck_assert_uint_eq(SSL_CTX_get_num_tickets(ctx), 0);
    ck_assert_int_eq(SSL_CTX_set_num_tickets(ctx, 5), 1);
    ck_assert_uint_eq(SSL_CTX_get_num_tickets(ctx), 1);
    SSL_CTX_free(ctx);
    use_policy("session_tickets = false;");
    ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_int_eq(SSL_CTX_get_security_level(ctx), 2);
    ck_assert_uint_eq(SSL_CTX_get_num_tickets(ctx), 0);
    /* An application's level: a lower one changes nothing, a higher one
     * is audited as not enforced; the getter keeps saying what is. */
    SSL_CTX_set_security_level(ctx, 0);
    ck_assert_int_eq(SSL_CTX_get_security_level(ctx), 2);
    SSL_CTX_set_security_level(ctx, 4);
    ck_assert_int_eq(SSL_CTX_get_security_level(ctx), 2);
    ck_assert(audit_says("security level 4 (SSL_CTX_set_security_level) not enforced"));
    SSL_CTX_free(ctx);
}
END_TEST

/* SRP is not a key exchange policy offers: the setters fail as OpenSSL's
 * fail (0, an error on the queue) and the refusal is audited. */
START_TEST(srp_refused)
{
    use_policy(NULL);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ck_assert_int_eq(SSL_CTX_set_srp_username(ctx, "user"), 0);
    ck_assert_int_ne(ERR_peek_error(), 0);
    ERR_clear_error();
    ck_assert_int_eq(SSL_CTX_set_srp_password(ctx, "secret"), 0);
    ck_assert_int_ne(ERR_peek_error(), 0);
    ERR_clear_error();
    ck_assert(audit_says("refused: SRP (SSL_CTX_set_srp_username)"));
    ck_assert(audit_says("refused: SRP (SSL_CTX_set_srp_password)"));
    SSL_CTX_free(ctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ssl");
    TCase *tc = tcase_create("python-calls");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, finished_messages_match, 0, 2);
    tcase_add_test(tc, post_handshake_auth_errors);
    tcase_add_test(tc, set_verify_none_still_verifies);
    tcase_add_test(tc, ssl_param_host_checked_flags_clamped);
    tcase_add_test(tc, stricter_host_flags_honoured);
    tcase_add_loop_test(tc, old_version_methods_clamped, 0, 2);
    tcase_add_test(tc, cipher_list_is_policys);
    tcase_add_test(tc, security_level_and_tickets);
    tcase_add_test(tc, srp_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
