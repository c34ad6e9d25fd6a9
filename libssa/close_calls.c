/*
 * Descriptor lifetime: close, shutdown, dup, dup2, dup3 and fcntl.
 *
 * A TLS socket lives as long as some descriptor names it, exactly like the
 * kernel's open file description: dup() adds a name, close() removes one,
 * and the last close sends close_notify before the TCP socket goes.
 * dup2()/dup3() onto a TLS descriptor first closes that name (so the socket
 * it named may end), then the new name follows whatever it copies: a TLS
 * socket or a plain descriptor, which stays plain.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

/* Best effort, never blocking: a close() must not hang on a dead peer. */
static void send_close_notify(struct tls_sock *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->conn && s->state == TLS_ST_CONNECTED && tls_owned_here(s) &&
        !ssa_conn_sent_close(s->conn))
        ssa_conn_shutdown(s->conn, false);
    pthread_mutex_unlock(&s->lock);
}

/* fd stops naming its TLS socket; the socket ends with its last name. */
static void forget_fd(int fd)
{
    bool last;
    struct tls_sock *s = fdtable_detach(fd, &last);
    if (s == NULL)
        return;
    if (last)
        send_close_notify(s);
    tls_sock_put(s); /* the table's reference */
}

int close(int fd)
{
    tls_epoll_forget(fd);
    if (fdtable_is_tls(fd))
        forget_fd(fd);
    return libc()->close(fd);
}

int shutdown(int fd, int how)
{
    struct tls_sock *s = tls_sock_get(fd);
    if (s == NULL)
        return libc()->shutdown(fd, how);
    if (how == SHUT_WR || how == SHUT_RDWR) {
        pthread_mutex_lock(&s->lock);
        if (s->conn && s->state == TLS_ST_CONNECTED && !ssa_conn_sent_close(s->conn)) {
            tls_mark_used(s); /* an explicit shutdown is this process speaking */
            ssa_conn_shutdown(s->conn, false);
        }
        pthread_mutex_unlock(&s->lock);
    }
    int r = libc()->shutdown(fd, how);
    int e = errno;
    tls_sock_put(s);
    errno = e;
    return r;
}

/* newfd now names whatever oldfd names. */
static int follow(int oldfd, int newfd)
{
    struct tls_sock *s = tls_sock_get(oldfd);
    if (s == NULL)
        return newfd;
    int r = fdtable_attach(newfd, s);
    tls_sock_put(s);
    if (r < 0) {
        libc()->close(newfd);
        return -1;
    }
    return newfd;
}

int dup(int oldfd)
{
    int fd = libc()->dup(oldfd);
    return fd < 0 ? -1 : follow(oldfd, fd);
}

/* newfd's TLS socket is let go BEFORE the kernel replaces newfd, so that
 * its close_notify goes down its own connection, not down oldfd's. */
static int dup_onto(int oldfd, int newfd, int flags, bool is_dup3)
{
    if (oldfd == newfd)
        return is_dup3 ? libc()->dup3(oldfd, newfd, flags) : libc()->dup2(oldfd, newfd);
    if (libc()->fcntl(oldfd, F_GETFD) < 0)
        return -1; /* EBADF: newfd must stay as it was */
    forget_fd(newfd);
    int r = is_dup3 ? libc()->dup3(oldfd, newfd, flags) : libc()->dup2(oldfd, newfd);
    return r < 0 ? -1 : follow(oldfd, newfd);
}

int dup2(int oldfd, int newfd)
{
    return dup_onto(oldfd, newfd, 0, false);
}

int dup3(int oldfd, int newfd, int flags)
{
    return dup_onto(oldfd, newfd, flags, true);
}

/* F_DUPFD and F_DUPFD_CLOEXEC make names too; O_NONBLOCK needs nothing of
 * ours, since the layer asks the kernel each time. */
static int fcntl_any(int fd, int cmd, va_list ap)
{
    void *arg = va_arg(ap, void *);
    int r = libc()->fcntl(fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        return follow(fd, r);
    return r;
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r = fcntl_any(fd, cmd, ap);
    va_end(ap);
    return r;
}

int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r = fcntl_any(fd, cmd, ap);
    va_end(ap);
    return r;
}
