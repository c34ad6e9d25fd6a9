/*
 * Differential program: the libssl calls python's _ssl makes as a client,
 * beyond diff_client's, against `openssl s_server -rev -naccept 2`:
 *   - the current cipher as NIDs, AEAD flag and description line, and the
 *     connection's cipher list (SSL_get_ciphers) as descriptions;
 *   - SSL_get_finished / SSL_get_peer_finished lengths (tls-unique), and
 *     that a short buffer still reports the full length;
 *   - SSL_get0_verified_chain (subjects, leaf first);
 *   - the session: has_ticket, lifetime hint, id length, an i2d/d2i copy
 *     (python copies every session so), d2i of garbage refused with an
 *     error queued, and the copy resuming a second connection;
 *   - SSL_get_verify_callback / SSL_CTX_get_default_passwd_cb getters.
 *
 *   diff_python_calls PORT CA_FILE HOST
 *
 * The server pins version and cipher (run-diff.sh). Only facts both
 * libraries must agree on are printed: not i2d's bytes or length (ours is
 * not OpenSSL's ASN.1), not the session timeout (policy caps it).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "diff_net.h"

static const char *sn(int nid) { return nid == NID_undef ? "undef" : OBJ_nid2sn(nid); }

static void print_cipher(const SSL_CIPHER *c)
{
    char desc[128];
    printf("cipher=%s cipher_nid=%s digest_nid=%s kx_nid=%s auth_nid=%s aead=%d\n",
           SSL_CIPHER_get_name(c), sn(SSL_CIPHER_get_cipher_nid(c)),
           sn(SSL_CIPHER_get_digest_nid(c)), sn(SSL_CIPHER_get_kx_nid(c)),
           sn(SSL_CIPHER_get_auth_nid(c)), SSL_CIPHER_is_aead(c));
    printf("description=%s", SSL_CIPHER_description(c, desc, sizeof desc));
    char small[16];
    printf("description(short buffer)=%s\n",
           SSL_CIPHER_description(c, small, sizeof small) ? "text" : "NULL");
    char *owned = SSL_CIPHER_description(c, NULL, 0);
    printf("description(allocated) same=%d\n", owned && strcmp(owned, desc) == 0);
    OPENSSL_free(owned);
}

static void print_finished(SSL *ssl)
{
    unsigned char buf[64], tiny[4];
    size_t mine = SSL_get_finished(ssl, buf, sizeof buf);
    size_t peer = SSL_get_peer_finished(ssl, buf, sizeof buf);
    printf("finished=%zu peer_finished=%zu short_buffer=%zu\n", mine, peer,
           SSL_get_finished(ssl, tiny, sizeof tiny));
}

static void print_verified_chain(SSL *ssl)
{
    STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);
    printf("verified_chain=%d\n", chain ? sk_X509_num(chain) : -1);
    for (int i = 0; chain && i < sk_X509_num(chain); i++) {
        char name[256];
        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(chain, i)), name, sizeof name);
        printf("  %d %s\n", i, name);
    }
}

/* One line out, its reverse back: in TLS 1.3 the ticket comes with it. */
static int echo(SSL *ssl)
{
    char line[64] = {0};
    if (SSL_write(ssl, "python\n", 7) != 7)
        return 0;
    int n = 0;
    while (n < 7) {
        int r = SSL_read(ssl, line + n, (int)sizeof line - 1 - n);
        if (r <= 0)
            return 0;
        n += r;
    }
    printf("echo=%s", line);
    return 1;
}

static SSL *connect_to(SSL_CTX *ctx, int port, const char *host, SSL_SESSION *resume, int *fd)
{
    *fd = tcp_connect(port);
    SSL *ssl = *fd >= 0 ? SSL_new(ctx) : NULL;
    if (!ssl)
        return NULL;
    SSL_set_fd(ssl, *fd);
    SSL_set_tlsext_host_name(ssl, host);
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host, 0); /* as python does */
    if (resume)
        SSL_set_session(ssl, resume);
    int r = SSL_connect(ssl);
    printf("SSL_connect=%d reused=%d\n", r, SSL_session_reused(ssl));
    if (r != 1) {
        unsigned long e = ERR_peek_error();
        printf("error %d:%d\n", ERR_GET_LIB(e), ERR_GET_REASON(e));
        ERR_clear_error();
    }
    return ssl;
}

static void finish(SSL *ssl, int fd)
{
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
}

static SSL_SESSION *copy_session(SSL_SESSION *s)
{
    int len = i2d_SSL_SESSION(s, NULL);
    unsigned char *der = len > 0 ? malloc((size_t)len) : NULL, *p = der;
    if (!der || i2d_SSL_SESSION(s, &p) != len || p != der + len) {
        free(der);
        return NULL;
    }
    const unsigned char *q = der;
    SSL_SESSION *copy = d2i_SSL_SESSION(NULL, &q, len);
    printf("d2i(i2d) ok=%d consumed_all=%d\n", copy != NULL, q == der + len);
    free(der);
    return copy;
}

static void print_session(SSL_SESSION *s, SSL_SESSION *copy)
{
    unsigned int n = 0, m = 0;
    const unsigned char *id = SSL_SESSION_get_id(s, &n);
    const unsigned char *cid = copy ? SSL_SESSION_get_id(copy, &m) : NULL;
    printf("has_ticket=%d lifetime_hint=%lu id_len=%u copy_same_id=%d copy_has_ticket=%d\n",
           SSL_SESSION_has_ticket(s), SSL_SESSION_get_ticket_lifetime_hint(s), n,
           cid && n == m && memcmp(id, cid, n) == 0, copy ? SSL_SESSION_has_ticket(copy) : -1);
    printf("time_set=%d timeout_set=%d\n", SSL_SESSION_get_time(s) > 0,
           SSL_SESSION_get_timeout(s) > 0);
    unsigned char garbage[200];
    memset(garbage, 0x41, sizeof garbage);
    const unsigned char *g = garbage;
    ERR_clear_error();
    SSL_SESSION *bad = d2i_SSL_SESSION(NULL, &g, sizeof garbage);
    printf("d2i(garbage)=%s error_queued=%d\n", bad ? "session" : "NULL", ERR_peek_error() != 0);
    SSL_SESSION_free(bad);
    ERR_clear_error();
}

static int pw_cb(char *buf, int size, int rw, void *u)
{
    (void)buf, (void)size, (void)rw, (void)u;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: diff_python_calls PORT CA_FILE HOST\n");
        return 2;
    }
    int port = atoi(argv[1]), fd;
    const char *host = argv[3];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1)
        return 1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int u;
    SSL_CTX_set_default_passwd_cb(ctx, pw_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &u);
    printf("passwd_cb=%d userdata=%d\n", SSL_CTX_get_default_passwd_cb(ctx) == pw_cb,
           SSL_CTX_get_default_passwd_cb_userdata(ctx) == &u);
    printf("security_level=%d num_tickets=%zu\n", SSL_CTX_get_security_level(ctx),
           SSL_CTX_get_num_tickets(ctx));

    SSL *ssl = connect_to(ctx, port, host, NULL, &fd);
    if (!ssl || SSL_is_init_finished(ssl) != 1)
        return 1;
    printf("verify_callback=%s\n", SSL_get_verify_callback(ssl) ? "set" : "NULL");
    print_cipher(SSL_get_current_cipher(ssl));
    print_finished(ssl);
    print_verified_chain(ssl);
    if (!echo(ssl))
        return 1;
    SSL_SESSION *sess = SSL_get1_session(ssl);
    finish(ssl, fd);
    if (!sess)
        return 1;
    SSL_SESSION *copy = copy_session(sess);
    print_session(sess, copy);

    ssl = connect_to(ctx, port, host, copy, &fd);
    if (ssl && SSL_is_init_finished(ssl) == 1) {
        print_finished(ssl);
        echo(ssl);
    }
    if (ssl)
        finish(ssl, fd);
    SSL_SESSION_free(copy);
    SSL_SESSION_free(sess);
    SSL_CTX_free(ctx);
    return 0;
}
