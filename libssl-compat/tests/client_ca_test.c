/*
 * client_ca.c: the CA names a server lists in its CertificateRequest,
 * seen by the system's `openssl s_client` (TLS 1.2); SSL_load_client_CA_file
 * and SSL_dup_CA_list.
 */
#include "pair.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static int listen_on(int port)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    ck_assert_int_ge(l, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(l, 1), 0);
    return l;
}

/* Both roots from one file, no duplicates; a copy is a deep copy. */
START_TEST(load_and_dup)
{
    char *a = test_slurp(test_pki("ca.crt")), *b = test_slurp(test_pki("other-ca.crt"));
    size_t n = strlen(a) + 2 * strlen(b) + 1;
    char *both = malloc(n);
    snprintf(both, n, "%s%s%s", a, b, b);
    const char *path = test_write_temp(".pem", both);
    free(a);
    free(b);
    free(both);
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(path);
    ck_assert_ptr_nonnull(names);
    ck_assert_int_eq(sk_X509_NAME_num(names), 2);
    STACK_OF(X509_NAME) *copy = SSL_dup_CA_list(names);
    ck_assert_int_eq(sk_X509_NAME_num(copy), 2);
    ck_assert_ptr_ne(sk_X509_NAME_value(copy, 0), sk_X509_NAME_value(names, 0));
    ck_assert_int_eq(X509_NAME_cmp(sk_X509_NAME_value(copy, 0), sk_X509_NAME_value(names, 0)), 0);
    sk_X509_NAME_pop_free(copy, X509_NAME_free);
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    ck_assert_ptr_null(SSL_load_client_CA_file("/nonexistent/ca.pem"));
    ck_assert_uint_ne(ERR_get_error(), 0);
    ERR_clear_error();
}
END_TEST

/* The context's list (SSL_CTX_set_client_CA_list) is what the client is
 * told; the roots it names are the test's, not the trust anchors'. */
START_TEST(names_in_certificate_request)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good");
    ck_assert_int_eq(SSL_CTX_load_verify_locations(sctx, test_pki("ca.crt"), NULL), 1);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, NULL);
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(test_pki("other-ca.crt"));
    ck_assert_ptr_nonnull(names);
    SSL_CTX_set_client_CA_list(sctx, names);
    ck_assert_ptr_eq(SSL_CTX_get_client_CA_list(sctx), names);

    int port = test_free_port(), l = listen_on(port);
    char portarg[32];
    snprintf(portarg, sizeof portarg, "127.0.0.1:%d", port);
    char *argv[] = {"openssl", "s_client", "-connect", portarg, "-tls1_2", "-CAfile",
                    (char *)test_pki("ca.crt"), NULL};
    const char *log;
    pid_t pid = test_spawn(argv, &log);
    int fd = accept(l, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    SSL *s = SSL_new(sctx);
    SSL_set_fd(s, fd);
    ck_assert_int_eq(SSL_accept(s), 1);
    ck_assert_int_eq(SSL_write(s, "x", 1), 1); /* s_client has printed its summary by then */
    usleep(300000);
    SSL_free(s);
    close(fd);
    close(l);
    test_stop(pid);
    char *out = test_slurp(log);
    ck_assert_ptr_nonnull(out);
    /* The list s_client prints, up to its next heading. */
    char *list = strstr(out, "Acceptable client certificate CA names");
    ck_assert_ptr_nonnull(list);
    char *end = strstr(list, "Client Certificate Types");
    if (end)
        *end = '\0';
    ck_assert_ptr_nonnull(strstr(list, "CN = SSA Other Root"));
    ck_assert_ptr_null(strstr(list, "CN = SSA Test Root"));
    free(out);
    SSL_CTX_free(sctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("client_ca");
    TCase *tc = tcase_create("names");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, load_and_dup);
    tcase_add_test(tc, names_in_certificate_request);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
