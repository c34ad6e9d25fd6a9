/*
 * io.c, server side: SSL_sendfile (read and SSL_write; bytes sent or -1
 * with an error), SSL_set_shutdown and quiet shutdown.
 */
#include "pair.h"

static pair connected(SSL_CTX **sctx, SSL_CTX **cctx)
{
    *sctx = pair_server_ctx("good");
    *cctx = pair_client_ctx();
    pair p = pair_new(*cctx, *sctx, "localhost");
    ck_assert(pair_handshake(&p));
    return p;
}

static size_t read_all(SSL *s, unsigned char *buf, size_t want)
{
    size_t got = 0;
    for (int i = 0; i < 1000 && got < want; i++) {
        int n = SSL_read(s, buf + got, (int)(want - got));
        if (n > 0)
            got += (size_t)n;
        else
            ck_assert_int_eq(SSL_get_error(s, n), SSL_ERROR_WANT_READ);
    }
    return got;
}

START_TEST(sendfile_fallback)
{
    pair_policy();
    SSL_CTX *sctx, *cctx;
    pair p = connected(&sctx, &cctx);
    enum { SIZE = 60000, OFFSET = 1234, LEN = 50000 };
    unsigned char *data = malloc(SIZE), *got = malloc(LEN);
    for (size_t i = 0; i < SIZE; i++)
        data[i] = (unsigned char)(i * 7 + i / 251);
    char path[] = "/tmp/ssa-sendfile-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, data, SIZE), SIZE);
    ck_assert_int_eq(SSL_sendfile(p.server, fd, OFFSET, LEN, 0), LEN);
    ck_assert_uint_eq(read_all(p.client, got, LEN), LEN);
    ck_assert_int_eq(memcmp(got, data + OFFSET, LEN), 0);
    /* The file offset is not moved (the data was read with pread). */
    ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), SIZE);
    /* Past the end: nothing to read is an error, not 0. */
    ck_assert_int_eq(SSL_sendfile(p.server, fd, SIZE, 10, 0), -1);
    ck_assert_uint_ne(ERR_get_error(), 0);
    close(fd);
    /* A bad descriptor: -1 with the reason on the queue. */
    ck_assert_int_eq(SSL_sendfile(p.server, -1, 0, 10, 0), -1);
    ck_assert_uint_ne(ERR_get_error(), 0);
    free(data);
    free(got);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* nginx's shutdown: SSL_set_shutdown(SENT|RECEIVED) means nothing is sent
 * and SSL_shutdown says 1; quiet shutdown likewise. RECEIVED alone: our
 * close_notify goes out and SSL_shutdown says 1 at once. */
START_TEST(shutdown_flags)
{
    pair_policy();
    SSL_CTX *sctx, *cctx;
    pair p = connected(&sctx, &cctx);
    SSL_set_shutdown(p.server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    ck_assert_int_eq(SSL_get_shutdown(p.server), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    ck_assert_int_eq(SSL_shutdown(p.server), 1);
    unsigned char buf[8];
    int n = SSL_read(p.client, buf, sizeof buf);
    ck_assert_int_eq(SSL_get_error(p.client, n), SSL_ERROR_WANT_READ); /* nothing came */
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    p = connected(&sctx, &cctx);
    SSL_set_quiet_shutdown(p.server, 1);
    ck_assert_int_eq(SSL_shutdown(p.server), 1);
    n = SSL_read(p.client, buf, sizeof buf);
    ck_assert_int_eq(SSL_get_error(p.client, n), SSL_ERROR_WANT_READ);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    p = connected(&sctx, &cctx);
    SSL_set_shutdown(p.server, SSL_RECEIVED_SHUTDOWN);
    ck_assert_int_eq(SSL_shutdown(p.server), 1);
    n = SSL_read(p.client, buf, sizeof buf);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(SSL_get_error(p.client, n), SSL_ERROR_ZERO_RETURN);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sendfile_fallback);
    tcase_add_test(tc, shutdown_flags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
