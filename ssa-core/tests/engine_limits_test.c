/*
 * The engine's 16-bit limit on a handshake message's extensions
 * (scripts/wolfssl-patches/0004): a ClientHello whose extensions would
 * pass 65535 bytes must fail the handshake before anything is written,
 * never overflow the engine's output buffer, whether the bytes come from
 * the application (a long server name), from a server (the session
 * ticket it issued, echoed when the client resumes) or from anyone on the
 * path (a HelloRetryRequest cookie, echoed at once).
 *
 * wolfSSL takes no handshake message over MAX_HANDSHAKE_SZ (18462 bytes),
 * so a peer's ticket or cookie is at most about 18 KB: the tests add it to
 * a long server name set on the engine context directly (past any limit
 * of the core's), which alone still fits.
 *
 * The server that issues a long ticket is a real core server behind a
 * man in the middle that knows the client's master secret (keylog hook):
 * it replaces the TLS 1.2 NewSessionTicket, which is sent in clear, and
 * rewrites the server's Finished to match, so that the client accepts the
 * ticket exactly as it would from a malicious server. The
 * HelloRetryRequest needs no keys: it comes before any.
 */
#include "ssa_test.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h" /* first: wolfSSL's options.h */
#include "ssa/core.h"

#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/kdf.h>
#include <wolfssl/wolfcrypt/sha256.h>

/* TLS 1.2 only, one AEAD suite whose keys and PRF the middle box knows. */
#define TLS12_ONE_SUITE                                                                 \
    "max_protocol = \"1.2\"; keylog = true; "                                           \
    "tls12_ciphers = \"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256\";"

static const char *audit_log;

static void use_test_policy(const char *extra)
{
    static char text[4096];
    audit_log = test_write_temp(".log", "");
    snprintf(text, sizeof text,
             "default: { trust_store = \"%s\"; audit = \"%s\"; %s };\n",
             test_pki("ca.crt"), audit_log, extra ? extra : "");
    test_use_policy(text);
}

static ssa_ctx *server_ctx(void)
{
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_SERVER, "test");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(ssa_ctx_use_certificate_file(ctx, test_pki("good-chain.pem"),
                                                  test_pki("good.key")), SSA_OK);
    return ctx;
}

/* A client context whose engine context also carries a server name of
 * `len` bytes (as an application could set through the engine's own API,
 * past any limit of the core's). No host name is set on the connections
 * made from it, so that this name is the one sent. */
static ssa_ctx *client_ctx_with_long_name(size_t len)
{
    char err[256];
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(ssa_ctx_freeze(ctx, err, sizeof err), SSA_OK);
    char *name = malloc(len);
    ck_assert_ptr_nonnull(name);
    for (size_t i = 0; i < len; i++)
        name[i] = (i % 64 == 63) ? '.' : 'a';
    ck_assert_int_eq(wolfSSL_CTX_UseSNI(ctx->wctx, WOLFSSL_SNI_HOST_NAME, name,
                                        (unsigned short)len), WOLFSSL_SUCCESS);
    free(name);
    return ctx;
}

/* What a lone client step wrote: its size and its first bytes (record
 * header, handshake header). */
typedef struct sent_bytes {
    size_t n;
    unsigned char head[9];
} sent_bytes;

/* The ClientHello's length as its handshake header gives it. */
static size_t hello_body_len(const sent_bytes *out)
{
    ck_assert_uint_ge(out->n, sizeof out->head);
    ck_assert_uint_eq(out->head[5], 1); /* client_hello */
    return (size_t)out->head[6] << 16 | (size_t)out->head[7] << 8 | out->head[8];
}

enum { PEER_BUF = 1 << 17 };

/* Everything readable on fd (non-blocking), appended at buf + *n. */
static void drain(int fd, unsigned char *buf, size_t cap, size_t *n)
{
    ssize_t r;
    while (*n < cap && (r = recv(fd, buf + *n, cap - *n, MSG_DONTWAIT)) > 0)
        *n += (size_t)r;
}

/* A non-blocking socketpair; fds[1] plays the peer. */
static void lone_pair(int fds[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    int big = 1 << 20;
    setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
}

/* One handshake step of the client, on until it waits for the peer: the
 * bytes it writes are collected at buf (*n of them) so that a full socket
 * buffer never stops it half way. */
static ssa_status step_collecting(ssa_conn *c, int peer, unsigned char *buf, size_t *n)
{
    *n = 0;
    ssa_status st;
    int rounds = 0;
    do {
        st = ssa_conn_handshake(c);
        drain(peer, buf, PEER_BUF, n);
    } while (st == SSA_WANT_WRITE && ++rounds < 1000);
    return st;
}

/* One handshake step of a client with no one at the other end; *out is
 * what the client wrote. */
static ssa_status lone_client_step(ssa_ctx *cctx, const unsigned char *session,
                                   size_t session_len, sent_bytes *out, char *err, size_t errlen)
{
    int fds[2];
    lone_pair(fds);
    ssa_conn *c = ssa_conn_new(cctx);
    ck_assert_int_eq(ssa_conn_set_fd(c, fds[0]), SSA_OK);
    /* The name the session was verified for (the core offers a session only
     * for it); a verify name, since the long name on the engine context is
     * the one to send. */
    ck_assert_int_eq(ssa_conn_set_verify_name(c, "localhost"), SSA_OK);
    if (session)
        ck_assert_int_eq(ssa_conn_session_import(c, session, session_len), SSA_OK);
    unsigned char *buf = malloc(PEER_BUF);
    ck_assert_ptr_nonnull(buf);
    memset(out, 0, sizeof *out);
    ssa_status st = step_collecting(c, fds[1], buf, &out->n);
    snprintf(err, errlen, "%s", ssa_conn_error(c) ? ssa_conn_error(c) : "");
    memcpy(out->head, buf, out->n < sizeof out->head ? out->n : sizeof out->head);
    free(buf);
    ssa_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    return st;
}

/* The refusal the patched engine gives: BUFFER_E, before any byte out,
 * and an audit line that says the connection was refused. */
static void assert_refused_unsent(ssa_status st, size_t sent, const char *err)
{
    ck_assert_msg(st != SSA_OK && st != SSA_WANT_READ && st != SSA_WANT_WRITE,
                  "the handshake went on (status %d, %zu bytes sent)", st, sent);
    ck_assert_uint_eq(sent, 0);
    ck_assert_msg(strstr(err, "engine error -132") != NULL, "error: %s", err);
    char *log = test_slurp(audit_log);
    ck_assert_ptr_nonnull(log);
    char *hit = strstr(log, "-132");
    ck_assert_msg(hit != NULL, "no audit line: %s", log);
    while (hit > log && hit[-1] != '\n')
        hit--;
    char *end = strchr(hit, '\n');
    if (end)
        *end = '\0';
    ck_assert_msg(strstr(hit, "role=client") && strstr(hit, "outcome=refused"),
                  "audit line: %s", hit);
    free(log);
}

/* ---- application-side: a ClientHello over 16 bits ---------------------- */

/* 65530 bytes of name: the server_name extension is 65539 bytes (the sum
 * of the block wrapped); 65535: its own size wrapped too. */
START_TEST(client_hello_over_16_bits_fails_before_writing)
{
    static const size_t lens[] = { 65530, 65535 };
    use_test_policy(NULL);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        ssa_ctx *cctx = client_ctx_with_long_name(lens[i]);
        char err[256];
        sent_bytes out;
        ssa_status st = lone_client_step(cctx, NULL, 0, &out, err, sizeof err);
        assert_refused_unsent(st, out.n, err);
        ssa_ctx_unref(cctx);
    }
}
END_TEST

/* The limit is where the engine's 16-bit sums would wrap, not lower: a
 * TLS 1.3 ClientHello of exactly 65535 bytes is written whole, one byte
 * more is refused. (No server takes either: a record holds 16384 bytes and
 * wolfSSL does not split a ClientHello; that is the peer's refusal to
 * give, not a memory error of ours.) */
START_TEST(client_hello_of_exactly_16_bits_goes_out)
{
    use_test_policy(NULL);
    char err[256];
    sent_bytes out;
    ssa_ctx *cctx = client_ctx_with_long_name(1000);
    ck_assert_int_eq(lone_client_step(cctx, NULL, 0, &out, err, sizeof err), SSA_WANT_READ);
    size_t base = hello_body_len(&out) - 1000;
    ssa_ctx_unref(cctx);

    cctx = client_ctx_with_long_name(65535 - base);
    ck_assert_int_eq(lone_client_step(cctx, NULL, 0, &out, err, sizeof err), SSA_WANT_READ);
    ck_assert_uint_eq(hello_body_len(&out), 65535);
    ck_assert_uint_eq(out.n, 5 + 4 + 65535);
    ssa_ctx_unref(cctx);

    cctx = client_ctx_with_long_name(65535 - base + 1);
    ssa_status st = lone_client_step(cctx, NULL, 0, &out, err, sizeof err);
    assert_refused_unsent(st, out.n, err);
    ssa_ctx_unref(cctx);
}
END_TEST

/* ---- the middle box ------------------------------------------------------ */

typedef struct keylog_capture {
    pthread_mutex_t lock;
    unsigned char client_random[32];
    unsigned char master[48];
    bool have;
} keylog_capture;

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool unhex(const char *s, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* "CLIENT_RANDOM <32 bytes hex> <48 bytes hex>" (TLS 1.2). */
static void keylog_hook(ssa_conn *c, const char *line, void *arg)
{
    (void)c;
    keylog_capture *k = arg;
    if (strncmp(line, "CLIENT_RANDOM ", 14) != 0 || strlen(line) < 14 + 64 + 1 + 96)
        return;
    pthread_mutex_lock(&k->lock);
    k->have = unhex(line + 14, k->client_random, 32) && unhex(line + 14 + 65, k->master, 48);
    pthread_mutex_unlock(&k->lock);
}

typedef struct mitm {
    int cfd, sfd;               /* towards the client, towards the server */
    size_t ticket_len;          /* of the ticket put in the client's hands */
    keylog_capture *keys;
    unsigned char client_random[32], server_random[32];
    unsigned char *transcript;  /* handshake messages, for the Finished */
    size_t transcript_len;
    bool replaced;              /* the ticket and Finished were replaced */
} mitm;

enum { REC_CCS = 20, REC_HANDSHAKE = 22, REC_MAX = 18432 };

static bool read_full(int fd, unsigned char *buf, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, buf, n);
        if (r <= 0)
            return false;
        buf += r;
        n -= (size_t)r;
    }
    return true;
}

static bool write_full(int fd, const unsigned char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

/* One record: its type, body and length. */
static bool read_record(int fd, int *type, unsigned char *body, size_t *len)
{
    unsigned char h[5];
    if (!read_full(fd, h, 5))
        return false;
    *type = h[0];
    *len = (size_t)h[3] << 8 | h[4];
    return *len <= REC_MAX && read_full(fd, body, *len);
}

static bool write_record(int fd, int type, const unsigned char *body, size_t len)
{
    unsigned char h[5] = { (unsigned char)type, 3, 3, (unsigned char)(len >> 8),
                           (unsigned char)len };
    return write_full(fd, h, 5) && write_full(fd, body, len);
}

static void transcript_add(mitm *m, const unsigned char *msg, size_t len)
{
    memcpy(m->transcript + m->transcript_len, msg, len);
    m->transcript_len += len;
}

/* Relays handshake records from `from` to `to` and adds their messages to
 * the transcript until a message of type `last` has passed (one message
 * per record or several; none spans records in these flights). */
static bool relay_flight(mitm *m, int from, int to, int last)
{
    unsigned char body[REC_MAX];
    size_t len;
    int type;
    for (;;) {
        if (!read_record(from, &type, body, &len) || type != REC_HANDSHAKE ||
            !write_record(to, type, body, len))
            return false;
        for (size_t off = 0; off + 4 <= len;) {
            size_t mlen = 4 + ((size_t)body[off + 1] << 16 | (size_t)body[off + 2] << 8 |
                               body[off + 3]);
            if (off + mlen > len)
                return false;
            if (body[off] == 1)                       /* ClientHello */
                memcpy(m->client_random, body + off + 6, 32);
            if (body[off] == 2)                       /* ServerHello */
                memcpy(m->server_random, body + off + 6, 32);
            transcript_add(m, body + off, mlen);
            if (body[off] == last)
                return true;
            off += mlen;
        }
    }
}

/* Forwards one record of the given type unchanged. */
static bool relay_record(int from, int to, int want)
{
    unsigned char body[REC_MAX];
    size_t len;
    int type;
    return read_record(from, &type, body, &len) && type == want &&
           write_record(to, type, body, len);
}

static bool prf(const unsigned char *master, const char *label, const unsigned char *seed,
                size_t seed_len, unsigned char *out, size_t out_len)
{
    return wc_PRF_TLS(out, (word32)out_len, master, 48, (const byte *)label,
                      (word32)strlen(label), seed, (word32)seed_len, 1, sha256_mac, NULL,
                      INVALID_DEVID) == 0;
}

/* Finished of `label` over the transcript so far. */
static bool finished_message(const mitm *m, const char *label, unsigned char msg[16])
{
    unsigned char hash[32];
    msg[0] = 20;
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = 12;
    return wc_Sha256Hash(m->transcript, (word32)m->transcript_len, hash) == 0 &&
           prf(m->keys->master, label, hash, sizeof hash, msg + 4, 12);
}

/* The server's Finished, sealed as the first record under its new keys
 * (AES-128-GCM: explicit nonce, ciphertext, tag; sequence number 0). */
static bool sealed_server_finished(const mitm *m, const unsigned char msg[16],
                                   const unsigned char explicit_nonce[8], unsigned char rec[40])
{
    unsigned char seed[64], block[40], nonce[12];
    memcpy(seed, m->server_random, 32);
    memcpy(seed + 32, m->client_random, 32);
    if (!prf(m->keys->master, "key expansion", seed, sizeof seed, block, sizeof block))
        return false;
    /* client key 16, server key 16, client salt 4, server salt 4 */
    memcpy(nonce, block + 36, 4);
    memcpy(nonce + 4, explicit_nonce, 8);
    unsigned char aad[13] = { 0, 0, 0, 0, 0, 0, 0, 0, REC_HANDSHAKE, 3, 3, 0, 16 };
    Aes aes;
    bool ok = wc_AesInit(&aes, NULL, INVALID_DEVID) == 0 &&
              wc_AesGcmSetKey(&aes, block + 16, 16) == 0 &&
              wc_AesGcmEncrypt(&aes, rec + 8, msg, 16, nonce, sizeof nonce, rec + 24, 16, aad,
                               sizeof aad) == 0;
    wc_AesFree(&aes);
    memcpy(rec, explicit_nonce, 8);
    return ok;
}

/* Sends a NewSessionTicket carrying m->ticket_len bytes in place of the
 * server's, in as many records as it takes. */
static bool send_long_ticket(mitm *m, const unsigned char *lifetime)
{
    size_t body = 4 + 2 + m->ticket_len, total = 4 + body;
    unsigned char *msg = malloc(total);
    if (!msg)
        return false;
    msg[0] = 4;
    msg[1] = (unsigned char)(body >> 16);
    msg[2] = (unsigned char)(body >> 8);
    msg[3] = (unsigned char)body;
    memcpy(msg + 4, lifetime, 4);
    msg[8] = (unsigned char)(m->ticket_len >> 8);
    msg[9] = (unsigned char)m->ticket_len;
    for (size_t i = 0; i < m->ticket_len; i++)
        msg[10 + i] = (unsigned char)(i * 7 + 1);
    transcript_add(m, msg, total);
    bool ok = true;
    for (size_t off = 0; ok && off < total; off += 16384)
        ok = write_record(m->cfd, REC_HANDSHAKE, msg + off,
                          total - off < 16384 ? total - off : 16384);
    free(msg);
    return ok;
}

/* Client Finished (only its hash counts: computed, not decrypted), then
 * the server's ticket, ChangeCipherSpec and Finished, two of them ours. */
static bool replace_ticket(mitm *m)
{
    unsigned char body[REC_MAX], fin[16], rec[40];
    size_t len;
    int type;
    pthread_mutex_lock(&m->keys->lock);
    bool keys_ok = m->keys->have && memcmp(m->keys->client_random, m->client_random, 32) == 0;
    pthread_mutex_unlock(&m->keys->lock);
    if (!keys_ok || !finished_message(m, "client finished", fin))
        return false;
    transcript_add(m, fin, sizeof fin);
    if (!read_record(m->sfd, &type, body, &len) || type != REC_HANDSHAKE || len < 10 ||
        body[0] != 4)
        return false;
    if (!send_long_ticket(m, body + 4) || !relay_record(m->sfd, m->cfd, REC_CCS))
        return false;
    if (!read_record(m->sfd, &type, body, &len) || type != REC_HANDSHAKE || len != 40)
        return false;
    if (!finished_message(m, "server finished", fin) ||
        !sealed_server_finished(m, fin, body, rec))
        return false;
    m->replaced = true;
    return write_record(m->cfd, REC_HANDSHAKE, rec, sizeof rec);
}

/* Bytes both ways, unchanged, until either side closes. */
static void relay_rest(mitm *m)
{
    struct pollfd p[2] = { { m->cfd, POLLIN, 0 }, { m->sfd, POLLIN, 0 } };
    unsigned char buf[16384];
    for (;;) {
        if (poll(p, 2, 10000) <= 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!p[i].revents)
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0 || !write_full(p[1 - i].fd, buf, (size_t)n))
                return;
        }
    }
}

static void *mitm_main(void *arg)
{
    mitm *m = arg;
    if (relay_flight(m, m->cfd, m->sfd, 1) &&                 /* ClientHello */
        relay_flight(m, m->sfd, m->cfd, 14) &&                /* ... ServerHelloDone */
        relay_flight(m, m->cfd, m->sfd, 16) &&                /* ClientKeyExchange */
        relay_record(m->cfd, m->sfd, REC_CCS) &&
        relay_record(m->cfd, m->sfd, REC_HANDSHAKE) &&        /* client Finished */
        replace_ticket(m))
        relay_rest(m);
    shutdown(m->cfd, SHUT_RDWR);
    shutdown(m->sfd, SHUT_RDWR);
    return NULL;
}

typedef struct server_job {
    ssa_conn *conn;
    ssa_status handshake;
} server_job;

static void *server_main(void *arg)
{
    server_job *job = arg;
    job->handshake = ssa_conn_handshake(job->conn);
    char buf[16];
    size_t n;
    if (job->handshake == SSA_OK)
        ssa_conn_read(job->conn, buf, sizeof buf, &n); /* until the client leaves */
    return NULL;
}

/* A TLS 1.2 handshake of a core client with a core server whose ticket
 * the middle box replaced by one of ticket_len bytes. Returns the client's
 * status; on success *blob is its session (with that ticket). */
static ssa_status handshake_with_long_ticket(size_t ticket_len, unsigned char **blob,
                                             size_t *blob_len, char *err, size_t errlen)
{
    keylog_capture keys = { .have = false };
    pthread_mutex_init(&keys.lock, NULL);
    ssa_ctx *sctx = server_ctx(), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_int_eq(ssa_ctx_set_keylog_hook(cctx, keylog_hook, &keys), SSA_OK);
    int cp[2], sp[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, cp), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    ssa_conn *client = ssa_conn_new(cctx), *server = ssa_conn_new(sctx);
    ck_assert_int_eq(ssa_conn_set_fd(client, cp[0]), SSA_OK);
    ck_assert_int_eq(ssa_conn_set_fd(server, sp[1]), SSA_OK);
    ssa_conn_set_hostname(client, "localhost");

    mitm m = { .cfd = cp[1], .sfd = sp[0], .ticket_len = ticket_len, .keys = &keys };
    m.transcript = malloc(1 << 18);
    ck_assert_ptr_nonnull(m.transcript);
    server_job job = { .conn = server };
    pthread_t st, mt;
    pthread_create(&st, NULL, server_main, &job);
    pthread_create(&mt, NULL, mitm_main, &m);

    ssa_status cs = ssa_conn_handshake(client);
    snprintf(err, errlen, "%s", ssa_conn_error(client) ? ssa_conn_error(client) : "");
    *blob = NULL;
    *blob_len = 0;
    if (cs == SSA_OK) {
        ck_assert_int_eq(ssa_conn_version(client), SSA_TLS1_2);
        ck_assert_int_eq(ssa_conn_session_export(client, blob, blob_len), SSA_OK);
    }
    shutdown(cp[0], SHUT_RDWR);
    pthread_join(mt, NULL);
    pthread_join(st, NULL);
    /* A client that took the server's own ticket proves nothing. */
    ck_assert(cs != SSA_OK || m.replaced);
    ssa_conn_free(client);
    ssa_conn_free(server);
    for (int i = 0; i < 2; i++) {
        close(cp[i]);
        close(sp[i]);
    }
    free(m.transcript);
    pthread_mutex_destroy(&keys.lock);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
    return cs;
}

/* ---- a HelloRetryRequest cookie, echoed before anything is verified ---- */

/* A HelloRetryRequest for TLS_AES_128_GCM_SHA256 that asks for nothing
 * but a cookie of cookie_len bytes, in as many records as it takes. */
static void send_hrr_with_cookie(int fd, const unsigned char *sid, size_t sid_len,
                                 size_t cookie_len)
{
    static const unsigned char hrr_random[32] = {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C };
    size_t ext_len = (4 + 2) + (4 + 2 + cookie_len);
    size_t body = 2 + 32 + 1 + sid_len + 2 + 1 + 2 + ext_len, total = 4 + body, i = 0;
    unsigned char *m = malloc(total);
    ck_assert_ptr_nonnull(m);
    m[i++] = 2; /* server_hello */
    m[i++] = (unsigned char)(body >> 16);
    m[i++] = (unsigned char)(body >> 8);
    m[i++] = (unsigned char)body;
    m[i++] = 3;
    m[i++] = 3;
    memcpy(m + i, hrr_random, 32);
    i += 32;
    m[i++] = (unsigned char)sid_len;
    memcpy(m + i, sid, sid_len);
    i += sid_len;
    m[i++] = 0x13; /* TLS_AES_128_GCM_SHA256 */
    m[i++] = 0x01;
    m[i++] = 0;    /* no compression */
    m[i++] = (unsigned char)(ext_len >> 8);
    m[i++] = (unsigned char)ext_len;
    const unsigned char versions[] = { 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04 };
    memcpy(m + i, versions, sizeof versions);
    i += sizeof versions;
    m[i++] = 0x00; /* cookie */
    m[i++] = 0x2c;
    m[i++] = (unsigned char)((cookie_len + 2) >> 8);
    m[i++] = (unsigned char)(cookie_len + 2);
    m[i++] = (unsigned char)(cookie_len >> 8);
    m[i++] = (unsigned char)cookie_len;
    for (size_t k = 0; k < cookie_len; k++)
        m[i++] = (unsigned char)(k * 13 + 5);
    ck_assert_uint_eq(i, total);
    for (size_t off = 0; off < total; off += 16384)
        ck_assert(write_record(fd, REC_HANDSHAKE, m + off,
                               total - off < 16384 ? total - off : 16384));
    free(m);
}

/* A server name of 48000 bytes fits a ClientHello; the 18000-byte cookie
 * of a HelloRetryRequest, which anyone on the path can send since nothing
 * is authenticated yet, pushes the second ClientHello past 16 bits: it
 * fails before writing it. */
START_TEST(hrr_cookie_pushing_second_hello_over_16_bits_fails_before_writing)
{
    use_test_policy(NULL);
    ssa_ctx *cctx = client_ctx_with_long_name(48000);
    int fds[2];
    lone_pair(fds);
    ssa_conn *c = ssa_conn_new(cctx);
    ck_assert_int_eq(ssa_conn_set_fd(c, fds[0]), SSA_OK);
    unsigned char *hello = malloc(PEER_BUF);
    ck_assert_ptr_nonnull(hello);
    size_t n;
    ck_assert_int_eq(step_collecting(c, fds[1], hello, &n), SSA_WANT_READ);
    ck_assert_uint_gt(n, 48000);
    ck_assert_uint_eq(hello[0], REC_HANDSHAKE);
    ck_assert_uint_eq(hello[5], 1); /* client_hello */
    size_t sid_len = hello[9 + 2 + 32];
    ck_assert_uint_le(sid_len, 32);
    send_hrr_with_cookie(fds[1], hello + 9 + 2 + 32 + 1, sid_len, 18000);

    ssa_status st = step_collecting(c, fds[1], hello, &n);
    char err[256];
    snprintf(err, sizeof err, "%s", ssa_conn_error(c) ? ssa_conn_error(c) : "");
    /* A middlebox-compatibility ChangeCipherSpec may precede it; no hello. */
    size_t skip = n >= 6 && hello[0] == REC_CCS ? 6 : 0;
    assert_refused_unsent(st, n - skip, err);
    free(hello);
    ssa_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    ssa_ctx_unref(cctx);
}
END_TEST

/* ---- server-side: a ticket that cannot be echoed ------------------------ */

/* wolfSSL takes no handshake message over MAX_HANDSHAKE_SZ (18462 bytes in
 * this build): a 65000-byte ticket is refused on receipt, cleanly. */
START_TEST(server_ticket_of_65000_bytes_is_refused_on_receipt)
{
    use_test_policy(TLS12_ONE_SUITE);
    unsigned char *blob;
    size_t blob_len;
    char err[256];
    ssa_status st = handshake_with_long_ticket(65000, &blob, &blob_len, err, sizeof err);
    ck_assert_msg(st != SSA_OK, "a 65000-byte ticket was taken");
    ck_assert_ptr_null(blob);
    ck_assert_msg(strstr(err, "engine error -") != NULL, "error: %s", err);
}
END_TEST

/* A ticket the engine takes (18000 bytes) makes the resumption's
 * ClientHello pass 16 bits with a server name that alone fits: the
 * resumption fails before writing, instead of overflowing. */
START_TEST(server_ticket_pushing_resumption_over_16_bits_fails_before_writing)
{
    use_test_policy(TLS12_ONE_SUITE);
    unsigned char *blob;
    size_t blob_len;
    char err[256];
    ssa_status st = handshake_with_long_ticket(18000, &blob, &blob_len, err, sizeof err);
    ck_assert_msg(st == SSA_OK, "first handshake: %s", err);
    ck_assert_ptr_nonnull(blob);

    ssa_ctx *cctx = client_ctx_with_long_name(48000);
    sent_bytes out;
    /* Without the session the ClientHello (about 48 KB) fits and goes out. */
    st = lone_client_step(cctx, NULL, 0, &out, err, sizeof err);
    ck_assert_int_eq(st, SSA_WANT_READ);
    ck_assert_uint_gt(out.n, 48000);
    /* With it, 18 KB more: over 65535 bytes of extensions. */
    st = lone_client_step(cctx, blob, blob_len, &out, err, sizeof err);
    assert_refused_unsent(st, out.n, err);
    free(blob);
    ssa_ctx_unref(cctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine_limits");
    TCase *t = tcase_create("extensions_16_bits");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, client_hello_over_16_bits_fails_before_writing);
    tcase_add_test(t, client_hello_of_exactly_16_bits_goes_out);
    tcase_add_test(t, hrr_cookie_pushing_second_hello_over_16_bits_fails_before_writing);
    tcase_add_test(t, server_ticket_of_65000_bytes_is_refused_on_receipt);
    tcase_add_test(t, server_ticket_pushing_resumption_over_16_bits_fails_before_writing);
    suite_add_tcase(s, t);
    return test_run_suite(s);
}
