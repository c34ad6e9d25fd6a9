/*
 * session.c as an OpenSSL program sees it: sessions from a real handshake
 * (against `openssl s_server -rev`), their getters, and i2d/d2i, whose
 * format is ours (tagged, MAC'd per process) and whose reader must refuse
 * every byte string it did not write, cleanly, with an error queued.
 */
#include "ssa_test.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void use_policy(void)
{
    char policy[1024];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; };\n",
             test_pki("ca.crt"));
    test_use_policy(policy);
}

/* One connection's session (after a line's round trip, so that a TLS 1.3
 * ticket has arrived), from an s_server with `version_flag`. */
static SSL_SESSION *session_from_server(const char *version_flag)
{
    int port = test_free_port();
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *argv[] = {"openssl", "s_server", "-rev", "-accept", portbuf,
                    (char *)version_flag, "-cert", (char *)test_pki("good.crt"),
                    "-cert_chain", (char *)test_pki("int.crt"), "-key",
                    (char *)test_pki("good.key"), NULL};
    pid_t server = test_spawn(argv, NULL);
    ck_assert(test_wait_port(port));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, test_pki("ca.crt"), NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    int fd = test_connect_tcp(port);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    int rc = SSL_connect(ssl);
    if (rc != 1)
        ERR_print_errors_fp(stderr);
    ck_assert_int_eq(rc, 1);
    char buf[16];
    ck_assert_int_eq(SSL_write(ssl, "x\n", 2), 2);
    ck_assert_int_gt(SSL_read(ssl, buf, sizeof buf), 0);
    SSL_SESSION *s = SSL_get1_session(ssl);
    ck_assert_ptr_nonnull(s);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    test_stop(server);
    return s;
}

/* i2d into a fresh buffer; *len gets the length. */
static unsigned char *encode(SSL_SESSION *s, int *len)
{
    *len = i2d_SSL_SESSION(s, NULL);
    ck_assert_int_gt(*len, 0);
    unsigned char *der = malloc((size_t)*len), *p = der;
    ck_assert_int_eq(i2d_SSL_SESSION(s, &p), *len);
    ck_assert_ptr_eq(p, der + *len); /* advanced, as OpenSSL's i2d */
    return der;
}

/* d2i must fail cleanly, with an error on the queue, and leave *pp. */
static void assert_refused(const unsigned char *bytes, long len)
{
    const unsigned char *p = bytes;
    ERR_clear_error();
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, len);
    ck_assert_ptr_null(s);
    ck_assert_ptr_eq(p, bytes);
    ck_assert_int_ne(ERR_get_error(), 0);
    ERR_clear_error();
}

START_TEST(round_trip_keeps_the_facts)
{
    use_policy();
    SSL_SESSION *s = session_from_server(_i ? "-tls1_2" : "-tls1_3");
    int len;
    unsigned char *der = encode(s, &len);
    const unsigned char *p = der;
    SSL_SESSION *copy = d2i_SSL_SESSION(NULL, &p, len);
    ck_assert_ptr_nonnull(copy);
    ck_assert_ptr_eq(p, der + len);
    unsigned int n1, n2;
    const unsigned char *id1 = SSL_SESSION_get_id(s, &n1), *id2 = SSL_SESSION_get_id(copy, &n2);
    ck_assert_uint_gt(n1, 0);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(id1, id2, n1), 0);
    ck_assert_int_eq(SSL_SESSION_has_ticket(copy), SSL_SESSION_has_ticket(s));
    ck_assert_int_eq(SSL_SESSION_get_time(copy), SSL_SESSION_get_time(s));
    ck_assert_int_gt(SSL_SESSION_get_time(s), 0);
    /* Policy's session_lifetime (7200 by default) caps what is reported. */
    ck_assert_int_gt(SSL_SESSION_get_timeout(s), 0);
    ck_assert_int_le(SSL_SESSION_get_timeout(s), 7200);
    /* d2i into an existing pointer replaces (and frees) what it held. */
    SSL_SESSION *slot = copy;
    SSL_SESSION_up_ref(copy);
    p = der;
    ck_assert_ptr_nonnull(d2i_SSL_SESSION(&slot, &p, len));
    ck_assert_ptr_ne(slot, copy);
    SSL_SESSION_free(slot);
    SSL_SESSION_free(copy);
    free(der);
    SSL_SESSION_free(s);
}
END_TEST

START_TEST(garbage_is_refused)
{
    use_policy();
    SSL_SESSION *s = session_from_server("-tls1_3");
    int len;
    unsigned char *der = encode(s, &len);
    unsigned char *bad = malloc((size_t)len);

    assert_refused(der, len - 1);       /* truncated (MAC cut) */
    assert_refused(der, 8);             /* header only */
    for (int at = 0; at < len; at += 7) {
        memcpy(bad, der, (size_t)len);  /* one flipped bit anywhere */
        bad[at] ^= 0x01;
        assert_refused(bad, len);
    }
    memset(bad, 0x41, (size_t)len);     /* not ours at all */
    assert_refused(bad, len);
    memcpy(bad, der, 9);                /* our header, random rest */
    for (int i = 9; i < len; i++)
        bad[i] = (unsigned char)rand();
    assert_refused(bad, len);
    /* An OpenSSL-style DER SEQUENCE. */
    static const unsigned char asn1[] = {0x30, 0x0a, 0x02, 0x01, 0x01, 0x02, 0x02,
                                         0x03, 0x04, 0x04, 0x01, 0x00};
    assert_refused(asn1, sizeof asn1);
    const unsigned char *p = NULL;
    ERR_clear_error();
    ck_assert_ptr_null(d2i_SSL_SESSION(NULL, &p, 10));
    ck_assert_int_ne(ERR_get_error(), 0);
    p = der;
    ck_assert_ptr_null(d2i_SSL_SESSION(NULL, &p, 0));
    ERR_clear_error();
    free(bad);
    free(der);
    SSL_SESSION_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("i2d-d2i");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, round_trip_keeps_the_facts, 0, 2);
    tcase_add_test(tc, garbage_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
