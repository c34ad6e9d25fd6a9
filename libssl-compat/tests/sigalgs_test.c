/*
 * Signature algorithms and security levels (ctrl.c, ssl_ctx.c):
 * SSL_CTX_set1_sigalgs_list and friends take OpenSSL's names, narrowed by
 * policy (an unknown list, or one that leaves nothing, fails with an error
 * on the queue), and the security-level getters report what policy
 * enforces.
 */
#include "pair.h"

/* OpenSSL's default list in its long names plus two legacy spellings:
 * 274 bytes, accepted by OpenSSL's SSL_CTX_set1_sigalgs_list. */
static const char long_list[] =
    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:ed448:"
    "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:rsa_pss_rsae_sha256:"
    "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:"
    "rsa_pkcs1_sha512:ECDSA+SHA224:RSA+SHA224";

static void use_policy_with(const char *more)
{
    char policy[1024];
    snprintf(policy, sizeof policy, "default: { trust_store = \"%s\"; audit = \"off\"; %s };\n",
             test_pki("ca.crt"), more);
    test_use_policy(policy);
}

/* The data of the last error on the queue (the core's sentence), or "". */
static const char *last_error_data(void)
{
    static char text[512];
    const char *data = NULL;
    int flags = 0;
    text[0] = '\0';
    if (ERR_peek_last_error_all(NULL, NULL, NULL, &data, &flags) && data
        && (flags & ERR_TXT_STRING))
        snprintf(text, sizeof text, "%s", data);
    return text;
}

START_TEST(openssl_lists_accepted)
{
    pair_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ERR_clear_error();
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, "RSA+SHA256:ECDSA+SHA256"), 1);
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, "rsa_pss_rsae_sha256:ed25519:RSA-PSS+SHA384"), 1);
    ck_assert_uint_eq(strlen(long_list), 274);
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, long_list), 1);
    ck_assert_int_eq(SSL_CTX_set1_client_sigalgs_list(ctx, "ECDSA+SHA256:RSA+SHA256"), 1);
    SSL *s = SSL_new(ctx);
    ck_assert_int_eq(SSL_set1_sigalgs_list(s, "ECDSA+SHA384:ecdsa_secp256r1_sha256"), 1);
    ck_assert_int_eq(SSL_set1_client_sigalgs_list(s, "ECDSA+SHA384"), 1);
    ck_assert_uint_eq(ERR_peek_error(), 0);
    SSL_free(s);
    SSL_CTX_free(ctx);
}
END_TEST

/* An unknown name, and a list that the floor (SHA-256) leaves empty: 0,
 * with a reason on the queue that says which. */
START_TEST(bad_lists_refused_with_an_error)
{
    pair_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ERR_clear_error();
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, "RSA+SHA256:FOO+BAR"), 0);
    ck_assert_uint_ne(ERR_peek_error(), 0);
    ck_assert_int_eq(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_BAD_VALUE);
    ck_assert_msg(strstr(last_error_data(), "unknown signature algorithm \"FOO+BAR\""), "%s",
                  last_error_data());
    ERR_clear_error();
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, "RSA+SHA1:ecdsa_sha1"), 0);
    ck_assert_msg(strstr(last_error_data(), "no signature algorithm allowed by both"), "%s",
                  last_error_data());
    ERR_clear_error();
    ck_assert_int_eq(SSL_CTX_set1_client_sigalgs_list(ctx, "RSA+SHA1"), 0);
    ck_assert_uint_ne(ERR_peek_error(), 0);
    ERR_clear_error();
    SSL *s = SSL_new(ctx);
    ck_assert_int_eq(SSL_set1_sigalgs_list(s, "NOPE"), 0);
    ck_assert_uint_ne(ERR_peek_error(), 0);
    ERR_clear_error();
    /* A refused list leaves the earlier one in force. */
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256"), 1);
    ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(ctx, "RSA+SHA1"), 0);
    ERR_clear_error();
    SSL_free(s);
    SSL_CTX_free(ctx);
}
END_TEST

/* The list reaches the handshake: an ECDSA server is reached by a client
 * offering ECDSA+SHA256 and not by one offering RSA algorithms only. */
START_TEST(list_applied_to_the_handshake)
{
    pair_policy();
    SSL_CTX *sctx = pair_server_ctx("good");
    for (int round = 0; round < 2; round++) {
        SSL_CTX *cctx = pair_client_ctx();
        const char *list = round == 0 ? "ecdsa_secp256r1_sha256" : "RSA+SHA256:rsa_pss_rsae_sha256";
        ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(cctx, list), 1);
        pair p = pair_new(cctx, sctx, "localhost");
        ck_assert_msg(pair_handshake(&p) == (round == 0), "round %d (%s)", round, list);
        pair_free(&p);
        SSL_CTX_free(cctx);
    }
    SSL_CTX_free(sctx);
}
END_TEST

/* SSL_CONF's SignatureAlgorithms and ClientSignatureAlgorithms (nginx's
 * ssl_conf_command) take the same lists with the same answers. */
START_TEST(ssl_conf_commands)
{
    pair_policy();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CONF_CTX *c = SSL_CONF_CTX_new();
    SSL_CONF_CTX_set_flags(c, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER);
    SSL_CONF_CTX_set_ssl_ctx(c, ctx);
    ck_assert_int_eq(SSL_CONF_cmd(c, "SignatureAlgorithms", "rsa_pss_rsae_sha256:ECDSA+SHA256"), 2);
    ck_assert_int_eq(SSL_CONF_cmd(c, "ClientSignatureAlgorithms", "ECDSA+SHA384"), 2);
    ck_assert_int_eq(SSL_CONF_cmd(c, "SignatureAlgorithms", "RSA+SHA1"), 0);
    ERR_clear_error();
    SSL_CONF_CTX_free(c);
    SSL_CTX_free(ctx);
}
END_TEST

/* The level is the highest whose every requirement policy enforces. */
static const struct {
    const char *policy;
    int level;
} level_cases[] = {
    /* Defaults: RSA 2048 (level 2), EC 256, SHA-256, tickets on. */
    {"", 2},
    /* SHA-1 signatures allowed: OpenSSL forbids them from level 1 up. */
    {"min_signature_hash = \"sha1\";", 0},
    /* Level 3's keys and hash, but tickets on (level 3 turns them off). */
    {"min_rsa_bits = 3072;", 2},
    {"min_rsa_bits = 3072; session_tickets = false;", 3},
    /* Level 4's keys, but a SHA-256 floor holds it at 3. */
    {"min_rsa_bits = 7680; min_ec_bits = 384; session_tickets = false;", 3},
    {"min_rsa_bits = 7680; min_ec_bits = 384; session_tickets = false; "
     "min_signature_hash = \"sha384\";", 4},
};

START_TEST(security_level_reports_policy)
{
    use_policy_with(level_cases[_i].policy);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *s = SSL_new(ctx);
    ck_assert_msg(SSL_CTX_get_security_level(ctx) == level_cases[_i].level,
                  "policy \"%s\": level %d, expected %d", level_cases[_i].policy,
                  SSL_CTX_get_security_level(ctx), level_cases[_i].level);
    ck_assert_int_eq(SSL_get_security_level(s), level_cases[_i].level);
    SSL_free(s);
    SSL_CTX_free(ctx);
}
END_TEST

static Suite *sigalgs_suite(void)
{
    Suite *s = suite_create("sigalgs");
    TCase *tc = tcase_create("sigalgs");
    tcase_add_test(tc, openssl_lists_accepted);
    tcase_add_test(tc, bad_lists_refused_with_an_error);
    tcase_add_test(tc, list_applied_to_the_handshake);
    tcase_add_test(tc, ssl_conf_commands);
    tcase_add_loop_test(tc, security_level_reports_policy, 0,
                        (int)(sizeof level_cases / sizeof level_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(sigalgs_suite());
}
