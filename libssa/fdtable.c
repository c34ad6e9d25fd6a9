/*
 * Descriptor number -> TLS socket, refcounted across dup().
 *
 * An array indexed by descriptor, sized once from the hard RLIMIT_NOFILE
 * (the kernel never hands out a number at or above it), so that the common
 * question "is this descriptor TLS?" is one atomic load with no lock: every
 * call on a plain descriptor pays only that. The memory is calloc'd and the
 * kernel commits pages only where TLS descriptors live.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define TABLE_MAX (1 << 20)

static _Atomic(struct tls_sock *) *table;
static size_t table_len;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint_fast64_t next_id = 1;

static void table_init(void)
{
    struct rlimit rl;
    size_t len = 4096;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
        len = rl.rlim_max > TABLE_MAX ? TABLE_MAX : (size_t)rl.rlim_max;
    else
        len = TABLE_MAX;
    table = calloc(len, sizeof *table);
    table_len = table ? len : 0;
}

static bool in_table(int fd)
{
    pthread_once(&table_once, table_init);
    return fd >= 0 && (size_t)fd < table_len;
}

bool fdtable_is_tls(int fd)
{
    return in_table(fd) && atomic_load_explicit(&table[fd], memory_order_acquire) != NULL;
}

struct tls_sock *tls_sock_new(int domain)
{
    struct tls_sock *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    atomic_init(&s->refs, 0);
    atomic_init(&s->io_fd, -1);
    tls_fork_init();
    tls_mark_used(s);
    s->id = atomic_fetch_add(&next_id, 1);
    s->domain = domain;
    s->state = TLS_ST_NEW;
    s->opt.session_reuse = SSA_PREF_UNSET;
    return s;
}

static void tls_sock_free(struct tls_sock *s)
{
    ssa_conn_free(s->conn);
    ssa_ctx_unref(s->ctx);
    tls_options_free(&s->opt);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

struct tls_sock *tls_sock_get(int fd)
{
    if (!fdtable_is_tls(fd))
        return NULL;
    pthread_mutex_lock(&table_lock);
    struct tls_sock *s = atomic_load(&table[fd]);
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&table_lock);
    return s;
}

void tls_sock_put(struct tls_sock *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
        tls_sock_free(s);
}

void tls_sock_discard(struct tls_sock *s)
{
    if (s != NULL)
        tls_sock_free(s);
}

int fdtable_attach(int fd, struct tls_sock *s)
{
    if (!in_table(fd)) {
        errno = EMFILE;
        return -1;
    }
    pthread_mutex_lock(&table_lock);
    struct tls_sock *old = atomic_exchange(&table[fd], s);
    atomic_fetch_add(&s->refs, 1);
    if (s->nfds++ == 0)
        atomic_store(&s->io_fd, fd);
    pthread_mutex_unlock(&table_lock);
    /* The kernel reused a number we still mapped: the old socket was closed
     * behind our back (close_range, a raw syscall). Forget it. */
    if (old != NULL && old != s) {
        pthread_mutex_lock(&table_lock);
        old->nfds--;
        pthread_mutex_unlock(&table_lock);
        tls_sock_put(old);
    }
    return 0;
}

/* Another descriptor number of s, to carry the transport once fd is gone. */
static int other_fd_of(const struct tls_sock *s, int fd)
{
    for (size_t i = 0; i < table_len; i++) {
        if ((int)i != fd && atomic_load(&table[i]) == s)
            return (int)i;
    }
    return -1;
}

struct tls_sock *fdtable_detach(int fd, bool *last)
{
    *last = false;
    if (!fdtable_is_tls(fd))
        return NULL;
    pthread_mutex_lock(&table_lock);
    struct tls_sock *s = atomic_exchange(&table[fd], NULL);
    if (s != NULL) {
        *last = --s->nfds == 0;
        if (!*last && atomic_load(&s->io_fd) == fd)
            atomic_store(&s->io_fd, other_fd_of(s, fd));
    }
    pthread_mutex_unlock(&table_lock);
    return s;
}

void fdtable_fork_prepare(void)
{
    pthread_mutex_lock(&table_lock);
}

void fdtable_fork_parent(void)
{
    pthread_mutex_unlock(&table_lock);
}

void fdtable_fork_child(void)
{
    pthread_mutex_init(&table_lock, NULL);
}

void tls_set_error(struct tls_sock *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

int tls_fail(struct tls_sock *s, int err)
{
    s->state = TLS_ST_FAILED;
    s->fail_errno = err;
    errno = err;
    return -1;
}

/* The errno an application sees for a core failure. Verification gets its
 * own (EKEYREJECTED) so that a program can tell "wrong certificate" from
 * "broken peer"; the words are in TLS_ERROR either way. */
int tls_errno_for(ssa_status st, const ssa_conn *c)
{
    switch (st) {
    case SSA_WANT_READ:
    case SSA_WANT_WRITE:
        return EAGAIN;
    case SSA_ERR_VERIFY:
        return EKEYREJECTED;
    case SSA_ERR_SYSCALL: {
        int e = c ? ssa_conn_errno(c) : 0;
        return e ? e : ECONNRESET;
    }
    case SSA_ERR_NOMEM:
        return ENOMEM;
    case SSA_ERR_ARG:
        return EINVAL;
    case SSA_ERR_STATE:
        return ENOKEY;  /* the core's one state failure here: a server without a key */
    case SSA_ERR_IO_FILE:
        return ENOENT;
    case SSA_ERR_POLICY:
    case SSA_ERR_PROTOCOL:
    default:
        return EPROTO;
    }
}
