/*
 * Self-talk helpers for the server-side tests: a server and a client made
 * with this libssl, in one thread, over non-blocking sockets (a
 * socketpair), with the test PKI and a test policy whose audit log the
 * tests read.
 */
#ifndef COMPAT_TEST_PAIR_H
#define COMPAT_TEST_PAIR_H

#include "ssa_test.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char pair_audit[512];

static inline void pair_policy(void)
{
    snprintf(pair_audit, sizeof pair_audit, "%s/audit-%d.log", test_pki_dir(), (int)getpid());
    char policy[1024];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"%s\"; };\n",
             test_pki("ca.crt"), pair_audit);
    test_use_policy(policy);
}

static inline bool pair_audit_has(const char *needle)
{
    char *text = test_slurp(pair_audit);
    bool found = text && strstr(text, needle);
    free(text);
    return found;
}

static inline SSL_CTX *pair_server_ctx(const char *leaf)
{
    char chain[64], key[64];
    snprintf(chain, sizeof chain, "%s-chain.pem", leaf);
    snprintf(key, sizeof key, "%s.key", leaf);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(ctx, test_pki(chain)), 1);
    ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, test_pki(key), SSL_FILETYPE_PEM), 1);
    return ctx;
}

static inline SSL_CTX *pair_client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, test_pki("ca.crt"), NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

typedef struct pair {
    SSL *client, *server;
    int cfd, sfd;
} pair;

/* Client for `host` (SNI and verified name) and server, connected. */
static inline pair pair_new(SSL_CTX *cctx, SSL_CTX *sctx, const char *host)
{
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(fcntl(fds[i], F_SETFL, O_NONBLOCK), 0);
    pair p = {SSL_new(cctx), SSL_new(sctx), fds[0], fds[1]};
    ck_assert_ptr_nonnull(p.client);
    ck_assert_ptr_nonnull(p.server);
    ck_assert_int_eq(SSL_set_fd(p.client, p.cfd), 1);
    ck_assert_int_eq(SSL_set_fd(p.server, p.sfd), 1);
    SSL_set_connect_state(p.client);
    SSL_set_accept_state(p.server);
    if (host) {
        ck_assert_int_eq(SSL_set_tlsext_host_name(p.client, host), 1);
        ck_assert_int_eq(SSL_set1_host(p.client, host), 1);
    }
    return p;
}

/* Drive both handshakes; true when both finished, false as soon as one
 * side fails (neither WANT_READ nor WANT_WRITE). */
static inline bool pair_handshake(pair *p)
{
    int c = 0, s = 0;
    for (int i = 0; i < 200 && (c != 1 || s != 1); i++) {
        if (c != 1) {
            c = SSL_do_handshake(p->client);
            int e = c == 1 ? SSL_ERROR_NONE : SSL_get_error(p->client, c);
            if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                return false;
        }
        if (s != 1) {
            s = SSL_do_handshake(p->server);
            int e = s == 1 ? SSL_ERROR_NONE : SSL_get_error(p->server, s);
            if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                return false;
        }
    }
    return c == 1 && s == 1;
}

static inline void pair_free(pair *p)
{
    SSL_free(p->client);
    SSL_free(p->server);
    close(p->cfd);
    close(p->sfd);
    ERR_clear_error();
}

/* The subject CN of the certificate the client got. */
static inline void pair_peer_cn(const pair *p, char *out, size_t len)
{
    X509 *x = SSL_get1_peer_certificate(p->client);
    ck_assert_ptr_nonnull(x);
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)len);
    X509_free(x);
}

#endif
