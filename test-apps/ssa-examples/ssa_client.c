/*
 * ssa_client: the paper's client example (O'Neill et al., USENIX Security
 * 2018), as plain POSIX socket code plus <ssa/ssa.h>.
 *
 *   ssa_client HOST PORT            resolve with getaddrinfo, name the server
 *                                   with TLS_REMOTE_HOSTNAME, connect
 *   ssa_client --by-name HOST PORT  connect to a struct sockaddr_host
 *                                   (AF_HOSTNAME): the library resolves
 *
 * Sends "GET / HTTP/1.1" and copies the response to stdout. Certificate and
 * hostname validation are not this program's business: the administrator's
 * policy (ssa.conf) does them. On failure it prints the TLS_ERROR string
 * and exits 1.
 */
#include <ssa/ssa.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Why the last call on fd failed: the library's words if it has them, else
 * errno's. Called right after the failure, before errno changes. */
static void report(int fd, const char *what)
{
    int saved = errno;
    char why[512];
    socklen_t len = sizeof why;
    if (fd >= 0 && getsockopt(fd, IPPROTO_TLS, TLS_ERROR, why, &len) == 0 && len > 0 && why[0])
        fprintf(stderr, "ssa_client: %s: %s\n", what, why);
    else
        fprintf(stderr, "ssa_client: %s: %s\n", what, strerror(saved));
}

/* The paper's way: an ordinary address from getaddrinfo, and the name to
 * verify (and send as SNI) given with TLS_REMOTE_HOSTNAME. Each address is
 * tried in turn, as any careful client does. */
static int connect_by_address(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "ssa_client: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM, IPPROTO_TLS);
        if (fd < 0) {
            report(-1, "socket");
            continue;
        }
        if (setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, host, (socklen_t)strlen(host) + 1) < 0)
            report(fd, "setsockopt TLS_REMOTE_HOSTNAME");
        else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        else
            report(fd, "connect");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* The paper's other way: the library resolves the name, and the same name
 * is the one sent as SNI and verified. */
static int connect_by_name(const char *host, const char *port)
{
    struct sockaddr_host addr;
    memset(&addr, 0, sizeof addr);
    if (strlen(host) >= sizeof addr.sin_addr.name) {
        fprintf(stderr, "ssa_client: host name too long\n");
        return -1;
    }
    addr.sin_family = AF_HOSTNAME;
    addr.sin_port = htons((unsigned short)atoi(port));
    memcpy(addr.sin_addr.name, host, strlen(host) + 1);

    int fd = socket(PF_INET, SOCK_STREAM, IPPROTO_TLS);
    if (fd < 0) {
        report(-1, "socket");
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        report(fd, "connect");
        close(fd);
        return -1;
    }
    return fd;
}

/* What was negotiated, on stderr so that stdout stays the response. */
static void describe(int fd)
{
    int version = 0;
    socklen_t len = sizeof version;
    char cipher[128] = "";
    socklen_t clen = sizeof cipher;
    if (getsockopt(fd, IPPROTO_TLS, TLS_VERSION_NEGOTIATED, &version, &len) < 0)
        version = 0;
    if (getsockopt(fd, IPPROTO_TLS, TLS_CIPHER_NEGOTIATED, cipher, &clen) < 0)
        cipher[0] = '\0';
    /* Wire versions: 0x0303 is TLS 1.2, 0x0304 TLS 1.3. */
    if (version >= TLS_1_0 && version <= TLS_1_3)
        fprintf(stderr, "ssa_client: connected, TLS 1.%d, %s\n", (version & 0xff) - 1,
                cipher[0] ? cipher : "unknown cipher");
    else
        fprintf(stderr, "ssa_client: connected\n");
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copy the response to stdout until the server closes. */
static int print_response(int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            report(fd, "recv");
            return -1;
        }
        if (n == 0)
            return 0;
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            return -1;
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: ssa_client [--by-name] HOST PORT\n");
    return 2;
}

int main(int argc, char **argv)
{
    int by_name = argc > 1 && strcmp(argv[1], "--by-name") == 0;
    if (argc != 3 + by_name)
        return usage();
    const char *host = argv[1 + by_name], *port = argv[2 + by_name];

    int fd = by_name ? connect_by_name(host, port) : connect_by_address(host, port);
    if (fd < 0)
        return 1;
    describe(fd);

    char request[512];
    int n = snprintf(request, sizeof request,
                     "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
    if (n < 0 || (size_t)n >= sizeof request || send_all(fd, request, (size_t)n) < 0) {
        report(fd, "send");
        close(fd);
        return 1;
    }
    int rc = print_response(fd);
    close(fd); /* close_notify and teardown */
    return rc == 0 ? 0 : 1;
}
