/*
 * socket(), connect(), listen(), accept() and accept4() for IPPROTO_TLS.
 *
 * A TLS descriptor is a real kernel TCP socket (so bind, getsockname,
 * SO_* options and readiness work as usual) plus a tls_sock in the fd
 * table. connect() runs TCP then the client handshake; accept() runs the
 * server handshake on the new descriptor.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- socket ------------------------------------------------------------- */

int socket(int domain, int type, int protocol)
{
    if (protocol != IPPROTO_TLS)
        return libc()->socket(domain, type, protocol);
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET && domain != AF_INET6) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (kind != SOCK_STREAM) { /* SOCK_DGRAM waits for DTLS */
        errno = EPROTONOSUPPORT;
        return -1;
    }
    int fd = libc()->socket(domain, type, IPPROTO_TCP);
    if (fd < 0)
        return -1;
    struct tls_sock *s = tls_sock_new(domain);
    if (s == NULL || fdtable_attach(fd, s) < 0) {
        int e = s ? errno : ENOMEM;
        tls_sock_discard(s);
        libc()->close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* ---- connect ------------------------------------------------------------ */

static void address_text(const struct sockaddr *sa, char *out, size_t len)
{
    const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                                              : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
    if (inet_ntop(sa->sa_family, a, out, (socklen_t)len) == NULL)
        out[0] = '\0';
}

/* A fresh TCP socket of `family` in place of descriptor fd, keeping its
 * descriptor flags: the way to try the next address of a name (a TCP socket
 * whose connect failed may not be reused) or one of the other family. */
static int replace_tcp_socket(struct tls_sock *s, int fd, int family)
{
    int fl = libc()->fcntl(fd, F_GETFL);
    int fdfl = libc()->fcntl(fd, F_GETFD);
    int nfd = libc()->socket(family, SOCK_STREAM | (fl >= 0 && (fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0),
                             IPPROTO_TCP);
    if (nfd < 0)
        return -1;
    int r = libc()->dup3(nfd, fd, fdfl >= 0 && (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    int e = errno;
    libc()->close(nfd);
    errno = e;
    if (r < 0)
        return -1;
    s->domain = family;
    atomic_store(&s->io_fd, fd);
    return 0;
}

/* TCP connect to one address; 0 connected, -1 with errno (EINPROGRESS). */
static int tcp_connect(struct tls_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
    char text[INET6_ADDRSTRLEN];
    address_text(sa, text, sizeof text);
    ssa_conn_set_peer_address(s->conn, text);
    int r;
    do {
        r = libc()->connect(fd, sa, len);
    } while (r < 0 && errno == EINTR && !tls_fd_nonblocking(fd));
    return r;
}

static int connect_by_name(struct tls_sock *s, int fd, const struct sockaddr_host *h)
{
    char name[sizeof h->sin_addr.name + 1], port[8];
    memcpy(name, h->sin_addr.name, sizeof h->sin_addr.name);
    name[sizeof h->sin_addr.name] = '\0';
    snprintf(port, sizeof port, "%u", ntohs(h->sin_port));
    if (s->opt.remote_hostname == NULL && (s->opt.remote_hostname = strdup(name)) == NULL)
        return errno = ENOMEM, -1;
    if (ssa_conn_set_hostname(s->conn, s->opt.remote_hostname) != SSA_OK)
        return errno = EINVAL, -1; /* a name the core cannot send: never unchecked */

    /* No AI_ADDRCONFIG: it hides ::1 on hosts whose only IPv6 address is the
     * loopback; an unreachable address just fails and the next is tried. */
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int gai = getaddrinfo(name, port, &hints, &res);
    if (gai != 0) {
        tls_set_error(s, "cannot resolve %s: %s", name, gai_strerror(gai));
        errno = gai == EAI_SYSTEM ? errno : EHOSTUNREACH;
        return -1;
    }
    int r = -1, e = EHOSTUNREACH, tried = 0;
    for (struct addrinfo *ai = res; ai != NULL && r < 0; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if ((tried++ > 0 || ai->ai_family != s->domain) &&
            replace_tcp_socket(s, fd, ai->ai_family) < 0) {
            e = errno;
            continue;
        }
        r = tcp_connect(s, fd, ai->ai_addr, ai->ai_addrlen);
        e = errno;
        if (r < 0 && e == EINPROGRESS)
            break; /* non-blocking: this address is the one we wait for */
    }
    freeaddrinfo(res);
    if (r < 0 && e != EINPROGRESS)
        tls_set_error(s, "TCP connect to %s port %s failed: %s", name, port, strerror(e));
    errno = e;
    return r;
}

static int connect_address(struct tls_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
    if (s->opt.remote_hostname && ssa_conn_set_hostname(s->conn, s->opt.remote_hostname) != SSA_OK)
        return errno = EINVAL, -1;
    int r = tcp_connect(s, fd, sa, len);
    if (r < 0 && errno != EINPROGRESS)
        tls_set_error(s, "TCP connect failed: %s", strerror(errno));
    return r;
}

/* The client side's core objects, from the options set so far. */
static int client_prepare(struct tls_sock *s)
{
    if (tls_build_ctx(s, SSA_ROLE_CLIENT) < 0)
        return -1;
    s->conn = ssa_conn_new(s->ctx);
    if (s->conn == NULL)
        return errno = ENOMEM, -1;
    tls_conn_attach(s, s->conn);
    if (s->opt.session && ssa_conn_session_import(s->conn, s->opt.session, s->opt.session_len) != SSA_OK)
        tls_set_error(s, "the TLS_SESSION given could not be resumed; a full handshake follows");
    return 0;
}

/* State NEW -> TCP connected (HANDSHAKE) or CONNECTING; lock held. */
static int tls_connect_start(struct tls_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
    if (sa == NULL || len < sizeof(sa_family_t))
        return errno = EINVAL, -1;
    bool by_name = sa->sa_family == AF_HOSTNAME;
    if (by_name ? len < sizeof(struct sockaddr_host)
                : (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return errno = by_name ? EINVAL : EAFNOSUPPORT, -1;
    if (client_prepare(s) < 0)
        return -1;
    int r = by_name ? connect_by_name(s, fd, (const struct sockaddr_host *)sa)
                    : connect_address(s, fd, sa, len);
    if (r == 0) {
        s->state = TLS_ST_HANDSHAKE;
        return 0;
    }
    if (errno == EINPROGRESS) {
        s->state = TLS_ST_CONNECTING;
        return 0;
    }
    return tls_fail(s, errno);
}

/* A connect() again while non-blocking: how far along are we? */
static int connect_again(struct tls_sock *s)
{
    switch (s->state) {
    case TLS_ST_CONNECTED:
        return errno = EISCONN, -1;
    case TLS_ST_FAILED:
        return errno = s->fail_errno, -1;
    case TLS_ST_LISTENING:
        return errno = EINVAL, -1;
    default:
        return errno = EALREADY, -1;
    }
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct tls_sock *s = tls_sock_get(fd);
    if (s == NULL)
        return libc()->connect(fd, sa, len);
    pthread_mutex_lock(&s->lock);
    int r = s->state == TLS_ST_NEW ? tls_connect_start(s, fd, sa, len) : connect_again(s);
    pthread_mutex_unlock(&s->lock);
    bool nonblock = tls_fd_nonblocking(fd);
    if (r == 0) {
        r = tls_handshake(s, nonblock);
        if (r < 0 && errno == EAGAIN)
            errno = EINPROGRESS;
    } else if (errno == EALREADY) {
        /* Drive it one step: the application may poll or call connect. */
        r = tls_handshake(s, true);
        if (r < 0 && errno == EAGAIN)
            errno = EALREADY;
    }
    int e = errno;
    tls_sock_put(s);
    errno = e;
    return r;
}

/* ---- listen ------------------------------------------------------------- */

static bool server_has_key(const struct tls_sock *s)
{
    if (s->opt.certificate_chain)
        return true;
    const ssa_policy *p = ssa_ctx_policy(s->ctx);
    return p->server_certificate && p->server_certificate[0] && p->server_private_key &&
           p->server_private_key[0];
}

static int tls_listen(struct tls_sock *s, int fd, int backlog)
{
    if (s->state != TLS_ST_NEW && s->state != TLS_ST_LISTENING)
        return errno = s->state == TLS_ST_FAILED ? EBADFD : EINVAL, -1;
    if (s->state == TLS_ST_NEW) {
        if (tls_build_ctx(s, SSA_ROLE_SERVER) < 0)
            return -1;
        if (!server_has_key(s)) {
            tls_set_error(s, "a TLS server needs a certificate and key: set TLS_CERTIFICATE_CHAIN "
                             "and TLS_PRIVATE_KEY, or policy's server_certificate and "
                             "server_private_key");
            return errno = ENOKEY, -1;
        }
    }
    if (libc()->listen(fd, backlog) < 0)
        return -1;
    s->state = TLS_ST_LISTENING;
    return 0;
}

int listen(int fd, int backlog)
{
    struct tls_sock *s = tls_sock_get(fd);
    if (s == NULL)
        return libc()->listen(fd, backlog);
    pthread_mutex_lock(&s->lock);
    int r = tls_listen(s, fd, backlog);
    int e = errno;
    pthread_mutex_unlock(&s->lock);
    tls_sock_put(s);
    errno = e;
    return r;
}

/* ---- accept ------------------------------------------------------------- */

/* The TLS side of a freshly accepted descriptor. */
static struct tls_sock *server_conn_new(struct tls_sock *listener, int nfd)
{
    struct tls_sock *c = tls_sock_new(listener->domain);
    if (c == NULL)
        return NULL;
    c->server = true;
    c->state = TLS_ST_HANDSHAKE;
    c->ctx = ssa_ctx_ref(listener->ctx);
    c->conn = ssa_conn_new(c->ctx);
    if (c->conn == NULL || fdtable_attach(nfd, c) < 0) {
        tls_sock_discard(c);
        return NULL;
    }
    tls_conn_attach(c, c->conn);
    return c;
}

/* Blocking accept: the handshake runs now; a client that fails it is
 * dropped with ECONNABORTED (POSIX's word for "a connection was aborted"),
 * its reason readable through TLS_ERROR on the listening socket. */
static int accept_handshake(struct tls_sock *listener, struct tls_sock *c, int nfd)
{
    if (tls_handshake(c, false) == 0)
        return nfd;
    pthread_mutex_lock(&listener->lock);
    tls_set_error(listener, "a client's handshake failed: %s", c->err[0] ? c->err : strerror(errno));
    pthread_mutex_unlock(&listener->lock);
    close(nfd);
    errno = ECONNABORTED;
    return -1;
}

static int tls_accept(struct tls_sock *s, int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    pthread_mutex_lock(&s->lock);
    enum tls_state st = s->state;
    pthread_mutex_unlock(&s->lock);
    if (st != TLS_ST_LISTENING)
        return errno = EINVAL, -1;
    int nfd = libc()->accept4(fd, sa, len, flags);
    if (nfd < 0)
        return -1;
    struct tls_sock *c = server_conn_new(s, nfd);
    if (c == NULL) {
        libc()->close(nfd);
        return errno = ENOMEM, -1;
    }
    /* Non-blocking: the handshake completes as the application polls,
     * reads or writes the new descriptor. */
    if ((flags & SOCK_NONBLOCK) || tls_fd_nonblocking(fd))
        return nfd;
    return accept_handshake(s, c, nfd);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    struct tls_sock *s = tls_sock_get(fd);
    if (s == NULL)
        return libc()->accept4(fd, sa, len, flags);
    int r = tls_accept(s, fd, sa, len, flags);
    int e = errno;
    tls_sock_put(s);
    errno = e;
    return r;
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
    return accept4(fd, sa, len, 0);
}
