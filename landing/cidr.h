/* landing/cidr.h — IPv4/IPv6 prefixes: parse, contain, overlap.
 *
 * Pure functions on values; nothing allocates. Used by the template checks
 * (overlaps, subnets inside their VPC, gateways inside subnets, admin ports
 * open to the world) and by carving subnets out of a VPC's prefix.
 */
#ifndef CUTOVER_LANDING_CIDR_H
#define CUTOVER_LANDING_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIDR_STR_MAX 64 /* "ffff:…/128" and a NUL */

struct cidr {
	int family;          /* 4 or 6 */
	uint8_t addr[16];    /* network byte order; IPv4 in the first 4 bytes */
	unsigned len;        /* prefix length */
};

/* Parses "10.1.0.0/16" or "2001:db8::/48". With host_ok=false, bits set
 * past the prefix are an error (-EDOM: "10.1.0.1/16" is a host, not a
 * network). -EINVAL when it is no prefix at all. */
int cidr_parse(const char *s, bool host_ok, struct cidr *ret);

/* Parses a bare address as a /32 or /128. */
int cidr_parse_addr(const char *s, struct cidr *ret);

void cidr_format(const struct cidr *c, char *buf, size_t len);

/* a and b share at least one address (same family). */
bool cidr_overlaps(const struct cidr *a, const struct cidr *b);
/* inner lies wholly inside outer (same family). */
bool cidr_contains(const struct cidr *outer, const struct cidr *inner);
/* The prefix is 0.0.0.0/0 or ::/0. */
bool cidr_is_any(const struct cidr *c);
/* c holds at least one address a host on the internet may send from: one
 * outside the private, shared, loopback, link-local, documentation,
 * benchmarking, multicast and reserved ranges (IPv4: 10/8, 172.16/12,
 * 192.168/16, 100.64/10, 127/8, 169.254/16, 0/8, 224/4, 240/4, …; IPv6:
 * fc00::/7, fe80::/10, ::1, 2001:db8::/32, ff00::/8, …). 0.0.0.0/1 does. */
bool cidr_has_public(const struct cidr *c);

/* Terraform's cidrsubnet(): the netnum-th prefix of length base.len+newbits
 * inside base. -ERANGE when netnum does not fit or the length passes the
 * family's width. */
int cidr_subnet(const struct cidr *base, unsigned newbits, uint64_t netnum, struct cidr *ret);

/* The host-th address of c (0 is the network address): host in the lowest
 * bits, for any prefix length; -ERANGE if outside. */
int cidr_host(const struct cidr *c, uint64_t host, struct cidr *ret);

/* Network (host part zero) or, for IPv4 prefixes shorter than /31, broadcast address. */
bool cidr_is_network_or_broadcast(const struct cidr *prefix, const struct cidr *addr);

#endif
