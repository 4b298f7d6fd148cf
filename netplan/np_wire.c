/* netplan/np_wire.c — netlink messages parsed and built on plain buffers.
 *
 * No I/O here: the socket code (np_state.c) hands over what the kernel sent,
 * and the fuzzer hands over anything. Every length is checked before it is
 * used; nothing is trusted to be aligned or terminated.
 */
#include "np.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif
#ifndef NLMSGERR_ATTR_MSG
#define NLMSGERR_ATTR_MSG 1
#endif

int np_wire_walk(const void *buf, size_t len, np_msg_fn fn, void *cookie)
{
	const unsigned char *p = buf;
	size_t off = 0;
	int r;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;

		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return -EBADMSG;
		if (((uintptr_t)(p + off)) % NLMSG_ALIGNTO)
			return -EBADMSG;
		r = fn(cookie, (const struct nlmsghdr *)(p + off));
		if (r != 0)
			return r;
		off += NLMSG_ALIGN(h.nlmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

/* The attributes of a message after a fixed header of hdrlen bytes. */
struct attrs {
	const struct rtattr *at[RTA_MAX + 32];
	size_t max;
};

static int parse_attrs(const struct nlmsghdr *h, size_t hdrlen, struct attrs *a, size_t max)
{
	size_t off = NLMSG_LENGTH(hdrlen), end = h->nlmsg_len;
	const unsigned char *p = (const unsigned char *)h;

	memset(a, 0, sizeof(*a));
	a->max = max;
	if (end < off)
		return -EBADMSG;
	off = NLMSG_ALIGN(off);
	while (end > off && end - off >= sizeof(struct rtattr)) {
		const struct rtattr *rta = (const struct rtattr *)(p + off);
		if (rta->rta_len < sizeof(*rta) || rta->rta_len > end - off)
			return -EBADMSG;
		if (rta->rta_type <= max)
			a->at[rta->rta_type] = rta;
		off += RTA_ALIGN(rta->rta_len);
	}
	return 0;
}

static size_t alen(const struct rtattr *rta)
{
	return rta->rta_len - RTA_LENGTH(0);
}

static int get_u32(const struct rtattr *rta, uint32_t *v)
{
	if (alen(rta) < 4)
		return -EBADMSG;
	memcpy(v, RTA_DATA(rta), 4);
	return 0;
}

static int get_ip(const struct rtattr *rta, uint8_t family, uint8_t *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (alen(rta) != n)
		return -EBADMSG;
	memset(out, 0, 16);
	memcpy(out, RTA_DATA(rta), n);
	return 0;
}

/* Attributes carried through as they are: what else makes the route. */
static const unsigned short passthrough[] = {
	RTA_METRICS, RTA_MULTIPATH, RTA_FLOW, RTA_VIA, RTA_NEWDST, RTA_PREF, RTA_ENCAP_TYPE,
	RTA_ENCAP, RTA_NH_ID,
};

/* The next hop a route with RTA_NH_ID names by its id: the kernel reports
 * these beside the id (nexthop_compat_mode) and refuses them with it. */
static bool nexthop_spec(unsigned short type)
{
	return type == RTA_MULTIPATH || type == RTA_FLOW || type == RTA_VIA ||
	       type == RTA_ENCAP_TYPE || type == RTA_ENCAP;
}

/* The attribute at p[off] of a buffer of len bytes, or NULL at the end or
 * where it is damaged. */
static struct rtattr *extra_at(uint8_t *p, size_t len, size_t off)
{
	struct rtattr *rta;

	if (off >= len || len - off < sizeof(*rta))
		return NULL;
	rta = (struct rtattr *)(p + off);
	if (rta->rta_len < sizeof(*rta) || rta->rta_len > len - off)
		return NULL;
	return rta;
}

uint32_t np_route_nh_id(const struct np_route *r)
{
	size_t off = 0;
	const struct rtattr *rta;
	uint32_t id = 0;

	if (!r->via_nh)
		return 0;
	while ((rta = extra_at(r->extra, r->extra_len, off))) {
		if (rta->rta_type == RTA_NH_ID && get_u32(rta, &id) == 0)
			return id;
		off += RTA_ALIGN(rta->rta_len);
	}
	return 0;
}

size_t np_route_devs(const struct np_route *r, uint32_t *devs, size_t max)
{
	const struct rtattr *rta;
	size_t off = 0, n = 0;

	if (r->via_nh)
		return 0;
	if (r->oif && n < max)
		devs[n++] = r->oif;
	while ((rta = extra_at(r->extra, r->extra_len, off))) {
		const uint8_t *p = RTA_DATA(rta);
		size_t len = alen(rta), at = 0;
		off += RTA_ALIGN(rta->rta_len);
		if (rta->rta_type != RTA_MULTIPATH)
			continue;
		while (len - at >= sizeof(struct rtnexthop) && n < max) {
			struct rtnexthop nh;
			memcpy(&nh, p + at, sizeof(nh));
			if (nh.rtnh_len < sizeof(nh) || nh.rtnh_len > len - at)
				break;
			if (nh.rtnh_ifindex > 0)
				devs[n++] = (uint32_t)nh.rtnh_ifindex;
			at += RTNH_ALIGN(nh.rtnh_len);
		}
	}
	return n;
}

uint32_t np_route_one_dev(const struct np_route *r)
{
	const struct rtattr *rta;
	size_t off = 0;

	if (r->via_nh)
		return 0;
	if (r->oif)
		return r->oif;
	while ((rta = extra_at(r->extra, r->extra_len, off))) {
		const uint8_t *p = RTA_DATA(rta);
		size_t len = alen(rta), at = 0;
		uint32_t dev = 0;
		if (rta->rta_type != RTA_MULTIPATH) {
			off += RTA_ALIGN(rta->rta_len);
			continue;
		}
		while (len - at >= sizeof(struct rtnexthop)) {
			struct rtnexthop nh;
			memcpy(&nh, p + at, sizeof(nh));
			if (nh.rtnh_len < sizeof(nh) || nh.rtnh_len > len - at ||
			    nh.rtnh_ifindex <= 0 || (dev && (uint32_t)nh.rtnh_ifindex != dev))
				return 0;
			dev = (uint32_t)nh.rtnh_ifindex;
			at += RTNH_ALIGN(nh.rtnh_len);
		}
		return dev;
	}
	return 0;
}

/* Clears the kernel's own flags in each rtnexthop of an RTA_MULTIPATH. */
static void clear_rtnh_flags(struct rtattr *mp)
{
	uint8_t *p = RTA_DATA(mp);
	size_t len = alen(mp), off = 0;

	while (len - off >= sizeof(struct rtnexthop)) {
		struct rtnexthop *nh = (struct rtnexthop *)(p + off);
		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len - off)
			return;
		nh->rtnh_flags &= (unsigned char)~NP_RTNH_F_KERNEL;
		off += RTNH_ALIGN(nh->rtnh_len);
	}
}

void np_route_tidy(struct np_route *r)
{
	size_t off, out = 0, n;
	struct rtattr *rta;

	r->via_nh = false;
	for (off = 0; (rta = extra_at(r->extra, r->extra_len, off)); off += RTA_ALIGN(rta->rta_len))
		if (rta->rta_type == RTA_NH_ID)
			r->via_nh = true;
	for (off = 0; (rta = extra_at(r->extra, r->extra_len, off)); off += n) {
		n = RTA_ALIGN(rta->rta_len) < r->extra_len - off ? RTA_ALIGN(rta->rta_len)
								 : r->extra_len - off;
		if (r->via_nh && nexthop_spec(rta->rta_type))
			continue;
		if (rta->rta_type == RTA_MULTIPATH)
			clear_rtnh_flags(rta);
		memmove(r->extra + out, r->extra + off, n); /* out <= off: the rest is intact */
		out += n;
	}
	if (off < r->extra_len) { /* damaged from here: kept as it is */
		memmove(r->extra + out, r->extra + off, r->extra_len - off);
		out += r->extra_len - off;
	}
	r->extra_len = out;
	if (out == 0) {
		free(r->extra);
		r->extra = NULL;
	}
}

static int copy_extra(const struct attrs *a, struct np_route *r)
{
	size_t i, total = 0, off = 0;

	for (i = 0; i < ARRAY_SIZE(passthrough); i++)
		if (a->at[passthrough[i]])
			total += RTA_ALIGN(a->at[passthrough[i]]->rta_len);
	if (total == 0)
		return 0;
	if (total > NP_EXTRA_MAX)
		return -EBADMSG;
	r->extra = xcalloc(1, total);
	/* passthrough[] is sorted by type, so the copy is in canonical order */
	for (i = 0; i < ARRAY_SIZE(passthrough); i++) {
		const struct rtattr *rta = a->at[passthrough[i]];
		if (!rta)
			continue;
		memcpy(r->extra + off, rta, rta->rta_len);
		off += RTA_ALIGN(rta->rta_len);
	}
	r->extra_len = total;
	return 0;
}

static int route_addrs(const struct attrs *a, struct np_route *r)
{
	if (a->at[RTA_DST] && get_ip(a->at[RTA_DST], r->family, r->dst) < 0)
		return -EBADMSG;
	if (a->at[RTA_SRC] && get_ip(a->at[RTA_SRC], r->family, r->src) < 0)
		return -EBADMSG;
	if (a->at[RTA_GATEWAY]) {
		if (get_ip(a->at[RTA_GATEWAY], r->family, r->gw) < 0)
			return -EBADMSG;
		r->has_gw = true;
	}
	if (a->at[RTA_PREFSRC]) {
		if (get_ip(a->at[RTA_PREFSRC], r->family, r->prefsrc) < 0)
			return -EBADMSG;
		r->has_prefsrc = true;
	}
	return 0;
}

int np_wire_route(const struct nlmsghdr *h, struct np_route *r)
{
	struct rtmsg rtm;
	struct attrs a;
	int ret;

	memset(r, 0, sizeof(*r));
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(rtm)))
		return -EBADMSG;
	memcpy(&rtm, NLMSG_DATA(h), sizeof(rtm));
	if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6)
		return 1;
	if (rtm.rtm_flags & RTM_F_CLONED)
		return 1;
	if (rtm.rtm_dst_len > (rtm.rtm_family == AF_INET ? 32 : 128) ||
	    rtm.rtm_src_len > (rtm.rtm_family == AF_INET ? 32 : 128))
		return -EBADMSG;
	ret = parse_attrs(h, sizeof(rtm), &a, RTA_MAX);
	if (ret < 0)
		return ret;
	r->family = rtm.rtm_family;
	r->dst_len = rtm.rtm_dst_len;
	r->src_len = rtm.rtm_src_len;
	r->tos = rtm.rtm_tos;
	r->protocol = rtm.rtm_protocol;
	r->scope = rtm.rtm_scope;
	r->type = rtm.rtm_type;
	r->flags = rtm.rtm_flags & NP_RT_FLAGS_KEPT;
	r->table = rtm.rtm_table;
	r->care = NP_C_ALL;
	if ((a.at[RTA_TABLE] && get_u32(a.at[RTA_TABLE], &r->table) < 0) ||
	    (a.at[RTA_PRIORITY] && get_u32(a.at[RTA_PRIORITY], &r->metric) < 0) ||
	    (a.at[RTA_OIF] && get_u32(a.at[RTA_OIF], &r->oif) < 0) || route_addrs(&a, r) < 0)
		return -EBADMSG;
	ret = copy_extra(&a, r);
	if (ret == 0 && r->extra_len)
		np_route_tidy(r);
	return ret;
}

int np_wire_addr(const struct nlmsghdr *h, struct np_addr *ad)
{
	struct ifaddrmsg ifa;
	struct attrs a;
	const struct rtattr *local, *address;
	int r;

	memset(ad, 0, sizeof(*ad));
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifa)))
		return -EBADMSG;
	memcpy(&ifa, NLMSG_DATA(h), sizeof(ifa));
	if ((ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6) ||
	    ifa.ifa_prefixlen > (ifa.ifa_family == AF_INET ? 32 : 128))
		return -EBADMSG;
	r = parse_attrs(h, sizeof(ifa), &a, IFA_MAX);
	if (r < 0)
		return r;
	ad->family = ifa.ifa_family;
	ad->prefixlen = ifa.ifa_prefixlen;
	ad->scope = ifa.ifa_scope;
	ad->ifindex = ifa.ifa_index;
	ad->flags = ifa.ifa_flags;
	ad->care = NP_C_ALL;
	if (a.at[IFA_FLAGS] && get_u32(a.at[IFA_FLAGS], &ad->flags) < 0)
		return -EBADMSG;
	ad->secondary = ad->family == AF_INET && (ad->flags & IFA_F_SECONDARY);
	ad->flags &= NP_IFA_FLAGS_KEPT;
	local = a.at[IFA_LOCAL] ? a.at[IFA_LOCAL] : a.at[IFA_ADDRESS];
	address = a.at[IFA_ADDRESS];
	if (!local || get_ip(local, ad->family, ad->local) < 0)
		return -EBADMSG;
	if (address && a.at[IFA_LOCAL]) {
		if (get_ip(address, ad->family, ad->peer) < 0)
			return -EBADMSG;
		ad->has_peer = memcmp(ad->peer, ad->local, 16) != 0;
		if (!ad->has_peer)
			memset(ad->peer, 0, 16);
	}
	if (a.at[IFA_BROADCAST]) {
		if (get_ip(a.at[IFA_BROADCAST], ad->family, ad->bcast) < 0)
			return -EBADMSG;
		ad->has_bcast = true;
	}
	if (a.at[IFA_LABEL]) {
		size_t n = alen(a.at[IFA_LABEL]);
		if (n == 0 || n > NP_IFNAMSIZ)
			return -EBADMSG;
		memcpy(ad->label, RTA_DATA(a.at[IFA_LABEL]), n);
		ad->label[NP_IFNAMSIZ - 1] = 0;
		ad->has_label = ad->label[0] != 0;
	}
	if (a.at[IFA_PROTO] && alen(a.at[IFA_PROTO]) >= 1) {
		ad->proto = *(const uint8_t *)RTA_DATA(a.at[IFA_PROTO]);
		ad->has_proto = true;
	}
	return 0;
}

/* The nested attribute of a type (NLA_TYPE_MASK) in the payload of nest
 * into *ret (NULL: none); every length checked. 0 or -EBADMSG. */
static int nested(const struct rtattr *nest, unsigned short type, const struct rtattr **ret)
{
	const unsigned char *p = RTA_DATA(nest);
	size_t len = alen(nest), off = 0;

	*ret = NULL;
	while (off < len && len - off >= sizeof(struct rtattr)) {
		struct rtattr rta;
		memcpy(&rta, p + off, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len - off)
			return -EBADMSG;
		if ((rta.rta_type & NLA_TYPE_MASK) == type && !*ret)
			*ret = (const struct rtattr *)(p + off);
		off += RTA_ALIGN(rta.rta_len);
	}
	return 0;
}

/* net.ipv4.conf.DEV.promote_secondaries from IFLA_AF_SPEC → AF_INET →
 * IFLA_INET_CONF, a u32 per IPV4_DEVCONF_* (index - 1). */
static int link_promote(const struct rtattr *af_spec, bool *promote)
{
	const size_t at = 4 * (IPV4_DEVCONF_PROMOTE_SECONDARIES - 1);
	const struct rtattr *inet, *conf;
	uint32_t v;
	int r = nested(af_spec, AF_INET, &inet);

	if (r < 0 || !inet)
		return r;
	r = nested(inet, IFLA_INET_CONF, &conf);
	if (r < 0 || !conf)
		return r;
	if (alen(conf) < at + 4)
		return -EBADMSG;
	memcpy(&v, (const unsigned char *)RTA_DATA(conf) + at, 4);
	*promote = v != 0;
	return 0;
}

int np_wire_link(const struct nlmsghdr *h, struct np_link *l)
{
	struct ifinfomsg ifi;
	struct attrs a;
	size_t n;
	int r;

	memset(l, 0, sizeof(*l));
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifi)))
		return -EBADMSG;
	memcpy(&ifi, NLMSG_DATA(h), sizeof(ifi));
	r = parse_attrs(h, sizeof(ifi), &a, IFLA_AF_SPEC);
	if (r < 0)
		return r;
	if (a.at[IFLA_AF_SPEC] && link_promote(a.at[IFLA_AF_SPEC], &l->promote_secondaries) < 0)
		return -EBADMSG;
	if (!a.at[IFLA_IFNAME] || ifi.ifi_index <= 0)
		return -EBADMSG;
	n = alen(a.at[IFLA_IFNAME]);
	if (n == 0 || n > NP_IFNAMSIZ)
		return -EBADMSG;
	memcpy(l->name, RTA_DATA(a.at[IFLA_IFNAME]), n);
	l->name[NP_IFNAMSIZ - 1] = 0;
	if (!l->name[0])
		return -EBADMSG;
	l->ifindex = (uint32_t)ifi.ifi_index;
	l->up = (ifi.ifi_flags & IFF_UP) != 0;
	return 0;
}

/* The extended-ACK text after the error's copy of the request. */
static void extack_text(const struct nlmsghdr *h, const struct nlmsgerr *e, char *msg, size_t len)
{
	const unsigned char *p = (const unsigned char *)h;
	size_t off = NLMSG_LENGTH(sizeof(*e)), end = h->nlmsg_len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	off = NLMSG_ALIGN(off);
	while (end > off && end - off >= sizeof(struct nlattr)) {
		struct nlattr na;
		memcpy(&na, p + off, sizeof(na));
		if (na.nla_len < sizeof(na) || na.nla_len > end - off)
			return;
		if ((na.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = na.nla_len - sizeof(na), i;
			const char *s = (const char *)(p + off + sizeof(na));
			for (i = 0; i < n && i + 1 < len && s[i]; i++)
				msg[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
			msg[i] = 0;
			return;
		}
		off += NLA_ALIGN(na.nla_len);
	}
}

int np_wire_error(const struct nlmsghdr *h, int *error, char *msg, size_t len)
{
	struct nlmsgerr e;

	if (len)
		msg[0] = 0;
	if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(e)))
		return -EBADMSG;
	memcpy(&e, NLMSG_DATA(h), sizeof(e));
	if (e.error > 0 || e.error < -4095)
		return -EBADMSG;
	*error = e.error;
	if (len)
		extack_text(h, &e, msg, len);
	return 0;
}

/* ---- building requests ---- */

struct wbuf {
	unsigned char *p;
	size_t cap, len;
	bool full;
};

static void w_put(struct wbuf *w, const void *data, size_t n)
{
	size_t pad = NLMSG_ALIGN(n) - n;

	if (w->full || w->cap - w->len < n + pad) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, data, n);
	memset(w->p + w->len + n, 0, pad);
	w->len += n + pad;
}

static void w_attr(struct wbuf *w, unsigned short type, const void *data, size_t n)
{
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type };

	if (n > 0xffff - RTA_LENGTH(0)) {
		w->full = true;
		return;
	}
	w_put(w, &rta, sizeof(rta)); /* 4 bytes: stays aligned */
	if (n)
		w_put(w, data, n);
}

static void w_u32(struct wbuf *w, unsigned short type, uint32_t v)
{
	w_attr(w, type, &v, 4);
}

static size_t w_finish(struct wbuf *w)
{
	struct nlmsghdr *h = (struct nlmsghdr *)w->p;

	if (w->full)
		return 0;
	h->nlmsg_len = (uint32_t)w->len;
	return w->len;
}

static void w_start(struct wbuf *w, void *buf, size_t cap, uint16_t type, uint16_t flags,
		    uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq };

	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->full = false;
	w_put(w, &h, sizeof(h));
}

static const uint16_t req_flags[] = {
	[NP_REQ_ADD] = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
	[NP_REQ_REPLACE] = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
	[NP_REQ_DEL] = NLM_F_REQUEST | NLM_F_ACK,
};

size_t np_wire_route_req(void *buf, size_t cap, enum np_req op, uint32_t seq,
			 const struct np_route *r)
{
	size_t n = r->family == AF_INET ? 4 : 16;
	struct rtmsg rtm = {
		.rtm_family = r->family, .rtm_dst_len = r->dst_len, .rtm_src_len = r->src_len,
		.rtm_tos = r->tos, .rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.rtm_protocol = r->protocol, .rtm_scope = r->scope, .rtm_type = r->type,
		.rtm_flags = r->flags & NP_RT_FLAGS_KEPT,
	};
	struct wbuf w;

	if (op == NP_REQ_DEL)
		rtm.rtm_scope = RT_SCOPE_NOWHERE;
	w_start(&w, buf, cap, op == NP_REQ_DEL ? RTM_DELROUTE : RTM_NEWROUTE, req_flags[op], seq);
	w_put(&w, &rtm, sizeof(rtm));
	w_u32(&w, RTA_TABLE, r->table);
	if (r->dst_len)
		w_attr(&w, RTA_DST, r->dst, n);
	if (r->src_len)
		w_attr(&w, RTA_SRC, r->src, n);
	w_u32(&w, RTA_PRIORITY, r->metric);
	/* a nexthop object's gateway and device are not the route's to send */
	if (r->has_gw && !r->via_nh)
		w_attr(&w, RTA_GATEWAY, r->gw, n);
	if (r->oif && !r->via_nh)
		w_u32(&w, RTA_OIF, r->oif);
	if (r->has_prefsrc && op != NP_REQ_DEL)
		w_attr(&w, RTA_PREFSRC, r->prefsrc, n);
	if (r->extra_len && (op != NP_REQ_DEL || r->family == AF_INET))
		w_put(&w, r->extra, r->extra_len);
	else if (r->via_nh) /* an IPv6 delete: the id picks the route */
		w_u32(&w, RTA_NH_ID, np_route_nh_id(r));
	return w_finish(&w);
}

size_t np_wire_addr_req(void *buf, size_t cap, enum np_req op, uint32_t seq,
			const struct np_addr *a)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	struct ifaddrmsg ifa = {
		.ifa_family = a->family, .ifa_prefixlen = a->prefixlen,
		.ifa_flags = (uint8_t)(a->flags & 0xff), .ifa_scope = a->scope,
		.ifa_index = a->ifindex,
	};
	struct wbuf w;

	w_start(&w, buf, cap, op == NP_REQ_DEL ? RTM_DELADDR : RTM_NEWADDR, req_flags[op], seq);
	w_put(&w, &ifa, sizeof(ifa));
	w_attr(&w, IFA_LOCAL, a->local, n);
	w_attr(&w, IFA_ADDRESS, a->has_peer ? a->peer : a->local, n);
	if (op != NP_REQ_DEL) {
		w_u32(&w, IFA_FLAGS, a->flags & NP_IFA_FLAGS_KEPT);
		if (a->has_bcast)
			w_attr(&w, IFA_BROADCAST, a->bcast, n);
		if (a->has_label)
			w_attr(&w, IFA_LABEL, a->label, strlen(a->label) + 1);
		if (a->has_proto)
			w_attr(&w, IFA_PROTO, &a->proto, 1);
	}
	return w_finish(&w);
}

size_t np_wire_dump_req(void *buf, size_t cap, uint16_t type, uint8_t family, uint32_t seq)
{
	struct wbuf w;

	w_start(&w, buf, cap, type, NLM_F_REQUEST | NLM_F_DUMP, seq);
	if (type == RTM_GETROUTE) {
		struct rtmsg rtm = { .rtm_family = family };
		w_put(&w, &rtm, sizeof(rtm));
	} else if (type == RTM_GETADDR) {
		struct ifaddrmsg ifa = { .ifa_family = family };
		w_put(&w, &ifa, sizeof(ifa));
	} else {
		struct ifinfomsg ifi = { .ifi_family = family };
		w_put(&w, &ifi, sizeof(ifi));
	}
	return w_finish(&w);
}
