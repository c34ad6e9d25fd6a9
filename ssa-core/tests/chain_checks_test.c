/*
 * Rules over the whole verified chain (chain_checks.c), trust anchor
 * included: key-size floors, keyUsage and extendedKeyUsage for the peer's
 * role, CA constraints, path lengths, and an anchor that must be a root
 * (the unknown critical extension is in verify_test.c). A core client and a core
 * server talk over a socketpair; every refusal is asserted with the
 * X509_V_ERR_* code OpenSSL gives for the same certificates (pki_test.c
 * checks those with `openssl verify`), and good chains next to each bad one
 * still pass.
 */
#include "ssa_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssa/core.h"

static const char *audit_log;

/* Policy: `store` as the system trust store, audit into a file. */
static void use_policy(const char *store, const char *extra)
{
    static char text[4096];
    audit_log = test_write_temp(".log", "");
    snprintf(text, sizeof text, "default: { trust_store = \"%s\"; audit = \"%s\"; %s };\n",
             test_pki(store), audit_log, extra ? extra : "");
    test_use_policy(text);
}

/* Where the client's trust anchors come from. */
typedef enum { FROM_POLICY_STORE, FROM_CTX, FROM_CONN } anchor_source;

/* The DER form of a single-certificate PEM file of the PKI. */
static unsigned char *der_of(const char *name, size_t *len)
{
    char cmd[1024];
    const char *out = test_write_temp(".der", "");
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -outform DER -out '%s'", test_pki(name), out);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(out, "rb");
    ck_assert_ptr_nonnull(f);
    static unsigned char buf[8192];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_uint_gt(*len, 0);
    return buf;
}

static ssa_ctx *ctx_with_certificate(ssa_role role, const char *chain, const char *key)
{
    ssa_ctx *ctx = ssa_ctx_new(role, "test");
    ck_assert_ptr_nonnull(ctx);
    if (chain)
        ck_assert_int_eq(ssa_ctx_use_certificate_file(ctx, test_pki(chain), test_pki(key)),
                         SSA_OK);
    return ctx;
}

typedef struct server_job {
    ssa_conn *conn;
    int fd;
    ssa_status handshake;
} server_job;

/* Blocking server: handshake, echo one message (TLS 1.3 gives the client
 * the server's verdict on its certificate only then), close. */
static void *server_main(void *arg)
{
    server_job *job = arg;
    job->handshake = ssa_conn_handshake(job->conn);
    if (job->handshake == SSA_OK) {
        char buf[16];
        size_t n = 0, w = 0;
        if (ssa_conn_read(job->conn, buf, sizeof buf, &n) == SSA_OK)
            ssa_conn_write(job->conn, buf, n, &w);
        ssa_conn_shutdown(job->conn, false);
    }
    shutdown(job->fd, SHUT_RDWR); /* as a real server drops the client */
    return NULL;
}

/* What one handshake ended with, on both sides. */
typedef struct outcome {
    ssa_status client, server;
    int client_verify, server_verify;
    char client_error[256], server_error[256];
} outcome;

typedef struct handshake_spec {
    const char *server_chain, *server_key;
    const char *client_chain, *client_key; /* NULL: no client certificate */
    const char *anchors;                   /* the client's, unless FROM_POLICY_STORE */
    anchor_source source;
} handshake_spec;

static void client_takes_anchors(const handshake_spec *hs, ssa_ctx *cctx)
{
    if (hs->source == FROM_CTX)
        ck_assert_int_eq(ssa_ctx_trust_file(cctx, test_pki(hs->anchors)), SSA_OK);
}

static void conn_takes_anchors(const handshake_spec *hs, ssa_conn *client)
{
    if (hs->source != FROM_CONN)
        return;
    size_t len;
    const unsigned char *der = der_of(hs->anchors, &len);
    ck_assert_int_eq(ssa_conn_trust_der(client, der, len), SSA_OK);
}

/* The client's view: the handshake, then one echo so that a TLS 1.3
 * server's refusal of the client's certificate is seen too. */
static ssa_status client_side(ssa_conn *client)
{
    ssa_status st = ssa_conn_handshake(client);
    if (st != SSA_OK)
        return st;
    size_t n = 0;
    char buf[8];
    st = ssa_conn_write(client, "a", 1, &n);
    if (st == SSA_OK)
        st = ssa_conn_read(client, buf, sizeof buf, &n);
    return st;
}

static outcome handshake(const handshake_spec *hs)
{
    ssa_ctx *sctx = ctx_with_certificate(SSA_ROLE_SERVER, hs->server_chain, hs->server_key);
    ssa_ctx *cctx = ctx_with_certificate(SSA_ROLE_CLIENT, hs->client_chain, hs->client_key);
    client_takes_anchors(hs, cctx);
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ssa_conn *client = ssa_conn_new(cctx), *server = ssa_conn_new(sctx);
    ck_assert_int_eq(ssa_conn_set_fd(client, fds[0]), SSA_OK);
    ck_assert_int_eq(ssa_conn_set_fd(server, fds[1]), SSA_OK);
    ck_assert_int_eq(ssa_conn_set_hostname(client, "localhost"), SSA_OK);
    conn_takes_anchors(hs, client);
    server_job job = {server, fds[1], SSA_OK};
    pthread_t thread;
    pthread_create(&thread, NULL, server_main, &job);

    outcome o = {0};
    o.client = client_side(client);
    shutdown(fds[0], SHUT_RDWR);
    pthread_join(thread, NULL);
    o.server = job.handshake;
    o.client_verify = ssa_conn_verify_result(client);
    o.server_verify = ssa_conn_verify_result(server);
    snprintf(o.client_error, sizeof o.client_error, "%s",
             ssa_conn_error(client) ? ssa_conn_error(client) : "");
    snprintf(o.server_error, sizeof o.server_error, "%s",
             ssa_conn_error(server) ? ssa_conn_error(server) : "");
    ssa_conn_free(client);
    ssa_conn_free(server);
    close(fds[0]);
    close(fds[1]);
    ssa_ctx_unref(cctx);
    ssa_ctx_unref(sctx);
    return o;
}

/* One side's verdict: exactly `expect`, and a refusal that says why and
 * that policy did it, in the connection's error and in the audit log. */
static void expect_verdict(const char *what, ssa_status st, int verify, const char *error,
                           int expect)
{
    ck_assert_msg(verify == expect, "%s: verify result %d (%s), expected %d (%s); %s", what, verify,
                  ssa_verify_result_string(verify), expect, ssa_verify_result_string(expect), error);
    if (expect == SSA_V_OK) {
        ck_assert_msg(st == SSA_OK, "%s: %s (%s)", what, ssa_status_name(st), error);
        return;
    }
    ck_assert_msg(st == SSA_ERR_VERIFY, "%s: %s, expected a verification failure (%s)", what,
                  ssa_status_name(st), error);
    ck_assert_msg(strstr(error, ssa_verify_result_string(expect)) != NULL, "%s: error \"%s\"", what,
                  error);
    ck_assert_msg(strstr(error, "SSA policy requires verification") != NULL, "%s: error \"%s\"",
                  what, error);
    char *log = test_slurp(audit_log);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, ssa_verify_result_string(expect)) != NULL, "%s: audit log:\n%s", what,
                  log);
    free(log);
}

/* A client verifying a server. */
typedef struct server_case {
    const char *chain;   /* what the server sends */
    const char *key;
    const char *anchors; /* the client's trust anchors */
    anchor_source source;
    int expect;
} server_case;

static const server_case server_cases[] = {
    /* Controls: the usual chain, from each source of anchors. */
    {"good-chain.pem", "good.key", "ca.crt", FROM_POLICY_STORE, SSA_V_OK},
    {"good-chain.pem", "good.key", "ca.crt", FROM_CTX, SSA_V_OK},
    {"good-chain.pem", "good.key", "ca.crt", FROM_CONN, SSA_V_OK},
    /* A self-signed server certificate the application trusts as such is
     * a root of its own (a path of one certificate). */
    {"selfsigned-chain.pem", "selfsigned.key", "selfsigned.crt", FROM_CTX, SSA_V_OK},
    /* Hole 3: an RSA-1024 root under policy's 2048-bit floor, whichever
     * store holds it; the server sends only its (P-256) leaf. */
    {"weakroot-chain.pem", "weakroot.key", "weak-ca.crt", FROM_POLICY_STORE,
     SSA_V_ERR_CA_KEY_TOO_SMALL},
    {"weakroot-chain.pem", "weakroot.key", "weak-ca.crt", FROM_CTX, SSA_V_ERR_CA_KEY_TOO_SMALL},
    {"weakroot-chain.pem", "weakroot.key", "weak-ca.crt", FROM_CONN, SSA_V_ERR_CA_KEY_TOO_SMALL},
    /* A leaf named like its (weak) issuer is no root for that, with or
     * without an authority key id: the path goes on to the issuer. */
    {"samename-chain.pem", "samename.key", "weak-ca.crt", FROM_POLICY_STORE,
     SSA_V_ERR_CA_KEY_TOO_SMALL},
    {"samename-akid-chain.pem", "samename-akid.key", "weak-ca.crt", FROM_CTX,
     SSA_V_ERR_CA_KEY_TOO_SMALL},
    /* Hole 9: a leaf whose keyUsage allows no TLS use. */
    {"certsign-chain.pem", "certsign.key", "ca.crt", FROM_POLICY_STORE, SSA_V_ERR_INVALID_PURPOSE},
    /* Hole 9: a CA whose keyUsage lacks keyCertSign. */
    {"badcaku-chain.pem", "badcaku.key", "ca.crt", FROM_POLICY_STORE, SSA_V_ERR_INVALID_CA},
    /* Hole 9: the anchor's pathlen:0 allows no intermediate below it. */
    {"plen0-two-chain.pem", "plen0-two.key", "plen0-ca.crt", FROM_POLICY_STORE,
     SSA_V_ERR_PATH_LENGTH_EXCEEDED},
    {"plen0-one-chain.pem", "plen0-one.key", "plen0-ca.crt", FROM_CTX,
     SSA_V_ERR_PATH_LENGTH_EXCEEDED},
    {"plen0-direct-chain.pem", "plen0-direct.key", "plen0-ca.crt", FROM_POLICY_STORE, SSA_V_OK},
    /* (A leaf with an unknown critical extension: the core server refuses
     * to serve it, so verify_test.c has it served by openssl s_server.) */
    /* Item 10: an intermediate as the only anchor is no path to a root,
     * whether the server sends the intermediate or not... */
    {"good-chain.pem", "good.key", "int.crt", FROM_POLICY_STORE, SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT},
    {"good.crt", "good.key", "int.crt", FROM_CTX, SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT},
    {"good.crt", "good.key", "int.crt", FROM_CONN, SSA_V_ERR_UNABLE_TO_GET_ISSUER_CERT},
    /* ...but an intermediate trusted together with its root is. */
    {"good.crt", "good.key", "int-and-root.pem", FROM_POLICY_STORE, SSA_V_OK},
    {"good-chain.pem", "good.key", "int-and-root.pem", FROM_CTX, SSA_V_OK},
    /* Above the intermediate, a look-alike of the root (same name and key
     * identifier, another key) did not sign it: no path. */
    {"good.crt", "good.key", "int-and-fake.pem", FROM_POLICY_STORE,
     SSA_V_ERR_CERT_SIGNATURE_FAILURE},
};

START_TEST(client_verifies_server)
{
    const server_case *sc = &server_cases[_i];
    use_policy(sc->source == FROM_POLICY_STORE ? sc->anchors : "other-ca.crt", NULL);
    handshake_spec hs = {sc->chain, sc->key, NULL, NULL, sc->anchors, sc->source};
    outcome o = handshake(&hs);
    char what[256];
    snprintf(what, sizeof what, "case %d: %s trusting %s (source %d)", _i, sc->chain, sc->anchors,
             (int)sc->source);
    expect_verdict(what, o.client, o.client_verify, o.client_error, sc->expect);
}
END_TEST

/* A server verifying a client: the same rules for the other role. */
typedef struct client_case {
    const char *chain, *key;
    int expect;
} client_case;

static const client_case client_cases[] = {
    {"client-chain.pem", "client.key", SSA_V_OK},
    {"client-certsign-chain.pem", "client-certsign.key", SSA_V_ERR_INVALID_PURPOSE},
};

START_TEST(server_verifies_client)
{
    const client_case *cc = &client_cases[_i];
    use_policy("ca.crt", "client_auth = \"require\";");
    handshake_spec hs = {"good-chain.pem", "good.key", cc->chain, cc->key, "ca.crt",
                         FROM_POLICY_STORE};
    outcome o = handshake(&hs);
    char what[256];
    snprintf(what, sizeof what, "client case %d: %s", _i, cc->chain);
    expect_verdict(what, o.server, o.server_verify, o.server_error, cc->expect);
}
END_TEST

/* Without enforcement (a profile that turns verification off) the chain
 * rules still record their result, and the handshake goes on. */
START_TEST(unenforced_still_records_the_result)
{
    use_policy("weak-ca.crt", "verify_peer = false;");
    handshake_spec hs = {"weakroot-chain.pem", "weakroot.key", NULL, NULL, "weak-ca.crt",
                         FROM_POLICY_STORE};
    outcome o = handshake(&hs);
    ck_assert_int_eq(o.client, SSA_OK);
    ck_assert_int_eq(o.client_verify, SSA_V_ERR_CA_KEY_TOO_SMALL);
}
END_TEST

/* Policy's floors are the administrator's: a lower one admits the root. */
START_TEST(floor_follows_policy)
{
    use_policy("weak-ca.crt", "min_rsa_bits = 1024;");
    handshake_spec hs = {"weakroot-chain.pem", "weakroot.key", NULL, NULL, "weak-ca.crt",
                         FROM_POLICY_STORE};
    outcome o = handshake(&hs);
    expect_verdict("weak root, 1024-bit floor", o.client, o.client_verify, o.client_error,
                   SSA_V_OK);
}
END_TEST

static Suite *chain_checks_suite(void)
{
    Suite *s = suite_create("chain_checks");
    TCase *t = tcase_create("core client and server");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, client_verifies_server, 0,
                        (int)(sizeof server_cases / sizeof server_cases[0]));
    tcase_add_loop_test(t, server_verifies_client, 0,
                        (int)(sizeof client_cases / sizeof client_cases[0]));
    tcase_add_test(t, unenforced_still_records_the_result);
    tcase_add_test(t, floor_follows_policy);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return test_run_suite(chain_checks_suite());
}
