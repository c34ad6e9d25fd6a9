/*
 * libssl-compat: the private shape of OpenSSL's opaque libssl types, and the
 * helpers the family files share.
 *
 * Header wall (DESIGN.md section 2): OpenSSL's headers and <ssa/core.h> only.
 *
 * Ownership:
 *   SSL_CTX  reference-counted (atomic), shared across threads. Settings the
 *            application makes are accumulated here (requests, trust paths,
 *            certificate and key as real libcrypto objects, ALPN) and turned
 *            into an ssa_ctx per role lazily, at the first handshake of that
 *            role; a later setter bumps `gen` so the next handshake builds a
 *            fresh ssa_ctx (the core freezes a ctx at its first connection).
 *   SSL      reference-counted (atomic), used by one thread at a time. Holds
 *            a reference on its SSL_CTX, owns its BIOs as OpenSSL's
 *            SSL_set_bio rules say, and its ssa_conn (created at the first
 *            handshake step, when the role is known).
 *   SSL_CIPHER  borrowed: a pointer into the core's static cipher table.
 *   SSL_SESSION reference-counted (atomic): the core's exported session
 *            blob (session.c); an SSL holds one reference on its own.
 */
#ifndef SSL_COMPAT_INTERNAL_H
#define SSL_COMPAT_INTERNAL_H

/* We implement deprecated entry points (SSL_get_peer_certificate, ...) too;
 * their declarations must not trip -Werror. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "ssa/core.h"

/* Frontend name in the audit log. */
#define COMPAT_FRONTEND "libssl"

/* What the application asked for, with owned copies of its strings. Both
 * SSL_CTX and SSL hold one; SSL_new copies the context's. */
typedef struct compat_request {
    ssa_request req;            /* string members point at the copies below */
    char *tls12_ciphers;
    char *tls13_ciphersuites;
    char *groups;
    char *sigalgs;
    uint64_t options;
    uint32_t mode;
    int verify_mode;            /* SSL_VERIFY_* */
    SSL_verify_cb verify_cb;
} compat_request;

struct ssl_ctx_st {
    atomic_int refs;
    const SSL_METHOD *method;
    pthread_mutex_t lock;       /* guards core[], core_gen[], gen */
    compat_request rq;
    long sess_cache_mode;
    pem_password_cb *passwd_cb; /* for encrypted key files */
    void *passwd_arg;
    /* Application trust anchors: loaded into `store` by libcrypto (so that
     * errors are OpenSSL's own) and remembered as paths for the core. */
    X509_STORE *store;
    char **trust_files;
    size_t n_trust_files;
    char **trust_dirs;
    size_t n_trust_dirs;
    /* Own certificate, chain and key: real libcrypto objects. */
    X509 *cert;
    STACK_OF(X509) *chain;
    EVP_PKEY *key;
    unsigned char *alpn;        /* wire format */
    size_t alpn_len;
    unsigned gen;               /* bumped by every setter the core sees */
    ssa_ctx *core[2];           /* by ssa_role; NULL until first needed */
    unsigned core_gen[2];
    int core_anchors[2];        /* store certificates the core got */
    CRYPTO_EX_DATA ex_data;
    /* Callbacks and records (ssl_ctx.c, session.c; see there for which the
     * core can honour). */
    int (*new_session_cb)(SSL *, SSL_SESSION *);
    void (*keylog_cb)(const SSL *, const char *);
    void (*msg_cb)(int, int, int, const void *, size_t, SSL *, void *);
    void *msg_cb_arg;
    STACK_OF(X509_NAME) *client_ca;
    bool post_handshake_auth;
    /* SSL_CTX_set1_param: the verification parameters as honoured (flags
     * that would weaken verification already removed); SSL_new takes its
     * first host as the SSL's verify name. */
    X509_VERIFY_PARAM *param;
    size_t num_tickets;         /* SSL_CTX_set_num_tickets: as asked */
    /* The administrator's trust store as libcrypto objects, loaded on the
     * first SSL_get0_verified_chain that needs its anchor (ssl.c). */
    X509_STORE *policy_store;
};

/* SSL_METHOD is opaque too: ours only says which roles it allows. */
struct ssl_method_st {
    int version;                /* TLS_ANY_VERSION, or DTLS_ANY_VERSION */
    bool client, server;
    bool dtls;                  /* the core has no DTLS: SSL_CTX_new fails */
};

struct ssl_st {
    atomic_int refs;
    SSL_CTX *ctx;
    int role;                   /* ssa_role, or -1 until a state is set */
    compat_request rq;
    char *sni;                  /* SSL_set_tlsext_host_name */
    char *verify_host;          /* SSL_set1_host */
    BIO *rbio, *wbio;
    ssa_conn *conn;
    ssa_status last;            /* of the last I/O or handshake call */
    int last_ret;
    bool shutdown_sent;
    STACK_OF(X509) *peer_chain; /* SSL_get_peer_cert_chain: made once, owned */
    CRYPTO_EX_DATA ex_data;
    int core_anchors;           /* store certificates its connection has:
                                 * its ssa_ctx's, or handed to the
                                 * connection itself (ssl.c) */
    SSL_SESSION *session;       /* set (to resume) or, once captured, current */
    bool session_captured;      /* this connection's session was exported */
    /* Added for python's _ssl (see ssl.c and cipher.c for which the core
     * honours). */
    X509_VERIFY_PARAM *param;   /* SSL_get0_param: a copy of the context's */
    STACK_OF(SSL_CIPHER) *ciphers;   /* SSL_get_ciphers, cached */
    STACK_OF(X509) *verified_chain;  /* SSL_get0_verified_chain, made once */
    STACK_OF(X509) *seen_chain; /* what the verify hook saw, top first */
    bool seen_chain_ok;         /* and every certificate of it passed */
    bool seen_chain_done;       /* the leaf came: the next call starts over */
    bool post_handshake_auth;   /* SSL_set_post_handshake_auth: recorded */
    int read_ahead;             /* SSL_set_read_ahead: recorded */
    void (*msg_cb)(int, int, int, const void *, size_t, SSL *, void *);
};

/* A client session: the core's exported blob, reference-counted. */
struct ssl_session_st {
    atomic_int refs;
    unsigned char *blob;        /* malloc()ed by the core */
    size_t len;
    /* SSL_SESSION_get_id's answer, copied from the blob when made. */
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int id_len;
};

/* The core keeps its table; SSL_CIPHER* is a view of one entry. */
struct ssl_cipher_st {
    ssa_cipher_info info;
};

/* err.c: push an error under ERR_LIB_SSL with optional data text. */
void compat_err(int reason, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define COMPAT_ERR(reason) compat_err((reason), __func__, NULL)
#define COMPAT_ERR_MSG(reason, ...) compat_err((reason), __func__, __VA_ARGS__)
/* Push the error matching a failed core call on `s` (none for WANT_*). */
void compat_err_status(const SSL *s, ssa_status st, const char *func);
void compat_load_strings(void);

/* Our reasons where OpenSSL has none, above every SSL_R_* OpenSSL 3
 * defines (its alert reasons reach 1120), so that programs which name
 * reasons from OpenSSL's table (python's "[SSL: ...]") never misname
 * ours. */
#define COMPAT_R_POLICY_REFUSED 1900
#define COMPAT_R_PROTOCOL_FAILURE 1901
#define COMPAT_R_CORE_FAILURE 1902
/* err.c: reasons made at run time, one per sentence, from here on. */
#define COMPAT_R_EXPLAINED_FIRST 1910
_Static_assert(COMPAT_R_POLICY_REFUSED > SSL_AD_REASON_OFFSET + 255,
               "our reasons must not collide with OpenSSL's alert reasons");

/* ssl_ctx.c */
int compat_request_copy(compat_request *dst, const compat_request *src);
void compat_request_clear(compat_request *rq);
int compat_set_string(char **slot, const char **req_slot, const char *value);
/* Merge a request with the current policy without side effects: what the
 * getters report. Returns SSA_OK with *out filled. */
ssa_status compat_effective(const compat_request *rq, bool server, ssa_settings *out,
                            char *err, size_t errlen);
/* The ssa_ctx for `role`, built from the context's settings (rebuilt when
 * a setter ran or the X509_STORE's certificates changed): new ref;
 * *anchors says how many store certificates it got as trust anchors. */
ssa_ctx *compat_ctx_core(SSL_CTX *ctx, ssa_role role, int *anchors);
/* How many certificates an X509_STORE holds (0 for NULL). */
int compat_store_certs(X509_STORE *store);
/* Each certificate of `store` (may be NULL) as DER to fn, under the store's
 * lock, until fn fails; *count says how many there were. */
typedef ssa_status (*compat_der_fn)(void *arg, const unsigned char *der, size_t len);
ssa_status compat_store_each_der(X509_STORE *store, compat_der_fn fn, void *arg, int *count);
/* The request as the core sees it: options folded into versions etc. */
void compat_request_effective(const compat_request *rq, ssa_request *out);

/* bio.c: route the core's transport through the SSL's BIOs. */
ssa_status compat_bio_attach(SSL *s);

/* ssl.c: create the ssa_conn if needed; 1 on success, 0 with an error. */
int compat_ssl_start(SSL *s, int reason_if_no_role);
/* Certificates that reached the X509_STORE after this connection's core
 * context was built (curl loads its CA file once its ClientHello is out)
 * go to the connection before the peer's certificate is examined: they
 * replace policy's store for it, as they would have at the context
 * (DESIGN.md section 4). Called before each handshake step and after each
 * read from the rbio. */
void compat_hand_late_anchors(SSL *s);
/* ssl.c: hand the name an SSL's X509_VERIFY_PARAM asks for (host or IP
 * address) to its connection, after removing flags that would weaken
 * verification (audited). */
ssa_status compat_param_apply(SSL *s);

/* X509_VERIFY_PARAM flags that would weaken verification: never honoured. */
#define COMPAT_WEAKENING_VERIFY_FLAGS (X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME | \
                                       X509_V_FLAG_IGNORE_CRITICAL | X509_V_FLAG_ALLOW_PROXY_CERTS)

/* session.c: hand a set session to the new connection (before its
 * handshake); capture the connection's session after a handshake or a
 * read (TLS 1.3 tickets come after the handshake) and give it to the
 * context's new-session callback. Neither touches the error queue. */
void compat_session_offer(SSL *s);
void compat_session_capture(SSL *s, bool after_read);

#endif
