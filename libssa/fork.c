/*
 * fork(): who may send close_notify on an inherited TLS connection.
 *
 * Rule: after fork() neither process sends close_notify for a connection it
 * inherited until it has itself used that connection (handshake, read or
 * write) since the fork; the process that uses it owns it. So the classic
 * "accept, fork, the child serves, the parent closes its copy" works (the
 * parent's close is silent and the child's final close sends close_notify),
 * and a child that merely closes inherited descriptors before exec does not
 * end its parent's sessions.
 *
 * Both processes hold a copy of the same TLS state: only one of them may
 * read or write a given connection, as with any stateful stream.
 *
 * Ownership is a per-process generation number bumped on each side of a
 * fork, compared with the one recorded at a socket's last use: cheaper than
 * getpid() on every call.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

static atomic_uint fork_generation = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork(void)
{
    atomic_fetch_add(&fork_generation, 1);
}

static void register_atfork(void)
{
    pthread_atfork(fdtable_fork_prepare, fdtable_fork_parent, fdtable_fork_child);
    pthread_atfork(NULL, after_fork, after_fork);
}

void tls_fork_init(void)
{
    pthread_once(&atfork_once, register_atfork);
}

void tls_mark_used(struct tls_sock *s)
{
    s->owner_gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
}

bool tls_owned_here(const struct tls_sock *s)
{
    return s->owner_gen == atomic_load_explicit(&fork_generation, memory_order_relaxed);
}
