/*
 * A small netcat, in two versions that differ only in the lines marked
 * "SSA:" (compare them with `diff tcp-nc.c ssa-nc.c`):
 *
 *   tcp-nc.c  the plain TCP netcat, written first;
 *   ssa-nc.c  the same program ported to the Secure Socket API: TLS, with
 *             certificate and hostname validation under the administrator's
 *             policy. The port changed 18 lines (the paper ported netcat in
 *             5): 7 for TLS itself (the header; IPPROTO_TLS in the one
 *             socket() call; the server's name, TLS_REMOTE_HOSTNAME, before
 *             connect(); the listener's certificate chain and key, and a
 *             warning when they are refused), 6 for the --cert and --key
 *             options, and 5 to print the library's reason (TLS_ERROR) instead
 *             of strerror() when a call fails.
 *
 *   nc [-N] HOST PORT                               connect
 *   nc -l [-N] [-s ADDR] PORT [--cert C --key K]    accept one connection
 *
 * Copies stdin to the connection and the connection to stdout, with poll().
 * Exits when the peer closes. -N: after EOF on stdin, shut the connection
 * down for writing (under TLS: send close_notify), so the peer sees EOF.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <ssa/ssa.h> /* SSA: */

/* One TLS record's worth of plaintext, so a recv never leaves part of a
 * record behind where poll() cannot see it. */
#define BUF_SIZE 16384

struct options {
    int listen;
    int shutdown_on_eof;
    const char *source;
    const char *host;
    const char *port;
    const char *cert, *key; /* SSA: */
};

static const char *progname = "nc";

static void warn_sock(int fd, const char *what)
{
    int saved = errno;
    char why[512] = "";         /* SSA: the library says why, in words */
    socklen_t len = sizeof why; /* SSA: */
    if (fd < 0 || getsockopt(fd, IPPROTO_TLS, TLS_ERROR, why, &len) < 0 || !why[0]) /* SSA: */
        snprintf(why, sizeof why, "%s", strerror(saved));                          /* SSA: */
    fprintf(stderr, "%s: %s: %s\n", progname, what, why);                          /* SSA: */
}

/* socket() for one address; the only place a socket is made. */
static int make_socket(const struct addrinfo *ai)
{
    return socket(ai->ai_family, ai->ai_socktype, IPPROTO_TLS); /* SSA: */
}

static int open_client(const struct options *o)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int rc = getaddrinfo(o->host, o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", progname, o->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = make_socket(ai);
        if (fd < 0)
            continue;
        if (setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, o->host, strlen(o->host) + 1) == 0 && /* SSA: */
            connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)                                    /* SSA: */
            break;
        warn_sock(fd, "connect");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Bind, listen, and take one connection; the listener is not needed after. */
static int accept_one(int lfd)
{
    if (listen(lfd, 1) < 0) {
        warn_sock(lfd, "listen");
        return -1;
    }
    int fd;
    do
        fd = accept(lfd, NULL, NULL);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        warn_sock(lfd, "accept");
    return fd;
}

static int open_server(const struct options *o)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *res;
    int rc = getaddrinfo(o->source, o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", progname, o->source ? o->source : "*", gai_strerror(rc));
        return -1;
    }
    int lfd = -1, one = 1;
    for (struct addrinfo *ai = res; ai && lfd < 0; ai = ai->ai_next) {
        lfd = make_socket(ai);
        if (lfd < 0)
            continue;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(lfd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        warn_sock(lfd, "bind");
        close(lfd);
        lfd = -1;
    }
    freeaddrinfo(res);
    if (lfd < 0)
        return -1;
    if ((o->cert && setsockopt(lfd, IPPROTO_TLS, TLS_CERTIFICATE_CHAIN, o->cert, strlen(o->cert) + 1) < 0) || /* SSA: */
        (o->key && setsockopt(lfd, IPPROTO_TLS, TLS_PRIVATE_KEY, o->key, strlen(o->key) + 1) < 0))          /* SSA: */
        warn_sock(lfd, "certificate"); /* SSA: listen() then fails, and says why */
    int fd = accept_one(lfd);
    close(lfd);
    return fd;
}

static int write_all(int fd, const char *buf, size_t len, int is_socket)
{
    while (len > 0) {
        ssize_t n = is_socket ? send(fd, buf, len, 0) : write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Connection -> stdout. Returns 1 at EOF, 0 to go on, -1 on error. */
static int pump_in(int fd, char *buf)
{
    ssize_t n = recv(fd, buf, BUF_SIZE, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n < 0) {
        warn_sock(fd, "recv");
        return -1;
    }
    if (n == 0)
        return 1;
    if (write_all(STDOUT_FILENO, buf, (size_t)n, 0) < 0) {
        warn_sock(-1, "write");
        return -1;
    }
    return 0;
}

/* stdin -> connection. Returns 1 at EOF on stdin, 0 to go on, -1 on error. */
static int pump_out(int fd, char *buf, int shutdown_on_eof)
{
    ssize_t n = read(STDIN_FILENO, buf, BUF_SIZE);
    if (n < 0 && errno == EINTR)
        return 0;
    if (n < 0) {
        warn_sock(-1, "read");
        return -1;
    }
    if (n == 0) {
        if (shutdown_on_eof && shutdown(fd, SHUT_WR) < 0)
            warn_sock(fd, "shutdown");
        return 1;
    }
    if (write_all(fd, buf, (size_t)n, 1) < 0) {
        warn_sock(fd, "send");
        return -1;
    }
    return 0;
}

static int copy_loop(int fd, int shutdown_on_eof)
{
    static char buf[BUF_SIZE];
    struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            warn_sock(-1, "poll");
            return -1;
        }
        if (p[1].revents) {
            int rc = pump_in(fd, buf);
            if (rc != 0)
                return rc < 0 ? -1 : 0;
        }
        if (p[0].revents) {
            int rc = pump_out(fd, buf, shutdown_on_eof);
            if (rc < 0)
                return -1;
            if (rc > 0)
                p[0].fd = -1; /* poll ignores negative descriptors */
        }
    }
}

static int usage(void)
{
    fprintf(stderr,
            "usage: %s [-N] HOST PORT\n"
            "       %s -l [-N] [-s ADDR] PORT [--cert CHAIN --key KEY]\n", /* SSA: */
            progname, progname);
    return 2;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"listen", no_argument, NULL, 'l'},
        {"cert", required_argument, NULL, 'c'}, /* SSA: */
        {"key", required_argument, NULL, 'k'},  /* SSA: */
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "lNs:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l': o->listen = 1; break;
        case 'N': o->shutdown_on_eof = 1; break;
        case 's': o->source = optarg; break;
        case 'c': o->cert = optarg; break; /* SSA: */
        case 'k': o->key = optarg; break;  /* SSA: */
        default: return -1;
        }
    }
    int need = o->listen ? 1 : 2;
    if (argc - optind != need)
        return -1;
    if (!o->listen)
        o->host = argv[optind++];
    o->port = argv[optind];
    return 0;
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    progname = slash ? slash + 1 : argv[0];
    struct options o = {0};
    if (parse_args(argc, argv, &o) < 0)
        return usage();
    /* A peer that goes away must be an error we report, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    int fd = o.listen ? open_server(&o) : open_client(&o);
    if (fd < 0)
        return 1;
    int rc = copy_loop(fd, o.shutdown_on_eof);
    close(fd);
    return rc < 0 ? 1 : 0;
}
