/*
 * Client CA names: the list a server's CertificateRequest would carry
 * (SSL_CTX_set/get_client_CA_list, SSL_set_client_CA_list,
 * SSL_load_client_CA_file, SSL_dup_CA_list; SSL_CTX_add_client_CA is in
 * ssl_ctx.c).
 *
 * Implementation notes: the lists are kept and returned exactly as OpenSSL
 * keeps them (ownership included), from libcrypto's own objects, and go to
 * the core as DER names: a TLS 1.2 CertificateRequest lists them (the
 * context's when its core is built, an SSL's own from the SNI hook, as
 * lighttpd sets it from its callback). They only guide the client's
 * choice: which client certificates are accepted is decided by the trust
 * anchors and policy, never by this list. TLS 1.3's certificate_authorities
 * extension is not sent (the engine has none).
 */
#include "internal.h"

#include <openssl/pem.h>

/* Takes ownership, as OpenSSL does. */
void SSL_CTX_set_client_CA_list(SSL_CTX *ctx, STACK_OF(X509_NAME) *list)
{
    sk_X509_NAME_pop_free(ctx->client_ca, X509_NAME_free);
    ctx->client_ca = list;
    pthread_mutex_lock(&ctx->lock);
    ctx->gen++; /* the core context is rebuilt with them */
    pthread_mutex_unlock(&ctx->lock);
}

/* The names as DER for the core: (der, len) arrays of n; 0 with nothing
 * allocated for an empty list. */
static size_t names_der(const STACK_OF(X509_NAME) *list, unsigned char ***der, size_t **len)
{
    size_t n = (size_t)(sk_X509_NAME_num(list) > 0 ? sk_X509_NAME_num(list) : 0), i;
    *der = n ? OPENSSL_zalloc(n * sizeof **der) : NULL;
    *len = n ? OPENSSL_zalloc(n * sizeof **len) : NULL;
    if (n && (!*der || !*len))
        return 0;
    for (i = 0; i < n; i++) {
        int l = i2d_X509_NAME(sk_X509_NAME_value(list, (int)i), &(*der)[i]);
        if (l <= 0)
            break;
        (*len)[i] = (size_t)l;
    }
    return i;
}

static void names_der_free(unsigned char **der, size_t *len, size_t n)
{
    for (size_t i = 0; der && i < n; i++)
        OPENSSL_free(der[i]);
    OPENSSL_free(der);
    OPENSSL_free(len);
}

ssa_status compat_client_ca_to_core(const STACK_OF(X509_NAME) *list, ssa_ctx *core, ssa_conn *conn)
{
    unsigned char **der = NULL;
    size_t *len = NULL;
    size_t want = (size_t)(sk_X509_NAME_num(list) > 0 ? sk_X509_NAME_num(list) : 0);
    size_t n = names_der(list, &der, &len);
    ssa_status st = n != want ? SSA_ERR_NOMEM
                    : core   ? ssa_ctx_set_client_ca_names(core, (const unsigned char *const *)der,
                                                           len, n)
                             : ssa_conn_set_client_ca_names(conn, (const unsigned char *const *)der,
                                                            len, n);
    names_der_free(der, len, n);
    return st;
}

STACK_OF(X509_NAME) *SSL_CTX_get_client_CA_list(const SSL_CTX *ctx) { return ctx->client_ca; }

void SSL_set_client_CA_list(SSL *s, STACK_OF(X509_NAME) *list)
{
    sk_X509_NAME_pop_free(s->client_ca, X509_NAME_free);
    s->client_ca = list;
}

STACK_OF(X509_NAME) *SSL_dup_CA_list(const STACK_OF(X509_NAME) *list)
{
    STACK_OF(X509_NAME) *dup = sk_X509_NAME_new_reserve(NULL, sk_X509_NAME_num(list));
    if (!dup) {
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    for (int i = 0; i < sk_X509_NAME_num(list); i++) {
        X509_NAME *name = X509_NAME_dup(sk_X509_NAME_value(list, i));
        if (!name) {
            sk_X509_NAME_pop_free(dup, X509_NAME_free);
            COMPAT_ERR(ERR_R_MALLOC_FAILURE);
            return NULL;
        }
        sk_X509_NAME_push(dup, name);
    }
    return dup;
}

static int name_cmp(const X509_NAME *const *a, const X509_NAME *const *b)
{
    return X509_NAME_cmp(*a, *b);
}

/* The subjects of every certificate in a PEM file, without duplicates;
 * NULL with the reason on the queue when the file cannot be read or holds
 * no certificate (as OpenSSL). */
STACK_OF(X509_NAME) *SSL_load_client_CA_file(const char *file)
{
    BIO *in = BIO_new_file(file, "r");
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new(name_cmp);
    X509 *x = NULL;
    if (!in || !names) {
        BIO_free(in);
        sk_X509_NAME_free(names);
        if (!in)
            COMPAT_ERR_MSG(ERR_R_SYS_LIB, "cannot open %s", file);
        else
            COMPAT_ERR(ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    while (PEM_read_bio_X509(in, &x, NULL, NULL)) {
        X509_NAME *name = X509_NAME_dup(X509_get_subject_name(x));
        if (!name || sk_X509_NAME_find(names, name) >= 0 || !sk_X509_NAME_push(names, name))
            X509_NAME_free(name);
    }
    X509_free(x);
    BIO_free(in);
    /* The loop ends at the end of the file: that error is not one. */
    if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE && sk_X509_NAME_num(names) > 0)
        ERR_clear_error();
    if (sk_X509_NAME_num(names) == 0) {
        sk_X509_NAME_free(names);
        return NULL;
    }
    sk_X509_NAME_set_cmp_func(names, NULL);
    return names;
}
