/*
 * The test PKI is what the other tests assume: every file exists, and
 * OpenSSL's own verifier accepts the good chain and rejects the bad leaves
 * for the expected reasons. Also exercises the support library's process,
 * port and temporary-file helpers.
 */
#define _GNU_SOURCE

#include "ssa_test.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const leaves[] = {
    "good",    "wronghost",  "wildcard",  "ipsan",  "cnonly",  "expired", "notyet",
    "selfsigned", "untrusted", "badeku", "rsa1024", "rsa2048", "client",  "client-other",
    "certsign", "client-certsign", "critext", "badcaku", "plen0-one",
};
#define N_LEAVES (sizeof leaves / sizeof leaves[0])

/* Run argv to completion; returns its exit status (or -1 if it died of a
 * signal) and its combined output in *out (malloc'd). */
static int
run(char *const argv[], char **out)
{
    const char *log;
    pid_t pid = test_spawn(argv, &log);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    test_stop(pid); /* releases its stdin; it is already reaped */
    *out = test_slurp(log);
    ck_assert_ptr_nonnull(*out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `openssl verify` of leaf against the root, with the intermediate offered
 * as an untrusted chain certificate, plus extra options. */
static int
verify(const char *leaf, const char *opt1, const char *opt2, char **out)
{
    char leafname[64];
    snprintf(leafname, sizeof leafname, "%s.crt", leaf);
    char *argv[12];
    int n = 0;
    argv[n++] = "openssl";
    argv[n++] = "verify";
    argv[n++] = "-CAfile";
    argv[n++] = (char *)test_pki("ca.crt");
    argv[n++] = "-untrusted";
    argv[n++] = (char *)test_pki("int.crt");
    if (opt1 != NULL)
        argv[n++] = (char *)opt1;
    if (opt2 != NULL)
        argv[n++] = (char *)opt2;
    argv[n++] = (char *)test_pki(leafname);
    argv[n] = NULL;
    return run(argv, out);
}

static void
expect_verify_fails(const char *leaf, const char *opt1, const char *opt2, const char *reason)
{
    char *out;
    int rc = verify(leaf, opt1, opt2, &out);
    ck_assert_msg(rc != 0, "openssl verify accepted %s:\n%s", leaf, out);
    ck_assert_msg(strstr(out, reason) != NULL, "%s: expected \"%s\", got:\n%s", leaf, reason,
                  out);
    free(out);
}

static void
expect_verify_ok(const char *leaf, const char *opt1, const char *opt2)
{
    char *out;
    int rc = verify(leaf, opt1, opt2, &out);
    ck_assert_msg(rc == 0 && strstr(out, ": OK") != NULL, "openssl verify rejected %s:\n%s",
                  leaf, out);
    free(out);
}

/* Count PEM certificates in a file. */
static int
count_certs(const char *path)
{
    char *text = test_slurp(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    int n = 0;
    for (const char *p = text; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
        n++;
    free(text);
    return n;
}

START_TEST(every_file_exists)
{
    static const char *const fixed[] = {
        "ca.crt", "ca.key", "int.crt", "int.key", "other-ca.crt", "other-ca.key", "roots.pem",
    };
    struct stat st;

    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        ck_assert_msg(stat(test_pki(fixed[i]), &st) == 0 && st.st_size > 0, "missing %s",
                      fixed[i]);
    for (size_t i = 0; i < N_LEAVES; i++) {
        static const char *const suffixes[] = { ".crt", "-chain.pem", ".key" };
        for (size_t j = 0; j < 3; j++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s", leaves[i], suffixes[j]);
            ck_assert_msg(stat(test_pki(name), &st) == 0 && st.st_size > 0, "missing %s", name);
        }
        char name[64];
        snprintf(name, sizeof name, "%s.crt", leaves[i]);
        ck_assert_int_eq(count_certs(test_pki(name)), 1);
        snprintf(name, sizeof name, "%s-chain.pem", leaves[i]);
        ck_assert_int_eq(count_certs(test_pki(name)),
                         strcmp(leaves[i], "selfsigned") == 0 ? 1 : 2);
    }
    ck_assert_int_eq(count_certs(test_pki("roots.pem")), 1);

    /* hashdir: ca.crt under its subject hash. */
    DIR *d = opendir(test_pki("hashdir"));
    ck_assert_ptr_nonnull(d);
    bool hashed = false;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len == 10 && strcmp(e->d_name + 8, ".0") == 0)
            hashed = true;
    }
    closedir(d);
    ck_assert_msg(hashed, "hashdir has no <hash>.0 entry");
}
END_TEST

START_TEST(good_chain_verifies)
{
    expect_verify_ok("good", NULL, NULL);
    expect_verify_ok("good", "-verify_hostname", "localhost");
    expect_verify_ok("good", "-verify_hostname", "good.test");
    expect_verify_ok("good", "-verify_ip", "127.0.0.1");
    expect_verify_ok("good", "-verify_ip", "::1");
    expect_verify_ok("good", "-purpose", "sslserver");
    expect_verify_ok("wildcard", "-verify_hostname", "a.wild.test");
    expect_verify_ok("ipsan", "-verify_ip", "127.0.0.1");
    expect_verify_ok("rsa2048", "-verify_hostname", "localhost");
    expect_verify_ok("client", "-purpose", "sslclient");

    /* The chain file holds the leaf's issuer. */
    char *out;
    char *chain[] = { "openssl", "verify", "-CAfile", (char *)test_pki("ca.crt"), "-untrusted",
                      (char *)test_pki("good-chain.pem"), (char *)test_pki("good.crt"), NULL };
    ck_assert_msg(run(chain, &out) == 0, "good-chain.pem does not complete the chain:\n%s", out);
    free(out);

    /* The directory trust store holds the same root. */
    char *argv[] = { "openssl", "verify", "-CApath", (char *)test_pki("hashdir"),
                     "-untrusted", (char *)test_pki("int.crt"), (char *)test_pki("good.crt"),
                     NULL };
    ck_assert_msg(run(argv, &out) == 0, "hashdir verify failed:\n%s", out);
    free(out);
}
END_TEST

START_TEST(bad_leaves_fail_for_the_expected_reason)
{
    expect_verify_fails("expired", NULL, NULL, "certificate has expired");
    expect_verify_fails("notyet", NULL, NULL, "certificate is not yet valid");
    expect_verify_fails("untrusted", NULL, NULL, "unable to get local issuer certificate");
    expect_verify_fails("selfsigned", NULL, NULL, "self-signed certificate");
    expect_verify_fails("client-other", NULL, NULL, "unable to get local issuer certificate");
    expect_verify_fails("wronghost", "-verify_hostname", "localhost", "hostname mismatch");
    expect_verify_fails("wildcard", "-verify_hostname", "wild.test", "hostname mismatch");
    expect_verify_fails("ipsan", "-verify_hostname", "localhost", "hostname mismatch");
    expect_verify_fails("badeku", "-purpose", "sslserver", "unsuitable certificate purpose");
    expect_verify_fails("client", "-purpose", "sslserver", "unsuitable certificate purpose");
    /* 1024-bit RSA is below security level 2 (112 bits). */
    expect_verify_fails("rsa1024", "-auth_level", "2", "EE certificate key too weak");
}
END_TEST

/* `openssl verify -CAfile anchors [-untrusted chain] [opt arg] leaf.crt`:
 * OpenSSL's own verdict on the chain fixtures (chain_checks_test.c expects
 * the same codes from the core). NULL reason: must verify. */
static void
expect_openssl(const char *anchors, const char *chain, const char *opt, const char *arg,
               const char *leaf, const char *reason)
{
    char leafname[64];
    snprintf(leafname, sizeof leafname, "%s.crt", leaf);
    char *argv[12];
    int n = 0;
    argv[n++] = "openssl";
    argv[n++] = "verify";
    argv[n++] = "-CAfile";
    argv[n++] = (char *)test_pki(anchors);
    if (chain != NULL) {
        argv[n++] = "-untrusted";
        argv[n++] = (char *)test_pki(chain);
    }
    if (opt != NULL) {
        argv[n++] = (char *)opt;
        argv[n++] = (char *)arg;
    }
    argv[n++] = (char *)test_pki(leafname);
    argv[n] = NULL;
    char *out;
    int rc = run(argv, &out);
    if (reason == NULL)
        ck_assert_msg(rc == 0 && strstr(out, ": OK") != NULL, "openssl rejected %s:\n%s", leaf, out);
    else
        ck_assert_msg(rc != 0 && strstr(out, reason) != NULL, "%s: expected \"%s\", got:\n%s", leaf,
                      reason, out);
    free(out);
}

START_TEST(chain_fixtures_as_openssl_sees_them)
{
    /* Security level 2 (112 bits) is policy's 2048-bit RSA floor. */
    expect_openssl("weak-ca.crt", NULL, "-auth_level", "2", "weakroot",
                   "error 67 at 1 depth lookup: CA certificate key too weak");
    expect_openssl("weak-ca.crt", NULL, NULL, NULL, "weakroot", NULL);
    expect_openssl("weak-ca.crt", NULL, "-auth_level", "2", "samename",
                   "error 67 at 1 depth lookup: CA certificate key too weak");
    expect_openssl("weak-ca.crt", NULL, "-auth_level", "2", "samename-akid",
                   "error 67 at 1 depth lookup: CA certificate key too weak");
    expect_openssl("ca.crt", "int.crt", "-purpose", "sslserver", "certsign",
                   "error 26 at 0 depth lookup: unsuitable certificate purpose");
    expect_openssl("ca.crt", "int.crt", "-purpose", "sslclient", "client-certsign",
                   "error 26 at 0 depth lookup: unsuitable certificate purpose");
    expect_openssl("ca.crt", "int.crt", NULL, NULL, "critext",
                   "error 34 at 0 depth lookup: unhandled critical extension");
    expect_openssl("ca.crt", "badcaku-chain.pem", NULL, NULL, "badcaku",
                   "error 79 at 1 depth lookup: invalid CA certificate");
    expect_openssl("plen0-ca.crt", "plen0-two-chain.pem", NULL, NULL, "plen0-two",
                   "error 25 at 3 depth lookup: path length constraint exceeded");
    expect_openssl("plen0-ca.crt", "plen0-one-chain.pem", NULL, NULL, "plen0-one",
                   "error 25 at 2 depth lookup: path length constraint exceeded");
    expect_openssl("plen0-ca.crt", NULL, NULL, NULL, "plen0-direct", NULL);
    /* An intermediate as the only anchor: no path to a root. */
    expect_openssl("int.crt", NULL, NULL, NULL, "good",
                   "error 2 at 1 depth lookup: unable to get issuer certificate");
    expect_openssl("int-and-root.pem", NULL, NULL, NULL, "good", NULL);
    expect_openssl("int-and-fake.pem", NULL, NULL, NULL, "good",
                   "error 7 at 1 depth lookup: certificate signature failure");
    /* The chain files hold what chain_checks_test.c serves. */
    ck_assert_int_eq(count_certs(test_pki("weakroot-chain.pem")), 1);
    ck_assert_int_eq(count_certs(test_pki("samename-chain.pem")), 1);
    ck_assert_int_eq(count_certs(test_pki("samename-akid-chain.pem")), 1);
    ck_assert_int_eq(count_certs(test_pki("plen0-direct-chain.pem")), 1);
    ck_assert_int_eq(count_certs(test_pki("plen0-one-chain.pem")), 2);
    ck_assert_int_eq(count_certs(test_pki("plen0-two-chain.pem")), 3);
    ck_assert_int_eq(count_certs(test_pki("badcaku-chain.pem")), 2);
    ck_assert_int_eq(count_certs(test_pki("int-and-root.pem")), 2);
    ck_assert_int_eq(count_certs(test_pki("int-and-fake.pem")), 2);
}
END_TEST

START_TEST(certificate_details)
{
    char *out;
    char *text[] = { "openssl", "x509", "-noout", "-text", "-in", NULL, NULL };

    text[5] = (char *)test_pki("cnonly.crt");
    ck_assert_int_eq(run(text, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "CN = cnonly.test"));
    ck_assert_ptr_null(strstr(out, "Subject Alternative Name"));
    free(out);

    text[5] = (char *)test_pki("rsa1024.crt");
    ck_assert_int_eq(run(text, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Public-Key: (1024 bit)"));
    ck_assert_ptr_nonnull(strstr(out, "rsaEncryption"));
    free(out);

    text[5] = (char *)test_pki("good.crt");
    ck_assert_int_eq(run(text, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Public-Key: (256 bit)"));
    ck_assert_ptr_nonnull(strstr(out, "NIST CURVE: P-256"));
    ck_assert_ptr_nonnull(strstr(out, "TLS Web Server Authentication"));
    free(out);

    text[5] = (char *)test_pki("int.crt");
    ck_assert_int_eq(run(text, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "CA:TRUE, pathlen:0"));
    ck_assert_ptr_nonnull(strstr(out, "Subject: O = SSA Test, CN = SSA Test Intermediate"));
    ck_assert_ptr_nonnull(strstr(out, "Issuer: O = SSA Test, CN = SSA Test Root"));
    free(out);

    text[5] = (char *)test_pki("client.crt");
    ck_assert_int_eq(run(text, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "CN = SSA Test Client"));
    ck_assert_ptr_nonnull(strstr(out, "TLS Web Client Authentication"));
    free(out);
}
END_TEST

/* The chain files serve: s_server with good-chain.pem, s_client trusting
 * roots.pem only. Exercises test_spawn, test_free_port, test_wait_port and
 * test_stop (s_server must survive with our idle stdin). */
START_TEST(chain_serves_over_tls)
{
    int port = test_free_port();
    ck_assert_int_gt(port, 0);
    char accept[16];
    snprintf(accept, sizeof accept, "%d", port);
    char *server[] = { "openssl", "s_server", "-accept", accept, "-cert",
                       (char *)test_pki("good.crt"), "-key", (char *)test_pki("good.key"),
                       "-cert_chain", (char *)test_pki("int.crt"), NULL };
    const char *server_log;
    pid_t spid = test_spawn(server, &server_log);
    ck_assert_msg(test_wait_port(port), "s_server did not listen on %d", port);

    char connect[32];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", port);
    char *client[] = { "openssl", "s_client", "-connect", connect, "-CAfile",
                       (char *)test_pki("roots.pem"), "-verify_return_error",
                       "-verify_hostname", "localhost", NULL };
    const char *client_log;
    pid_t cpid = test_spawn(client, &client_log);
    /* s_client then waits on its idle stdin: wait for its verdict, stop it. */
    char *out = NULL;
    for (int i = 0; i < 500; i++) {
        free(out);
        out = test_slurp(client_log);
        ck_assert_ptr_nonnull(out);
        if (strstr(out, "Verify return code:") != NULL && strstr(out, "---\n") != NULL)
            break;
        usleep(20000);
    }
    test_stop(cpid);
    ck_assert_msg(strstr(out, "Verify return code: 0 (ok)") != NULL, "s_client said:\n%s", out);
    free(out);

    ck_assert_int_eq(kill(spid, 0), 0); /* still serving */
    test_stop(spid);
    ck_assert_int_eq(kill(spid, 0), -1);
}
END_TEST

START_TEST(temp_files_and_policy)
{
    const char *a = test_write_temp(".txt", "hello\n");
    const char *b = test_write_temp(".txt", "");
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(strlen(a) > 4 && strcmp(a + strlen(a) - 4, ".txt") == 0, 1);
    char *text = test_slurp(a);
    ck_assert_str_eq(text, "hello\n");
    free(text);
    text = test_slurp(b);
    ck_assert_str_eq(text, "");
    free(text);
    ck_assert_ptr_null(test_slurp("/nonexistent/ssa-test"));

    test_use_policy("default = { min_protocol = \"1.3\"; };\n");
    const char *conf = getenv("SSA_CONF");
    ck_assert_ptr_nonnull(conf);
    text = test_slurp(conf);
    ck_assert_str_eq(text, "default = { min_protocol = \"1.3\"; };\n");
    free(text);

    ck_assert_int_eq(test_connect_tcp(test_free_port()), -1);
}
END_TEST

static Suite *
pki_suite(void)
{
    Suite *s = suite_create("pki");
    TCase *tc = tcase_create("pki");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_file_exists);
    tcase_add_test(tc, good_chain_verifies);
    tcase_add_test(tc, bad_leaves_fail_for_the_expected_reason);
    tcase_add_test(tc, chain_fixtures_as_openssl_sees_them);
    tcase_add_test(tc, certificate_details);
    tcase_add_test(tc, chain_serves_over_tls);
    tcase_add_test(tc, temp_files_and_policy);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return test_run_suite(pki_suite());
}
