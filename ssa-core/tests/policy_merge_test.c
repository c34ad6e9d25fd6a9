/*
 * Tests for policy_merge.c: the lattice. One table row per case, each with
 * a comment saying what it shows; every row asserts the status, the error
 * or the exact clamp lines, and the settings that matter for it.
 */
#define _GNU_SOURCE

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"
#include "ssa_test.h"

#define MAX_EXPECTED 8

/* Policy variations; NULL in a case means the strict built-in defaults. */
static void policy_tls12_only_aes128(ssa_policy *p)
{
    ck_assert(ssa_policy_set_string(&p->tls12_ciphers, "ECDHE-RSA-AES128-GCM-SHA256"));
}

static void policy_no_tls12_suites(ssa_policy *p)
{
    ck_assert(ssa_policy_set_string(&p->tls12_ciphers, ""));
}

static void policy_allows_early_data(ssa_policy *p)
{
    p->early_data = true;
}

static void policy_no_session_cache(ssa_policy *p)
{
    p->session_cache = false;
}

static void policy_requires_client_certs(ssa_policy *p)
{
    p->client_auth = SSA_CLIENT_AUTH_REQUIRE;
}

static void policy_optional_client_certs(ssa_policy *p)
{
    p->client_auth = SSA_CLIENT_AUTH_OPTIONAL;
}

static void policy_sigalgs(ssa_policy *p)
{
    ck_assert(ssa_policy_set_string(&p->sigalgs, "ECDSA+SHA256:RSA-PSS+SHA256"));
}

static void policy_lax_verification(ssa_policy *p)
{
    p->verify_peer = false;
    p->verify_hostname = false;
}

struct ids {
    size_t n;               /* SIZE_MAX: not checked */
    uint16_t v[MAX_EXPECTED];
};

#define UNCHECKED { SIZE_MAX, { 0 } }

/* A request as the table writes it: zero is "no preference" everywhere,
 * so that rows name only what they ask for (ssa_request uses
 * SSA_PREF_UNSET for that). */
struct req_spec {
    uint16_t min_version, max_version;
    const char *tls12_ciphers, *tls13_ciphersuites, *groups, *sigalgs;
    int verify_peer, verify_hostname;               /* 0, ON or OFF */
    long session_lifetime;
    int session_cache, session_tickets, early_data; /* 0, ON or OFF */
    int client_auth;                                /* 0 or AUTH(ssa_client_auth) */
};

enum { ON = 1, OFF = 2 };
#define AUTH(a) ((a) + 1)

static int to_pref(int v)
{
    return v == 0 ? SSA_PREF_UNSET : v == ON;
}

static ssa_request to_request(const struct req_spec *r)
{
    ssa_request req = SSA_REQUEST_INIT;
    req.min_version = r->min_version;
    req.max_version = r->max_version;
    req.tls12_ciphers = r->tls12_ciphers;
    req.tls13_ciphersuites = r->tls13_ciphersuites;
    req.groups = r->groups;
    req.sigalgs = r->sigalgs;
    req.verify_peer = to_pref(r->verify_peer);
    req.verify_hostname = to_pref(r->verify_hostname);
    req.session_lifetime = r->session_lifetime;
    req.session_cache = to_pref(r->session_cache);
    req.session_tickets = to_pref(r->session_tickets);
    req.early_data = to_pref(r->early_data);
    req.client_auth = r->client_auth ? r->client_auth - 1 : SSA_PREF_UNSET;
    return req;
}

struct merge_case {
    void (*adjust_policy)(ssa_policy *p);
    struct req_spec req;
    bool server;
    ssa_status status;
    const char *err;                    /* exact, when status is not SSA_OK */
    uint16_t min_version, max_version;  /* checked when status is SSA_OK */
    const char *clamps[4];              /* exactly these, in order */
    struct ids tls12, tls13, groups;
};

#define REQ(...) { __VA_ARGS__ }

/* Ids in OpenSSL's spelling, to keep the rows readable. */
#define ECDHE_ECDSA_AES256_GCM 0xC02C
#define ECDHE_RSA_AES256_GCM 0xC030
#define ECDHE_ECDSA_AES128_GCM 0xC02B
#define ECDHE_RSA_AES128_GCM 0xC02F
#define ECDHE_ECDSA_CHACHA20 0xCCA9
#define ECDHE_RSA_CHACHA20 0xCCA8
#define TLS_AES_128_GCM 0x1301
#define TLS_AES_256_GCM 0x1302
#define TLS_CHACHA20 0x1303
#define X25519 0x001D
#define P256 0x0017
#define P384 0x0018

#define POLICY_TLS12 { 6, { ECDHE_ECDSA_AES256_GCM, ECDHE_RSA_AES256_GCM, ECDHE_ECDSA_AES128_GCM, \
                            ECDHE_RSA_AES128_GCM, ECDHE_ECDSA_CHACHA20, ECDHE_RSA_CHACHA20 } }
#define POLICY_TLS13 { 3, { TLS_AES_128_GCM, TLS_AES_256_GCM, TLS_CHACHA20 } }
#define POLICY_GROUPS { 3, { X25519, P256, P384 } }
#define NONE_ { 0, { 0 } }

/* Every algorithm the core knows whose hash is SHA-256 or better: what
 * the engine offers when neither policy nor the application names any. */
#define DEFAULT_SIGALGS "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ED25519:ED448:" \
    "RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:RSA+SHA256:RSA+SHA384:RSA+SHA512"

static const struct merge_case cases[] = {
    /* 0: no preferences: policy's lists, in policy's order; nothing clamped */
    { NULL, REQ(.min_version = 0), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3, { NULL },
      POLICY_TLS12, POLICY_TLS13, POLICY_GROUPS },
    /* 1: app asks for TLS 1.0 minimum: raised to policy's 1.2, one clamp line */
    { NULL, REQ(.min_version = SSA_TLS1_0), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "min_protocol TLSv1 raised to TLSv1.2 by policy" }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 2: a legacy SSL 3.0 minimum is a weaker request too */
    { NULL, REQ(.min_version = 0x0300), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "min_protocol SSLv3 raised to TLSv1.2 by policy" }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 3: app asks for 1.3 minimum: stricter than policy, honoured, no clamp;
     *    TLS 1.2 suites are then irrelevant and left out */
    { NULL, REQ(.min_version = SSA_TLS1_3), false, SSA_OK, NULL, SSA_TLS1_3, SSA_TLS1_3,
      { NULL }, NONE_, POLICY_TLS13, UNCHECKED },
    /* 4: app caps at 1.2: honoured, no clamp, no TLS 1.3 suites */
    { NULL, REQ(.max_version = SSA_TLS1_2), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_2,
      { NULL }, POLICY_TLS12, NONE_, UNCHECKED },
    /* 5: app max 1.1 under policy min 1.2: nothing left */
    { NULL, REQ(.max_version = SSA_TLS1_1), false, SSA_ERR_POLICY,
      "requested max_protocol TLSv1.1 is below the policy's min_protocol TLSv1.2", 0, 0,
      { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 6: an inconsistent request is the application's error */
    { NULL, REQ(.min_version = SSA_TLS1_3, .max_version = SSA_TLS1_2), false, SSA_ERR_ARG,
      "requested min_protocol TLSv1.3 is above max_protocol TLSv1.2", 0, 0, { NULL },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 7: cipher intersection keeps the app's order, drops what policy lacks */
    { NULL,
      REQ(.tls12_ciphers = "ECDHE-RSA-CHACHA20-POLY1305:AES128-GCM-SHA256:"
                           "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"),
      false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "ciphers: 1 of 4 requested suites not allowed by policy (AES128-GCM-SHA256)" },
      { 3, { ECDHE_RSA_CHACHA20, ECDHE_ECDSA_AES256_GCM, ECDHE_RSA_AES128_GCM } },
      POLICY_TLS13, POLICY_GROUPS },
    /* 8: a cipher string is evaluated, then intersected: policy's own suites
     *    in the app's preferred order, nothing refused */
    { NULL, REQ(.tls12_ciphers = "ECDHE+CHACHA20:ECDHE+AESGCM"), false, SSA_OK, NULL,
      SSA_TLS1_2, SSA_TLS1_3, { NULL },
      { 6, { ECDHE_ECDSA_CHACHA20, ECDHE_RSA_CHACHA20, ECDHE_ECDSA_AES256_GCM,
             ECDHE_RSA_AES256_GCM, ECDHE_ECDSA_AES128_GCM, ECDHE_RSA_AES128_GCM } },
      UNCHECKED, UNCHECKED },
    /* 9: app "RC4-SHA" only, up to TLS 1.2: no suite both allow */
    { NULL, REQ(.tls12_ciphers = "RC4-SHA", .max_version = SSA_TLS1_2), false, SSA_ERR_POLICY,
      "no cipher suite allowed by both the application (\"RC4-SHA\") and policy "
      "(\"ECDHE+AESGCM:ECDHE+CHACHA20\")", 0, 0, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 10: app "RC4-SHA" only, TLS 1.3 allowed: RC4 refused (clamp), and with
     *     no TLS 1.2 suite left the range starts at 1.3 */
    { NULL, REQ(.tls12_ciphers = "RC4-SHA"), false, SSA_OK, NULL, SSA_TLS1_3, SSA_TLS1_3,
      { "ciphers: 1 of 1 requested suites not allowed by policy (RC4-SHA)" }, NONE_,
      POLICY_TLS13, UNCHECKED },
    /* 11: a cipher string that does not parse is the application's error */
    { NULL, REQ(.tls12_ciphers = "ECDHE+AESGCM:@@"), false, SSA_ERR_ARG, NULL, 0, 0, { NULL },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 12: many refused suites: the clamp line lists what fits in 128 bytes */
    { NULL,
      REQ(.tls12_ciphers = "AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256:AES128-GCM-SHA256:"
                           "AES256-GCM-SHA384:DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:"
                           "ECDHE-RSA-AES128-GCM-SHA256"),
      false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "ciphers: 8 of 9 requested suites not allowed by policy (AES128-SHA, AES256-SHA, "
        "AES128-SHA256, AES256-SHA256, ...)" },
      { 1, { ECDHE_RSA_AES128_GCM } }, POLICY_TLS13, UNCHECKED },
    /* 13: TLS 1.3 suites: intersection in the app's order, CCM refused */
    { NULL, REQ(.tls13_ciphersuites = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256"),
      false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "tls13_ciphersuites: 1 of 2 requested suites not allowed by policy "
        "(TLS_AES_128_CCM_SHA256)" },
      POLICY_TLS12, { 1, { TLS_CHACHA20 } }, UNCHECKED },
    /* 14: TLS 1.3 only, and the policy has no TLS 1.2 list at all: fine */
    { policy_no_tls12_suites, REQ(.min_version = SSA_TLS1_3), false, SSA_OK, NULL, SSA_TLS1_3,
      SSA_TLS1_3, { NULL }, NONE_, POLICY_TLS13, UNCHECKED },
    /* 15: no TLS 1.2 list in policy and the app wants 1.2 only: nothing left */
    { policy_no_tls12_suites, REQ(.max_version = SSA_TLS1_2), false, SSA_ERR_POLICY,
      "policy allows no cipher suite for TLSv1.2 to TLSv1.2", 0, 0, { NULL }, UNCHECKED,
      UNCHECKED, UNCHECKED },
    /* 16: policy's narrower list wins over the app's wider one */
    { policy_tls12_only_aes128, REQ(.tls12_ciphers = "ECDHE+AESGCM", .max_version = SSA_TLS1_2),
      false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_2,
      { "ciphers: 3 of 4 requested suites not allowed by policy (ECDHE-ECDSA-AES256-GCM-SHA384, "
        "ECDHE-RSA-AES256-GCM-SHA384, ...)" },
      { 1, { ECDHE_RSA_AES128_GCM } }, NONE_, UNCHECKED },
    /* 17: groups: intersection in the app's order, P-521 refused */
    { NULL, REQ(.groups = "P-521:P-256:X25519"), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "groups: 1 of 3 requested groups not allowed by policy (P-521)" }, UNCHECKED,
      UNCHECKED, { 2, { P256, X25519 } } },
    /* 18: groups: nothing in common */
    { NULL, REQ(.groups = "P-521"), false, SSA_ERR_POLICY,
      "no group allowed by both the application (\"P-521\") and policy (\"X25519:P-256:P-384\")",
      0, 0, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 19: client turns verification off: stays on, clamp */
    { NULL, REQ(.verify_peer = OFF), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "verify_peer off refused: policy requires verification" }, UNCHECKED, UNCHECKED,
      UNCHECKED },
    /* 20: client turns hostname checks off: stay on, clamp */
    { NULL, REQ(.verify_hostname = OFF), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "verify_hostname off refused: policy requires hostname verification" }, UNCHECKED,
      UNCHECKED, UNCHECKED },
    /* 21: lax policy, app verifies anyway: policy OR app, no clamp */
    { policy_lax_verification, REQ(.verify_peer = ON, .verify_hostname = ON), false, SSA_OK, NULL,
      SSA_TLS1_2, SSA_TLS1_3, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 22: shorter session lifetime: the minimum, no clamp */
    { NULL, REQ(.session_lifetime = 300), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 23: longer session lifetime: capped at policy's, clamp */
    { NULL, REQ(.session_lifetime = 100000), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "session_lifetime 100000 capped at 7200" }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 24: a negative lifetime is the application's error */
    { NULL, REQ(.session_lifetime = -1), false, SSA_ERR_ARG, "session_lifetime -1 is negative",
      0, 0, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 25: app turns tickets and the cache off: allowed, no clamp */
    { NULL, REQ(.session_tickets = OFF, .session_cache = OFF), false, SSA_OK, NULL, SSA_TLS1_2,
      SSA_TLS1_3, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 26: app wants a session cache that policy turned off: refused, clamp */
    { policy_no_session_cache, REQ(.session_cache = ON), false, SSA_OK, NULL, SSA_TLS1_2,
      SSA_TLS1_3, { "session_cache refused by policy" }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 27: early data against policy: refused, clamp */
    { NULL, REQ(.early_data = ON), false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "early_data refused by policy" }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 28: early data where policy allows it and the app asks: on, no clamp */
    { policy_allows_early_data, REQ(.early_data = ON), false, SSA_OK, NULL, SSA_TLS1_2,
      SSA_TLS1_3, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 29: server, no request: no client certificates, nothing verified */
    { NULL, REQ(.min_version = 0), true, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3, { NULL },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 30: server app asks to verify peers: optional client certificates */
    { NULL, REQ(.verify_peer = ON), true, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3, { NULL },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 31: policy requires client certificates, server app turns verify off: clamp */
    { policy_requires_client_certs, REQ(.verify_peer = OFF), true, SSA_OK, NULL, SSA_TLS1_2,
      SSA_TLS1_3, { "verify_peer off refused: policy requires client certificates (require)" },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 32: policy optional, server app requires: max of both, no clamp */
    { policy_optional_client_certs, REQ(.client_auth = AUTH(SSA_CLIENT_AUTH_REQUIRE)), true, SSA_OK,
      NULL, SSA_TLS1_2, SSA_TLS1_3, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 33: policy optional, server app says none: raised, clamp */
    { policy_optional_client_certs, REQ(.client_auth = AUTH(SSA_CLIENT_AUTH_NONE)), true, SSA_OK,
      NULL, SSA_TLS1_2, SSA_TLS1_3, { "client_auth none raised to optional by policy" },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 34: sigalgs: the app's list within every algorithm the core knows
     *     when policy has none, in canonical names */
    { NULL, REQ(.sigalgs = "ECDSA+SHA256:ed25519"), false, SSA_OK, NULL, SSA_TLS1_2,
      SSA_TLS1_3, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 35: sigalgs: intersection, case-insensitive, app's order, canonical names */
    { policy_sigalgs, REQ(.sigalgs = "rsa-pss+sha256:RSA+SHA1:ecdsa+sha256"), false, SSA_OK,
      NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "sigalgs: 1 of 3 requested algorithms not allowed by policy (RSA+SHA1)" }, UNCHECKED,
      UNCHECKED, UNCHECKED },
    /* 36: sigalgs: nothing in common */
    { policy_sigalgs, REQ(.sigalgs = "RSA+SHA1"), false, SSA_ERR_POLICY,
      "no signature algorithm allowed by both the application (\"RSA+SHA1\") and policy "
      "(\"ECDSA+SHA256:RSA-PSS+SHA256\", hashes from sha256 up)", 0, 0, { NULL }, UNCHECKED, UNCHECKED, UNCHECKED },
    /* 37: several weaker requests: one clamp line each, in merge order */
    { NULL, REQ(.min_version = SSA_TLS1_1, .verify_peer = OFF, .early_data = ON), false, SSA_OK,
      NULL, SSA_TLS1_2, SSA_TLS1_3,
      { "min_protocol TLSv1.1 raised to TLSv1.2 by policy",
        "verify_peer off refused: policy requires verification", "early_data refused by policy" },
      UNCHECKED, UNCHECKED, UNCHECKED },
    /* 38: ECDHE+AES128 also names CBC and CCM suites: those are refused */
    { NULL, REQ(.tls12_ciphers = "ECDHE+AES128", .max_version = SSA_TLS1_2), false, SSA_OK,
      NULL, SSA_TLS1_2, SSA_TLS1_2,
      { "ciphers: 6 of 8 requested suites not allowed by policy (ECDHE-ECDSA-AES128-CCM8, "
        "ECDHE-ECDSA-AES128-CCM, ...)" },
      { 2, { ECDHE_ECDSA_AES128_GCM, ECDHE_RSA_AES128_GCM } }, NONE_, UNCHECKED },
    /* 39: duplicates in the app's lists are kept once, in first place (the
     *     group parser refuses duplicates itself, as OpenSSL does) */
    { policy_sigalgs,
      REQ(.sigalgs = "ECDSA+SHA256:ecdsa+sha256",
          .tls13_ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_AES_256_GCM_SHA384"),
      false, SSA_OK, NULL, SSA_TLS1_2, SSA_TLS1_3, { NULL }, POLICY_TLS12,
      { 1, { TLS_AES_256_GCM } }, POLICY_GROUPS },
};

/* Settings of cases whose meaning is not in lists or versions. */
static void check_case_specifics(int i, const ssa_settings *s)
{
    switch (i) {
    case 0:
        ck_assert(s->verify_peer && s->verify_hostname);
        ck_assert_int_eq(s->client_auth, SSA_CLIENT_AUTH_NONE);
        ck_assert_int_eq(s->session_lifetime, 7200);
        ck_assert(s->session_cache && s->session_tickets && !s->early_data);
        ck_assert_str_eq(s->sigalgs, DEFAULT_SIGALGS);
        break;
    case 19:
    case 20:
    case 21:
        ck_assert(s->verify_peer);
        ck_assert(s->verify_hostname);
        break;
    case 22:
        ck_assert_int_eq(s->session_lifetime, 300);
        break;
    case 23:
        ck_assert_int_eq(s->session_lifetime, 7200);
        break;
    case 25:
        ck_assert(!s->session_tickets);
        ck_assert(!s->session_cache);
        break;
    case 26:
        ck_assert(!s->session_cache);
        ck_assert(s->session_tickets);
        break;
    case 27:
        ck_assert(!s->early_data);
        break;
    case 28:
        ck_assert(s->early_data);
        break;
    case 29:
        ck_assert(!s->verify_peer);
        ck_assert(!s->verify_hostname);
        ck_assert_int_eq(s->client_auth, SSA_CLIENT_AUTH_NONE);
        break;
    case 30:
        ck_assert(s->verify_peer);
        ck_assert_int_eq(s->client_auth, SSA_CLIENT_AUTH_OPTIONAL);
        break;
    case 31:
        ck_assert(s->verify_peer);
        ck_assert_int_eq(s->client_auth, SSA_CLIENT_AUTH_REQUIRE);
        break;
    case 32:
        ck_assert(s->verify_peer);
        ck_assert_int_eq(s->client_auth, SSA_CLIENT_AUTH_REQUIRE);
        break;
    case 33:
        ck_assert(s->verify_peer);
        ck_assert_int_eq(s->client_auth, SSA_CLIENT_AUTH_OPTIONAL);
        break;
    case 34:
        ck_assert_str_eq(s->sigalgs, "ECDSA+SHA256:ED25519");
        break;
    case 35:
        ck_assert_str_eq(s->sigalgs, "RSA-PSS+SHA256:ECDSA+SHA256");
        break;
    case 39:
        ck_assert_str_eq(s->sigalgs, "ECDSA+SHA256");
        break;
    case 37:
        ck_assert(s->verify_peer);
        ck_assert(!s->early_data);
        break;
    default:
        break;
    }
}

static void check_ids(int i, const char *what, const struct ids *want, const uint16_t *got,
                      size_t n_got)
{
    if (want->n == SIZE_MAX)
        return;
    ck_assert_msg(n_got == want->n, "case %d: %zu %s, expected %zu", i, n_got, what, want->n);
    for (size_t k = 0; k < n_got; k++)
        ck_assert_msg(got[k] == want->v[k], "case %d: %s[%zu] = 0x%04x, expected 0x%04x", i,
                      what, k, got[k], want->v[k]);
}

static void check_clamps(int i, const char *const *want, const ssa_settings *s)
{
    size_t n_want = 0;
    while (n_want < 4 && want[n_want])
        n_want++;
    for (size_t k = 0; k < s->n_clamps; k++)
        ck_assert_msg(k < n_want, "case %d: unexpected clamp \"%s\"", i, s->clamps[k]);
    ck_assert_msg(s->n_clamps == n_want, "case %d: %zu clamps, expected %zu", i, s->n_clamps,
                  n_want);
    for (size_t k = 0; k < n_want; k++)
        ck_assert_msg(strcmp(s->clamps[k], want[k]) == 0, "case %d: clamp \"%s\" != \"%s\"", i,
                      s->clamps[k], want[k]);
}

START_TEST(test_merge_cases)
{
    const struct merge_case *c = &cases[_i];
    ssa_policy *p = ssa_policy_new_defaults();
    if (c->adjust_policy)
        c->adjust_policy(p);
    ssa_request req = to_request(&c->req);
    ssa_settings s;
    char err[256];
    ssa_status st = ssa_policy_merge(p, &req, c->server, &s, err, sizeof err);
    ck_assert_msg(st == c->status, "case %d: %s, expected %s (%s)", _i, ssa_status_name(st),
                  ssa_status_name(c->status), err);
    if (st != SSA_OK) {
        if (c->err)
            ck_assert_msg(strcmp(err, c->err) == 0, "case %d: \"%s\" != \"%s\"", _i, err, c->err);
        else
            ck_assert_msg(err[0] != '\0', "case %d: no reason given", _i);
        ssa_policy_unref(p);
        return;
    }
    ck_assert_msg(s.min_version == c->min_version && s.max_version == c->max_version,
                  "case %d: versions 0x%04x..0x%04x", _i, s.min_version, s.max_version);
    check_clamps(_i, c->clamps, &s);
    check_ids(_i, "tls12", &c->tls12, s.tls12_suites, s.n_tls12_suites);
    check_ids(_i, "tls13", &c->tls13, s.tls13_suites, s.n_tls13_suites);
    check_ids(_i, "groups", &c->groups, s.groups, s.n_groups);
    check_case_specifics(_i, &s);
    ssa_policy_unref(p);
}
END_TEST

/* A NULL request means no preferences, as SSA_REQUEST_INIT does. */
START_TEST(test_null_request_is_no_preference)
{
    ssa_policy *p = ssa_policy_new_defaults();
    ssa_settings a, b;
    const ssa_request init = SSA_REQUEST_INIT;
    ck_assert_int_eq(ssa_policy_merge(p, NULL, false, &a, NULL, 0), SSA_OK);
    ck_assert_int_eq(ssa_policy_merge(p, &init, false, &b, NULL, 0), SSA_OK);
    ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
    ck_assert_uint_eq(a.n_clamps, 0);
    ssa_policy_unref(p);
}
END_TEST

START_TEST(test_no_policy_is_an_argument_error)
{
    ssa_settings s;
    char err[64];
    ck_assert_int_eq(ssa_policy_merge(NULL, NULL, false, &s, err, sizeof err), SSA_ERR_ARG);
    ck_assert_str_eq(err, "no policy");
}
END_TEST

/* Every kind of weaker request at once: one line each, and the twelve
 * kinds fit in the SSA_MAX_CLAMPS slots. */
START_TEST(test_every_clamp_at_once)
{
    ssa_policy *p = ssa_policy_new_defaults();
    policy_sigalgs(p);
    p->session_cache = p->session_tickets = false;
    p->client_auth = SSA_CLIENT_AUTH_REQUIRE;
    ssa_request req = SSA_REQUEST_INIT;
    req.min_version = SSA_TLS1_0;
    req.tls12_ciphers = "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256";
    req.tls13_ciphersuites = "TLS_AES_128_CCM_SHA256:TLS_AES_128_GCM_SHA256";
    req.groups = "P-521:X25519";
    req.sigalgs = "RSA+SHA1:ECDSA+SHA256";
    req.verify_peer = 0;
    req.verify_hostname = 0;
    req.client_auth = SSA_CLIENT_AUTH_NONE;
    req.session_lifetime = 99999;
    req.session_cache = 1;
    req.session_tickets = 1;
    req.early_data = 1;
    ssa_settings s;
    ck_assert_int_eq(ssa_policy_merge(p, &req, false, &s, NULL, 0), SSA_OK);
    ck_assert_uint_eq(s.n_clamps, 12);
    ck_assert_str_eq(s.clamps[0], "min_protocol TLSv1 raised to TLSv1.2 by policy");
    ck_assert_str_eq(s.clamps[4], "sigalgs: 1 of 2 requested algorithms not allowed by policy "
                                  "(RSA+SHA1)");
    ck_assert_str_eq(s.clamps[5], "client_auth none raised to require by policy");
    ck_assert_str_eq(s.clamps[11], "early_data refused by policy");
    ssa_policy_unref(p);
}
END_TEST

/* ------------------------------------------------------------------------
 * Signature algorithms under the hash floor (issue #10, holes 2 and 8)
 * ---------------------------------------------------------------------- */

static ssa_status merge_sigalgs(int floor, const char *policy_list, const char *asked,
                                ssa_settings *s, char *err, size_t errlen)
{
    ssa_policy *p = ssa_policy_new_defaults();
    if (floor)
        p->min_signature_hash = floor;
    if (policy_list)
        ck_assert(ssa_policy_set_string(&p->sigalgs, policy_list));
    ssa_request req = SSA_REQUEST_INIT;
    req.sigalgs = asked;
    ssa_status st = ssa_policy_merge(p, &req, false, s, err, errlen);
    ssa_policy_unref(p);
    return st;
}

/* No list anywhere: the engine still gets one, and none of it is below
 * the floor (the engine's own default offers SHA-1). */
START_TEST(test_sigalgs_default_respects_floor)
{
    ssa_settings s;
    char err[512];
    ck_assert_int_eq(merge_sigalgs(0, NULL, NULL, &s, err, sizeof err), SSA_OK);
    ck_assert_str_eq(s.sigalgs, DEFAULT_SIGALGS);
    ck_assert_int_eq(merge_sigalgs(SSA_SIG_HASH_SHA1, NULL, NULL, &s, err, sizeof err), SSA_OK);
    ck_assert_str_eq(s.sigalgs, DEFAULT_SIGALGS ":ECDSA+SHA224:RSA+SHA224:ECDSA+SHA1:RSA+SHA1");
    ck_assert_int_eq(merge_sigalgs(SSA_SIG_HASH_SHA384, NULL, NULL, &s, err, sizeof err), SSA_OK);
    ck_assert_str_eq(s.sigalgs, "ECDSA+SHA384:ECDSA+SHA512:ED25519:ED448:RSA-PSS+SHA384:"
                                "RSA-PSS+SHA512:RSA+SHA384:RSA+SHA512");
}
END_TEST

/* An application asking for SHA-1 only gets nothing, and says so. */
START_TEST(test_sigalgs_app_below_floor_refused)
{
    ssa_settings s;
    char err[512];
    ck_assert_int_eq(merge_sigalgs(0, NULL, "RSA+SHA1:ecdsa_sha1", &s, err, sizeof err),
                     SSA_ERR_POLICY);
    ck_assert_str_eq(err, "no signature algorithm allowed by both the application "
                          "(\"RSA+SHA1:ecdsa_sha1\") and policy (\"" DEFAULT_SIGALGS "\", "
                          "hashes from sha256 up)");
    /* With SHA-1 allowed, the same request is honoured. */
    ck_assert_int_eq(merge_sigalgs(SSA_SIG_HASH_SHA1, NULL, "RSA+SHA1:ecdsa_sha1", &s, err,
                                   sizeof err), SSA_OK);
    ck_assert_str_eq(s.sigalgs, "RSA+SHA1:ECDSA+SHA1");
    ck_assert_uint_eq(s.n_clamps, 0);
}
END_TEST

/* A 274-byte list in OpenSSL's long names (one OpenSSL accepts) is merged,
 * not refused for its length; what the floor removes is clamped. */
START_TEST(test_sigalgs_long_openssl_list)
{
    static const char asked[] =
        "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:ed448:"
        "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:rsa_pss_rsae_sha256:"
        "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:"
        "rsa_pkcs1_sha512:ECDSA+SHA224:RSA+SHA224";
    ck_assert_uint_eq(strlen(asked), 274);
    ssa_settings s;
    char err[512];
    ck_assert_int_eq(merge_sigalgs(0, NULL, asked, &s, err, sizeof err), SSA_OK);
    ck_assert_str_eq(s.sigalgs, DEFAULT_SIGALGS);
    ck_assert_uint_eq(s.n_clamps, 1);
    ck_assert_str_eq(s.clamps[0], "sigalgs: 2 of 13 requested algorithms not allowed by policy "
                                  "(ECDSA+SHA224, RSA+SHA224)");
}
END_TEST

/* Names that are no algorithm are the application's error; names OpenSSL
 * knows and the engine lacks are left out, as long as something remains. */
START_TEST(test_sigalgs_app_names)
{
    ssa_settings s;
    char err[512];
    ck_assert_int_eq(merge_sigalgs(0, NULL, "RSA+SHA256:NOPE", &s, err, sizeof err), SSA_ERR_ARG);
    ck_assert_msg(strstr(err, "unknown signature algorithm \"NOPE\""), "%s", err);
    ck_assert_int_eq(merge_sigalgs(0, NULL, "DSA+SHA256:ecdsa_brainpoolP256r1_sha256:"
                                   "rsa_pss_rsae_sha256", &s, err, sizeof err), SSA_OK);
    ck_assert_str_eq(s.sigalgs, "RSA-PSS+SHA256");
    ck_assert_int_eq(merge_sigalgs(0, NULL, "DSA+SHA256", &s, err, sizeof err), SSA_ERR_POLICY);
}
END_TEST

static Suite *policy_merge_suite(void)
{
    Suite *s = suite_create("policy_merge");
    TCase *tc = tcase_create("lattice");
    tcase_add_loop_test(tc, test_merge_cases, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_null_request_is_no_preference);
    tcase_add_test(tc, test_no_policy_is_an_argument_error);
    tcase_add_test(tc, test_every_clamp_at_once);
    suite_add_tcase(s, tc);
    tc = tcase_create("signature algorithms");
    tcase_add_test(tc, test_sigalgs_default_respects_floor);
    tcase_add_test(tc, test_sigalgs_app_below_floor_refused);
    tcase_add_test(tc, test_sigalgs_long_openssl_list);
    tcase_add_test(tc, test_sigalgs_app_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(policy_merge_suite());
}
