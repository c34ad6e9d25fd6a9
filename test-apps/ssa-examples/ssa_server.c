/*
 * ssa_server: the paper's server example (O'Neill et al., USENIX Security
 * 2018), as plain POSIX socket code plus <ssa/ssa.h>.
 *
 *   ssa_server [-b ADDR] [-n N] PORT CERT_CHAIN PRIVATE_KEY
 *
 * Binds ADDR:PORT (default 127.0.0.1), hands the library its certificate
 * chain and key with setsockopt, and answers each connection's request with
 * "HTTP/1.1 200 OK" and a body naming the negotiated TLS version and the
 * SNI name the client sent. Serves forever, or N connections with -n.
 * A handshake that fails costs that one connection, never the server.
 */
#include <ssa/ssa.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define REQUEST_MAX 8192
#define CLIENT_TIMEOUT_S 10

static void report(int fd, const char *what)
{
    int saved = errno;
    char why[512];
    socklen_t len = sizeof why;
    if (fd >= 0 && getsockopt(fd, IPPROTO_TLS, TLS_ERROR, why, &len) == 0 && len > 0 && why[0])
        fprintf(stderr, "ssa_server: %s: %s\n", what, why);
    else
        fprintf(stderr, "ssa_server: %s: %s\n", what, strerror(saved));
}

static int set_path(int fd, int option, const char *name, const char *path)
{
    if (setsockopt(fd, IPPROTO_TLS, option, path, (socklen_t)strlen(path) + 1) == 0)
        return 0;
    report(fd, name);
    return -1;
}

/* The paper's order: socket, bind, certificate and key, listen. */
static int open_listener(const char *addr_text, int port, const char *chain, const char *key)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (inet_pton(AF_INET, addr_text, &addr.sin_addr) != 1) {
        fprintf(stderr, "ssa_server: bad IPv4 address %s\n", addr_text);
        return -1;
    }
    int fd = socket(PF_INET, SOCK_STREAM, IPPROTO_TLS);
    if (fd < 0) {
        report(-1, "socket");
        return -1;
    }
    int one = 1;
    /* Restarting the server must not wait out TIME_WAIT. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        report(fd, "bind");
        close(fd);
        return -1;
    }
    if (set_path(fd, TLS_CERTIFICATE_CHAIN, "TLS_CERTIFICATE_CHAIN", chain) < 0 ||
        set_path(fd, TLS_PRIVATE_KEY, "TLS_PRIVATE_KEY", key) < 0) {
        close(fd);
        return -1;
    }
    if (listen(fd, SOMAXCONN) < 0) {
        report(fd, "listen");
        close(fd);
        return -1;
    }
    /* One client at a time: a client that stalls (in its handshake, which
     * accept() runs, or its request) must not hold the server forever.
     * Accepted sockets inherit the timeout; accept() itself then wakes up
     * every CLIENT_TIMEOUT_S seconds with EAGAIN. */
    struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Read until the end of the request head (or EOF, or a full buffer): enough
 * for a GET, and it keeps the reply from racing the client's request. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            report(fd, "recv");
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

static const char *version_name(int v)
{
    switch (v) {
    case TLS_1_0: return "TLSv1.0";
    case TLS_1_1: return "TLSv1.1";
    case TLS_1_2: return "TLSv1.2";
    case TLS_1_3: return "TLSv1.3";
    default: return "unknown";
    }
}

/* The facts the body reports. No SNI is a normal answer, not an error. */
static void connection_facts(int fd, char *version, size_t vlen, char *sni, size_t slen)
{
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, IPPROTO_TLS, TLS_VERSION_NEGOTIATED, &v, &len) < 0)
        v = 0;
    snprintf(version, vlen, "%s", version_name(v));
    socklen_t sl = (socklen_t)slen;
    if (getsockopt(fd, IPPROTO_TLS, TLS_HOSTNAME, sni, &sl) < 0 || sl == 0 || !sni[0])
        snprintf(sni, slen, "-");
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            report(fd, "send");
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void serve(int c_fd)
{
    char request[REQUEST_MAX];
    if (read_request(c_fd, request, sizeof request) < 0)
        return;
    char version[32], sni[256], body[512], response[1024];
    connection_facts(c_fd, version, sizeof version, sni, sizeof sni);
    int blen = snprintf(body, sizeof body, "Hello from ssa_server\nversion: %s\nsni: %s\n",
                        version, sni);
    int rlen = snprintf(response, sizeof response,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                        blen, body);
    if (rlen > 0 && (size_t)rlen < sizeof response)
        send_all(c_fd, response, (size_t)rlen);
}

static int usage(void)
{
    fprintf(stderr, "usage: ssa_server [-b ADDR] [-n N] PORT CERT_CHAIN PRIVATE_KEY\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *bind_addr = "127.0.0.1";
    long count = -1; /* forever */
    int opt;
    while ((opt = getopt(argc, argv, "b:n:")) != -1) {
        if (opt == 'b')
            bind_addr = optarg;
        else if (opt == 'n')
            count = strtol(optarg, NULL, 10);
        else
            return usage();
    }
    if (argc - optind != 3)
        return usage();
    /* A client that hangs up mid-reply must not kill the server. */
    signal(SIGPIPE, SIG_IGN);

    int fd = open_listener(bind_addr, atoi(argv[optind]), argv[optind + 1], argv[optind + 2]);
    if (fd < 0)
        return 1;
    for (long served = 0; count < 0 || served < count;) {
        struct sockaddr_storage addr;
        socklen_t addr_len = sizeof addr;
        /* Accept the client and run the TLS handshake with our chain. */
        int c_fd = accept(fd, (struct sockaddr *)&addr, &addr_len);
        if (c_fd < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue; /* no client yet */
        served++; /* a refused handshake counts: -n bounds the attempts */
        if (c_fd < 0) {
            report(fd, "accept");
            continue;
        }
        serve(c_fd);
        close(c_fd);
    }
    close(fd);
    return 0;
}
