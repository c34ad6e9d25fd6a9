/*
 * session_cache.c: the server's external session cache (new/get
 * callbacks with SSL_SESS_CACHE_NO_INTERNAL) and the ticket key callback
 * (SSL_CTX_set_tlsext_ticket_key_cb): sessions resume through them, and a
 * callback that does not know the key leads to a full handshake.
 */
/* The callback form nginx uses takes a (deprecated) HMAC_CTX. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "pair.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>

static SSL_SESSION *cached;
static int new_calls, get_calls;

static int new_cb(SSL *s, SSL_SESSION *ss)
{
    (void)s;
    new_calls++;
    SSL_SESSION_free(cached);
    cached = ss; /* 1: we keep the reference we were given */
    return 1;
}

static SSL_SESSION *get_cb(SSL *s, const unsigned char *id, int len, int *copy)
{
    (void)s;
    (void)id;
    get_calls++;
    ck_assert_int_eq(len, 32);
    *copy = 1; /* we keep ours; libssl takes its own */
    return cached;
}

/* TLS 1.2, tickets off: the first handshake stores the session through the
 * new callback, the second finds it through the get callback. */
static SSL_CTX *cache_server(void)
{
    SSL_CTX *s = pair_server_ctx("good");
    SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(s, new_cb);
    SSL_CTX_sess_set_get_cb(s, get_cb);
    ck_assert_int_eq(SSL_CTX_set_session_id_context(s, (const unsigned char *)"test", 4), 1);
    return s;
}

/* A TLS 1.3 client has its session only once the server's ticket came,
 * after the handshake: one byte read makes sure it did. */
static void exchange_byte(pair *p)
{
    unsigned char b;
    ck_assert_int_eq(SSL_write(p->server, "x", 1), 1);
    int n = -1;
    for (int i = 0; i < 20 && n <= 0; i++)
        n = SSL_read(p->client, &b, 1);
    ck_assert_int_eq(n, 1);
}

static bool resumed_second_time(SSL_CTX *sctx, SSL_CTX *cctx)
{
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    exchange_byte(&p);
    ck_assert_int_eq(SSL_session_reused(p.server), 0);
    SSL_SESSION *client_sess = SSL_get1_session(p.client);
    ck_assert_ptr_nonnull(client_sess);
    pair_free(&p);
    p = pair_new(cctx, sctx, "localhost");
    ck_assert_int_eq(SSL_set_session(p.client, client_sess), 1);
    SSL_SESSION_free(client_sess);
    ck_assert(pair_handshake(&p));
    bool reused = SSL_session_reused(p.server) && SSL_session_reused(p.client);
    pair_free(&p);
    return reused;
}

START_TEST(external_cache)
{
    pair_policy();
    SSL_CTX *sctx = cache_server(), *cctx = pair_client_ctx();
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    new_calls = get_calls = 0;
    ck_assert(resumed_second_time(sctx, cctx));
    ck_assert_int_ge(new_calls, 1);
    ck_assert_int_eq(get_calls, 1);
    ck_assert_ptr_nonnull(SSL_SESSION_get0_hostname(cached));
    ck_assert_str_eq(SSL_SESSION_get0_hostname(cached), "localhost");
    SSL_SESSION_free(cached);
    cached = NULL;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* nginx's "ssl_session_cache off": a server whose application turned its
 * cache off resumes no session by id (tickets off here too), though policy
 * keeps a cache; with the cache on, the same pair resumes. */
START_TEST(cache_off_resumes_nothing)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good"), *cctx = pair_client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    ck_assert(resumed_second_time(sctx, cctx));
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    ck_assert_int_eq(SSL_CTX_get_session_cache_mode(sctx), SSL_SESS_CACHE_OFF);
    ck_assert(!resumed_second_time(sctx, cctx));
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

/* The session of a connection the peer cut without close_notify: the
 * client's read fails (unexpected EOF), and the session is no longer
 * offered, as OpenSSL drops a session on any fatal error. */
static bool resumed_after_truncation(int max_version)
{
    SSL_CTX *sctx = pair_server_ctx("good"), *cctx = pair_client_ctx();
    SSL_CTX_set_max_proto_version(cctx, max_version);
    pair p = pair_new(cctx, sctx, "localhost");
    ck_assert(pair_handshake(&p));
    exchange_byte(&p);
    SSL_SESSION *sess = SSL_get1_session(p.client);
    ck_assert_ptr_nonnull(sess);
    ck_assert_int_eq(shutdown(p.sfd, SHUT_RDWR), 0);
    unsigned char b;
    int n = SSL_read(p.client, &b, 1);
    ck_assert_int_le(n, 0);
    ck_assert_int_eq(SSL_get_error(p.client, n), SSL_ERROR_SSL);
    ERR_clear_error();
    pair_free(&p);
    p = pair_new(cctx, sctx, "localhost");
    ck_assert_int_eq(SSL_set_session(p.client, sess), 1);
    SSL_SESSION_free(sess);
    ck_assert(pair_handshake(&p));
    bool reused = SSL_session_reused(p.client);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return reused;
}

START_TEST(truncated_session_not_resumed)
{
    pair_policy();
    ck_assert(!resumed_after_truncation(TLS1_2_VERSION));
    ck_assert(!resumed_after_truncation(TLS1_3_VERSION));
}
END_TEST

static unsigned char key_name[16], aes_key[32], hmac_key[32];
static int enc_calls, dec_calls;
static bool know_key;

static int ticket_cb(SSL *s, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
                     HMAC_CTX *hctx, int enc)
{
    (void)s;
    if (enc) {
        enc_calls++;
        memcpy(name, key_name, 16);
        RAND_bytes(iv, 16);
        EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, aes_key, iv);
    } else {
        dec_calls++;
        if (!know_key || memcmp(name, key_name, 16) != 0)
            return 0;
        EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, aes_key, iv);
    }
    HMAC_Init_ex(hctx, hmac_key, 32, EVP_sha256(), NULL);
    return 1;
}

/* Tickets protected with the application's keys: resumed while it knows
 * them; when it answers 0 (unknown key), a full handshake. TLS 1.3: with
 * TLS 1.2, this libssl's own client fails a handshake whose ticket the
 * server rejected ("out of order message"; OpenSSL's client does not, see
 * the porting report), which is a client matter, not this callback's. */
START_TEST(ticket_key_callback)
{
    pair_policy();
    RAND_bytes(key_name, 16);
    RAND_bytes(aes_key, 32);
    RAND_bytes(hmac_key, 32);
    SSL_CTX *sctx = pair_server_ctx("good"), *cctx = pair_client_ctx();
    ck_assert_int_eq(SSL_CTX_set_tlsext_ticket_key_cb(sctx, ticket_cb), 1);
    enc_calls = dec_calls = 0;
    know_key = true;
    ck_assert(resumed_second_time(sctx, cctx));
    ck_assert_int_ge(enc_calls, 1);
    ck_assert_int_ge(dec_calls, 1);
    know_key = false;
    ck_assert(!resumed_second_time(sctx, cctx));
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("session_cache");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, external_cache);
    tcase_add_test(tc, cache_off_resumes_nothing);
    tcase_add_test(tc, truncated_session_not_resumed);
    tcase_add_test(tc, ticket_key_callback);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
