/*
 * ssl_conf.c: SSL_CONF_cmd's return values (2 used, -2 unknown, -3 no
 * value, 0 bad value) and its clamping: a command weaker than policy is
 * accepted, clamped and audited, and the getters report the effective
 * value.
 */
#include "pair.h"

static SSL_CONF_CTX *conf_for(SSL_CTX *ctx, unsigned flags)
{
    SSL_CONF_CTX *c = SSL_CONF_CTX_new();
    ck_assert_ptr_nonnull(c);
    SSL_CONF_CTX_set_flags(c, flags);
    SSL_CONF_CTX_set_ssl_ctx(c, ctx);
    return c;
}

START_TEST(return_values)
{
    pair_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CONF_CTX *c = conf_for(ctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER
                                        | SSL_CONF_FLAG_SHOW_ERRORS);
    ck_assert_int_eq(SSL_CONF_cmd(c, "NoSuchCommand", "x"), -2);
    ck_assert_int_eq(ERR_GET_REASON(ERR_get_error()), SSL_R_UNKNOWN_CMD_NAME);
    ck_assert_int_eq(SSL_CONF_cmd(c, "MinProtocol", NULL), -3);
    ck_assert_int_eq(SSL_CONF_cmd(c, "MinProtocol", "TLSv9"), 0);
    ck_assert_int_eq(ERR_GET_REASON(ERR_get_error()), SSL_R_BAD_VALUE);
    ck_assert_int_eq(SSL_CONF_cmd(c, "CipherString", "NOT-A-CIPHER"), 0);
    ERR_clear_error();
    ck_assert_int_eq(SSL_CONF_cmd(c, "Options", "NoSuchOption"), 0);
    ERR_clear_error();
    ck_assert_int_eq(SSL_CONF_cmd(c, "MaxProtocol", "TLSv1.3"), 2);
    ck_assert_int_eq(SSL_CONF_cmd(c, "Options", "ServerPreference,-SessionTicket"), 2);
    ck_assert(SSL_CTX_get_options(ctx) & SSL_OP_CIPHER_SERVER_PREFERENCE);
    ck_assert(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET);
    ck_assert_int_eq(SSL_CONF_cmd(c, "Groups", "X25519:P-256"), 2);
    ck_assert_int_eq(SSL_CONF_cmd_value_type(c, "CipherString"), SSL_CONF_TYPE_STRING);
    ck_assert_int_eq(SSL_CONF_cmd_value_type(c, "Certificate"), SSL_CONF_TYPE_FILE);
    ck_assert_int_eq(SSL_CONF_cmd_value_type(c, "NoSuchCommand"), SSL_CONF_TYPE_UNKNOWN);
    /* Certificate commands need SSL_CONF_FLAG_CERTIFICATE. */
    ck_assert_int_eq(SSL_CONF_cmd(c, "Certificate", test_pki("good-chain.pem")), -2);
    ERR_clear_error();
    /* Command-line names carry a dash. */
    SSL_CONF_CTX *cl = conf_for(ctx, SSL_CONF_FLAG_CMDLINE | SSL_CONF_FLAG_SERVER);
    ck_assert_int_eq(SSL_CONF_cmd(cl, "-min_protocol", "TLSv1.2"), 2);
    ck_assert_int_eq(SSL_CONF_cmd(cl, "min_protocol", "TLSv1.2"), -2);
    ck_assert_int_eq(SSL_CONF_CTX_finish(c), 1);
    SSL_CONF_CTX_free(cl);
    SSL_CONF_CTX_free(c);
    SSL_CTX_free(ctx);
}
END_TEST

/* MinProtocol TLSv1, a cipher string of weak suites only, and
 * UnsafeLegacyRenegotiation: accepted (2), clamped, audited; the getters
 * report policy's values. With no TLS 1.2 suite left the connection is
 * TLS 1.3 (the core drops a version left without suites). */
START_TEST(weakening_clamped)
{
    pair_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CONF_CTX *c = conf_for(ctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER);
    ck_assert_int_eq(SSL_CONF_cmd(c, "MinProtocol", "TLSv1"), 2);
    ck_assert_int_eq(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    ck_assert(pair_audit_has("clamped: MinProtocol TLSv1 -> TLSv1.2"));
    /* No TLS 1.2 suite left: the merge keeps TLS 1.3 only (core's rule). */
    ck_assert_int_eq(SSL_CONF_cmd(c, "CipherString", "AES128-SHA:DES-CBC3-SHA"), 2);
    ck_assert_int_eq(SSL_CONF_cmd(c, "Options", "UnsafeLegacyRenegotiation"), 2);
    ck_assert(!(SSL_CTX_get_options(ctx) & SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION));
    ck_assert(pair_audit_has("refused: they would weaken TLS")
              || pair_audit_has("would weaken TLS"));
    ck_assert_int_eq(SSL_CONF_cmd(c, "Options", "-ExtendedMasterSecret"), 2);
    ck_assert(!(SSL_CTX_get_options(ctx) & SSL_OP_NO_EXTENDED_MASTER_SECRET));
    ck_assert(pair_audit_has("refused: Options -ExtendedMasterSecret"));
    SSL_CONF_CTX_free(c);

    /* The server still works, at TLS 1.2 or better with an AEAD suite. */
    ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(ctx, test_pki("good-chain.pem")), 1);
    ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, test_pki("good.key"), SSL_FILETYPE_PEM), 1);
    SSL_CTX *cctx = pair_client_ctx();
    pair p = pair_new(cctx, ctx, "localhost");
    ck_assert(pair_handshake(&p));
    ck_assert_int_eq(SSL_version(p.server), TLS1_3_VERSION);
    ck_assert(pair_audit_has("requested suites not allowed by policy"));
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(ctx);
}
END_TEST

/* Certificate without PrivateKey: SSL_CONF_CTX_finish takes the key from
 * the same file, as OpenSSL. */
START_TEST(certificate_and_finish)
{
    pair_policy();
    char *chain = test_slurp(test_pki("good-chain.pem")), *key = test_slurp(test_pki("good.key"));
    ck_assert_ptr_nonnull(chain);
    ck_assert_ptr_nonnull(key);
    size_t n = strlen(chain) + strlen(key) + 1;
    char *both = malloc(n);
    snprintf(both, n, "%s%s", chain, key);
    const char *path = test_write_temp(".pem", both);
    free(both);
    free(chain);
    free(key);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CONF_CTX *c = conf_for(ctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER
                                        | SSL_CONF_FLAG_CERTIFICATE);
    ck_assert_int_eq(SSL_CONF_cmd(c, "Certificate", path), 2);
    ck_assert_int_eq(SSL_CTX_check_private_key(ctx), 0);
    ERR_clear_error();
    ck_assert_int_eq(SSL_CONF_CTX_finish(c), 1);
    ck_assert_int_eq(SSL_CTX_check_private_key(ctx), 1);
    ck_assert_int_eq(SSL_CONF_cmd(c, "Certificate", "/nonexistent.pem"), 0);
    ERR_clear_error();
    SSL_CONF_CTX_free(c);
    SSL_CTX_free(ctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ssl_conf");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, return_values);
    tcase_add_test(tc, weakening_clamped);
    tcase_add_test(tc, certificate_and_finish);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
