/*
 * ssa-event: an event-driven HTTPS server on epoll, the paper's "ws-event"
 * (ported there in 5 lines). It is an ordinary non-blocking epoll web
 * server; the lines marked "SSA:" are all that make it speak TLS (the
 * header, IPPROTO_TLS, the certificate chain and the key), plus the
 * TLS_ERROR string in report() so that a refused handshake says why.
 *
 *   ssa-event [-b ADDR] [-d DIR] [-n N] PORT CERT_CHAIN PRIVATE_KEY
 *
 * Serves a fixed page, or with -d the files under DIR ("/" is index.html),
 * to any number of concurrent clients, one request per connection
 * (Connection: close). -n N: exit after N responses (tests use it).
 *
 * Every descriptor is non-blocking and watched level-triggered; each
 * event is handled until the call says EAGAIN, so a request or response that
 * arrives or leaves in pieces simply waits for the next event.
 */
#define _GNU_SOURCE /* accept4 */
#include <ssa/ssa.h> /* SSA: */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQUEST_MAX 8192
#define FILE_MAX (64L * 1024 * 1024)
#define MAX_EVENTS 64

static const char fixed_page[] =
    "<!DOCTYPE html>\n<html><head><title>ssa-event</title></head>\n"
    "<body><h1>Hello from ssa-event</h1>\n"
    "<p>This page came over TLS from an epoll server using the Secure Socket API.</p>\n"
    "</body></html>\n";

struct conn {
    int fd;
    char in[REQUEST_MAX];
    size_t in_len;
    char *out; /* head and body, malloc'd */
    size_t out_len, out_off;
};

struct server {
    int epfd, lfd;
    const char *dir; /* NULL: the fixed page */
    long limit;      /* responses before exiting; negative: forever */
    long served;
};

static void report(int fd, const char *what)
{
    int saved = errno;
    char why[512];
    socklen_t len = sizeof why;
    if (fd >= 0 && getsockopt(fd, IPPROTO_TLS, TLS_ERROR, why, &len) == 0 && len > 0 && why[0])  /* SSA: */
        fprintf(stderr, "ssa-event: %s: %s\n", what, why);
    else
        fprintf(stderr, "ssa-event: %s: %s\n", what, strerror(saved));
}

/* ---- the listener ------------------------------------------------------ */

/* Our certificate chain or key, by path (the paper's option; the library
 * reads the file). */
static int set_tls_file(int fd, int option, const char *path)
{
    return setsockopt(fd, IPPROTO_TLS, option, path, (socklen_t)strlen(path) + 1); /* SSA: */
}

static int open_listener(const char *addr_text, int port, const char *chain, const char *key)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (inet_pton(AF_INET, addr_text, &addr.sin_addr) != 1) {
        fprintf(stderr, "ssa-event: bad IPv4 address %s\n", addr_text);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TLS); /* SSA: */
    if (fd < 0) {
        report(-1, "socket");
        return -1;
    }
    int one = 1;
    const char *failed = NULL;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        failed = "bind";
    else if (set_tls_file(fd, TLS_CERTIFICATE_CHAIN, chain) < 0) /* SSA: */
        failed = "TLS_CERTIFICATE_CHAIN";
    else if (set_tls_file(fd, TLS_PRIVATE_KEY, key) < 0) /* SSA: */
        failed = "TLS_PRIVATE_KEY";
    else if (listen(fd, SOMAXCONN) < 0)
        failed = "listen";
    if (!failed)
        return fd;
    report(fd, failed);
    close(fd);
    return -1;
}

/* ---- connections ------------------------------------------------------- */

static void conn_close(struct server *s, struct conn *c)
{
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd); /* close_notify and teardown */
    free(c->out);
    free(c);
}

static int watch(struct server *s, struct conn *c, int op, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(s->epfd, op, c->fd, &ev);
}

/* Take every pending connection. With IPPROTO_TLS a connection whose
 * handshake fails is reported and dropped; the others are unaffected. */
static void accept_all(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            report(s->lfd, "accept");
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                return; /* retrying at once would spin; the next event retries */
            continue;
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        if (watch(s, c, EPOLL_CTL_ADD, EPOLLIN | EPOLLRDHUP) < 0) {
            report(-1, "epoll_ctl");
            conn_close(s, c);
        }
    }
}

/* ---- HTTP -------------------------------------------------------------- */

static int set_response(struct conn *c, const char *status, const char *type,
                        const char *body, size_t body_len, int head_only)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nServer: ssa-event\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, type, body_len);
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    size_t total = (size_t)n + (head_only ? 0 : body_len);
    c->out = malloc(total);
    if (!c->out)
        return -1;
    memcpy(c->out, head, (size_t)n);
    if (!head_only)
        memcpy(c->out + n, body, body_len);
    c->out_len = total;
    return 0;
}

static int set_error(struct conn *c, const char *status)
{
    char body[128];
    int n = snprintf(body, sizeof body, "%s\n", status);
    return set_response(c, status, "text/plain", body, (size_t)n, 0);
}

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
        return "text/html";
    if (dot && strcmp(dot, ".txt") == 0)
        return "text/plain";
    return "application/octet-stream";
}

/* Read a whole file (regular files only, at most FILE_MAX). */
static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= FILE_MAX &&
        (buf = malloc((size_t)st.st_size + 1)) != NULL) {
        size_t got = 0;
        ssize_t n;
        while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
            got += (size_t)n;
        *len = got;
    }
    close(fd);
    return buf;
}

static int serve_file(const struct server *s, struct conn *c, const char *path, int head_only)
{
    /* Nothing outside DIR: no "..", and the path is always relative to it. */
    if (strstr(path, ".."))
        return set_error(c, "403 Forbidden");
    char full[4096];
    int n = snprintf(full, sizeof full, "%s/%s", s->dir,
                     strcmp(path, "/") == 0 ? "index.html" : path + 1);
    if (n < 0 || (size_t)n >= sizeof full)
        return set_error(c, "414 URI Too Long");
    size_t len = 0;
    char *body = slurp(full, &len);
    if (!body)
        return set_error(c, "404 Not Found");
    int rc = set_response(c, "200 OK", content_type(full), body, len, head_only);
    free(body);
    return rc;
}

/* The request head is complete: decide the response. */
static int handle_request(const struct server *s, struct conn *c)
{
    char method[16], path[2048];
    if (sscanf(c->in, "%15s %2047s HTTP/1.%*d", method, path) != 2 || path[0] != '/')
        return set_error(c, "400 Bad Request");
    int head_only = strcmp(method, "HEAD") == 0;
    if (!head_only && strcmp(method, "GET") != 0)
        return set_error(c, "405 Method Not Allowed");
    char *query = strchr(path, '?');
    if (query)
        *query = '\0';
    if (s->dir)
        return serve_file(s, c, path, head_only);
    return set_response(c, "200 OK", "text/html", fixed_page, sizeof fixed_page - 1, head_only);
}

/* ---- I/O --------------------------------------------------------------- */

/* Send what is left. 1: all sent, 0: wait for EPOLLOUT, -1: give up. */
static int flush_out(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            report(c->fd, "send");
            return -1;
        }
        c->out_off += (size_t)n;
    }
    return 1;
}

static void finish_or_wait(struct server *s, struct conn *c)
{
    int rc = flush_out(c);
    if (rc == 0 && watch(s, c, EPOLL_CTL_MOD, EPOLLOUT) == 0)
        return;
    if (rc > 0)
        s->served++;
    conn_close(s, c);
}

/* Read until EAGAIN (so nothing stays buffered where epoll cannot see it)
 * or until the request head is complete. */
static void on_readable(struct server *s, struct conn *c)
{
    for (;;) {
        size_t room = sizeof c->in - 1 - c->in_len;
        if (room == 0) {
            if (set_error(c, "431 Request Header Fields Too Large") < 0)
                break;
            finish_or_wait(s, c);
            return;
        }
        ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) { /* EOF before a whole request, or an error */
            if (n < 0)
                report(c->fd, "recv");
            break;
        }
        c->in_len += (size_t)n;
        c->in[c->in_len] = '\0';
        if (strstr(c->in, "\r\n\r\n")) {
            if (handle_request(s, c) < 0)
                break;
            finish_or_wait(s, c);
            return;
        }
    }
    conn_close(s, c);
}

static void on_event(struct server *s, struct conn *c, uint32_t events)
{
    if (c->out) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            finish_or_wait(s, c);
        return;
    }
    /* Readable, or hung up: recv tells which, and drains what is left. */
    on_readable(s, c);
}

static int run(struct server *s)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) < 0) {
        report(-1, "epoll_ctl");
        return -1;
    }
    struct epoll_event events[MAX_EVENTS];
    while (s->limit < 0 || s->served < s->limit) {
        int n = epoll_wait(s->epfd, events, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            report(-1, "epoll_wait");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL)
                accept_all(s);
            else
                on_event(s, events[i].data.ptr, events[i].events);
        }
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: ssa-event [-b ADDR] [-d DIR] [-n N] PORT CERT_CHAIN PRIVATE_KEY\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct server s = {.epfd = -1, .lfd = -1, .limit = -1};
    const char *bind_addr = "127.0.0.1";
    int opt;
    while ((opt = getopt(argc, argv, "b:d:n:")) != -1) {
        switch (opt) {
        case 'b': bind_addr = optarg; break;
        case 'd': s.dir = optarg; break;
        case 'n': s.limit = strtol(optarg, NULL, 10); break;
        default: return usage();
        }
    }
    if (argc - optind != 3)
        return usage();
    /* A client that leaves mid-response is that connection's problem. */
    signal(SIGPIPE, SIG_IGN);

    s.lfd = open_listener(bind_addr, atoi(argv[optind]), argv[optind + 1], argv[optind + 2]);
    if (s.lfd < 0)
        return 1;
    s.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s.epfd < 0) {
        report(-1, "epoll_create1");
        return 1;
    }
    int rc = run(&s);
    fprintf(stderr, "ssa-event: served %ld responses\n", s.served);
    close(s.epfd);
    close(s.lfd);
    return rc < 0 ? 1 : 0;
}
