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
#include "diff_pair.h"

#define PAIR_BUFFER 20000

/* One call's return and SSL_get_error, on one line. */
static void show(const char *what, SSL *s, int ret)
{
    printf("%-40s ret=%d error=%d", what, ret, SSL_get_error(s, ret));
    errors();
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
    make_pair(&p, version, 0, PAIR_BUFFER);
    if (handshake(&p)) {
        data_states(&p);
        clean_close(&p);
    }
    free_pair(&p);

    printf("--- the peer's transport ends without close_notify\n");
    make_pair(&p, version, 0, PAIR_BUFFER);
    if (handshake(&p))
        truncated(&p, "client read at EOF");
    free_pair(&p);

    printf("--- the same with SSL_OP_IGNORE_UNEXPECTED_EOF\n");
    make_pair(&p, version, SSL_OP_IGNORE_UNEXPECTED_EOF, PAIR_BUFFER);
    if (handshake(&p))
        truncated(&p, "client read at EOF (ignored)");
    free_pair(&p);
    return 0;
}
