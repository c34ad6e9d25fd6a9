/*
 * Helpers for libssa's tests, on top of ssa_test.h: policies, TLS
 * listeners and clients through the socket API, and an in-process echo
 * server on a thread. Everything here uses only POSIX calls and ssa.h,
 * so it exercises libssa exactly as an application does.
 */
#ifndef SSA_SOCKET_TEST_H
#define SSA_SOCKET_TEST_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "ssa/ssa.h"
#include "ssa_test.h"

/* Policy trusting the test PKI's root, audit off, plus `extra` lines inside
 * the default section (may be NULL). */
void st_policy(const char *extra);

/* A loopback address of family (AF_INET or AF_INET6) and port. */
socklen_t st_loopback(int family, int port, struct sockaddr_storage *ss);

/* A listening TLS socket on loopback with the "good" chain; port out. */
int st_tls_listener(int family, int type_flags, int *port);
/* A TLS client connected (blocking) to loopback:port as "localhost";
 * -1 with errno on failure. */
int st_tls_connect(int family, int port);

/* Echo server on a thread: accepts one connection on `listener`, echoes
 * until EOF, then closes. */
typedef struct st_echo {
    pthread_t thread;
    int listener;
    int port;
    int accepted_errno;   /* 0, or why accept failed */
    bool saw_eof;         /* recv returned 0 (close_notify) */
} st_echo;
void st_echo_start(st_echo *e, int family);
/* The same in two steps: listen now, accept later (so that a client's
 * non-blocking connect certainly finds no answer yet). */
void st_echo_listen(st_echo *e, int family);
void st_echo_run(st_echo *e);
void st_echo_join(st_echo *e);

/* openssl s_server on 127.0.0.1:port with the given leaf, in -rev mode
 * (each line comes back reversed), plus extra arguments. */
pid_t st_s_server(int port, const char *leaf, char *const extra[]);

/* Send all of text and read exactly len bytes back; asserts. */
void st_send_all(int fd, const char *text);
void st_recv_exact(int fd, char *buf, size_t len);

/* TLS_ERROR as a string (static buffer). */
const char *st_tls_error(int fd);

#endif
