/*
 * Differential program: a client driven over two memory BIOs, as python's
 * ssl.MemoryBIO/SSLObject (and so asyncio) drives one: the program moves
 * the bytes between the BIOs and a socket to `openssl s_server -rev`
 * itself, and reacts to SSL_get_error as asyncio does.
 *
 *   diff_membio PORT CA_FILE HOST
 *
 * Prints the first handshake step's result (WANT_READ with a ClientHello
 * waiting in the write BIO), that the handshake completes, SSL_read on an
 * empty read BIO, a line's round trip, and what SSL_read says once the
 * peer has closed: the sequence must be the same under both libraries.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "diff_net.h"

/* Everything the SSL wrote goes to the socket. */
static int flush_out(BIO *wbio, int fd)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(wbio, buf, sizeof buf)) > 0)
        if (send(fd, buf, (size_t)n, 0) != n)
            return 0;
    return 1;
}

/* Whatever the socket has (waiting up to 5 s for something) goes to the
 * SSL; at the peer's EOF the read BIO is marked so. 0 at EOF. */
static int fill_in(BIO *rbio, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0)
        return 1;
    char buf[16384];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
        BIO_set_mem_eof_return(rbio, 0);
        return 0;
    }
    BIO_write(rbio, buf, (int)n);
    return 1;
}

static const char *err_name(int e)
{
    switch (e) {
    case SSL_ERROR_NONE: return "NONE";
    case SSL_ERROR_SSL: return "SSL";
    case SSL_ERROR_WANT_READ: return "WANT_READ";
    case SSL_ERROR_WANT_WRITE: return "WANT_WRITE";
    case SSL_ERROR_SYSCALL: return "SYSCALL";
    case SSL_ERROR_ZERO_RETURN: return "ZERO_RETURN";
    default: return "other";
    }
}

static int handshake(SSL *ssl, BIO *rbio, BIO *wbio, int fd)
{
    int r = SSL_do_handshake(ssl);
    int e = SSL_get_error(ssl, r);
    printf("first step: ret=%d error=%s client_hello_waiting=%d\n", r, err_name(e),
           BIO_ctrl_pending(wbio) > 0);
    for (int i = 0; i < 100 && r != 1; i++) {
        if (e != SSL_ERROR_WANT_READ || !flush_out(wbio, fd) || !fill_in(rbio, fd))
            break;
        r = SSL_do_handshake(ssl);
        e = SSL_get_error(ssl, r);
    }
    flush_out(wbio, fd); /* the client's Finished */
    printf("handshake: ret=%d error=%s version=%s\n", r, err_name(e), SSL_get_version(ssl));
    return r == 1;
}

/* Read until a newline, feeding the read BIO whenever the SSL asks. */
static void read_line(SSL *ssl, BIO *rbio, BIO *wbio, int fd)
{
    char line[256];
    int n = 0;
    for (int i = 0; i < 100 && (n == 0 || line[n - 1] != '\n'); i++) {
        int r = SSL_read(ssl, line + n, (int)sizeof line - 1 - n);
        if (r > 0) {
            n += r;
            continue;
        }
        if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ || !flush_out(wbio, fd)
            || !fill_in(rbio, fd))
            break;
    }
    line[n] = '\0';
    printf("echo=%s", line);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: diff_membio PORT CA_FILE HOST\n");
        return 2;
    }
    int fd = tcp_connect(atoi(argv[1]));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (fd < 0 || !ctx || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1)
        return 1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1); /* empty: retry, as python's MemoryBIO */
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    SSL_set_tlsext_host_name(ssl, argv[3]);
    SSL_set1_host(ssl, argv[3]);
    if (!handshake(ssl, rbio, wbio, fd))
        return 1;

    char buf[64];
    int r = SSL_read(ssl, buf, sizeof buf);
    printf("read on empty BIO: ret=%d error=%s\n", r, err_name(SSL_get_error(ssl, r)));
    r = SSL_write(ssl, "memory bio\n", 11);
    printf("write: ret=%d pending_out=%d\n", r, BIO_ctrl_pending(wbio) > 0);
    flush_out(wbio, fd);
    read_line(ssl, rbio, wbio, fd);

    /* CLOSE makes s_server end the connection. */
    SSL_write(ssl, "CLOSE\n", 6);
    flush_out(wbio, fd);
    int e = SSL_ERROR_WANT_READ;
    for (int i = 0; i < 100 && e == SSL_ERROR_WANT_READ; i++) {
        r = SSL_read(ssl, buf, sizeof buf);
        e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ)
            fill_in(rbio, fd);
    }
    unsigned long q = ERR_peek_error();
    printf("after peer closed: ret=%d error=%s queue=%d:%d shutdown=%d\n", r, err_name(e),
           ERR_GET_LIB(q), ERR_GET_REASON(q), SSL_get_shutdown(ssl));
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return 0;
}
