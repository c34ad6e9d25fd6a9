/*
 * SSL_CONF: configuration commands by name (nginx's ssl_conf_command,
 * lighttpd's ssl.openssl.ssl-conf-cmd), mapped onto the SSL_CTX setters.
 *
 * Implementation notes: every command goes through the same setter an
 * application would call, so it is merged with policy the same way. A
 * command that asks for less than policy allows (MinProtocol TLSv1,
 * CipherString with only weak suites, Options UnsafeLegacyRenegotiation)
 * is clamped and audited, and succeeds: for a server reading its
 * configuration, refusing would stop it starting. A value that OpenSSL
 * itself would reject (an unknown version name, a cipher string that
 * selects nothing at all, an unreadable file) fails with 0 as in OpenSSL;
 * an unknown command is -2. Return values: 2 when the value was used,
 * -3 when a value is missing.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>

struct ssl_conf_ctx_st {
    unsigned int flags;
    SSL_CTX *ctx;               /* borrowed, as in OpenSSL */
    char *cert_file;            /* for SSL_CONF_CTX_finish's key lookup */
    bool key_set;
};

SSL_CONF_CTX *SSL_CONF_CTX_new(void)
{
    SSL_CONF_CTX *c = OPENSSL_zalloc(sizeof *c);
    if (!c)
        COMPAT_ERR(ERR_R_MALLOC_FAILURE);
    return c;
}

void SSL_CONF_CTX_free(SSL_CONF_CTX *c)
{
    if (!c)
        return;
    OPENSSL_free(c->cert_file);
    OPENSSL_free(c);
}

unsigned int SSL_CONF_CTX_set_flags(SSL_CONF_CTX *c, unsigned int flags)
{
    return c->flags |= flags;
}

void SSL_CONF_CTX_set_ssl_ctx(SSL_CONF_CTX *c, SSL_CTX *ctx) { c->ctx = ctx; }

/* As OpenSSL: a certificate given without a key takes its key from the
 * same file. */
int SSL_CONF_CTX_finish(SSL_CONF_CTX *c)
{
    if (c->ctx && c->cert_file && !c->key_set && (c->flags & SSL_CONF_FLAG_CERTIFICATE)
        && !SSL_CTX_use_PrivateKey_file(c->ctx, c->cert_file, SSL_FILETYPE_PEM))
        return 0;
    return 1;
}

static void audit(const char *fmt, const char *a, const char *b)
{
    ssa_policy *p = ssa_policy_current();
    ssa_audit_event(p, COMPAT_FRONTEND, fmt, a, b);
    ssa_policy_unref(p);
}

/* ---- versions ------------------------------------------------------------------ */

static int version_by_name(const char *v)
{
    static const struct { const char *name; int version; } names[] = {
        {"None", 0}, {"SSLv3", SSL3_VERSION}, {"TLSv1", TLS1_VERSION},
        {"TLSv1.1", TLS1_1_VERSION}, {"TLSv1.2", TLS1_2_VERSION}, {"TLSv1.3", TLS1_3_VERSION}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(v, names[i].name) == 0)
            return names[i].version;
    return -1;
}

static int cmd_version(SSL_CONF_CTX *c, const char *value, bool min)
{
    int v = version_by_name(value);
    if (v < 0)
        return 0;
    long r = min ? SSL_CTX_set_min_proto_version(c->ctx, v) : SSL_CTX_set_max_proto_version(c->ctx, v);
    if (!r)
        return 0;
    long eff = min ? SSL_CTX_get_min_proto_version(c->ctx) : SSL_CTX_get_max_proto_version(c->ctx);
    if (v != 0 && eff != v)
        audit(min ? "clamped: MinProtocol %s -> %s (SSL_CONF_cmd; policy's floor)"
                  : "clamped: MaxProtocol %s -> %s (SSL_CONF_cmd; policy's range)",
              value, eff ? ssa_version_name((uint16_t)eff) : "policy's");
    return 2;
}

/* "Protocol": a list of [+-]name toggling SSL_OP_NO_<version>. */
static int cmd_protocol(SSL_CONF_CTX *c, const char *value)
{
    static const struct { const char *name; uint64_t no; } names[] = {
        {"SSLv2", 0}, {"SSLv3", SSL_OP_NO_SSLv3}, {"TLSv1", SSL_OP_NO_TLSv1},
        {"TLSv1.1", SSL_OP_NO_TLSv1_1}, {"TLSv1.2", SSL_OP_NO_TLSv1_2},
        {"TLSv1.3", SSL_OP_NO_TLSv1_3}, {"ALL", SSL_OP_NO_SSL_MASK}};
    char buf[256];
    if (strlen(value) >= sizeof buf)
        return 0;
    strcpy(buf, value);
    for (char *save = NULL, *item = strtok_r(buf, ", \t", &save); item;
         item = strtok_r(NULL, ", \t", &save)) {
        bool off = *item == '-';
        item += *item == '-' || *item == '+';
        size_t i = 0;
        while (i < sizeof names / sizeof names[0] && strcasecmp(item, names[i].name) != 0)
            i++;
        if (i == sizeof names / sizeof names[0])
            return 0;
        if (off)
            SSL_CTX_set_options(c->ctx, names[i].no);
        else
            SSL_CTX_clear_options(c->ctx, names[i].no);
    }
    return 2;
}

/* ---- cipher lists -------------------------------------------------------------------- */

/* A string OpenSSL accepts but policy leaves nothing of: audited, and the
 * policy's list stays (clamped rather than failing the server's start). */
static int cmd_ciphers(SSL_CONF_CTX *c, const char *value, bool tls13)
{
    uint16_t ids[SSA_MAX_SUITES];
    size_t n = 0;
    char err[128];
    ssa_status valid = tls13 ? ssa_ciphersuites_parse(value, ids, SSA_MAX_SUITES, &n, err, sizeof err)
                             : ssa_cipher_string_eval(value, ids, SSA_MAX_SUITES, &n, err, sizeof err);
    if (valid != SSA_OK)
        return 0; /* as OpenSSL: nothing matches at all */
    if (tls13 ? SSL_CTX_set_ciphersuites(c->ctx, value) : SSL_CTX_set_cipher_list(c->ctx, value))
        return 2;
    ERR_clear_error();
    audit("clamped: %s \"%s\" (SSL_CONF_cmd) has no suite policy allows: policy's suites are "
          "used", tls13 ? "Ciphersuites" : "CipherString", value);
    return 2;
}

static int cmd_groups(SSL_CONF_CTX *c, const char *value)
{
    return SSL_CTX_set1_groups_list(c->ctx, value) ? 2 : 0;
}

/* Signature algorithms, merged with policy as set1_sigalgs_list merges
 * them (ctrl.c): 0 for a list with an unknown name or nothing left. */
static int cmd_sigalgs(SSL_CONF_CTX *c, const char *value)
{
    return SSL_CTX_set1_sigalgs_list(c->ctx, value) ? 2 : 0;
}

static int cmd_client_sigalgs(SSL_CONF_CTX *c, const char *value)
{
    return SSL_CTX_set1_client_sigalgs_list(c->ctx, value) ? 2 : 0;
}

/* ---- Options ---------------------------------------------------------------------------- */

/* Names OpenSSL knows; `inverted` ones clear their bit when named. */
static const struct {
    const char *name;
    uint64_t op;
    bool inverted;
} option_names[] = {
    {"SessionTicket", SSL_OP_NO_TICKET, true},
    {"Compression", SSL_OP_NO_COMPRESSION, true},
    {"EmptyFragments", SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS, true},
    {"Bugs", SSL_OP_ALL, false},
    {"DHSingle", 0, false},
    {"ECDHSingle", 0, false},
    {"ServerPreference", SSL_OP_CIPHER_SERVER_PREFERENCE, false},
    {"NoResumptionOnRenegotiation", SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, false},
    {"UnsafeLegacyRenegotiation", SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, false},
    {"UnsafeLegacyServerConnect", SSL_OP_LEGACY_SERVER_CONNECT, false},
    {"ClientRenegotiation", SSL_OP_ALLOW_CLIENT_RENEGOTIATION, false},
    {"EncryptThenMac", SSL_OP_NO_ENCRYPT_THEN_MAC, true},
    {"NoRenegotiation", SSL_OP_NO_RENEGOTIATION, false},
    {"AllowNoDHEKEX", SSL_OP_ALLOW_NO_DHE_KEX, false},
    {"PrioritizeChaCha", SSL_OP_PRIORITIZE_CHACHA, false},
    {"MiddleboxCompat", SSL_OP_ENABLE_MIDDLEBOX_COMPAT, false},
    {"AntiReplay", SSL_OP_NO_ANTI_REPLAY, true},
    {"ExtendedMasterSecret", SSL_OP_NO_EXTENDED_MASTER_SECRET, true},
    {"CANames", SSL_OP_DISABLE_TLSEXT_CA_NAMES, true},
    {"KTLS", SSL_OP_ENABLE_KTLS, false},
    {"IgnoreUnexpectedEOF", SSL_OP_IGNORE_UNEXPECTED_EOF, false},
};

/* Turning these bits on would weaken TLS: refused and audited (ctrl.c
 * refuses the renegotiation ones itself). */
#define CONF_WEAKENING (SSL_OP_ALLOW_NO_DHE_KEX | SSL_OP_NO_EXTENDED_MASTER_SECRET | \
                        SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_ANTI_REPLAY)

static int apply_option(SSL_CONF_CTX *c, const char *item)
{
    bool negated = *item == '-';
    item += *item == '-' || *item == '+';
    for (size_t i = 0; i < sizeof option_names / sizeof option_names[0]; i++) {
        if (strcasecmp(item, option_names[i].name) != 0)
            continue;
        bool set = negated == option_names[i].inverted;
        uint64_t op = option_names[i].op;
        if (set && (op & CONF_WEAKENING)) {
            audit("refused: Options %s%s (SSL_CONF_cmd) would weaken TLS", negated ? "-" : "",
                  item);
            return 1;
        }
        if (set)
            SSL_CTX_set_options(c->ctx, op);
        else
            SSL_CTX_clear_options(c->ctx, op);
        return 1;
    }
    return 0;
}

static int cmd_options(SSL_CONF_CTX *c, const char *value)
{
    char buf[512];
    if (strlen(value) >= sizeof buf)
        return 0;
    strcpy(buf, value);
    for (char *save = NULL, *item = strtok_r(buf, ", \t", &save); item;
         item = strtok_r(NULL, ", \t", &save))
        if (!apply_option(c, item))
            return 0;
    return 2;
}

/* ---- verification and files ----------------------------------------------------------- */

static int cmd_verify_mode(SSL_CONF_CTX *c, const char *value)
{
    int mode = 0;
    char buf[256];
    if (strlen(value) >= sizeof buf)
        return 0;
    strcpy(buf, value);
    for (char *save = NULL, *item = strtok_r(buf, ", \t", &save); item;
         item = strtok_r(NULL, ", \t", &save)) {
        if (strcasecmp(item, "Peer") == 0 || strcasecmp(item, "Request") == 0)
            mode |= SSL_VERIFY_PEER;
        else if (strcasecmp(item, "Require") == 0)
            mode |= SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        else if (strcasecmp(item, "Once") == 0)
            mode |= SSL_VERIFY_CLIENT_ONCE;
        else if (strcasecmp(item, "RequestPostHandshake") == 0)
            mode |= SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE;
        else if (strcasecmp(item, "RequirePostHandshake") == 0)
            mode |= SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        else
            return 0;
    }
    SSL_CTX_set_verify(c->ctx, mode, SSL_CTX_get_verify_callback(c->ctx));
    return 2;
}

static int cmd_certificate(SSL_CONF_CTX *c, const char *value)
{
    if (!(c->flags & SSL_CONF_FLAG_CERTIFICATE))
        return -2;
    if (!SSL_CTX_use_certificate_chain_file(c->ctx, value))
        return 0;
    OPENSSL_free(c->cert_file);
    c->cert_file = OPENSSL_strdup(value);
    return 2;
}

static int cmd_private_key(SSL_CONF_CTX *c, const char *value)
{
    if (!(c->flags & SSL_CONF_FLAG_CERTIFICATE))
        return -2;
    if (!SSL_CTX_use_PrivateKey_file(c->ctx, value, SSL_FILETYPE_PEM))
        return 0;
    c->key_set = true;
    return 2;
}

static int cmd_verify_ca_file(SSL_CONF_CTX *c, const char *value)
{
    return SSL_CTX_load_verify_locations(c->ctx, value, NULL) ? 2 : 0;
}

static int cmd_verify_ca_path(SSL_CONF_CTX *c, const char *value)
{
    return SSL_CTX_load_verify_locations(c->ctx, NULL, value) ? 2 : 0;
}

static int cmd_request_ca_file(SSL_CONF_CTX *c, const char *value)
{
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(value);
    if (!names)
        return 0;
    SSL_CTX_set_client_CA_list(c->ctx, names);
    return 2;
}

/* ---- the table --------------------------------------------------------------------------- */

typedef int (*conf_fn)(SSL_CONF_CTX *, const char *);

static int cmd_min(SSL_CONF_CTX *c, const char *v) { return cmd_version(c, v, true); }
static int cmd_max(SSL_CONF_CTX *c, const char *v) { return cmd_version(c, v, false); }
static int cmd_cipher_string(SSL_CONF_CTX *c, const char *v) { return cmd_ciphers(c, v, false); }
static int cmd_ciphersuites(SSL_CONF_CTX *c, const char *v) { return cmd_ciphers(c, v, true); }

static const struct conf_cmd {
    const char *file_name;      /* SSL_CONF_FLAG_FILE */
    const char *cmdline_name;   /* SSL_CONF_FLAG_CMDLINE, without "-"; NULL: none */
    int type;
    conf_fn fn;
} commands[] = {
    {"MinProtocol", "min_protocol", SSL_CONF_TYPE_STRING, cmd_min},
    {"MaxProtocol", "max_protocol", SSL_CONF_TYPE_STRING, cmd_max},
    {"Protocol", NULL, SSL_CONF_TYPE_STRING, cmd_protocol},
    {"CipherString", "cipher", SSL_CONF_TYPE_STRING, cmd_cipher_string},
    {"Ciphersuites", "ciphersuites", SSL_CONF_TYPE_STRING, cmd_ciphersuites},
    {"Groups", "groups", SSL_CONF_TYPE_STRING, cmd_groups},
    {"Curves", "curves", SSL_CONF_TYPE_STRING, cmd_groups},
    {"SignatureAlgorithms", "sigalgs", SSL_CONF_TYPE_STRING, cmd_sigalgs},
    {"ClientSignatureAlgorithms", "client_sigalgs", SSL_CONF_TYPE_STRING, cmd_client_sigalgs},
    {"Options", NULL, SSL_CONF_TYPE_STRING, cmd_options},
    {"VerifyMode", NULL, SSL_CONF_TYPE_STRING, cmd_verify_mode},
    {"Certificate", "cert", SSL_CONF_TYPE_FILE, cmd_certificate},
    {"PrivateKey", "key", SSL_CONF_TYPE_FILE, cmd_private_key},
    {"VerifyCAFile", "verifyCAfile", SSL_CONF_TYPE_FILE, cmd_verify_ca_file},
    {"VerifyCAPath", "verifyCApath", SSL_CONF_TYPE_DIR, cmd_verify_ca_path},
    {"RequestCAFile", "requestCAFile", SSL_CONF_TYPE_FILE, cmd_request_ca_file},
    {"ClientCAFile", NULL, SSL_CONF_TYPE_FILE, cmd_request_ca_file},
};

static const struct conf_cmd *find_cmd(const SSL_CONF_CTX *c, const char *name)
{
    bool cmdline = c->flags & SSL_CONF_FLAG_CMDLINE;
    bool file = c->flags & SSL_CONF_FLAG_FILE;
    if (!name)
        return NULL;
    if (cmdline) {
        if (*name != '-')
            return NULL;
        name++;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (file && strcasecmp(name, commands[i].file_name) == 0)
            return &commands[i];
        if (cmdline && commands[i].cmdline_name && strcmp(name, commands[i].cmdline_name) == 0)
            return &commands[i];
    }
    return NULL;
}

int SSL_CONF_cmd(SSL_CONF_CTX *c, const char *cmd, const char *value)
{
    if (!cmd) {
        COMPAT_ERR(SSL_R_INVALID_NULL_CMD_NAME);
        return 0;
    }
    const struct conf_cmd *k = find_cmd(c, cmd);
    if (!k) {
        if (c->flags & SSL_CONF_FLAG_SHOW_ERRORS)
            COMPAT_ERR_MSG(SSL_R_UNKNOWN_CMD_NAME, "cmd=%s", cmd);
        return -2;
    }
    if (!value)
        return -3;
    if (!c->ctx) /* no SSL_CTX (SSL_CONF_CTX_set_ssl is not offered): nothing to set */
        return 0;
    int r = k->fn(c, value);
    if (r == 0 && (c->flags & SSL_CONF_FLAG_SHOW_ERRORS))
        COMPAT_ERR_MSG(SSL_R_BAD_VALUE, "cmd=%s, value=%s", cmd, value);
    return r;
}

int SSL_CONF_cmd_value_type(SSL_CONF_CTX *c, const char *cmd)
{
    const struct conf_cmd *k = find_cmd(c, cmd);
    return k ? k->type : SSL_CONF_TYPE_UNKNOWN;
}
