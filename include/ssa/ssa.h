/*
 * The Secure Socket API: TLS through the POSIX socket API.
 *
 *   int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TLS);
 *   setsockopt(fd, IPPROTO_TLS, TLS_REMOTE_HOSTNAME, "example.org", 12);
 *   connect(fd, addr, addrlen);          // TCP, handshake, verification
 *   send(fd, ...); recv(fd, ...); close(fd);
 *
 * Certificate and hostname validation happen under the administrator's
 * policy (/etc/ssa/ssa.conf). Options may raise security, never lower it:
 * a value that would weaken policy fails with EPROTO. See ssa(7).
 *
 * Option numbers 85..96 are those of the original implementation, so that
 * programs written for it compile against this header; ours start at 100.
 */
#ifndef SSA_SSA_H
#define SSA_SSA_H

#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPPROTO_TLS (715 % 255) /* 205 */

/* connect() by name: resolved with getaddrinfo (IPv4 and IPv6), each address
 * tried in turn; the name is also the one sent as SNI and verified. */
#define AF_HOSTNAME 43

struct sockaddr_host {
    sa_family_t sin_family;  /* AF_HOSTNAME */
    unsigned short sin_port; /* network byte order */
    struct {
        unsigned char name[255]; /* NUL-terminated host name */
    } sin_addr;
};

/* The original options (level IPPROTO_TLS). */
#define TLS_REMOTE_HOSTNAME 85           /* set/get: name to verify, sent as SNI */
#define TLS_HOSTNAME 86                  /* get (server): the SNI name the client sent */
#define TLS_TRUSTED_PEER_CERTIFICATES 87 /* set: PEM file of CAs (replaces the store) */
#define TLS_CERTIFICATE_CHAIN 88         /* set: PEM file of our certificate chain */
#define TLS_PRIVATE_KEY 89               /* set: PEM file of our private key */
#define TLS_ALPN 90                      /* set: "h2,http/1.1"; get: the negotiated one */
#define TLS_SESSION_TTL 91               /* set/get: seconds (only shorter than policy's) */
#define TLS_DISABLE_CIPHER 92            /* set: remove one suite (OpenSSL or IANA name) */
#define TLS_PEER_IDENTITY 93             /* get: the peer certificate's subject, one line */
#define TLS_REQUEST_PEER_AUTH 94         /* set (server): ask for a client certificate */
#define TLS_PEER_CERTIFICATE_CHAIN 95    /* get: the peer's chain, PEM */
#define TLS_ID 96                        /* get: this connection's identifier (uint64) */

/* Ours. */
#define TLS_VERSION_MIN 100         /* set/get: int, e.g. TLS_1_3 (only raises policy's) */
#define TLS_VERSION_MAX 101         /* set/get: int (only lowers policy's) */
#define TLS_VERSION_NEGOTIATED 102  /* get: int */
#define TLS_CIPHER_NEGOTIATED 103   /* get: IANA name of the suite */
#define TLS_ERROR 104               /* get: why the last operation failed, in words */
#define TLS_SESSION_RESUMED 105     /* get: int, 1 if the handshake resumed a session */
#define TLS_SESSION_REUSE 106       /* set/get: int, 0 turns session resumption off */
#define TLS_CIPHERSUITES 107        /* set: TLS 1.3 suites, "A:B" (a subset of policy's) */
#define TLS_CIPHER_LIST 108         /* set: TLS 1.2 suites, OpenSSL cipher string */
#define TLS_VERIFY_RESULT 109       /* get: int, OpenSSL's X509_V_* code */
#define TLS_GROUP_NEGOTIATED 110    /* get: group name, e.g. "X25519" */
#define TLS_SESSION 111             /* get/set (client): the session, an opaque blob */
#define TLS_HANDSHAKE_DONE 112      /* get: int */

/* Values for TLS_VERSION_*. */
#define TLS_1_0 0x0301
#define TLS_1_1 0x0302
#define TLS_1_2 0x0303
#define TLS_1_3 0x0304

#ifdef __cplusplus
}
#endif
#endif
