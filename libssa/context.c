/*
 * A TLS socket's options become a core context: checked against policy as
 * each is set (a weakening one is EPROTO at once, as the original SSA did),
 * and turned into an ssa_ctx at connect() or listen().
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tls_options_free(struct tls_options *o)
{
    free(o->remote_hostname);
    free(o->certificate_chain);
    free(o->private_key);
    free(o->trusted_peers);
    free(o->alpn);
    free(o->tls13_suites);
    free(o->tls12_ciphers);
    free(o->disabled_ciphers);
    free(o->session);
    memset(o, 0, sizeof *o);
}

/* Remove `iana` from a colon list (in place). */
static void remove_from_list(char *list, const char *iana)
{
    char out[512] = "";
    char *save = NULL;
    for (char *t = strtok_r(list, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        if (strcmp(t, iana) == 0)
            continue;
        size_t used = strlen(out);
        snprintf(out + used, sizeof out - used, "%s%s", used ? ":" : "", t);
    }
    strcpy(list, out);
}

/* TLS_DISABLE_CIPHER, applied to the app's lists or else policy's. */
static int apply_disabled(const struct tls_options *o, const ssa_policy *p,
                          struct tls_request *out)
{
    char names[512];
    snprintf(names, sizeof names, "%s", o->disabled_ciphers);
    snprintf(out->tls13, sizeof out->tls13, "%s",
             o->tls13_suites ? o->tls13_suites : p->tls13_ciphersuites ? p->tls13_ciphersuites : "");
    snprintf(out->tls12, sizeof out->tls12, "%s",
             o->tls12_ciphers ? o->tls12_ciphers : p->tls12_ciphers ? p->tls12_ciphers : "");
    char *save = NULL;
    for (char *n = strtok_r(names, ":", &save); n; n = strtok_r(NULL, ":", &save)) {
        const ssa_cipher_info *ci = ssa_cipher_by_name(n);
        if (ci == NULL) {
            errno = EINVAL;
            return -1;
        }
        if (ci->min_version == SSA_TLS1_3) {
            remove_from_list(out->tls13, ci->iana_name);
        } else {
            size_t used = strlen(out->tls12);
            snprintf(out->tls12 + used, sizeof out->tls12 - used, ":!%s", ci->openssl_name);
        }
    }
    out->req.tls13_ciphersuites = out->tls13;
    out->req.tls12_ciphers = out->tls12;
    return 0;
}

int tls_request_from_options(const struct tls_options *o, bool server, struct tls_request *out)
{
    ssa_request init = SSA_REQUEST_INIT;
    out->req = init;
    out->req.min_version = o->min_version;
    out->req.max_version = o->max_version;
    out->req.tls13_ciphersuites = o->tls13_suites;
    out->req.tls12_ciphers = o->tls12_ciphers;
    out->req.session_lifetime = o->session_ttl;
    if (o->session_reuse == 0)
        out->req.session_cache = out->req.session_tickets = 0;
    if (server && o->request_peer_auth)
        out->req.client_auth = SSA_CLIENT_AUTH_REQUIRE;
    if (o->disabled_ciphers == NULL)
        return 0;
    ssa_policy *p = ssa_policy_current();
    int r = apply_disabled(o, p, out);
    ssa_policy_unref(p);
    return r;
}

int tls_options_check(struct tls_sock *s)
{
    struct tls_request r;
    if (tls_request_from_options(&s->opt, s->server, &r) < 0) {
        tls_set_error(s, "unknown cipher suite name");
        return -1;
    }
    ssa_settings merged;
    char err[256];
    ssa_policy *p = ssa_policy_current();
    ssa_status st = ssa_policy_merge(p, &r.req, s->server, &merged, err, sizeof err);
    ssa_policy_unref(p);
    if (st == SSA_ERR_ARG) {
        tls_set_error(s, "%s", err);
        errno = EINVAL;
        return -1;
    }
    if (st != SSA_OK || merged.n_clamps > 0) {
        tls_set_error(s, "refused by SSA policy: %s", st != SSA_OK ? err : merged.clamps[0]);
        errno = EPROTO;
        return -1;
    }
    return 0;
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ctx_fail(struct tls_sock *s, ssa_status st, const char *what)
{
    tls_set_error(s, "%s: %s", what, ssa_status_name(st));
    errno = st == SSA_ERR_POLICY ? EPROTO : tls_errno_for(st, NULL);
    return -1;
}

static int apply_files(struct tls_sock *s, ssa_ctx *ctx)
{
    const struct tls_options *o = &s->opt;
    ssa_status st;
    if (o->trusted_peers) {
        st = is_directory(o->trusted_peers) ? ssa_ctx_trust_dir(ctx, o->trusted_peers)
                                            : ssa_ctx_trust_file(ctx, o->trusted_peers);
        if (st != SSA_OK)
            return ctx_fail(s, st, "TLS_TRUSTED_PEER_CERTIFICATES refused");
    }
    if ((o->certificate_chain == NULL) != (o->private_key == NULL)) {
        tls_set_error(s, "TLS_CERTIFICATE_CHAIN and TLS_PRIVATE_KEY must be set together");
        errno = ENOKEY;
        return -1;
    }
    if (o->certificate_chain &&
        (st = ssa_ctx_use_certificate_file(ctx, o->certificate_chain, o->private_key)) != SSA_OK)
        return ctx_fail(s, st, "certificate chain or private key unusable (or they do not match)");
    return 0;
}

int tls_build_ctx(struct tls_sock *s, ssa_role role)
{
    struct tls_request r;
    s->server = role == SSA_ROLE_SERVER;
    if (tls_request_from_options(&s->opt, s->server, &r) < 0)
        return -1;
    ssa_ctx *ctx = ssa_ctx_new(role, "libssa");
    if (ctx == NULL) {
        errno = ENOMEM;
        return -1;
    }
    bool clamped = false;
    ssa_status st = ssa_ctx_request(ctx, &r.req, &clamped);
    if (st == SSA_OK && clamped)
        st = SSA_ERR_POLICY; /* policy tightened since the options were set */
    if (st != SSA_OK || apply_files(s, ctx) < 0 ||
        (s->opt.alpn && (st = ssa_ctx_set_alpn_list(ctx, s->opt.alpn)) != SSA_OK)) {
        if (st != SSA_OK)
            ctx_fail(s, st, "the socket's TLS options were refused");
        int e = errno;
        ssa_ctx_unref(ctx);
        errno = e;
        return -1;
    }
    ssa_ctx_unref(s->ctx);
    s->ctx = ctx;
    return 0;
}
