/*
 * The measurement driver shared by bench-core and bench-openssl. Both
 * programs run exactly this code; only the bench_lib table differs.
 */
#include "bench_util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_BYTES ((size_t)1 << 30)
#define DEFAULT_HANDSHAKES 500L
#define WARMUP_BYTES_MAX ((size_t)64 << 20)
#define WARMUP_HANDSHAKES 20L
#define HANDSHAKE_SUITE "TLS_AES_128_GCM_SHA256"

static const char *const bulk_suites[] = {
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256",
};

/* ---- options ------------------------------------------------------------ */

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s --cert PEM --key PEM [--ca PEM] [--bytes N[K|M|G]] [--handshakes N]\n"
            "  --bytes N       bulk transfer per cipher suite (default 1G)\n"
            "  --handshakes N  full handshakes to time (default %ld)\n"
            "  --cert, --key   the server's certificate chain and private key\n"
            "  --ca            the client's trust anchor (bench-openssl; bench-core\n"
            "                  trusts what policy's trust_store names)\n",
            prog, DEFAULT_HANDSHAKES);
}

/* A byte count, with an optional binary suffix: 16M is 16 MiB. */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    if (s[0] < '0' || s[0] > '9') /* strtoull would accept "-1" */
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    default: break;
    }
    if (errno || *end || v == 0 || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)v << shift;
    return true;
}

static bool parse_count(const char *s, long *out)
{
    size_t v;
    if (!parse_size(s, &v) || v > (size_t)LONG_MAX)
        return false;
    *out = (long)v;
    return true;
}

/* -1: go on; otherwise the exit status (0 after --help). */
static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
    static const struct option longopts[] = {
        { "bytes", required_argument, NULL, 'b' },
        { "handshakes", required_argument, NULL, 'n' },
        { "cert", required_argument, NULL, 'c' },
        { "key", required_argument, NULL, 'k' },
        { "ca", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct bench_opts){ .bytes = DEFAULT_BYTES, .handshakes = DEFAULT_HANDSHAKES };
    bool ok = true;
    int ch;
    while (ok && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b': ok = parse_size(optarg, &o->bytes); break;
        case 'n': ok = parse_count(optarg, &o->handshakes); break;
        case 'c': o->cert = optarg; break;
        case 'k': o->key = optarg; break;
        case 'a': o->ca = optarg; break;
        case 'h': usage(stdout, argv[0]); return 0;
        default: ok = false; break;
        }
    }
    if (!ok || optind != argc || !o->cert || !o->key) {
        usage(stderr, argv[0]);
        return 2;
    }
    return -1;
}

/* ---- bulk throughput ---------------------------------------------------- */

struct bulk_server {
    const struct bench_lib *lib;
    void *ctx;
    int fd;
    size_t bytes;
    double t_end;   /* when the last byte had been read */
    bool ok;
};

/* Reads into one record-sized buffer until everything has arrived. */
static void *bulk_server_main(void *arg)
{
    struct bulk_server *s = arg;
    unsigned char buf[BENCH_RECORD];
    size_t got = 0;
    void *conn = s->lib->conn_open(s->ctx, true, s->fd);
    while (conn && got < s->bytes) {
        ssize_t n = s->lib->conn_read(conn, buf, sizeof buf);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    s->t_end = bench_now();
    s->ok = conn && got == s->bytes;
    if (conn)
        s->lib->conn_free(conn);
    if (!s->ok) /* unblock a client still writing */
        shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

/* Writes bytes in record-sized writes; *t_start is taken after the
 * handshake, just before the first write. */
static bool bulk_client(const struct bench_lib *lib, void *ctx, int fd, size_t bytes,
                        double *t_start)
{
    static const unsigned char buf[BENCH_RECORD]; /* contents do not matter to AEADs */
    void *conn = lib->conn_open(ctx, false, fd);
    bool ok = conn != NULL;
    *t_start = bench_now();
    for (size_t sent = 0; ok && sent < bytes;) {
        size_t n = bytes - sent < sizeof buf ? bytes - sent : sizeof buf;
        ok = lib->conn_write(conn, buf, n);
        sent += n;
    }
    if (conn)
        lib->conn_free(conn);
    if (!ok) /* unblock a server still reading */
        shutdown(fd, SHUT_RDWR);
    return ok;
}

/* One connection moving `bytes` client to server; seconds, or -1. */
static double bulk_once(const struct bench_lib *lib, void *sctx, void *cctx, size_t bytes)
{
    int sv[2];
    pthread_t th;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        return -1;
    }
    struct bulk_server srv = { .lib = lib, .ctx = sctx, .fd = sv[0], .bytes = bytes };
    double t_start = 0;
    bool ok = pthread_create(&th, NULL, bulk_server_main, &srv) == 0;
    if (ok) {
        ok = bulk_client(lib, cctx, sv[1], bytes, &t_start);
        pthread_join(th, NULL);
        ok = ok && srv.ok;
    }
    /* Closed only now: the server may still be reading what the client sent. */
    close(sv[0]);
    close(sv[1]);
    return ok ? srv.t_end - t_start : -1;
}

/* A sixteenth of the run, between one record and WARMUP_BYTES_MAX: enough
 * to fault in buffers and let the CPU reach its clock. */
static size_t warmup_bytes(size_t bytes)
{
    size_t w = bytes / 16;
    if (w > WARMUP_BYTES_MAX)
        return WARMUP_BYTES_MAX;
    return w < BENCH_RECORD ? BENCH_RECORD : w;
}

static bool run_bulk(const struct bench_lib *lib, const struct bench_opts *o, const char *suite)
{
    void *sctx = lib->ctx_new(true, suite, o);
    void *cctx = lib->ctx_new(false, suite, o);
    double secs = sctx && cctx ? bulk_once(lib, sctx, cctx, warmup_bytes(o->bytes)) : -1;
    if (secs > 0)
        secs = bulk_once(lib, sctx, cctx, o->bytes);
    if (secs > 0)
        printf("bulk %s %.1f\n", suite, (double)o->bytes / secs / 1e6);
    else
        fprintf(stderr, "bench: bulk %s failed\n", suite);
    if (sctx)
        lib->ctx_free(sctx);
    if (cctx)
        lib->ctx_free(cctx);
    return secs > 0;
}

/* ---- handshakes --------------------------------------------------------- */

/* The server thread lives for a whole series and takes its connections
 * from a pipe, so that no thread is created per handshake. */
struct hs_server {
    const struct bench_lib *lib;
    void *ctx;
    int queue;      /* read end: one int (a descriptor) per connection */
    long failed;
};

static void *hs_server_main(void *arg)
{
    struct hs_server *s = arg;
    int fd;
    while (read(s->queue, &fd, sizeof fd) == (ssize_t)sizeof fd) {
        void *conn = s->lib->conn_open(s->ctx, true, fd);
        if (conn)
            s->lib->conn_free(conn);
        else
            s->failed++;
        close(fd);
    }
    return NULL;
}

/* One full handshake on a new socketpair; the server end goes to the
 * server thread, which owns it from then on. Closing our end on failure
 * lets the server's handshake fail too instead of waiting. */
static bool hs_client_once(const struct bench_lib *lib, void *cctx, int queue)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        return false;
    }
    if (write(queue, &sv[0], sizeof sv[0]) != (ssize_t)sizeof sv[0]) {
        perror("write");
        close(sv[0]);
        close(sv[1]);
        return false;
    }
    void *conn = lib->conn_open(cctx, false, sv[1]);
    if (conn)
        lib->conn_free(conn);
    close(sv[1]);
    return conn != NULL;
}

/* n handshakes in a row; seconds from the first ClientHello to the
 * server's last finished handshake, or -1. The client starts its next
 * handshake once its own side is done; the two threads overlap only where
 * the protocol lets them. */
static double hs_series(const struct bench_lib *lib, void *sctx, void *cctx, long n)
{
    int q[2];
    pthread_t th;
    if (pipe(q) != 0) {
        perror("pipe");
        return -1;
    }
    struct hs_server srv = { .lib = lib, .ctx = sctx, .queue = q[0] };
    bool started = pthread_create(&th, NULL, hs_server_main, &srv) == 0;
    bool ok = started;
    double t0 = bench_now();
    for (long i = 0; ok && i < n; i++)
        ok = hs_client_once(lib, cctx, q[1]);
    close(q[1]); /* end of the queue: the server thread returns */
    if (started)
        pthread_join(th, NULL);
    double secs = bench_now() - t0;
    close(q[0]);
    return ok && srv.failed == 0 ? secs : -1;
}

static bool run_handshakes(const struct bench_lib *lib, const struct bench_opts *o)
{
    void *sctx = lib->ctx_new(true, HANDSHAKE_SUITE, o);
    void *cctx = lib->ctx_new(false, HANDSHAKE_SUITE, o);
    double secs = sctx && cctx ? hs_series(lib, sctx, cctx, WARMUP_HANDSHAKES) : -1;
    if (secs > 0)
        secs = hs_series(lib, sctx, cctx, o->handshakes);
    if (secs > 0)
        printf("handshakes %.1f\n", (double)o->handshakes / secs);
    else
        fprintf(stderr, "bench: handshakes failed\n");
    if (sctx)
        lib->ctx_free(sctx);
    if (cctx)
        lib->ctx_free(cctx);
    return secs > 0;
}

int bench_main(int argc, char **argv, const struct bench_lib *lib)
{
    struct bench_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* A peer that gave up must show as an error, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    lib->describe();
    for (size_t i = 0; i < sizeof bulk_suites / sizeof bulk_suites[0]; i++)
        if (!run_bulk(lib, &o, bulk_suites[i]))
            return 1;
    return run_handshakes(lib, &o) ? 0 : 1;
}
