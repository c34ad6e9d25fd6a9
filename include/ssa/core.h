/*
 * SSA core: administrator policy, TLS contexts and connections.
 *
 * This is the one API that both the IPPROTO_TLS socket layer (libssa) and the
 * OpenSSL drop-in (libssl-compat) are built on. It names no wolfSSL and no
 * OpenSSL type: the engine stays behind this wall.
 *
 * Ownership:
 *   ssa_policy  reference-counted, immutable once published.
 *   ssa_ctx     reference-counted, shared across threads (settings are
 *               frozen by the first connection; later setters fail with
 *               SSA_ERR_STATE).
 *   ssa_conn    owned by one thread at a time; holds a reference on its ctx.
 *
 * Every function that can fail returns an ssa_status; SSA_OK is 0.
 */
#ifndef SSA_CORE_H
#define SSA_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SSA_API __attribute__((visibility("default")))

/* Protocol versions, as on the wire. */
#define SSA_TLS1_0 0x0301
#define SSA_TLS1_1 0x0302
#define SSA_TLS1_2 0x0303
#define SSA_TLS1_3 0x0304

typedef enum ssa_status {
    SSA_OK = 0,
    SSA_WANT_READ,      /* non-blocking: retry when the transport is readable */
    SSA_WANT_WRITE,     /* non-blocking: retry when the transport is writable */
    SSA_EOF,            /* the peer sent close_notify */
    SSA_ERR_SYSCALL,    /* transport error (errno kept in the conn) or EOF
                           without close_notify (truncation, errno 0) */
    SSA_ERR_PROTOCOL,   /* TLS protocol failure (alert, bad record, ...) */
    SSA_ERR_VERIFY,     /* the peer's certificate was refused */
    SSA_ERR_POLICY,     /* administrator policy refused the request */
    SSA_ERR_ARG,        /* bad argument */
    SSA_ERR_STATE,      /* call not valid in this state */
    SSA_ERR_NOMEM,
    SSA_ERR_IO_FILE,    /* a certificate, key or store file could not be used */
} ssa_status;

SSA_API const char *ssa_status_name(ssa_status st);

/* Verification results: numerically identical to OpenSSL's X509_V_ERR_*. */
typedef enum ssa_verify_result {
    SSA_V_OK = 0,
    SSA_V_ERR_UNSPECIFIED = 1,
    SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT = 2,
    SSA_V_ERR_UNABLE_TO_GET_CRL = 3,
    SSA_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY = 6,
    SSA_V_ERR_CERT_SIGNATURE_FAILURE = 7,
    SSA_V_ERR_CRL_SIGNATURE_FAILURE = 8,
    SSA_V_ERR_CERT_NOT_YET_VALID = 9,
    SSA_V_ERR_CERT_HAS_EXPIRED = 10,
    SSA_V_ERR_CRL_NOT_YET_VALID = 11,
    SSA_V_ERR_CRL_HAS_EXPIRED = 12,
    SSA_V_ERR_OUT_OF_MEM = 17,
    SSA_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT = 18,
    SSA_V_ERR_SELF_SIGNED_CERT_IN_CHAIN = 19,
    SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20,
    SSA_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21,
    SSA_V_ERR_CERT_CHAIN_TOO_LONG = 22,
    SSA_V_ERR_CERT_REVOKED = 23,
    SSA_V_ERR_PATH_LENGTH_EXCEEDED = 25,
    SSA_V_ERR_INVALID_PURPOSE = 26,
    SSA_V_ERR_CERT_UNTRUSTED = 27,
    SSA_V_ERR_CERT_REJECTED = 28,
    SSA_V_ERR_UNHANDLED_CRITICAL_EXTENSION = 34,
    SSA_V_ERR_APPLICATION_VERIFICATION = 50,
    SSA_V_ERR_HOSTNAME_MISMATCH = 62,
    SSA_V_ERR_IP_ADDRESS_MISMATCH = 64,
    SSA_V_ERR_EE_KEY_TOO_SMALL = 66,
    SSA_V_ERR_CA_KEY_TOO_SMALL = 67,
    SSA_V_ERR_CA_MD_TOO_WEAK = 68,
    SSA_V_ERR_INVALID_CA = 79,
} ssa_verify_result;

/* OpenSSL's wording, so that users see familiar messages. */
SSA_API const char *ssa_verify_result_string(int result);

/* ------------------------------------------------------------------------
 * Policy (DESIGN.md section 4)
 * ---------------------------------------------------------------------- */

typedef enum ssa_client_auth {
    SSA_CLIENT_AUTH_NONE = 0,
    SSA_CLIENT_AUTH_OPTIONAL,
    SSA_CLIENT_AUTH_REQUIRE,
} ssa_client_auth;

/* The effective policy for this process: the file's default section with
 * the matching application profile laid over it. Plain fields; read-only. */
typedef struct ssa_policy {
    char *source;               /* file it came from, or "built-in defaults" */
    char *application;          /* profile matched, or NULL */
    uint16_t min_version;
    uint16_t max_version;
    char *tls13_ciphersuites;   /* colon-separated IANA names */
    char *tls12_ciphers;        /* OpenSSL cipher-string syntax */
    char *groups;               /* colon-separated, e.g. "X25519:P-256" */
    char *sigalgs;              /* canonical colon list (ssa_sigalgs_translate),
                                 * or NULL for every algorithm the core knows */
    int min_rsa_bits;
    int min_ec_bits;
    int min_signature_hash;     /* SSA_SIG_HASH_*: the weakest hash allowed in
                                 * certificate and handshake signatures */
    char *trust_store;          /* a PEM bundle or a directory of hashed certs */
    bool app_trust_anchors;     /* apps may replace (never widen) the store */
    bool verify_peer;           /* clients verify servers */
    bool verify_hostname;
    bool verify_ip_fallback;    /* no name given: check the peer's IP address */
    int verify_depth;
    ssa_client_auth client_auth;/* servers: floor for client certificates */
    bool session_cache;
    long session_lifetime;      /* seconds, upper bound */
    bool session_tickets;
    bool early_data;
    bool alpn;
    bool sni;
    char *server_certificate;   /* default chain for servers that set none */
    char *server_private_key;
    char *audit;                /* "syslog", "off", or a file path */
    bool keylog;
    bool allow_user_config;
    /* private */
    int refs_;
    long long loaded_mtime_ns_;
} ssa_policy;

#define SSA_POLICY_DEFAULT_PATH "/etc/ssa/ssa.conf"

/* Strict built-in defaults: TLS 1.2+, AEAD only, verification on. */
SSA_API ssa_policy *ssa_policy_new_defaults(void);

/* Parse a policy file for the application at exe_path (NULL: default
 * section only). On failure *out is NULL and err holds "file:line: reason". */
SSA_API ssa_status ssa_policy_load_file(const char *path, const char *exe_path,
                                        ssa_policy **out, char *err, size_t errlen);

/* The process's current policy (new reference): the administrator's file,
 * or SSA_CONF where DESIGN.md section 4 allows it, re-read when the file's
 * mtime changes. A broken file is reported once on stderr and in the audit
 * log, and the strict defaults are used. Never NULL. */
SSA_API ssa_policy *ssa_policy_current(void);

SSA_API ssa_policy *ssa_policy_ref(ssa_policy *p);
SSA_API void ssa_policy_unref(ssa_policy *p);

/* "1.2" -> SSA_TLS1_2; 0 when unknown. And back: "TLSv1.2". */
SSA_API uint16_t ssa_version_parse(const char *s);
SSA_API const char *ssa_version_name(uint16_t version);

/* ------------------------------------------------------------------------
 * Signature algorithms and the signature-hash floor
 * ---------------------------------------------------------------------- */

/* Hashes by the size of their output, so that "weaker" is "smaller". An
 * EdDSA signature counts as SHA512 (its hash is built in). A floor of 0
 * (a policy built by hand) means SHA256: the floor never fails open. */
enum {
    SSA_SIG_HASH_MD5 = 128,
    SSA_SIG_HASH_SHA1 = 160,
    SSA_SIG_HASH_SHA224 = 224,
    SSA_SIG_HASH_SHA256 = 256,
    SSA_SIG_HASH_SHA384 = 384,
    SSA_SIG_HASH_SHA512 = 512,
};

/* "sha1", "sha256", "sha384", "sha512" (any case; "SHA-256" too) -> the
 * SSA_SIG_HASH_* value, 0 when unknown. And back: "sha256". */
SSA_API int ssa_sig_hash_parse(const char *name);
SSA_API const char *ssa_sig_hash_name(int hash);

/* Translate a signature-algorithm list in any of OpenSSL's spellings
 * ("RSA+SHA256", "SHA256+RSA", "RSA-PSS+SHA256", "PSS+SHA384",
 * "rsa_pss_rsae_sha256", "rsa_pss_pss_sha256", "ecdsa_secp256r1_sha256",
 * "rsa_pkcs1_sha256", "ed25519", ...) into the core's canonical list
 * ("ECDSA+SHA256:RSA-PSS+SHA256:ED25519"), in the given order, without
 * duplicates, and without the algorithms whose hash is below min_hash.
 * list NULL or "": every algorithm the core knows, strongest first.
 * Names OpenSSL knows that the TLS engine cannot do (DSA, brainpool,
 * GOST) are dropped where skip_unsupported, an error otherwise.
 * SSA_ERR_ARG: a name that is not a signature algorithm, or one the engine
 * cannot do; SSA_ERR_POLICY: nothing left above the floor. err says which. */
SSA_API ssa_status ssa_sigalgs_translate(const char *list, int min_hash, bool skip_unsupported,
                                         char *out, size_t outlen, char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * The lattice: an application's requests merged with policy.
 * ---------------------------------------------------------------------- */

enum { SSA_PREF_UNSET = -1 };

/* What an application asks for. Zero / NULL / SSA_PREF_UNSET mean "no
 * preference". */
typedef struct ssa_request {
    uint16_t min_version;
    uint16_t max_version;
    const char *tls12_ciphers;      /* OpenSSL cipher string */
    const char *tls13_ciphersuites; /* colon list */
    const char *groups;
    const char *sigalgs;
    int verify_peer;                /* 0, 1 or SSA_PREF_UNSET */
    int verify_hostname;
    long session_lifetime;          /* 0: no preference */
    int session_cache;              /* 0: app turns it off (allowed) */
    int session_tickets;
    int early_data;                 /* 1: app wants 0-RTT (policy may refuse) */
    int client_auth;                /* ssa_client_auth or SSA_PREF_UNSET */
} ssa_request;

#define SSA_REQUEST_INIT { 0, 0, NULL, NULL, NULL, NULL, SSA_PREF_UNSET, \
    SSA_PREF_UNSET, 0, SSA_PREF_UNSET, SSA_PREF_UNSET, SSA_PREF_UNSET, \
    SSA_PREF_UNSET }

/* Lengths the front doors refuse before the engine sees them (the engine
 * writes a ClientHello's extensions with 16-bit lengths: an oversized part
 * overflowed its buffer).
 *   SSA_MAX_HOSTNAME   a server name (RFC 6066; OpenSSL's TLSEXT_MAXLEN_host_name)
 *   SSA_MAX_ALPN_WIRE  an ALPN list in wire format: half of the ClientHello's
 *                      16-bit extensions block, the other half left to the
 *                      name, groups, key shares and a session ticket
 *   SSA_MAX_CA_NAMES   a CertificateRequest's CA names, each with its 2-byte
 *                      length (RFC 8446 4.2.4: <3..2^16-1>) */
#define SSA_MAX_HOSTNAME 255
#define SSA_MAX_ALPN_WIRE 32768
#define SSA_MAX_CA_NAMES 65535

#define SSA_MAX_SUITES 64
#define SSA_MAX_GROUPS 16
#define SSA_MAX_CLAMPS 12

/* The merged result: at least as strict as both inputs. */
typedef struct ssa_settings {
    uint16_t min_version;
    uint16_t max_version;
    uint16_t tls12_suites[SSA_MAX_SUITES];  /* IANA ids, in preference order */
    size_t n_tls12_suites;
    uint16_t tls13_suites[8];
    size_t n_tls13_suites;
    uint16_t groups[SSA_MAX_GROUPS];        /* IANA named-group ids */
    size_t n_groups;
    char sigalgs[256];                      /* "" = engine's defaults */
    bool verify_peer;
    bool verify_hostname;
    ssa_client_auth client_auth;
    long session_lifetime;
    bool session_cache;
    bool session_tickets;
    bool early_data;
    /* Where the request was weaker than policy, one line each. */
    char clamps[SSA_MAX_CLAMPS][128];
    size_t n_clamps;
} ssa_settings;

/* Merge. SSA_OK even when something was clamped (see out->n_clamps);
 * SSA_ERR_POLICY with a reason in err when nothing is left (an empty cipher
 * or group intersection, min above max); SSA_ERR_ARG for an unparsable
 * request. The role matters for verification: servers verify clients only
 * as client_auth says. */
SSA_API ssa_status ssa_policy_merge(const ssa_policy *p, const ssa_request *req,
                                    bool server, ssa_settings *out,
                                    char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * Cipher suites and groups known to the core
 * ---------------------------------------------------------------------- */

typedef struct ssa_cipher_info {
    uint16_t id;                /* IANA */
    const char *iana_name;      /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    const char *openssl_name;   /* ECDHE-RSA-AES128-GCM-SHA256 */
    uint16_t min_version;       /* SSA_TLS1_3 for TLS 1.3 suites */
    int bits;                   /* symmetric strength */
    int alg_bits;
    bool aead;
    const char *kx;             /* "ECDH", "DH", "RSA", "any" (TLS 1.3) */
    const char *auth;           /* "RSA", "ECDSA", "any" */
    const char *enc;            /* "AESGCM(128)", ... as OpenSSL describes */
    const char *mac;            /* "AEAD", "SHA1", "SHA256", "SHA384" */
} ssa_cipher_info;

SSA_API const ssa_cipher_info *ssa_cipher_by_id(uint16_t id);
/* Accepts OpenSSL or IANA names. */
SSA_API const ssa_cipher_info *ssa_cipher_by_name(const char *name);

/* Evaluate an OpenSSL cipher string ("ECDHE+AESGCM:!aNULL", "HIGH",
 * "DEFAULT@SECLEVEL=1", ...) into TLS 1.2-and-below suite ids, in order. */
SSA_API ssa_status ssa_cipher_string_eval(const char *str, uint16_t *ids, size_t max,
                                          size_t *n, char *err, size_t errlen);
/* Parse a TLS 1.3 ciphersuite list ("TLS_AES_128_GCM_SHA256:..."). */
SSA_API ssa_status ssa_ciphersuites_parse(const char *str, uint16_t *ids, size_t max,
                                          size_t *n, char *err, size_t errlen);

/* Named groups: "X25519", "P-256" (also "prime256v1", "secp256r1"), ... */
SSA_API uint16_t ssa_group_by_name(const char *name);
SSA_API const char *ssa_group_name(uint16_t id);
SSA_API ssa_status ssa_groups_parse(const char *str, uint16_t *ids, size_t max,
                                    size_t *n, char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * Contexts
 * ---------------------------------------------------------------------- */

typedef struct ssa_ctx ssa_ctx;
typedef struct ssa_conn ssa_conn;

typedef enum ssa_role { SSA_ROLE_CLIENT = 0, SSA_ROLE_SERVER = 1 } ssa_role;

/* Who is asking, for the audit log ("curl", "libssa", ...). */
SSA_API ssa_ctx *ssa_ctx_new(ssa_role role, const char *frontend);
SSA_API ssa_ctx *ssa_ctx_ref(ssa_ctx *ctx);
SSA_API void ssa_ctx_unref(ssa_ctx *ctx);
SSA_API ssa_role ssa_ctx_role(const ssa_ctx *ctx);
SSA_API const ssa_policy *ssa_ctx_policy(const ssa_ctx *ctx);

/* The application's requests, merged with policy at once. A request weaker
 * than policy is clamped (and audited); *clamped (may be NULL) tells the
 * socket layer to answer EPROTO. */
SSA_API ssa_status ssa_ctx_request(ssa_ctx *ctx, const ssa_request *req, bool *clamped);
SSA_API const ssa_settings *ssa_ctx_settings(const ssa_ctx *ctx);

/* Own certificate chain and key: PEM or DER files, or PEM/DER in memory. */
SSA_API ssa_status ssa_ctx_use_certificate_file(ssa_ctx *ctx, const char *chain_path,
                                                const char *key_path);
SSA_API ssa_status ssa_ctx_use_certificate_mem(ssa_ctx *ctx, const unsigned char *chain,
                                               size_t chain_len, bool chain_is_pem,
                                               const unsigned char *key, size_t key_len,
                                               bool key_is_pem);

/* Trust anchors supplied by the application: they replace the system store
 * for this context (if policy lets applications bring anchors at all).
 * Calls accumulate: PEM file, directory, or one DER certificate. */
SSA_API ssa_status ssa_ctx_trust_file(ssa_ctx *ctx, const char *pem_path);
SSA_API ssa_status ssa_ctx_trust_dir(ssa_ctx *ctx, const char *dir);
SSA_API ssa_status ssa_ctx_trust_der(ssa_ctx *ctx, const unsigned char *der, size_t len);

/* ALPN protocols to offer (client) or accept (server), in preference
 * order, as OpenSSL's wire format (length-prefixed) or a comma list. */
SSA_API ssa_status ssa_ctx_set_alpn_wire(ssa_ctx *ctx, const unsigned char *wire, size_t len);
SSA_API ssa_status ssa_ctx_set_alpn_list(ssa_ctx *ctx, const char *comma_list);

/* Hooks. Each gets the connection and the user pointer given here. Set them
 * before the context's first connection. */
typedef enum ssa_sni_answer { SSA_SNI_OK = 0, SSA_SNI_NOACK, SSA_SNI_FATAL } ssa_sni_answer;
typedef ssa_sni_answer (*ssa_sni_hook)(ssa_conn *c, const char *name, void *arg);
SSA_API void ssa_ctx_set_sni_hook(ssa_ctx *ctx, ssa_sni_hook hook, void *arg);

/* Choose one of the client's protocols (wire format). Return SSA_OK and set
 * *out and *outlen to a slice of `offered`, SSA_WANT_READ to decline (no ALPN),
 * anything else to abort the handshake. */
typedef ssa_status (*ssa_alpn_hook)(ssa_conn *c, const unsigned char *offered,
                                    size_t offered_len, const unsigned char **out,
                                    unsigned char *outlen, void *arg);
SSA_API void ssa_ctx_set_alpn_hook(ssa_ctx *ctx, ssa_alpn_hook hook, void *arg);

/* Called once per certificate of the peer's chain, leaf last (depth 0),
 * with the core's verdict for it. The hook may turn OK into a failure
 * (return a nonzero ssa_verify_result) but never a failure into OK: the core
 * ignores a hook that tries. */
typedef int (*ssa_verify_hook)(ssa_conn *c, int depth, int preverify_result,
                               const unsigned char *der, size_t der_len, void *arg);
SSA_API void ssa_ctx_set_verify_hook(ssa_ctx *ctx, ssa_verify_hook hook, void *arg);

/* Key logging, only where policy.keylog is true (else SSA_ERR_POLICY). */
typedef void (*ssa_keylog_hook)(ssa_conn *c, const char *line, void *arg);
SSA_API ssa_status ssa_ctx_set_keylog_hook(ssa_ctx *ctx, ssa_keylog_hook hook, void *arg);

SSA_API void ssa_ctx_set_user(ssa_ctx *ctx, void *user);
SSA_API void *ssa_ctx_user(const ssa_ctx *ctx);

/* ------------------------------------------------------------------------
 * Connections
 * ---------------------------------------------------------------------- */

/* Transport callbacks: return bytes moved (>0), 0 for EOF (read only; a
 * write that returns 0 is a transport error), or -1 with *err_out set to an
 * errno value (EAGAIN/EWOULDBLOCK mean "would block"). */
typedef ssize_t (*ssa_read_fn)(void *arg, void *buf, size_t len, int *err_out);
typedef ssize_t (*ssa_write_fn)(void *arg, const void *buf, size_t len, int *err_out);

SSA_API ssa_conn *ssa_conn_new(ssa_ctx *ctx);
SSA_API void ssa_conn_free(ssa_conn *c);
SSA_API ssa_ctx *ssa_conn_ctx(const ssa_conn *c);

/* Per-connection requests (before the handshake), merged with policy like
 * the ctx's. The request replaces the context's for this connection (it is
 * not laid over it): a front end passes everything the application asked. */
SSA_API ssa_status ssa_conn_request(ssa_conn *c, const ssa_request *req, bool *clamped);
SSA_API const ssa_settings *ssa_conn_settings(const ssa_conn *c);

SSA_API ssa_status ssa_conn_set_fd(ssa_conn *c, int fd);
SSA_API ssa_status ssa_conn_set_io(ssa_conn *c, ssa_read_fn rd, ssa_write_fn wr, void *arg);

/* Client: name sent as SNI and verified (unless an address). */
SSA_API ssa_status ssa_conn_set_hostname(ssa_conn *c, const char *name);
/* Client: the peer's address as text, for the IP fallback and the audit log. */
SSA_API ssa_status ssa_conn_set_peer_address(ssa_conn *c, const char *addr);
/* Name to verify when it differs from the SNI name. */
SSA_API ssa_status ssa_conn_set_verify_name(ssa_conn *c, const char *name);
/* A trust anchor (DER) for this connection only, for applications that
 * bring their CA certificates once the handshake has begun: the
 * connection's anchors replace its context's store, with every other
 * check of policy unchanged. Accepted until the peer's first certificate
 * is examined (else SSA_ERR_STATE), only where policy allows application
 * anchors (else SSA_ERR_POLICY, audited); SSA_ERR_ARG for a certificate
 * that cannot be an anchor. */
SSA_API ssa_status ssa_conn_trust_der(ssa_conn *c, const unsigned char *der, size_t len);
/* Server, from inside the SNI hook only (SSA_ERR_STATE elsewhere): switch to
 * another server context. As OpenSSL's SSL_set_SSL_CTX, the certificate and
 * the ALPN/verify hooks come from it; versions, suites and verify mode stay
 * those the handshake started with. */
SSA_API ssa_status ssa_conn_switch_ctx(ssa_conn *c, ssa_ctx *ctx);

SSA_API ssa_status ssa_conn_handshake(ssa_conn *c);
SSA_API ssa_status ssa_conn_read(ssa_conn *c, void *buf, size_t len, size_t *nread);
SSA_API ssa_status ssa_conn_peek(ssa_conn *c, void *buf, size_t len, size_t *nread);
SSA_API ssa_status ssa_conn_write(ssa_conn *c, const void *buf, size_t len, size_t *nwritten);
/* Partial writes (OpenSSL's SSL_MODE_ENABLE_PARTIAL_WRITE): ssa_conn_write
 * returns once one record went out, with what it carried, instead of going
 * on until all of `len` did. Off by default. */
SSA_API void ssa_conn_set_partial_write(ssa_conn *c, bool on);
/* Decrypted bytes buffered inside the engine. */
SSA_API size_t ssa_conn_pending(const ssa_conn *c);
/* Send close_notify; SSA_OK once sent. With wait_peer, SSA_OK only once the
 * peer's close_notify arrived too (WANT_READ until then). */
SSA_API ssa_status ssa_conn_shutdown(ssa_conn *c, bool wait_peer);

/* Server: ask for a client certificate after the handshake (TLS 1.3). */
SSA_API ssa_status ssa_conn_request_post_handshake_auth(ssa_conn *c);

/* Facts. Strings live as long as the connection. */
SSA_API bool ssa_conn_handshake_done(const ssa_conn *c);
SSA_API uint16_t ssa_conn_version(const ssa_conn *c);
SSA_API const ssa_cipher_info *ssa_conn_cipher(const ssa_conn *c);
SSA_API const char *ssa_conn_group(const ssa_conn *c);
SSA_API const char *ssa_conn_alpn(const ssa_conn *c);       /* NULL if none */
SSA_API const char *ssa_conn_sni(const ssa_conn *c);        /* server: what the client sent */
SSA_API const char *ssa_conn_hostname(const ssa_conn *c);   /* client: what was set */
SSA_API bool ssa_conn_resumed(const ssa_conn *c);
SSA_API int ssa_conn_verify_result(const ssa_conn *c);      /* ssa_verify_result */
SSA_API int ssa_conn_peer_chain_count(const ssa_conn *c);
/* Certificate i of the peer's chain (0 = leaf), DER. */
SSA_API const unsigned char *ssa_conn_peer_cert(const ssa_conn *c, int i, size_t *len);
SSA_API ssa_status ssa_conn_export_keying_material(ssa_conn *c, unsigned char *out, size_t outlen,
                                                   const char *label, size_t label_len,
                                                   const unsigned char *context, size_t context_len,
                                                   bool use_context);
/* The last failure, in words a user can act on ("certificate verify failed:
 * self-signed certificate (SSA policy requires verification)"). */
SSA_API const char *ssa_conn_error(const ssa_conn *c);
/* errno of the last SSA_ERR_SYSCALL. */
SSA_API int ssa_conn_errno(const ssa_conn *c);
SSA_API bool ssa_conn_peer_closed(const ssa_conn *c);   /* close_notify received */
SSA_API bool ssa_conn_sent_close(const ssa_conn *c);
/* The fatal alert the peer sent (its RFC 8446 code), or -1: the connection
 * failed for another reason, or has not failed. */
SSA_API int ssa_conn_peer_alert(const ssa_conn *c);
/* The sticky failure of the connection, or SSA_OK while it has none. */
SSA_API ssa_status ssa_conn_failure(const ssa_conn *c);

SSA_API void ssa_conn_set_user(ssa_conn *c, void *user);
SSA_API void *ssa_conn_user(const ssa_conn *c);

/* ------------------------------------------------------------------------
 * Sessions
 * ---------------------------------------------------------------------- */

/* Client: the session of a finished handshake as an opaque blob (caller
 * frees with free()); import it into a new connection before its
 * handshake. The blob is sealed with a key of this process (a session
 * stands in for a verified certificate): only this process and its
 * children read it back; anything else, a changed byte included, is
 * SSA_ERR_ARG. A blob older than policy's lifetime is refused. A failed
 * connection (fatal alert, EOF without close_notify) exports nothing. */
SSA_API ssa_status ssa_conn_session_export(ssa_conn *c, unsigned char **blob, size_t *len);
SSA_API ssa_status ssa_conn_session_import(ssa_conn *c, const unsigned char *blob, size_t len);

/* What an exported session says about itself (the SSL_SESSION getters).
 * SSA_ERR_ARG when the bytes are not a session blob of this core: garbage
 * is refused, never trusted. *consumed is the blob's own length (it may be
 * shorter than len). */
typedef struct ssa_session_facts {
    unsigned char id[32];
    size_t id_len;
    long time;                  /* established, seconds since the epoch */
    long timeout;               /* the engine's lifetime for it, seconds */
    bool has_ticket;
    unsigned long ticket_lifetime_hint;
} ssa_session_facts;
SSA_API ssa_status ssa_session_facts_get(const unsigned char *blob, size_t len,
                                         ssa_session_facts *out, size_t *consumed);

/* The verify_data of this side's (peer: the peer's) latest Finished
 * message: up to count bytes copied, its full length returned (12 up to
 * TLS 1.2, a hash length in TLS 1.3), 0 before the handshake. */
SSA_API size_t ssa_conn_finished(const ssa_conn *c, bool peer, void *buf, size_t count);

/* ------------------------------------------------------------------------
 * Audit
 * ---------------------------------------------------------------------- */

/* One line per connection outcome is written by the core itself; front
 * ends log their own clamps and events through this. */
SSA_API void ssa_audit_event(const ssa_policy *p, const char *frontend, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------
 * Peer identity (socket API)
 * ---------------------------------------------------------------------- */

/* The peer's leaf certificate subject as one line ("/C=../CN=.."), for
 * TLS_PEER_IDENTITY. SSA_ERR_STATE when the peer sent no certificate. */
SSA_API ssa_status ssa_conn_peer_subject(const ssa_conn *c, char *out, size_t outlen);
/* The peer's chain, leaf first, as PEM (NUL-terminated; free() it), for
 * TLS_PEER_CERTIFICATE_CHAIN. */
SSA_API ssa_status ssa_conn_peer_chain_pem(const ssa_conn *c, char **pem, size_t *pem_len);

/* ------------------------------------------------------------------------
 * Server-side additions (the drop-in's servers: nginx, lighttpd)
 * ---------------------------------------------------------------------- */

/* Server: the ClientHello handshake message (its body, after the 4-byte
 * handshake header) as the client sent it, captured from the transport
 * before the engine parses it. Available from the SNI hook on, for the
 * life of the connection; NULL for a client, or when it was not captured
 * (not a TLS record, or larger than 64 KiB). */
SSA_API const unsigned char *ssa_conn_client_hello(const ssa_conn *c, size_t *len);

/* Server session cache kept by the front end (OpenSSL's "external"
 * cache). Sessions travel as the same blobs ssa_conn_session_export makes.
 *   new:    a full handshake made a session (id, blob); the hook copies.
 *   get:    look an id up; return true with a malloc()ed blob, which the
 *           core frees. A blob older than policy's lifetime is not used.
 *   remove: a session the get hook returned has expired (policy's lifetime
 *           or its own timeout) and was not used (may be NULL).
 * With internal_cache false the engine's own cache is neither filled nor
 * searched (SSL_SESS_CACHE_NO_INTERNAL). Before the first connection. */
typedef void (*ssa_session_new_hook)(ssa_conn *c, const unsigned char *id, size_t id_len,
                                     const unsigned char *blob, size_t len, void *arg);
typedef bool (*ssa_session_get_hook)(ssa_conn *c, const unsigned char *id, size_t id_len,
                                     unsigned char **blob, size_t *len, void *arg);
typedef void (*ssa_session_remove_hook)(const unsigned char *id, size_t id_len,
                                        const unsigned char *blob, size_t len, void *arg);
SSA_API ssa_status ssa_ctx_set_session_hooks(ssa_ctx *ctx, ssa_session_new_hook new_hook,
                                             ssa_session_get_hook get_hook,
                                             ssa_session_remove_hook remove_hook, void *arg,
                                             bool internal_cache);

/* The session id of a blob (at most 32 bytes); SSA_ERR_ARG if unreadable. */
SSA_API ssa_status ssa_session_blob_id(const unsigned char *blob, size_t len,
                                       unsigned char id[32], size_t *id_len);

/* Server: sessions made under one context id resume only under the same
 * (OpenSSL's session id context, at most 32 bytes). */
SSA_API ssa_status ssa_ctx_set_session_id_context(ssa_ctx *ctx, const unsigned char *sid,
                                                  size_t len);

/* Server: session ticket protection by the front end (OpenSSL's ticket key
 * callback). Encrypt (enc true): fill key_name and iv, encrypt `ticket`
 * (len bytes) in place into at most `cap` bytes, set *out_len and a 32-byte
 * mac. Decrypt: check `mac` for key_name and iv, decrypt in place, set
 * *out_len. Return SSA_TICKET_OK, _RENEW (decrypted; issue a fresh one),
 * _REJECT (unknown key: full handshake) or _FATAL. Policy's
 * session_tickets = false still turns tickets off. */
typedef enum ssa_ticket_answer {
    SSA_TICKET_OK = 0, SSA_TICKET_RENEW, SSA_TICKET_REJECT, SSA_TICKET_FATAL
} ssa_ticket_answer;
typedef ssa_ticket_answer (*ssa_ticket_hook)(ssa_conn *c, bool enc, unsigned char key_name[16],
                                             unsigned char iv[16], unsigned char mac[32],
                                             unsigned char *ticket, size_t len, size_t cap,
                                             size_t *out_len, void *arg);
SSA_API ssa_status ssa_ctx_set_ticket_hook(ssa_ctx *ctx, ssa_ticket_hook hook, void *arg);

/* Server, before its first flight (from the SNI hook at the latest):
 * require (or ask for) a client certificate on this connection, as an
 * application that decides per host does. Only raises: a mode below the
 * connection's current one is SSA_ERR_POLICY and changes nothing. */
SSA_API ssa_status ssa_conn_raise_client_auth(ssa_conn *c, ssa_client_auth mode);

/* Server: the CA names a TLS 1.2 CertificateRequest lists (DER-encoded
 * X.509 names), on a context (before its first connection) or on one
 * connection (from its SNI hook). They only tell
 * the client which certificate to offer: which are accepted is decided by
 * the trust anchors and policy, never by this list. n = 0 clears it. */
SSA_API ssa_status ssa_ctx_set_client_ca_names(ssa_ctx *ctx, const unsigned char *const *der,
                                               const size_t *len, size_t n);
SSA_API ssa_status ssa_conn_set_client_ca_names(ssa_conn *c, const unsigned char *const *der,
                                                const size_t *len, size_t n);

/* Maximum verification depth asked by the application (OpenSSL's
 * semantics); the engine uses the smaller of it and policy's. */
SSA_API ssa_status ssa_ctx_set_verify_depth(ssa_ctx *ctx, int depth);

#ifdef __cplusplus
}
#endif
#endif
