/*
 * Peer identity: does the leaf certificate name the host or address we meant
 * to reach? RFC 6125 / RFC 2818, as OpenSSL's X509_check_host and
 * X509_check_ip do with no flags (OpenSSL 3.0 checked case by case in
 * tests/identity_test.c), with these deliberate differences:
 *  - wildcards: only a whole leftmost "*" label in a pattern of three or
 *    more labels, standing for one letters-digits-hyphens label that is not
 *    an A-label. OpenSSL also takes "f*.x.y" and A-labels, and compares a
 *    pattern it does not accept as a wildcard ("*", "*.com") literally.
 *  - a name with a leading dot (OpenSSL: "any name under") is refused;
 *  - one trailing dot on the name is dropped (OpenSSL compares it
 *    literally), so "host.example." matches SAN "host.example";
 *  - a SAN extension wolfSSL cannot list for us rules the CN out.
 *
 * Why not wolfSSL_X509_check_host/_ip_asc: they match IP literals against
 * DNS SANs and the CN, accept "*", "*.com", partial and non-leftmost
 * wildcards, and MatchDomainName reads past the NUL of a dot-less name.
 *
 * What we rely on from wolfSSL 5.5.4 (read in src/x509.c, wolfcrypt/src/
 * asn.c, non-template decoder):
 *  - wolfSSL_X509_get_ext_d2i(NID_subject_alt_name) returns a new stack of
 *    new GENERAL_NAMEs (type = ASN_DNS_TYPE 2 / ASN_IP_TYPE 7, equal to
 *    GEN_DNS / GEN_IPADD), each holding a copy of the SAN's exact bytes
 *    and length (DNS names with any embedded NUL kept; IP addresses as the
 *    raw 4 or 16 octets, not text). It is NULL when the certificate has no
 *    SAN entry wolfSSL keeps, and on allocation failure. We own the stack;
 *    wolfSSL_GENERAL_NAMES_free frees it and every GENERAL_NAME in it.
 *  - Subject name entries are internal to the certificate (not freed by
 *    us); each CN entry's ASN1_STRING holds the attribute's exact bytes and
 *    length, NUL-terminated after `length`.
 */
#include "identity.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <wolfssl/openssl/x509v3.h>
#include <wolfssl/wolfcrypt/asn.h>

/* Bytes with a length: SAN and CN values are not C strings (they may hold a
 * NUL), and the name loses its trailing dot without a copy. */
typedef struct {
    const unsigned char *p;
    size_t len;
} span;

/* ------------------------------------------------------------------ */
/* Certificate access                                                  */

/* An ASN1_STRING's bytes (an IP address's octets may include zeros). */
static bool octets_span(WOLFSSL_ASN1_STRING *s, span *out)
{
    if (s == NULL)
        return false;
    const unsigned char *p = wolfSSL_ASN1_STRING_get0_data(s);
    int len = wolfSSL_ASN1_STRING_length(s);
    if (p == NULL || len <= 0)
        return false;
    *out = (span){p, (size_t)len};
    return true;
}

/* A name's bytes, refusing a value with an embedded NUL: that is how
 * "good.example\0.evil.test" style names get past C string compares. */
static bool text_span(WOLFSSL_ASN1_STRING *s, span *out)
{
    return octets_span(s, out) && memchr(out->p, '\0', out->len) == NULL;
}

/* The subjectAltName entries (caller frees), or NULL when there are none.
 * *unreadable: the certificate has the extension but wolfSSL gave us no
 * list (allocation failure, or only entry types it does not keep). We then
 * fail closed rather than fall back to the CN, which only applies when
 * there is certainly no dNSName SAN. */
static WOLFSSL_GENERAL_NAMES *get_sans(WOLFSSL_X509 *leaf, bool *unreadable)
{
    WOLFSSL_GENERAL_NAMES *sans =
        wolfSSL_X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    *unreadable = sans == NULL && wolfSSL_X509_ext_isSet_by_NID(leaf, NID_subject_alt_name);
    return sans;
}

/* SAN number i if it is of `type` (GEN_DNS or GEN_IPADD). */
static WOLFSSL_GENERAL_NAME *san_of_type(WOLFSSL_GENERAL_NAMES *sans, int i, int type)
{
    WOLFSSL_GENERAL_NAME *gn = wolfSSL_sk_GENERAL_NAME_value(sans, i);
    return gn != NULL && gn->type == type ? gn : NULL;
}

/* ------------------------------------------------------------------ */
/* IP addresses                                                        */

/* An IPv4 or IPv6 literal as network-order bytes; returns 4, 16 or 0. */
static size_t parse_ip(const char *name, unsigned char out[16])
{
    if (inet_pton(AF_INET, name, out) == 1)
        return 4;
    if (inet_pton(AF_INET6, name, out) == 1)
        return 16;
    return 0;
}

/* Exact octets and exact length: an IPv4-mapped IPv6 address is not the
 * IPv4 address (OpenSSL agrees). DNS SANs and the CN are never consulted. */
static bool ip_matches(WOLFSSL_X509 *leaf, const unsigned char *ip, size_t len)
{
    bool unreadable;
    WOLFSSL_GENERAL_NAMES *sans = get_sans(leaf, &unreadable);
    int n = wolfSSL_sk_GENERAL_NAME_num(sans); /* -1 for NULL */
    bool ok = false;
    for (int i = 0; i < n && !ok; i++) {
        WOLFSSL_GENERAL_NAME *gn = san_of_type(sans, i, GEN_IPADD);
        span v;
        ok = gn != NULL && octets_span(gn->d.iPAddress, &v) && v.len == len &&
             memcmp(v.p, ip, len) == 0;
    }
    wolfSSL_GENERAL_NAMES_free(sans);
    return ok;
}

/* ------------------------------------------------------------------ */
/* DNS names                                                           */

/* ASCII only: DNS case-insensitivity is ASCII, and tolower() would follow
 * the locale. */
static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(span a, span b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_lower(a.p[i]) != ascii_lower(b.p[i]))
            return false;
    return true;
}

/* Number of dot-separated labels, or 0 if any label is empty. */
static size_t count_labels(span s)
{
    size_t labels = 1, label_len = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '.') {
            label_len++;
            continue;
        }
        if (label_len == 0)
            return 0;
        labels++;
        label_len = 0;
    }
    return label_len == 0 ? 0 : labels;
}

/* The name we were asked to check, as a DNS name: one trailing dot (the
 * root) dropped; refused if empty, with an empty label, or with a control
 * byte (which no certificate name should be compared against). */
static bool host_from_name(const char *name, span *out)
{
    size_t len = strlen(name);
    if (len > 0 && name[len - 1] == '.')
        len--;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    *out = (span){(const unsigned char *)name, len};
    return len > 0 && count_labels(*out) > 0;
}

static bool is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

/* Can a "*" stand for this label of the name? Letters, digits and hyphens
 * only (as OpenSSL: so never a literal "*"), and not an A-label, whose
 * Unicode form a wildcard certificate's owner did not necessarily mean to
 * cover (RFC 6125 6.4.3; OpenSSL allows it, we do not). */
static bool wildcard_may_cover(const unsigned char *label, size_t len)
{
    if (len == 0)
        return false;
    if (len >= 4 && ascii_lower(label[0]) == 'x' && ascii_lower(label[1]) == 'n' &&
        label[2] == '-' && label[3] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_ldh(label[i]))
            return false;
    return true;
}

/* A pattern with a "*": only "*.<at least two labels>" with no other "*"
 * counts, and the "*" takes exactly the name's first label. Anything else
 * ("*", "*.com", "f*o.x.y", "a.*.x.y") matches nothing, not even itself. */
static bool wildcard_match(span pat, span host)
{
    if (pat.len < 2 || pat.p[0] != '*' || pat.p[1] != '.')
        return false;
    if (memchr(pat.p + 1, '*', pat.len - 1) != NULL)
        return false;
    size_t labels = count_labels(pat);
    if (labels < 3 || labels != count_labels(host))
        return false;
    /* host has >= 3 labels, so it has a dot and a non-empty first label. */
    const unsigned char *dot = memchr(host.p, '.', host.len);
    size_t first = (size_t)(dot - host.p);
    if (!wildcard_may_cover(host.p, first))
        return false;
    return equal_nocase((span){dot, host.len - first}, (span){pat.p + 1, pat.len - 1});
}

/* One certificate name (dNSName SAN or CN) against the host. */
static bool host_matches(span pattern, span host)
{
    if (memchr(pattern.p, '*', pattern.len) != NULL)
        return wildcard_match(pattern, host);
    return equal_nocase(pattern, host);
}

enum san_result { SAN_MATCH, SAN_NONE, SAN_NO_MATCH };

/* SAN_NONE only when the certificate certainly has no dNSName SAN: any
 * dNSName, even an unusable one, rules the CN out (as in OpenSSL). */
static enum san_result dns_sans_match(WOLFSSL_X509 *leaf, span host)
{
    bool unreadable;
    WOLFSSL_GENERAL_NAMES *sans = get_sans(leaf, &unreadable);
    enum san_result r = unreadable ? SAN_NO_MATCH : SAN_NONE;
    int n = wolfSSL_sk_GENERAL_NAME_num(sans); /* -1 for NULL */
    for (int i = 0; i < n && r != SAN_MATCH; i++) {
        WOLFSSL_GENERAL_NAME *gn = san_of_type(sans, i, GEN_DNS);
        if (gn == NULL)
            continue;
        span v;
        r = text_span(gn->d.dNSName, &v) && host_matches(v, host) ? SAN_MATCH : SAN_NO_MATCH;
    }
    wolfSSL_GENERAL_NAMES_free(sans);
    return r;
}

/* Every subject CN is a candidate (OpenSSL checks them all). */
static bool cn_matches(WOLFSSL_X509 *leaf, span host)
{
    WOLFSSL_X509_NAME *subject = wolfSSL_X509_get_subject_name(leaf);
    int i = -1;
    while ((i = wolfSSL_X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0) {
        WOLFSSL_X509_NAME_ENTRY *e = wolfSSL_X509_NAME_get_entry(subject, i);
        span v;
        if (e != NULL && text_span(wolfSSL_X509_NAME_ENTRY_get_data(e), &v) &&
            host_matches(v, host))
            return true;
    }
    return false;
}

static bool dns_name_matches(WOLFSSL_X509 *leaf, const char *name)
{
    span host;
    if (!host_from_name(name, &host))
        return false;
    switch (dns_sans_match(leaf, host)) {
    case SAN_MATCH:
        return true;
    case SAN_NONE:
        return cn_matches(leaf, host);
    default:
        return false;
    }
}

int ssa_identity_check(WOLFSSL_X509 *leaf, const char *name)
{
    unsigned char ip[16];
    size_t ip_len = name ? parse_ip(name, ip) : 0;
    if (ip_len > 0)
        return leaf && ip_matches(leaf, ip, ip_len) ? SSA_V_OK : SSA_V_ERR_IP_ADDRESS_MISMATCH;
    return leaf && name && dns_name_matches(leaf, name) ? SSA_V_OK : SSA_V_ERR_HOSTNAME_MISMATCH;
}
