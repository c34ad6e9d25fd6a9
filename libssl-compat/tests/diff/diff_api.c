/*
 * Differential program: the plain getters and setters applications call
 * around a connection -- options, ex_data, the certificate store, callbacks
 * recorded and read back, the SSL's context, BIOs, certificate and key,
 * sessions, client CA names, compression (none), alert texts -- on
 * contexts and on a connection made between a client and a server in one
 * process (BIO pair). Every value an application can observe is printed;
 * run-diff.sh compares the lines under the system's libssl and ours.
 *
 *   diff_api PKI_DIR
 */
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "diff_pair.h"

static void line(const char *what, long value)
{
    printf("%-44s %ld", what, value);
    errors();
}

static int verify_cb(int ok, X509_STORE_CTX *sc)
{
    (void)sc;
    return ok;
}

static void keylog_cb(const SSL *s, const char *text)
{
    (void)s;
    (void)text;
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *s, void *arg)
{
    (void)write_p, (void)version, (void)content_type, (void)buf, (void)len, (void)s, (void)arg;
}

static int msg_calls; /* counted, not printed: we never call it (README) */

static void counting_msg_cb(int write_p, int version, int content_type, const void *buf,
                            size_t len, SSL *s, void *arg)
{
    (void)write_p, (void)version, (void)content_type, (void)buf, (void)len, (void)s, (void)arg;
    msg_calls++;
}

static X509 *read_cert(const char *name)
{
    FILE *f = fopen(pki(name), "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!x)
        die(name);
    return x;
}

static EVP_PKEY *read_key(const char *name)
{
    FILE *f = fopen(pki(name), "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!k)
        die(name);
    return k;
}

static void context_calls(void)
{
    printf("--- contexts\n");
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    /* What a new context has, before anyone set anything. */
    line("CTX_get_options has NO_COMPRESSION",
         (SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION) != 0);
    line("CTX_set_options(CIPHER_SERVER_PREFERENCE) has it",
         (SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0);
    line("CTX_clear_options leaves it",
         (SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0);

    int idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    static int marker;
    line("CTX_set_ex_data", SSL_CTX_set_ex_data(ctx, idx, &marker));
    line("CTX_get_ex_data is what was set", SSL_CTX_get_ex_data(ctx, idx) == &marker);

    X509_STORE *store = X509_STORE_new();
    SSL_CTX_set_cert_store(ctx, store); /* the context owns it now */
    line("CTX_set_cert_store then get_cert_store", SSL_CTX_get_cert_store(ctx) == store);

    line("CTX_get_verify_callback before", SSL_CTX_get_verify_callback(ctx) == NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
    line("CTX_get_verify_callback after", SSL_CTX_get_verify_callback(ctx) == verify_cb);
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    line("CTX_get_keylog_callback", SSL_CTX_get_keylog_callback(ctx) == keylog_cb);
    SSL_CTX_set_msg_callback(ctx, msg_cb);
    line("CTX_set_msg_callback_arg", SSL_CTX_set_msg_callback_arg(ctx, &marker));
    line("CTX_get_timeout (default)", SSL_CTX_get_timeout(ctx));
    line("CTX_get_verify_depth (default)", SSL_CTX_get_verify_depth(ctx));
    SSL_CTX_set_verify_depth(ctx, 4);
    line("CTX_get_verify_depth after set 4", SSL_CTX_get_verify_depth(ctx));


    X509 *ca = read_cert("ca.crt");
    line("CTX_add_client_CA", SSL_CTX_add_client_CA(ctx, ca));
    X509_free(ca);

    SSL_CTX_free(ctx);

    line("DTLS_client_method is a method", DTLS_client_method() != NULL);
    line("DTLS_server_method is a method", DTLS_server_method() != NULL);
    STACK_OF(SSL_COMP) *methods = SSL_COMP_get_compression_methods();
    line("COMP_get_compression_methods count", methods ? sk_SSL_COMP_num(methods) : -1);
    printf("%-44s %s\n", "COMP_get_name(NULL)", SSL_COMP_get_name(NULL) ? "name" : "NULL");
    printf("%-44s %s | %s | %s\n", "alert_desc_string_long",
           SSL_alert_desc_string_long(SSL_AD_CLOSE_NOTIFY << 0),
           SSL_alert_desc_string_long(SSL_AD_HANDSHAKE_FAILURE),
           SSL_alert_desc_string_long(SSL_AD_NO_APPLICATION_PROTOCOL));
    line("X509_STORE_CTX ex_data index is an index", SSL_get_ex_data_X509_STORE_CTX_idx() >= 0);
}

static void connection_calls(void)
{
    printf("--- a connection\n");
    pair p;
    make_pair(&p, TLS1_3_VERSION, 0, 65536);
    line("get_SSL_CTX", SSL_get_SSL_CTX(p.client) == p.cctx);
    SSL_set_msg_callback(p.client, counting_msg_cb);
    static const unsigned char aes128gcm[2] = {0x13, 0x01}, unknown[2] = {0xfe, 0xfe};
    printf("%-44s %s\n", "CIPHER_find(0x1301)",
           SSL_CIPHER_get_name(SSL_CIPHER_find(p.client, aes128gcm)));
    line("CIPHER_find(0xfefe) is NULL", SSL_CIPHER_find(p.client, unknown) == NULL);
    line("get_rbio == get_wbio (one pair end)", SSL_get_rbio(p.client) == SSL_get_wbio(p.client));
    line("get_wbio is the pair's end", SSL_get_wbio(p.client) == p.cbio);
    line("set_options(NO_TICKET) has it",
         (SSL_set_options(p.client, SSL_OP_NO_TICKET) & SSL_OP_NO_TICKET) != 0);
    line("get_options has it", (SSL_get_options(p.client) & SSL_OP_NO_TICKET) != 0);
    line("clear_options leaves it",
         (SSL_clear_options(p.client, SSL_OP_NO_TICKET) & SSL_OP_NO_TICKET) != 0);
    line("set_cipher_list(ECDHE+AESGCM)", SSL_set_cipher_list(p.client, "ECDHE+AESGCM"));
    line("set_cipher_list(nonsense)", SSL_set_cipher_list(p.client, "NO-SUCH-CIPHER"));

    /* The server's own certificate and key, set on the SSL as X509 and
     * EVP_PKEY objects (over the context's). */
    X509 *leaf = read_cert("good.crt");
    EVP_PKEY *key = read_key("good.key");
    line("use_certificate on the server SSL", SSL_use_certificate(p.server, leaf));
    line("use_PrivateKey on the server SSL", SSL_use_PrivateKey(p.server, key));
    line("get_certificate is it", X509_cmp(SSL_get_certificate(p.server), leaf) == 0);
    line("get_privatekey bits", EVP_PKEY_get_bits(SSL_get_privatekey(p.server)));
    line("client get_certificate (none)", SSL_get_certificate(p.client) == NULL);

    if (handshake(&p)) {
        /* Application data with the _ex forms, both ways. The client's
         * read also takes in the server's TLS 1.3 tickets, after which
         * its session is resumable (ours has none before: see README). */
        size_t n = 0;
        char buf[64];
        line("write_ex", SSL_write_ex(p.client, "ping\n", 5, &n));
        line("written", (long)n);
        line("read_ex", SSL_read_ex(p.server, buf, sizeof buf, &n));
        line("read", (long)n);
        line("server write_ex", SSL_write_ex(p.server, "pong\n", 5, &n));
        line("client read_ex", SSL_read_ex(p.client, buf, sizeof buf, &n));
        SSL_SESSION *sess = SSL_get1_session(p.client);
        line("get1_session", sess != NULL);
        line("SESSION_up_ref", sess ? SSL_SESSION_up_ref(sess) : -1);
        line("SESSION_has_ticket", sess ? SSL_SESSION_has_ticket(sess) : -1);
        line("SESSION_get_time is set", sess ? SSL_SESSION_get_time(sess) > 0 : -1);
        /* A client's session is in no server cache: 0, as in OpenSSL. */
        line("CTX_remove_session (not cached)", sess ? SSL_CTX_remove_session(p.sctx, sess) : -1);
        SSL_SESSION_free(sess);
        SSL_SESSION_free(sess);
    }
    X509_free(leaf);
    EVP_PKEY_free(key);
    free_pair(&p);

    /* set0_rbio / set0_wbio take one reference each. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *s = SSL_new(ctx);
    BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
    SSL_set0_rbio(s, r);
    SSL_set0_wbio(s, w);
    line("set0_rbio then get_rbio", SSL_get_rbio(s) == r);
    line("set0_wbio then get_wbio", SSL_get_wbio(s) == w);
    int c = SSL_connect(s);
    line("connect over memory BIOs", c);
    line("  error", SSL_get_error(s, c));
    line("ClientHello in the write BIO", BIO_ctrl_pending(w) > 0);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: diff_api PKI_DIR\n");
        return 2;
    }
    pki_dir = argv[1];
    context_calls();
    connection_calls();
    return 0;
}
