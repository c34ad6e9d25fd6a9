/*
 * OpenSSL's cipher-list language for TLS 1.2 and below, with the meaning
 * OpenSSL 3.0 gives it (ciphers(1), and what `openssl ciphers` prints):
 *
 *  - The result is an ordered list. A plain element appends the suites it
 *    names that are not in the list yet (suites already there stay where
 *    they are); "-X" takes suites out, and a later element may add them
 *    again; "!X" takes them out for good; "+X" moves suites already in the
 *    list to its end. "X+Y" names the suites that are both X and Y.
 *  - Elements are separated by ':', ',', ';' or ' '. A word is made of
 *    letters, digits and "-_.="; an element whose words are unknown (or
 *    contradict each other, "kRSA+kECDHE") is skipped up to the next
 *    separator, but a character that cannot start a word is an error.
 *  - "@STRENGTH" sorts the list by symmetric strength, keeping the order of
 *    equals; "@SECLEVEL=n" (0..5) sets the security level. Other "@"
 *    commands are errors.
 *  - A leading "DEFAULT" stands for "ALL:!COMPLEMENTOFDEFAULT:!eNULL"
 *    (anywhere else it is an unknown word); a leading "SUITEB128",
 *    "SUITEB128ONLY", "SUITEB128C2" or "SUITEB192" replaces the whole
 *    string by the Suite B suites.
 *  - A string that leaves no suite at all is an error.
 * Suite names are OpenSSL's: 3.0 does not take IANA names in this language.
 *
 * The list starts as every suite OpenSSL 3.0 builds, in its default order
 * (ssa_suite_table), none of them selected; the order of the unselected
 * ones matters, because "-" puts the suites it takes out at the front so
 * that a later element adds them back first.
 */
#include "cipher_table.h"
#include "id_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LIST_CAP SSA_SUITE_TABLE_CAP

#define DEFAULT_RULES "ALL:!COMPLEMENTOFDEFAULT:!eNULL"

/* ------------------------------------------------------------------------
 * Keywords
 * ---------------------------------------------------------------------- */

#define AES128_ANY (SSA_E_AES128 | SSA_E_AES128GCM | SSA_E_AES128CCM | SSA_E_AES128CCM8)
#define AES256_ANY (SSA_E_AES256 | SSA_E_AES256GCM | SSA_E_AES256CCM | SSA_E_AES256CCM8)
#define PSK_KX (SSA_K_PSK | SSA_K_RSAPSK | SSA_K_DHEPSK | SSA_K_ECDHEPSK)

/* A keyword: the algorithms it accepts in each category (0: any). */
typedef struct keyword {
    const char *word;
    uint32_t kx, auth, enc, mac, strength;
    uint32_t flags; /* that the suite must have */
    uint16_t min_version;
} keyword;

static const keyword keywords[] = {
    {"ALL", 0, 0, ~(uint32_t)SSA_E_NONE, 0, 0, 0, 0},
    {"COMPLEMENTOFALL", 0, 0, SSA_E_NONE, 0, 0, 0, 0},
    {"COMPLEMENTOFDEFAULT", 0, 0, 0, 0, 0, SSA_F_NOT_DEFAULT, 0},
    {"HIGH", 0, 0, 0, 0, SSA_S_HIGH, 0, 0},
    {"MEDIUM", 0, 0, 0, 0, SSA_S_MEDIUM, 0, 0},
    {"LOW", 0, 0, 0, 0, SSA_S_LOW, 0, 0},
    {"FIPS", 0, 0, 0, 0, SSA_S_FIPS, 0, 0},
    {"eNULL", 0, 0, SSA_E_NONE, 0, 0, 0, 0},
    {"NULL", 0, 0, SSA_E_NONE, 0, 0, 0, 0},
    {"aNULL", 0, SSA_A_NONE, 0, 0, 0, 0, 0},
    {"kRSA", SSA_K_RSA, 0, 0, 0, 0, 0, 0},
    {"RSA", SSA_K_RSA, 0, 0, 0, 0, 0, 0},
    {"aRSA", 0, SSA_A_RSA, 0, 0, 0, 0, 0},
    {"kDHE", SSA_K_DHE, 0, 0, 0, 0, 0, 0},
    {"kEDH", SSA_K_DHE, 0, 0, 0, 0, 0, 0},
    {"DH", SSA_K_DHE, 0, 0, 0, 0, 0, 0},
    {"DHE", SSA_K_DHE, ~(uint32_t)SSA_A_NONE, 0, 0, 0, 0, 0},
    {"EDH", SSA_K_DHE, ~(uint32_t)SSA_A_NONE, 0, 0, 0, 0, 0},
    {"ADH", SSA_K_DHE, SSA_A_NONE, 0, 0, 0, 0, 0},
    {"kECDHE", SSA_K_ECDHE, 0, 0, 0, 0, 0, 0},
    {"kEECDH", SSA_K_ECDHE, 0, 0, 0, 0, 0, 0},
    {"ECDH", SSA_K_ECDHE, 0, 0, 0, 0, 0, 0},
    {"ECDHE", SSA_K_ECDHE, ~(uint32_t)SSA_A_NONE, 0, 0, 0, 0, 0},
    {"EECDH", SSA_K_ECDHE, ~(uint32_t)SSA_A_NONE, 0, 0, 0, 0, 0},
    {"AECDH", SSA_K_ECDHE, SSA_A_NONE, 0, 0, 0, 0, 0},
    {"aECDSA", 0, SSA_A_ECDSA, 0, 0, 0, 0, 0},
    {"ECDSA", 0, SSA_A_ECDSA, 0, 0, 0, 0, 0},
    {"aDSS", 0, SSA_A_DSS, 0, 0, 0, 0, 0},
    {"DSS", 0, SSA_A_DSS, 0, 0, 0, 0, 0},
    {"PSK", PSK_KX, 0, 0, 0, 0, 0, 0},
    {"kPSK", SSA_K_PSK, 0, 0, 0, 0, 0, 0},
    {"kRSAPSK", SSA_K_RSAPSK, 0, 0, 0, 0, 0, 0},
    {"kDHEPSK", SSA_K_DHEPSK, 0, 0, 0, 0, 0, 0},
    {"kECDHEPSK", SSA_K_ECDHEPSK, 0, 0, 0, 0, 0, 0},
    {"aPSK", 0, SSA_A_PSK, 0, 0, 0, 0, 0},
    {"kSRP", SSA_K_SRP, 0, 0, 0, 0, 0, 0},
    {"SRP", SSA_K_SRP, 0, 0, 0, 0, 0, 0},
    {"aSRP", 0, SSA_A_SRP, 0, 0, 0, 0, 0},
    {"TLSv1.2", 0, 0, 0, 0, 0, 0, SSA_TLS1_2},
    {"TLSv1.0", 0, 0, 0, 0, 0, 0, SSA_TLS1_0},
    {"TLSv1", 0, 0, 0, 0, 0, 0, SSA_TLS1_0},
    {"SSLv3", 0, 0, 0, 0, 0, 0, SSA_SSL3_0},
    {"AES128", 0, 0, AES128_ANY, 0, 0, 0, 0},
    {"AES256", 0, 0, AES256_ANY, 0, 0, 0, 0},
    {"AES", 0, 0, AES128_ANY | AES256_ANY, 0, 0, 0, 0},
    {"AESGCM", 0, 0, SSA_E_AES128GCM | SSA_E_AES256GCM, 0, 0, 0, 0},
    {"AESCCM", 0, 0, SSA_E_AES128CCM | SSA_E_AES256CCM | SSA_E_AES128CCM8 | SSA_E_AES256CCM8,
     0, 0, 0, 0},
    {"AESCCM8", 0, 0, SSA_E_AES128CCM8 | SSA_E_AES256CCM8, 0, 0, 0, 0},
    {"ARIA128", 0, 0, SSA_E_ARIA128GCM, 0, 0, 0, 0},
    {"ARIA256", 0, 0, SSA_E_ARIA256GCM, 0, 0, 0, 0},
    {"ARIA", 0, 0, SSA_E_ARIA128GCM | SSA_E_ARIA256GCM, 0, 0, 0, 0},
    {"ARIAGCM", 0, 0, SSA_E_ARIA128GCM | SSA_E_ARIA256GCM, 0, 0, 0, 0},
    {"CAMELLIA128", 0, 0, SSA_E_CAMELLIA128, 0, 0, 0, 0},
    {"CAMELLIA256", 0, 0, SSA_E_CAMELLIA256, 0, 0, 0, 0},
    {"CAMELLIA", 0, 0, SSA_E_CAMELLIA128 | SSA_E_CAMELLIA256, 0, 0, 0, 0},
    {"CHACHA20", 0, 0, SSA_E_CHACHA20, 0, 0, 0, 0},
    {"CBC", 0, 0, SSA_E_AES128 | SSA_E_AES256 | SSA_E_CAMELLIA128 | SSA_E_CAMELLIA256 | SSA_E_3DES,
     0, 0, 0, 0},
    /* Known words that select nothing in OpenSSL 3.0 (retired suites). */
    {"3DES", 0, 0, SSA_E_3DES, 0, 0, 0, 0},
    {"RC4", 0, 0, SSA_E_RC4, 0, 0, 0, 0},
    {"MD5", 0, 0, 0, SSA_M_MD5, 0, 0, 0},
    {"SHA1", 0, 0, 0, SSA_M_SHA1, 0, 0, 0},
    {"SHA", 0, 0, 0, SSA_M_SHA1, 0, 0, 0},
    {"SHA256", 0, 0, 0, SSA_M_SHA256, 0, 0, 0},
    {"SHA384", 0, 0, 0, SSA_M_SHA384, 0, 0, 0},
};

/* Suite B: OpenSSL replaces the whole string; longest prefixes first. */
static const struct {
    const char *prefix;
    const char *rules;
} suite_b[] = {
    {"SUITEB128ONLY", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"SUITEB128C2", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"SUITEB128", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"SUITEB192", "ECDHE-ECDSA-AES256-GCM-SHA384"},
};

/* ------------------------------------------------------------------------
 * Patterns: what one element ("kEECDH+AESGCM") selects
 * ---------------------------------------------------------------------- */

typedef struct pattern {
    uint32_t kx, auth, enc, mac, strength; /* accepted bits */
    uint32_t flags;                        /* required flags */
    uint16_t min_version;                  /* 0: any */
    int suite;                             /* an explicit suite's row, or -1 */
} pattern;

static pattern pattern_any(void)
{
    pattern p = {~0u, ~0u, ~0u, ~0u, ~0u, 0, 0, -1};
    return p;
}

/* Intersect one category; a zero keyword mask means "any". */
static bool narrow_mask(uint32_t *have, uint32_t want)
{
    *have &= want ? want : ~0u;
    return *have != 0;
}

/* False when the element can no longer select anything: OpenSSL then skips
 * the rest of it. */
static bool narrow_by_keyword(pattern *p, const keyword *k)
{
    if (k->min_version) {
        if (p->min_version && p->min_version != k->min_version)
            return false;
        p->min_version = k->min_version;
    }
    p->flags |= k->flags;
    return narrow_mask(&p->kx, k->kx) && narrow_mask(&p->auth, k->auth) &&
           narrow_mask(&p->enc, k->enc) && narrow_mask(&p->mac, k->mac) &&
           narrow_mask(&p->strength, k->strength);
}

/* An explicit suite: its own algorithms narrow the pattern like a keyword's
 * (so "AES128-SHA+AES256" is empty), but its version does not. */
static bool narrow_by_suite(pattern *p, size_t row)
{
    const ssa_suite *s = &ssa_suite_table[row];
    p->suite = (int)row;
    p->flags |= s->flags & SSA_F_NOT_DEFAULT;
    return narrow_mask(&p->kx, s->kx) && narrow_mask(&p->auth, s->auth) &&
           narrow_mask(&p->enc, s->enc) && narrow_mask(&p->mac, s->mac) &&
           narrow_mask(&p->strength, s->strength);
}

static bool pattern_matches(const pattern *p, size_t row)
{
    const ssa_suite *s = &ssa_suite_table[row];
    if (p->suite >= 0 && (size_t)p->suite != row)
        return false;
    if (p->min_version && s->info.min_version != p->min_version)
        return false;
    return (s->kx & p->kx) && (s->auth & p->auth) && (s->enc & p->enc) && (s->mac & p->mac) &&
           (s->strength & p->strength) && (s->flags & p->flags) == p->flags;
}

/* Rows the language can see: what OpenSSL 3.0 builds for TLS 1.2 and
 * below. */
static bool in_language(size_t row)
{
    const ssa_suite *s = &ssa_suite_table[row];
    return s->info.min_version < SSA_TLS1_3 && !(s->flags & SSA_F_RETIRED);
}

static bool word_is(const char *word, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(word, name, len) == 0;
}

/* Suite names first, then keywords; both case-sensitive. */
static bool narrow_by_word(pattern *p, const char *word, size_t len)
{
    for (size_t row = 0; row < ssa_suite_count; row++)
        if (in_language(row) && word_is(word, len, ssa_suite_table[row].info.openssl_name))
            return narrow_by_suite(p, row);
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (word_is(word, len, keywords[i].word))
            return narrow_by_keyword(p, &keywords[i]);
    return false; /* unknown: ignored */
}

/* ------------------------------------------------------------------------
 * The list and its operations
 * ---------------------------------------------------------------------- */

typedef struct suite_list {
    uint16_t order[LIST_CAP]; /* table rows, in list order */
    size_t n;                 /* rows still in the list ("!" drops them) */
    bool active[LIST_CAP];    /* by table row: selected */
    int seclevel;
} suite_list;

static void list_init(suite_list *l)
{
    memset(l, 0, sizeof *l);
    l->seclevel = SSA_DEFAULT_SECLEVEL;
    for (size_t row = 0; row < ssa_suite_count && row < LIST_CAP; row++)
        if (in_language(row))
            l->order[l->n++] = (uint16_t)row;
}

enum placement { TO_FRONT, TO_BACK, DROP };

/* Move the picked rows (by table row) to the front or the back, or drop
 * them, keeping the relative order within both groups. */
static void rearrange(suite_list *l, const bool *picked, enum placement where)
{
    uint16_t chosen[LIST_CAP], rest[LIST_CAP];
    size_t nc = 0, nr = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (picked[l->order[i]])
            chosen[nc++] = l->order[i];
        else
            rest[nr++] = l->order[i];
    }
    if (where == DROP)
        nc = 0;
    const uint16_t *first = where == TO_FRONT ? chosen : rest;
    const uint16_t *second = where == TO_FRONT ? rest : chosen;
    size_t nfirst = where == TO_FRONT ? nc : nr;
    size_t nsecond = where == TO_FRONT ? nr : nc;
    memcpy(l->order, first, nfirst * sizeof *first);
    memcpy(l->order + nfirst, second, nsecond * sizeof *second);
    l->n = nfirst + nsecond;
}

/* Pick the rows the pattern matches, among the active or inactive ones
 * (want_active), or all (ignore_active). */
static void pick(const suite_list *l, const pattern *p, bool want_active, bool ignore_active,
                 bool *picked)
{
    memset(picked, 0, LIST_CAP * sizeof *picked);
    for (size_t i = 0; i < l->n; i++) {
        uint16_t row = l->order[i];
        if ((ignore_active || l->active[row] == want_active) && pattern_matches(p, row))
            picked[row] = true;
    }
}

static void set_active(suite_list *l, const bool *picked, bool on)
{
    for (size_t row = 0; row < LIST_CAP; row++)
        if (picked[row])
            l->active[row] = on;
}

static void apply_element(suite_list *l, char op, const pattern *p)
{
    bool picked[LIST_CAP];
    switch (op) {
    case '-': /* out, but first in line if added again */
        pick(l, p, true, false, picked);
        set_active(l, picked, false);
        rearrange(l, picked, TO_FRONT);
        break;
    case '+': /* move what is selected to the end */
        pick(l, p, true, false, picked);
        rearrange(l, picked, TO_BACK);
        break;
    case '!': /* out for good */
        pick(l, p, false, true, picked);
        set_active(l, picked, false);
        rearrange(l, picked, DROP);
        break;
    default: /* append what is not selected yet */
        pick(l, p, false, false, picked);
        set_active(l, picked, true);
        rearrange(l, picked, TO_BACK);
        break;
    }
}

/* @STRENGTH: the selected suites go behind the others, sorted by strength,
 * stronger first, equals in their current order. */
static void sort_by_strength(suite_list *l)
{
    bool picked[LIST_CAP];
    size_t first = 0;
    for (size_t row = 0; row < LIST_CAP; row++)
        picked[row] = l->active[row];
    rearrange(l, picked, TO_BACK);
    while (first < l->n && !l->active[l->order[first]])
        first++;
    for (size_t i = first + 1; i < l->n; i++) { /* stable insertion sort */
        uint16_t row = l->order[i];
        int bits = ssa_suite_table[row].info.bits;
        size_t j = i;
        for (; j > first && ssa_suite_table[l->order[j - 1]].info.bits < bits; j--)
            l->order[j] = l->order[j - 1];
        l->order[j] = row;
    }
}

/* ------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------- */

static bool is_separator(char c)
{
    return c == ':' || c == ',' || c == ';' || c == ' ';
}

/* ASCII only, whatever the locale: these are the bytes OpenSSL accepts. */
static bool is_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '=';
}

static size_t word_length(const char *p)
{
    size_t len = 0;
    while (is_word_char(p[len]))
        len++;
    return len;
}

static void skip_to_separator(const char **p)
{
    while (**p && !is_separator(**p))
        (*p)++;
}

typedef struct parse_ctx {
    const char *whole; /* the caller's string, for messages */
    char *err;
    size_t errlen;
} parse_ctx;

static ssa_status bad_character(const parse_ctx *c, const char *at)
{
    ssa_set_err(c->err, c->errlen, "cipher string \"%s\": unexpected '%c' at offset %ld", c->whole,
            *at ? *at : ' ', (long)(at - c->whole));
    return SSA_ERR_ARG;
}

/* "@STRENGTH" or "@SECLEVEL=n"; anything after the command up to the next
 * separator is ignored, as OpenSSL does. */
static ssa_status run_command(suite_list *l, const char **p, const parse_ctx *c)
{
    const char *word = *p;
    size_t len = word_length(word);
    if (len == 0)
        return bad_character(c, word);
    *p += len;
    if (word_is(word, len, "STRENGTH")) {
        sort_by_strength(l);
    } else if (len == 10 && memcmp(word, "SECLEVEL=", 9) == 0 && word[9] >= '0' &&
               word[9] <= '5') {
        l->seclevel = word[9] - '0';
    } else {
        ssa_set_err(c->err, c->errlen, "cipher string \"%s\": unknown command \"@%.*s\"", c->whole,
                (int)len, word);
        return SSA_ERR_ARG;
    }
    skip_to_separator(p);
    return SSA_OK;
}

/* One element: words joined by '+', then applied with op. */
static ssa_status run_element(suite_list *l, char op, const char **p, const parse_ctx *c)
{
    pattern pat = pattern_any();
    for (;;) {
        const char *word = *p;
        size_t len = word_length(word);
        if (len == 0)
            return bad_character(c, word);
        *p += len;
        bool more = **p == '+';
        if (more)
            (*p)++;
        if (!narrow_by_word(&pat, word, len)) {
            skip_to_separator(p); /* unknown or empty: ignore the element */
            return SSA_OK;
        }
        if (!more)
            break;
    }
    apply_element(l, op, &pat);
    return SSA_OK;
}

static ssa_status run_rules(suite_list *l, const char *rules, const parse_ctx *c)
{
    const char *p = rules;
    while (*p) {
        if (is_separator(*p)) {
            p++;
            continue;
        }
        char op = 0;
        if (*p == '-' || *p == '+' || *p == '!' || *p == '@')
            op = *p++;
        ssa_status st = op == '@' ? run_command(l, &p, c) : run_element(l, op, &p, c);
        if (st != SSA_OK)
            return st;
    }
    return SSA_OK;
}

static const char *suite_b_rules(const char *str)
{
    for (size_t i = 0; i < sizeof suite_b / sizeof suite_b[0]; i++)
        if (strncmp(str, suite_b[i].prefix, strlen(suite_b[i].prefix)) == 0)
            return suite_b[i].rules;
    return NULL;
}

/* The leading keywords that stand for other rules, then the string. */
static ssa_status run_string(suite_list *l, const char *str, const parse_ctx *c)
{
    const char *rules = suite_b_rules(str);
    if (rules)
        return run_rules(l, rules, c);
    if (strncmp(str, "DEFAULT", 7) == 0) {
        ssa_status st = run_rules(l, DEFAULT_RULES, c);
        if (st != SSA_OK)
            return st;
        str += 7;
        if (*str == ':')
            str++;
    }
    return run_rules(l, str, c);
}

/* ------------------------------------------------------------------------
 * Results
 * ---------------------------------------------------------------------- */

ssa_status ssa_cipher_string_eval_all(const char *str, size_t *idx, size_t max, size_t *n,
                                      int *seclevel, char *err, size_t errlen)
{
    suite_list l;
    parse_ctx c = {str, err, errlen};
    *n = 0;
    if (!str) {
        ssa_set_err(err, errlen, "no cipher string");
        return SSA_ERR_ARG;
    }
    list_init(&l);
    ssa_status st = run_string(&l, str, &c);
    if (st != SSA_OK)
        return st;
    for (size_t i = 0; i < l.n; i++) {
        if (!l.active[l.order[i]])
            continue;
        if (*n == max) {
            ssa_set_err(err, errlen, "cipher string \"%s\" selects more than %zu suites", str, max);
            return SSA_ERR_ARG;
        }
        idx[(*n)++] = l.order[i];
    }
    if (*n == 0) {
        ssa_set_err(err, errlen, "cipher string \"%s\" matches no cipher suite", str);
        return SSA_ERR_ARG;
    }
    if (seclevel)
        *seclevel = l.seclevel;
    return SSA_OK;
}

/* OpenSSL's default security callback, for cipher suites (see
 * SSL_CTX_set_security_level(3)). */
bool ssa_suite_allowed_at(const ssa_suite *s, int seclevel)
{
    static const int min_bits[] = {0, 80, 112, 128, 192, 256};
    if (seclevel <= 0)
        return true;
    if (seclevel > 5)
        seclevel = 5;
    int floor = min_bits[seclevel];
    if (s->info.bits < floor || (s->auth & SSA_A_NONE) || (s->mac & SSA_M_MD5))
        return false;
    if (floor > 160 && (s->mac & SSA_M_SHA1)) /* an HMAC-SHA1 is worth 160 bits */
        return false;
    if (seclevel >= 2 && (s->enc & SSA_E_RC4))
        return false;
    bool forward_secret = s->kx & (SSA_K_DHE | SSA_K_ECDHE | SSA_K_DHEPSK | SSA_K_ECDHEPSK);
    return seclevel < 3 || forward_secret || s->info.min_version == SSA_TLS1_3;
}

/* What OpenSSL would offer for TLS 1.2 (`openssl ciphers -s -tls1_2`),
 * limited to the suites the core can negotiate. An empty result is not an
 * error here: OpenSSL accepts such a string (its handshakes then fail). */
ssa_status ssa_cipher_string_eval(const char *str, uint16_t *ids, size_t max, size_t *n,
                                  char *err, size_t errlen)
{
    size_t rows[LIST_CAP], nrows = 0;
    int seclevel = SSA_DEFAULT_SECLEVEL;
    *n = 0;
    ssa_status st = ssa_cipher_string_eval_all(str, rows, LIST_CAP, &nrows, &seclevel, err, errlen);
    if (st != SSA_OK)
        return st;
    for (size_t i = 0; i < nrows; i++) {
        const ssa_suite *s = &ssa_suite_table[rows[i]];
        if (!(s->flags & SSA_F_SCOPE) || !ssa_suite_allowed_at(s, seclevel))
            continue;
        if (*n == max) {
            ssa_set_err(err, errlen, "cipher string \"%s\" selects more than %zu suites", str, max);
            *n = 0;
            return SSA_ERR_ARG;
        }
        ids[(*n)++] = s->info.id;
    }
    return SSA_OK;
}

/* ------------------------------------------------------------------------
 * TLS 1.3 suites
 * ---------------------------------------------------------------------- */

static const ssa_suite *tls13_suite(const char *name, size_t len)
{
    for (size_t row = 0; row < ssa_suite_count; row++) {
        const ssa_suite *s = &ssa_suite_table[row];
        if (s->info.min_version == SSA_TLS1_3 && word_is(name, len, s->info.iana_name))
            return s;
    }
    return NULL;
}

/* As SSL_CTX_set_ciphersuites: IANA names, case-sensitive, ':' between
 * them, blanks around names and empty entries ignored; "" is the empty
 * list. Unknown names are skipped as OpenSSL skips them (a newer OpenSSL's
 * suite must not break an application), and the first is named in err
 * even on success; only a non-empty string that names no suite fails.
 * Repeats are dropped (OpenSSL would offer them twice). */
ssa_status ssa_ciphersuites_parse(const char *str, uint16_t *ids, size_t max, size_t *n,
                                  char *err, size_t errlen)
{
    bool warned = false;
    *n = 0;
    ssa_set_err(err, errlen, "%s", "");
    if (!str) {
        ssa_set_err(err, errlen, "no TLS 1.3 cipher suite list");
        return SSA_ERR_ARG;
    }
    for (const char *p = str; *p;) {
        size_t len;
        const char *name = ssa_list_next(&p, &len);
        const ssa_suite *s = len ? tls13_suite(name, len) : NULL;
        if (!s) {
            if (len && !warned) {
                ssa_set_err(err, errlen, "unknown TLS 1.3 cipher suite \"%.*s\" ignored", (int)len, name);
                warned = true;
            }
            continue;
        }
        if (ssa_ids_contain(ids, *n, s->info.id))
            continue;
        if (*n == max) {
            ssa_set_err(err, errlen, "TLS 1.3 cipher suite list \"%s\" has more than %zu suites", str, max);
            *n = 0;
            return SSA_ERR_ARG;
        }
        ids[(*n)++] = s->info.id;
    }
    if (*n == 0 && *str) {
        ssa_set_err(err, errlen, "no known TLS 1.3 cipher suite in \"%s\"", str);
        return SSA_ERR_ARG;
    }
    return SSA_OK;
}
