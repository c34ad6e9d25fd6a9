/*
 * Errors on libcrypto's queue, under ERR_LIB_SSL.
 *
 * libcrypto knows the library name ("SSL routines") but the reason strings
 * live in libssl, which we replace: one table here, loaded once. OpenSSL's
 * SSL_R_* numbers are used where they exist, so that programs testing
 * ERR_GET_REASON (curl tests SSL_R_CERTIFICATE_VERIFY_FAILED) still work;
 * the core's sentence ("... (SSA policy requires verification)") travels as
 * the error's data, which ERR_print_errors and ERR_get_error_all show.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define R(reason, text) {ERR_PACK(ERR_LIB_SSL, 0, (reason)), (text)}

/* Writable: ERR_load_strings patches the library into each entry. */
static ERR_STRING_DATA reason_table[] = {
    R(SSL_R_BAD_LENGTH, "bad length"),
    R(SSL_R_BAD_VALUE, "bad value"),
    R(SSL_R_BIO_NOT_SET, "bio not set"),
    R(SSL_R_CERTIFICATE_VERIFY_FAILED, "certificate verify failed"),
    R(SSL_R_CONNECTION_TYPE_NOT_SET, "connection type not set"),
    R(SSL_R_INVALID_COMMAND, "invalid command"),
    R(SSL_R_NO_CERTIFICATE_ASSIGNED, "no certificate assigned"),
    R(SSL_R_NO_CIPHER_MATCH, "no cipher match"),
    R(SSL_R_NO_PRIVATE_KEY_ASSIGNED, "no private key assigned"),
    R(SSL_R_SHUTDOWN_WHILE_IN_INIT, "shutdown while in init"),
    R(SSL_R_SSL3_EXT_INVALID_SERVERNAME, "ssl3 ext invalid servername"),
    R(SSL_R_UNEXPECTED_EOF_WHILE_READING, "unexpected eof while reading"),
    R(SSL_R_UNINITIALIZED, "uninitialized"),
    R(SSL_R_UNKNOWN_SSL_VERSION, "unknown ssl version"),
    R(SSL_R_UNSUPPORTED_PROTOCOL, "unsupported protocol"),
    R(SSL_R_PROTOCOL_IS_SHUTDOWN, "protocol is shutdown"),
    R(COMPAT_R_POLICY_REFUSED, "refused by SSA policy"),
    R(COMPAT_R_PROTOCOL_FAILURE, "TLS protocol failure"),
    R(COMPAT_R_CORE_FAILURE, "SSA core failure"),
    /* A fatal alert from the peer: OpenSSL's reason is the alert's code
     * plus SSL_AD_REASON_OFFSET, and its text names the alert. */
    R(SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE, "sslv3 alert unexpected message"),
    R(SSL_R_SSLV3_ALERT_BAD_RECORD_MAC, "sslv3 alert bad record mac"),
    R(SSL_R_TLSV1_ALERT_DECRYPTION_FAILED, "tlsv1 alert decryption failed"),
    R(SSL_R_TLSV1_ALERT_RECORD_OVERFLOW, "tlsv1 alert record overflow"),
    R(SSL_R_SSLV3_ALERT_DECOMPRESSION_FAILURE, "sslv3 alert decompression failure"),
    R(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, "sslv3 alert handshake failure"),
    R(SSL_R_SSLV3_ALERT_NO_CERTIFICATE, "sslv3 alert no certificate"),
    R(SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, "sslv3 alert bad certificate"),
    R(SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE, "sslv3 alert unsupported certificate"),
    R(SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED, "sslv3 alert certificate revoked"),
    R(SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED, "sslv3 alert certificate expired"),
    R(SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN, "sslv3 alert certificate unknown"),
    R(SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER, "sslv3 alert illegal parameter"),
    R(SSL_R_TLSV1_ALERT_UNKNOWN_CA, "tlsv1 alert unknown ca"),
    R(SSL_R_TLSV1_ALERT_ACCESS_DENIED, "tlsv1 alert access denied"),
    R(SSL_R_TLSV1_ALERT_DECODE_ERROR, "tlsv1 alert decode error"),
    R(SSL_R_TLSV1_ALERT_DECRYPT_ERROR, "tlsv1 alert decrypt error"),
    R(SSL_R_TLSV1_ALERT_EXPORT_RESTRICTION, "tlsv1 alert export restriction"),
    R(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, "tlsv1 alert protocol version"),
    R(SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY, "tlsv1 alert insufficient security"),
    R(SSL_R_TLSV1_ALERT_INTERNAL_ERROR, "tlsv1 alert internal error"),
    R(SSL_R_TLSV1_ALERT_INAPPROPRIATE_FALLBACK, "tlsv1 alert inappropriate fallback"),
    R(SSL_R_TLSV1_ALERT_USER_CANCELLED, "tlsv1 alert user cancelled"),
    R(SSL_R_TLSV1_ALERT_NO_RENEGOTIATION, "tlsv1 alert no renegotiation"),
    R(SSL_R_TLSV13_ALERT_MISSING_EXTENSION, "tlsv13 alert missing extension"),
    R(SSL_R_TLSV1_UNSUPPORTED_EXTENSION, "tlsv1 unsupported extension"),
    R(SSL_R_TLSV1_CERTIFICATE_UNOBTAINABLE, "tlsv1 certificate unobtainable"),
    R(SSL_R_TLSV1_UNRECOGNIZED_NAME, "tlsv1 unrecognized name"),
    R(SSL_R_TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE, "tlsv1 bad certificate status response"),
    R(SSL_R_TLSV1_BAD_CERTIFICATE_HASH_VALUE, "tlsv1 bad certificate hash value"),
    R(SSL_R_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY, "tlsv1 alert unknown psk identity"),
    R(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED, "tlsv13 alert certificate required"),
    R(SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL, "tlsv1 alert no application protocol"),
    {0, NULL},
};

static pthread_once_t strings_once = PTHREAD_ONCE_INIT;

static void load_strings_once(void)
{
    ERR_load_strings(ERR_LIB_SSL, reason_table);
}

void compat_load_strings(void)
{
    pthread_once(&strings_once, load_strings_once);
}

void compat_err(int reason, const char *func, const char *fmt, ...)
{
    compat_load_strings();
    ERR_new();
    ERR_set_debug(OPENSSL_FILE, OPENSSL_LINE, func);
    if (!fmt) {
        ERR_set_error(ERR_LIB_SSL, reason, NULL);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    ERR_vset_error(ERR_LIB_SSL, reason, fmt, ap);
    va_end(ap);
}

/* ---- reasons that say why ------------------------------------------------------ */

/* Many programs show only the reason text of the last error on the queue
 * (python's ssl exceptions are built from ERR_peek_last_error's reason
 * string alone), never its data, where the core's sentence travels. So a
 * refusal that the application did not ask for (policy's, or verification
 * it had switched off) is also pushed last under a reason whose text is
 * that sentence. Such reasons are registered once per distinct sentence,
 * at most EXPLAINED_MAX of them per process; beyond that the generic
 * reasons pushed before remain the only ones. */
enum { EXPLAINED_MAX = 256, EXPLAINED_LEN = 256 };
static ERR_STRING_DATA explained[EXPLAINED_MAX][2]; /* each {entry, end} */
static char explained_text[EXPLAINED_MAX][EXPLAINED_LEN];
static size_t n_explained;
static pthread_mutex_t explained_lock = PTHREAD_MUTEX_INITIALIZER;

/* The reason registered for `text`, registering it if needed; 0 if full. */
static int explained_reason(const char *text)
{
    int reason = 0;
    pthread_mutex_lock(&explained_lock);
    for (size_t i = 0; i < n_explained && !reason; i++)
        if (strcmp(explained_text[i], text) == 0)
            reason = COMPAT_R_EXPLAINED_FIRST + (int)i;
    if (!reason && n_explained < EXPLAINED_MAX) {
        size_t i = n_explained++;
        snprintf(explained_text[i], EXPLAINED_LEN, "%s", text);
        reason = COMPAT_R_EXPLAINED_FIRST + (int)i;
        explained[i][0].error = ERR_PACK(ERR_LIB_SSL, 0, reason);
        explained[i][0].string = explained_text[i];
        ERR_load_strings(ERR_LIB_SSL, explained[i]);
    }
    pthread_mutex_unlock(&explained_lock);
    return reason;
}

static void push_explained(const char *func, const char *fmt, const char *why)
{
    char text[EXPLAINED_LEN];
    snprintf(text, sizeof text, fmt, why);
    int reason = explained_reason(text);
    if (reason)
        compat_err(reason, func, NULL);
}

/* Did the application itself ask for the peer's certificate to be checked? */
static bool app_asked_verification(const SSL *s)
{
    return (s->rq.verify_mode & SSL_VERIFY_PEER) != 0;
}

static int reason_for(const SSL *s, ssa_status st)
{
    switch (st) {
    case SSA_ERR_VERIFY: return SSL_R_CERTIFICATE_VERIFY_FAILED;
    case SSA_ERR_POLICY: return COMPAT_R_POLICY_REFUSED;
    case SSA_ERR_PROTOCOL:
        return s->conn && ssa_conn_peer_alert(s->conn) >= 0
                   ? SSL_AD_REASON_OFFSET + ssa_conn_peer_alert(s->conn)
                   : COMPAT_R_PROTOCOL_FAILURE;
    case SSA_ERR_NOMEM: return ERR_R_MALLOC_FAILURE;
    case SSA_ERR_SYSCALL:
        /* EOF without close_notify: OpenSSL 3 calls it an SSL error unless
         * the application opted out (then it is a clean EOF, no error). */
        return (s->rq.options & SSL_OP_IGNORE_UNEXPECTED_EOF) ? 0
                                                             : SSL_R_UNEXPECTED_EOF_WHILE_READING;
    default: return COMPAT_R_CORE_FAILURE;
    }
}

void compat_err_status(const SSL *s, ssa_status st, const char *func)
{
    if (st == SSA_OK || st == SSA_WANT_READ || st == SSA_WANT_WRITE || st == SSA_EOF)
        return;
    /* A transport error keeps errno for the caller, as OpenSSL leaves it,
     * and puts nothing on the queue (SSL_get_error says SYSCALL). */
    if (st == SSA_ERR_SYSCALL && s->conn && ssa_conn_errno(s->conn) != 0) {
        errno = ssa_conn_errno(s->conn);
        return;
    }
    int reason = reason_for(s, st);
    if (reason == 0)
        return;
    const char *why = s->conn ? ssa_conn_error(s->conn) : NULL;
    if (why)
        compat_err(reason, func, "%s", why);
    else
        compat_err(reason, func, NULL);
    if (why && st == SSA_ERR_POLICY)
        push_explained(func, "refused by SSA policy: %s", why);
    else if (why && st == SSA_ERR_VERIFY && !app_asked_verification(s))
        push_explained(func, "%s", why);
}

int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings)
{
    if (!OPENSSL_init_crypto(opts, settings))
        return 0;
    compat_load_strings();
    return 1;
}

/* OpenSSL's texts, word for word (its ssl_stat.c, including the one with an
 * underscore). */
const char *SSL_alert_desc_string_long(int value)
{
    switch (value & 0xff) {
    case SSL3_AD_CLOSE_NOTIFY: return "close notify";
    case SSL3_AD_UNEXPECTED_MESSAGE: return "unexpected_message";
    case SSL3_AD_BAD_RECORD_MAC: return "bad record mac";
    case TLS1_AD_DECRYPTION_FAILED: return "decryption failed";
    case TLS1_AD_RECORD_OVERFLOW: return "record overflow";
    case SSL3_AD_DECOMPRESSION_FAILURE: return "decompression failure";
    case SSL3_AD_HANDSHAKE_FAILURE: return "handshake failure";
    case SSL3_AD_NO_CERTIFICATE: return "no certificate";
    case SSL3_AD_BAD_CERTIFICATE: return "bad certificate";
    case SSL3_AD_UNSUPPORTED_CERTIFICATE: return "unsupported certificate";
    case SSL3_AD_CERTIFICATE_REVOKED: return "certificate revoked";
    case SSL3_AD_CERTIFICATE_EXPIRED: return "certificate expired";
    case SSL3_AD_CERTIFICATE_UNKNOWN: return "certificate unknown";
    case SSL3_AD_ILLEGAL_PARAMETER: return "illegal parameter";
    case TLS1_AD_UNKNOWN_CA: return "unknown CA";
    case TLS1_AD_ACCESS_DENIED: return "access denied";
    case TLS1_AD_DECODE_ERROR: return "decode error";
    case TLS1_AD_DECRYPT_ERROR: return "decrypt error";
    case TLS1_AD_EXPORT_RESTRICTION: return "export restriction";
    case TLS1_AD_PROTOCOL_VERSION: return "protocol version";
    case TLS1_AD_INSUFFICIENT_SECURITY: return "insufficient security";
    case TLS1_AD_INTERNAL_ERROR: return "internal error";
    case TLS1_AD_USER_CANCELLED: return "user canceled";
    case TLS1_AD_NO_RENEGOTIATION: return "no renegotiation";
    case TLS1_AD_UNSUPPORTED_EXTENSION: return "unsupported extension";
    case TLS1_AD_CERTIFICATE_UNOBTAINABLE: return "certificate unobtainable";
    case TLS1_AD_UNRECOGNIZED_NAME: return "unrecognized name";
    case TLS1_AD_BAD_CERTIFICATE_STATUS_RESPONSE: return "bad certificate status response";
    case TLS1_AD_BAD_CERTIFICATE_HASH_VALUE: return "bad certificate hash value";
    case TLS1_AD_UNKNOWN_PSK_IDENTITY: return "unknown PSK identity";
    case TLS1_AD_NO_APPLICATION_PROTOCOL: return "no application protocol";
    default: return "unknown";
    }
}
