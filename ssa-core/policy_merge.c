/*
 * The lattice (DESIGN.md section 4): an application's request merged with
 * policy into settings at least as strict as both.
 *
 * Implementation notes:
 * - Lists (suites, groups, signature algorithms) are the application's
 *   entries that policy also allows, in the application's order: the
 *   application chooses preference, policy chooses what is allowed.
 * - Every place where the request asked for less than policy requires
 *   leaves one clamp line; the socket layer turns any clamp into EPROTO and
 *   the OpenSSL drop-in audits them. Asking for more than policy allows
 *   (a newer version than policy's maximum, a shorter lifetime) is simply
 *   honoured or bounded, never a clamp.
 * - Nothing left (no version, suite, group or algorithm both accept) is
 *   SSA_ERR_POLICY with a reason naming both sides: never a silent
 *   fallback to policy's own list.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "id_list.h"
#include "policy_internal.h"

/* Room for what a cipher string can expand to ("ALL" and friends). */
#define MAX_EVAL_IDS 512
/* Refused names kept for a clamp line; more would not fit in 128 bytes. */
#define MAX_NAMED 32

struct merge {
    const ssa_policy *p;
    const ssa_request *req;
    bool server;
    ssa_settings *out;
    char *err;
    size_t errlen;
};

static ssa_status refuse(struct merge *m, ssa_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ssa_status refuse(struct merge *m, ssa_status st, const char *fmt, ...)
{
    if (m->err && m->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->err, m->errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static void add_clamp(ssa_settings *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_clamp(ssa_settings *out, const char *fmt, ...)
{
    if (out->n_clamps >= SSA_MAX_CLAMPS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->clamps[out->n_clamps++], sizeof out->clamps[0], fmt, ap);
    va_end(ap);
}

/* Entries of a request that policy did not allow. */
struct refusals {
    const char *names[MAX_NAMED];
    size_t n;
};

static void refusals_add(struct refusals *r, const char *name)
{
    if (r->n < MAX_NAMED)
        r->names[r->n] = name;
    r->n++;
}

/* "<what>: N of M requested <noun> not allowed by policy (a, b, ...)",
 * listing as many names as fit in one clamp line. */
static void clamp_refused(ssa_settings *out, const char *what, const char *noun,
                          const struct refusals *r, size_t n_requested)
{
    char line[sizeof out->clamps[0]];
    size_t used = (size_t)snprintf(line, sizeof line,
                                   "%s: %zu of %zu requested %s not allowed by policy (",
                                   what, r->n, n_requested, noun);
    size_t named = r->n < MAX_NAMED ? r->n : MAX_NAMED;
    for (size_t i = 0; i < r->n && used < sizeof line; i++) {
        const char *sep = i ? ", " : "";
        /* Keep room for ", ...)" unless this is the last name. */
        size_t reserve = i + 1 < r->n ? strlen(", ...)") : strlen(")");
        if (i >= named || used + strlen(sep) + strlen(r->names[i]) + reserve >= sizeof line) {
            used += (size_t)snprintf(line + used, sizeof line - used, "%s...", sep);
            break;
        }
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s", sep, r->names[i]);
    }
    if (used < sizeof line)
        snprintf(line + used, sizeof line - used, ")");
    add_clamp(out, "%s", line);
}

/* ------------------------------------------------------------------------
 * Versions
 * ---------------------------------------------------------------------- */

/* Zero (no preference), SSL 3.0 (a legacy request, clamped) to TLS 1.3. */
static bool known_request_version(uint16_t v)
{
    return v == 0 || (v >= 0x0300 && v <= SSA_TLS1_3);
}

static ssa_status check_request_versions(struct merge *m)
{
    const ssa_request *req = m->req;
    if (!known_request_version(req->min_version))
        return refuse(m, SSA_ERR_ARG, "unknown protocol version 0x%04x requested",
                      req->min_version);
    if (!known_request_version(req->max_version))
        return refuse(m, SSA_ERR_ARG, "unknown protocol version 0x%04x requested",
                      req->max_version);
    if (req->min_version && req->max_version && req->min_version > req->max_version)
        return refuse(m, SSA_ERR_ARG, "requested min_protocol %s is above max_protocol %s",
                      ssa_version_name(req->min_version), ssa_version_name(req->max_version));
    return SSA_OK;
}

static ssa_status empty_version_range(struct merge *m)
{
    const ssa_request *req = m->req;
    const ssa_policy *p = m->p;
    if (req->max_version && req->max_version < p->min_version)
        return refuse(m, SSA_ERR_POLICY,
                      "requested max_protocol %s is below the policy's min_protocol %s",
                      ssa_version_name(req->max_version), ssa_version_name(p->min_version));
    if (req->min_version > p->max_version)
        return refuse(m, SSA_ERR_POLICY,
                      "requested min_protocol %s is above the policy's max_protocol %s",
                      ssa_version_name(req->min_version), ssa_version_name(p->max_version));
    return refuse(m, SSA_ERR_POLICY, "policy allows no protocol version (%s to %s)",
                  ssa_version_name(p->min_version), ssa_version_name(p->max_version));
}

static ssa_status merge_versions(struct merge *m)
{
    const ssa_request *req = m->req;
    ssa_settings *out = m->out;
    ssa_status st = check_request_versions(m);
    if (st != SSA_OK)
        return st;
    out->min_version = m->p->min_version;
    if (req->min_version > out->min_version)
        out->min_version = req->min_version;
    else if (req->min_version && req->min_version < out->min_version)
        add_clamp(out, "min_protocol %s raised to %s by policy",
                  ssa_version_name(req->min_version), ssa_version_name(out->min_version));
    out->max_version = m->p->max_version;
    if (req->max_version && req->max_version < out->max_version)
        out->max_version = req->max_version;
    return out->min_version > out->max_version ? empty_version_range(m) : SSA_OK;
}

/* ------------------------------------------------------------------------
 * Id lists: TLS 1.2 suites, TLS 1.3 suites, groups
 * ---------------------------------------------------------------------- */

typedef ssa_status (*list_parser)(const char *str, uint16_t *ids, size_t max, size_t *n,
                                  char *err, size_t errlen);

struct id_kind {
    const char *setting;    /* as the policy file names it */
    const char *what;       /* clamp-line prefix */
    const char *noun;       /* "suites", "groups" */
    list_parser parse;
    const char *(*name)(uint16_t id);
    /* For a request the parser refused: the ids if it only names known
     * entries one by one (may be NULL). */
    bool (*known_names)(const char *str, uint16_t *ids, size_t max, size_t *n);
};

static const char *suite_name(uint16_t id)
{
    const ssa_cipher_info *info = ssa_cipher_by_id(id);
    if (!info)
        return "unknown";
    return info->openssl_name ? info->openssl_name : info->iana_name;
}

static const char *group_name(uint16_t id)
{
    const char *name = ssa_group_name(id);
    return name ? name : "unknown";
}

/* "RC4-SHA:DES-CBC3-SHA": suites the core knows by name but that no cipher
 * string selects any more. The cipher-string language calls such a string
 * an error, as OpenSSL does; here it is a request that policy refuses. */
static bool known_suite_names(const char *str, uint16_t *ids, size_t max, size_t *n)
{
    static const char separators[] = ":, ;";
    *n = 0;
    for (const char *w = str + strspn(str, separators); *w; w += strspn(w, separators)) {
        char name[64];
        size_t len = strcspn(w, separators);
        if (len >= sizeof name)
            return false;
        memcpy(name, w, len);
        name[len] = '\0';
        const ssa_cipher_info *info = ssa_cipher_by_name(name);
        if (!info || info->min_version >= SSA_TLS1_3 || *n >= max)
            return false;
        ids[(*n)++] = info->id;
        w += len;
    }
    return *n > 0;
}

static const struct id_kind tls12_kind = {
    "tls12_ciphers", "ciphers", "suites", ssa_cipher_string_eval, suite_name, known_suite_names,
};
static const struct id_kind tls13_kind = {
    "tls13_ciphersuites", "tls13_ciphersuites", "suites", ssa_ciphersuites_parse, suite_name,
    NULL,
};
static const struct id_kind groups_kind = {
    "groups", "groups", "groups", ssa_groups_parse, group_name, NULL,
};

/* NULL and "" both mean an empty list. */
static ssa_status parse_ids(const struct id_kind *kind, const char *str, uint16_t *ids,
                            size_t *n, char *why, size_t whylen)
{
    *n = 0;
    if (!str || !*str)
        return SSA_OK;
    return kind->parse(str, ids, MAX_EVAL_IDS, n, why, whylen);
}

/* The request's ids that policy allows, in the request's order. */
static void intersect_ids(struct merge *m, const struct id_kind *kind, const uint16_t *app,
                          size_t n_app, const uint16_t *pol, size_t n_pol, uint16_t *out,
                          size_t max_out, size_t *n_out)
{
    struct refusals refused = { .n = 0 };
    *n_out = 0;
    for (size_t i = 0; i < n_app; i++) {
        if (!ssa_ids_contain(pol, n_pol, app[i]))
            refusals_add(&refused, kind->name(app[i]));
        else if (*n_out < max_out && !ssa_ids_contain(out, *n_out, app[i]))
            out[(*n_out)++] = app[i];
    }
    if (refused.n)
        clamp_refused(m->out, kind->what, kind->noun, &refused, n_app);
}

static ssa_status merge_ids(struct merge *m, const struct id_kind *kind, const char *pol_str,
                            const char *app_str, uint16_t *out, size_t max_out, size_t *n_out)
{
    uint16_t pol[MAX_EVAL_IDS], app[MAX_EVAL_IDS];
    size_t n_pol, n_app;
    char why[256] = "";
    if (parse_ids(kind, pol_str, pol, &n_pol, why, sizeof why) != SSA_OK)
        return refuse(m, SSA_ERR_POLICY, "policy %s: %s", kind->setting, why);
    if (!app_str) {
        *n_out = n_pol < max_out ? n_pol : max_out;
        memcpy(out, pol, *n_out * sizeof *out);
        return SSA_OK;
    }
    if (parse_ids(kind, app_str, app, &n_app, why, sizeof why) != SSA_OK
        && !(kind->known_names && kind->known_names(app_str, app, MAX_EVAL_IDS, &n_app)))
        return refuse(m, SSA_ERR_ARG, "%s: %s", kind->setting, why);
    intersect_ids(m, kind, app, n_app, pol, n_pol, out, max_out, n_out);
    /* Names that select nothing the core may use (RC4, say): refused too. */
    if (n_app == 0 && *app_str)
        add_clamp(m->out, "%s: none of the requested %s (\"%.60s\") allowed by policy",
                  kind->what, kind->noun, app_str);
    return SSA_OK;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static ssa_status no_common_suite(struct merge *m, bool want12)
{
    const ssa_request *req = m->req;
    const ssa_policy *p = m->p;
    if (want12 && req->tls12_ciphers)
        return refuse(m, SSA_ERR_POLICY,
                      "no cipher suite allowed by both the application (\"%s\") and policy (\"%s\")",
                      req->tls12_ciphers, or_empty(p->tls12_ciphers));
    if (req->tls13_ciphersuites)
        return refuse(m, SSA_ERR_POLICY,
                      "no TLS 1.3 cipher suite allowed by both the application (\"%s\") and policy (\"%s\")",
                      req->tls13_ciphersuites, or_empty(p->tls13_ciphersuites));
    return refuse(m, SSA_ERR_POLICY, "policy allows no cipher suite for %s to %s",
                  ssa_version_name(m->out->min_version), ssa_version_name(m->out->max_version));
}

/* Suites for the versions in range only; a version left without suites is
 * taken out of the range, so that the range says what can be negotiated. */
static ssa_status merge_suites(struct merge *m)
{
    ssa_settings *out = m->out;
    bool want12 = out->min_version <= SSA_TLS1_2;
    bool want13 = out->max_version >= SSA_TLS1_3;
    ssa_status st = SSA_OK;
    if (want12)
        st = merge_ids(m, &tls12_kind, m->p->tls12_ciphers, m->req->tls12_ciphers,
                       out->tls12_suites, SSA_MAX_SUITES, &out->n_tls12_suites);
    if (st == SSA_OK && want13)
        st = merge_ids(m, &tls13_kind, m->p->tls13_ciphersuites, m->req->tls13_ciphersuites,
                       out->tls13_suites, sizeof out->tls13_suites / sizeof out->tls13_suites[0],
                       &out->n_tls13_suites);
    if (st != SSA_OK)
        return st;
    if (out->n_tls12_suites + out->n_tls13_suites == 0)
        return no_common_suite(m, want12);
    if (want12 && out->n_tls12_suites == 0)
        out->min_version = SSA_TLS1_3;
    if (want13 && out->n_tls13_suites == 0)
        out->max_version = SSA_TLS1_2;
    return SSA_OK;
}

static ssa_status merge_groups(struct merge *m)
{
    ssa_settings *out = m->out;
    ssa_status st = merge_ids(m, &groups_kind, m->p->groups, m->req->groups, out->groups,
                              SSA_MAX_GROUPS, &out->n_groups);
    if (st != SSA_OK || out->n_groups)
        return st;
    if (m->req->groups)
        return refuse(m, SSA_ERR_POLICY,
                      "no group allowed by both the application (\"%s\") and policy (\"%s\")",
                      m->req->groups, or_empty(m->p->groups));
    return refuse(m, SSA_ERR_POLICY, "policy allows no group");
}

/* ------------------------------------------------------------------------
 * Signature algorithms: both lists in the core's canonical names
 * (ssa_sigalgs_translate), so that "rsa_pss_rsae_sha256" from an
 * application meets "RSA-PSS+SHA256" from policy. Policy's list (every
 * algorithm the core knows when it sets none) is cut at its hash floor
 * first: the result is never empty of policy and never below the floor.
 * ---------------------------------------------------------------------- */

static bool has_token(const char *list, const char *token)
{
    size_t len = strlen(token);
    for (const char *t = list; *t; ) {
        size_t tlen = strcspn(t, ":");
        if (tlen == len && strncmp(t, token, len) == 0)
            return true;
        t += tlen;
        t += *t == ':';
    }
    return false;
}

/* Appends the tokens of `app` (canonical, split in place) that policy
 * allows to out->sigalgs; the others are clamped and recorded. */
static void intersect_sigalgs(struct merge *m, char *app, const char *pol)
{
    char *sigalgs = m->out->sigalgs;
    struct refusals refused = { .n = 0 };
    size_t requested = 0;
    char *save = NULL;
    for (char *t = strtok_r(app, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        requested++;
        if (!has_token(pol, t))
            refusals_add(&refused, t);
        else
            snprintf(sigalgs + strlen(sigalgs), sizeof m->out->sigalgs - strlen(sigalgs),
                     "%s%s", *sigalgs ? ":" : "", t);
    }
    if (refused.n)
        clamp_refused(m->out, "sigalgs", "algorithms", &refused, requested);
}

static ssa_status merge_sigalgs(struct merge *m)
{
    char pol[sizeof m->out->sigalgs], app[sizeof m->out->sigalgs], why[384];
    if (ssa_sigalgs_translate(m->p->sigalgs, m->p->min_signature_hash, false, pol, sizeof pol,
                              why, sizeof why) != SSA_OK)
        return refuse(m, SSA_ERR_POLICY, "policy's sigalgs: %s", why);
    const char *asked = m->req->sigalgs && *m->req->sigalgs ? m->req->sigalgs : NULL;
    if (!asked) {
        strcpy(m->out->sigalgs, pol);
        return SSA_OK;
    }
    /* The application's names without a floor, so that those below it are
     * clamped (and audited) like any other policy refuses. */
    ssa_status st = ssa_sigalgs_translate(asked, SSA_SIG_HASH_SHA1, true, app, sizeof app, why,
                                          sizeof why);
    if (st != SSA_OK)
        return refuse(m, st, "sigalgs: %s", why);
    intersect_sigalgs(m, app, pol);
    if (*m->out->sigalgs)
        return SSA_OK;
    return refuse(m, SSA_ERR_POLICY,
                  "no signature algorithm allowed by both the application (\"%s\") and policy "
                  "(\"%s\", hashes from %s up)", asked, pol,
                  ssa_sig_hash_name(m->p->min_signature_hash > 0 ? m->p->min_signature_hash
                                                                 : SSA_SIG_HASH_SHA256));
}

/* ------------------------------------------------------------------------
 * Verification
 * ---------------------------------------------------------------------- */

static bool pref_set(int v)
{
    return v != SSA_PREF_UNSET;
}

static bool pref_yes(int v)
{
    return v != SSA_PREF_UNSET && v != 0;
}

static bool pref_no(int v)
{
    return v == 0;
}

static const char *client_auth_name(int v)
{
    static const char *const names[] = { "none", "optional", "require" };
    return v >= 0 && v <= SSA_CLIENT_AUTH_REQUIRE ? names[v] : "unknown";
}

/* client_auth = max(policy, app); true when a weaker request was raised. */
static bool merge_client_auth(struct merge *m)
{
    int want = m->req->client_auth;
    m->out->client_auth = m->p->client_auth;
    if (!pref_set(want))
        return false;
    if (want > (int)m->out->client_auth) {
        m->out->client_auth = (ssa_client_auth)want;
        return false;
    }
    if (want == (int)m->out->client_auth)
        return false;
    add_clamp(m->out, "client_auth %s raised to %s by policy", client_auth_name(want),
              client_auth_name(m->out->client_auth));
    return true;
}

/* Servers verify clients exactly as client_auth says; an application that
 * asks a server to verify peers asks for (at least optional) client
 * certificates. There is no name to check a client certificate against, so
 * hostname checks are the application's choice. */
static void merge_server_verify(struct merge *m, bool auth_clamped)
{
    ssa_settings *out = m->out;
    if (pref_yes(m->req->verify_peer) && out->client_auth == SSA_CLIENT_AUTH_NONE)
        out->client_auth = SSA_CLIENT_AUTH_OPTIONAL;
    if (pref_no(m->req->verify_peer) && out->client_auth != SSA_CLIENT_AUTH_NONE && !auth_clamped)
        add_clamp(out, "verify_peer off refused: policy requires client certificates (%s)",
                  client_auth_name(out->client_auth));
    out->verify_peer = out->client_auth != SSA_CLIENT_AUTH_NONE;
    out->verify_hostname = pref_yes(m->req->verify_hostname);
}

/* Clients: policy OR application, for the peer and for its name. */
static void merge_client_verify(struct merge *m)
{
    ssa_settings *out = m->out;
    out->verify_peer = m->p->verify_peer || pref_yes(m->req->verify_peer);
    if (pref_no(m->req->verify_peer) && m->p->verify_peer)
        add_clamp(out, "verify_peer off refused: policy requires verification");
    out->verify_hostname = m->p->verify_hostname || pref_yes(m->req->verify_hostname);
    if (pref_no(m->req->verify_hostname) && m->p->verify_hostname)
        add_clamp(out, "verify_hostname off refused: policy requires hostname verification");
}

static ssa_status merge_verify(struct merge *m)
{
    int want = m->req->client_auth;
    if (pref_set(want) && (want < SSA_CLIENT_AUTH_NONE || want > SSA_CLIENT_AUTH_REQUIRE))
        return refuse(m, SSA_ERR_ARG, "client_auth %d is not none, optional or require", want);
    bool auth_clamped = merge_client_auth(m);
    if (m->server)
        merge_server_verify(m, auth_clamped);
    else
        merge_client_verify(m);
    return SSA_OK;
}

/* ------------------------------------------------------------------------
 * Sessions and early data
 * ---------------------------------------------------------------------- */

/* Policy AND application: the application may turn a feature off, never
 * on against policy. */
static bool merge_switch(struct merge *m, bool policy_on, int want, const char *name)
{
    if (pref_yes(want) && !policy_on)
        add_clamp(m->out, "%s refused by policy", name);
    return policy_on && !pref_no(want);
}

static ssa_status merge_sessions(struct merge *m)
{
    const ssa_request *req = m->req;
    ssa_settings *out = m->out;
    if (req->session_lifetime < 0)
        return refuse(m, SSA_ERR_ARG, "session_lifetime %ld is negative", req->session_lifetime);
    out->session_lifetime = m->p->session_lifetime;
    if (req->session_lifetime > out->session_lifetime)
        add_clamp(out, "session_lifetime %ld capped at %ld", req->session_lifetime,
                  out->session_lifetime);
    else if (req->session_lifetime > 0)
        out->session_lifetime = req->session_lifetime;
    out->session_cache = merge_switch(m, m->p->session_cache, req->session_cache,
                                      "session_cache");
    out->session_tickets = merge_switch(m, m->p->session_tickets, req->session_tickets,
                                        "session_tickets");
    /* 0-RTT data can be replayed: only an application that asks gets it. */
    out->early_data = merge_switch(m, m->p->early_data, req->early_data, "early_data")
                      && pref_yes(req->early_data);
    return SSA_OK;
}

/* ------------------------------------------------------------------------
 * Entry point
 * ---------------------------------------------------------------------- */

ssa_status ssa_policy_merge(const ssa_policy *p, const ssa_request *req, bool server,
                            ssa_settings *out, char *err, size_t errlen)
{
    static const ssa_request no_preferences = SSA_REQUEST_INIT;
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return SSA_ERR_ARG;
    memset(out, 0, sizeof *out);
    struct merge m = { p, req ? req : &no_preferences, server, out, err, errlen };
    if (!p)
        return refuse(&m, SSA_ERR_ARG, "no policy");
    ssa_status st = merge_versions(&m);
    if (st == SSA_OK)
        st = merge_suites(&m);
    if (st == SSA_OK)
        st = merge_groups(&m);
    if (st == SSA_OK)
        st = merge_sigalgs(&m);
    if (st == SSA_OK)
        st = merge_verify(&m);
    if (st == SSA_OK)
        st = merge_sessions(&m);
    return st;
}
