/*
 * Cipher suites, OpenSSL cipher strings, TLS 1.3 suite lists and named
 * groups (cipher_suites.c, cipher_string.c, groups.c).
 *
 * The heart of it is a differential test against the openssl binary on this
 * machine: for each cipher string, `openssl ciphers -V STR` must succeed
 * exactly when we do and list the same TLS 1.2-and-below suites in the same
 * order as ssa_cipher_string_eval_all (the whole language, DSS, PSK and
 * anonymous suites included), and `openssl ciphers -s -tls1_2 -V STR` (what
 * a client would offer: security level applied), restricted to the suites
 * the core can negotiate, must equal ssa_cipher_string_eval.
 *
 * openssl runs with OPENSSL_CONF=/dev/null: we compare with the library's
 * built-in defaults (security level 2 on Debian, which builds with
 * OPENSSL_TLS_SECURITY_LEVEL=2), not with whatever the system
 * openssl.cnf might add (a CipherString or SECLEVEL in system_default).
 */
#define _GNU_SOURCE

#include "ssa_test.h"

#include "cipher_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define OPENSSL_BIN "/usr/bin/openssl"
#define CAP 256

/* ------------------------------------------------------------------------
 * Running openssl
 * ---------------------------------------------------------------------- */

/* 'text' for the shell. */
static void shell_quote(const char *text, char *out, size_t outlen)
{
    size_t used = 0;
    out[used++] = '\'';
    for (const char *p = text; *p && used + 5 < outlen; p++) {
        if (*p == '\'') {
            memcpy(out + used, "'\\''", 4);
            used += 4;
        } else {
            out[used++] = *p;
        }
    }
    out[used++] = '\'';
    out[used] = '\0';
}

/* Run `openssl ciphers <options> -V -- STR` and collect the TLS 1.2-and-
 * below suite ids it prints, in order; returns its exit status. "--" keeps
 * a string that starts with '-' from being taken for an option. */
static int openssl_ciphers(const char *options, const char *str, uint16_t *ids, size_t *n)
{
    char quoted[2048], cmd[4096], line[512];
    shell_quote(str, quoted, sizeof quoted);
    snprintf(cmd, sizeof cmd, "OPENSSL_CONF=/dev/null %s ciphers %s -V -- %s 2>/dev/null",
             OPENSSL_BIN, options, quoted);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned hi, lo;
        if (sscanf(line, " 0x%x,0x%x", &hi, &lo) == 2 && hi != 0x13 && *n < CAP)
            ids[(*n)++] = (uint16_t)(hi << 8 | lo);
    }
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void format_ids(const uint16_t *ids, size_t n, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 8 < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%04x", i ? " " : "", ids[i]);
}

static void assert_same_ids(const char *what, const char *str, const uint16_t *want, size_t nwant,
                            const uint16_t *got, size_t ngot)
{
    char a[2048], b[2048];
    format_ids(want, nwant, a, sizeof a);
    format_ids(got, ngot, b, sizeof b);
    ck_assert_msg(nwant == ngot && memcmp(want, got, nwant * sizeof *want) == 0,
                  "%s differs for \"%s\":\n openssl: %s\n     ssa: %s", what, str, a, b);
}

/* ------------------------------------------------------------------------
 * The differential list
 * ---------------------------------------------------------------------- */

static const char *const strings[] = {
    /* OpenSSL's own keywords */
    "DEFAULT",
    "ALL",
    "ALL:COMPLEMENTOFALL",
    "COMPLEMENTOFDEFAULT",
    "ALL:!COMPLEMENTOFDEFAULT:!eNULL",
    "HIGH",
    "HIGH:@STRENGTH",
    "FIPS",
    "AES+FIPS",
    "HIGH+FIPS", /* strength classes intersect to nothing: an error */
    "SHA1",
    "kRSA",
    "TLSv1.2+kRSA",
    "SSLv3:TLSv1:+kRSA",
    "CAMELLIA:ARIA:@STRENGTH",
    "AESCCM:AESCCM8:CHACHA20",
    "CBC:!SHA1",
    "aNULL",                    /* accepted, but nothing survives level 2 */
    "PSK",                      /* accepted, nothing the core offers */
    "DEFAULT@SECLEVEL=1",
    "DEFAULT:@SECLEVEL=0:eNULL",
    "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
    "ALL:@SECLEVEL=3",
    "ALL:@SECLEVEL=4",
    "ALL:@SECLEVEL=5",
    "eNULL:aRSA@SECLEVEL=0",
    "SUITEB128",
    "SUITEB192",
    /* the brief's examples */
    "HIGH:!aNULL:!MD5", /* nginx's default */
    "ECDHE+AESGCM:ECDHE+CHACHA20",
    "AES128+EECDH:AES128+EDH",
    "kEECDH+ECDSA+AES128:kEECDH+ECDSA+AES256",
    "!aNULL:HIGH",
    "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA",
    "-ALL:ECDHE-ECDSA-CHACHA20-POLY1305",
    "AES+SHA:+AES256",
    /* what applications ship */
    "DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK", /* Python <3.10 */
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
    "ALL:!EXPORT:!EXPORT40:!EXPORT56:!aNULL:!LOW:!RC4:@STRENGTH", /* curl before OpenSSL 1.1 */
    "ALL!EXPORT!EXPORT40!EXPORT56!aNULL!LOW!RC4",                 /* lynx: no separators */
    "EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH",            /* lighttpd guides */
    "TLSv1+HIGH !SSLv2 RC4+MEDIUM !aNULL !eNULL !3DES @STRENGTH", /* lighttpd, spaces */
    "FIPS: +3DES:!aNULL",                                         /* lighttpd, VMware */
    "aNULL:-aNULL:HIGH:@STRENGTH",                                /* postfix high */
    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",                    /* postfix medium */
    "ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH",
    /* Mozilla intermediate (v5.7) */
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
    /* list operations */
    "ALL:-AES:AES128",
    "ALL:!AES:AES128",
    "AES128-SHA:AES256-SHA:-AES128-SHA:AES128-SHA",
    "HIGH:-SHA1:-CAMELLIA:ALL", /* what '-' took out comes back first */
    "ALL:-kRSA:-aECDSA:HIGH",
    "!AES128-SHA:AES128-SHA:AES256-SHA",
    "ECDH:-ECDSA:+SHA1:ECDSA",
    "AES128-SHA AES256-SHA,CAMELLIA128-SHA;AES128-GCM-SHA256",
    "DEFAULT:!AES",
    "DEFAULT:+AES",
    "DEFAULT:eNULL", /* DEFAULT's "!eNULL" is for good */
    "DEFAULTX",      /* the prefix, then an unknown word */
    "eNULL:DEFAULT", /* DEFAULT elsewhere is an unknown word */
    "AES128-SHA+SSLv3",
    "AES128-SHA+TLSv1.2",
    "AES:FOO+",
    "AES128-SHA:kRSA+kECDHE+",
    "AES128-SHA:FOO#:HIGH",
    "AES128-SHA:!-AES",
    "AES128-SHA:@STRENGTH+#",
    /* errors */
    "",
    "FOO",
    "ALL:!HIGH",
    "AES#",
    "AES:AES+",
    "AES128-SHA:-!AES",
    "AES128-SHA:@FOO",
    "HIGH:@SECLEVEL=6",
    "HIGH:@SECLEVEL=10",
    "HIGH\tAES",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", /* IANA names are not taken */
    "ecdhe-rsa-aes128-gcm-sha256",
};

#define N_STRINGS (sizeof strings / sizeof strings[0])

static size_t rows_to_ids(const size_t *rows, size_t n, uint16_t *ids)
{
    for (size_t i = 0; i < n; i++)
        ids[i] = ssa_suite_table[rows[i]].info.id;
    return n;
}

/* The whole language: success and the full list. */
START_TEST(differential_whole_list)
{
    const char *str = strings[_i];
    uint16_t want[CAP], got[CAP];
    size_t nwant, rows[CAP], nrows = 0;
    char err[256] = "";
    int rc = openssl_ciphers("", str, want, &nwant);
    ssa_status st = ssa_cipher_string_eval_all(str, rows, CAP, &nrows, NULL, err, sizeof err);
    ck_assert_msg((rc == 0) == (st == SSA_OK), "\"%s\": openssl exit %d, ssa %s (%s)", str, rc,
                  ssa_status_name(st), err);
    if (st != SSA_OK) {
        ck_assert_int_eq(st, SSA_ERR_ARG);
        ck_assert_msg(err[0] != '\0', "no message for \"%s\"", str);
        return;
    }
    assert_same_ids("full list", str, want, nwant, got, rows_to_ids(rows, nrows, got));
}
END_TEST

/* What the core offers: OpenSSL's offer, limited to the core's suites. */
START_TEST(differential_offered)
{
    const char *str = strings[_i];
    uint16_t want[CAP], offered[CAP], got[SSA_MAX_SUITES];
    size_t nwant = 0, noffered, ngot = 0;
    char err[256] = "";
    int rc = openssl_ciphers("-s -tls1_2", str, offered, &noffered);
    ssa_status st = ssa_cipher_string_eval(str, got, SSA_MAX_SUITES, &ngot, err, sizeof err);
    ck_assert_msg((rc == 0) == (st == SSA_OK), "\"%s\": openssl exit %d, ssa %s (%s)", str, rc,
                  ssa_status_name(st), err);
    if (st != SSA_OK)
        return;
    for (size_t i = 0; i < noffered; i++)
        if (ssa_cipher_by_id(offered[i]))
            want[nwant++] = offered[i];
    assert_same_ids("offered list", str, want, nwant, got, ngot);
}
END_TEST

/* ------------------------------------------------------------------------
 * The table against `openssl ciphers -V -v`
 * ---------------------------------------------------------------------- */

static const ssa_suite *row_by_id(uint16_t id)
{
    for (size_t i = 0; i < ssa_suite_count; i++)
        if (ssa_suite_table[i].info.id == id)
            return &ssa_suite_table[i];
    return NULL;
}

static const char *version_column(uint16_t v)
{
    return v == SSA_SSL3_0 ? "SSLv3" : v == SSA_TLS1_0 ? "TLSv1" : v == SSA_TLS1_2 ? "TLSv1.2"
                                                                                 : "TLSv1.3";
}

/* Every suite openssl prints must be in the table with the same facts. */
static size_t check_table_lines(const char *args)
{
    char cmd[512], line[512];
    size_t seen = 0;
    snprintf(cmd, sizeof cmd, "OPENSSL_CONF=/dev/null %s ciphers -stdname -V -v %s", OPENSSL_BIN, args);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        unsigned hi, lo;
        char iana[100], name[100], ver[20], kx[40], au[40], enc[60], mac[40];
        if (sscanf(line, " 0x%x,0x%x - %99s - %99s %19s Kx=%39s Au=%39s Enc=%59s Mac=%39s", &hi,
                   &lo, iana, name, ver, kx, au, enc, mac) != 9)
            continue;
        const ssa_suite *s = row_by_id((uint16_t)(hi << 8 | lo));
        ck_assert_msg(s != NULL, "%s (%02x%02x) missing from the table", name, hi, lo);
        ck_assert_str_eq(s->info.openssl_name, name);
        ck_assert_str_eq(s->info.iana_name, iana);
        ck_assert_str_eq(version_column(s->info.min_version), ver);
        ck_assert_str_eq(s->info.kx, kx);
        ck_assert_str_eq(s->info.auth, au);
        ck_assert_str_eq(s->info.enc, enc);
        ck_assert_str_eq(s->info.mac, mac);
        ck_assert(!(s->flags & SSA_F_RETIRED));
        seen++;
    }
    pclose(f);
    return seen;
}

START_TEST(table_matches_openssl)
{
    size_t n12 = check_table_lines("ALL:COMPLEMENTOFALL");
    size_t n13 = check_table_lines("-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                   "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
                                   "TLS_AES_128_CCM_8_SHA256 eNULL");
    /* and nothing else in the language: the same count both ways */
    size_t in_language = 0;
    for (size_t i = 0; i < ssa_suite_count; i++)
        if (!(ssa_suite_table[i].flags & SSA_F_RETIRED))
            in_language++;
    ck_assert_uint_eq(in_language, (n12 - 3) + (n13 - 18)); /* each run prints TLS 1.3 too */
}
END_TEST

/* The core's scope is exactly ECDHE/DHE/RSA with RSA or ECDSA, plus 1.3. */
START_TEST(table_scope)
{
    for (size_t i = 0; i < ssa_suite_count; i++) {
        const ssa_suite *s = &ssa_suite_table[i];
        bool tls13 = s->info.min_version == SSA_TLS1_3;
        bool kx = s->kx & (SSA_K_RSA | SSA_K_DHE | SSA_K_ECDHE);
        bool auth = s->auth & (SSA_A_RSA | SSA_A_ECDSA);
        ck_assert_msg(((s->flags & SSA_F_SCOPE) != 0) == (tls13 || (kx && auth)), "%s",
                      s->info.openssl_name);
        ck_assert_int_eq(s->info.aead, (s->mac & SSA_M_AEAD) != 0);
    }
}
END_TEST

START_TEST(lookups)
{
    const ssa_cipher_info *c = ssa_cipher_by_id(0xC02F);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->openssl_name, "ECDHE-RSA-AES128-GCM-SHA256");
    ck_assert_str_eq(c->iana_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    ck_assert_str_eq(c->kx, "ECDH");
    ck_assert_str_eq(c->auth, "RSA");
    ck_assert_str_eq(c->enc, "AESGCM(128)");
    ck_assert_str_eq(c->mac, "AEAD");
    ck_assert_int_eq(c->bits, 128);
    ck_assert(c->aead);
    ck_assert_uint_eq(c->min_version, SSA_TLS1_2);
    ck_assert_ptr_eq(ssa_cipher_by_name("ECDHE-RSA-AES128-GCM-SHA256"), c);
    ck_assert_ptr_eq(ssa_cipher_by_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), c);
    ck_assert_ptr_null(ssa_cipher_by_name("ecdhe-rsa-aes128-gcm-sha256"));
    ck_assert_ptr_null(ssa_cipher_by_name(NULL));

    c = ssa_cipher_by_name("TLS_CHACHA20_POLY1305_SHA256");
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->id, 0x1303);
    ck_assert_uint_eq(c->min_version, SSA_TLS1_3);
    ck_assert_str_eq(c->kx, "any");
    ck_assert_ptr_nonnull(ssa_cipher_by_id(0x1305));

    /* retired, but still named */
    c = ssa_cipher_by_id(0x000A);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->openssl_name, "DES-CBC3-SHA");
    ck_assert_int_eq(c->bits, 112);
    ck_assert_int_eq(c->alg_bits, 168);
    ck_assert_ptr_nonnull(ssa_cipher_by_name("TLS_ECDHE_RSA_WITH_RC4_128_SHA"));

    /* outside the core's scope */
    ck_assert_ptr_null(ssa_cipher_by_id(0x00A3)); /* DHE-DSS-AES256-GCM-SHA384 */
    ck_assert_ptr_null(ssa_cipher_by_name("PSK-AES128-CBC-SHA"));
    ck_assert_ptr_null(ssa_cipher_by_id(0xFFFF));
}
END_TEST

/* ------------------------------------------------------------------------
 * Cipher strings: unit cases
 * ---------------------------------------------------------------------- */

static size_t eval_ok(const char *str, uint16_t *ids)
{
    size_t n = 99;
    char err[256] = "";
    ssa_status st = ssa_cipher_string_eval(str, ids, SSA_MAX_SUITES, &n, err, sizeof err);
    ck_assert_msg(st == SSA_OK, "\"%s\": %s", str, err);
    return n;
}

static void eval_fails(const char *str, const char *err_mentions)
{
    uint16_t ids[SSA_MAX_SUITES];
    size_t n = 99;
    char err[256] = "";
    ck_assert_int_eq(ssa_cipher_string_eval(str, ids, SSA_MAX_SUITES, &n, err, sizeof err),
                     SSA_ERR_ARG);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(strstr(err, err_mentions), "\"%s\": err \"%s\"", str, err);
}

START_TEST(string_errors)
{
    eval_fails("ALL:!HIGH", "ALL:!HIGH");
    eval_fails("FOO:BAR", "matches no cipher suite");
    eval_fails("", "matches no cipher suite");
    eval_fails("AES#", "'#'");
    eval_fails("HIGH:@SECLEVEL=6", "@SECLEVEL=6");
    eval_fails("HIGH:@strength", "@strength");
    uint16_t ids[4];
    size_t n;
    char err[128];
    ck_assert_int_eq(ssa_cipher_string_eval(NULL, ids, 4, &n, err, sizeof err), SSA_ERR_ARG);
    /* too small a buffer is an error, not a silent cut */
    ck_assert_int_eq(ssa_cipher_string_eval("DEFAULT", ids, 4, &n, err, sizeof err), SSA_ERR_ARG);
    ck_assert_int_eq(ssa_cipher_string_eval("DEFAULT", ids, 4, &n, NULL, 0), SSA_ERR_ARG);
}
END_TEST

START_TEST(string_unknown_words_ignored)
{
    uint16_t ids[SSA_MAX_SUITES];
    ck_assert_uint_eq(eval_ok("FOO:AES128-SHA:BAR+AES:!NOPE", ids), 1);
    ck_assert_uint_eq(ids[0], 0x002F);
    ck_assert_uint_eq(eval_ok("AES128-SHA:RC4:3DES:TLS_AES_128_GCM_SHA256", ids), 1);
}
END_TEST

START_TEST(string_kill_is_permanent)
{
    uint16_t ids[SSA_MAX_SUITES];
    /* '-' then re-added: back, at the end */
    ck_assert_uint_eq(eval_ok("AES128-SHA:AES256-SHA:-AES128-SHA:AES128-SHA", ids), 2);
    ck_assert_uint_eq(ids[0], 0x0035);
    ck_assert_uint_eq(ids[1], 0x002F);
    /* '!' then re-added: stays out */
    ck_assert_uint_eq(eval_ok("AES128-SHA:AES256-SHA:!AES128-SHA:AES128-SHA", ids), 1);
    ck_assert_uint_eq(ids[0], 0x0035);
    /* '+' moves without adding */
    ck_assert_uint_eq(eval_ok("AES128-SHA:AES256-SHA:+AES128-SHA:+CAMELLIA128-SHA", ids), 2);
    ck_assert_uint_eq(ids[0], 0x0035);
    ck_assert_uint_eq(ids[1], 0x002F);
}
END_TEST

START_TEST(string_security_level)
{
    uint16_t ids[SSA_MAX_SUITES];
    /* accepted (OpenSSL accepts it) but nothing left to offer at level 4 */
    ck_assert_uint_eq(eval_ok("AES128-SHA@SECLEVEL=4", ids), 0);
    ck_assert_uint_eq(eval_ok("AES128-SHA@SECLEVEL=3", ids), 0); /* no forward secrecy */
    ck_assert_uint_eq(eval_ok("ECDHE-RSA-AES128-SHA@SECLEVEL=3", ids), 1);
    ck_assert_uint_eq(eval_ok("NULL-SHA256", ids), 0);
    ck_assert_uint_eq(eval_ok("NULL-SHA256:@SECLEVEL=0", ids), 1);
    /* the last @SECLEVEL wins */
    ck_assert_uint_eq(eval_ok("NULL-SHA256:@SECLEVEL=0:@SECLEVEL=1", ids), 0);
}
END_TEST

/* Differential for TLS 1.3 lists: `openssl ciphers -ciphersuites`. */
static int openssl_ciphersuites(const char *list, uint16_t *ids, size_t *n)
{
    char quoted[1024], cmd[2048], line[512];
    shell_quote(list, quoted, sizeof quoted);
    snprintf(cmd, sizeof cmd,
             "OPENSSL_CONF=/dev/null %s ciphers -V -ciphersuites %s AES128-SHA 2>/dev/null",
             OPENSSL_BIN, quoted);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned hi, lo;
        if (sscanf(line, " 0x%x,0x%x", &hi, &lo) == 2 && hi == 0x13 && *n < CAP)
            ids[(*n)++] = (uint16_t)(hi << 8 | lo);
    }
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *const suite_lists[] = {
    "",
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256:TLS_AES_256_GCM_SHA384",
    " TLS_AES_256_GCM_SHA384 :\tTLS_AES_128_GCM_SHA256 ",
    "TLS_AES_128_GCM_SHA256::TLS_AES_256_GCM_SHA384:",
    "TLS_AES_128_GCM_SHA256:FOO", /* unknown names are skipped */
    "FOO:TLS_AES_256_GCM_SHA384",
    "FOO",
    ":",
    " ",
    "tls_aes_128_gcm_sha256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384",
    "TLS_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256",
};

START_TEST(ciphersuites_differential)
{
    const char *list = suite_lists[_i];
    uint16_t want[CAP], got[8];
    size_t nwant, ngot = 99;
    char err[256];
    int rc = openssl_ciphersuites(list, want, &nwant);
    ssa_status st = ssa_ciphersuites_parse(list, got, 8, &ngot, err, sizeof err);
    ck_assert_msg((rc == 0) == (st == SSA_OK), "\"%s\": openssl exit %d, ssa %s (%s)", list, rc,
                  ssa_status_name(st), err);
    if (st == SSA_OK)
        assert_same_ids("TLS 1.3 list", list, want, nwant, got, ngot);
    else
        ck_assert_uint_eq(ngot, 0);
}
END_TEST

START_TEST(ciphersuites_messages)
{
    uint16_t ids[8];
    size_t n;
    char err[256];
    ck_assert_int_eq(ssa_ciphersuites_parse("", ids, 8, &n, err, sizeof err), SSA_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(err, "");
    /* skipped names are reported even on success */
    ck_assert_int_eq(ssa_ciphersuites_parse("TLS_AES_128_GCM_SHA256:TLS_FOO", ids, 8, &n, err,
                                            sizeof err), SSA_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_nonnull(strstr(err, "TLS_FOO"));
    ck_assert_int_eq(ssa_ciphersuites_parse("TLS_FOO", ids, 8, &n, err, sizeof err), SSA_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err, "TLS_FOO"));
    /* repeats dropped (OpenSSL would send them twice) */
    ck_assert_int_eq(ssa_ciphersuites_parse("TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256", ids,
                                            8, &n, err, sizeof err), SSA_OK);
    ck_assert_uint_eq(n, 1);
    /* room for one only */
    ck_assert_int_eq(ssa_ciphersuites_parse("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384", ids,
                                            1, &n, err, sizeof err), SSA_ERR_ARG);
    ck_assert_int_eq(ssa_ciphersuites_parse(NULL, ids, 8, &n, NULL, 0), SSA_ERR_ARG);
}
END_TEST

/* ------------------------------------------------------------------------
 * Groups
 * ---------------------------------------------------------------------- */

START_TEST(group_names)
{
    static const struct {
        const char *name;
        uint16_t id;
    } cases[] = {
        {"X25519", 0x1d},     {"x25519", 0x1d},    {"X448", 0x1e},       {"P-256", 0x17},
        {"prime256v1", 0x17}, {"secp256r1", 0x17}, {"SECP256R1", 0x17},  {"p-256", 0x17},
        {"P-384", 0x18},      {"secp384r1", 0x18}, {"P-521", 0x19},      {"secp521r1", 0x19},
        {"ffdhe2048", 0x100}, {"FFDHE_2048", 0x100}, {"ffdhe3072", 0x101}, {"ffdhe4096", 0x102},
        {"ffdhe6144", 0x103}, {"ffdhe8192", 0x104}, {"secp224r1", 0},    {"", 0},
        {"X25519 ", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(ssa_group_by_name(cases[i].name) == cases[i].id, "%s", cases[i].name);
    ck_assert_uint_eq(ssa_group_by_name(NULL), 0);
    ck_assert_str_eq(ssa_group_name(0x1d), "X25519");
    ck_assert_str_eq(ssa_group_name(0x17), "P-256");
    ck_assert_str_eq(ssa_group_name(0x19), "P-521");
    ck_assert_str_eq(ssa_group_name(0x104), "ffdhe8192");
    ck_assert_ptr_null(ssa_group_name(0x15));
}
END_TEST

START_TEST(group_lists)
{
    uint16_t ids[SSA_MAX_GROUPS];
    size_t n;
    char err[256];
    ck_assert_int_eq(ssa_groups_parse("X25519:prime256v1: secp384r1 :ffdhe2048", ids,
                                      SSA_MAX_GROUPS, &n, err, sizeof err), SSA_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(ids[0], 0x1d);
    ck_assert_uint_eq(ids[1], 0x17);
    ck_assert_uint_eq(ids[2], 0x18);
    ck_assert_uint_eq(ids[3], 0x100);

    /* Each of these fails in OpenSSL's SSL_CTX_set1_groups_list too. */
    static const struct {
        const char *list, *mentions;
    } bad[] = {
        {"X25519:foo", "foo"},          {"", "empty"},
        {"X25519::P-256", "empty"},     {"X25519:", "empty"},
        {":X25519", "empty"},           {"X25519:x25519", "twice"},
        {"X25519,P-256", "X25519,P-256"}, {"brainpoolP256r1", "brainpoolP256r1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 99;
        ck_assert_int_eq(ssa_groups_parse(bad[i].list, ids, SSA_MAX_GROUPS, &n, err, sizeof err),
                         SSA_ERR_ARG);
        ck_assert_uint_eq(n, 0);
        ck_assert_msg(strstr(err, bad[i].mentions), "\"%s\": err \"%s\"", bad[i].list, err);
    }
    ck_assert_int_eq(ssa_groups_parse("X25519:P-256", ids, 1, &n, err, sizeof err), SSA_ERR_ARG);
    ck_assert_int_eq(ssa_groups_parse(NULL, ids, 1, &n, NULL, 0), SSA_ERR_ARG);
}
END_TEST

static Suite *cipher_string_suite(void)
{
    Suite *s = suite_create("cipher_string");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, table_matches_openssl);
    tcase_add_test(tc, table_scope);
    tcase_add_test(tc, lookups);
    suite_add_tcase(s, tc);

    tc = tcase_create("differential");
    tcase_add_loop_test(tc, differential_whole_list, 0, N_STRINGS);
    tcase_add_loop_test(tc, differential_offered, 0, N_STRINGS);
    tcase_add_loop_test(tc, ciphersuites_differential, 0,
                        sizeof suite_lists / sizeof suite_lists[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("strings");
    tcase_add_test(tc, string_errors);
    tcase_add_test(tc, string_unknown_words_ignored);
    tcase_add_test(tc, string_kill_is_permanent);
    tcase_add_test(tc, string_security_level);
    tcase_add_test(tc, ciphersuites_messages);
    suite_add_tcase(s, tc);

    tc = tcase_create("groups");
    tcase_add_test(tc, group_names);
    tcase_add_test(tc, group_lists);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(cipher_string_suite());
}
