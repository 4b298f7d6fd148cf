/* netplan/np_value.c — routes and addresses as values: compare, print, and
 * turn into journal payloads and back. */
#include "np.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

void np_route_free(struct np_route *r)
{
	if (!r)
		return;
	free(r->extra);
	r->extra = NULL;
	r->extra_len = 0;
}

int np_route_copy(struct np_route *dst, const struct np_route *src)
{
	*dst = *src;
	dst->extra = NULL;
	if (src->extra_len) {
		dst->extra = xmalloc(src->extra_len);
		memcpy(dst->extra, src->extra, src->extra_len);
	}
	return 0;
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* memcmp()'s order of two 16-byte addresses, without its call: sorting and
 * searching 10,000s of routes compares them ~30 times each. */
static int cmp_addr16(const uint8_t *a, const uint8_t *b)
{
	uint64_t x, y;
	int half;

	for (half = 0; half < 16; half += 8) {
		memcpy(&x, a + half, 8);
		memcpy(&y, b + half, 8);
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return 0;
}

int np_route_key_cmp(const struct np_route *a, const struct np_route *b)
{
	int c;

	if ((c = cmp_u(a->family, b->family)) || (c = cmp_u(a->table, b->table)) ||
	    (c = cmp_u(a->dst_len, b->dst_len)) || (c = cmp_addr16(a->dst, b->dst)) ||
	    (c = cmp_u(a->src_len, b->src_len)) || (c = cmp_addr16(a->src, b->src)) ||
	    (c = cmp_u(a->tos, b->tos)) || (c = cmp_u(a->metric, b->metric)))
		return c;
	return 0;
}

bool np_route_match(const struct np_route *w, const struct np_route *h)
{
	/* exact, with a nexthop object: the same id (in extra) is the same next
	 * hop, whatever gateway and device that object has now */
	bool by_id = w->via_nh && (w->care & NP_C_EXTRA);

	if ((w->care & NP_C_TYPE) && w->type != h->type)
		return false;
	if ((w->care & NP_C_PROTO) && w->protocol != h->protocol)
		return false;
	if ((w->care & NP_C_SCOPE) && w->scope != h->scope)
		return false;
	if (!by_id && (w->care & NP_C_GW) && (w->has_gw != h->has_gw || memcmp(w->gw, h->gw, 16)))
		return false;
	if (!by_id && (w->care & NP_C_DEV) && w->oif != h->oif)
		return false;
	if ((w->care & NP_C_PREFSRC) &&
	    (w->has_prefsrc != h->has_prefsrc || memcmp(w->prefsrc, h->prefsrc, 16)))
		return false;
	if ((w->care & NP_C_FLAGS) && (w->flags ^ h->flags) & NP_RT_FLAGS_KEPT)
		return false;
	if ((w->care & NP_C_EXTRA) && (w->extra_len != h->extra_len ||
				      (w->extra_len && memcmp(w->extra, h->extra, w->extra_len))))
		return false;
	return true;
}

int np_addr_key_cmp(const struct np_addr *a, const struct np_addr *b)
{
	int c;

	if ((c = cmp_u(a->family, b->family)) || (c = memcmp(a->local, b->local, 16)) ||
	    (c = cmp_u(a->prefixlen, b->prefixlen)) || (c = cmp_u(a->ifindex, b->ifindex)))
		return c;
	return 0;
}

bool np_addr_match(const struct np_addr *w, const struct np_addr *h)
{
	if ((w->care & NP_C_SCOPE) && w->scope != h->scope)
		return false;
	if ((w->care & NP_C_FLAGS) && (w->flags ^ h->flags) & NP_IFA_FLAGS_KEPT)
		return false;
	if ((w->care & NP_C_PEER) && (w->has_peer != h->has_peer || memcmp(w->peer, h->peer, 16)))
		return false;
	if ((w->care & NP_C_BCAST) &&
	    (w->has_bcast != h->has_bcast || memcmp(w->bcast, h->bcast, 16)))
		return false;
	if ((w->care & NP_C_LABEL) &&
	    (w->has_label != h->has_label || strcmp(w->label, h->label) != 0))
		return false;
	if ((w->care & NP_C_PROTO) && (w->has_proto != h->has_proto || w->proto != h->proto))
		return false;
	return true;
}

/* ---- text ---- */

/* A string being built without printf: the payload texts are made once per
 * route of a batch, so they stay cheap. */
struct tbuf {
	char *p;
	size_t n, len;
};

static void t_put(struct tbuf *b, const char *s, size_t l)
{
	if (b->len + l >= b->n)
		l = b->len + 1 < b->n ? b->n - b->len - 1 : 0;
	memcpy(b->p + b->len, s, l);
	b->len += l;
	b->p[b->len] = 0;
}

static void t_str(struct tbuf *b, const char *s)
{
	t_put(b, s, strlen(s));
}

static void t_u32(struct tbuf *b, uint32_t v)
{
	char tmp[12];
	size_t i = sizeof(tmp);

	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i);
	t_put(b, tmp + i, sizeof(tmp) - i); /* the length is known: no strlen */
}

static void t_key_u32(struct tbuf *b, const char *key, uint32_t v)
{
	t_str(b, key);
	t_u32(b, v);
}

static void t_ip(struct tbuf *b, const char *key, uint8_t family, const uint8_t *a)
{
	char ip[INET6_ADDRSTRLEN];
	int i;

	t_str(b, key);
	if (family == AF_INET) { /* glibc's inet_ntop formats IPv4 with sprintf */
		for (i = 0; i < 4; i++) {
			if (i)
				t_put(b, ".", 1);
			t_u32(b, a[i]);
		}
		return;
	}
	t_str(b, inet_ntop(family, a, ip, sizeof(ip)) ? ip : "?");
}

static void t_prefix(struct tbuf *b, const char *key, uint8_t family, const uint8_t *a,
		     uint8_t len)
{
	t_ip(b, key, family, a);
	t_put(b, "/", 1);
	t_u32(b, len);
}

static void t_hex(struct tbuf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && b->len + 2 < b->n; i++) {
		b->p[b->len++] = digits[p[i] >> 4];
		b->p[b->len++] = digits[p[i] & 15];
	}
	b->p[b->len] = 0;
}

const char *np_prefix_str(uint8_t family, const uint8_t *a, uint8_t len, char *buf, size_t n)
{
	struct tbuf b = { buf, n, 0 };

	if (n == 0)
		return buf;
	buf[0] = 0;
	t_prefix(&b, "", family, a, len);
	return buf;
}

/* A dotted quad as inet_ntop writes it (no leading zeros), read without
 * inet_pton: a rollback of 10,000 routes reads 40,000 addresses. false:
 * anything else, which inet_pton then judges. */
static bool dotted_quad(const char *s, uint8_t *a)
{
	unsigned part, v, digits;

	for (part = 0; part < 4; part++, s++) {
		for (v = 0, digits = 0; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (digits == 0 || v > 255 || (digits > 1 && s[-(int)digits] == '0'))
			return false;
		a[part] = (uint8_t)v;
		if (*s != (part == 3 ? '\0' : '.'))
			return false;
	}
	return true;
}

int np_ip_parse(const char *s, uint8_t *family, uint8_t *a)
{
	memset(a, 0, 16);
	if (dotted_quad(s, a)) {
		*family = AF_INET;
		return 0;
	}
	memset(a, 0, 16);
	if (strchr(s, ':')) {
		*family = AF_INET6;
		return inet_pton(AF_INET6, s, a) == 1 ? 0 : -EINVAL;
	}
	*family = AF_INET;
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -EINVAL;
}

static bool host_bits_zero(const uint8_t *a, unsigned len, unsigned bits)
{
	unsigned i;

	for (i = len; i < bits; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int np_prefix_parse(const char *s, bool strict, uint8_t *family, uint8_t *a, uint8_t *len)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long long l;
	unsigned bits;

	if (n == 0 || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = 0;
	if (np_ip_parse(ip, family, a) < 0)
		return -EINVAL;
	bits = *family == AF_INET ? 32 : 128;
	l = bits;
	if (slash && parse_int(slash + 1, 0, bits, &l) < 0)
		return -EINVAL;
	*len = (uint8_t)l;
	if (strict && !host_bits_zero(a, *len, bits))
		return -EINVAL;
	return 0;
}

struct name_num {
	const char *name;
	int num;
};

static const struct name_num rtypes[] = {
	{ "unicast", RTN_UNICAST }, { "local", RTN_LOCAL }, { "broadcast", RTN_BROADCAST },
	{ "anycast", RTN_ANYCAST }, { "multicast", RTN_MULTICAST },
	{ "blackhole", RTN_BLACKHOLE }, { "unreachable", RTN_UNREACHABLE },
	{ "prohibit", RTN_PROHIBIT }, { "throw", RTN_THROW }, { "nat", RTN_NAT }, { NULL, 0 },
};
static const struct name_num protos[] = {
	{ "redirect", 1 }, { "kernel", 2 }, { "boot", 3 }, { "static", 4 }, { "ra", 9 },
	{ "zebra", 11 }, { "bird", 12 }, { "dhcp", 16 }, { "keepalived", 18 }, { "babel", 42 },
	{ "bgp", 186 }, { "isis", 187 }, { "ospf", 188 }, { "rip", 189 }, { NULL, 0 },
};
static const struct name_num scopes[] = {
	{ "global", 0 }, { "universe", 0 }, { "site", 200 }, { "link", 253 }, { "host", 254 },
	{ NULL, 0 },
};
static const struct name_num tables[] = {
	{ "main", 254 }, { "local", 255 }, { "default", 253 }, { NULL, 0 },
};

static int by_name(const struct name_num *t, const char *s, long long max)
{
	long long v;
	size_t i;

	for (i = 0; t[i].name; i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].num;
	if (parse_int(s, 0, max, &v) == 0)
		return (int)v;
	return -1;
}

static const char *by_num(const struct name_num *t, int num)
{
	size_t i;

	for (i = 0; t[i].name; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

const char *np_rtype_name(uint8_t type)
{
	return by_num(rtypes, type);
}

int np_rtype_parse(const char *s)
{
	int v = by_name(rtypes, s, 0);
	return v == 0 ? -1 : v;
}

int np_proto_parse(const char *s)
{
	return by_name(protos, s, 255);
}

int np_scope_parse(const char *s)
{
	return by_name(scopes, s, 255);
}

int np_table_parse(const char *s, uint32_t *ret)
{
	long long v;
	size_t i;

	for (i = 0; tables[i].name; i++)
		if (strcmp(tables[i].name, s) == 0) {
			*ret = (uint32_t)tables[i].num;
			return 0;
		}
	if (parse_int(s, 1, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

void np_table_str(uint32_t table, char *buf, size_t n)
{
	const char *name = by_num(tables, (int)table);

	if (name && table <= 255)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%u", table);
}

static const char *ifname(np_ifname_fn name, void *cookie, uint32_t ifindex, char *buf,
			  size_t n)
{
	const char *s = name ? name(cookie, ifindex) : NULL;

	if (s)
		return s;
	snprintf(buf, n, "if%u", ifindex);
	return buf;
}

void np_route_str(const struct np_route *r, np_ifname_fn name, void *cookie, char *buf, size_t n)
{
	struct tbuf b = { buf, n, 0 };
	char tmp[NP_ADDRSTR];
	const char *s;

	if (n == 0)
		return;
	buf[0] = 0;
	if ((r->care & NP_C_TYPE) && r->type != RTN_UNICAST) {
		t_str(&b, (s = np_rtype_name(r->type)) ? s : "type?");
		t_str(&b, " ");
	}
	t_prefix(&b, "", r->family, r->dst, r->dst_len);
	if (r->src_len)
		t_prefix(&b, " from ", r->family, r->src, r->src_len);
	if ((r->care & NP_C_GW) && r->has_gw)
		t_ip(&b, " via ", r->family, r->gw);
	if ((r->care & NP_C_DEV) && r->oif) {
		t_str(&b, " dev ");
		t_str(&b, ifname(name, cookie, r->oif, tmp, sizeof(tmp)));
	}
	if (r->via_nh)
		t_key_u32(&b, " nhid ", np_route_nh_id(r));
	t_str(&b, " table ");
	if ((s = r->table <= 255 ? by_num(tables, (int)r->table) : NULL))
		t_str(&b, s);
	else
		t_u32(&b, r->table);
	if (r->care & NP_C_PROTO) {
		t_str(&b, " proto ");
		t_str(&b, (s = by_num(protos, r->protocol)) ? s : "?");
	}
	if ((r->care & NP_C_SCOPE) && r->scope) {
		t_str(&b, " scope ");
		t_str(&b, (s = by_num(scopes, r->scope)) ? s : "?");
	}
	if ((r->care & NP_C_PREFSRC) && r->has_prefsrc)
		t_ip(&b, " src ", r->family, r->prefsrc);
	t_key_u32(&b, " metric ", r->metric);
	if ((r->care & NP_C_FLAGS) && (r->flags & NP_RT_FLAGS_KEPT))
		t_str(&b, " onlink");
}

void np_route_key_str(const struct np_route *r, char *buf, size_t n)
{
	char pfx[NP_ADDRSTR], table[16];

	np_table_str(r->table, table, sizeof(table));
	snprintf(buf, n, "route %s table %s metric %u",
		 np_prefix_str(r->family, r->dst, r->dst_len, pfx, sizeof(pfx)), table, r->metric);
}

void np_addr_str(const struct np_addr *a, np_ifname_fn name, void *cookie, char *buf, size_t n)
{
	char tmp[NP_ADDRSTR], dev[NP_ADDRSTR];

	snprintf(buf, n, "%s dev %s", np_prefix_str(a->family, a->local, a->prefixlen, tmp, sizeof(tmp)),
		 ifname(name, cookie, a->ifindex, dev, sizeof(dev)));
}

/* ---- payloads ---- */

static json_t *ip_json(uint8_t family, const uint8_t *a)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, a, ip, sizeof(ip)))
		return json_null();
	return json_string(ip);
}

/* The payload text of a route: its destination, then keyword-value pairs,
 * defaults (tos 0, unicast, scope 0, not onlink) left out:
 *     10.0.0.0/24 table 254 metric 0 proto 3 via 192.0.2.254 dev v0a exact
 * `exact`: every field counts, the passthrough attributes too (`rtattrs`, raw
 * netlink attributes in hex). Device names hold no blanks (the kernel refuses
 * them), so blanks separate the fields. */
size_t np_route_text(const struct np_route *r, np_ifname_fn name, void *cookie, char *buf,
		     size_t n)
{
	char dev[NP_ADDRSTR];
	struct tbuf b = { buf, n, 0 };

	if (n == 0)
		return 0;
	buf[0] = 0;
	t_prefix(&b, "", r->family, r->dst, r->dst_len);
	if (r->src_len)
		t_prefix(&b, " from ", r->family, r->src, r->src_len);
	if (r->tos)
		t_key_u32(&b, " tos ", r->tos);
	t_key_u32(&b, " table ", r->table);
	t_key_u32(&b, " metric ", r->metric);
	if (r->type != RTN_UNICAST)
		t_key_u32(&b, " type ", r->type);
	t_key_u32(&b, " proto ", r->protocol);
	if (r->scope)
		t_key_u32(&b, " scope ", r->scope);
	if (r->flags & NP_RT_FLAGS_KEPT)
		t_str(&b, " onlink");
	if (r->has_gw)
		t_ip(&b, " via ", r->family, r->gw);
	if (r->oif) {
		t_str(&b, " dev ");
		t_str(&b, ifname(name, cookie, r->oif, dev, sizeof(dev)));
	}
	if (r->has_prefsrc)
		t_ip(&b, " prefsrc ", r->family, r->prefsrc);
	if (r->care & NP_C_EXTRA) {
		t_str(&b, " exact");
		if (r->extra_len) {
			t_str(&b, " rtattrs ");
			t_hex(&b, r->extra, r->extra_len);
		}
	}
	return b.len + 1 < n ? b.len : 0; /* full: cut short */
}

json_t *np_route_json(const struct np_route *r, np_ifname_fn name, void *cookie)
{
	size_t n = NP_ROUTE_TEXT_MAX + 1;
	char *text = xmalloc(n);
	json_t *v;

	np_route_text(r, name, cookie, text, n);
	v = json_string(text);

	free(text);
	/* a device name that is not UTF-8: a text no rollback accepts, loudly */
	return v ? v : json_string("(device name not UTF-8)");
}

json_t *np_addr_json(const struct np_addr *a, np_ifname_fn name, void *cookie)
{
	char tmp[NP_ADDRSTR];
	json_t *o = json_object();

	json_object_set_new(o, "family", json_integer(a->family == AF_INET ? 4 : 6));
	json_object_set_new(o, "address", json_string(np_prefix_str(a->family, a->local,
								    a->prefixlen, tmp, sizeof(tmp))));
	json_object_set_new(o, "dev", json_string(ifname(name, cookie, a->ifindex, tmp, sizeof(tmp))));
	json_object_set_new(o, "scope", json_integer(a->scope));
	json_object_set_new(o, "flags", json_integer(a->flags & NP_IFA_FLAGS_KEPT));
	if (a->has_peer)
		json_object_set_new(o, "peer", ip_json(a->family, a->peer));
	if (a->has_bcast)
		json_object_set_new(o, "broadcast", ip_json(a->family, a->bcast));
	if (a->has_label)
		json_object_set_new(o, "label", json_string(a->label));
	if (a->has_proto)
		json_object_set_new(o, "proto", json_integer(a->proto));
	if (a->secondary)
		json_object_set_new(o, "secondary", json_true());
	if (a->care == NP_C_ALL)
		json_object_set_new(o, "exact", json_true());
	return o;
}

static int unhex(const char *s, size_t n, uint8_t **ret, size_t *ret_len)
{
	size_t i;
	uint8_t *p;

	*ret = NULL;
	*ret_len = 0;
	if (n % 2 || n / 2 > NP_EXTRA_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	p = xmalloc(n / 2);
	for (i = 0; i < n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0) {
			free(p);
			return -EINVAL;
		}
		if (i % 2)
			p[i / 2] |= (uint8_t)v;
		else
			p[i / 2] = (uint8_t)(v << 4);
	}
	*ret = p;
	*ret_len = n / 2;
	return 0;
}

struct jget {
	const json_t *o;
	char *msg;
	size_t n;
	int bad;
};

static long long jint(struct jget *g, const char *key, long long min, long long max, long long d)
{
	const json_t *v = json_object_get(g->o, key);

	if (!v)
		return d;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		if (!g->bad++)
			snprintf(g->msg, g->n, "payload field \"%s\" is not a number from %lld to %lld",
				 key, min, max);
		return d;
	}
	return json_integer_value(v);
}

static bool jip(struct jget *g, const char *key, uint8_t family, uint8_t *a)
{
	const json_t *v = json_object_get(g->o, key);
	uint8_t f;

	if (!v)
		return false;
	if (!json_is_string(v) || np_ip_parse(json_string_value(v), &f, a) < 0 || f != family) {
		if (!g->bad++)
			snprintf(g->msg, g->n, "payload field \"%s\" is not an address of the family",
				 key);
		return false;
	}
	return true;
}

static bool jprefix(struct jget *g, const char *key, uint8_t family, uint8_t *a, uint8_t *len)
{
	const json_t *v = json_object_get(g->o, key);
	uint8_t f;

	if (!v)
		return false;
	if (!json_is_string(v) || np_prefix_parse(json_string_value(v), false, &f, a, len) < 0 ||
	    f != family) {
		if (!g->bad++)
			snprintf(g->msg, g->n, "payload field \"%s\" is not a prefix of the family", key);
		return false;
	}
	return true;
}

static uint32_t jdev(struct jget *g, np_ifindex_fn index, void *cookie)
{
	const json_t *v = json_object_get(g->o, "dev");

	if (!v)
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) >= NP_IFNAMSIZ) {
		if (!g->bad++)
			snprintf(g->msg, g->n, "payload field \"dev\" is not a device name");
		return 0;
	}
	return index ? index(cookie, json_string_value(v)) : UINT32_MAX;
}

/* ---- the payload text of a route, back ---- */

struct tparse {
	const char *p;      /* the rest of the text */
	char tok[NP_ADDRSTR];
	const char *raw;    /* the token in the text (rtattrs is longer than tok) */
	size_t len;
	char *msg;
	size_t n;
};

/* The next blank-separated token; false at the end. */
static bool t_next(struct tparse *t)
{
	while (*t->p == ' ')
		t->p++;
	if (!*t->p)
		return false;
	t->raw = t->p;
	while (*t->p && *t->p != ' ')
		t->p++;
	t->len = (size_t)(t->p - t->raw);
	memcpy(t->tok, t->raw, t->len < sizeof(t->tok) ? t->len : sizeof(t->tok) - 1);
	t->tok[t->len < sizeof(t->tok) ? t->len : sizeof(t->tok) - 1] = 0;
	return true;
}

static int t_bad(struct tparse *t, const char *key)
{
	snprintf(t->msg, t->n, "route payload: \"%s\" needs a valid value", key);
	return CUT_EINPUT;
}

static int t_num(struct tparse *t, const char *key, long long min, long long max, uint32_t *ret)
{
	long long v;

	if (!t_next(t) || t->len >= sizeof(t->tok) || parse_int(t->tok, min, max, &v) < 0)
		return t_bad(t, key);
	*ret = (uint32_t)v;
	return 0;
}

static int t_u8(struct tparse *t, const char *key, uint8_t *ret)
{
	uint32_t v = 0;
	int r = t_num(t, key, 0, 255, &v);

	*ret = (uint8_t)v;
	return r;
}

static int t_addr(struct tparse *t, const char *key, uint8_t family, uint8_t *a, bool *has)
{
	uint8_t f;

	if (!t_next(t) || t->len >= sizeof(t->tok) || np_ip_parse(t->tok, &f, a) < 0 ||
	    f != family)
		return t_bad(t, key);
	*has = true;
	return 0;
}

static int t_dev(struct tparse *t, np_ifindex_fn index, void *cookie, struct np_route *r)
{
	if (!t_next(t) || t->len >= NP_IFNAMSIZ)
		return t_bad(t, "dev");
	r->oif = index ? index(cookie, t->tok) : UINT32_MAX;
	r->care |= NP_C_DEV;
	return 0;
}

static int t_from(struct tparse *t, struct np_route *r)
{
	uint8_t f;

	if (!t_next(t) || t->len >= sizeof(t->tok) ||
	    np_prefix_parse(t->tok, false, &f, r->src, &r->src_len) < 0 || f != r->family)
		return t_bad(t, "from");
	return 0;
}

static int t_rtattrs(struct tparse *t, struct np_route *r)
{
	free(r->extra);
	r->extra = NULL;
	if (!t_next(t) || unhex(t->raw, t->len, &r->extra, &r->extra_len) < 0)
		return t_bad(t, "rtattrs");
	return 0;
}

enum t_key { K_TABLE, K_METRIC, K_PROTO, K_VIA, K_DEV, K_EXACT, K_TYPE, K_SCOPE, K_TOS,
	     K_ONLINK, K_PREFSRC, K_FROM, K_RTATTRS, K_UNKNOWN };

/* The common ones first, in the order np_route_text writes them. */
#define T_KEY(name) { name, sizeof(name) - 1 }
static const struct {
	const char *name;
	size_t len;
} t_keys[K_UNKNOWN] = {
	[K_TABLE] = T_KEY("table"),     [K_METRIC] = T_KEY("metric"),   [K_PROTO] = T_KEY("proto"),
	[K_VIA] = T_KEY("via"),         [K_DEV] = T_KEY("dev"),         [K_EXACT] = T_KEY("exact"),
	[K_TYPE] = T_KEY("type"),       [K_SCOPE] = T_KEY("scope"),     [K_TOS] = T_KEY("tos"),
	[K_ONLINK] = T_KEY("onlink"),   [K_PREFSRC] = T_KEY("prefsrc"), [K_FROM] = T_KEY("from"),
	[K_RTATTRS] = T_KEY("rtattrs"),
};
#undef T_KEY

static enum t_key t_which(const struct tparse *t)
{
	int k;

	for (k = 0; k < K_UNKNOWN; k++)
		if (t->len == t_keys[k].len && memcmp(t->raw, t_keys[k].name, t->len) == 0)
			return (enum t_key)k;
	return K_UNKNOWN;
}

/* One keyword and its value. */
static int t_field(struct tparse *t, np_ifindex_fn index, void *cookie, struct np_route *r)
{
	switch (t_which(t)) {
	case K_TABLE:
		return t_num(t, "table", 1, UINT32_MAX, &r->table);
	case K_METRIC:
		return t_num(t, "metric", 0, UINT32_MAX, &r->metric);
	case K_PROTO:
		return t_u8(t, "proto", &r->protocol);
	case K_VIA:
		return t_addr(t, "via", r->family, r->gw, &r->has_gw);
	case K_DEV:
		return t_dev(t, index, cookie, r);
	case K_EXACT:
		return r->care |= NP_C_EXTRA, 0;
	case K_TYPE:
		return t_u8(t, "type", &r->type);
	case K_SCOPE:
		return t_u8(t, "scope", &r->scope);
	case K_TOS:
		return t_u8(t, "tos", &r->tos);
	case K_ONLINK:
		return r->flags = NP_RT_FLAGS_KEPT, 0;
	case K_PREFSRC:
		return t_addr(t, "prefsrc", r->family, r->prefsrc, &r->has_prefsrc);
	case K_FROM:
		return t_from(t, r);
	case K_RTATTRS:
		return t_rtattrs(t, r);
	case K_UNKNOWN:
		break;
	}
	snprintf(t->msg, t->n, "route payload: unknown field \"%s\"", t->tok);
	return CUT_EINPUT;
}

int np_route_parse(const char *s, np_ifindex_fn index, void *cookie, struct np_route *r,
		   char *msg, size_t n)
{
	struct tparse t = { .p = s, .msg = msg, .n = n };
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (strlen(s) > NP_ROUTE_TEXT_MAX)
		return snprintf(msg, n, "route payload is too long"), CUT_EINPUT;
	if (!t_next(&t) || t.len >= sizeof(t.tok) ||
	    np_prefix_parse(t.tok, false, &r->family, r->dst, &r->dst_len) < 0)
		return snprintf(msg, n, "route payload does not start with a destination"),
		       CUT_EINPUT;
	r->table = RT_TABLE_MAIN;
	r->type = RTN_UNICAST;
	r->protocol = RTPROT_STATIC;
	r->care = 0;
	while (ret == 0 && t_next(&t))
		ret = t_field(&t, index, cookie, r);
	if (ret == 0 && r->extra_len && !(r->care & NP_C_EXTRA))
		ret = (snprintf(msg, n, "route payload: \"rtattrs\" without \"exact\""), CUT_EINPUT);
	/* exact: every field; else without a device the kernel picked it (IPv6
	 * reject routes: lo) */
	r->care = (r->care & NP_C_EXTRA) ? NP_C_ALL
		: (NP_C_ALL & ~NP_C_EXTRA & ~NP_C_DEV) | (r->care & NP_C_DEV);
	if (ret < 0)
		np_route_free(r);
	else if (r->extra_len) /* journals written before it was done on reading */
		np_route_tidy(r);
	return ret;
}

int np_route_from_json(const json_t *v, np_ifindex_fn index, void *cookie, struct np_route *r,
		       char *msg, size_t n)
{
	struct jget g = { v, msg, n, 0 };
	const json_t *hex;
	long long fam;

	memset(r, 0, sizeof(*r));
	if (json_is_string(v))
		return np_route_parse(json_string_value(v), index, cookie, r, msg, n);
	/* journals written before the payload text: one object per route */
	if (!json_is_object(v))
		return snprintf(msg, n, "route payload is neither a text nor an object"), CUT_EINPUT;
	fam = jint(&g, "family", 4, 6, 0);
	if (fam != 4 && fam != 6)
		return snprintf(msg, n, "route payload has no family 4 or 6"), CUT_EINPUT;
	r->family = fam == 4 ? AF_INET : AF_INET6;
	if (!jprefix(&g, "dst", r->family, r->dst, &r->dst_len) && !g.bad)
		return snprintf(msg, n, "route payload has no \"dst\""), CUT_EINPUT;
	jprefix(&g, "src", r->family, r->src, &r->src_len);
	r->tos = (uint8_t)jint(&g, "tos", 0, 255, 0);
	r->table = (uint32_t)jint(&g, "table", 1, UINT32_MAX, RT_TABLE_MAIN);
	r->metric = (uint32_t)jint(&g, "metric", 0, UINT32_MAX, 0);
	r->type = (uint8_t)jint(&g, "type", 0, 255, RTN_UNICAST);
	r->protocol = (uint8_t)jint(&g, "protocol", 0, 255, RTPROT_STATIC);
	r->scope = (uint8_t)jint(&g, "scope", 0, 255, 0);
	r->flags = json_is_true(json_object_get(v, "onlink")) ? NP_RT_FLAGS_KEPT : 0;
	r->has_gw = jip(&g, "via", r->family, r->gw);
	r->has_prefsrc = jip(&g, "prefsrc", r->family, r->prefsrc);
	r->oif = jdev(&g, index, cookie);
	r->care = NP_C_ALL & ~NP_C_EXTRA;
	if (!json_object_get(v, "dev"))
		r->care &= ~NP_C_DEV; /* the kernel picked it (IPv6 reject routes: lo) */
	if (json_is_true(json_object_get(v, "exact"))) {
		r->care = NP_C_ALL;
		hex = json_object_get(v, "rtattrs");
		if (hex && (!json_is_string(hex) ||
			    unhex(json_string_value(hex), strlen(json_string_value(hex)), &r->extra,
				  &r->extra_len) < 0) && !g.bad++)
			snprintf(msg, n, "payload field \"rtattrs\" is not hex");
		if (!g.bad && r->extra_len)
			np_route_tidy(r);
	}
	if (g.bad) {
		np_route_free(r);
		return CUT_EINPUT;
	}
	return 0;
}

int np_addr_from_json(const json_t *v, np_ifindex_fn index, void *cookie, struct np_addr *a,
		      char *msg, size_t n)
{
	struct jget g = { v, msg, n, 0 };
	const json_t *label;
	long long fam;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(v))
		return snprintf(msg, n, "address payload is not an object"), CUT_EINPUT;
	fam = jint(&g, "family", 4, 6, 0);
	if (fam != 4 && fam != 6)
		return snprintf(msg, n, "address payload has no family 4 or 6"), CUT_EINPUT;
	a->family = fam == 4 ? AF_INET : AF_INET6;
	if (!jprefix(&g, "address", a->family, a->local, &a->prefixlen) && !g.bad)
		return snprintf(msg, n, "address payload has no \"address\""), CUT_EINPUT;
	if (!json_object_get(v, "dev") && !g.bad++)
		snprintf(msg, n, "address payload has no \"dev\"");
	a->ifindex = jdev(&g, index, cookie);
	a->scope = (uint8_t)jint(&g, "scope", 0, 255, 0);
	a->flags = (uint32_t)jint(&g, "flags", 0, UINT32_MAX, 0) & NP_IFA_FLAGS_KEPT;
	a->has_peer = jip(&g, "peer", a->family, a->peer);
	a->has_bcast = jip(&g, "broadcast", a->family, a->bcast);
	label = json_object_get(v, "label");
	if (json_is_string(label) && strlen(json_string_value(label)) < NP_IFNAMSIZ) {
		snprintf(a->label, sizeof(a->label), "%s", json_string_value(label));
		a->has_label = a->label[0] != 0;
	}
	if (json_object_get(v, "proto")) {
		a->proto = (uint8_t)jint(&g, "proto", 0, 255, 0);
		a->has_proto = true;
	}
	a->secondary = a->family == AF_INET && json_is_true(json_object_get(v, "secondary"));
	a->care = json_is_true(json_object_get(v, "exact")) ? NP_C_ALL : NP_C_FLAGS;
	return g.bad ? CUT_EINPUT : 0;
}
