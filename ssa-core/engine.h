/*
 * Internal to the core: the context and connection objects and the helpers
 * the engine files share. Only ssa-core/ includes this (it names wolfSSL).
 *
 * Implementation notes (invariants):
 *  - An ssa_ctx owns one WOLFSSL_CTX. Its settings may change until the
 *    first connection starts a handshake; then `frozen` is set and the
 *    WOLFSSL_CTX is configured once (ctx_apply) under `lock`.
 *  - An ssa_conn creates its WOLFSSL lazily at the first handshake step, so
 *    that per-connection requests made before it are applied in one place.
 *  - Failures are sticky: once `failed` is set every call returns it.
 *  - The verification verdict is the core's own (verify.c); wolfSSL's
 *    verify callback only reports per-certificate facts to it.
 */
#ifndef SSA_ENGINE_H
#define SSA_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "ssa/core.h"

/* wolfSSL reports success as WOLFSSL_SUCCESS (1); everything else fails. */
#define WOLF_OK(expr) ((expr) == WOLFSSL_SUCCESS)

typedef struct ssa_trust_store ssa_trust_store;

struct ssa_ctx {
    atomic_int refs;
    ssa_role role;
    char *frontend;
    ssa_policy *policy;
    ssa_settings settings;
    WOLFSSL_CTX *wctx;
    pthread_mutex_t lock;
    bool frozen;                 /* settings applied to wctx */
    bool have_cert;
    bool app_anchors;            /* the app replaced the trust store */
    int anchors_refused;         /* of the app's, by the engine (never widens) */
    ssa_trust_store *trust;      /* shared system store, when used */
    unsigned char *alpn_wire;    /* length-prefixed list */
    size_t alpn_wire_len;
    char *alpn_csv;              /* the same, comma-separated (wolfSSL's form) */
    ssa_sni_hook sni_hook;
    void *sni_arg;
    ssa_alpn_hook alpn_hook;
    void *alpn_arg;
    ssa_verify_hook verify_hook;
    void *verify_arg;
    ssa_keylog_hook keylog_hook;
    void *keylog_arg;
    /* server_hooks.c: installed at the freeze by ssa_ctx_install_extra */
    ssa_session_new_hook sess_new;
    ssa_session_get_hook sess_get;
    ssa_session_remove_hook sess_remove;
    void *sess_arg;
    bool sess_internal_off;
    unsigned char sid_ctx[32];
    size_t sid_ctx_len;
    ssa_ticket_hook ticket_hook;
    void *ticket_arg;
    int verify_depth;            /* app's wish, when verify_depth_set */
    bool verify_depth_set;
    void *user;
};

struct ssa_conn {
    ssa_role role;               /* fixed at creation: never taken from ctx */
    ssa_ctx *ctx;                /* reference held */
    ssa_ctx *initial_ctx;        /* reference held when switched by SNI */
    WOLFSSL *ssl;
    ssa_settings settings;
    bool custom_settings;        /* differs from ctx->settings */
    int fd;
    bool fd_is_socket;           /* decided once: send() or write() */
    ssa_read_fn rd;
    ssa_write_fn wr;
    void *io_arg;
    int last_errno;
    bool transport_eof;
    bool peer_alert_received;   /* failed on a fatal alert from the peer */
    int peer_alert;             /* its code */
    char *hostname;              /* client: SNI + verified name */
    char *verify_name;           /* client: verified name when set apart */
    char *peer_address;
    char *sni;                   /* server: what the client sent */
    char *alpn;
    WOLFSSL_SESSION *session;    /* imported before the handshake */
    char group[16];
    bool handshake_done;
    bool audited;
    ssa_status failed;           /* sticky, SSA_OK while healthy */
    int verify_result;           /* first failure seen, ssa_verify_result */
    bool verify_enforced;        /* policy or app required verification */
    bool verify_started;         /* the peer's first certificate was examined */
    bool partial_write;          /* ssa_conn_set_partial_write */
    /* Anchors for this connection only (conn_anchors.c): owned here until
     * attached to `ssl`, by wolfSSL after. */
    WOLFSSL_X509_STORE *anchors;
    bool anchors_attached;
    bool anchors_refused;        /* by policy: audited once */
    int anchors_unusable;        /* refused by the engine (never widens) */
    bool no_peer_certificate;    /* the peer sent an empty Certificate */
    bool in_sni_hook;            /* ssa_conn_switch_ctx is allowed only here */
    char error[256];
    /* server_hooks.c: the raw ClientHello (records as read, then the
     * message once complete) */
    unsigned char *hello_raw;
    size_t hello_raw_len;
    unsigned char *hello;
    size_t hello_len;
    bool hello_done;             /* captured, or given up */
    void *user;
};

/* ctx.c: configure the engine context once, from the merged settings. */
ssa_status ssa_ctx_freeze(ssa_ctx *ctx, char *err, size_t errlen);
void ssa_audit_clamps(const ssa_policy *p, const char *frontend, const ssa_settings *s);

/* server_hooks.c: session cache, ticket and depth hooks into the engine
 * context (at the freeze, after the settings); the ClientHello capture fed
 * by the transport (io.c) and freed with the connection. */
void ssa_ctx_install_extra(ssa_ctx *ctx);
void ssa_hello_capture(ssa_conn *c, const unsigned char *buf, size_t n);
void ssa_hello_free(ssa_conn *c);

/* alpn_sni.c: the server-side engine callbacks, and ALPN list helpers. */
void ssa_ctx_install_callbacks(ssa_ctx *ctx);

/* io.c: wolfSSL's transport callbacks, driven by the conn's fd or callbacks. */
void ssa_io_attach(ssa_conn *c);

/* verify.c */
int ssa_verify_callback(int preverify, WOLFSSL_X509_STORE_CTX *store);
int ssa_verify_map_wolf_error(int wolf_error);
/* A failed handshake's engine error that is a verdict on the peer's
 * certificate the callback never saw: recorded as the verify result. */
void ssa_verify_note_engine_error(ssa_conn *c, int wolf_error);

/* trust.c: the system trust store, parsed once per (path, mtime) and shared
 * by every context that uses it. */
ssa_trust_store *ssa_trust_acquire(const char *path, char *err, size_t errlen);
void ssa_trust_release(ssa_trust_store *t);
ssa_status ssa_trust_attach(ssa_trust_store *t, WOLFSSL_CTX *wctx);

/* session.c: resume an imported session on a fresh engine connection. */
void ssa_session_apply(ssa_conn *c);

/* conn.c */
void ssa_conn_fail(ssa_conn *c, ssa_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ssa_conn *ssa_conn_from_wolf(WOLFSSL *ssl);

/* settings.c: apply merged settings to wolfSSL objects. */
ssa_status ssa_settings_apply_ctx(const ssa_settings *s, const ssa_policy *p, bool server,
                                  WOLFSSL_CTX *wctx, char *err, size_t errlen);
ssa_status ssa_settings_apply_conn(const ssa_settings *s, WOLFSSL *ssl,
                                   char *err, size_t errlen);

/* audit.c */
void ssa_audit_connection(ssa_conn *c, ssa_status outcome);

/* engine.c: wolfSSL_Init once per process; the ex_data slot for conns. */
void ssa_engine_init(void);
int ssa_engine_conn_slot(void);

/* The most plaintext one TLS record carries (RFC 8446 section 5.1). */
#define SSA_RECORD_PLAINTEXT_MAX 16384u

/* conn_anchors.c */
void ssa_conn_attach_anchors(ssa_conn *c);
void ssa_conn_free_anchors(ssa_conn *c);

#endif
