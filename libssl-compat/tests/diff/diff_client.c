/*
 * Differential program: a verifying TLS client against `openssl s_server
 * -rev` (which echoes each line reversed), printing what an application can
 * observe: handshake result, version, cipher, verification, reuse, the
 * echoed data, and the SSL_shutdown sequence. run-diff.sh runs it under the
 * system's libssl and under ours and compares the outputs.
 *
 *   diff_client PORT CA_FILE HOST [halfclose]
 *
 * halfclose: after the echo, end our side of the TCP stream (no
 * close_notify, as ncat does at the end of its input) and read what the
 * server answers -- s_server sends a fatal alert, which SSL_read reports
 * as 0 with SSL_ERROR_SSL and the alert's reason on the queue.
 *
 * The server pins the version and cipher (run-diff.sh), so that neither
 * side's preference order nor the administrator's policy decides them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "diff_net.h"

static void print_errors(const char *what)
{
    unsigned long e = ERR_peek_error();
    if (e != 0)
        printf("%s: error %d:%d\n", what, ERR_GET_LIB(e), ERR_GET_REASON(e));
    ERR_clear_error();
}

/* Read until a newline or the end of the stream. */
static int read_line(SSL *ssl, char *buf, int cap)
{
    int n = 0;
    while (n < cap - 1) {
        int r = SSL_read(ssl, buf + n, cap - 1 - n);
        if (r <= 0) {
            printf("SSL_read ret=%d error=%d\n", r, SSL_get_error(ssl, r));
            print_errors("SSL_read");
            break;
        }
        n += r;
        if (memchr(buf, '\n', (size_t)n) != NULL)
            break;
    }
    buf[n] = '\0';
    return n;
}

/* Version, cipher and peer of an established connection. */
static void print_connection(SSL *ssl)
{
    printf("version=%s (0x%x)\n", SSL_get_version(ssl), (unsigned)SSL_version(ssl));
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    if (c != NULL) {
        int alg_bits = 0;
        int bits = SSL_CIPHER_get_bits(c, &alg_bits);
        printf("cipher=%s standard=%s version=%s bits=%d/%d id=0x%08lx protocol_id=0x%04x\n",
               SSL_CIPHER_get_name(c), SSL_CIPHER_standard_name(c), SSL_CIPHER_get_version(c),
               bits, alg_bits, (unsigned long)SSL_CIPHER_get_id(c),
               (unsigned)SSL_CIPHER_get_protocol_id(c));
    } else {
        printf("cipher=NULL\n");
    }
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer != NULL) {
        char name[256];
        X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof name);
        printf("peer=%s\n", name);
        X509_free(peer);
    } else {
        printf("peer=NULL\n");
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "halfclose") == 0)) {
        fprintf(stderr, "usage: diff_client PORT CA_FILE HOST [halfclose]\n");
        return 2;
    }
    int halfclose = argc == 5;
    int port = atoi(argv[1]);
    const char *ca = argv[2], *host = argv[3];

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        fprintf(stderr, "context setup failed\n");
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

    int fd = tcp_connect(port);
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    SSL *ssl = SSL_new(ctx);
    printf("set_fd=%d\n", SSL_set_fd(ssl, fd));
    printf("set_tlsext_host_name=%ld\n", SSL_set_tlsext_host_name(ssl, host));
    printf("set1_host=%d\n", SSL_set1_host(ssl, host));

    int r = SSL_connect(ssl);
    printf("SSL_connect=%d", r);
    if (r != 1)
        printf(" error=%d", SSL_get_error(ssl, r));
    printf("\n");
    print_errors("SSL_connect");
    printf("is_init_finished=%d\n", SSL_is_init_finished(ssl));
    printf("verify_result=%ld\n", SSL_get_verify_result(ssl));
    printf("session_reused=%d\n", SSL_session_reused(ssl));
    /* What a failed handshake leaves behind (version, cipher, peer) is an
     * accident of how far it got; only compare it after success. */
    if (r == 1)
        print_connection(ssl);
    printf("is_server=%d get_fd_matches=%d\n", SSL_is_server(ssl), SSL_get_fd(ssl) == fd);

    if (r == 1) {
        static const char msg[] = "differential\n";
        printf("SSL_write=%d\n", SSL_write(ssl, msg, (int)strlen(msg)));
        char line[256];
        read_line(ssl, line, sizeof line);
        printf("echo=%s", line);
        printf("pending=%d\n", SSL_pending(ssl));
        if (halfclose) {
            shutdown(fd, SHUT_WR);
            read_line(ssl, line, sizeof line);
        }
    }

    /* Our close_notify first (0: sent, the peer's not yet seen), then wait
     * for the peer's (1). */
    r = SSL_shutdown(ssl);
    printf("SSL_shutdown#1=%d\n", r);
    print_errors("SSL_shutdown#1");
    if (r == 0) {
        r = SSL_shutdown(ssl);
        printf("SSL_shutdown#2=%d", r);
        if (r < 0)
            printf(" error=%d", SSL_get_error(ssl, r));
        printf("\n");
        print_errors("SSL_shutdown#2");
    }

    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return 0;
}
