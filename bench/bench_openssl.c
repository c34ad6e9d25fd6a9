/*
 * bench-openssl: the system OpenSSL under bench_util's driver, configured
 * to do what bench-core asks of the SSA core: TLS 1.3 only, one suite,
 * X25519, the server's certificate verified against the same anchor with
 * the host name checked, SNI sent, and no resumption.
 */
#include "bench_util.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>

static void ossl_describe(void)
{
    printf("engine %s\n", OpenSSL_version(OPENSSL_VERSION));
    /* Which assembly paths OpenSSL's CPU detection turned on. */
    printf("engine_build system libssl, %s\n", OpenSSL_version(OPENSSL_CPU_INFO));
}

static void ossl_error(const char *what)
{
    fprintf(stderr, "bench-openssl: %s failed\n", what);
    ERR_print_errors_fp(stderr);
}

/* No session cache and no tickets: every handshake is a full one, and the
 * server sends no NewSessionTicket after it (the core is set up alike). */
static bool ossl_common(SSL_CTX *ctx, const char *suite)
{
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1
           && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1
           && SSL_CTX_set_ciphersuites(ctx, suite) == 1
           && SSL_CTX_set1_groups_list(ctx, "X25519") == 1
           && SSL_CTX_set_num_tickets(ctx, 0) == 1;
}

static bool ossl_server(SSL_CTX *ctx, const struct bench_opts *o)
{
    return SSL_CTX_use_certificate_chain_file(ctx, o->cert) == 1
           && SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) == 1
           && SSL_CTX_check_private_key(ctx) == 1;
}

static bool ossl_client(SSL_CTX *ctx, const struct bench_opts *o)
{
    if (!o->ca) {
        fprintf(stderr, "bench-openssl: --ca is required\n");
        return false;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return SSL_CTX_load_verify_locations(ctx, o->ca, NULL) == 1;
}

static void *ossl_ctx_new(bool server, const char *suite, const struct bench_opts *o)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        ossl_error("SSL_CTX_new");
        return NULL;
    }
    bool ok = ossl_common(ctx, suite) && (server ? ossl_server(ctx, o) : ossl_client(ctx, o));
    if (!ok) {
        ossl_error(server ? "server context" : "client context");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static void ossl_ctx_free(void *ctx)
{
    SSL_CTX_free(ctx);
}

/* The client sends SNI and checks the name, as ssa_conn_set_hostname does. */
static bool ossl_client_names(SSL *ssl)
{
    return SSL_set_tlsext_host_name(ssl, BENCH_HOSTNAME) == 1
           && SSL_set1_host(ssl, BENCH_HOSTNAME) == 1;
}

static void *ossl_conn_open(void *ctx, bool server, int fd)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        ossl_error("SSL_new");
        return NULL;
    }
    bool ok = SSL_set_fd(ssl, fd) == 1 && (server || ossl_client_names(ssl));
    ok = ok && (server ? SSL_accept(ssl) : SSL_connect(ssl)) == 1;
    if (!ok) {
        ossl_error(server ? "server handshake" : "client handshake");
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

static bool ossl_conn_write(void *conn, const void *buf, size_t len)
{
    size_t n = 0;
    if (SSL_write_ex(conn, buf, len, &n) != 1 || n != len) {
        ossl_error("SSL_write_ex");
        return false;
    }
    return true;
}

static ssize_t ossl_conn_read(void *conn, void *buf, size_t len)
{
    size_t n = 0;
    if (SSL_read_ex(conn, buf, len, &n) != 1) {
        ossl_error("SSL_read_ex");
        return -1;
    }
    return (ssize_t)n;
}

static void ossl_conn_free(void *conn)
{
    SSL_free(conn);
}

int main(int argc, char **argv)
{
    static const struct bench_lib lib = {
        .describe = ossl_describe,
        .ctx_new = ossl_ctx_new,
        .ctx_free = ossl_ctx_free,
        .conn_open = ossl_conn_open,
        .conn_write = ossl_conn_write,
        .conn_read = ossl_conn_read,
        .conn_free = ossl_conn_free,
    };
    return bench_main(argc, argv, &lib);
}
