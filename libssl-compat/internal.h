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
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

/* Own certificates, one per key type, as OpenSSL keeps them: a server
 * with an RSA and an ECDSA certificate answers each client with the one
 * it can use (servername.c chooses). */
enum { COMPAT_SLOT_RSA = 0, COMPAT_SLOT_EC, COMPAT_SLOT_OTHER, COMPAT_SLOTS };
typedef struct compat_cert {
    X509 *cert;
    STACK_OF(X509) *chain;
    EVP_PKEY *key;
} compat_cert;

/* Index of the core contexts an SSL_CTX builds: the client's, then one
 * server context per certificate slot. */
#define COMPAT_CORE_CLIENT 0
#define COMPAT_CORE_SERVER(slot) (1 + (slot))
#define COMPAT_CORES (1 + COMPAT_SLOTS)

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
    /* Own certificates, chains and keys: real libcrypto objects, by key
     * type; `cur` is the slot the last certificate or key went to (the
     * one chain commands and the getters address, as in OpenSSL). */
    compat_cert certs[COMPAT_SLOTS];
    int cur;
    unsigned char *alpn;        /* wire format */
    size_t alpn_len;
    unsigned gen;               /* bumped by every setter the core sees */
    ssa_ctx *core[COMPAT_CORES];/* COMPAT_CORE_*; NULL until first needed */
    unsigned core_gen[COMPAT_CORES];
    int core_anchors[COMPAT_CORES]; /* store certificates the core got */
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
    /* Server callbacks, called with the real SSL* from the core's hooks
     * (servername.c, alpn.c, session_cache.c, handshake_callbacks.c). */
    SSL_client_hello_cb_fn client_hello_cb;
    void *client_hello_arg;
    int (*servername_cb)(SSL *, int *, void *);
    void *servername_arg;
    int (*cert_cb)(SSL *, void *);
    void *cert_arg;
    SSL_CTX_alpn_select_cb_func alpn_select_cb;
    void *alpn_select_arg;
    void (*info_cb)(const SSL *, int, int);
    SSL_SESSION *(*sess_get_cb)(SSL *, const unsigned char *, int, int *);
    void (*sess_remove_cb)(SSL_CTX *, SSL_SESSION *);
    unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    size_t sid_ctx_len;
    /* Ticket key callbacks (session_cache.c): OpenSSL's legacy HMAC_CTX
     * form and the EVP_MAC_CTX form; at most one is set. */
    int (*ticket_key_cb)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *,
                         HMAC_CTX *, int);
    int (*ticket_key_evp_cb)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *,
                             EVP_MAC_CTX *, int);
    /* The context's own ticket keys (session_cache.c), made at creation. */
    unsigned char ticket_name[16];
    unsigned char ticket_aes[32];
    unsigned char ticket_hmac[32];
    uint32_t max_early_data;    /* as asked; early_data.c reports the effective */
    int verify_depth;           /* -1: not set */
    int security_level;
    int status_cb_set;          /* OCSP stapling callback recorded (ctrl.c) */
    void *status_arg;
    long read_ahead;            /* recorded hint (ctrl.c) */
    long sess_cache_size;
    /* Core contexts for SSLs with their own certificate (SSL_use_*),
     * by certificate and key, so that trust is not re-read per connection
     * (a server using them serves a few certificates many times). */
    struct {
        X509 *cert;
        EVP_PKEY *key;
        STACK_OF(X509) *chain;  /* the same certificate objects, up-ref'd */
        ssa_ctx *core;
        unsigned gen;
    } own_cores[8];
    unsigned own_next;
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
    compat_cert own;            /* SSL_use_certificate / SSL_use_PrivateKey */
    STACK_OF(X509_NAME) *client_ca;
    int verify_depth;           /* -1: the context's */
    bool in_hello;              /* the ClientHello callbacks are running */
    bool hs_started;            /* info callback told HANDSHAKE_START */
    bool quiet_shutdown;
    int shutdown_flags;         /* SSL_set_shutdown */
    bool early_data_done;       /* SSL_read_early_data said FINISH */
};

/* A client session: the core's exported blob, reference-counted. */
struct ssl_session_st {
    atomic_int refs;
    unsigned char *blob;        /* malloc()ed by the core */
    size_t len;
    /* SSL_SESSION_get_id's answer, copied from the blob when made. */
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int id_len;
    char *hostname;             /* SNI it was made for (SSL_SESSION_get0_hostname) */
    atomic_bool not_resumable;  /* its connection failed: never offered again */
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
/* A legacy version range entirely below policy's floor: clamped to
 * policy's range (true when it was). */
bool compat_clamp_legacy_versions(ssa_request *req, const ssa_policy *p);
/* The request as the core sees it: options folded into versions etc. */
void compat_request_effective(const compat_request *rq, ssa_request *out);

/* The certificate slot a key belongs to. */
int compat_slot_for_key(const EVP_PKEY *key);
/* The core context at index COMPAT_CORE_*(new ref), built as
 * compat_ctx_core builds them; NULL with an error on the queue. */
ssa_ctx *compat_ctx_core_at(SSL_CTX *ctx, int idx, int *anchors);
/* The server slot a handshake starts with (first slot with a certificate
 * and key, RSA first). */
int compat_default_slot(const SSL_CTX *ctx);
/* Hooks of the core context an SSL_CTX builds (servername.c, alpn.c,
 * session_cache.c). */
ssa_status compat_install_server_hooks(SSL_CTX *ctx, ssa_ctx *core);
/* handshake_callbacks.c: the info callback at handshake start and end. */
void compat_info(SSL *s, int where, int ret);
/* session.c: an SSL_SESSION owning a copy of blob. */
SSL_SESSION *compat_session_from_blob(const unsigned char *blob, size_t len,
                                      const char *hostname);
/* ssl_ctx.c: the (cached) core context for an SSL's own certificate. */
ssa_ctx *compat_ctx_core_own(SSL_CTX *ctx, const compat_cert *own);
/* servername.c: SSL_CTX_callback_ctrl / SSL_CTX_ctrl commands. */
long compat_set_servername_cb(SSL_CTX *ctx, void (*cb)(void));
void compat_set_servername_arg(SSL_CTX *ctx, void *arg);
/* alpn.c, session_cache.c: their hooks on a server core context. */
void compat_alpn_install(SSL_CTX *ctx, ssa_ctx *core);
ssa_status compat_sessions_install(SSL_CTX *ctx, ssa_ctx *core);
/* session_cache.c: ticket key callbacks (SSL_CTX_callback_ctrl), and the
 * context's own keys (SSL_CTX_new; 0 if randomness failed). */
int compat_ticket_keys_init(SSL_CTX *ctx);
long compat_set_ticket_key_cb(SSL_CTX *ctx, void (*cb)(void));
/* client_hello.c: the certificate slot for this ClientHello (server, from
 * the SNI hook). */
int compat_choose_slot(const SSL *s);
/* client_ca.c: CA names to the core's context (core) or, from the SNI
 * hook, its connection (conn). */
ssa_status compat_client_ca_to_core(const STACK_OF(X509_NAME) *list, ssa_ctx *core,
                                    ssa_conn *conn);
/* servername.c: whether policy names a default server certificate; the
 * placeholder certificate of servers whose callbacks set theirs (never
 * sent; NULL if it could not be made). */
bool compat_policy_has_server_cert(void);
bool compat_needs_placeholder(const SSL_CTX *ctx, const compat_cert *own);
const compat_cert *compat_placeholder(void);
/* servername.c: a core context with an SSL's own certificate (new ref). */
ssa_ctx *compat_own_cert_core(SSL *s);

/* bio.c: route the core's transport through the SSL's BIOs. */
ssa_status compat_bio_attach(SSL *s);

/* ssl.c: create the ssa_conn if needed; 1 on success, 0 with an error. */
int compat_ssl_start(SSL *s, int reason_if_no_role);
/* Client: certificates that reached the X509_STORE after this connection's
 * core context was built (curl loads its CA file once its ClientHello is
 * out) go to the connection before the peer's certificate is examined: they
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
/* After a fatal failure of s (an alert, an EOF without close_notify): its
 * session is never offered again, as OpenSSL removes it from use. */
void compat_session_fail(SSL *s, ssa_status st);
/* The key that authenticates i2d_SSL_SESSION's bytes, made once per
 * process (SSL_CTX_new makes it, so forked workers share it). */
void compat_session_key_init(void);
void compat_session_capture(SSL *s, bool after_read);

#endif
