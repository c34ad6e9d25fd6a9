/*
 * early_data.c: 0-RTT is never accepted or sent. The limit reads back 0
 * (the request is audited); SSL_read_early_data completes the server's
 * part and says SSL_READ_EARLY_DATA_FINISH with no data, once; a client's
 * SSL_write_early_data fails with an error.
 */
#include "pair.h"

START_TEST(max_early_data_clamped)
{
    pair_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_uint_eq(SSL_CTX_get_max_early_data(ctx), 0);
    ck_assert_int_eq(SSL_CTX_set_max_early_data(ctx, 16384), 1);
    ck_assert_uint_eq(SSL_CTX_get_max_early_data(ctx), 0);
    ck_assert(pair_audit_has("clamped: max_early_data 16384 -> 0"));
    SSL_CTX_free(ctx);
}
END_TEST

START_TEST(read_early_data_finishes)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good"), *cctx = pair_client_ctx();
    SSL_CTX_set_max_early_data(sctx, 16384);
    pair p = pair_new(cctx, sctx, "localhost");
    unsigned char buf[64];
    size_t n = 99;
    /* Nothing from the client yet: an error that says "retry". */
    ck_assert_int_eq(SSL_read_early_data(p.server, buf, sizeof buf, &n), SSL_READ_EARLY_DATA_ERROR);
    ck_assert_int_eq(SSL_get_error(p.server, -1), SSL_ERROR_WANT_READ);
    ck_assert_uint_eq(n, 0);
    int c = SSL_do_handshake(p.client);
    ck_assert_int_eq(SSL_get_error(p.client, c), SSL_ERROR_WANT_READ);
    ck_assert_int_eq(SSL_read_early_data(p.server, buf, sizeof buf, &n), SSL_READ_EARLY_DATA_FINISH);
    ck_assert_uint_eq(n, 0);
    /* Once finished, again is an error, as in OpenSSL. */
    ck_assert_int_eq(SSL_read_early_data(p.server, buf, sizeof buf, &n), SSL_READ_EARLY_DATA_ERROR);
    ERR_clear_error();
    ck_assert(pair_handshake(&p));
    ck_assert_int_eq(SSL_write(p.client, "hi", 2), 2);
    int r = -1;
    for (int i = 0; i < 10 && r <= 0; i++)
        r = SSL_read(p.server, buf, sizeof buf);
    ck_assert_int_eq(r, 2);
    /* A client cannot read early data. */
    ck_assert_int_eq(SSL_read_early_data(p.client, buf, sizeof buf, &n), SSL_READ_EARLY_DATA_ERROR);
    ck_assert_uint_ne(ERR_get_error(), 0);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

START_TEST(write_early_data_refused)
{
    pair_policy();
    SSL_CTX *cctx = pair_client_ctx();
    SSL *s = SSL_new(cctx);
    size_t w = 99;
    ck_assert_int_eq(SSL_write_early_data(s, "x", 1, &w), 0);
    ck_assert_uint_eq(w, 0);
    ck_assert_uint_ne(ERR_get_error(), 0);
    SSL_free(s);
    SSL_CTX_free(cctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("early_data");
    TCase *tc = tcase_create("0rtt");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, max_early_data_clamped);
    tcase_add_test(tc, read_early_data_finishes);
    tcase_add_test(tc, write_early_data_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
