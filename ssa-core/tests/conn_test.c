/*
 * Self-talk tests of the engine: a core client and a core server in one
 * process over a socketpair, blocking (server in a thread) and
 * non-blocking (both stepped in one loop).
 */
#include "ssa_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssa/core.h"

static const char *audit_log;

/* Policy for these tests: the test PKI's root as the trust store, audit
 * into a file we read back. */
static void use_test_policy(const char *extra)
{
    static char text[4096];
    audit_log = test_write_temp(".log", "");
    snprintf(text, sizeof text,
             "default: { trust_store = \"%s\"; audit = \"%s\"; %s };\n",
             test_pki("ca.crt"), audit_log, extra ? extra : "");
    test_use_policy(text);
}

static ssa_ctx *server_ctx(const char *leaf)
{
    char chain[64], key[64];
    snprintf(chain, sizeof chain, "%s-chain.pem", leaf);
    snprintf(key, sizeof key, "%s.key", leaf);
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_SERVER, "test");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(ssa_ctx_use_certificate_file(ctx, test_pki(chain), test_pki(key)), SSA_OK);
    return ctx;
}

typedef struct server_job {
    ssa_conn *conn;
    int fd;
    ssa_status handshake;
    char got[64];
    bool echo;
} server_job;

/* Blocking server: handshake, then echo one message and close cleanly. */
static void *server_main(void *arg)
{
    server_job *job = arg;
    job->handshake = ssa_conn_handshake(job->conn);
    if (job->handshake != SSA_OK)
        shutdown(job->fd, SHUT_RDWR); /* as a real server drops the client */
    if (job->handshake != SSA_OK || !job->echo)
        return NULL;
    size_t n = 0, w = 0;
    if (ssa_conn_read(job->conn, job->got, sizeof job->got - 1, &n) == SSA_OK) {
        job->got[n] = '\0';
        ssa_conn_write(job->conn, job->got, n, &w);
    }
    ssa_conn_shutdown(job->conn, false);
    return NULL;
}

typedef struct pair {
    int fds[2];
    ssa_conn *client, *server;
    pthread_t thread;
    server_job job;
} pair;

static void pair_start(pair *p, ssa_ctx *cctx, ssa_ctx *sctx, bool echo)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fds), 0);
    p->client = ssa_conn_new(cctx);
    p->server = ssa_conn_new(sctx);
    ck_assert_int_eq(ssa_conn_set_fd(p->client, p->fds[0]), SSA_OK);
    ck_assert_int_eq(ssa_conn_set_fd(p->server, p->fds[1]), SSA_OK);
    memset(&p->job, 0, sizeof p->job);
    p->job.conn = p->server;
    p->job.fd = p->fds[1];
    p->job.echo = echo;
    pthread_create(&p->thread, NULL, server_main, &p->job);
}

/* Join the server; closing our end first unblocks a server that waits. */
static void pair_finish(pair *p)
{
    shutdown(p->fds[0], SHUT_RDWR);
    pthread_join(p->thread, NULL);
    ssa_conn_free(p->client);
    ssa_conn_free(p->server);
    close(p->fds[0]);
    close(p->fds[1]);
}

START_TEST(blocking_handshake_and_echo)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, true);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    ck_assert_int_eq(ssa_conn_version(p.client), SSA_TLS1_3);
    ck_assert_int_eq(ssa_conn_verify_result(p.client), SSA_V_OK);
    ck_assert_ptr_nonnull(ssa_conn_cipher(p.client));
    ck_assert_int_eq(ssa_conn_cipher(p.client)->min_version, SSA_TLS1_3);
    ck_assert_str_eq(ssa_conn_group(p.client), "X25519");
    ck_assert_int_eq(ssa_conn_peer_chain_count(p.client), 2);

    size_t n = 0;
    char buf[64];
    ck_assert_int_eq(ssa_conn_write(p.client, "hello", 5, &n), SSA_OK);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(ssa_conn_read(p.client, buf, sizeof buf, &n), SSA_OK);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
    /* The server's close_notify is a clean end of stream. */
    ck_assert_int_eq(ssa_conn_read(p.client, buf, sizeof buf, &n), SSA_EOF);
    ck_assert(ssa_conn_peer_closed(p.client));
    pair_finish(&p);
    ck_assert_str_eq(p.job.got, "hello");

    char *log = test_slurp(audit_log);
    ck_assert_ptr_nonnull(strstr(log, "event=connection role=client peer=localhost"));
    ck_assert_ptr_nonnull(strstr(log, "role=server"));
    ck_assert_ptr_nonnull(strstr(log, "version=TLSv1.3"));
    free(log);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* Both ends non-blocking over one socketpair, stepped in turn until both
 * handshakes are done; returns how often a step wanted to read. */
static int nonblocking_pair(ssa_ctx *cctx, ssa_ctx *sctx, const char *name, int fds[2],
                            ssa_conn **c, ssa_conn **s)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    *c = ssa_conn_new(cctx);
    *s = ssa_conn_new(sctx);
    ssa_conn_set_fd(*c, fds[0]);
    ssa_conn_set_fd(*s, fds[1]);
    ssa_conn_set_hostname(*c, name);
    ssa_status cs = SSA_WANT_READ, ss = SSA_WANT_READ;
    int rounds = 0, wants = 0;
    while ((cs != SSA_OK || ss != SSA_OK) && rounds++ < 50) {
        if (cs != SSA_OK)
            cs = ssa_conn_handshake(*c);
        if (ss != SSA_OK)
            ss = ssa_conn_handshake(*s);
        wants += (cs == SSA_WANT_READ) + (ss == SSA_WANT_READ);
        ck_assert(cs == SSA_OK || cs == SSA_WANT_READ || cs == SSA_WANT_WRITE);
        ck_assert(ss == SSA_OK || ss == SSA_WANT_READ || ss == SSA_WANT_WRITE);
    }
    ck_assert_int_eq(cs, SSA_OK);
    ck_assert_int_eq(ss, SSA_OK);
    return wants;
}

/* Both ends non-blocking in one thread: each step may want to read. */
START_TEST(nonblocking_handshake)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    int fds[2];
    ssa_conn *c, *s;
    ck_assert_int_gt(nonblocking_pair(cctx, sctx, "good.test", fds, &c, &s), 0);

    char buf[16];
    size_t n;
    ck_assert_int_eq(ssa_conn_read(s, buf, sizeof buf, &n), SSA_WANT_READ);
    ck_assert_int_eq(ssa_conn_write(c, "ping", 4, &n), SSA_OK);
    ck_assert_int_eq(ssa_conn_peek(s, buf, 2, &n), SSA_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(ssa_conn_pending(s), 4);
    ck_assert_int_eq(ssa_conn_read(s, buf, sizeof buf, &n), SSA_OK);
    ck_assert_int_eq(n, 4);
    ck_assert_uint_eq(ssa_conn_pending(s), 0);

    /* close_notify both ways: the first shutdown sends ours, the second
     * completes once the peer's arrived. */
    ck_assert_int_eq(ssa_conn_shutdown(c, false), SSA_OK);
    ck_assert_int_eq(ssa_conn_read(s, buf, sizeof buf, &n), SSA_EOF);
    ck_assert_int_eq(ssa_conn_shutdown(s, true), SSA_OK);
    ck_assert_int_eq(ssa_conn_shutdown(c, true), SSA_OK);
    ck_assert(ssa_conn_peer_closed(c));
    ck_assert_int_eq(ssa_conn_write(c, "x", 1, &n), SSA_ERR_STATE);
    ssa_conn_free(c);
    ssa_conn_free(s);
    close(fds[0]);
    close(fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* EOF without close_notify after the handshake is a truncation attack, not
 * a clean end. */
START_TEST(truncation_is_an_error)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    pthread_join(p.thread, NULL);
    shutdown(p.fds[1], SHUT_RDWR); /* the server vanishes without close_notify */
    char buf[16];
    size_t n;
    ck_assert_int_eq(ssa_conn_read(p.client, buf, sizeof buf, &n), SSA_ERR_SYSCALL);
    ck_assert_int_eq(ssa_conn_errno(p.client), 0);
    ck_assert_ptr_nonnull(strstr(ssa_conn_error(p.client), "truncation"));
    /* Failures are sticky. */
    ck_assert_int_eq(ssa_conn_read(p.client, buf, sizeof buf, &n), SSA_ERR_SYSCALL);
    ssa_conn_free(p.client);
    ssa_conn_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

START_TEST(alpn_both_ways)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_int_eq(ssa_ctx_set_alpn_list(cctx, "h2,http/1.1"), SSA_OK);
    ck_assert_int_eq(ssa_ctx_set_alpn_list(sctx, "http/1.1,h2"), SSA_OK);
    ck_assert_int_eq(ssa_ctx_set_alpn_list(sctx, "bad,,list"), SSA_ERR_ARG);
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    pthread_join(p.thread, NULL);
    /* Server preference decides. */
    ck_assert_str_eq(ssa_conn_alpn(p.client), "http/1.1");
    ck_assert_str_eq(ssa_conn_alpn(p.server), "http/1.1");
    ssa_conn_free(p.client);
    ssa_conn_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

static ssa_ctx *sni_other_ctx;
static char sni_seen[64];

static ssa_sni_answer switch_on_name(ssa_conn *c, const char *name, void *arg)
{
    (void)arg;
    snprintf(sni_seen, sizeof sni_seen, "%s", name ? name : "");
    if (name && strcmp(name, "wrong.test") == 0)
        return ssa_conn_switch_ctx(c, sni_other_ctx) == SSA_OK ? SSA_SNI_OK : SSA_SNI_FATAL;
    return SSA_SNI_OK;
}

/* The server's SNI hook sees the name and picks the certificate. */
START_TEST(sni_selects_certificate)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    sni_other_ctx = server_ctx("wronghost");
    ssa_ctx_set_sni_hook(sctx, switch_on_name, NULL);
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "wrong.test");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    pthread_join(p.thread, NULL);
    ck_assert_str_eq(sni_seen, "wrong.test");
    ck_assert_str_eq(ssa_conn_sni(p.server), "wrong.test");
    ck_assert_ptr_eq(ssa_conn_ctx(p.server), sni_other_ctx);
    ssa_conn_free(p.client);
    ssa_conn_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
    ssa_ctx_unref(sni_other_ctx);
}
END_TEST

/* One full handshake, one resumed one, with the session carried as a blob. */
/* Two handshakes, the second offering the first's session under the name
 * second_host: resumed exactly when expect_resumed. */
static void check_resumption_to(const char *policy_extra, uint16_t max_version,
                                const char *second_host, bool expect_resumed)
{
    use_test_policy(policy_extra);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    for (int round = 0; round < 2; round++) {
        pair p;
        pair_start(&p, cctx, sctx, true);
        ssa_request req = SSA_REQUEST_INIT;
        req.max_version = max_version;
        ck_assert_int_eq(ssa_conn_request(p.client, &req, NULL), SSA_OK);
        ssa_conn_set_hostname(p.client, round == 0 ? "localhost" : second_host);
        if (blob)
            ck_assert_int_eq(ssa_conn_session_import(p.client, blob, blob_len), SSA_OK);
        ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
        size_t n;
        char buf[8];
        /* Read the echo, so that TLS 1.3 tickets have arrived. */
        ssa_status rst = ssa_conn_write(p.client, "r", 1, &n);
        if (rst == SSA_OK)
            rst = ssa_conn_read(p.client, buf, sizeof buf, &n);
        if (rst != SSA_OK) {
            pthread_join(p.thread, NULL);
            ck_abort_msg("round %d: client %s; server %d %s", round, ssa_conn_error(p.client),
                         p.job.handshake, ssa_conn_error(p.server));
        }
        ck_assert_int_eq(ssa_conn_resumed(p.client), round == 1 && expect_resumed);
        ck_assert_int_eq(ssa_conn_resumed(p.server), round == 1 && expect_resumed);
        if (!blob)
            ck_assert_int_eq(ssa_conn_session_export(p.client, &blob, &blob_len), SSA_OK);
        pair_finish(&p);
    }
    free(blob);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}

static void check_resumption(const char *policy_extra, uint16_t max_version)
{
    check_resumption_to(policy_extra, max_version, "localhost", true);
}

/* A session blob is resumed only as this process sealed it: a changed
 * byte anywhere (in the session or its MAC) is refused. */
START_TEST(tampered_session_blob_is_refused)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_request req = SSA_REQUEST_INIT;
    req.max_version = SSA_TLS1_2;
    ck_assert_int_eq(ssa_conn_request(p.client, &req, NULL), SSA_OK);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    unsigned char *blob = NULL;
    size_t len = 0;
    ck_assert_int_eq(ssa_conn_session_export(p.client, &blob, &len), SSA_OK);
    pair_finish(&p);
    size_t at[] = { 5, len / 2, len - 1 }; /* in the MAC, the session, its end */
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        ssa_conn *c = ssa_conn_new(cctx);
        blob[at[i]] ^= 0x01;
        ck_assert_int_eq(ssa_conn_session_import(c, blob, len), SSA_ERR_ARG);
        blob[at[i]] ^= 0x01;
        ck_assert_int_eq(ssa_conn_session_import(c, blob, len), SSA_OK);
        ssa_conn_free(c);
    }
    free(blob);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* A connection cut without close_notify leaves no session to export. */
START_TEST(truncated_connection_exports_no_session)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_request req = SSA_REQUEST_INIT;
    req.max_version = SSA_TLS1_2;
    ck_assert_int_eq(ssa_conn_request(p.client, &req, NULL), SSA_OK);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    pthread_join(p.thread, NULL);
    shutdown(p.fds[1], SHUT_RDWR); /* the server goes, no close_notify */
    char buf[8];
    size_t n;
    ck_assert_int_eq(ssa_conn_read(p.client, buf, sizeof buf, &n), SSA_ERR_SYSCALL);
    unsigned char *blob = NULL;
    size_t len = 0;
    ck_assert_int_eq(ssa_conn_session_export(p.client, &blob, &len), SSA_ERR_STATE);
    ck_assert_ptr_null(blob);
    ssa_conn_free(p.client);
    ssa_conn_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* A session verified for one name is not offered for another, though the
 * server's certificate covers both (localhost, good.test): a resumption
 * skips the certificate, so it would skip verifying the second name. */
START_TEST(session_stays_with_its_name)
{
    check_resumption_to(NULL, SSA_TLS1_2, "good.test", false);
    check_resumption_to(NULL, SSA_TLS1_3, "good.test", false);
}
END_TEST

START_TEST(resumption_with_tickets_tls13)
{
    check_resumption(NULL, 0);
}
END_TEST

START_TEST(resumption_with_session_ids_tls12)
{
    check_resumption("session_tickets = false;", SSA_TLS1_2);
}
END_TEST

/* Policy's lifetime bounds reuse: a session older than it is refused. */
START_TEST(import_refuses_sessions_older_than_policy_allows)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, true);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    size_t n;
    char buf[8];
    ck_assert_int_eq(ssa_conn_write(p.client, "r", 1, &n), SSA_OK);
    ck_assert_int_eq(ssa_conn_read(p.client, buf, sizeof buf, &n), SSA_OK);
    unsigned char *blob = NULL;
    size_t len = 0;
    ck_assert_int_eq(ssa_conn_session_export(p.client, &blob, &len), SSA_OK);
    pair_finish(&p);

    use_test_policy("session_lifetime = 1;");
    sleep(2);
    ssa_ctx *strict = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(strict);
    ck_assert_int_eq(ssa_conn_session_import(c, blob, len), SSA_ERR_POLICY);
    ssa_conn_free(c);
    ssa_ctx_unref(strict);
    free(blob);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* Certificates and keys in DER work as well as PEM. */
START_TEST(der_certificate_and_key)
{
    use_test_policy(NULL);
    char cmd[1024];
    const char *dir = test_pki_dir();
    snprintf(cmd, sizeof cmd,
             "openssl x509 -in %s/good.crt -outform DER -out %s/good.der && "
             "openssl pkey -in %s/good.key -outform DER -out %s/good.key.der",
             dir, dir, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    ssa_ctx *sctx = ssa_ctx_new(SSA_ROLE_SERVER, "test");
    ck_assert_int_eq(ssa_ctx_use_certificate_file(sctx, test_pki("good.der"), test_pki("good.key.der")),
                     SSA_OK);
    /* A key that does not match the certificate is refused. */
    ssa_ctx *wrong = ssa_ctx_new(SSA_ROLE_SERVER, "test");
    ck_assert_int_eq(ssa_ctx_use_certificate_file(wrong, test_pki("good.der"), test_pki("expired.key")),
                     SSA_ERR_IO_FILE);
    ssa_ctx_unref(wrong);
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    /* The DER file holds the leaf only, so the client brings the
     * intermediate among its anchors (calls accumulate). */
    ck_assert_int_eq(ssa_ctx_trust_file(cctx, test_pki("ca.crt")), SSA_OK);
    ck_assert_int_eq(ssa_ctx_trust_file(cctx, test_pki("int.crt")), SSA_OK);
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    ck_assert_int_eq(ssa_conn_peer_chain_count(p.client), 1);
    pair_finish(&p);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

START_TEST(import_refuses_garbage)
{
    use_test_policy(NULL);
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(cctx);
    unsigned char junk[40] = {0x30, 0x10};
    ck_assert_int_eq(ssa_conn_session_import(c, junk, sizeof junk), SSA_ERR_ARG);
    ssa_conn_free(c);
    ssa_ctx_unref(cctx);
}
END_TEST

/* Client authentication: policy requires it; a client without a
 * certificate is refused, one with a certificate from our CA is accepted,
 * one from another CA is refused. */
static ssa_status client_auth_with(const char *leaf, char *server_error, size_t len)
{
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    if (leaf) {
        char chain[64], key[64];
        snprintf(chain, sizeof chain, "%s-chain.pem", leaf);
        snprintf(key, sizeof key, "%s.key", leaf);
        ck_assert_int_eq(ssa_ctx_use_certificate_file(cctx, test_pki(chain), test_pki(key)), SSA_OK);
    }
    pair p;
    pair_start(&p, cctx, sctx, true);
    ssa_conn_set_hostname(p.client, "localhost");
    ssa_status st = ssa_conn_handshake(p.client);
    if (st == SSA_OK) { /* TLS 1.3: the server's verdict comes after ours */
        size_t n;
        char buf[8];
        ssa_conn_write(p.client, "a", 1, &n);
        st = ssa_conn_read(p.client, buf, sizeof buf, &n);
    }
    shutdown(p.fds[0], SHUT_RDWR);
    pthread_join(p.thread, NULL);
    snprintf(server_error, len, "%s", ssa_conn_error(p.server) ? ssa_conn_error(p.server) : "");
    ssa_status server_st = p.job.handshake;
    ssa_conn_free(p.client);
    ssa_conn_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
    (void)st;
    return server_st;
}

START_TEST(client_auth_required)
{
    char err[256];
    use_test_policy("client_auth = \"require\";");
    ck_assert_int_eq(client_auth_with(NULL, err, sizeof err), SSA_ERR_VERIFY);
    ck_assert_ptr_nonnull(strstr(err, "no certificate"));
    ck_assert_int_eq(client_auth_with("client", err, sizeof err), SSA_OK);
    ck_assert_int_eq(client_auth_with("client-other", err, sizeof err), SSA_ERR_VERIFY);
    ck_assert_ptr_nonnull(strstr(err, "certificate verify failed"));
}
END_TEST

START_TEST(client_auth_optional)
{
    char err[256];
    use_test_policy("client_auth = \"optional\";");
    ck_assert_int_eq(client_auth_with(NULL, err, sizeof err), SSA_OK);
    ck_assert_int_eq(client_auth_with("client", err, sizeof err), SSA_OK);
}
END_TEST

/* Lengths the engine cannot carry are refused at the door: a server name
 * over 255 bytes (RFC 6066), CA names over a CertificateRequest's 16-bit
 * list, an ALPN list over SSA_MAX_ALPN_WIRE. */
START_TEST(overlong_values_are_refused)
{
    use_test_policy(NULL);
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(cctx);
    char name[SSA_MAX_HOSTNAME + 2];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    ck_assert_int_eq(ssa_conn_set_hostname(c, name), SSA_ERR_ARG);
    ck_assert_int_eq(ssa_conn_set_verify_name(c, name), SSA_ERR_ARG);
    name[SSA_MAX_HOSTNAME] = '\0';
    ck_assert_int_eq(ssa_conn_set_hostname(c, name), SSA_OK);
    ck_assert_int_eq(ssa_conn_set_verify_name(c, name), SSA_OK);
    ssa_conn_free(c);

    static unsigned char wire[SSA_MAX_ALPN_WIRE + 256];
    for (size_t i = 0; i + 256 <= sizeof wire; i += 256) {
        wire[i] = 255;
        memset(wire + i + 1, 'p', 255);
    }
    ck_assert_int_eq(ssa_ctx_set_alpn_wire(cctx, wire, SSA_MAX_ALPN_WIRE + 256), SSA_ERR_ARG);
    ck_assert_int_eq(ssa_ctx_set_alpn_wire(cctx, wire, SSA_MAX_ALPN_WIRE), SSA_OK);
    ssa_ctx_unref(cctx);

    ssa_ctx *sctx = server_ctx("good");
    static unsigned char big[40000];
    const unsigned char *names[2] = { big, big };
    size_t lens[2] = { sizeof big, sizeof big };
    ck_assert_int_eq(ssa_ctx_set_client_ca_names(sctx, names, lens, 2), SSA_ERR_ARG);
    ssa_ctx_unref(sctx);
}
END_TEST

/* A client's SNI with a newline and key=value text in it (a peer chooses
 * its SNI) stays inside the server's sni= value: no forged audit line. */
START_TEST(forged_sni_stays_in_one_audit_line)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "localhost\n2026-01-01T00:00:00Z app=/usr/sbin/forged");
    ck_assert_int_ne(ssa_conn_handshake(p.client), SSA_OK); /* no such name in the cert */
    pair_finish(&p);
    char *log = test_slurp(audit_log);
    ck_assert_ptr_null(strstr(log, "\n2026-01-01"));
    ck_assert_ptr_nonnull(strstr(log, "sni=\"localhost\\x0a2026-01-01T00:00:00Z app=/usr/sbin/forged\""));
    ck_assert_ptr_nonnull(strstr(log, "role=server"));
    free(log);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* An application asking for less than policy is clamped, and audited. */
START_TEST(weak_request_is_clamped_and_audited)
{
    use_test_policy(NULL);
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_request req = SSA_REQUEST_INIT;
    req.min_version = SSA_TLS1_0;
    req.verify_peer = 0;
    bool clamped = false;
    ck_assert_int_eq(ssa_ctx_request(cctx, &req, &clamped), SSA_OK);
    ck_assert(clamped);
    ck_assert_int_eq(ssa_ctx_settings(cctx)->min_version, SSA_TLS1_2);
    ck_assert(ssa_ctx_settings(cctx)->verify_peer);
    char *log = test_slurp(audit_log);
    ck_assert_ptr_nonnull(strstr(log, "clamped"));
    ck_assert_ptr_nonnull(strstr(log, "frontend=test"));
    free(log);
    ssa_ctx_unref(cctx);
}
END_TEST

/* Application anchors replace the store: with the other CA as its only
 * anchor, our good server is no longer trusted. */
START_TEST(app_anchors_replace_the_store)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_int_eq(ssa_ctx_trust_file(cctx, test_pki("other-ca.crt")), SSA_OK);
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_ERR_VERIFY);
    ck_assert_int_eq(ssa_conn_verify_result(p.client), SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    pair_finish(&p);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

START_TEST(app_anchors_refused_when_policy_says_so)
{
    use_test_policy("app_trust_anchors = false;");
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_int_eq(ssa_ctx_trust_file(cctx, test_pki("ca.crt")), SSA_ERR_POLICY);
    ssa_ctx_unref(cctx);
}
END_TEST

START_TEST(keylog_only_where_policy_allows)
{
    use_test_policy(NULL);
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ck_assert_int_eq(ssa_ctx_set_keylog_hook(cctx, (ssa_keylog_hook)1, NULL), SSA_ERR_POLICY);
    ssa_ctx_unref(cctx);
}
END_TEST

START_TEST(server_without_certificate_says_why)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = ssa_ctx_new(SSA_ROLE_SERVER, "test"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_ne(ssa_conn_handshake(p.client), SSA_OK);
    pthread_join(p.thread, NULL);
    ck_assert_int_eq(p.job.handshake, SSA_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ssa_conn_error(p.server), "has no certificate"));
    ssa_conn_free(p.client);
    ssa_conn_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* A hostile TLS 1.2 "server": ServerHello, then an EMPTY Certificate
 * message (which wolfSSL's client accepts before our callback sees it). */
static void *empty_certificate_server(void *arg)
{
    int fd = *(int *)arg;
    unsigned char hello[4096];
    if (read(fd, hello, sizeof hello) <= 0)
        return NULL;
    unsigned char msg[128];
    size_t n = 0;
    unsigned char body[2 + 32 + 1 + 32 + 2 + 1 + 2];
    size_t b = 0;
    body[b++] = 0x03, body[b++] = 0x03;               /* TLS 1.2 */
    for (int i = 0; i < 32; i++) body[b++] = (unsigned char)(i * 7 + 1); /* random */
    body[b++] = 32;                                   /* session id */
    for (int i = 0; i < 32; i++) body[b++] = (unsigned char)i;
    body[b++] = 0xc0, body[b++] = 0x2b;               /* ECDHE-ECDSA-AES128-GCM-SHA256 */
    body[b++] = 0;                                    /* no compression */
    body[b++] = 0, body[b++] = 0;                     /* no extensions */
    msg[n++] = 2, msg[n++] = 0, msg[n++] = 0, msg[n++] = (unsigned char)b; /* ServerHello */
    memcpy(msg + n, body, b);
    n += b;
    const unsigned char empty_certificate[] = {0x0b, 0, 0, 3, 0, 0, 0};
    memcpy(msg + n, empty_certificate, sizeof empty_certificate);
    n += sizeof empty_certificate;
    unsigned char record[5 + sizeof msg] = {0x16, 0x03, 0x03, (unsigned char)(n >> 8), (unsigned char)n};
    memcpy(record + 5, msg, n);
    if (write(fd, record, 5 + n) < 0)
        return NULL;
    read(fd, hello, sizeof hello); /* the client's alert */
    return NULL;
}

START_TEST(server_without_certificate_is_refused_not_crashed)
{
    use_test_policy("verify_peer = false;"); /* even where policy does not verify */
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    pthread_t t;
    pthread_create(&t, NULL, empty_certificate_server, &fds[1]);
    ssa_conn *c = ssa_conn_new(cctx);
    ssa_conn_set_fd(c, fds[0]);
    ssa_conn_set_hostname(c, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(c), SSA_ERR_VERIFY);
    ck_assert_ptr_nonnull(strstr(ssa_conn_error(c), "sent no certificate"));
    shutdown(fds[0], SHUT_RDWR);
    pthread_join(t, NULL);
    ssa_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    ssa_ctx_unref(cctx);
}
END_TEST

/* Switching contexts is for a server's SNI hook only: a client that tried
 * would stop checking the hostname. */
START_TEST(switch_ctx_refused_outside_sni_hook)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair p;
    pair_start(&p, cctx, sctx, false);
    ssa_conn_set_hostname(p.client, "bank.example");
    ck_assert_int_eq(ssa_conn_switch_ctx(p.client, sctx), SSA_ERR_STATE);
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_ERR_VERIFY);
    ck_assert_int_eq(ssa_conn_switch_ctx(p.client, sctx), SSA_ERR_STATE);
    ck_assert_int_eq(ssa_conn_verify_result(p.client), SSA_V_ERR_HOSTNAME_MISMATCH);
    pair_finish(&p);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

static ssize_t read_nothing(void *arg, void *buf, size_t len, int *err)
{
    (void)arg, (void)buf, (void)len;
    *err = EAGAIN;
    return -1;
}

static ssize_t write_zero(void *arg, const void *buf, size_t len, int *err)
{
    (void)arg, (void)buf, (void)len, (void)err;
    return 0;
}

/* A write callback that answers 0 is a transport error, not a spin. */
START_TEST(write_callback_returning_zero_fails)
{
    use_test_policy(NULL);
    ssa_ctx *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(cctx);
    ck_assert_int_eq(ssa_conn_set_io(c, read_nothing, write_zero, NULL), SSA_OK);
    ssa_conn_set_hostname(c, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(c), SSA_ERR_SYSCALL);
    ck_assert_int_eq(ssa_conn_errno(c), EIO);
    ssa_conn_free(c);
    ssa_ctx_unref(cctx);
}
END_TEST

/* A session made under a weaker policy is not resumed once policy has
 * tightened: a full handshake follows (it does not fail). */
START_TEST(session_from_weaker_policy_means_full_handshake)
{
    use_test_policy("session_tickets = false;");
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_request req = SSA_REQUEST_INIT;
    req.max_version = SSA_TLS1_2;
    pair p;
    pair_start(&p, cctx, sctx, true);
    ck_assert_int_eq(ssa_conn_request(p.client, &req, NULL), SSA_OK);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    unsigned char *blob = NULL;
    size_t len = 0;
    ck_assert_int_eq(ssa_conn_session_export(p.client, &blob, &len), SSA_OK);
    pair_finish(&p);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);

    use_test_policy("min_protocol = \"1.3\";");
    sctx = server_ctx("good");
    cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    pair_start(&p, cctx, sctx, true);
    ssa_conn_set_hostname(p.client, "localhost");
    ck_assert_int_eq(ssa_conn_session_import(p.client, blob, len), SSA_OK);
    ck_assert_int_eq(ssa_conn_handshake(p.client), SSA_OK);
    ck_assert_int_eq(ssa_conn_version(p.client), SSA_TLS1_3);
    ck_assert(!ssa_conn_resumed(p.client));
    pair_finish(&p);
    free(blob);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

/* Data that arrives after our close_notify and before the peer's is
 * discarded; shutdown waits (WANT_READ) instead of failing. */
START_TEST(shutdown_waits_through_late_data)
{
    use_test_policy(NULL);
    ssa_ctx *sctx = server_ctx("good"), *cctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    int fds[2];
    ssa_conn *c, *s;
    nonblocking_pair(cctx, sctx, "localhost", fds, &c, &s);
    size_t n;
    ck_assert_int_eq(ssa_conn_shutdown(c, false), SSA_OK);
    ck_assert_int_eq(ssa_conn_write(s, "late", 4, &n), SSA_OK);
    ck_assert_int_eq(ssa_conn_shutdown(c, true), SSA_WANT_READ);
    ck_assert_int_eq(ssa_conn_shutdown(s, false), SSA_OK);
    ck_assert_int_eq(ssa_conn_shutdown(c, true), SSA_OK);
    ck_assert(ssa_conn_peer_closed(c));
    ssa_conn_free(c);
    ssa_conn_free(s);
    close(fds[0]);
    close(fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
}
END_TEST

static Suite *conn_suite(void)
{
    Suite *s = suite_create("conn");
    TCase *t = tcase_create("self-talk");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, blocking_handshake_and_echo);
    tcase_add_test(t, nonblocking_handshake);
    tcase_add_test(t, truncation_is_an_error);
    tcase_add_test(t, alpn_both_ways);
    tcase_add_test(t, sni_selects_certificate);
    tcase_add_test(t, resumption_with_tickets_tls13);
    tcase_add_test(t, resumption_with_session_ids_tls12);
    tcase_add_test(t, import_refuses_garbage);
    tcase_add_test(t, import_refuses_sessions_older_than_policy_allows);
    tcase_add_test(t, der_certificate_and_key);
    tcase_add_test(t, client_auth_required);
    tcase_add_test(t, client_auth_optional);
    tcase_add_test(t, weak_request_is_clamped_and_audited);
    tcase_add_test(t, forged_sni_stays_in_one_audit_line);
    tcase_add_test(t, overlong_values_are_refused);
    tcase_add_test(t, session_stays_with_its_name);
    tcase_add_test(t, truncated_connection_exports_no_session);
    tcase_add_test(t, tampered_session_blob_is_refused);
    tcase_add_test(t, app_anchors_replace_the_store);
    tcase_add_test(t, app_anchors_refused_when_policy_says_so);
    tcase_add_test(t, keylog_only_where_policy_allows);
    tcase_add_test(t, server_without_certificate_says_why);
    tcase_add_test(t, server_without_certificate_is_refused_not_crashed);
    tcase_add_test(t, switch_ctx_refused_outside_sni_hook);
    tcase_add_test(t, write_callback_returning_zero_fails);
    tcase_add_test(t, session_from_weaker_policy_means_full_handshake);
    tcase_add_test(t, shutdown_waits_through_late_data);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return test_run_suite(conn_suite());
}
