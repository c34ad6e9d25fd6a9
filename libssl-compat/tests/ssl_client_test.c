/*
 * The drop-in seen from an unmodified OpenSSL program: this file uses only
 * OpenSSL's API and headers and is linked against our libssl.so.3. Peers
 * are `openssl s_server` (system OpenSSL) and, for memory-BIO self-talk, a
 * server made with the same drop-in.
 */
#include "ssa_test.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *audit_path;

static void use_policy(void)
{
    static char audit[512];
    snprintf(audit, sizeof audit, "%s/audit.log", test_pki_dir());
    audit_path = audit;
    char policy[1024];
    snprintf(policy, sizeof policy,
             "default: { trust_store = \"%s\"; audit = \"%s\"; };\n", test_pki("ca.crt"), audit);
    test_use_policy(policy);
}

/* s_server -rev (answers each line reversed) with leaf `name`. */
static pid_t s_server(int port, const char *name, bool with_chain)
{
    char portbuf[16], crt[64], key[64];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(crt, sizeof crt, "%s.crt", name);
    snprintf(key, sizeof key, "%s.key", name);
    char *argv[16] = {"openssl", "s_server", "-rev", "-accept", portbuf,
                      "-cert", (char *)test_pki(crt), "-key", (char *)test_pki(key)};
    int i = 9;
    if (with_chain) {
        argv[i++] = "-cert_chain";
        argv[i++] = (char *)test_pki("int.crt");
    }
    argv[i] = NULL;
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

static SSL *client_for(SSL_CTX *ctx, int port)
{
    SSL *ssl = SSL_new(ctx);
    ck_assert_ptr_nonnull(ssl);
    int fd = test_connect_tcp(port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(SSL_set_fd(ssl, fd), 1);
    ck_assert_int_eq(SSL_get_fd(ssl), fd);
    return ssl;
}

static void close_client(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    close(fd);
}

/* Handshake with SNI and a checked name, TLS 1.3, data both ways. */
START_TEST(good_server_round_trip)
{
    use_policy();
    int port = test_free_port();
    pid_t server = s_server(port, "good", true);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    ck_assert_int_eq(SSL_CTX_set_default_verify_paths(ctx), 1);
    SSL *ssl = client_for(ctx, port);
    ck_assert_int_eq(SSL_set_tlsext_host_name(ssl, "localhost"), 1);
    ck_assert_int_eq(SSL_set1_host(ssl, "localhost"), 1);
    int rc = SSL_connect(ssl);
    if (rc != 1)
        ERR_print_errors_fp(stderr);
    ck_assert_int_eq(rc, 1);
    ck_assert_str_eq(SSL_get_version(ssl), "TLSv1.3");
    ck_assert_int_eq(SSL_version(ssl), TLS1_3_VERSION);
    ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_OK);
    ck_assert_str_eq(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), "localhost");
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(SSL_CIPHER_get_version(c), "TLSv1.3");
    ck_assert_int_ge(SSL_CIPHER_get_bits(c, NULL), 128);
    X509 *peer = SSL_get1_peer_certificate(ssl);
    ck_assert_ptr_nonnull(peer);
    ck_assert_int_eq(X509_check_host(peer, "localhost", 0, 0, NULL), 1);
    X509_free(peer);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    ck_assert_int_eq(sk_X509_num(chain), 2); /* leaf and intermediate */
    ck_assert_ptr_eq(SSL_get_peer_cert_chain(ssl), chain); /* borrowed, cached */

    ck_assert_int_eq(SSL_write(ssl, "hello\n", 6), 6);
    char buf[64] = {0};
    size_t got = 0;
    /* s_server may split its answer; read until the newline. */
    while (got < 6) {
        int n = SSL_read(ssl, buf + got, (int)(sizeof buf - 1 - got));
        ck_assert_msg(n > 0, "SSL_read %d, SSL_get_error %d", n, SSL_get_error(ssl, n));
        got += (size_t)n;
    }
    ck_assert_str_eq(buf, "olleh\n");
    ck_assert_int_eq(SSL_shutdown(ssl), 0);
    close_client(ssl);
    SSL_CTX_free(ctx);
    test_stop(server);
}
END_TEST

/* An application that trusts one CA it adds with X509_STORE_add_cert,
 * which the engine refuses (expired), has narrowed its trust to that CA:
 * the connection fails, and policy's store (which would accept the server)
 * is not used behind its back. */
START_TEST(refused_store_anchor_never_widens_trust)
{
    use_policy();
    int port = test_free_port();
    pid_t server = s_server(port, "good", true);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    FILE *f = fopen(test_pki("expired.crt"), "r");
    ck_assert_ptr_nonnull(f);
    X509 *expired = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(expired);
    ck_assert_int_eq(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), expired), 1);
    X509_free(expired);
    SSL *ssl = client_for(ctx, port);
    ck_assert_int_eq(SSL_set1_host(ssl, "localhost"), 1);
    ck_assert_int_eq(SSL_connect(ssl), -1);
    ck_assert_int_eq(SSL_get_error(ssl, -1), SSL_ERROR_SSL);
    ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    const char *data = NULL;
    ERR_peek_last_error_data(&data, NULL);
    ck_assert_msg(data && strstr(data, "trust anchor"), "error data: %s", data ? data : "none");
    ERR_clear_error();
    close_client(ssl);
    SSL_CTX_free(ctx);
    test_stop(server);
    char *log = test_slurp(audit_path);
    ck_assert_ptr_nonnull(strstr(log, "application trust anchor"));
    free(log);
}
END_TEST

/* curl -k against a self-signed server: policy keeps verification on, and
 * the failure looks like OpenSSL's with words that say policy did it. */
START_TEST(verify_none_still_verifies)
{
    use_policy();
    int port = test_free_port();
    pid_t server = s_server(port, "selfsigned", false);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    ck_assert_int_eq(SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER, SSL_VERIFY_PEER);
    SSL *ssl = client_for(ctx, port);
    SSL_set_tlsext_host_name(ssl, "localhost");
    ERR_clear_error();
    int rc = SSL_connect(ssl);
    ck_assert_int_le(rc, 0);
    ck_assert_int_eq(SSL_get_error(ssl, rc), SSL_ERROR_SSL);
    ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    const char *data = NULL;
    int flags = 0;
    unsigned long e = ERR_peek_error_data(&data, &flags);
    ck_assert_int_eq(ERR_GET_LIB(e), ERR_LIB_SSL);
    ck_assert_int_eq(ERR_GET_REASON(e), SSL_R_CERTIFICATE_VERIFY_FAILED);
    ck_assert_str_eq(ERR_reason_error_string(e), "certificate verify failed");
    /* The reason string is OpenSSL's; the core's sentence is the data, as
     * ERR_print_errors shows it. */
    ck_assert_ptr_nonnull(data);
    ck_assert_msg(strstr(data, "SSA policy"), "error data: %s", data);
    ck_assert_msg(strstr(data, "self-signed"), "error data: %s", data);
    ERR_clear_error();
    close_client(ssl);
    SSL_CTX_free(ctx);
    test_stop(server);
    char *audit = test_slurp(audit_path);
    ck_assert_ptr_nonnull(audit);
    ck_assert_msg(strstr(audit, "verify_peer off refused"), "audit log: %s", audit);
    free(audit);
}
END_TEST

/* A weaker version floor is accepted and clamped; the getter tells. */
START_TEST(min_version_clamped)
{
    use_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ck_assert_int_eq(SSL_CTX_get_min_proto_version(ctx), 0);
    ck_assert_int_eq(SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION), 1);
    ck_assert_int_eq(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    ck_assert_int_eq(SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION), 1);
    ck_assert_int_eq(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
    ck_assert_int_eq(SSL_CTX_set_min_proto_version(ctx, 0x0999), 0);
    ck_assert_int_ne(ERR_get_error(), 0);
    ck_assert_int_eq(SSL_CTX_ctrl(ctx, 9999, 0, NULL), 0); /* unknown: 0, as OpenSSL */
    SSL_CTX_free(ctx);
}
END_TEST

/* Both ends of a BIO pair in one thread: non-blocking handshake driven by
 * SSL_get_error, then the two-step close. */
static void pump(SSL *client, SSL *server)
{
    int c = 0, s = 0;
    bool saw_want_read = false;
    for (int i = 0; i < 50 && (c != 1 || s != 1); i++) {
        if (c != 1) {
            c = SSL_do_handshake(client);
            if (c != 1) {
                ck_assert_int_eq(SSL_get_error(client, c), SSL_ERROR_WANT_READ);
                saw_want_read = true;
            }
        }
        if (s != 1) {
            s = SSL_do_handshake(server);
            if (s != 1)
                ck_assert_int_eq(SSL_get_error(server, s), SSL_ERROR_WANT_READ);
        }
    }
    ck_assert(saw_want_read);
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(s, 1);
}

START_TEST(memory_bio_pair)
{
    use_policy();
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(sctx, test_pki("good-chain.pem")), 1);
    ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(sctx, test_pki("good.key"), SSL_FILETYPE_PEM), 1);
    ck_assert_int_eq(SSL_CTX_check_private_key(sctx), 1);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    ck_assert_int_eq(SSL_CTX_load_verify_locations(cctx, test_pki("ca.crt"), NULL), 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);

    BIO *cb, *sb;
    ck_assert_int_eq(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
    SSL *client = SSL_new(cctx), *server = SSL_new(sctx);
    SSL_set_bio(client, cb, cb); /* one reference given, two kept */
    SSL_set_bio(server, sb, sb);
    ck_assert_ptr_eq(SSL_get_rbio(client), cb);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SSL_set_tlsext_host_name(client, "localhost");
    pump(client, server);
    ck_assert_str_eq(SSL_get_servername(server, TLSEXT_NAMETYPE_host_name), "localhost");

    char buf[16];
    ck_assert_int_eq(SSL_read(server, buf, sizeof buf), -1);
    ck_assert_int_eq(SSL_get_error(server, -1), SSL_ERROR_WANT_READ);
    ck_assert_int_eq(SSL_write(client, "ping", 4), 4);
    ck_assert_int_eq(SSL_read(server, buf, sizeof buf), 4);
    ck_assert_int_eq(memcmp(buf, "ping", 4), 0);

    ck_assert_int_eq(SSL_shutdown(client), 0);      /* sent, peer's not seen */
    ck_assert_int_eq(SSL_get_shutdown(client), SSL_SENT_SHUTDOWN);
    int n = SSL_read(server, buf, sizeof buf);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(SSL_get_error(server, n), SSL_ERROR_ZERO_RETURN);
    ck_assert_int_eq(SSL_shutdown(server), 1);      /* both directions closed */
    ck_assert_int_eq(SSL_shutdown(client), 1);
    ck_assert_int_eq(SSL_get_shutdown(client), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* SSL_CTX_set1_param: a host set through it is checked on every SSL the
 * context makes afterwards; a flag that would weaken verification (wget's
 * X509_V_FLAG_PARTIAL_CHAIN) is refused and audited, the setter succeeds. */
START_TEST(set1_param_stricter_only)
{
    use_policy();
    int port = test_free_port();
    pid_t server = s_server(port, "good", true);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    X509_VERIFY_PARAM *vpm = X509_VERIFY_PARAM_new();
    ck_assert_ptr_nonnull(vpm);
    ck_assert_int_eq(X509_VERIFY_PARAM_set_flags(vpm, X509_V_FLAG_TRUSTED_FIRST
                                                 | X509_V_FLAG_PARTIAL_CHAIN), 1);
    ck_assert_int_eq(X509_VERIFY_PARAM_set1_host(vpm, "wrong.test", 0), 1);
    ck_assert_int_eq(SSL_CTX_set1_param(ctx, vpm), 1);
    ck_assert_int_eq(SSL_CTX_set1_param(ctx, NULL), 0);
    ERR_clear_error();

    /* The leaf is for localhost, the context's param asks for wrong.test. */
    SSL *ssl = client_for(ctx, port);
    SSL_set_tlsext_host_name(ssl, "localhost");
    int rc = SSL_connect(ssl);
    ck_assert_int_le(rc, 0);
    ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_ERR_HOSTNAME_MISMATCH);
    ERR_clear_error();
    close_client(ssl);

    /* The right host through the param: the handshake succeeds. */
    ck_assert_int_eq(X509_VERIFY_PARAM_set1_host(vpm, "localhost", 0), 1);
    ck_assert_int_eq(SSL_CTX_set1_param(ctx, vpm), 1);
    X509_VERIFY_PARAM_free(vpm); /* the context has its own copy */
    ssl = client_for(ctx, port);
    SSL_set_tlsext_host_name(ssl, "localhost");
    rc = SSL_connect(ssl);
    if (rc != 1)
        ERR_print_errors_fp(stderr);
    ck_assert_int_eq(rc, 1);
    ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_OK);
    SSL_shutdown(ssl);
    close_client(ssl);
    SSL_CTX_free(ctx);
    test_stop(server);
    char *audit = test_slurp(audit_path);
    ck_assert_ptr_nonnull(audit);
    ck_assert_msg(strstr(audit, "verify flags 0x80000 (SSL_CTX_set1_param) refused"),
                  "audit log: %s", audit);
    free(audit);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ssl_client");
    TCase *tc = tcase_create("openssl-api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, good_server_round_trip);
    tcase_add_test(tc, verify_none_still_verifies);
    tcase_add_test(tc, refused_store_anchor_never_widens_trust);
    tcase_add_test(tc, min_version_clamped);
    tcase_add_test(tc, memory_bio_pair);
    tcase_add_test(tc, set1_param_stricter_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* This process is already linked to our libssl; the peers it spawns
     * (openssl s_server, make-pki.sh's openssl) must get the system's, which
     * an inherited LD_LIBRARY_PATH pointing at the drop-in would replace. */
    unsetenv("LD_LIBRARY_PATH");
    return test_run_suite(suite());
}
