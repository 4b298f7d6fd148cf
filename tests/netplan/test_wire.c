/* The netlink wire format: requests built and read back, the kernel's
 * answers (ACK, error with extended-ACK text), and damaged buffers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "np.h"
#include "util.h"

struct rcase {
	const char *name;
	const char *dst, *via, *prefsrc;
	uint32_t table, metric, oif;
	uint8_t type, protocol, scope;
	const char *text; /* np_route_str */
};

static const struct rcase rcases[] = {
	{ "ipv4 gateway, main", "10.20.0.0/16", "192.0.2.1", NULL, 254, 0, 3, RTN_UNICAST, 4, 0,
	  "10.20.0.0/16 via 192.0.2.1 dev if3 table main proto static metric 0" },
	{ "ipv4 big table", "10.30.0.0/24", "192.0.2.1", "192.0.2.9", 100000, 7, 2, RTN_UNICAST, 3, 0,
	  "10.30.0.0/24 via 192.0.2.1 dev if2 table 100000 proto boot src 192.0.2.9 metric 7" },
	{ "ipv6 gateway", "2001:db8:100::/48", "2001:db8::fe", NULL, 200, 1024, 4, RTN_UNICAST, 4, 0,
	  "2001:db8:100::/48 via 2001:db8::fe dev if4 table 200 proto static metric 1024" },
	{ "blackhole", "10.40.0.0/16", NULL, NULL, 254, 0, 0, RTN_BLACKHOLE, 4, 0,
	  "blackhole 10.40.0.0/16 table main proto static metric 0" },
	{ "link scope", "10.50.0.0/16", NULL, NULL, 254, 9, 5, RTN_UNICAST, 2, 253,
	  "10.50.0.0/16 dev if5 table main proto kernel scope link metric 9" },
	{ "default route", "0.0.0.0/0", "192.0.2.1", NULL, 254, 0, 1, RTN_UNICAST, 16, 0,
	  "0.0.0.0/0 via 192.0.2.1 dev if1 table main proto dhcp metric 0" },
};

static void make_route(const struct rcase *c, struct np_route *r)
{
	uint8_t fam;

	memset(r, 0, sizeof(*r));
	assert_int_equal(np_prefix_parse(c->dst, true, &r->family, r->dst, &r->dst_len), 0);
	if (c->via) {
		assert_int_equal(np_ip_parse(c->via, &fam, r->gw), 0);
		r->has_gw = true;
	}
	if (c->prefsrc) {
		assert_int_equal(np_ip_parse(c->prefsrc, &fam, r->prefsrc), 0);
		r->has_prefsrc = true;
	}
	r->table = c->table;
	r->metric = c->metric;
	r->oif = c->oif;
	r->type = c->type;
	r->protocol = c->protocol;
	r->scope = c->scope;
	r->care = NP_C_ALL;
}

/* Built as a request, read back as if the kernel had sent it. */
static void test_route_roundtrip(void **state)
{
	unsigned char buf[1024] __attribute__((aligned(4)));
	struct np_route r, back;
	char text[NP_ROUTESTR];
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rcases); i++) {
		print_message("case: %s\n", rcases[i].name);
		make_route(&rcases[i], &r);
		len = np_wire_route_req(buf, sizeof(buf), NP_REQ_REPLACE, 77, &r);
		assert_true(len > 0);
		assert_int_equal(((struct nlmsghdr *)buf)->nlmsg_seq, 77);
		assert_int_equal(np_wire_route((struct nlmsghdr *)buf, &back), 0);
		assert_int_equal(np_route_key_cmp(&r, &back), 0);
		assert_true(np_route_match(&r, &back));
		np_route_str(&back, NULL, NULL, text, sizeof(text));
		print_message("  %s\n", text);
		assert_string_equal(text, rcases[i].text);
		assert_int_equal(np_wire_route_req(buf, 40, NP_REQ_ADD, 1, &r), 0); /* too small */
		np_route_free(&back);
	}
}

/* The payload a journal keeps gives the same route back. */
static void test_route_payload(void **state)
{
	struct np_route r, back;
	char msg[128];
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rcases); i++) {
		print_message("case: %s\n", rcases[i].name);
		make_route(&rcases[i], &r);
		r.extra = xmalloc(8);
		memcpy(r.extra, "\x08\x00\x14\x00\x01\x00\x00\x00", 8); /* RTA_PREF */
		r.extra_len = 8;
		j = np_route_json(&r, NULL, NULL);
		assert_int_equal(np_route_from_json(j, NULL, NULL, &back, msg, sizeof(msg)), 0);
		back.oif = r.oif; /* no device table here: names are not resolved */
		assert_int_equal(np_route_key_cmp(&r, &back), 0);
		assert_true(np_route_match(&r, &back));
		assert_int_equal(back.extra_len, 8);
		json_decref(j);
		np_route_free(&r);
		np_route_free(&back);
	}
}

/* The payload text: what a journal holds for a route, and what a rollback
 * accepts (texts, and objects of journals written before the texts). */
struct pcase {
	const char *name;
	const char *payload; /* JSON */
	int ok;              /* 0 accepted, else CUT_EINPUT */
	const char *text;    /* np_route_str of what was read (care decides what shows) */
	uint32_t care;
};

static const struct pcase pcases[] = {
	{ "text, exact prior state", "\"10.0.8.0/24 table 254 metric 0 proto 3 via 192.0.2.254 "
	  "dev v0a exact\"", 0, "10.0.8.0/24 via 192.0.2.254 dev if4294967295 table main proto "
	  "boot metric 0", NP_C_ALL },
	{ "text, route written, no device", "\"2001:db8:ffff::/48 table 200 metric 1024 type 7 "
	  "proto 4\"", 0, "unreachable 2001:db8:ffff::/48 table 200 proto static metric 1024",
	  NP_C_ALL & ~NP_C_EXTRA & ~NP_C_DEV },
	{ "text, every field", "\"10.9.0.0/16 from 10.8.0.0/16 tos 4 table 100000 metric 7 proto "
	  "186 scope 253 onlink via 192.0.2.1 prefsrc 192.0.2.9 exact rtattrs 0800140001000000\"",
	  0, "10.9.0.0/16 from 10.8.0.0/16 via 192.0.2.1 table 100000 proto bgp scope link src "
	  "192.0.2.9 metric 7 onlink", NP_C_ALL },
	{ "object of an older journal", "{\"family\":4,\"dst\":\"10.0.8.0/24\",\"table\":254,"
	  "\"metric\":0,\"protocol\":3,\"via\":\"192.0.2.254\",\"exact\":true}", 0,
	  "10.0.8.0/24 via 192.0.2.254 table main proto boot metric 0", NP_C_ALL },
	{ "unknown field", "\"10.0.8.0/24 table 254 color blue\"", CUT_EINPUT, NULL, 0 },
	{ "field without value", "\"10.0.8.0/24 table\"", CUT_EINPUT, NULL, 0 },
	{ "gateway of the other family", "\"10.0.8.0/24 via 2001:db8::1\"", CUT_EINPUT, NULL, 0 },
	{ "table 0", "\"10.0.8.0/24 table 0\"", CUT_EINPUT, NULL, 0 },
	{ "protocol 256", "\"10.0.8.0/24 proto 256\"", CUT_EINPUT, NULL, 0 },
	{ "no destination", "\"table 254\"", CUT_EINPUT, NULL, 0 },
	{ "odd hex", "\"10.0.8.0/24 exact rtattrs 080\"", CUT_EINPUT, NULL, 0 },
	{ "rtattrs without exact", "\"10.0.8.0/24 rtattrs 08001400\"", CUT_EINPUT, NULL, 0 },
	{ "device name too long", "\"10.0.8.0/24 dev abcdefghijklmnopq\"", CUT_EINPUT, NULL, 0 },
	{ "a number", "42", CUT_EINPUT, NULL, 0 },
};

static void test_payload_text(void **state)
{
	char msg[128], text[NP_ROUTESTR];
	struct np_route r;
	json_t *j, *again;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(pcases); i++) {
		print_message("case: %s\n", pcases[i].name);
		j = json_loads(pcases[i].payload, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		assert_int_equal(np_route_from_json(j, NULL, NULL, &r, msg, sizeof(msg)), pcases[i].ok);
		if (pcases[i].ok == 0) {
			np_route_str(&r, NULL, NULL, text, sizeof(text));
			assert_string_equal(text, pcases[i].text);
			assert_int_equal(r.care, pcases[i].care);
			again = np_route_json(&r, NULL, NULL); /* unnamed devices: if%u */
			assert_true(json_is_string(again));
			json_decref(again);
			np_route_free(&r);
		} else {
			print_message("  %s\n", msg);
			assert_true(msg[0] != 0);
		}
		json_decref(j);
	}
}

/* ---- what the kernel reports but refuses back ---- */

/* A message being put together by hand, as the kernel would send it. */
struct msg {
	unsigned char buf[1024] __attribute__((aligned(4)));
	size_t len;
};

static void *m_put(struct msg *m, const void *data, size_t n)
{
	void *at = m->buf + m->len;

	memcpy(at, data, n);
	m->len += NLMSG_ALIGN(n);
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	return at;
}

static struct rtattr *m_attr(struct msg *m, unsigned short type, const void *data, size_t n)
{
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type };
	struct rtattr *at = m_put(m, &rta, sizeof(rta));

	if (n)
		m_put(m, data, n);
	return at;
}

static void m_route(struct msg *m, uint8_t family, const char *dst, uint8_t len)
{
	struct nlmsghdr h = { .nlmsg_type = RTM_NEWROUTE };
	struct rtmsg rtm = { .rtm_family = family, .rtm_dst_len = len, .rtm_table = 254,
			     .rtm_protocol = 3, .rtm_type = RTN_UNICAST };
	uint8_t a[16], f;
	uint32_t table = 254;

	memset(m, 0, sizeof(*m));
	m_put(m, &h, sizeof(h));
	m_put(m, &rtm, sizeof(rtm));
	m_attr(m, RTA_TABLE, &table, 4);
	assert_int_equal(np_ip_parse(dst, &f, a), 0);
	m_attr(m, RTA_DST, a, family == AF_INET ? 4 : 16);
}

/* RTA_MULTIPATH of next hops via gw[i] on ifindex 2 + i with flags[i]. */
static void m_multipath(struct msg *m, const char *const *gw, const uint8_t *flags, size_t n)
{
	struct rtattr *mp = m_attr(m, RTA_MULTIPATH, NULL, 0);
	size_t i;

	for (i = 0; i < n; i++) {
		struct rtnexthop nh = { .rtnh_len = sizeof(nh) + RTA_LENGTH(4),
					.rtnh_flags = flags[i], .rtnh_ifindex = (int)(2 + i) };
		uint8_t a[16], f;
		assert_int_equal(np_ip_parse(gw[i], &f, a), 0);
		m_put(m, &nh, sizeof(nh));
		m_attr(m, RTA_GATEWAY, a, 4);
	}
	mp->rta_len = (unsigned short)(m->buf + m->len - (unsigned char *)mp);
}

/* The attribute of a type in a request (NULL: none). */
static const struct rtattr *req_attr(const unsigned char *buf, size_t len, unsigned short type)
{
	size_t off = NLMSG_LENGTH(sizeof(struct rtmsg));

	while (off + sizeof(struct rtattr) <= len) {
		const struct rtattr *rta = (const struct rtattr *)(buf + off);
		if (rta->rta_type == type)
			return rta;
		off += RTA_ALIGN(rta->rta_len);
	}
	return NULL;
}

/* The rtnh_flags of each next hop of an RTA_MULTIPATH, into flags. */
static size_t mp_flags(const struct rtattr *mp, uint8_t *flags)
{
	const unsigned char *p = RTA_DATA(mp);
	size_t off = 0, n = 0, len = RTA_PAYLOAD(mp);

	while (off + sizeof(struct rtnexthop) <= len) {
		const struct rtnexthop *nh = (const struct rtnexthop *)(p + off);
		flags[n++] = nh->rtnh_flags;
		off += RTNH_ALIGN(nh->rtnh_len);
	}
	return n;
}

/* An ECMP route with one member's link down (RTNH_F_DEAD|RTNH_F_LINKDOWN,
 * which IPv4 refuses in a request) and one onlink: read, journaled, read
 * back and sent with only the flags a request may set, and compared equal
 * to the same route whatever the kernel's own flags. */
static void test_ecmp_flags(void **state)
{
	static const char *const gw[] = { "192.0.2.254", "198.51.100.254" };
	static const uint8_t kflags[] = { RTNH_F_ONLINK | RTNH_F_OFFLOAD,
					  RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_TRAP };
	static const uint8_t asked[] = { RTNH_F_ONLINK, 0 }; /* the flags a request set */
	unsigned char req[1024] __attribute__((aligned(4)));
	char text[NP_ROUTE_TEXT_MAX + 1], msg[128];
	struct np_route r, up, back;
	struct msg m;
	uint8_t flags[4];
	size_t len;
	const struct rtattr *mp;

	(void)state;
	m_route(&m, AF_INET, "10.50.0.0", 16);
	m_multipath(&m, gw, kflags, 2);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	m_route(&m, AF_INET, "10.50.0.0", 16);
	m_multipath(&m, gw, asked, 2);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &up), 0);
	print_message("case: the kernel's next hop flags do not count\n");
	assert_true(np_route_match(&r, &up));
	assert_true(np_route_match(&up, &r));
	assert_false(r.via_nh);
	print_message("case: a request carries only the flags it may set\n");
	len = np_wire_route_req(req, sizeof(req), NP_REQ_REPLACE, 9, &r);
	assert_true(len > 0);
	assert_non_null(mp = req_attr(req, len, RTA_MULTIPATH));
	assert_int_equal(mp_flags(mp, flags), 2);
	assert_int_equal(flags[0], RTNH_F_ONLINK);
	assert_int_equal(flags[1], 0);
	print_message("case: a journal written before (flags in its rtattrs) reads the same\n");
	np_route_free(&r);
	m_route(&m, AF_INET, "10.50.0.0", 16);
	m_multipath(&m, gw, kflags, 2);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	/* a text with the kernel's flags, as journals before this fix hold it */
	memcpy(r.extra, req_attr(m.buf, m.len, RTA_MULTIPATH), r.extra_len);
	assert_true(np_route_text(&r, NULL, NULL, text, sizeof(text)) > 0);
	assert_int_equal(np_route_parse(text, NULL, NULL, &back, msg, sizeof(msg)), 0);
	back.oif = r.oif;
	assert_true(np_route_match(&back, &up));
	len = np_wire_route_req(req, sizeof(req), NP_REQ_ADD, 10, &back);
	assert_non_null(mp = req_attr(req, len, RTA_MULTIPATH));
	assert_int_equal(mp_flags(mp, flags), 2);
	assert_int_equal(flags[1], 0);
	np_route_free(&r);
	np_route_free(&up);
	np_route_free(&back);
}

/* A route using a nexthop object, as the kernel reports it with
 * nexthop_compat_mode=1: RTA_NH_ID, and the object's gateway, device (or
 * RTA_MULTIPATH for a group) beside it. A request sends the id alone. */
static void test_nexthop_id(void **state)
{
	static const char *const gw[] = { "192.0.2.254", "198.51.100.254" };
	static const uint8_t none[] = { 0, 0 };
	unsigned char req[1024] __attribute__((aligned(4)));
	char text[NP_ROUTE_TEXT_MAX + 1], msg[128], str[NP_ROUTESTR];
	struct np_route r, back, other;
	struct msg m;
	uint32_t id = 7, oif = 3;
	uint8_t a[16], f, v6[16];
	size_t len;
	enum np_req ops[] = { NP_REQ_ADD, NP_REQ_REPLACE, NP_REQ_DEL };
	size_t i;

	(void)state;
	m_route(&m, AF_INET, "10.60.0.0", 16);
	assert_int_equal(np_ip_parse("192.0.2.254", &f, a), 0);
	m_attr(&m, RTA_GATEWAY, a, 4);
	m_attr(&m, RTA_OIF, &oif, 4);
	m_multipath(&m, gw, none, 2); /* a group would come so: dropped alike */
	m_attr(&m, RTA_NH_ID, &id, 4);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	print_message("case: read: uses the object, keeps its gateway for `from`\n");
	assert_true(r.via_nh);
	assert_int_equal(np_route_nh_id(&r), 7);
	assert_true(r.has_gw);
	assert_int_equal(r.oif, 3);
	assert_int_equal(r.extra_len, RTA_LENGTH(4)); /* RTA_NH_ID alone */
	np_route_str(&r, NULL, NULL, str, sizeof(str));
	assert_non_null(strstr(str, " nhid 7 "));
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		print_message("case: %s request: the id without gateway, device, multipath\n",
			      ops[i] == NP_REQ_DEL ? "delete" : "add/replace");
		len = np_wire_route_req(req, sizeof(req), ops[i], 11, &r);
		assert_true(len > 0);
		assert_non_null(req_attr(req, len, RTA_NH_ID));
		assert_null(req_attr(req, len, RTA_GATEWAY));
		assert_null(req_attr(req, len, RTA_OIF));
		assert_null(req_attr(req, len, RTA_MULTIPATH));
	}
	print_message("case: the journal's text gives it back\n");
	assert_true(np_route_text(&r, NULL, NULL, text, sizeof(text)) > 0);
	assert_int_equal(np_route_parse(text, NULL, NULL, &back, msg, sizeof(msg)), 0);
	assert_true(back.via_nh);
	print_message("case: the same id is the same route, whatever the object's gateway now\n");
	np_route_copy(&other, &r);
	other.gw[3] = 1;
	other.oif = 4;
	assert_true(np_route_match(&r, &other));
	id = 8;
	memcpy(other.extra + RTA_LENGTH(0), &id, 4);
	assert_false(np_route_match(&r, &other));
	np_route_free(&other);
	np_route_free(&back);
	np_route_free(&r);
	print_message("case: an IPv6 delete names the id\n");
	m_route(&m, AF_INET6, "2001:db8:60::", 48);
	assert_int_equal(np_ip_parse("2001:db8:a::fe", &f, v6), 0);
	m_attr(&m, RTA_GATEWAY, v6, 16);
	m_attr(&m, RTA_OIF, &oif, 4);
	m_attr(&m, RTA_NH_ID, &id, 4);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	len = np_wire_route_req(req, sizeof(req), NP_REQ_DEL, 12, &r);
	assert_non_null(req_attr(req, len, RTA_NH_ID));
	assert_null(req_attr(req, len, RTA_GATEWAY));
	assert_null(req_attr(req, len, RTA_OIF));
	np_route_free(&r);
}

/* The device every next hop of a route goes through (the routes the kernel
 * deletes when that device loses its last IPv4 address). */
static void test_one_dev(void **state)
{
	static const char *const gw[] = { "192.0.2.254", "192.0.2.253" };
	static const uint8_t none[] = { 0, 0 };
	struct np_route r;
	struct msg m;
	uint32_t oif = 5, id = 7;
	uint8_t a[16], f;

	(void)state;
	print_message("case: a device of its own\n");
	m_route(&m, AF_INET, "10.73.0.0", 16);
	m_attr(&m, RTA_OIF, &oif, 4);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_one_dev(&r), 5);
	np_route_free(&r);
	print_message("case: ECMP through two devices, then through one\n");
	m_route(&m, AF_INET, "10.75.0.0", 16);
	m_multipath(&m, gw, none, 2); /* ifindex 2 and 3 */
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_one_dev(&r), 0);
	np_route_free(&r);
	m_route(&m, AF_INET, "10.76.0.0", 16);
	m_multipath(&m, gw, none, 1);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_one_dev(&r), 2);
	np_route_free(&r);
	print_message("case: a nexthop object, a blackhole: none\n");
	m_route(&m, AF_INET, "10.78.0.0", 16);
	assert_int_equal(np_ip_parse("192.0.2.254", &f, a), 0);
	m_attr(&m, RTA_GATEWAY, a, 4);
	m_attr(&m, RTA_OIF, &oif, 4);
	m_attr(&m, RTA_NH_ID, &id, 4);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_one_dev(&r), 0);
	np_route_free(&r);
	m_route(&m, AF_INET, "10.77.0.0", 16);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_one_dev(&r), 0);
	np_route_free(&r);
}

/* Every device a route's next hops go through (a rollback names one that is
 * down: the kernel refuses the route until it is up). */
static void test_route_devs(void **state)
{
	static const char *const gw[] = { "192.0.2.254", "192.0.2.253" };
	static const uint8_t none[] = { 0, 0 };
	struct np_route r;
	struct msg m;
	uint32_t oif = 5, id = 7, devs[4];
	uint8_t a[16], f;

	(void)state;
	print_message("case: a device of its own\n");
	m_route(&m, AF_INET, "10.73.0.0", 16);
	m_attr(&m, RTA_OIF, &oif, 4);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_devs(&r, devs, 4), 1);
	assert_int_equal(devs[0], 5);
	np_route_free(&r);
	print_message("case: ECMP through two devices, each named; at most max\n");
	m_route(&m, AF_INET, "10.75.0.0", 16);
	m_multipath(&m, gw, none, 2); /* ifindex 2 and 3 */
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_devs(&r, devs, 4), 2);
	assert_int_equal(devs[0], 2);
	assert_int_equal(devs[1], 3);
	assert_int_equal(np_route_devs(&r, devs, 1), 1);
	np_route_free(&r);
	print_message("case: a nexthop object, a blackhole: none\n");
	m_route(&m, AF_INET, "10.78.0.0", 16);
	assert_int_equal(np_ip_parse("192.0.2.254", &f, a), 0);
	m_attr(&m, RTA_GATEWAY, a, 4);
	m_attr(&m, RTA_OIF, &oif, 4);
	m_attr(&m, RTA_NH_ID, &id, 4);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_devs(&r, devs, 4), 0);
	np_route_free(&r);
	m_route(&m, AF_INET, "10.77.0.0", 16);
	assert_int_equal(np_wire_route((struct nlmsghdr *)m.buf, &r), 0);
	assert_int_equal(np_route_devs(&r, devs, 4), 0);
	np_route_free(&r);
}

/* ---- a device's promote_secondaries, an address's secondary flag ---- */

/* RTM_NEWLINK of v2a (ifindex 7): with nconf > 0, IFLA_AF_SPEC → family
 * (| flag) → IFLA_INET_CONF of nconf u32s, promote_secondaries (when among
 * them) promote. Returns the family's nest, or NULL. */
static struct rtattr *m_link(struct msg *m, uint8_t family, unsigned short flag, size_t nconf,
			     uint32_t promote)
{
	struct nlmsghdr h = { .nlmsg_type = RTM_NEWLINK };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 7 };
	uint32_t conf[64] = { 1 }; /* forwarding on: not what is read */
	struct rtattr *spec, *af;

	memset(m, 0, sizeof(*m));
	m_put(m, &h, sizeof(h));
	m_put(m, &ifi, sizeof(ifi));
	m_attr(m, IFLA_IFNAME, "v2a", 4);
	if (nconf == 0)
		return NULL;
	assert_true(nconf <= ARRAY_SIZE(conf));
	if (nconf >= IPV4_DEVCONF_PROMOTE_SECONDARIES)
		conf[IPV4_DEVCONF_PROMOTE_SECONDARIES - 1] = promote;
	spec = m_attr(m, IFLA_AF_SPEC, NULL, 0);
	af = m_attr(m, (unsigned short)(family | flag), NULL, 0);
	m_attr(m, IFLA_INET_CONF, conf, 4 * nconf);
	af->rta_len = (unsigned short)(m->buf + m->len - (unsigned char *)af);
	spec->rta_len = (unsigned short)(m->buf + m->len - (unsigned char *)spec);
	return af;
}

struct lcase {
	const char *name;
	uint8_t family;
	unsigned short flag;
	size_t nconf;
	uint32_t promote;
	int ok;          /* np_wire_link's answer */
	bool promotes;
};

static const struct lcase lcases[] = {
	{ "promote_secondaries 1", AF_INET, 0, IPV4_DEVCONF_MAX, 1, 0, true },
	{ "promote_secondaries 0", AF_INET, 0, IPV4_DEVCONF_MAX, 0, 0, false },
	{ "any value but 0 promotes", AF_INET, 0, IPV4_DEVCONF_MAX, 2, 0, true },
	{ "the family's nest marked nested", AF_INET, NLA_F_NESTED, IPV4_DEVCONF_MAX, 1, 0, true },
	{ "the array just long enough", AF_INET, 0, IPV4_DEVCONF_PROMOTE_SECONDARIES, 1, 0, true },
	{ "no IFLA_AF_SPEC (no IPv4 settings)", AF_INET, 0, 0, 1, 0, false },
	{ "IPv6 settings only", AF_INET6, 0, IPV4_DEVCONF_MAX, 1, 0, false },
	{ "the array ends before promote_secondaries", AF_INET, 0,
	  IPV4_DEVCONF_PROMOTE_SECONDARIES - 1, 1, -EBADMSG, false },
};

static void test_link_promote(void **state)
{
	struct np_link l;
	struct rtattr *af;
	struct msg m;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lcases); i++) {
		const struct lcase *c = &lcases[i];
		print_message("case: %s\n", c->name);
		m_link(&m, c->family, c->flag, c->nconf, c->promote);
		assert_int_equal(np_wire_link((struct nlmsghdr *)m.buf, &l), c->ok);
		if (c->ok < 0)
			continue;
		assert_int_equal(l.ifindex, 7);
		assert_string_equal(l.name, "v2a");
		assert_int_equal(l.promote_secondaries, c->promotes);
		assert_false(l.up);
	}
	print_message("case: a device that is up (IFF_UP)\n");
	m_link(&m, AF_INET, 0, 0, 0);
	((struct ifinfomsg *)NLMSG_DATA((struct nlmsghdr *)m.buf))->ifi_flags = IFF_UP;
	assert_int_equal(np_wire_link((struct nlmsghdr *)m.buf, &l), 0);
	assert_true(l.up);
	print_message("case: a nested attribute longer than its nest\n");
	af = m_link(&m, AF_INET, 0, IPV4_DEVCONF_MAX, 1);
	af->rta_len = (unsigned short)(af->rta_len + 8);
	assert_int_equal(np_wire_link((struct nlmsghdr *)m.buf, &l), -EBADMSG);
	print_message("case: an attribute inside the family's nest shorter than its header\n");
	af = m_link(&m, AF_INET, 0, IPV4_DEVCONF_MAX, 1);
	((struct rtattr *)RTA_DATA(af))->rta_len = 2;
	assert_int_equal(np_wire_link((struct nlmsghdr *)m.buf, &l), -EBADMSG);
}

/* RTM_NEWADDR of ip/len on ifindex 7 with flags (IFA_FLAGS, the low 8 bits in
 * ifa_flags too, as the kernel sends them). */
static void m_addr(struct msg *m, uint8_t family, const char *ip, uint8_t len, uint32_t flags)
{
	struct nlmsghdr h = { .nlmsg_type = RTM_NEWADDR };
	struct ifaddrmsg ifa = { .ifa_family = family, .ifa_prefixlen = len,
				 .ifa_flags = (uint8_t)(flags & 0xff), .ifa_index = 7 };
	uint8_t a[16], f;

	memset(m, 0, sizeof(*m));
	m_put(m, &h, sizeof(h));
	m_put(m, &ifa, sizeof(ifa));
	assert_int_equal(np_ip_parse(ip, &f, a), 0);
	m_attr(m, IFA_LOCAL, a, family == AF_INET ? 4 : 16);
	m_attr(m, IFA_ADDRESS, a, family == AF_INET ? 4 : 16);
	m_attr(m, IFA_FLAGS, &flags, 4);
}

/* An IPv4 secondary is read as one (IFA_F_SECONDARY), never sent, and its
 * journal payload says so; IPv6 uses the same bit for temporary addresses. */
static void test_addr_secondary(void **state)
{
	unsigned char req[256] __attribute__((aligned(4)));
	struct np_addr a, back;
	char msg[128];
	struct msg m;
	json_t *j;
	size_t len;

	(void)state;
	print_message("case: an IPv4 secondary\n");
	m_addr(&m, AF_INET, "10.9.0.2", 24, IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE);
	assert_int_equal(np_wire_addr((struct nlmsghdr *)m.buf, &a), 0);
	assert_true(a.secondary);
	assert_int_equal(a.flags, IFA_F_NOPREFIXROUTE);
	print_message("case: its payload keeps it\n");
	j = np_addr_json(&a, NULL, NULL);
	assert_true(json_is_true(json_object_get(j, "secondary")));
	assert_int_equal(np_addr_from_json(j, NULL, NULL, &back, msg, sizeof(msg)), 0);
	assert_true(back.secondary);
	json_decref(j);
	print_message("case: a request does not carry it\n");
	len = np_wire_addr_req(req, sizeof(req), NP_REQ_ADD, 3, &back);
	assert_true(len > 0);
	assert_int_equal(((struct ifaddrmsg *)NLMSG_DATA((struct nlmsghdr *)req))->ifa_flags &
			 IFA_F_SECONDARY, 0);
	print_message("case: an IPv4 primary\n");
	m_addr(&m, AF_INET, "10.9.0.1", 24, 0);
	assert_int_equal(np_wire_addr((struct nlmsghdr *)m.buf, &a), 0);
	assert_false(a.secondary);
	j = np_addr_json(&a, NULL, NULL);
	assert_null(json_object_get(j, "secondary"));
	json_decref(j);
	print_message("case: an IPv6 temporary address is no secondary\n");
	m_addr(&m, AF_INET6, "2001:db8::5", 64, IFA_F_TEMPORARY);
	assert_int_equal(np_wire_addr((struct nlmsghdr *)m.buf, &a), 0);
	assert_false(a.secondary);
}

struct acase {
	const char *name;
	int error;
	const char *extack;
	bool capped;
};

static const struct acase acases[] = {
	{ "ack", 0, NULL, true },
	{ "refused with text", -ENETUNREACH, "Nexthop has invalid gateway", true },
	{ "refused, request echoed", -EEXIST, "File exists here", false },
	{ "refused without text", -EINVAL, NULL, true },
};

static size_t make_ack(unsigned char *buf, const struct acase *c, uint32_t seq)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_LENGTH(sizeof(*e)), echo = c->capped ? 0 : 16;
	struct nlattr *na;

	memset(buf, 0, 512);
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_seq = seq;
	e->error = c->error;
	e->msg.nlmsg_len = (uint32_t)(sizeof(struct nlmsghdr) + echo);
	e->msg.nlmsg_seq = seq;
	off += echo;
	h->nlmsg_flags = c->capped ? NLM_F_CAPPED : 0;
	if (c->extack) {
		h->nlmsg_flags |= NLM_F_ACK_TLVS;
		na = (struct nlattr *)(buf + NLMSG_ALIGN(off));
		na->nla_type = 1; /* NLMSGERR_ATTR_MSG */
		na->nla_len = (uint16_t)(NLA_HDRLEN + strlen(c->extack) + 1);
		memcpy((char *)na + NLA_HDRLEN, c->extack, strlen(c->extack) + 1);
		off = NLMSG_ALIGN(off) + NLA_ALIGN(na->nla_len);
	}
	h->nlmsg_len = (uint32_t)off;
	return off;
}

static int count_msg(void *cookie, const struct nlmsghdr *h)
{
	(void)h;
	(*(int *)cookie)++;
	return 0;
}

static void test_acks(void **state)
{
	unsigned char buf[512] __attribute__((aligned(4)));
	char msg[128];
	size_t i, len;
	int e, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(acases); i++) {
		print_message("case: %s\n", acases[i].name);
		len = make_ack(buf, &acases[i], 1000 + (uint32_t)i);
		n = 0;
		assert_int_equal(np_wire_walk(buf, len, count_msg, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(np_wire_error((struct nlmsghdr *)buf, &e, msg, sizeof(msg)), 0);
		assert_int_equal(e, acases[i].error);
		assert_string_equal(msg, acases[i].extack ? acases[i].extack : "");
	}
}

struct bcase {
	const char *name;
	uint32_t len_field; /* nlmsg_len */
	size_t buf_len;
};

static const struct bcase bcases[] = {
	{ "length shorter than a header", 8, 64 },
	{ "length past the buffer", 200, 64 },
	{ "length zero", 0, 64 },
};

static void test_damaged(void **state)
{
	unsigned char buf[256] __attribute__((aligned(4)));
	struct np_route r;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct rtattr *rta;
	size_t i;
	int n = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bcases); i++) {
		print_message("case: %s\n", bcases[i].name);
		memset(buf, 0, sizeof(buf));
		h->nlmsg_len = bcases[i].len_field;
		assert_int_equal(np_wire_walk(buf, bcases[i].buf_len, count_msg, &n), -EBADMSG);
	}
	print_message("case: attribute longer than its message\n");
	memset(buf, 0, sizeof(buf));
	h->nlmsg_type = RTM_NEWROUTE;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)) + 8;
	((struct rtmsg *)NLMSG_DATA(h))->rtm_family = AF_INET;
	rta = (struct rtattr *)(buf + NLMSG_LENGTH(sizeof(struct rtmsg)));
	rta->rta_type = RTA_DST;
	rta->rta_len = 64;
	assert_int_equal(np_wire_route(h, &r), -EBADMSG);
	print_message("case: gateway of the wrong size\n");
	rta->rta_type = RTA_GATEWAY;
	rta->rta_len = 6;
	assert_int_equal(np_wire_route(h, &r), -EBADMSG);
	print_message("case: prefix longer than the family\n");
	rta->rta_len = 4;
	((struct rtmsg *)NLMSG_DATA(h))->rtm_dst_len = 33;
	assert_int_equal(np_wire_route(h, &r), -EBADMSG);
	print_message("case: a cached clone is skipped\n");
	((struct rtmsg *)NLMSG_DATA(h))->rtm_dst_len = 0;
	((struct rtmsg *)NLMSG_DATA(h))->rtm_flags = RTM_F_CLONED;
	assert_int_equal(np_wire_route(h, &r), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_roundtrip),
		cmocka_unit_test(test_route_payload),
		cmocka_unit_test(test_payload_text),
		cmocka_unit_test(test_ecmp_flags),
		cmocka_unit_test(test_nexthop_id),
		cmocka_unit_test(test_one_dev),
		cmocka_unit_test(test_route_devs),
		cmocka_unit_test(test_link_promote),
		cmocka_unit_test(test_addr_secondary),
		cmocka_unit_test(test_acks),
		cmocka_unit_test(test_damaged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
