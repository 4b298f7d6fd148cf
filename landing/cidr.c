#include "cidr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static unsigned width(int family)
{
	return family == 4 ? 32 : 128;
}

static bool bit(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static void set_bit(uint8_t *a, unsigned i, bool v)
{
	if (v)
		a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	else
		a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

static int parse_address(const char *s, size_t n, struct cidr *c)
{
	char buf[CIDR_STR_MAX];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(c->addr, 0, sizeof(c->addr));
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = 4;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = 6;
	else
		return -EINVAL;
	return 0;
}

int cidr_parse(const char *s, bool host_ok, struct cidr *ret)
{
	const char *slash = strchr(s, '/');
	struct cidr c;
	long long len;
	unsigned i;

	if (!slash || parse_address(s, (size_t)(slash - s), &c) < 0)
		return -EINVAL;
	if (parse_int(slash + 1, 0, width(c.family), &len) < 0)
		return -EINVAL;
	c.len = (unsigned)len;
	for (i = c.len; !host_ok && i < width(c.family); i++)
		if (bit(c.addr, i))
			return -EDOM;
	*ret = c;
	return 0;
}

int cidr_parse_addr(const char *s, struct cidr *ret)
{
	struct cidr c;

	if (parse_address(s, strlen(s), &c) < 0)
		return -EINVAL;
	c.len = width(c.family);
	*ret = c;
	return 0;
}

void cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, c->len);
}

static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		if (bit(a, i) != bit(b, i))
			return false;
	return true;
}

bool cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	if (a->family != b->family)
		return false;
	return same_prefix(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

bool cidr_contains(const struct cidr *outer, const struct cidr *inner)
{
	if (outer->family != inner->family || inner->len < outer->len)
		return false;
	return same_prefix(outer->addr, inner->addr, outer->len);
}

bool cidr_is_any(const struct cidr *c)
{
	return c->len == 0;
}

/* Address space no host on the internet sends from: IANA's special-purpose
 * ranges that are not globally reachable, plus multicast (never a source). */
static const struct cidr not_public[] = {
	{ 4, { 0 }, 8 },                           /* "this network" */
	{ 4, { 10 }, 8 },                          /* private, RFC 1918 */
	{ 4, { 100, 64 }, 10 },                    /* shared (carrier NAT), RFC 6598 */
	{ 4, { 127 }, 8 },                         /* loopback */
	{ 4, { 169, 254 }, 16 },                   /* link-local */
	{ 4, { 172, 16 }, 12 },                    /* private, RFC 1918 */
	{ 4, { 192, 0, 2 }, 24 },                  /* documentation, TEST-NET-1 */
	{ 4, { 192, 168 }, 16 },                   /* private, RFC 1918 */
	{ 4, { 198, 18 }, 15 },                    /* benchmarking */
	{ 4, { 198, 51, 100 }, 24 },               /* documentation, TEST-NET-2 */
	{ 4, { 203, 0, 113 }, 24 },                /* documentation, TEST-NET-3 */
	{ 4, { 224 }, 4 },                         /* multicast */
	{ 4, { 240 }, 4 },                         /* reserved, broadcast */
	{ 6, { 0 }, 128 },                         /* unspecified */
	{ 6, { [15] = 1 }, 128 },                  /* loopback */
	{ 6, { 0x01, 0x00 }, 64 },                 /* discard-only */
	{ 6, { 0x20, 0x01, 0x0d, 0xb8 }, 32 },     /* documentation */
	{ 6, { 0xfc }, 7 },                        /* unique local */
	{ 6, { 0xfe, 0x80 }, 10 },                 /* link-local */
	{ 6, { 0xfe, 0xc0 }, 10 },                 /* site-local (deprecated) */
	{ 6, { 0xff }, 8 },                        /* multicast */
};

/* Every address of c lies in not_public[]: inside one range, or each half
 * of c covered (a prefix may span two adjacent ranges). */
static bool not_public_covers(const struct cidr *c)
{
	struct cidr half = *c;
	bool partial = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(not_public); i++) {
		if (cidr_contains(&not_public[i], c))
			return true;
		partial |= cidr_overlaps(&not_public[i], c);
	}
	if (!partial || c->len >= width(c->family))
		return false;
	half.len = c->len + 1;
	set_bit(half.addr, c->len, false);
	if (!not_public_covers(&half))
		return false;
	set_bit(half.addr, c->len, true);
	return not_public_covers(&half);
}

bool cidr_has_public(const struct cidr *c)
{
	return !not_public_covers(c);
}

/* Writes the low `nbits` bits of v into a at bit positions [from, from+nbits). */
static void put_bits(uint8_t *a, unsigned from, unsigned nbits, uint64_t v)
{
	unsigned i;

	for (i = 0; i < nbits; i++)
		set_bit(a, from + nbits - 1 - i, i < 64 && ((v >> i) & 1));
}

int cidr_subnet(const struct cidr *base, unsigned newbits, uint64_t netnum, struct cidr *ret)
{
	struct cidr c = *base;

	if (newbits > 64 || base->len + newbits > width(base->family))
		return -ERANGE;
	if (newbits < 64 && netnum >> newbits)
		return -ERANGE;
	put_bits(c.addr, base->len, newbits, netnum);
	c.len = base->len + newbits;
	*ret = c;
	return 0;
}

int cidr_host(const struct cidr *c, uint64_t host, struct cidr *ret)
{
	unsigned hostbits = width(c->family) - c->len, n;
	struct cidr a = *c;

	if (hostbits < 64 && host >> hostbits)
		return -ERANGE;
	/* host (64 bits at most) fills the lowest bits; the host bits above it
	 * are zero: a /48's host 1 is …::1, not …::1:0 */
	n = hostbits > 64 ? 64 : hostbits;
	put_bits(a.addr, c->len, hostbits - n, 0);
	put_bits(a.addr, width(c->family) - n, n, host);
	a.len = width(c->family);
	*ret = a;
	return 0;
}

bool cidr_is_network_or_broadcast(const struct cidr *prefix, const struct cidr *addr)
{
	unsigned i, w = width(prefix->family);
	bool all0 = true, all1 = true;

	if (prefix->family == 4 && prefix->len >= 31)
		return false;
	if (prefix->family == 6 && prefix->len >= 127)
		return false;
	for (i = prefix->len; i < w; i++) {
		if (bit(addr->addr, i))
			all0 = false;
		else
			all1 = false;
	}
	return all0 || (prefix->family == 4 && all1);
}
