/*
 * bench-core: the SSA core (and its static wolfSSL) under bench_util's
 * driver. Everything goes through include/ssa/core.h as an application
 * would use it: the suite is an application request, and the client's
 * trust anchor comes from the administrator policy (SSA_CONF here), not
 * from the program.
 */
#include "bench_util.h"

#include <ssa/core.h>
#include <stdio.h>

/* Set by bench/CMakeLists.txt from the wolfSSL build it found. */
#ifndef BENCH_ENGINE
#define BENCH_ENGINE "wolfSSL (version unknown)"
#endif
#ifndef BENCH_ENGINE_BUILD
#define BENCH_ENGINE_BUILD "unknown"
#endif

static void core_describe(void)
{
    ssa_policy *p = ssa_policy_current();
    printf("engine %s\n", BENCH_ENGINE);
    printf("engine_build %s\n", BENCH_ENGINE_BUILD);
    printf("policy %s\n", p->source);
    ssa_policy_unref(p);
}

/* TLS 1.3 only, one suite, X25519, and no resumption: no session cache and
 * no tickets, so that every handshake is a full one and the server sends
 * nothing after it. */
static ssa_status core_request(ssa_ctx *ctx, const char *suite)
{
    ssa_request req = SSA_REQUEST_INIT;
    bool clamped = false;
    req.min_version = SSA_TLS1_3;
    req.max_version = SSA_TLS1_3;
    req.tls13_ciphersuites = suite;
    req.groups = "X25519";
    req.session_cache = 0;
    req.session_tickets = 0;
    ssa_status st = ssa_ctx_request(ctx, &req, &clamped);
    if (st == SSA_OK && clamped)
        fprintf(stderr, "bench-core: policy clamped the request; results may not be comparable\n");
    return st;
}

static void *core_ctx_new(bool server, const char *suite, const struct bench_opts *o)
{
    ssa_ctx *ctx = ssa_ctx_new(server ? SSA_ROLE_SERVER : SSA_ROLE_CLIENT, "bench-core");
    if (!ctx) {
        fprintf(stderr, "bench-core: ssa_ctx_new failed\n");
        return NULL;
    }
    ssa_status st = core_request(ctx, suite);
    if (st == SSA_OK && server)
        st = ssa_ctx_use_certificate_file(ctx, o->cert, o->key);
    if (st != SSA_OK) {
        fprintf(stderr, "bench-core: %s context for %s: %s\n", server ? "server" : "client",
                suite, ssa_status_name(st));
        ssa_ctx_unref(ctx);
        return NULL;
    }
    return ctx;
}

static void core_ctx_free(void *ctx)
{
    ssa_ctx_unref(ctx);
}

static void *core_conn_open(void *ctx, bool server, int fd)
{
    ssa_conn *c = ssa_conn_new(ctx);
    if (!c) {
        fprintf(stderr, "bench-core: ssa_conn_new failed\n");
        return NULL;
    }
    ssa_status st = ssa_conn_set_fd(c, fd);
    if (st == SSA_OK && !server)
        st = ssa_conn_set_hostname(c, BENCH_HOSTNAME);
    if (st == SSA_OK)
        st = ssa_conn_handshake(c);
    if (st != SSA_OK) {
        fprintf(stderr, "bench-core: %s handshake: %s: %s\n", server ? "server" : "client",
                ssa_status_name(st), ssa_conn_error(c));
        ssa_conn_free(c);
        return NULL;
    }
    return c;
}

static bool core_conn_write(void *conn, const void *buf, size_t len)
{
    size_t n;
    ssa_status st = ssa_conn_write(conn, buf, len, &n);
    if (st != SSA_OK)
        fprintf(stderr, "bench-core: write: %s: %s\n", ssa_status_name(st), ssa_conn_error(conn));
    return st == SSA_OK && n == len;
}

static ssize_t core_conn_read(void *conn, void *buf, size_t len)
{
    size_t n;
    ssa_status st = ssa_conn_read(conn, buf, len, &n);
    if (st != SSA_OK) {
        fprintf(stderr, "bench-core: read: %s: %s\n", ssa_status_name(st), ssa_conn_error(conn));
        return -1;
    }
    return (ssize_t)n;
}

static void core_conn_free(void *conn)
{
    ssa_conn_free(conn);
}

int main(int argc, char **argv)
{
    static const struct bench_lib lib = {
        .describe = core_describe,
        .ctx_new = core_ctx_new,
        .ctx_free = core_ctx_free,
        .conn_open = core_conn_open,
        .conn_write = core_conn_write,
        .conn_read = core_conn_read,
        .conn_free = core_conn_free,
    };
    return bench_main(argc, argv, &lib);
}
