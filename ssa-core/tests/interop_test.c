/*
 * The core against unmodified OpenSSL peers: `openssl s_server` as the
 * server our client meets, `openssl s_client` as the client our server
 * meets. Weak peers are refused by policy; good ones work both ways.
 */
#include "ssa_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ssa/core.h"

/* The test policy, with more settings for the default section. */
static void use_policy_with(const char *more)
{
    char policy[2048];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; %s };\n",
             test_pki("ca.crt"), more);
    test_use_policy(policy);
}

static void use_policy(void)
{
    use_policy_with("");
}

/* s_server with <leaf>.crt, <leaf>.key and the intermediate, plus extra
 * arguments (NULL-terminated). */
static pid_t s_server_leaf(int port, const char *leaf, char *const extra[])
{
    char portbuf[16], cert[64], key[64];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(cert, sizeof cert, "%s.crt", leaf);
    snprintf(key, sizeof key, "%s.key", leaf);
    char *argv[32] = {"openssl", "s_server", "-quiet", "-accept", portbuf,
                      "-cert", (char *)test_pki(cert), "-key", (char *)test_pki(key),
                      "-cert_chain", (char *)test_pki("int.crt")};
    int i = 11;
    for (int j = 0; extra && extra[j]; j++)
        argv[i++] = extra[j];
    argv[i] = NULL;
    pid_t pid = test_spawn(argv, NULL);
    ck_assert_msg(test_wait_port(port), "openssl s_server did not start");
    return pid;
}

/* s_server with the good chain. */
static pid_t s_server(int port, char *const extra[])
{
    return s_server_leaf(port, "good", extra);
}

static ssa_status connect_core_client(int port, ssa_conn **out, ssa_ctx **ctx_out)
{
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
    ssa_conn *c = ssa_conn_new(ctx);
    ssa_conn_set_fd(c, test_connect_tcp(port));
    ssa_conn_set_hostname(c, "localhost");
    *out = c;
    *ctx_out = ctx;
    return ssa_conn_handshake(c);
}

/* Peers that policy must refuse, each with the words a user sees. */
typedef struct weak_peer {
    const char *what;
    char *args[8];
    const char *expect_in_error;
} weak_peer;

static const weak_peer weak_peers[] = {
    {"TLS 1.0 only", {"-tls1", "-cipher", "ALL:@SECLEVEL=0", NULL}, "policy"},
    {"TLS 1.1 only", {"-tls1_1", "-cipher", "ALL:@SECLEVEL=0", NULL}, "policy"},
    {"TLS 1.2 with CBC suites only", {"-tls1_2", "-cipher", "AES128-SHA:AES256-SHA256", NULL}, "policy"},
    {"TLS 1.2 with static RSA GCM only", {"-tls1_2", "-cipher", "AES128-GCM-SHA256", NULL}, "policy"},
};

START_TEST(weak_server_refused)
{
    const weak_peer *wp = &weak_peers[_i];
    use_policy();
    int port = test_free_port();
    pid_t server = s_server(port, wp->args);
    ssa_conn *c;
    ssa_ctx *ctx;
    ssa_status st = connect_core_client(port, &c, &ctx);
    ck_assert_msg(st == SSA_ERR_POLICY, "%s: status %s (%s)", wp->what, ssa_status_name(st),
                  ssa_conn_error(c) ? ssa_conn_error(c) : "");
    ck_assert_msg(strstr(ssa_conn_error(c), wp->expect_in_error), "%s: %s", wp->what,
                  ssa_conn_error(c));
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    test_stop(server);
}
END_TEST

/* A modern s_server: TLS 1.3 by default, and TLS 1.2 with an AEAD suite when
 * that is all it speaks. */
START_TEST(good_server_works)
{
    use_policy();
    int port = test_free_port();
    char *tls12[] = {"-tls1_2", NULL};
    pid_t server = s_server(port, _i ? tls12 : NULL);
    ssa_conn *c;
    ssa_ctx *ctx;
    ck_assert_int_eq(connect_core_client(port, &c, &ctx), SSA_OK);
    ck_assert_int_eq(ssa_conn_version(c), _i ? SSA_TLS1_2 : SSA_TLS1_3);
    ck_assert(ssa_conn_cipher(c)->aead);
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    test_stop(server);
}
END_TEST

/* Our client resumes against s_server's ticket, carrying the session blob
 * between connections as an application would. */
START_TEST(client_resumes_against_openssl)
{
    use_policy();
    int port = test_free_port();
    pid_t server = s_server(port, NULL);
    unsigned char *blob = NULL;
    size_t len = 0;
    for (int round = 0; round < 2; round++) {
        ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_CLIENT, "test");
        ssa_conn *c = ssa_conn_new(ctx);
        int fd = test_connect_tcp(port);
        ssa_conn_set_fd(c, fd);
        ssa_conn_set_hostname(c, "localhost");
        if (blob)
            ck_assert_int_eq(ssa_conn_session_import(c, blob, len), SSA_OK);
        ck_assert_int_eq(ssa_conn_handshake(c), SSA_OK);
        /* s_server -quiet echoes nothing; a short write and a peek give the
         * NewSessionTicket time to arrive. */
        size_t n;
        char buf[8];
        ck_assert_int_eq(ssa_conn_write(c, "x\n", 2, &n), SSA_OK);
        usleep(200000);
        struct timeval tv = {0, 200000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssa_conn_read(c, buf, sizeof buf, &n);
        ck_assert_int_eq(ssa_conn_resumed(c), round == 1);
        if (!blob)
            ck_assert_int_eq(ssa_conn_session_export(c, &blob, &len), SSA_OK);
        ssa_conn_free(c);
        ssa_ctx_unref(ctx);
        close(fd);
    }
    free(blob);
    test_stop(server);
}
END_TEST

/* The core as a server, s_client as the client. */
typedef struct served {
    const char *leaf;       /* <leaf>-chain.pem and <leaf>.key; NULL: good */
    const char *policy;     /* more settings for the test policy, or NULL */
    int listen_fd;
    bool read_first;        /* read once before answering */
    ssa_status handshake;
    ssa_status first_read;
    char version[16];
} served;

static void *serve_one(void *arg)
{
    served *sv = arg;
    ssa_ctx *ctx = ssa_ctx_new(SSA_ROLE_SERVER, "test");
    char chain[64], key[64];
    snprintf(chain, sizeof chain, "%s-chain.pem", sv->leaf ? sv->leaf : "good");
    snprintf(key, sizeof key, "%s.key", sv->leaf ? sv->leaf : "good");
    ssa_ctx_use_certificate_file(ctx, test_pki(chain), test_pki(key));
    int fd = accept(sv->listen_fd, NULL, NULL);
    ssa_conn *c = ssa_conn_new(ctx);
    ssa_conn_set_fd(c, fd);
    sv->handshake = ssa_conn_handshake(c);
    if (sv->handshake == SSA_OK) {
        snprintf(sv->version, sizeof sv->version, "%s", ssa_version_name(ssa_conn_version(c)));
        size_t n;
        char buf[64];
        if (sv->read_first)
            sv->first_read = ssa_conn_read(c, buf, sizeof buf, &n);
        ssa_conn_write(c, "hello from ssa\n", 15, &n);
        ssa_conn_shutdown(c, false);
    }
    ssa_conn_free(c);
    close(fd);
    ssa_ctx_unref(ctx);
    return NULL;
}

static int listen_on(int *port)
{
    *port = test_free_port();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)*port)};
    sin.sin_addr.s_addr = htonl(0x7f000001);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

/* Run s_client with extra args against a core server; returns its log. */
static char *s_client_against_core(char *const extra[], served *sv)
{
    use_policy_with(sv->policy ? sv->policy : "");
    int port;
    sv->listen_fd = listen_on(&port);
    pthread_t t;
    pthread_create(&t, NULL, serve_one, sv);
    char target[32];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    char *argv[24] = {"openssl", "s_client", "-connect", target, "-servername", "localhost",
                      "-verify_hostname", "localhost", "-CAfile", (char *)test_pki("ca.crt"),
                      "-verify_return_error"};
    int i = 11;
    for (int j = 0; extra && extra[j]; j++)
        argv[i++] = extra[j];
    argv[i] = NULL;
    const char *log = NULL;
    pid_t client = test_spawn(argv, &log);
    pthread_join(t, NULL);
    usleep(300000);
    test_stop(client);
    close(sv->listen_fd);
    return test_slurp(log);
}

START_TEST(openssl_client_against_core_server)
{
    served sv = {0};
    char *log = s_client_against_core(NULL, &sv);
    ck_assert_int_eq(sv.handshake, SSA_OK);
    ck_assert_str_eq(sv.version, "TLSv1.3");
    ck_assert_msg(strstr(log, "Verify return code: 0 (ok)"), "s_client said: %s", log);
    ck_assert_msg(strstr(log, "hello from ssa"), "s_client said: %s", log);
    free(log);
}
END_TEST

START_TEST(old_openssl_client_refused_by_core_server)
{
    served sv = {0};
    char *old[] = {"-tls1_1", "-cipher", "ALL:@SECLEVEL=0", NULL};
    char *log = s_client_against_core(old, &sv);
    ck_assert_int_eq(sv.handshake, SSA_ERR_POLICY);
    ck_assert_ptr_null(strstr(log, "hello from ssa"));
    free(log);
}
END_TEST

/* Renegotiation is refused: s_client's "R" command asks for it mid-stream
 * (TLS 1.2); the core server does not renegotiate and the client reports
 * the refusal. */
START_TEST(renegotiation_refused)
{
    use_policy();
    served sv = {.read_first = true};
    int port;
    sv.listen_fd = listen_on(&port);
    pthread_t t;
    pthread_create(&t, NULL, serve_one, &sv);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "(sleep 1; echo R; sleep 2) | openssl s_client -tls1_2 -connect 127.0.0.1:%d "
             "-servername localhost -CAfile %s -verify_return_error",
             port, test_pki("ca.crt"));
    char *argv[] = {"sh", "-c", cmd, NULL};
    const char *log_path = NULL;
    pid_t client = test_spawn(argv, &log_path);
    pthread_join(t, NULL);
    usleep(300000);
    test_stop(client);
    close(sv.listen_fd);
    char *log = test_slurp(log_path);
    ck_assert_int_eq(sv.handshake, SSA_OK);
    ck_assert_msg(strstr(log, "RENEGOTIATING"), "s_client said: %s", log);
    /* The server never completes a second handshake: its read fails. */
    ck_assert_msg(sv.first_read != SSA_OK, "server read %s", ssa_status_name(sv.first_read));
    free(log);
}
END_TEST

/* ------------------------------------------------------------------------
 * Handshake signatures under the hash floor (issue #10, holes 2 and 8)
 * ---------------------------------------------------------------------- */

/* A TLS 1.2 server that will sign its key exchange with RSA+SHA-1 only:
 * the core client does not offer SHA-1 (policy's floor is SHA-256), so
 * there is no handshake; where the administrator allows SHA-1, there is. */
START_TEST(client_refuses_sha1_server_signature)
{
    use_policy_with(_i ? "min_signature_hash = \"sha1\";" : "");
    int port = test_free_port();
    char *args[] = {"-tls1_2", "-sigalgs", "RSA+SHA1", "-cipher",
                    "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", NULL};
    pid_t server = s_server_leaf(port, "rsa2048", args);
    ssa_conn *c;
    ssa_ctx *ctx;
    ssa_status st = connect_core_client(port, &c, &ctx);
    if (_i)
        ck_assert_msg(st == SSA_OK, "SHA-1 allowed: %s (%s)", ssa_status_name(st),
                      ssa_conn_error(c) ? ssa_conn_error(c) : "");
    else
        ck_assert_msg(st != SSA_OK, "a server signing with RSA+SHA1 was accepted under the "
                      "SHA-256 floor (%s)", ssa_conn_version(c) ? "connected" : "?");
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    test_stop(server);
}
END_TEST

/* The 274-byte list of OpenSSL's long names as policy's sigalgs: it loads,
 * and connections work (TLS 1.3 and 1.2). */
START_TEST(long_openssl_sigalgs_policy_connects)
{
    use_policy_with("sigalgs = \""
        "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:ed448:"
        "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:rsa_pss_rsae_sha256:"
        "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:"
        "rsa_pkcs1_sha512:ECDSA+SHA224:RSA+SHA224\";");
    int port = test_free_port();
    char *tls12[] = {"-tls1_2", NULL};
    pid_t server = s_server(port, _i ? tls12 : NULL);
    ssa_conn *c;
    ssa_ctx *ctx;
    ssa_status st = connect_core_client(port, &c, &ctx);
    ck_assert_msg(st == SSA_OK, "%s (%s)", ssa_status_name(st),
                  ssa_conn_error(c) ? ssa_conn_error(c) : "");
    ssa_conn_free(c);
    ssa_ctx_unref(ctx);
    test_stop(server);
}
END_TEST

/* A client that offers RSA+SHA1 only: the core server (RSA certificate)
 * does not sign with SHA-1 for it. With RSA+SHA256 offered it does serve. */
START_TEST(core_server_never_signs_with_sha1)
{
    served sv = {.leaf = "rsa2048"};
    char *sha1_only[] = {"-tls1_2", "-sigalgs", "RSA+SHA1", "-cipher",
                         "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", NULL};
    char *sha256[] = {"-tls1_2", "-sigalgs", "RSA+SHA256", NULL};
    char *log = s_client_against_core(_i ? sha256 : sha1_only, &sv);
    if (_i) {
        ck_assert_msg(sv.handshake == SSA_OK, "RSA+SHA256: %s; s_client said: %s",
                      ssa_status_name(sv.handshake), log);
        ck_assert_msg(strstr(log, "Peer signing digest: SHA256"), "s_client said: %s", log);
    } else {
        ck_assert_int_ne(sv.handshake, SSA_OK);
        ck_assert_ptr_null(strstr(log, "Peer signing digest: SHA1"));
        ck_assert_ptr_null(strstr(log, "hello from ssa"));
    }
    free(log);
}
END_TEST

/* The core server signs only with what policy allows, even when the
 * client offers less: under a SHA-384 floor, a TLS 1.2 client offering
 * ECDSA+SHA256 only gets no handshake (wolfSSL chose from the client's list
 * alone: scripts/wolfssl-patches/0003), one also offering ECDSA+SHA384 gets
 * that. (In TLS 1.3 a P-256 key signs with SHA-256 only.) */
START_TEST(core_server_signs_within_policy)
{
    served sv = {.policy = "min_signature_hash = \"sha384\";"};
    char *sha256_only[] = {"-tls1_2", "-sigalgs", "ECDSA+SHA256", NULL};
    char *both[] = {"-tls1_2", "-sigalgs", "ECDSA+SHA256:ECDSA+SHA384", NULL};
    char *log = s_client_against_core(_i ? both : sha256_only, &sv);
    if (_i) {
        ck_assert_msg(sv.handshake == SSA_OK, "%s; s_client said: %s",
                      ssa_status_name(sv.handshake), log);
        ck_assert_msg(strstr(log, "Peer signing digest: SHA384"), "s_client said: %s", log);
    } else {
        ck_assert_msg(sv.handshake != SSA_OK, "signed below the floor; s_client said: %s", log);
        ck_assert_ptr_null(strstr(log, "Peer signing digest: SHA256"));
    }
    free(log);
}
END_TEST

static Suite *interop_suite(void)
{
    Suite *s = suite_create("interop");
    TCase *t = tcase_create("openssl peers");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, weak_server_refused, 0, (int)(sizeof weak_peers / sizeof weak_peers[0]));
    tcase_add_loop_test(t, good_server_works, 0, 2);
    tcase_add_test(t, client_resumes_against_openssl);
    tcase_add_test(t, openssl_client_against_core_server);
    tcase_add_test(t, old_openssl_client_refused_by_core_server);
    tcase_add_test(t, renegotiation_refused);
    tcase_add_loop_test(t, client_refuses_sha1_server_signature, 0, 2);
    tcase_add_loop_test(t, long_openssl_sigalgs_policy_connects, 0, 2);
    tcase_add_loop_test(t, core_server_never_signs_with_sha1, 0, 2);
    tcase_add_loop_test(t, core_server_signs_within_policy, 0, 2);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return test_run_suite(interop_suite());
}
