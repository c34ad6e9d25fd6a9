/*
 * alpn.c: the server's select callback (OK, NOACK, ALERT_FATAL, a choice
 * the client did not offer) and SSL_select_next_proto's algorithm.
 */
#include "pair.h"

static const unsigned char server_protos[] = "\x02h2\x08http/1.1";
static const unsigned char client_protos[] = "\x08http/1.1\x02h2";
static int alpn_answer;
static bool alpn_pick_foreign;

static int select_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                     const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)s;
    (void)arg;
    if (alpn_answer != SSL_TLSEXT_ERR_OK)
        return alpn_answer;
    if (alpn_pick_foreign) {
        *out = (const unsigned char *)"spdy/3";
        *outlen = 6;
        return SSL_TLSEXT_ERR_OK;
    }
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, server_protos, sizeof server_protos - 1, in, inlen)
        != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static pair alpn_pair(SSL_CTX **sctx, SSL_CTX **cctx)
{
    *sctx = pair_server_ctx("good");
    *cctx = pair_client_ctx();
    SSL_CTX_set_alpn_select_cb(*sctx, select_cb, NULL);
    ck_assert_int_eq(SSL_CTX_set_alpn_protos(*cctx, client_protos, sizeof client_protos - 1), 0);
    return pair_new(*cctx, *sctx, "localhost");
}

static void selected(const SSL *s, char *out, size_t len)
{
    const unsigned char *p;
    unsigned int n;
    SSL_get0_alpn_selected(s, &p, &n);
    snprintf(out, len, "%.*s", (int)n, p ? (const char *)p : "");
}

/* Server preference through SSL_select_next_proto: h2, seen by both. */
START_TEST(select_ok)
{
    pair_policy();
    SSL_CTX *sctx, *cctx;
    alpn_answer = SSL_TLSEXT_ERR_OK;
    alpn_pick_foreign = false;
    pair p = alpn_pair(&sctx, &cctx);
    ck_assert(pair_handshake(&p));
    char c[32], s[32];
    selected(p.client, c, sizeof c);
    selected(p.server, s, sizeof s);
    ck_assert_str_eq(c, "h2");
    ck_assert_str_eq(s, "h2");
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* NOACK: no protocol, the handshake goes on. ALERT_FATAL, or a protocol
 * the client never offered: the handshake ends. */
START_TEST(select_noack_fatal_foreign)
{
    pair_policy();
    SSL_CTX *sctx, *cctx;
    alpn_pick_foreign = false;
    alpn_answer = SSL_TLSEXT_ERR_NOACK;
    pair p = alpn_pair(&sctx, &cctx);
    ck_assert(pair_handshake(&p));
    char c[32];
    selected(p.client, c, sizeof c);
    ck_assert_str_eq(c, "");
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    alpn_answer = SSL_TLSEXT_ERR_ALERT_FATAL;
    p = alpn_pair(&sctx, &cctx);
    ck_assert(!pair_handshake(&p));
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    alpn_answer = SSL_TLSEXT_ERR_OK;
    alpn_pick_foreign = true;
    p = alpn_pair(&sctx, &cctx);
    ck_assert(!pair_handshake(&p));
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* OpenSSL's documented results: the first server protocol the client
 * lists; without overlap, NO_OVERLAP and the client's first. */
START_TEST(select_next_proto)
{
    unsigned char *out;
    unsigned char len;
    ck_assert_int_eq(SSL_select_next_proto(&out, &len, server_protos, sizeof server_protos - 1,
                                           client_protos, sizeof client_protos - 1),
                     OPENSSL_NPN_NEGOTIATED);
    ck_assert_int_eq(len, 2);
    ck_assert_int_eq(memcmp(out, "h2", 2), 0);
    ck_assert_ptr_eq(out, server_protos + 1);
    static const unsigned char other[] = "\x06spdy/3";
    ck_assert_int_eq(SSL_select_next_proto(&out, &len, server_protos, sizeof server_protos - 1,
                                           other, sizeof other - 1),
                     OPENSSL_NPN_NO_OVERLAP);
    ck_assert_int_eq(len, 6);
    ck_assert_int_eq(memcmp(out, "spdy/3", 6), 0);
}
END_TEST

/* A list of `count` protocols of 255 bytes each, the last one "h2". */
static unsigned char *long_alpn_list(size_t count, unsigned int *len)
{
    *len = (unsigned int)(count * 256 + 3);
    unsigned char *list = malloc(*len);
    ck_assert_ptr_nonnull(list);
    for (size_t i = 0; i < count; i++) {
        list[i * 256] = 255;
        memset(list + i * 256 + 1, 'a' + (int)(i % 26), 255);
    }
    memcpy(list + count * 256, "\x02h2", 3);
    return list;
}

/* About 65.3 to 65.9 KB overflowed the engine's ClientHello writer: a list
 * that long is refused at once, with an error on the queue, and the
 * context keeps the list it had. */
START_TEST(overlong_list_is_refused)
{
    pair_policy();
    SSL_CTX *cctx = pair_client_ctx();
    for (size_t count = 255; count <= 258; count++) {
        unsigned int len;
        unsigned char *list = long_alpn_list(count, &len);
        ERR_clear_error();
        ck_assert_int_eq(SSL_CTX_set_alpn_protos(cctx, list, len), 1);
        ck_assert_int_eq(ERR_GET_REASON(ERR_get_error()), SSL_R_BAD_LENGTH);
        free(list);
    }
    SSL_CTX_free(cctx);
}
END_TEST

/* A long list (8 KB) still makes a ClientHello the server reads and
 * answers: h2, the last protocol offered. At the cap, the client writes
 * its ClientHello whole (the sanitizer build watches the writer) and our
 * own server refuses a ClientHello that size, cleanly. */
static bool handshake_with_list(size_t count, char *chosen, size_t len)
{
    SSL_CTX *sctx, *cctx;
    alpn_answer = SSL_TLSEXT_ERR_OK;
    alpn_pick_foreign = false;
    pair p = alpn_pair(&sctx, &cctx);
    pair_free(&p);
    unsigned int list_len;
    unsigned char *list = long_alpn_list(count, &list_len);
    ck_assert_int_eq(SSL_CTX_set_alpn_protos(cctx, list, list_len), 0);
    free(list);
    p = pair_new(cctx, sctx, "localhost");
    bool ok = pair_handshake(&p);
    if (ok)
        selected(p.client, chosen, len);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    ERR_clear_error();
    return ok;
}

START_TEST(long_lists_handshake_or_fail_cleanly)
{
    pair_policy();
    char chosen[32] = "";
    ck_assert(handshake_with_list(31, chosen, sizeof chosen));
    ck_assert_str_eq(chosen, "h2");
    ck_assert_uint_le(127 * 256 + 3, 32768); /* SSA_MAX_ALPN_WIRE */
    ck_assert(!handshake_with_list(127, chosen, sizeof chosen));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("alpn");
    TCase *tc = tcase_create("select");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, select_ok);
    tcase_add_test(tc, select_noack_fatal_foreign);
    tcase_add_test(tc, select_next_proto);
    tcase_add_test(tc, overlong_list_is_refused);
    tcase_add_test(tc, long_lists_handshake_or_fail_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
