/*
 * The core's own host name / IP address matcher (identity.c): one table of
 * (certificate, name, expected verdict), checked against our function and,
 * case by case, against OpenSSL's own answer (`openssl x509 -checkhost` or
 * `-checkip`). Where our rule is deliberately stricter than OpenSSL's
 * default, the table says so and the test checks that OpenSSL does accept:
 * the case must really show the difference.
 *
 * Certificates: the test PKI's leaves (see pki/make-pki.sh) plus self-signed
 * ones made here with `openssl req -x509`, once, in the parent process (an
 * unchecked fixture) so that every forked test shares them.
 */
#define _GNU_SOURCE

#include "ssa_test.h"

#include "identity.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* SEQUENCE { dNSName "good.test\0.evil.test", dNSName "ok.test" }: a SAN
 * with an embedded NUL, which openssl's config syntax can only give as DER. */
#define NUL_SAN_DER                                                                \
    "DER:301f8214676f6f642e74657374002e6576696c2e74657374"                         \
    "82076f6b2e74657374"

/* Made here: id, subject, subjectAltName value for -addext (NULL: none). */
static const struct made_cert {
    const char *id;
    const char *subject;
    const char *san;
} made[] = {
    {"star", "/CN=star.test", "DNS:*"},
    {"star-com", "/CN=star-com.test", "DNS:*.com"},
    {"partial", "/CN=partial.test", "DNS:f*o.example.com"},
    {"prefix", "/CN=prefix.test", "DNS:f*.example.com"},
    {"middle", "/CN=middle.test", "DNS:a.*.example.com"},
    {"wild-ex", "/CN=wild-ex.test", "DNS:*.example.com"},
    {"mixed", "/CN=mixed.test", "DNS:MiXeD.Example.COM"},
    {"dot", "/CN=dot.example", "DNS:dot.test."},
    {"cn-san", "/CN=cn.test", "DNS:san.test"},
    {"cn-ip", "/CN=cnip.test", "IP:10.0.0.1"},
    {"cn-wild", "/CN=*.cnwild.test", NULL},
    {"cn-star-com", "/CN=*.com", NULL},
    {"cn-addr", "/CN=127.0.0.3", NULL},
    {"dns-ip", "/CN=127.0.0.2", "DNS:127.0.0.2"},
    {"mapped", "/CN=mapped.test", "IP:::ffff:127.0.0.1"},
    {"nul", "/CN=good.test", NUL_SAN_DER},
};
#define N_MADE (sizeof made / sizeof made[0])

static char made_path[N_MADE][PATH_MAX];

enum { OK = SSA_V_OK, HOST = SSA_V_ERR_HOSTNAME_MISMATCH, IP = SSA_V_ERR_IP_ADDRESS_MISMATCH };

/* SAME: OpenSSL gives the same answer. STRICTER: we refuse on purpose
 * what OpenSSL accepts. FQDN: the name ends in the root's dot, which we
 * drop and OpenSSL's X509_check_host compares literally (it only drops a
 * trailing NUL); our answer must be OpenSSL's for the name without it. */
enum oracle { SAME, STRICTER, FQDN };

static const struct id_case {
    const char *cert; /* a made[] id, else a PKI leaf name */
    const char *name;
    int want;
    enum oracle openssl;
} cases[] = {
    /* good: SAN localhost, good.test, 127.0.0.1, ::1; CN localhost */
    {"good", "localhost", OK, SAME},
    {"good", "good.test", OK, SAME},
    {"good", "GOOD.Test", OK, SAME},
    {"good", "good.test.", OK, FQDN},
    {"good", "good.test..", HOST, SAME},
    {"good", ".good.test", HOST, SAME},
    {"good", "good..test", HOST, SAME},
    {"good", "good.test\t", HOST, SAME},
    {"good", "evil.test", HOST, SAME},
    {"good", "127.0.0.1", OK, SAME},
    {"good", "::1", OK, SAME},
    {"good", "0:0:0:0:0:0:0:1", OK, SAME},
    {"good", "0000::0001", OK, SAME},
    {"good", "::ffff:127.0.0.1", IP, SAME},
    {"good", "127.0.0.2", IP, SAME},
    {"good", "::2", IP, SAME},
    /* wildcard: SAN *.wild.test */
    {"wildcard", "a.wild.test", OK, SAME},
    {"wildcard", "A-B.WILD.TEST", OK, SAME},
    {"wildcard", "a.wild.test.", OK, FQDN},
    {"wildcard", "wild.test", HOST, SAME},
    {"wildcard", "a.b.wild.test", HOST, SAME},
    {"wildcard", "a..wild.test", HOST, SAME},
    {"wildcard", ".wild.test", HOST, STRICTER}, /* OpenSSL: ".x" means "any name under x" */
    {"wildcard", "a_b.wild.test", HOST, SAME},
    {"wildcard", "*.wild.test", HOST, STRICTER}, /* OpenSSL: "*" may match a literal "*" */
    {"wildcard", "xn--bcher-kva.wild.test", HOST, STRICTER}, /* no wildcard over an A-label */
    /* ipsan: SAN IP 127.0.0.1 only; CN "SSA Test IP Address" */
    {"ipsan", "127.0.0.1", OK, SAME},
    {"ipsan", "::ffff:127.0.0.1", IP, SAME},
    {"ipsan", "::1", IP, SAME},
    {"ipsan", "localhost", HOST, SAME},
    /* cnonly: CN cnonly.test, no SAN */
    {"cnonly", "cnonly.test", OK, SAME},
    {"cnonly", "CNONLY.TEST.", OK, FQDN},
    {"cnonly", "other.test", HOST, SAME},
    {"cnonly", "x.cnonly.test", HOST, SAME},
    /* star: SAN "*" */
    {"star", "localhost", HOST, SAME},
    {"star", "star", HOST, SAME},
    {"star", "star.test", HOST, SAME}, /* the CN is not used: a dNSName SAN exists */
    {"star", "*", HOST, STRICTER},     /* OpenSSL compares the invalid wildcard literally */
    /* star-com: SAN *.com */
    {"star-com", "example.com", HOST, SAME},
    {"star-com", "a.example.com", HOST, SAME},
    {"star-com", "*.com", HOST, STRICTER}, /* literal compare again */
    /* partial: SAN f*o.example.com */
    {"partial", "foo.example.com", HOST, SAME},
    {"partial", "fo.example.com", HOST, SAME},
    {"partial", "f*o.example.com", HOST, STRICTER}, /* literal compare again */
    /* prefix: SAN f*.example.com */
    {"prefix", "foo.example.com", HOST, STRICTER}, /* OpenSSL allows "f*" */
    {"prefix", "f.example.com", HOST, STRICTER},   /* ... even matching nothing */
    /* middle: SAN a.*.example.com */
    {"middle", "a.b.example.com", HOST, SAME},
    {"middle", "a.example.com", HOST, SAME},
    /* wild-ex: SAN *.example.com */
    {"wild-ex", "foo.example.com", OK, SAME},
    {"wild-ex", "FOO.Example.Com", OK, SAME},
    {"wild-ex", "foo.example.com.", OK, FQDN},
    {"wild-ex", "xn-abc.example.com", OK, SAME},
    {"wild-ex", "example.com", HOST, SAME},
    {"wild-ex", "a.b.example.com", HOST, SAME},
    {"wild-ex", "foo.example.org", HOST, SAME},
    {"wild-ex", "xn--abc.example.com", HOST, STRICTER}, /* no wildcard over an A-label */
    {"wild-ex", "XN--abc.example.com", HOST, STRICTER}, /* ... in any case */
    /* mixed: SAN MiXeD.Example.COM */
    {"mixed", "mixed.example.com", OK, SAME},
    {"mixed", "MIXED.EXAMPLE.COM", OK, SAME},
    {"mixed", "mixed.example.com.", OK, FQDN},
    /* dot: SAN "dot.test." (not a valid dNSName: RFC 5280 has no root dot) */
    {"dot", "dot.test", HOST, SAME},
    {"dot", "dot.test.", HOST, STRICTER}, /* OpenSSL compares the dots literally */
    /* cn-san: CN cn.test, SAN san.test */
    {"cn-san", "san.test", OK, SAME},
    {"cn-san", "cn.test", HOST, SAME},
    /* cn-ip: CN cnip.test, SAN IP 10.0.0.1: IP SANs do not rule the CN out */
    {"cn-ip", "cnip.test", OK, SAME},
    {"cn-ip", "10.0.0.1", OK, SAME},
    {"cn-ip", "10.0.0.2", IP, SAME},
    /* cn-wild: CN *.cnwild.test, no SAN: the same wildcard rules */
    {"cn-wild", "x.cnwild.test", OK, SAME},
    {"cn-wild", "cnwild.test", HOST, SAME},
    {"cn-wild", "a.b.cnwild.test", HOST, SAME},
    {"cn-wild", "xn--x.cnwild.test", HOST, STRICTER}, /* no wildcard over an A-label */
    /* cn-star-com: CN *.com, no SAN */
    {"cn-star-com", "example.com", HOST, SAME},
    /* cn-addr: CN 127.0.0.3, no SAN: an address never matches a CN */
    {"cn-addr", "127.0.0.3", IP, SAME},
    /* dns-ip: SAN DNS 127.0.0.2: an address never matches a DNS SAN (wolfSSL
     * said yes, and so would OpenSSL's -checkhost; -checkip agrees with us) */
    {"dns-ip", "127.0.0.2", IP, SAME},
    /* mapped: SAN IP ::ffff:127.0.0.1: 16 octets never equal 4 */
    {"mapped", "127.0.0.1", IP, SAME},
    {"mapped", "::ffff:127.0.0.1", OK, SAME},
    {"mapped", "::FFFF:7F00:1", OK, SAME},
    {"mapped", "0:0:0:0:0:ffff:7f00:1", OK, SAME},
    /* nul: SAN "good.test\0.evil.test" and ok.test; CN good.test */
    {"nul", "good.test", HOST, SAME},
    {"nul", "ok.test", OK, SAME},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Run argv to completion; returns its exit status (-1 if it died of a
 * signal) and its combined output in *out (malloc'd). */
static int run(char *const argv[], char **out)
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

static void make_cert(const struct made_cert *m, char *path)
{
    /* test_write_temp's paths live in a small ring: copy them out. */
    char key[PATH_MAX], addext[256];
    snprintf(key, sizeof key, "%s", test_write_temp(".key", NULL));
    snprintf(path, PATH_MAX, "%s", test_write_temp(".crt", NULL));
    snprintf(addext, sizeof addext, "subjectAltName=%s", m->san ? m->san : "");
    char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", path,
                    "-days", "2", "-subj", (char *)m->subject,
                    m->san ? "-addext" : NULL, addext, NULL};
    char *out;
    int rc = run(argv, &out);
    ck_assert_msg(rc == 0, "openssl req for %s failed:\n%s", m->id, out);
    free(out);
}

/* Unchecked fixture: runs once in the parent before the tests fork. */
static void make_all(void)
{
    ck_assert_ptr_nonnull(test_pki_dir());
    for (size_t i = 0; i < N_MADE; i++)
        make_cert(&made[i], made_path[i]);
}

static const char *cert_path(const char *id)
{
    for (size_t i = 0; i < N_MADE; i++)
        if (strcmp(made[i].id, id) == 0)
            return made_path[i];
    static char pki[PATH_MAX];
    snprintf(pki, sizeof pki, "%s/%s.crt", test_pki_dir(), id);
    return pki;
}

static WOLFSSL_X509 *load(const char *id)
{
    WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_file(cert_path(id), WOLFSSL_FILETYPE_PEM);
    ck_assert_msg(x != NULL, "wolfSSL could not load %s (%s)", id, cert_path(id));
    return x;
}

/* The same classification as the matcher's: what inet_pton reads. */
static bool is_ip(const char *name)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* OpenSSL's answer: X509_check_ip_asc for addresses, X509_check_host
 * (no flags) for names, as the `openssl x509` command runs them. */
static bool openssl_matches(const char *id, const char *name)
{
    char *argv[] = {"openssl", "x509", "-noout", is_ip(name) ? "-checkip" : "-checkhost",
                    (char *)name, "-in", (char *)cert_path(id), NULL};
    char *out;
    int rc = run(argv, &out);
    ck_assert_msg(rc == 0, "openssl x509 %s '%s' failed:\n%s", argv[3], name, out);
    bool yes = strstr(out, "does match certificate") != NULL;
    bool no = strstr(out, "does NOT match certificate") != NULL;
    ck_assert_msg(yes != no, "unexpected openssl output:\n%s", out);
    free(out);
    return yes;
}

static const char *verdict(int v)
{
    return v == OK ? "OK" : v == HOST ? "HOSTNAME_MISMATCH" : v == IP ? "IP_ADDRESS_MISMATCH" : "?";
}

START_TEST(every_certificate_loads)
{
    for (size_t i = 0; i < N_MADE; i++)
        wolfSSL_X509_free(load(made[i].id));
}
END_TEST

/* Loop test: one child per table row. */
START_TEST(table_verdict)
{
    const struct id_case *c = &cases[_i];
    WOLFSSL_X509 *x = load(c->cert);
    int got = ssa_identity_check(x, c->name);
    wolfSSL_X509_free(x);
    ck_assert_msg(got == c->want, "%s vs \"%s\": got %s, want %s", c->cert, c->name,
                  verdict(got), verdict(c->want));
}
END_TEST

START_TEST(table_matches_openssl)
{
    const struct id_case *c = &cases[_i];
    bool ours = c->want == OK;
    char name[256];
    snprintf(name, sizeof name, "%s", c->name);
    if (c->openssl == FQDN) {
        ck_assert(name[0] != '\0' && name[strlen(name) - 1] == '.');
        name[strlen(name) - 1] = '\0';
    }
    bool theirs = openssl_matches(c->cert, name);
    if (c->openssl != STRICTER)
        ck_assert_msg(ours == theirs, "%s vs \"%s\": OpenSSL says %s, we say %s", c->cert,
                      c->name, theirs ? "match" : "no match", verdict(c->want));
    else
        ck_assert_msg(!ours && theirs, "%s vs \"%s\" is marked stricter, but OpenSSL says %s",
                      c->cert, c->name, theirs ? "match" : "no match");
}
END_TEST

START_TEST(missing_arguments_never_match)
{
    WOLFSSL_X509 *x = load("good");
    ck_assert_int_eq(ssa_identity_check(x, NULL), HOST);
    ck_assert_int_eq(ssa_identity_check(x, ""), HOST);
    ck_assert_int_eq(ssa_identity_check(x, "."), HOST);
    ck_assert_int_eq(ssa_identity_check(NULL, "localhost"), HOST);
    ck_assert_int_eq(ssa_identity_check(NULL, "127.0.0.1"), IP);
    wolfSSL_X509_free(x);
}
END_TEST

static Suite *identity_suite(void)
{
    Suite *s = suite_create("identity");
    TCase *tc = tcase_create("identity");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, make_all, NULL);
    tcase_add_test(tc, every_certificate_loads);
    tcase_add_loop_test(tc, table_verdict, 0, (int)N_CASES);
    tcase_add_loop_test(tc, table_matches_openssl, 0, (int)N_CASES);
    tcase_add_test(tc, missing_arguments_never_match);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(identity_suite());
}
