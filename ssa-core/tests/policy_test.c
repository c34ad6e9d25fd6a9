/*
 * Tests for policy.c, policy_file.c and policy_current.c: the built-in
 * defaults, both policy-file formats, profiles, every kind of file error
 * with its line, and the process's current policy (SSA_CONF, reloading,
 * failing closed).
 */
#define _GNU_SOURCE

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"
#include "ssa_test.h"

#define TLS13_DEFAULT "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

/* Loads text as a policy file for exe (may be NULL); the test fails with
 * the loader's message if it refuses. */
static ssa_policy *load_text(const char *text, const char *exe)
{
    const char *path = test_write_temp(".conf", text);
    char err[512];
    ssa_policy *p = NULL;
    ssa_status st = ssa_policy_load_file(path, exe, &p, err, sizeof err);
    ck_assert_msg(st == SSA_OK, "load failed (%s): %s", ssa_status_name(st), err);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->source, path);
    return p;
}

/* ------------------------------------------------------------------------
 * Defaults, versions, references
 * ---------------------------------------------------------------------- */

START_TEST(test_defaults)
{
    ssa_policy *p = ssa_policy_new_defaults();
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->source, "built-in defaults");
    ck_assert_ptr_null(p->application);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ck_assert_uint_eq(p->max_version, SSA_TLS1_3);
    ck_assert_str_eq(p->tls13_ciphersuites, TLS13_DEFAULT);
    ck_assert_str_eq(p->tls12_ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20");
    ck_assert_str_eq(p->groups, "X25519:P-256:P-384");
    ck_assert_ptr_null(p->sigalgs);
    ck_assert_int_eq(p->min_rsa_bits, 2048);
    ck_assert_int_eq(p->min_ec_bits, 256);
    ck_assert_str_eq(p->trust_store, "/etc/ssl/certs/ca-certificates.crt");
    ck_assert(p->app_trust_anchors);
    ck_assert(p->verify_peer);
    ck_assert(p->verify_hostname);
    ck_assert(p->verify_ip_fallback);
    ck_assert_int_eq(p->verify_depth, 10);
    ck_assert_int_eq(p->client_auth, SSA_CLIENT_AUTH_NONE);
    ck_assert(p->session_cache);
    ck_assert_int_eq(p->session_lifetime, 7200);
    ck_assert(p->session_tickets);
    ck_assert(!p->early_data);
    ck_assert(p->alpn);
    ck_assert(p->sni);
    ck_assert_ptr_null(p->server_certificate);
    ck_assert_ptr_null(p->server_private_key);
    ck_assert_str_eq(p->audit, "syslog");
    ck_assert(!p->keylog);
    ck_assert(!p->allow_user_config);
    ck_assert_int_eq(p->refs_, 1);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_version_parse)
{
    static const struct {
        const char *text;
        uint16_t version;
    } cases[] = {
        { "1.0", SSA_TLS1_0 },     { "1.1", SSA_TLS1_1 },     { "1.2", SSA_TLS1_2 },
        { "1.3", SSA_TLS1_3 },     { "TLSv1", SSA_TLS1_0 },   { "TLSv1.1", SSA_TLS1_1 },
        { "TLSv1.2", SSA_TLS1_2 }, { "TLSv1.3", SSA_TLS1_3 }, { "1.4", 0 },
        { "1", 0 },                { "", 0 },                 { "SSLv3", 0 },
        { "1.2 ", 0 },             { "TLSv2", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(ssa_version_parse(cases[i].text) == cases[i].version, "\"%s\"",
                      cases[i].text);
    ck_assert_uint_eq(ssa_version_parse(NULL), 0);
}
END_TEST

START_TEST(test_version_name)
{
    ck_assert_str_eq(ssa_version_name(SSA_TLS1_0), "TLSv1");
    ck_assert_str_eq(ssa_version_name(SSA_TLS1_1), "TLSv1.1");
    ck_assert_str_eq(ssa_version_name(SSA_TLS1_2), "TLSv1.2");
    ck_assert_str_eq(ssa_version_name(SSA_TLS1_3), "TLSv1.3");
    ck_assert_str_eq(ssa_version_name(0x0300), "SSLv3");
    ck_assert_str_eq(ssa_version_name(0x7f1c), "unknown");
}
END_TEST

START_TEST(test_ref_unref)
{
    ssa_policy *p = ssa_policy_new_defaults();
    ck_assert_ptr_eq(ssa_policy_ref(p), p);
    ck_assert_int_eq(p->refs_, 2);
    ssa_policy_unref(p);
    ck_assert_int_eq(p->refs_, 1);
    ck_assert_ptr_null(ssa_policy_ref(NULL));
    ssa_policy_unref(NULL);
    ssa_policy_unref(p); /* the last one frees; ASan/valgrind see leaks */
}
END_TEST

START_TEST(test_dup_is_deep)
{
    ssa_policy *p = ssa_policy_new_defaults();
    ssa_policy_ref(p);
    ssa_policy *copy = ssa_policy_dup(p);
    ck_assert_int_eq(copy->refs_, 1);
    ck_assert_ptr_ne(copy->groups, p->groups);
    ck_assert_str_eq(copy->groups, p->groups);
    ck_assert_ptr_null(copy->sigalgs);
    ssa_policy_unref(p);
    ssa_policy_unref(p);
    ck_assert_str_eq(copy->tls12_ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20");
    ssa_policy_unref(copy);
}
END_TEST

/* ------------------------------------------------------------------------
 * Our own format
 * ---------------------------------------------------------------------- */

static const char full_file[] =
    "# every setting, none at its default\n"
    "default: {\n"
    "  min_protocol = \"1.1\";\n"
    "  max_protocol = \"TLSv1.2\";\n"
    "  tls13_ciphersuites = \"TLS_AES_256_GCM_SHA384\";\n"
    "  tls12_ciphers = \"ECDHE+AESGCM\";\n"
    "  groups = \"P-384:X25519\";\n"
    "  sigalgs = \"ECDSA+SHA384:RSA-PSS+SHA256\";\n"
    "  min_rsa_bits = 3072;\n"
    "  min_ec_bits = 384;\n"
    "  trust_store = \"/etc/ssl/certs\";\n"
    "  app_trust_anchors = false;\n"
    "  verify_peer = true;\n"
    "  verify_hostname = false;\n"
    "  verify_ip_fallback = false;\n"
    "  verify_depth = 4;\n"
    "  client_auth = \"require\";\n"
    "  session_cache = false;\n"
    "  session_lifetime = 600;\n"
    "  session_tickets = false;\n"
    "  early_data = true;\n"
    "  alpn = false;\n"
    "  sni = false;\n"
    "  server_certificate = \"/etc/ssa/server.pem\";\n"
    "  server_private_key = \"/etc/ssa/server.key\";\n"
    "  audit = \"/var/log/ssa.log\";\n"
    "  keylog = true;\n"
    "  allow_user_config = true;\n"
    "};\n";

START_TEST(test_full_new_format)
{
    ssa_policy *p = load_text(full_file, NULL);
    ck_assert_ptr_null(p->application);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_1);
    ck_assert_uint_eq(p->max_version, SSA_TLS1_2);
    ck_assert_str_eq(p->tls13_ciphersuites, "TLS_AES_256_GCM_SHA384");
    ck_assert_str_eq(p->tls12_ciphers, "ECDHE+AESGCM");
    ck_assert_str_eq(p->groups, "P-384:X25519");
    ck_assert_str_eq(p->sigalgs, "ECDSA+SHA384:RSA-PSS+SHA256");
    ck_assert_int_eq(p->min_rsa_bits, 3072);
    ck_assert_int_eq(p->min_ec_bits, 384);
    ck_assert_str_eq(p->trust_store, "/etc/ssl/certs");
    ck_assert(!p->app_trust_anchors);
    ck_assert(p->verify_peer);
    ck_assert(!p->verify_hostname);
    ck_assert(!p->verify_ip_fallback);
    ck_assert_int_eq(p->verify_depth, 4);
    ck_assert_int_eq(p->client_auth, SSA_CLIENT_AUTH_REQUIRE);
    ck_assert(!p->session_cache);
    ck_assert_int_eq(p->session_lifetime, 600);
    ck_assert(!p->session_tickets);
    ck_assert(p->early_data);
    ck_assert(!p->alpn);
    ck_assert(!p->sni);
    ck_assert_str_eq(p->server_certificate, "/etc/ssa/server.pem");
    ck_assert_str_eq(p->server_private_key, "/etc/ssa/server.key");
    ck_assert_str_eq(p->audit, "/var/log/ssa.log");
    ck_assert(p->keylog);
    ck_assert(p->allow_user_config);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_empty_file_is_defaults)
{
    ssa_policy *p = load_text("# nothing but a comment\n", "/usr/bin/curl");
    ck_assert_ptr_null(p->application);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ck_assert_str_eq(p->tls12_ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20");
    ck_assert(p->verify_peer);
    ssa_policy_unref(p);
}
END_TEST

/* "" means "none" for the optional paths and sigalgs (as DESIGN.md's
 * example writes server_certificate = ""). */
START_TEST(test_empty_strings_mean_none)
{
    ssa_policy *p = load_text("default = {\n"
                              "  server_certificate = \"\";\n"
                              "  server_private_key = \"\";\n"
                              "  sigalgs = \"\";\n"
                              "};\n",
                              NULL);
    ck_assert_ptr_null(p->server_certificate);
    ck_assert_ptr_null(p->server_private_key);
    ck_assert_ptr_null(p->sigalgs);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_mtime_recorded)
{
    const char *path = test_write_temp(".conf", "default = { min_protocol = \"1.3\"; };\n");
    struct timespec times[2] = { { 1000000000, 123456789 }, { 1000000000, 123456789 } };
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    ssa_policy *p = NULL;
    char err[256];
    ck_assert_int_eq(ssa_policy_load_file(path, NULL, &p, err, sizeof err), SSA_OK);
    ck_assert_int_eq(p->loaded_mtime_ns_, 1000000000123456789LL);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ssa_policy_unref(p);
}
END_TEST

/* @include is relative to the policy file, and errors inside the included
 * file name that file. */
START_TEST(test_include_relative_to_file)
{
    const char *inc = test_write_temp(".inc", "default = {\n  min_protocol = \"1.3\";\n};\n");
    char text[1024];
    snprintf(text, sizeof text, "# site policy\n@include \"%s\"\n", strrchr(inc, '/') + 1);
    ck_assert_int_eq(chdir("/"), 0);
    ssa_policy *p = load_text(text, NULL);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ssa_policy_unref(p);

    const char *bad = test_write_temp(".inc", "default = {\n\n  colour = 1;\n};\n");
    snprintf(text, sizeof text, "@include \"%s\"\n", strrchr(bad, '/') + 1);
    const char *path = test_write_temp(".conf", text);
    char err[1024], expected[1024];
    ck_assert_int_eq(ssa_policy_load_file(path, NULL, &p, err, sizeof err), SSA_ERR_POLICY);
    snprintf(expected, sizeof expected, "%s:3: unknown key \"colour\"", bad);
    ck_assert_str_eq(err, expected);

    const char *broken = test_write_temp(".inc", "# comment\ndefault = {\n  sni = ;\n};\n");
    snprintf(text, sizeof text, "\n@include \"%s\"\n", strrchr(broken, '/') + 1);
    path = test_write_temp(".conf", text);
    ck_assert_int_eq(ssa_policy_load_file(path, NULL, &p, err, sizeof err), SSA_ERR_POLICY);
    snprintf(expected, sizeof expected, "%s:3: syntax error", broken);
    ck_assert_str_eq(err, expected);
}
END_TEST

/* ------------------------------------------------------------------------
 * Profiles
 * ---------------------------------------------------------------------- */

static const char profiles_file[] =
    "default = {\n"
    "  min_protocol = \"1.2\";\n"
    "  session_lifetime = 3600;\n"
    "};\n"
    "profiles = (\n"
    "  { application = \"/usr/bin/curl\"; min_protocol = \"1.3\"; verify_depth = 3; },\n"
    "  { application = \"/usr/sbin/nginx\"; tls12_ciphers = \"ECDHE+AESGCM\";\n"
    "    client_auth = \"optional\"; }\n"
    ");\n";

START_TEST(test_profile_overlay_matching_exe)
{
    ssa_policy *p = load_text(profiles_file, "/usr/bin/curl");
    ck_assert_str_eq(p->application, "/usr/bin/curl");
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ck_assert_int_eq(p->verify_depth, 3);
    /* From the default section, under the profile. */
    ck_assert_int_eq(p->session_lifetime, 3600);
    /* Not from the other profile. */
    ck_assert_str_eq(p->tls12_ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20");
    ck_assert_int_eq(p->client_auth, SSA_CLIENT_AUTH_NONE);
    ssa_policy_unref(p);

    p = load_text(profiles_file, "/usr/sbin/nginx");
    ck_assert_str_eq(p->application, "/usr/sbin/nginx");
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ck_assert_str_eq(p->tls12_ciphers, "ECDHE+AESGCM");
    ck_assert_int_eq(p->client_auth, SSA_CLIENT_AUTH_OPTIONAL);
    ck_assert_int_eq(p->verify_depth, 10);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_profile_not_for_other_exe)
{
    /* Another program, a prefix of a profile's path, and no program. */
    const char *exes[] = { "/usr/bin/wget", "/usr/bin/cur", NULL };
    for (size_t i = 0; i < 3; i++) {
        ssa_policy *p = load_text(profiles_file, exes[i]);
        ck_assert_ptr_null(p->application);
        ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
        ck_assert_int_eq(p->session_lifetime, 3600);
        ck_assert_int_eq(p->verify_depth, 10);
        ssa_policy_unref(p);
    }
}
END_TEST

/* The daemon's example names /bin/ncat; on merged-/usr systems the running
 * program is /usr/bin/ncat. A profile naming a symlink to the executable
 * applies, but one naming the executable itself wins. */
START_TEST(test_profile_through_symlink)
{
    char dir[] = "/tmp/ssa-policy-link-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char real[512], link[512], text[2048];
    snprintf(real, sizeof real, "%s/real-prog", dir);
    snprintf(link, sizeof link, "%s/link-prog", dir);
    FILE *f = fopen(real, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(symlink(real, link), 0);

    snprintf(text, sizeof text,
             "profiles = ( { application = \"%s\"; min_protocol = \"1.3\"; } );\n", link);
    ssa_policy *p = load_text(text, real);
    ck_assert_str_eq(p->application, link);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ssa_policy_unref(p);

    /* The exact match wins, listed after the symlink or before it. */
    for (int exact_first = 0; exact_first < 2; exact_first++) {
        snprintf(text, sizeof text,
                 "profiles = ( { application = \"%s\"; %s },\n"
                 "             { application = \"%s\"; %s } );\n",
                 exact_first ? real : link,
                 exact_first ? "verify_depth = 2;" : "min_protocol = \"1.3\";",
                 exact_first ? link : real,
                 exact_first ? "min_protocol = \"1.3\";" : "verify_depth = 2;");
        p = load_text(text, real);
        ck_assert_str_eq(p->application, real);
        ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
        ck_assert_int_eq(p->verify_depth, 2);
        ssa_policy_unref(p);
    }

    unlink(link);
    unlink(real);
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------
 * The original SSA daemon's ssa.cfg
 * ---------------------------------------------------------------------- */

/* Written as the daemon's own example: colons, no semicolons, comments. */
static const char daemon_file[] =
    "# We must have a default profile\n"
    "Default =\n"
    "{\n"
    "  # Protocol sets the Protocol version.\n"
    "  MinProtocol: \"1.2\"\n"
    "  MaxProtocol: \"1.3\"\n"
    "\n"
    "  # CipherSuite is the order of preferred cipher suites to use\n"
    "  CipherSuite: \"ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:"
    "RSA+AESGCM:RSA+AES:!aNULL:!MD5:!DSS\"\n"
    "\n"
    "  # Validation is either \"TrustBase\" or \"Normal\"\n"
    "  Validation: \"Normal\"\n"
    "  TrustStoreLocation: \"/etc/ssl/certs/ca-certificates.crt\"\n"
    "  AppCustomValidation: \"On\"\n"
    "\n"
    "  # Session caching settings\n"
    "  SessionCacheTimeout: 300\n"
    "  SessionCacheLocation: \"/ssa/session/\"\n"
    "\n"
    "  Extensions: (\"SNI\", \"ALPN\")\n"
    "  RandomSeed: (\"/dev/random\", 512)\n"
    "}\n"
    "\n"
    "# Profiles set specific deviations from default policy\n"
    "Profiles =\n"
    "(   {\n"
    "        Application: \"/usr/bin/ncat\"\n"
    "        MinProtocol: \"1.3\"\n"
    "        CipherSuite: \"ECDH+AESGCM:!aNULL\"\n"
    "    },\n"
    "    {\n"
    "        Application: \"/usr/sbin/httpd\"\n"
    "        AppCustomValidation: \"Off\"\n"
    "        Validation: \"Off\"\n"
    "        SessionCacheTimeout: 60\n"
    "        Extensions: \"SNI ALPN TICKET\"\n"
    "    }\n"
    ")\n";

START_TEST(test_daemon_format_default)
{
    ssa_policy *p = load_text(daemon_file, "/usr/bin/curl");
    ck_assert_ptr_null(p->application);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ck_assert_uint_eq(p->max_version, SSA_TLS1_3);
    ck_assert_str_eq(p->tls12_ciphers,
                     "ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:"
                     "RSA+AESGCM:RSA+AES:!aNULL:!MD5:!DSS");
    ck_assert_str_eq(p->tls13_ciphersuites, TLS13_DEFAULT);
    ck_assert(p->verify_peer);
    ck_assert(p->verify_hostname);
    ck_assert_str_eq(p->trust_store, "/etc/ssl/certs/ca-certificates.crt");
    ck_assert(p->app_trust_anchors);
    ck_assert_int_eq(p->session_lifetime, 300);
    /* Extensions lists SNI and ALPN only: tickets off. */
    ck_assert(p->sni);
    ck_assert(p->alpn);
    ck_assert(!p->session_tickets);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_daemon_format_profiles)
{
    ssa_policy *p = load_text(daemon_file, "/usr/bin/ncat");
    ck_assert_str_eq(p->application, "/usr/bin/ncat");
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ck_assert_str_eq(p->tls12_ciphers, "ECDH+AESGCM:!aNULL");
    ck_assert_int_eq(p->session_lifetime, 300);
    ck_assert(!p->session_tickets);
    ssa_policy_unref(p);

    p = load_text(daemon_file, "/usr/sbin/httpd");
    ck_assert_str_eq(p->application, "/usr/sbin/httpd");
    ck_assert(!p->app_trust_anchors);
    ck_assert(!p->verify_peer);
    ck_assert(!p->verify_hostname);
    ck_assert_int_eq(p->session_lifetime, 60);
    ck_assert(p->sni);
    ck_assert(p->alpn);
    ck_assert(p->session_tickets);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ssa_policy_unref(p);
}
END_TEST

/* ------------------------------------------------------------------------
 * Errors: "FILE:LINE: reason", with the line of the setting at fault
 * ---------------------------------------------------------------------- */

struct error_case {
    const char *text;
    int line;
    const char *reason;   /* exact, unless `mentions` is set: */
    const char *mentions; /* then reason is a prefix (the rest is the cipher or
                             group parser's own wording) and this must appear */
};

static const struct error_case error_cases[] = {
    /* libconfig syntax error: a setting without a value. (Not a string
     * where "=" belongs: libconfig 1.5 leaks that string, which would trip
     * LeakSanitizer in SSA_SANITIZE builds.) */
    { "default: {\n  min_protocol = \"1.2\";\n  max_protocol = ;\n};\n", 3,
      "syntax error", NULL },
    /* unknown key, named */
    { "default: {\n  min_protocol = \"1.2\";\n\n  colour = \"blue\";\n};\n", 4,
      "unknown key \"colour\"", NULL },
    /* unknown top-level section */
    { "# policy\ndefaults = { };\n", 2,
      "unknown key \"defaults\" (expected default and profiles)", NULL },
    /* wrong type */
    { "default = {\n  min_protocol = 12;\n};\n", 2, "min_protocol must be a string", NULL },
    { "default = {\n  verify_peer = \"yes\";\n};\n", 2, "verify_peer must be true or false", NULL },
    { "default = {\n  verify_depth = 4.5;\n};\n", 2, "verify_depth must be an integer", NULL },
    { "default = 3;\n", 1, "default must be a group { ... }", NULL },
    /* bad version */
    { "# comment\ndefault = {\n  max_protocol = \"1.3\";\n  min_protocol = \"1.5\";\n};\n", 4,
      "min_protocol \"1.5\" is not one of 1.0, 1.1, 1.2, 1.3", NULL },
    /* min above max, in the default section and in a profile */
    { "default = {\n  min_protocol = \"1.3\";\n  max_protocol = \"1.2\";\n};\n", 2,
      "min_protocol TLSv1.3 is above max_protocol TLSv1.2", NULL },
    { "profiles = (\n  {\n    application = \"/usr/bin/x\";\n    max_protocol = \"1.1\";\n  }\n);\n",
      4, "min_protocol TLSv1.2 is above max_protocol TLSv1.1", NULL },
    /* negative lifetime, old and new spelling */
    { "default = {\n  session_lifetime = -5;\n};\n", 2,
      "session_lifetime must not be negative (-5)", NULL },
    { "Default = {\n  SessionCacheTimeout: -1\n}\n", 2,
      "SessionCacheTimeout must not be negative (-1)", NULL },
    /* cipher string, ciphersuite list, group list that select nothing */
    { "default = {\n  tls12_ciphers = \"NOSUCHCIPHER\";\n};\n", 2,
      "tls12_ciphers: ", "\"NOSUCHCIPHER\"" },
    { "default = {\n\n  tls13_ciphersuites = \"TLS_NO_SUCH_SUITE\";\n};\n", 3,
      "tls13_ciphersuites: ", "\"TLS_NO_SUCH_SUITE\"" },
    { "default = {\n  groups = \"P-999\";\n};\n", 2, "groups: ", "\"P-999\"" },
    { "default = {\n  groups = \"\";\n};\n", 2, "groups must name at least one group", NULL },
    /* both suite lists empty: nothing could be negotiated */
    { "default = {\n  tls12_ciphers = \"\";\n  tls13_ciphersuites = \"\";\n};\n", 1,
      "no cipher suite left for TLSv1.2 to TLSv1.3: the lists for those versions are empty", NULL },
    /* profile with a relative application path */
    { "profiles = (\n  { application = \"/usr/bin/curl\"; },\n  { application = \"bin/wget\"; }\n);\n",
      3, "application \"bin/wget\" must be an absolute path", NULL },
    /* profile without an application */
    { "profiles = (\n  { min_protocol = \"1.3\"; }\n);\n", 2,
      "profile has no application (the program's absolute path)", NULL },
    /* duplicate profile */
    { "profiles = (\n  { application = \"/usr/bin/curl\"; min_protocol = \"1.3\"; },\n  {\n"
      "    application = \"/usr/bin/curl\";\n  }\n);\n",
      4, "duplicate profile for /usr/bin/curl (first at line 2)", NULL },
    /* a broken profile for a program other than the loader is still an error */
    { "profiles = (\n  { application = \"/usr/bin/other\";\n    min_protocl = \"1.3\"; }\n);\n", 3,
      "unknown key \"min_protocl\"", NULL },
    /* both spellings of application in one profile */
    { "Profiles = (\n  {\n    application = \"/usr/bin/a\";\n    Application: \"/usr/bin/b\"\n  }\n)\n",
      3, "application and Application (line 4) set the same thing; keep one", NULL },
    /* profiles that are not a list of groups */
    { "profiles = { application = \"/usr/bin/curl\"; };\n", 1,
      "profiles must be a list of groups: ( { ... }, { ... } )", NULL },
    /* unknown client_auth */
    { "default = {\n  client_auth = \"sometimes\";\n};\n", 2,
      "client_auth \"sometimes\" is not one of none, optional, require", NULL },
    /* application outside a profile */
    { "default = {\n  application = \"/usr/bin/curl\";\n};\n", 2,
      "application is only valid inside a profile", NULL },
    /* both spellings of one setting */
    { "default = {\n  min_protocol = \"1.2\";\n  MinProtocol = \"1.0\";\n};\n", 2,
      "min_protocol and MinProtocol (line 3) set the same thing; keep one", NULL },
    /* relative trust store */
    { "default = {\n  trust_store = \"certs/ca.pem\";\n};\n", 2,
      "trust_store \"certs/ca.pem\" must be an absolute path", NULL },
    /* audit destination */
    { "default = {\n  audit = \"stderr\";\n};\n", 2,
      "audit \"stderr\" must be \"syslog\", \"off\" or an absolute path", NULL },
    /* the daemon's switches */
    { "Default = {\n  Validation: \"Maybe\"\n}\n", 2,
      "Validation \"Maybe\" is not one of Normal, On, Off", NULL },
    { "Default = {\n  AppCustomValidation: \"Yes\"\n}\n", 2,
      "AppCustomValidation \"Yes\" is not one of On, Off", NULL },
    { "Default = {\n  Extensions: (\"SNI\",\n    \"OCSP\")\n}\n", 3,
      "Extensions: unknown extension \"OCSP\" (known: SNI, ALPN, TICKET)", NULL },
    /* out of range */
    { "default = {\n  min_rsa_bits = 100000;\n};\n", 2,
      "min_rsa_bits 100000 is above the maximum 16384", NULL },
};

START_TEST(test_error_cases)
{
    const struct error_case *c = &error_cases[_i];
    const char *path = test_write_temp(".conf", c->text);
    char expected[1024], err[1024];
    snprintf(expected, sizeof expected, "%s:%d: %s", path, c->line, c->reason);
    ssa_policy *p = (ssa_policy *)0x1;
    ssa_status st = ssa_policy_load_file(path, "/usr/bin/curl", &p, err, sizeof err);
    ck_assert_msg(st == SSA_ERR_POLICY, "case %d: status %s, err \"%s\"", _i,
                  ssa_status_name(st), err);
    ck_assert_ptr_null(p);
    if (c->mentions) {
        ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0,
                      "case %d: \"%s\" does not start with \"%s\"", _i, err, expected);
        ck_assert_msg(strstr(err + strlen(expected), c->mentions) != NULL,
                      "case %d: \"%s\" does not mention %s", _i, err, c->mentions);
    } else
        ck_assert_msg(strcmp(err, expected) == 0, "case %d: \"%s\" != \"%s\"", _i, err, expected);
}
END_TEST

START_TEST(test_missing_file)
{
    char err[256];
    ssa_policy *p = (ssa_policy *)0x1;
    ssa_status st = ssa_policy_load_file("/nonexistent/ssa.conf", NULL, &p, err, sizeof err);
    ck_assert_int_eq(st, SSA_ERR_IO_FILE);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(err, "/nonexistent/ssa.conf: cannot open: No such file or directory");
}
END_TEST

START_TEST(test_directory_is_not_a_file)
{
    char err[256];
    ssa_policy *p = NULL;
    ck_assert_int_eq(ssa_policy_load_file("/tmp", NULL, &p, err, sizeof err), SSA_ERR_IO_FILE);
    ck_assert_str_eq(err, "/tmp: cannot open: Is a directory");
}
END_TEST

/* A short buffer truncates the message but keeps the status. */
START_TEST(test_short_error_buffer)
{
    const char *path = test_write_temp(".conf", "default = { colour = 1; };\n");
    char err[8];
    ssa_policy *p = NULL;
    ck_assert_int_eq(ssa_policy_load_file(path, NULL, &p, err, sizeof err), SSA_ERR_POLICY);
    ck_assert_uint_eq(strlen(err), sizeof err - 1);
    ck_assert_int_eq(ssa_policy_load_file(path, NULL, &p, NULL, 0), SSA_ERR_POLICY);
}
END_TEST

/* ------------------------------------------------------------------------
 * The current policy
 * ---------------------------------------------------------------------- */

static bool admin_file_exists(void)
{
    return access(SSA_POLICY_DEFAULT_PATH, F_OK) == 0;
}

/* Replaces the file's contents and moves its mtime `bump` seconds on, as
 * an editor that saves twice in one second would not. */
static void rewrite(const char *path, const char *text, int bump)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    struct timespec times[2] = { st.st_atim, st.st_mtim };
    times[1].tv_sec += bump;
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

START_TEST(test_current_honours_ssa_conf)
{
    if (admin_file_exists())
        return; /* then SSA_CONF depends on the machine's allow_user_config */
    test_use_policy("default = { min_protocol = \"1.3\"; session_lifetime = 60; };\n");
    ssa_policy *p = ssa_policy_current();
    ck_assert_str_eq(p->source, getenv("SSA_CONF"));
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ck_assert_int_eq(p->session_lifetime, 60);
    /* A new reference: ours and the cache's. */
    ck_assert_int_ge(p->refs_, 2);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_current_without_any_file)
{
    if (admin_file_exists())
        return;
    unsetenv("SSA_CONF");
    ssa_policy_reset_cache();
    ssa_policy *p = ssa_policy_current();
    ck_assert_str_eq(p->source, "built-in defaults");
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_current_reloads_on_change)
{
    if (admin_file_exists())
        return;
    const char *path = test_write_temp(".conf", "default = { min_protocol = \"1.2\"; };\n");
    ck_assert_int_eq(setenv("SSA_CONF", path, 1), 0);
    ssa_policy_reset_cache();

    ssa_policy *first = ssa_policy_current();
    ck_assert_uint_eq(first->min_version, SSA_TLS1_2);
    /* Unchanged file: the cached object itself. */
    ssa_policy *again = ssa_policy_current();
    ck_assert_ptr_eq(again, first);
    ssa_policy_unref(again);

    rewrite(path, "default = { min_protocol = \"1.3\"; verify_depth = 5; };\n", 10);
    ssa_policy *second = ssa_policy_current();
    ck_assert_ptr_ne(second, first);
    ck_assert_uint_eq(second->min_version, SSA_TLS1_3);
    ck_assert_int_eq(second->verify_depth, 5);
    /* The old one stays valid for whoever still holds it. */
    ck_assert_uint_eq(first->min_version, SSA_TLS1_2);
    ssa_policy_unref(first);
    ssa_policy_unref(second);
}
END_TEST

START_TEST(test_current_follows_ssa_conf_changes)
{
    if (admin_file_exists())
        return;
    test_use_policy("default = { verify_depth = 3; };\n");
    ssa_policy *a = ssa_policy_current();
    /* Another file, without resetting the cache: the path is part of the key. */
    const char *other = test_write_temp(".conf", "default = { verify_depth = 7; };\n");
    ck_assert_int_eq(setenv("SSA_CONF", other, 1), 0);
    ssa_policy *b = ssa_policy_current();
    ck_assert_int_eq(a->verify_depth, 3);
    ck_assert_int_eq(b->verify_depth, 7);
    ck_assert_str_eq(b->source, other);
    ssa_policy_unref(a);
    ssa_policy_unref(b);
}
END_TEST

START_TEST(test_current_broken_file_fails_closed)
{
    if (admin_file_exists())
        return;
    test_use_policy("default = {\n  min_protocol = \"1.0\";\n  verify_peer = maybe;\n};\n");
    const char *path = getenv("SSA_CONF");
    ssa_policy *p = ssa_policy_current();
    char expected[1024];
    snprintf(expected, sizeof expected, "built-in defaults (%s rejected)", path);
    ck_assert_str_eq(p->source, expected);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ck_assert(p->verify_peer);
    ck_assert_str_eq(p->tls12_ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20");
    ssa_policy_unref(p);

    /* Fixed in place: picked up at once. */
    rewrite(path, "default = {\n  min_protocol = \"1.3\";\n};\n", 5);
    p = ssa_policy_current();
    ck_assert_str_eq(p->source, path);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_3);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_current_missing_ssa_conf_fails_closed)
{
    if (admin_file_exists())
        return;
    ck_assert_int_eq(setenv("SSA_CONF", "/nonexistent/ssa-test.conf", 1), 0);
    ssa_policy_reset_cache();
    ssa_policy *p = ssa_policy_current();
    ck_assert_str_eq(p->source, "built-in defaults (/nonexistent/ssa-test.conf rejected)");
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ssa_policy_unref(p);
}
END_TEST

/* The current policy uses the profile of this very program. */
START_TEST(test_current_applies_own_profile)
{
    if (admin_file_exists())
        return;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    char text[8192];
    snprintf(text, sizeof text,
             "default = { verify_depth = 6; };\n"
             "profiles = ( { application = \"/usr/bin/not-this-one\"; verify_depth = 1; },\n"
             "             { application = \"%s\"; verify_depth = 2; } );\n",
             exe);
    test_use_policy(text);
    ssa_policy *p = ssa_policy_current();
    ck_assert_str_eq(p->application, exe);
    ck_assert_int_eq(p->verify_depth, 2);
    ssa_policy_unref(p);
}
END_TEST

/* Threads take and drop references while the file keeps changing: each
 * sees one whole policy or the other (ASan/TSan builds catch races). */
static void *current_reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        ssa_policy *p = ssa_policy_current();
        int depth = p->verify_depth;
        if (!((depth == 3 && p->min_version == SSA_TLS1_2)
              || (depth == 4 && p->min_version == SSA_TLS1_3)))
            return (void *)1;
        ssa_policy_unref(p);
    }
    return NULL;
}

START_TEST(test_current_is_thread_safe)
{
    if (admin_file_exists())
        return;
    static const char *const texts[] = {
        "default = { verify_depth = 3; min_protocol = \"1.2\"; };\n",
        "default = { verify_depth = 4; min_protocol = \"1.3\"; };\n",
    };
    test_use_policy(texts[0]);
    const char *path = getenv("SSA_CONF");
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, current_reader, NULL), 0);
    /* Each rewrite goes through a new file renamed into place, as a careful
     * editor saves, so that no reader sees a half-written file. */
    for (int i = 1; i <= 20; i++) {
        const char *next = test_write_temp(".conf", texts[i % 2]);
        ck_assert_int_eq(rename(next, path), 0);
        usleep(1000);
    }
    for (int i = 0; i < 4; i++) {
        void *result;
        ck_assert_int_eq(pthread_join(threads[i], &result), 0);
        ck_assert_ptr_null(result);
    }
}
END_TEST

/* With an administrator's file, SSA_CONF counts only where that file says
 * allow_user_config = true; a broken administrator's file allows nothing. */
struct admin_case {
    const char *admin_text;     /* NULL: no administrator's file */
    int expected_depth;         /* 7: the administrator's, 9: SSA_CONF's */
    bool expect_rejected;       /* the administrator's file is refused */
};

static const struct admin_case admin_cases[] = {
    /* no administrator's file: SSA_CONF is used */
    { NULL, 9, false },
    /* administrator's file without allow_user_config: SSA_CONF ignored */
    { "default = { verify_depth = 7; };\n", 7, false },
    /* allow_user_config = false, explicitly */
    { "default = { verify_depth = 7; allow_user_config = false; };\n", 7, false },
    /* allow_user_config = true: SSA_CONF used */
    { "default = { verify_depth = 7; allow_user_config = true; };\n", 9, false },
    /* broken administrator's file: strict defaults (depth 10), SSA_CONF ignored */
    { "default = { verify_depth = 7; allow_user_config = true; colour = 1; };\n", 10, true },
};

START_TEST(test_current_admin_file_decides)
{
    const struct admin_case *c = &admin_cases[_i];
    const char *admin = c->admin_text ? test_write_temp(".conf", c->admin_text)
                                      : "/nonexistent/admin-ssa.conf";
    ssa_policy_set_admin_path(admin);
    const char *user = test_write_temp(".conf", "default = { verify_depth = 9; };\n");
    ck_assert_int_eq(setenv("SSA_CONF", user, 1), 0);
    ssa_policy *p = ssa_policy_current();
    ck_assert_int_eq(p->verify_depth, c->expected_depth);
    char rejected[1024];
    snprintf(rejected, sizeof rejected, "built-in defaults (%s rejected)", admin);
    ck_assert_str_eq(p->source, c->expect_rejected ? rejected
                                : c->expected_depth == 9 ? user : admin);
    ssa_policy_unref(p);
    ssa_policy_set_admin_path(NULL);
}
END_TEST

/* An administrator's file that exists but cannot be read is not an absent
 * one: whatever stat() says other than ENOENT, and a link to nowhere, give
 * the strict defaults and keep SSA_CONF out. */
enum unreadable_kind { DANGLING_LINK, LINK_LOOP, NOT_SEARCHABLE };

/* A path that stat() refuses for the given reason. */
static const char *unreadable_admin_path(enum unreadable_kind kind)
{
    static char path[600];
    const char *dir = test_write_temp(".d", "");
    ck_assert_int_eq(unlink(dir), 0);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/ssa.conf", dir);
    switch (kind) {
    case DANGLING_LINK:
        ck_assert_int_eq(symlink("/nonexistent/target.conf", path), 0);
        break;
    case LINK_LOOP:
        ck_assert_int_eq(symlink(path, path), 0);
        break;
    case NOT_SEARCHABLE: {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("default = { verify_depth = 7; allow_user_config = true; };\n", f);
        fclose(f);
        ck_assert_int_eq(chmod(dir, 0700), 0);
        break;
    }
    }
    return path;
}

/* Runs as nobody where the test runs as root, so that a mode-0700
 * directory is really out of reach (root's stat() passes anywhere). */
static void become_unprivileged(void)
{
    if (geteuid() == 0)
        ck_assert_int_eq(setuid(65534), 0);
}

START_TEST(test_current_unreadable_admin_file_fails_closed)
{
    enum unreadable_kind kind = (enum unreadable_kind)_i;
    const char *admin = unreadable_admin_path(kind);
    const char *user = test_write_temp(".conf", "default = { verify_depth = 9; };\n");
    ck_assert_int_eq(chmod(user, 0644), 0);
    ck_assert_int_eq(setenv("SSA_CONF", user, 1), 0);
    if (kind == NOT_SEARCHABLE)
        become_unprivileged(); /* the test runs in its own process (fork mode) */
    ssa_policy_set_admin_path(admin);
    ssa_policy *p = ssa_policy_current();
    char rejected[1024];
    snprintf(rejected, sizeof rejected, "built-in defaults (%s rejected)", admin);
    ck_assert_str_eq(p->source, rejected);
    ck_assert_int_eq(p->verify_depth, 10);
    ck_assert_uint_eq(p->min_version, SSA_TLS1_2);
    ck_assert(p->verify_peer);
    ssa_policy_unref(p);
    ssa_policy_set_admin_path(NULL);
}
END_TEST

/* ------------------------------------------------------------------------
 * Signature algorithms and the signature-hash floor (issue #10, holes 2 and 8)
 * ---------------------------------------------------------------------- */

/* OpenSSL's own default list in its long names, plus two of its legacy
 * spellings: 274 bytes that `openssl s_client -sigalgs` accepts. */
#define OPENSSL_LONG_SIGALGS \
    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:ed448:" \
    "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:rsa_pss_rsae_sha256:" \
    "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:" \
    "rsa_pkcs1_sha512:ECDSA+SHA224:RSA+SHA224"

START_TEST(test_signature_hash_floor_default_and_set)
{
    ssa_policy *p = ssa_policy_new_defaults();
    ck_assert_int_eq(p->min_signature_hash, SSA_SIG_HASH_SHA256);
    ssa_policy_unref(p);
    p = load_text("default = {\n  min_signature_hash = \"sha1\";\n};\n", NULL);
    ck_assert_int_eq(p->min_signature_hash, SSA_SIG_HASH_SHA1);
    ssa_policy_unref(p);
    p = load_text("default = {\n  min_signature_hash = \"SHA384\";\n};\n", NULL);
    ck_assert_int_eq(p->min_signature_hash, SSA_SIG_HASH_SHA384);
    ssa_policy_unref(p);
}
END_TEST

/* OpenSSL's spellings are stored in the engine's, so a list of long names
 * is short once loaded; duplicates (rsae and pss variants) fold into one. */
START_TEST(test_sigalgs_openssl_names_translated)
{
    ck_assert_uint_eq(strlen(OPENSSL_LONG_SIGALGS), 274);
    ssa_policy *p = load_text("default = {\n  sigalgs = \"rsa_pss_rsae_sha256:RSA+SHA256:"
                              "ed25519:SHA384+ECDSA:PSS+SHA512:rsa_pss_pss_sha256\";\n};\n", NULL);
    ck_assert_str_eq(p->sigalgs, "RSA-PSS+SHA256:RSA+SHA256:ED25519:ECDSA+SHA384:RSA-PSS+SHA512");
    ssa_policy_unref(p);
    p = load_text("default = {\n  sigalgs = \"" OPENSSL_LONG_SIGALGS "\";\n};\n", NULL);
    ck_assert_str_eq(p->sigalgs, "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ED25519:ED448:"
                                 "RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:RSA+SHA256:"
                                 "RSA+SHA384:RSA+SHA512:ECDSA+SHA224:RSA+SHA224");
    ssa_policy_unref(p);
    /* SHA-1 where the administrator says so. */
    p = load_text("default = {\n  sigalgs = \"RSA+SHA1:ecdsa_sha1\";\n"
                  "  min_signature_hash = \"sha1\";\n};\n", NULL);
    ck_assert_str_eq(p->sigalgs, "RSA+SHA1:ECDSA+SHA1");
    ssa_policy_unref(p);
}
END_TEST

static const struct error_case sigalg_error_cases[] = {
    /* a name that is no signature algorithm, among good ones */
    { "default = {\n  min_protocol = \"1.2\";\n  sigalgs = \"RSA+SHA256:FOO+BAR\";\n};\n", 3,
      "sigalgs: unknown signature algorithm \"FOO+BAR\"", NULL },
    { "default = {\n  sigalgs = \"RSA-PSS+SHA1\";\n};\n", 2,
      "sigalgs: unknown signature algorithm \"RSA-PSS+SHA1\"", NULL },
    /* an algorithm OpenSSL knows and the engine cannot do */
    { "default = {\n  sigalgs = \"RSA+SHA256:DSA+SHA256\";\n};\n", 2,
      "sigalgs: signature algorithm \"DSA+SHA256\" is not supported by the TLS engine", NULL },
    /* an empty entry */
    { "default = {\n  sigalgs = \"RSA+SHA256::ED25519\";\n};\n", 2,
      "sigalgs: empty entry in the signature algorithm list", NULL },
    /* SHA-1 only, under the default floor */
    { "default = {\n  sigalgs = \"RSA+SHA1:ecdsa_sha1\";\n};\n", 2,
      "sigalgs: every signature algorithm in \"RSA+SHA1:ECDSA+SHA1\" uses a hash below the "
      "floor sha256 (min_signature_hash)", NULL },
    /* a profile raising the floor above the default section's list */
    { "default = {\n  sigalgs = \"RSA+SHA256\";\n};\nprofiles = (\n  { application = \"/usr/bin/x\";\n"
      "    min_signature_hash = \"sha384\"; }\n);\n", 6,
      "sigalgs: every signature algorithm in \"RSA+SHA256\" uses a hash below the floor sha384 "
      "(min_signature_hash)", NULL },
    /* MD5 is never a floor */
    { "default = {\n  min_signature_hash = \"md5\";\n};\n", 2,
      "min_signature_hash \"md5\" is not one of sha1, sha256, sha384, sha512", NULL },
    { "default = {\n  min_signature_hash = 256;\n};\n", 2,
      "min_signature_hash must be a string", NULL },
};

START_TEST(test_sigalg_error_cases)
{
    const struct error_case *c = &sigalg_error_cases[_i];
    const char *path = test_write_temp(".conf", c->text);
    char expected[1024], err[1024];
    snprintf(expected, sizeof expected, "%s:%d: %s", path, c->line, c->reason);
    ssa_policy *p = NULL;
    ssa_status st = ssa_policy_load_file(path, "/usr/bin/curl", &p, err, sizeof err);
    ck_assert_msg(st == SSA_ERR_POLICY, "case %d: status %s, err \"%s\"", _i,
                  ssa_status_name(st), err);
    ck_assert_ptr_null(p);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0,
                  "case %d: \"%s\" does not start with \"%s\"", _i, err, expected);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("object");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_version_parse);
    tcase_add_test(tc, test_version_name);
    tcase_add_test(tc, test_ref_unref);
    tcase_add_test(tc, test_dup_is_deep);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_test(tc, test_full_new_format);
    tcase_add_test(tc, test_empty_file_is_defaults);
    tcase_add_test(tc, test_empty_strings_mean_none);
    tcase_add_test(tc, test_mtime_recorded);
    tcase_add_test(tc, test_include_relative_to_file);
    tcase_add_test(tc, test_profile_overlay_matching_exe);
    tcase_add_test(tc, test_profile_not_for_other_exe);
    tcase_add_test(tc, test_profile_through_symlink);
    tcase_add_test(tc, test_daemon_format_default);
    tcase_add_test(tc, test_daemon_format_profiles);
    tcase_add_loop_test(tc, test_error_cases, 0,
                        (int)(sizeof error_cases / sizeof error_cases[0]));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_directory_is_not_a_file);
    tcase_add_test(tc, test_short_error_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("signature algorithms");
    tcase_add_test(tc, test_signature_hash_floor_default_and_set);
    tcase_add_test(tc, test_sigalgs_openssl_names_translated);
    tcase_add_loop_test(tc, test_sigalg_error_cases, 0,
                        (int)(sizeof sigalg_error_cases / sizeof sigalg_error_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("current");
    tcase_add_test(tc, test_current_honours_ssa_conf);
    tcase_add_test(tc, test_current_without_any_file);
    tcase_add_test(tc, test_current_reloads_on_change);
    tcase_add_test(tc, test_current_follows_ssa_conf_changes);
    tcase_add_test(tc, test_current_broken_file_fails_closed);
    tcase_add_test(tc, test_current_missing_ssa_conf_fails_closed);
    tcase_add_test(tc, test_current_applies_own_profile);
    tcase_add_test(tc, test_current_is_thread_safe);
    tcase_add_loop_test(tc, test_current_admin_file_decides, 0,
                        (int)(sizeof admin_cases / sizeof admin_cases[0]));
    tcase_add_loop_test(tc, test_current_unreadable_admin_file_fails_closed, DANGLING_LINK,
                        NOT_SEARCHABLE + 1);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(policy_suite());
}
