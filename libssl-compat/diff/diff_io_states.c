/*
 * Differential program: the I/O state machine an application sees, with a
 * client and a server in one process over a BIO pair (no network): what
 * SSL_read, SSL_write, SSL_peek and their _ex forms return, what
 * SSL_get_error says after each (WANT_READ, WANT_WRITE, ZERO_RETURN, SSL),
 * partial writes under SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_pending, the
 * shutdown flags, and the end of a stream with and without close_notify
 * (and with SSL_OP_IGNORE_UNEXPECTED_EOF).
 *
 *   diff_io_states PKI_DIR tls1.2|tls1.3
 *
 * The BIO pair's buffers are small so that the writer fills them; every
 * step prints one line, and run-diff.sh compares the lines under the
 * system's libssl and ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define PAIR_BUFFER 20000

static const char *pki_dir;

static const char *pki(const char *name)
{
    static char buf[4][4096];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", pki_dir, name);
    return p;
}

static void errors(void)
{
    unsigned long e = ERR_peek_error();
    if (e)
        printf(" queue=%d:%d", ERR_GET_LIB(e), ERR_GET_REASON(e));
    ERR_clear_error();
    printf("\n");
}

/* One call's return and SSL_get_error, on one line. */
static void show(const char *what, SSL *s, int ret)
{
    printf("%-40s ret=%d error=%d", what, ret, SSL_get_error(s, ret));
    errors();
}

typedef struct pair {
    SSL_CTX *cctx, *sctx;
    SSL *client, *server;
    BIO *cbio, *sbio; /* the client's and the server's end */
} pair;

static void die(const char *what)
{
    printf("setup failed: %s\n", what);
    ERR_print_errors_fp(stdout);
    exit(1);
}

static void make_pair(pair *p, int version, long options)
{
    memset(p, 0, sizeof *p);
    p->cctx = SSL_CTX_new(TLS_client_method());
    p->sctx = SSL_CTX_new(TLS_server_method());
    if (!p->cctx || !p->sctx)
        die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(p->cctx, version);
    SSL_CTX_set_max_proto_version(p->cctx, version);
    SSL_CTX_set_options(p->cctx, options);
    if (SSL_CTX_load_verify_locations(p->cctx, pki("ca.crt"), NULL) != 1)
        die("load_verify_locations");
    SSL_CTX_set_verify(p->cctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_use_certificate_chain_file(p->sctx, pki("good-chain.pem")) != 1
        || SSL_CTX_use_PrivateKey_file(p->sctx, pki("good.key"), SSL_FILETYPE_PEM) != 1)
        die("server certificate");
    p->client = SSL_new(p->cctx);
    p->server = SSL_new(p->sctx);
    if (!BIO_new_bio_pair(&p->cbio, PAIR_BUFFER, &p->sbio, PAIR_BUFFER))
        die("BIO_new_bio_pair");
    SSL_set_bio(p->client, p->cbio, p->cbio);
    SSL_set_bio(p->server, p->sbio, p->sbio);
    SSL_set_connect_state(p->client);
    SSL_set_accept_state(p->server);
    SSL_set_tlsext_host_name(p->client, "localhost");
    SSL_set1_host(p->client, "localhost");
}

static void free_pair(pair *p)
{
    SSL_free(p->client); /* frees the BIOs */
    SSL_free(p->server);
    SSL_CTX_free(p->cctx);
    SSL_CTX_free(p->sctx);
}

/* Drive both sides until both are done; print how each ended. */
static int handshake(pair *p)
{
    int c = 0, s = 0;
    for (int i = 0; i < 100 && (c != 1 || s != 1); i++) {
        if (c != 1)
            c = SSL_do_handshake(p->client);
        if (s != 1)
            s = SSL_do_handshake(p->server);
    }
    printf("handshake client=%d server=%d version=%s verify=%ld\n", c, s,
           SSL_get_version(p->client), SSL_get_verify_result(p->client));
    errors();
    return c == 1 && s == 1;
}

/* Move everything the server side has for the client (the pair does it by
 * itself; a read on the other side is what empties a buffer). */
static void data_states(pair *p)
{
    char buf[65536];
    int r = SSL_read(p->client, buf, sizeof buf);
    show("read, nothing sent", p->client, r);
    size_t n = 0;
    r = SSL_read_ex(p->client, buf, sizeof buf, &n);
    printf("%-40s ret=%d n=%zu error=%d", "read_ex, nothing sent", r, n, SSL_get_error(p->client, r));
    errors();

    r = SSL_write(p->server, "hello, client\n", 14);
    show("server write 14", p->server, r);
    r = SSL_peek(p->client, buf, 5);
    show("client peek 5", p->client, r);
    printf("pending after peek=%d has_pending=%d\n", SSL_pending(p->client), SSL_has_pending(p->client));
    r = SSL_read(p->client, buf, 5);
    show("client read 5", p->client, r);
    printf("pending after read 5=%d\n", SSL_pending(p->client));
    r = SSL_read(p->client, buf, sizeof buf);
    show("client read rest", p->client, r);

    /* A write larger than the pair can hold: all or WANT_WRITE... */
    static char big[200000];
    memset(big, 'x', sizeof big);
    r = SSL_write(p->client, big, (int)sizeof big);
    show("client write 200000 (no partial mode)", p->client, r);
    /* ...then the reader drains, and the same write is retried. */
    int total = 0, rounds = 0;
    while (r <= 0 && SSL_get_error(p->client, r) == SSL_ERROR_WANT_WRITE && rounds++ < 10000) {
        int got = SSL_read(p->server, buf, sizeof buf);
        if (got > 0)
            total += got;
        r = SSL_write(p->client, big, (int)sizeof big);
    }
    printf("%-40s ret=%d\n", "retried write", r);
    while (total < (int)sizeof big) {
        int got = SSL_read(p->server, buf, sizeof buf);
        if (got <= 0)
            break;
        total += got;
    }
    printf("server received=%d\n", total);

    SSL_set_mode(p->client, SSL_MODE_ENABLE_PARTIAL_WRITE);
    r = SSL_write(p->client, big, (int)sizeof big);
    printf("%-40s partial=%s error=%d", "client write 200000 (partial mode)",
           r > 0 && r < (int)sizeof big ? "yes" : r == (int)sizeof big ? "all" : "none",
           SSL_get_error(p->client, r));
    errors();
    size_t written = 0;
    r = SSL_write_ex(p->client, big, sizeof big, &written);
    printf("%-40s ret=%d wrote=%s error=%d", "write_ex on a full pair", r,
           written == 0 ? "0" : "some", SSL_get_error(p->client, r));
    errors();
    /* As OpenSSL requires: the same write again until it is done. */
    rounds = 0;
    while (r == 0 && SSL_get_error(p->client, r) == SSL_ERROR_WANT_WRITE && rounds++ < 10000) {
        while (SSL_read(p->server, buf, sizeof buf) > 0)
            ;
        r = SSL_write_ex(p->client, big, sizeof big, &written);
    }
    printf("%-40s ret=%d\n", "retried write_ex", r);
    while (SSL_read(p->server, buf, sizeof buf) > 0)
        ;
    ERR_clear_error();
}

/* close_notify from the server: the client reads 0, ZERO_RETURN. */
static void clean_close(pair *p)
{
    char buf[256];
    int r = SSL_shutdown(p->server);
    show("server shutdown", p->server, r);
    printf("server shutdown flags=%d\n", SSL_get_shutdown(p->server));
    r = SSL_read(p->client, buf, sizeof buf);
    show("client read after close_notify", p->client, r);
    printf("client shutdown flags=%d\n", SSL_get_shutdown(p->client));
    r = SSL_read(p->client, buf, sizeof buf);
    show("client read again", p->client, r);
    r = SSL_shutdown(p->client);
    show("client shutdown", p->client, r);
    r = SSL_shutdown(p->server);
    show("server shutdown again", p->server, r);
}

/* The server's end of the pair is closed for writing, no close_notify. */
static void truncated(pair *p, const char *label)
{
    char buf[256];
    BIO_shutdown_wr(p->sbio);
    int r = SSL_read(p->client, buf, sizeof buf);
    show(label, p->client, r);
    printf("client shutdown flags=%d\n", SSL_get_shutdown(p->client));
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "tls1.2") != 0 && strcmp(argv[2], "tls1.3") != 0)) {
        fprintf(stderr, "usage: diff_io_states PKI_DIR tls1.2|tls1.3\n");
        return 2;
    }
    pki_dir = argv[1];
    int version = strcmp(argv[2], "tls1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
    pair p;

    printf("--- data and a clean close\n");
    make_pair(&p, version, 0);
    if (handshake(&p)) {
        data_states(&p);
        clean_close(&p);
    }
    free_pair(&p);

    printf("--- the peer's transport ends without close_notify\n");
    make_pair(&p, version, 0);
    if (handshake(&p))
        truncated(&p, "client read at EOF");
    free_pair(&p);

    printf("--- the same with SSL_OP_IGNORE_UNEXPECTED_EOF\n");
    make_pair(&p, version, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (handshake(&p))
        truncated(&p, "client read at EOF (ignored)");
    free_pair(&p);
    return 0;
}
