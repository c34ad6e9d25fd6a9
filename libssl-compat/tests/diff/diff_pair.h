/*
 * Shared by the differential programs that talk to themselves: a client
 * and a server made with whichever libssl is loaded, in one process, over
 * a BIO pair, with the test PKI. Header-only (each program is one file).
 */
#ifndef DIFF_PAIR_H
#define DIFF_PAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static const char *pki_dir;

/* "<PKI_DIR>/<name>" in a small ring of buffers. */
static const char *pki(const char *name)
{
    static char buf[4][4096];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", pki_dir, name);
    return p;
}

/* The first error on the queue as " queue=LIB:REASON", then a newline; the
 * queue is emptied. */
static void errors(void)
{
    unsigned long e = ERR_peek_error();
    if (e)
        printf(" queue=%d:%d", ERR_GET_LIB(e), ERR_GET_REASON(e));
    ERR_clear_error();
    printf("\n");
}

static void die(const char *what)
{
    printf("setup failed: %s\n", what);
    ERR_print_errors_fp(stdout);
    exit(1);
}

typedef struct pair {
    SSL_CTX *cctx, *sctx;
    SSL *client, *server;
    BIO *cbio, *sbio; /* the client's and the server's end */
} pair;

/* Both contexts pinned to `version`; the client verifies "localhost"
 * against ca.crt, the server has good-chain.pem. */
static void make_pair(pair *p, int version, long client_options, size_t buffer)
{
    memset(p, 0, sizeof *p);
    p->cctx = SSL_CTX_new(TLS_client_method());
    p->sctx = SSL_CTX_new(TLS_server_method());
    if (!p->cctx || !p->sctx)
        die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(p->cctx, version);
    SSL_CTX_set_max_proto_version(p->cctx, version);
    SSL_CTX_set_options(p->cctx, client_options);
    if (SSL_CTX_load_verify_locations(p->cctx, pki("ca.crt"), NULL) != 1)
        die("load_verify_locations");
    SSL_CTX_set_verify(p->cctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_use_certificate_chain_file(p->sctx, pki("good-chain.pem")) != 1
        || SSL_CTX_use_PrivateKey_file(p->sctx, pki("good.key"), SSL_FILETYPE_PEM) != 1)
        die("server certificate");
    p->client = SSL_new(p->cctx);
    p->server = SSL_new(p->sctx);
    if (!BIO_new_bio_pair(&p->cbio, buffer, &p->sbio, buffer))
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
    printf("handshake client=%d server=%d version=%s verify=%ld", c, s,
           SSL_get_version(p->client), SSL_get_verify_result(p->client));
    errors();
    return c == 1 && s == 1;
}

#endif
