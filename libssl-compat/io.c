/*
 * Application data: SSL_read, SSL_write, SSL_peek (and _ex), pending data,
 * SSL_shutdown, and SSL_get_error, with OpenSSL's return conventions.
 *
 * Implementation notes: every call records the core's status in s->last;
 * SSL_get_error answers from it after looking at the error queue first,
 * exactly in OpenSSL's order.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* The peer's transport ended without close_notify. */
static bool unexpected_eof(const SSL *s, ssa_status st)
{
    return st == SSA_ERR_SYSCALL && s->conn && ssa_conn_errno(s->conn) == 0;
}

/* EOF without close_notify is a clean EOF when the application said so. */
static ssa_status tolerate_eof(const SSL *s, ssa_status st)
{
    if (unexpected_eof(s, st) && (s->rq.options & SSL_OP_IGNORE_UNEXPECTED_EOF))
        return SSA_EOF;
    return st;
}

typedef ssa_status (*read_fn)(ssa_conn *, void *, size_t, size_t *);

/* 1 with *done > 0, or 0 with the failure recorded and pushed. */
static int data_call(SSL *s, read_fn rd, const void *wbuf, void *rbuf, size_t num, size_t *done,
                     const char *func)
{
    *done = 0;
    if (!compat_ssl_start(s, SSL_R_UNINITIALIZED))
        return 0;
    /* The mode may change between calls, on the SSL or (before SSL_new) on
     * its context. */
    ssa_conn_set_partial_write(s->conn, s->rq.mode & SSL_MODE_ENABLE_PARTIAL_WRITE);
    ssa_status st = rd ? rd(s->conn, rbuf, num, done) : ssa_conn_write(s->conn, wbuf, num, done);
    st = tolerate_eof(s, st);
    /* A write interrupted after some records went out reports them, as
     * SSL_MODE_ENABLE_PARTIAL_WRITE does. */
    if (st != SSA_OK && *done > 0)
        st = SSA_OK;
    s->last = st;
    s->last_ret = st == SSA_OK ? 1 : st == SSA_EOF ? 0 : -1;
    compat_err_status(s, st, func);
    compat_session_fail(s, st);
    if (st == SSA_OK)
        compat_session_capture(s, rd == ssa_conn_read);
    return st == SSA_OK;
}

int SSL_read_ex(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    return data_call(s, ssa_conn_read, NULL, buf, num, readbytes, __func__);
}

int SSL_peek_ex(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    return data_call(s, ssa_conn_peek, NULL, buf, num, readbytes, __func__);
}

int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
    return data_call(s, NULL, buf, NULL, num, written, __func__);
}

/* The int forms: bytes, 0 for a clean EOF, -1 otherwise -- except that a
 * read or peek ended by a fatal alert from the peer, or by the end of the
 * transport without close_notify, returns 0 (with SSL_ERROR_SSL), as
 * OpenSSL's record layer does; applications such as ncat take that 0 as
 * the end of the stream. */
static int as_int(SSL *s, int ok, size_t n, bool reading)
{
    if (ok)
        return (int)n;
    if (s->last == SSA_EOF)
        return 0;
    bool ended = s->conn && ssa_conn_handshake_done(s->conn)
                 && (ssa_conn_peer_alert(s->conn) >= 0 || unexpected_eof(s, s->last));
    return reading && ended ? 0 : -1;
}

int SSL_read(SSL *s, void *buf, int num)
{
    size_t n = 0;
    if (num < 0) {
        COMPAT_ERR(SSL_R_BAD_LENGTH);
        return -1;
    }
    int ok = SSL_read_ex(s, buf, (size_t)num, &n); /* before n is read */
    return as_int(s, ok, n, true);
}

int SSL_peek(SSL *s, void *buf, int num)
{
    size_t n = 0;
    if (num < 0) {
        COMPAT_ERR(SSL_R_BAD_LENGTH);
        return -1;
    }
    int ok = SSL_peek_ex(s, buf, (size_t)num, &n); /* before n is read */
    return as_int(s, ok, n, true);
}

int SSL_write(SSL *s, const void *buf, int num)
{
    size_t n = 0;
    if (num < 0) {
        COMPAT_ERR(SSL_R_BAD_LENGTH);
        return -1;
    }
    int ok = SSL_write_ex(s, buf, (size_t)num, &n); /* before n is read */
    return as_int(s, ok, n, false);
}

int SSL_pending(const SSL *s)
{
    size_t n = s->conn ? ssa_conn_pending(s->conn) : 0;
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* Decrypted bytes only: the engine does not report a partial record. */
int SSL_has_pending(const SSL *s) { return SSL_pending(s) > 0; }

/* 0: our close_notify is sent, the peer's not yet seen; 1: both; -1 with
 * SSL_get_error for WANT_* or failure. As OpenSSL: with quiet shutdown
 * nothing is sent and 1 is returned; SSL_set_shutdown's SSL_SENT_SHUTDOWN
 * means ours counts as sent (nothing goes out), SSL_RECEIVED_SHUTDOWN that
 * the peer's counts as received (1 once ours is out). */
int SSL_shutdown(SSL *s)
{
    /* A connection that failed is back "in init" for OpenSSL (its state
     * machine's error state): no close_notify follows a fatal error. An
     * EOF the application chose to tolerate is not one. */
    bool failed = s->conn && ssa_conn_failure(s->conn) != SSA_OK
                  && tolerate_eof(s, ssa_conn_failure(s->conn)) != SSA_EOF;
    if (!s->conn || !ssa_conn_handshake_done(s->conn) || failed) {
        COMPAT_ERR(s->conn ? SSL_R_SHUTDOWN_WHILE_IN_INIT : SSL_R_UNINITIALIZED);
        return -1;
    }
    if (s->quiet_shutdown) {
        s->shutdown_flags |= SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
        return 1;
    }
    if ((s->shutdown_flags & SSL_SENT_SHUTDOWN) && !s->shutdown_sent)
        return (s->shutdown_flags & SSL_RECEIVED_SHUTDOWN) ? 1 : 0;
    bool first = !s->shutdown_sent;
    bool peer_done = s->shutdown_flags & SSL_RECEIVED_SHUTDOWN;
    ssa_status st = ssa_conn_shutdown(s->conn, !first && !peer_done);
    s->shutdown_sent = s->shutdown_sent || (first && st == SSA_OK);
    s->last = st;
    if (st == SSA_OK)
        return s->last_ret = first && !peer_done && !ssa_conn_peer_closed(s->conn) ? 0 : 1;
    compat_err_status(s, st, __func__);
    return s->last_ret = -1;
}

int SSL_get_shutdown(const SSL *s)
{
    int flags = s->shutdown_flags;
    if (s->conn) {
        /* An EOF the application tolerates counts as the peer's
         * close_notify. */
        bool received = ssa_conn_peer_closed(s->conn)
                        || tolerate_eof(s, ssa_conn_failure(s->conn)) == SSA_EOF;
        flags |= (ssa_conn_sent_close(s->conn) ? SSL_SENT_SHUTDOWN : 0)
                 | (received ? SSL_RECEIVED_SHUTDOWN : 0);
    }
    return flags;
}

/* Flags only, as in OpenSSL: they change what SSL_shutdown does. */
void SSL_set_shutdown(SSL *s, int mode)
{
    s->shutdown_flags = mode & (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

void SSL_set_quiet_shutdown(SSL *s, int mode) { s->quiet_shutdown = mode != 0; }

/* SSL_sendfile: without kernel TLS (the core encrypts in user space), the
 * file is read and written with SSL_write, in chunks: the same return
 * values as OpenSSL's (bytes sent, or -1 with SSL_get_error telling why;
 * a short count when a later chunk would block). flags (SF_NODISKIO etc.)
 * have no meaning for a read. The file offset is not moved (pread). */
ossl_ssize_t SSL_sendfile(SSL *s, int fd, off_t offset, size_t size, int flags)
{
    (void)flags;
    unsigned char buf[16384];
    size_t sent = 0;
    while (sent < size) {
        size_t want = size - sent < sizeof buf ? size - sent : sizeof buf;
        ssize_t n = pread(fd, buf, want, offset + (off_t)sent);
        if (n <= 0) {
            if (sent > 0)
                break;
            COMPAT_ERR_MSG(ERR_R_SYS_LIB, "reading the file to send: %s",
                           n == 0 ? "unexpected end of file" : strerror(errno));
            return -1;
        }
        size_t w = 0;
        if (!SSL_write_ex(s, buf, (size_t)n, &w))
            return sent > 0 ? (ossl_ssize_t)sent : -1;
        sent += w;
    }
    return (ossl_ssize_t)sent;
}

int SSL_get_error(const SSL *s, int ret)
{
    if (ret > 0)
        return SSL_ERROR_NONE;
    unsigned long e = ERR_peek_error();
    if (e != 0)
        return ERR_GET_LIB(e) == ERR_LIB_SYS ? SSL_ERROR_SYSCALL : SSL_ERROR_SSL;
    switch (s->last) {
    case SSA_WANT_READ: return SSL_ERROR_WANT_READ;
    case SSA_WANT_WRITE: return SSL_ERROR_WANT_WRITE;
    case SSA_EOF: return SSL_ERROR_ZERO_RETURN;
    default: return SSL_ERROR_SYSCALL;
    }
}
