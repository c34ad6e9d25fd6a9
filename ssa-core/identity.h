/*
 * Internal to the core: does a leaf certificate identify the peer we meant
 * to reach? Our own matcher, because wolfSSL's X509_check_host/_ip are looser
 * than OpenSSL (IP literals matched against DNS names, "*" and "*.com"
 * wildcards) and its MatchDomainName can read past the end of a name.
 */
#ifndef SSA_IDENTITY_H
#define SSA_IDENTITY_H

#include "engine.h"

/* RFC 6125 / RFC 2818 as OpenSSL's X509_check_host and X509_check_ip do by
 * default, but stricter on wildcards. Returns SSA_V_OK,
 * SSA_V_ERR_HOSTNAME_MISMATCH or SSA_V_ERR_IP_ADDRESS_MISMATCH.
 *
 * `name` is an IPv4/IPv6 literal (as inet_pton reads it: compared with the
 * iPAddress SANs only) or a DNS name (one trailing dot allowed; compared with
 * the dNSName SANs, or with the subject CN when there is no dNSName SAN).
 * A "*" matches one whole leftmost label, and only in names of three or more
 * labels, never an A-label ("xn--"). A NULL leaf or name never matches.
 * identity.c lists where and why this differs from OpenSSL. */
int ssa_identity_check(WOLFSSL_X509 *leaf, const char *name);

#endif
