/*
 * ssa-core-demo: administrator policy at work between a core client and a
 * core server, in one process over socketpairs.
 *
 *   ssa-core-demo PKI_DIR
 *
 * PKI_DIR is a test PKI from ssa-core/tests/pki/make-pki.sh; the policy is
 * whatever SSA_CONF (or /etc/ssa/ssa.conf) says. The client behaves like a
 * careless application: it asks for TLS 1.0 and no verification.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssa/core.h"

typedef struct server {
    ssa_conn *conn;
    int fd;
} server;

static void *serve(void *arg)
{
    server *s = arg;
    if (ssa_conn_handshake(s->conn) == SSA_OK) {
        size_t n;
        ssa_conn_write(s->conn, "hello over TLS\n", 15, &n);
        ssa_conn_shutdown(s->conn, false);
    }
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

static ssa_ctx *server_ctx(const char *pki, const char *leaf)
{
    char chain[512], key[512];
    snprintf(chain, sizeof chain, "%s/%s-chain.pem", pki, leaf);
    snprintf(key, sizeof key, "%s/%s.key", pki, leaf);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_SERVER, "ssa-core-demo");
    if (ssa_ctx_use_certificate_file(ctx, chain, key) != SSA_OK)
        fprintf(stderr, "cannot load %s\n", chain);
    return ctx;
}

/* The careless client: TLS 1.0 and verification off, please. */
static ssa_ctx *careless_client_ctx(void)
{
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "ssa-core-demo");
    ssa_request req = SSA_REQUEST_INIT;
    req.min_version = SSA_TLS1_0;
    req.verify_peer = 0;
    req.tls12_ciphers = "ALL:@SECLEVEL=0";
    bool clamped = false;
    ssa_ctx_request(ctx, &req, &clamped);
    const ssa_settings *s = ssa_ctx_settings(ctx);
    printf("  the application asked for: TLS 1.0 minimum, ciphers \"ALL:@SECLEVEL=0\", no verification\n");
    for (size_t i = 0; i < s->n_clamps; i++)
        printf("  policy clamped: %s\n", s->clamps[i]);
    printf("  effective: %s..%s, %zu TLS 1.2 suites, verification %s\n",
           ssa_version_name(s->min_version), ssa_version_name(s->max_version), s->n_tls12_suites,
           s->verify_peer ? "on" : "off");
    return ctx;
}

static void scenario(const char *title, const char *pki, const char *leaf)
{
    printf("\n== %s (server certificate: %s)\n", title, leaf);
    int fds[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    ssa_ctx *sctx = server_ctx(pki, leaf), *cctx = careless_client_ctx();
    server srv = {ssa_conn_new(sctx), fds[1]};
    ssa_conn_set_fd(srv.conn, fds[1]);
    pthread_t t;
    pthread_create(&t, NULL, serve, &srv);

    ssa_conn *c = ssa_conn_new(cctx);
    ssa_conn_set_fd(c, fds[0]);
    ssa_conn_set_hostname(c, "localhost");
    ssa_status st = ssa_conn_handshake(c);
    if (st == SSA_OK) {
        char buf[64] = "";
        size_t n = 0;
        ssa_conn_read(c, buf, sizeof buf - 1, &n);
        buf[n] = '\0';
        printf("  connected: %s, %s, group %s; server says: %s", ssa_version_name(ssa_conn_version(c)),
               ssa_conn_cipher(c)->iana_name, ssa_conn_group(c), buf);
    } else {
        printf("  refused: %s\n", ssa_conn_error(c));
    }
    shutdown(fds[0], SHUT_RDWR);
    pthread_join(t, NULL);
    ssa_conn_free(c);
    ssa_conn_free(srv.conn);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
    close(fds[0]);
    close(fds[1]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PKI_DIR\n", argv[0]);
        return 2;
    }
    ssa_policy *p = ssa_policy_current();
    printf("policy: %s (minimum %s, verification %s)\n", p->source,
           ssa_version_name(p->min_version), p->verify_peer ? "required" : "off");
    ssa_policy_unref(p);
    scenario("a good server", argv[1], "good");
    scenario("an expired certificate", argv[1], "expired");
    scenario("a self-signed certificate", argv[1], "selfsigned");
    scenario("a certificate for another host", argv[1], "wronghost");
    return 0;
}
