/*
 * servername.c and client_hello.c: the servername callback's answers, a
 * switch of SSL_CTX (and so of certificate) from inside it, the client
 * hello callback and SSL_client_hello_get0_ext, the certificate chosen by
 * key type, and the info callback. Client and server are this libssl.
 */
#include "pair.h"

#include <openssl/pem.h>

static int sni_answer;
static char sni_seen[256];
static SSL_CTX *sni_switch_to;

static int servername_cb(SSL *s, int *al, void *arg)
{
    (void)al;
    ck_assert_ptr_eq(arg, &sni_answer);
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    snprintf(sni_seen, sizeof sni_seen, "%s", name ? name : "(none)");
    if (sni_switch_to)
        ck_assert_ptr_eq(SSL_set_SSL_CTX(s, sni_switch_to), sni_switch_to);
    return sni_answer;
}

static SSL_CTX *sni_server(void)
{
    SSL_CTX *ctx = pair_server_ctx("good");
    ck_assert_int_eq(SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb), 1);
    ck_assert_int_eq(SSL_CTX_set_tlsext_servername_arg(ctx, &sni_answer), 1);
    return ctx;
}

/* SSL_TLSEXT_ERR_OK: the callback sees the client's name; the handshake
 * completes with the default certificate. */
START_TEST(sni_ok)
{
    pair_policy();
    SSL_CTX *sctx = sni_server(), *cctx = pair_client_ctx();
    sni_answer = SSL_TLSEXT_ERR_OK;
    sni_switch_to = NULL;
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    ck_assert_str_eq(sni_seen, "localhost");
    char cn[128];
    pair_peer_cn(&p, cn, sizeof cn);
    ck_assert_str_eq(cn, "localhost");
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* SSL_set_SSL_CTX inside the callback: the other context's certificate
 * is the one the client receives, and SSL_get_SSL_CTX says so. */
START_TEST(sni_switch_ctx)
{
    pair_policy();
    SSL_CTX *sctx = sni_server(), *wild = pair_server_ctx("wildcard"), *cctx = pair_client_ctx();
    sni_answer = SSL_TLSEXT_ERR_OK;
    sni_switch_to = wild;
    pair p = pair_new(cctx, sctx, "a.wild.test");
    ck_assert(pair_handshake(&p));
    ck_assert_str_eq(sni_seen, "a.wild.test");
    ck_assert_ptr_eq(SSL_get_SSL_CTX(p.server), wild);
    char cn[128];
    pair_peer_cn(&p, cn, sizeof cn);
    ck_assert_str_eq(cn, "*.wild.test");
    ck_assert_int_eq(SSL_get_verify_result(p.client), X509_V_OK);
    pair_free(&p);
    sni_switch_to = NULL;
    SSL_CTX_free(cctx);
    SSL_CTX_free(wild);
    SSL_CTX_free(sctx);
}
END_TEST

/* SSL_TLSEXT_ERR_ALERT_FATAL ends the handshake on both sides;
 * SSL_TLSEXT_ERR_NOACK goes on. */
START_TEST(sni_fatal_and_noack)
{
    pair_policy();
    SSL_CTX *sctx = sni_server(), *cctx = pair_client_ctx();
    sni_switch_to = NULL;
    sni_answer = SSL_TLSEXT_ERR_ALERT_FATAL;
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(!pair_handshake(&p));
    ck_assert(!SSL_is_init_finished(p.server));
    ck_assert_int_eq(SSL_in_init(p.server), 1);
    pair_free(&p);

    sni_answer = SSL_TLSEXT_ERR_NOACK;
    p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    ck_assert_int_eq(SSL_in_init(p.server), 0);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

static int hello_calls, hello_answer;
static size_t hello_sni_len;
static int hello_absent;

static int client_hello_cb(SSL *s, int *al, void *arg)
{
    (void)al;
    (void)arg;
    const unsigned char *body = NULL;
    size_t len = 0;
    hello_calls++;
    if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &body, &len) == 1)
        hello_sni_len = len;
    hello_absent = SSL_client_hello_get0_ext(s, 0x7a7a, &body, &len);
    return hello_answer;
}

/* The client hello callback sees the raw server_name extension (list
 * length 2, type 1, name length 2, "localhost"), not an absent one; its
 * failure ends the handshake. Outside the callback get0_ext says 0. */
START_TEST(client_hello_callback)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good"), *cctx = pair_client_ctx();
    SSL_CTX_set_client_hello_cb(sctx, client_hello_cb, NULL);
    hello_calls = 0;
    hello_answer = SSL_CLIENT_HELLO_SUCCESS;
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    ck_assert_int_eq(hello_calls, 1);
    ck_assert_uint_eq(hello_sni_len, 2 + 1 + 2 + strlen("localhost"));
    ck_assert_int_eq(hello_absent, 0);
    const unsigned char *body;
    size_t len;
    ck_assert_int_eq(SSL_client_hello_get0_ext(p.server, TLSEXT_TYPE_server_name, &body, &len), 0);
    pair_free(&p);

    hello_answer = SSL_CLIENT_HELLO_ERROR;
    p = pair_new(cctx, sctx, "localhost");
    ck_assert(!pair_handshake(&p));
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* An RSA and an ECDSA certificate on one context: a client offering only
 * RSA suites (TLS 1.2) gets the RSA one, a TLS 1.3 client the ECDSA one
 * (it lists ECDSA schemes first, as OpenSSL's client does). */
START_TEST(certificate_by_key_type)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good");
    ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(sctx, test_pki("rsa2048-chain.pem")), 1);
    ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(sctx, test_pki("rsa2048.key"), SSL_FILETYPE_PEM), 1);
    SSL_CTX *cctx = pair_client_ctx();
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    ck_assert_int_eq(SSL_CTX_set_cipher_list(cctx, "ECDHE-RSA-AES128-GCM-SHA256"), 1);
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    X509 *x = SSL_get1_peer_certificate(p.client);
    ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(x)), EVP_PKEY_RSA);
    X509_free(x);
    pair_free(&p);
    SSL_CTX_free(cctx);

    cctx = pair_client_ctx();
    p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    x = SSL_get1_peer_certificate(p.client);
    ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(x)), EVP_PKEY_EC);
    X509_free(x);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

static X509 *cb_cert;
static EVP_PKEY *cb_key;

/* lighttpd's way: the certificate is set on the SSL from the callback. */
static int cert_cb(SSL *s, void *arg)
{
    (void)arg;
    if (!cb_cert)
        return 1; /* sets nothing */
    return SSL_use_certificate(s, cb_cert) == 1 && SSL_use_PrivateKey(s, cb_key) == 1;
}

static void load_pair(const char *crt, const char *key)
{
    FILE *f = fopen(test_pki(crt), "r");
    cb_cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    f = fopen(test_pki(key), "r");
    cb_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(cb_cert);
    ck_assert_ptr_nonnull(cb_key);
}

/* A context without a certificate whose certificate callback sets one on
 * the SSL: that one is sent. If the callback sets none, the handshake
 * fails: the placeholder the core starts with is never sent. */
START_TEST(certificate_from_callback)
{
    pair_policy();
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = pair_client_ctx();
    SSL_CTX_set_cert_cb(sctx, cert_cb, NULL);
    load_pair("selfsigned.crt", "selfsigned.key");
    X509_free(cb_cert);
    EVP_PKEY_free(cb_key);
    cb_cert = NULL;
    cb_key = NULL;
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(!pair_handshake(&p));
    X509 *sent = SSL_get1_peer_certificate(p.client);
    ck_assert_ptr_null(sent);
    ck_assert(pair_audit_has("callbacks set no certificate"));
    pair_free(&p);

    load_pair("rsa2048.crt", "rsa2048.key"); /* leaf only: signed by the intermediate */
    SSL_CTX_free(cctx);
    cctx = SSL_CTX_new(TLS_client_method());
    ck_assert_int_eq(SSL_CTX_load_verify_locations(cctx, test_pki("ca.crt"), NULL), 1);
    ck_assert_int_eq(SSL_CTX_load_verify_locations(cctx, test_pki("int.crt"), NULL), 1);
    p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    char cn[128];
    pair_peer_cn(&p, cn, sizeof cn);
    ck_assert_str_eq(cn, "localhost");
    sent = SSL_get1_peer_certificate(p.client);
    ck_assert_int_eq(X509_cmp(sent, cb_cert), 0);
    X509_free(sent);
    pair_free(&p);
    X509_free(cb_cert);
    EVP_PKEY_free(cb_key);
    cb_cert = NULL;
    cb_key = NULL;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

static int info_start, info_done;

static void info_cb(const SSL *s, int where, int ret)
{
    (void)s;
    (void)ret;
    info_start += (where & SSL_CB_HANDSHAKE_START) != 0;
    info_done += (where & SSL_CB_HANDSHAKE_DONE) != 0;
}

/* The info callback hears the handshake start and end once each. */
START_TEST(info_callback)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good"), *cctx = pair_client_ctx();
    SSL_CTX_set_info_callback(sctx, info_cb);
    info_start = info_done = 0;
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert_int_eq(SSL_in_init(p.server), 1);
    ck_assert(pair_handshake(&p));
    ck_assert_int_eq(info_start, 1);
    ck_assert_int_eq(info_done, 1);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("servername");
    TCase *tc = tcase_create("callbacks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sni_ok);
    tcase_add_test(tc, sni_switch_ctx);
    tcase_add_test(tc, sni_fatal_and_noack);
    tcase_add_test(tc, client_hello_callback);
    tcase_add_test(tc, certificate_by_key_type);
    tcase_add_test(tc, info_callback);
    tcase_add_test(tc, certificate_from_callback);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
