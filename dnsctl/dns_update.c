/* dnsctl/dns_update.c — the RFC 2136 UPDATE message, built once, by hand.
 *
 * For each change (owner, type -> to_type, from -> to):
 *   prerequisites  the exact `from` RRset (value-dependent, class IN, TTL 0),
 *                  or "no such RRset" (class NONE) when `from` is empty; and
 *                  "no RRset of the new type" when the type changes;
 *   updates        delete the old RRset (class ANY), add every `to` RR.
 * A forced change (rollback --force) has no prerequisites and also clears
 * the new type's RRset first.
 *
 * Owner names are compressed against the zone name at offset 12 and, in the
 * update section, against their first occurrence while it is below 16 KiB
 * (the reach of a pointer); that keeps 1,000 switches near 55 KB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"
#include "util.h"

#define HEADER_LEN 12
#define PTR_REACH 0x3FFF
#define MSG_LIMIT (DNS_MSG_MAX - DNS_TSIG_RESERVE)

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static void put(struct wbuf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 2);
}

static void put32(struct wbuf *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

struct msg_ctx {
	size_t zone_len;     /* wire length of the zone name */
	bool known;          /* offsets in this buffer are message offsets */
};

/* Writes an owner: a pointer to its earlier place, or its own labels
 * followed by a pointer to the zone. Returns the owner's message offset. */
static size_t put_owner(struct wbuf *b, const struct msg_ctx *mc, const struct dns_change *c,
			size_t earlier)
{
	size_t here = b->len, own = c->owner_len - mc->zone_len;

	if (earlier && earlier <= PTR_REACH) {
		put16(b, (uint16_t)(0xC000 | earlier));
		return earlier;
	}
	put(b, c->owner_wire, own);
	put16(b, 0xC000 | HEADER_LEN);
	return here;
}

static void put_rr(struct wbuf *b, const struct msg_ctx *mc, const struct dns_change *c,
		   size_t *owner_at, uint16_t type, uint16_t class, uint32_t ttl, const struct dns_rd *rd)
{
	size_t at = put_owner(b, mc, c, *owner_at);

	if (!*owner_at && mc->known)
		*owner_at = at;
	put16(b, type);
	put16(b, class);
	put32(b, ttl);
	put16(b, rd ? rd->len : 0);
	if (rd)
		put(b, rd->data, rd->len);
}

static unsigned put_prereqs(struct wbuf *b, const struct msg_ctx *mc, const struct dns_change *c,
			    size_t *owner_at)
{
	unsigned count = 0;
	size_t i;

	for (i = 0; i < c->from.n; i++, count++)
		put_rr(b, mc, c, owner_at, c->type, DNS_C_IN, 0, &c->from.v[i]);
	if (c->from.n == 0) {
		put_rr(b, mc, c, owner_at, c->type, DNS_C_NONE, 0, NULL);
		count++;
	}
	if (c->to_type != c->type) {
		put_rr(b, mc, c, owner_at, c->to_type, DNS_C_NONE, 0, NULL);
		count++;
	}
	return count;
}

static unsigned put_updates(struct wbuf *b, const struct msg_ctx *mc, const struct dns_change *c,
			    bool forced, size_t owner_at)
{
	unsigned count = 0;
	size_t i;

	if (forced || c->from.n) {
		put_rr(b, mc, c, &owner_at, c->type, DNS_C_ANY, 0, NULL);
		count++;
	}
	if (forced && c->to_type != c->type) {
		put_rr(b, mc, c, &owner_at, c->to_type, DNS_C_ANY, 0, NULL);
		count++;
	}
	for (i = 0; i < c->to.n; i++, count++)
		put_rr(b, mc, c, &owner_at, c->to_type, DNS_C_IN, c->ttl, &c->to.v[i]);
	return count;
}

static void put_header(struct wbuf *b, uint16_t id, const uint8_t *zone, size_t zone_len)
{
	put16(b, id);
	put16(b, DNS_OP_UPDATE << 11);
	put16(b, 1); /* zone */
	put16(b, 0); /* prerequisites, set at the end */
	put16(b, 0); /* updates, set at the end */
	put16(b, 0);
	put(b, zone, zone_len);
	put16(b, DNS_T_SOA);
	put16(b, DNS_C_IN);
}

static void set16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

long dns_update_build(const char *zone, const struct dns_change *const *changes,
		      const bool *forced, size_t n, uint16_t id, uint8_t **ret, size_t *ret_len,
		      size_t *ret_cap)
{
	uint8_t zw[DNS_NAME_WIRE_MAX];
	struct wbuf m, u;
	struct msg_ctx mc, uc;
	unsigned npr = 0, nup = 0;
	size_t i, zl;
	const char *why;

	if (dns_name_to_wire(zone, zw, &zl, &why) < 0)
		return -EINVAL;
	m = (struct wbuf){ .p = xmalloc(DNS_MSG_MAX + 2 + 1024), .cap = MSG_LIMIT };
	u = (struct wbuf){ .p = xmalloc(MSG_LIMIT), .cap = MSG_LIMIT };
	put_header(&m, id, zw, zl);
	mc = (struct msg_ctx){ .zone_len = zl, .known = true };
	/* update-section offsets are not known until the end: no pointers into it */
	uc = (struct msg_ctx){ .zone_len = zl, .known = false };
	for (i = 0; i < n; i++) {
		size_t mlen = m.len, ulen = u.len, owner_at = 0;
		unsigned p = 0, q;

		if (!forced || !forced[i])
			p = put_prereqs(&m, &mc, changes[i], &owner_at);
		q = put_updates(&u, &uc, changes[i], forced && forced[i], owner_at);
		if (m.overflow || u.overflow || m.len + u.len > MSG_LIMIT) {
			m.len = mlen;
			u.len = ulen;
			break;
		}
		npr += p;
		nup += q;
	}
	if (i == 0) {
		free(m.p);
		free(u.p);
		return -E2BIG;
	}
	memcpy(m.p + m.len, u.p, u.len);
	m.len += u.len;
	free(u.p);
	set16(m.p + 6, npr);
	set16(m.p + 8, nup);
	/* room in front for the TCP length: move the message by 2 */
	memmove(m.p + 2, m.p, m.len);
	set16(m.p, (unsigned)m.len);
	*ret = m.p;
	*ret_len = m.len + 2;
	*ret_cap = DNS_MSG_MAX + 2 + 1024;
	return (long)i;
}

/* ---- the nsupdate-like listing ---- */

static void say_rrs(step_say_fn say, void *cookie, const char *verb, const char *owner,
		    uint16_t type, uint32_t ttl, const json_t *texts)
{
	char line[1024];
	size_t i;

	for (i = 0; i < json_array_size(texts); i++) {
		const char *t = json_string_value(json_array_get(texts, i));
		if (ttl != (uint32_t)-1)
			snprintf(line, sizeof(line), "%s %s %u %s %s", verb, owner, ttl,
				 dns_type_name(type), t ? t : "?");
		else
			snprintf(line, sizeof(line), "%s %s %s %s", verb, owner, dns_type_name(type),
				 t ? t : "?");
		say(cookie, line);
	}
}

static void say_one(step_say_fn say, void *cookie, const char *fmt, const char *owner,
		    uint16_t type)
{
	char line[512];

	snprintf(line, sizeof(line), fmt, owner, dns_type_name(type));
	say(cookie, line);
}

static void describe_change(const struct dns_change *c, bool forced, step_say_fn say,
			    void *cookie)
{
	if (!forced) {
		if (c->from.n)
			say_rrs(say, cookie, "prereq yxrrset", c->owner, c->type, (uint32_t)-1,
				c->from_text);
		else
			say_one(say, cookie, "prereq nxrrset %s %s", c->owner, c->type);
		if (c->to_type != c->type)
			say_one(say, cookie, "prereq nxrrset %s %s", c->owner, c->to_type);
	}
	if (forced || c->from.n)
		say_one(say, cookie, "update delete %s %s", c->owner, c->type);
	if (forced && c->to_type != c->type)
		say_one(say, cookie, "update delete %s %s", c->owner, c->to_type);
	say_rrs(say, cookie, "update add", c->owner, c->to_type, c->ttl, c->to_text);
}

void dns_update_describe(const char *server, const char *zone,
			 const struct dns_change *const *changes, const bool *forced, size_t n,
			 step_say_fn say, void *cookie)
{
	char line[512];
	size_t i;

	if (!say)
		return;
	snprintf(line, sizeof(line), "server %s", server);
	say(cookie, line);
	snprintf(line, sizeof(line), "zone %s", zone);
	say(cookie, line);
	for (i = 0; i < n; i++)
		describe_change(changes[i], forced && forced[i], say, cookie);
	say(cookie, "send");
}
