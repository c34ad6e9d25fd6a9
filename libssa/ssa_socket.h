/*
 * libssa internals: the IPPROTO_TLS socket layer over the SSA core.
 *
 * The application's descriptor IS the kernel TCP socket; beside it the
 * library keeps one `tls_sock` per open TLS endpoint, found by descriptor
 * number in the fd table (fdtable.c). dup() makes two numbers share one
 * tls_sock, exactly as they share one kernel open file description.
 *
 * Locking (why it is shaped like this):
 *  - The fd table has one mutex, held only for a few loads and stores and
 *    never while calling out, so that the core's own open/read/close (which
 *    land in our interposers) cannot deadlock on it.
 *  - Each tls_sock has a mutex held while the core touches its ssa_conn. The
 *    core is only ever called non-blocking (the transport callbacks use
 *    MSG_DONTWAIT); a blocking call waits in poll() with the mutex RELEASED,
 *    so one thread may block in recv() while another sends.
 *
 * Lifetime: `refs` counts table entries (one per descriptor number) plus
 * calls in flight. `nfds` counts the descriptor numbers only: when it drops
 * to zero close() sends close_notify; when `refs` drops to zero the memory
 * goes.
 */
#ifndef SSA_SOCKET_H
#define SSA_SOCKET_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ssa/core.h"
#include "ssa/ssa.h"

#define SSA_LIB_HIDDEN __attribute__((visibility("hidden")))

/* ---- libc.c: the real functions, resolved once with RTLD_NEXT ---------- */

struct libc_calls {
    int (*socket)(int, int, int);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*listen)(int, int);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*writev)(int, const struct iovec *, int);
    int (*shutdown)(int, int);
    int (*close)(int);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*fcntl)(int, int, ...);
    int (*poll)(struct pollfd *, nfds_t, int);
    int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
    int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
    int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
                   const sigset_t *);
    int (*epoll_ctl)(int, int, int, struct epoll_event *);
    int (*epoll_wait)(int, struct epoll_event *, int, int);
    int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
};

SSA_LIB_HIDDEN const struct libc_calls *libc(void);

/* ---- the TLS socket ----------------------------------------------------- */

enum tls_state {
    TLS_ST_NEW,         /* socket(): options may be set */
    TLS_ST_LISTENING,   /* listen(): accept() hands out server connections */
    TLS_ST_CONNECTING,  /* non-blocking TCP connect in progress */
    TLS_ST_HANDSHAKE,   /* TCP up, handshake in progress */
    TLS_ST_CONNECTED,   /* handshake done: data flows */
    TLS_ST_FAILED,      /* sticky: `err` says why */
};

/* What the application asked for through setsockopt, kept until the
 * context is built at connect()/listen(). Strings are owned. */
struct tls_options {
    char *remote_hostname;
    char *certificate_chain;
    char *private_key;
    char *trusted_peers;
    char *alpn;
    char *tls13_suites;
    char *tls12_ciphers;
    char *disabled_ciphers;       /* colon list of suites removed */
    uint16_t min_version, max_version;
    long session_ttl;
    int session_reuse;            /* SSA_PREF_UNSET, 0 or 1 */
    bool request_peer_auth;
    unsigned char *session;       /* TLS_SESSION blob to resume */
    size_t session_len;
};

struct tls_sock {
    pthread_mutex_t lock;
    atomic_int refs;
    int nfds;                     /* descriptor numbers (fd table lock) */
    _Atomic int io_fd;            /* one of them, used for the transport */
    unsigned owner_gen;           /* fork.c: may this process send close_notify? */
    uint64_t id;                  /* TLS_ID */
    int domain;
    enum tls_state state;
    bool server;                  /* accepted connection or listening */
    struct tls_options opt;
    ssa_ctx *ctx;                 /* client: own; server: the listener's */
    ssa_conn *conn;
    int fail_errno;               /* errno of the failure (state FAILED) */
    int so_error;                 /* pending for SO_ERROR after async failure */
    char err[256];                /* TLS_ERROR */
};

/* fdtable.c */
SSA_LIB_HIDDEN struct tls_sock *tls_sock_new(int domain);
/* The socket behind fd with a reference held (release with tls_sock_put),
 * or NULL when fd is not a TLS descriptor. Lock-free when it is not. */
SSA_LIB_HIDDEN struct tls_sock *tls_sock_get(int fd);
SSA_LIB_HIDDEN void tls_sock_put(struct tls_sock *s);
SSA_LIB_HIDDEN bool fdtable_is_tls(int fd);
/* Free a socket that never made it into the table. */
SSA_LIB_HIDDEN void tls_sock_discard(struct tls_sock *s);
/* Make fd name s (a new descriptor number for it). */
SSA_LIB_HIDDEN int fdtable_attach(int fd, struct tls_sock *s);
/* fd no longer names a TLS socket. Returns the socket it named (the table's
 * reference is handed to the caller) and whether fd was its last number. */
SSA_LIB_HIDDEN struct tls_sock *fdtable_detach(int fd, bool *last);

/* The table's lock across fork(), so that the child's copy is consistent. */
SSA_LIB_HIDDEN void fdtable_fork_prepare(void);
SSA_LIB_HIDDEN void fdtable_fork_parent(void);
SSA_LIB_HIDDEN void fdtable_fork_child(void);

/* fork.c */
SSA_LIB_HIDDEN void tls_fork_init(void);
SSA_LIB_HIDDEN void tls_mark_used(struct tls_sock *s);   /* lock held */
SSA_LIB_HIDDEN bool tls_owned_here(const struct tls_sock *s);

/* Errors: record a failure in words (TLS_ERROR) and set errno. */
SSA_LIB_HIDDEN void tls_set_error(struct tls_sock *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
SSA_LIB_HIDDEN int tls_fail(struct tls_sock *s, int err);  /* state FAILED; -1 */
SSA_LIB_HIDDEN int tls_errno_for(ssa_status st, const ssa_conn *c);

/* engine_io.c: the core's transport and driving it. */
SSA_LIB_HIDDEN ssa_status tls_conn_attach(struct tls_sock *s, ssa_conn *c);
SSA_LIB_HIDDEN bool tls_fd_nonblocking(int fd);
/* Wait (lock released) until io_fd is ready for what `st` wants; honours
 * SO_RCVTIMEO / SO_SNDTIMEO. -1 with errno (EAGAIN on timeout, EINTR). */
SSA_LIB_HIDDEN int tls_wait(struct tls_sock *s, ssa_status st);
/* One handshake step under the lock: 0 done, -1 with errno (EAGAIN while
 * it needs the transport: *want says which). */
SSA_LIB_HIDDEN int tls_handshake_step(struct tls_sock *s, ssa_status *want);
/* The whole handshake, blocking unless nonblock (then EAGAIN). */
SSA_LIB_HIDDEN int tls_handshake(struct tls_sock *s, bool nonblock);
/* Non-blocking TCP connect completion: 0 connected, -1 EAGAIN/errno. */
SSA_LIB_HIDDEN int tls_finish_tcp_connect(struct tls_sock *s);

/* context.c: the ssa_ctx built from the options. */
SSA_LIB_HIDDEN int tls_build_ctx(struct tls_sock *s, ssa_role role);
SSA_LIB_HIDDEN void tls_options_free(struct tls_options *o);
/* The options as a core request; the buffers hold the suite lists that
 * TLS_DISABLE_CIPHER derived from policy's. */
struct tls_request {
    ssa_request req;
    char tls13[512];
    char tls12[768];
};
SSA_LIB_HIDDEN int tls_request_from_options(const struct tls_options *o, bool server,
                                            struct tls_request *out);
/* Would these options weaken policy? 0, or -1 with errno EPROTO (the reason
 * in s->err) or EINVAL. */
SSA_LIB_HIDDEN int tls_options_check(struct tls_sock *s);

/* options.c */
SSA_LIB_HIDDEN int tls_setsockopt(struct tls_sock *s, int opt, const void *val, socklen_t len);
SSA_LIB_HIDDEN int tls_getsockopt(struct tls_sock *s, int opt, void *val, socklen_t *len);

/* io_calls.c: the data path shared by every read/write flavour. */
SSA_LIB_HIDDEN ssize_t tls_recv(struct tls_sock *s, void *buf, size_t len, int flags);
SSA_LIB_HIDDEN ssize_t tls_send(struct tls_sock *s, const void *buf, size_t len, int flags);

/* poll_calls.c: readiness of TLS descriptors. */
SSA_LIB_HIDDEN short tls_poll_translate(struct tls_sock *s, short events, bool *ready_now);
SSA_LIB_HIDDEN short tls_poll_result(struct tls_sock *s, short events, short revents);

/* epoll_calls.c: close(fd) forgets fd's registrations (or the set's). */
SSA_LIB_HIDDEN void tls_epoll_forget(int fd);

#endif
