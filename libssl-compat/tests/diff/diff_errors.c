/*
 * Differential program: calls that must fail (or succeed) the same way under
 * the system's libssl and under ours, with the same return values and the
 * same errors on libcrypto's queue. No network; policy does not intervene.
 *
 *   diff_errors PKI_DIR
 *
 * PKI_DIR is a directory made by ssa-core/tests/pki/make-pki.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static const char *pki_dir;

static const char *pki(const char *name)
{
    static char buf[4][4096];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", pki_dir, name);
    return p;
}

/* The return value, then the first and last error as (library, reason),
 * then empty the queue. The depth of the queue is not compared: OpenSSL
 * itself varies it between releases. */
static void report(const char *what, long ret)
{
    unsigned long first = ERR_peek_error();
    unsigned long last = ERR_peek_last_error();
    printf("%-44s ret=%ld", what, ret);
    if (first == 0)
        printf(" errors=none\n");
    else
        printf(" first=%d:%d last=%d:%d\n", ERR_GET_LIB(first), ERR_GET_REASON(first),
               ERR_GET_LIB(last), ERR_GET_REASON(last));
    ERR_clear_error();
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: diff_errors PKI_DIR\n");
        return 2;
    }
    pki_dir = argv[1];

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        fprintf(stderr, "SSL_CTX_new failed\n");
        return 1;
    }
    report("SSL_CTX_new", 1);

    /* Files that are not there. */
    report("use_certificate_file(missing, PEM)",
           SSL_CTX_use_certificate_file(ctx, "/nonexistent/cert.pem", SSL_FILETYPE_PEM));
    report("use_certificate_chain_file(missing)",
           SSL_CTX_use_certificate_chain_file(ctx, "/nonexistent/chain.pem"));
    report("use_PrivateKey_file(missing, PEM)",
           SSL_CTX_use_PrivateKey_file(ctx, "/nonexistent/key.pem", SSL_FILETYPE_PEM));
    report("load_verify_locations(missing file)",
           SSL_CTX_load_verify_locations(ctx, "/nonexistent/ca.pem", NULL));

    /* Files that are there but are not what was asked for. */
    report("use_certificate_file(a key file, PEM)",
           SSL_CTX_use_certificate_file(ctx, pki("good.key"), SSL_FILETYPE_PEM));
    report("use_PrivateKey_file(a cert file, PEM)",
           SSL_CTX_use_PrivateKey_file(ctx, pki("good.crt"), SSL_FILETYPE_PEM));

    /* No certificate yet. */
    report("check_private_key(no certificate)", SSL_CTX_check_private_key(ctx));

    /* A certificate, then a key that does not match it. */
    report("use_certificate_chain_file(good-chain)",
           SSL_CTX_use_certificate_chain_file(ctx, pki("good-chain.pem")));
    report("check_private_key(no key)", SSL_CTX_check_private_key(ctx));
    report("use_PrivateKey_file(wronghost.key)",
           SSL_CTX_use_PrivateKey_file(ctx, pki("wronghost.key"), SSL_FILETYPE_PEM));
    report("use_PrivateKey_file(good.key)",
           SSL_CTX_use_PrivateKey_file(ctx, pki("good.key"), SSL_FILETYPE_PEM));
    report("check_private_key(matching)", SSL_CTX_check_private_key(ctx));

    /* Cipher strings naming nothing. */
    report("set_cipher_list(\"nonsense\")", SSL_CTX_set_cipher_list(ctx, "nonsense"));
    report("set_cipher_list(\"\")", SSL_CTX_set_cipher_list(ctx, ""));
    report("set_ciphersuites(\"TLS_NONSENSE\")", SSL_CTX_set_ciphersuites(ctx, "TLS_NONSENSE"));

    /* ALPN: 0 is success here, the inverse of the usual convention. */
    static const unsigned char alpn_ok[] = "\x08http/1.1";
    static const unsigned char alpn_bad[] = "\x09http/1.1";
    report("set_alpn_protos(valid)", SSL_CTX_set_alpn_protos(ctx, alpn_ok, sizeof alpn_ok - 1));
    report("set_alpn_protos(bad length)",
           SSL_CTX_set_alpn_protos(ctx, alpn_bad, sizeof alpn_bad - 1));

    /* Verify mode round trip. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    report("get_verify_mode after set(PEER)", SSL_CTX_get_verify_mode(ctx));

    /* A fresh connection: state a caller may read before any handshake. */
    SSL *ssl = SSL_new(ctx);
    report("SSL_new", ssl != NULL);
    if (ssl == NULL)
        return 1;
    report("SSL_get_fd(none set)", SSL_get_fd(ssl));
    report("SSL_is_server(client ctx)", SSL_is_server(ssl));
    report("SSL_is_init_finished(fresh)", SSL_is_init_finished(ssl));
    report("SSL_pending(fresh)", SSL_pending(ssl));
    report("SSL_has_pending(fresh)", SSL_has_pending(ssl));
    report("SSL_session_reused(fresh)", SSL_session_reused(ssl));
    report("SSL_get_verify_result(fresh)", SSL_get_verify_result(ssl));
    report("SSL_get_error(ret 1)", SSL_get_error(ssl, 1));
    printf("%-44s %s\n", "SSL_get_current_cipher(fresh)",
           SSL_get_current_cipher(ssl) == NULL ? "NULL" : "non-NULL");
    printf("%-44s %s\n", "SSL_get_servername(fresh)",
           SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == NULL ? "NULL" : "non-NULL");
    report("SSL_get_servername_type(fresh)", SSL_get_servername_type(ssl));

    /* A handshake with no BIO: fails with an error, not a crash. */
    int r = SSL_connect(ssl);
    int e = SSL_get_error(ssl, r);
    report("SSL_connect(no BIO)", r);
    report("SSL_get_error after it", e);

    /* A descriptor that is not open: the first write fails with EBADF. */
    SSL_free(ssl);
    ssl = SSL_new(ctx);
    report("SSL_set_fd(-1)", SSL_set_fd(ssl, -1));
    report("SSL_get_fd after set_fd(-1)", SSL_get_fd(ssl));
    r = SSL_connect(ssl);
    e = SSL_get_error(ssl, r);
    report("SSL_connect(fd -1)", r);
    report("SSL_get_error after it", e);

    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 0;
}
