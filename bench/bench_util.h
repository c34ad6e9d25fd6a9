/*
 * Shared scaffolding for bench-core and bench-openssl: options, the clock,
 * and the driver that runs client and server in two threads over an
 * AF_UNIX socketpair.
 *
 * The two TLS libraries are never linked into one process (the core's
 * static wolfSSL carries OpenSSL-compatible code that must not meet the
 * system libssl), so each program supplies its library as a bench_lib
 * table and calls bench_main(); everything that decides what is measured
 * and how lives in bench_util.c, identical for both.
 */
#ifndef SSA_BENCH_UTIL_H
#define SSA_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define BENCH_RECORD 16384          /* write size and read buffer: one TLS record */
#define BENCH_HOSTNAME "localhost"  /* the name in the test certificate's SAN */

struct bench_opts {
    size_t bytes;           /* bulk transfer per suite */
    long handshakes;        /* full handshakes to time */
    const char *cert;       /* server chain, PEM */
    const char *key;        /* server key, PEM */
    const char *ca;         /* trust anchor for the client (OpenSSL only: the
                               core takes it from policy's trust_store) */
};

/* One TLS library, as the driver sees it. Every function reports its own
 * failure on stderr. */
struct bench_lib {
    /* "engine ..." lines to print before the results. */
    void (*describe)(void);
    /* A TLS 1.3-only context offering exactly one suite and X25519, with
     * no session resumption. */
    void *(*ctx_new)(bool server, const char *suite, const struct bench_opts *o);
    void (*ctx_free)(void *ctx);
    /* A connection on fd with its handshake done; NULL on failure. */
    void *(*conn_open)(void *ctx, bool server, int fd);
    /* All of buf, or false. */
    bool (*conn_write)(void *conn, const void *buf, size_t len);
    /* Bytes read (> 0), or -1 on failure or EOF. */
    ssize_t (*conn_read)(void *conn, void *buf, size_t len);
    /* Frees the connection; the driver closes the descriptor. */
    void (*conn_free)(void *conn);
};

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses the options, runs every measurement, prints one line each:
 *   bulk <suite> <MB/s>
 *   handshakes <per second>
 * Returns the process exit status. */
int bench_main(int argc, char **argv, const struct bench_lib *lib);

#endif
