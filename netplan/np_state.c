/* netplan/np_state.c — one netlink socket per host: read the kernel's
 * links, routes and addresses, and send batches of requests in windows.
 *
 * libnl makes and connects the socket; requests are packed by np_wire.c
 * and many go in one sendmsg, the last asking for an ACK; the kernel answers
 * every failed request too, so the outcome of every request is known by its
 * sequence number (libnl has no API for the extended-ACK text, so answers
 * are parsed here too).
 */
#include "np.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define NP_RBUF (1u << 20)         /* one datagram from the kernel at most */
#define NP_SOCKBUF (8u << 20)      /* asked for; the kernel may give less */
#define NP_WINDOW_MAX 512          /* requests in flight per sendmsg */
#define NP_ACK_COST 1024           /* receive buffer one ACK takes (measured ~832) */
#define NP_RECV_TIMEOUT_S 30
#define NP_DUMP_TRIES 5

struct np_conn {
	struct nl_sock *sk;
	int fd;
	uint32_t pid, seq;
	size_t window, window_bytes;
	unsigned long windows_sent; /* over all batches: the crash hook counts these */
	char host[NP_NETNS_MAX + 16];
	char netns[NP_NETNS_MAX + 1]; /* "": this host */
	unsigned char *rbuf;
	unsigned char *wbuf;
};

const char *np_conn_host(const struct np_conn *c)
{
	return c->host;
}

const char *np_conn_netns(const struct np_conn *c)
{
	return c->netns[0] ? c->netns : NULL;
}

bool np_netns_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > NP_NETNS_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

bool np_same_netns(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Connects sk inside netns: the socket stays there after we leave. */
static int connect_in(struct nl_sock *sk, const char *netns, struct cut_err *err)
{
	char path[NP_NETNS_MAX + 16];
	int self = -1, target = -1, r;

	if (!np_netns_name_ok(netns))
		return cut_errf(err, CUT_EINPUT, "use letters, digits, '.', '_', '-'",
				"invalid network namespace name \"%s\"", netns);
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		r = -errno;
		return cut_errf(err, r, "check the plan's netns, or create it with `ip netns add`",
				"network namespace %s: %s", netns, strerror(-r));
	}
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(target, CLONE_NEWNET) < 0) {
		r = -errno;
		cut_errf(err, r, "run cutover as root", "cannot enter network namespace %s: %s",
			 netns, strerror(-r));
		goto out;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* stuck in another namespace: acting here would be wrong */
	if (r < 0)
		r = cut_errf(err, -EIO, NULL, "netlink socket in %s: %s", netns, nl_geterror(r));
out:
	if (self >= 0)
		close(self);
	close(target);
	return r;
}

static void size_buffers(struct np_conn *c)
{
	int one = 1, big = NP_SOCKBUF, rcv = 0, snd = 0;
	socklen_t l = sizeof(int);

	setsockopt(c->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		nl_socket_set_buffer_size(c->sk, NP_SOCKBUF, NP_SOCKBUF);
	getsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcv, &l);
	l = sizeof(int);
	getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &snd, &l);
	/* every ACK of a window must fit the receive buffer, or ACKs are lost */
	c->window = rcv > 0 ? (size_t)rcv / 2 / NP_ACK_COST : 16;
	if (c->window > NP_WINDOW_MAX)
		c->window = NP_WINDOW_MAX;
	if (c->window < 1)
		c->window = 1;
	c->window_bytes = snd > 0 ? (size_t)snd / 2 : 16384;
	if (c->window_bytes > NP_RBUF)
		c->window_bytes = NP_RBUF;
}

int np_conn_open(const char *netns, struct np_conn **ret, struct cut_err *err)
{
	struct np_conn *c = xcalloc(1, sizeof(*c));
	struct timeval tv = { .tv_sec = NP_RECV_TIMEOUT_S };
	int r;

	*ret = NULL;
	snprintf(c->host, sizeof(c->host), netns ? "netns %s" : "this host", netns);
	snprintf(c->netns, sizeof(c->netns), "%s", netns ? netns : "");
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		free(c);
		return cut_errf(err, -ENOMEM, NULL, "cannot allocate a netlink socket");
	}
	nl_socket_disable_seq_check(c->sk);
	if (netns) {
		r = connect_in(c->sk, netns, err);
	} else {
		r = nl_connect(c->sk, NETLINK_ROUTE);
		if (r < 0)
			r = cut_errf(err, -EIO, NULL, "netlink socket: %s", nl_geterror(r));
	}
	if (r < 0) {
		nl_socket_free(c->sk);
		free(c);
		return r;
	}
	c->fd = nl_socket_get_fd(c->sk);
	c->pid = nl_socket_get_local_port(c->sk);
	c->seq = (uint32_t)now_realtime_ms();
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_buffers(c);
	c->rbuf = xmalloc(NP_RBUF);
	c->wbuf = xmalloc(c->window_bytes);
	*ret = c;
	return 0;
}

void np_conn_close(struct np_conn *c)
{
	if (!c)
		return;
	nl_socket_free(c->sk);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

static ssize_t recv_one(struct np_conn *c)
{
	ssize_t n;

	do
		n = recv(c->fd, c->rbuf, NP_RBUF, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > NP_RBUF)
		return -EMSGSIZE;
	return n;
}

/* ---- dumps ---- */

struct collect {
	struct np_state *st;
	size_t cap_links, cap_routes, cap_addrs;
	uint32_t seq, pid;
	int done, error, intr;
};

static int collect_one(struct collect *k, const struct nlmsghdr *h)
{
	struct np_state *st = k->st;
	int r;

	if (h->nlmsg_type == RTM_NEWLINK) {
		if (st->nlinks == NP_STATE_LINKS_MAX)
			return -E2BIG;
		if (st->nlinks == k->cap_links) {
			k->cap_links = k->cap_links ? 2 * k->cap_links : 64;
			st->links = xrealloc(st->links, k->cap_links * sizeof(*st->links));
		}
		r = np_wire_link(h, &st->links[st->nlinks]);
		if (r == 0)
			st->nlinks++;
		return r;
	}
	if (h->nlmsg_type == RTM_NEWROUTE) {
		if (st->nroutes == NP_STATE_ROUTES_MAX)
			return -E2BIG;
		if (st->nroutes == k->cap_routes) {
			k->cap_routes = k->cap_routes ? 2 * k->cap_routes : 1024;
			st->routes = xrealloc(st->routes, k->cap_routes * sizeof(*st->routes));
		}
		r = np_wire_route(h, &st->routes[st->nroutes]);
		if (r == 0)
			st->nroutes++;
		else
			np_route_free(&st->routes[st->nroutes]);
		return r < 0 ? r : 0;
	}
	if (h->nlmsg_type == RTM_NEWADDR) {
		if (st->naddrs == NP_STATE_ADDRS_MAX)
			return -E2BIG;
		if (st->naddrs == k->cap_addrs) {
			k->cap_addrs = k->cap_addrs ? 2 * k->cap_addrs : 64;
			st->addrs = xrealloc(st->addrs, k->cap_addrs * sizeof(*st->addrs));
		}
		r = np_wire_addr(h, &st->addrs[st->naddrs]);
		if (r == 0)
			st->naddrs++;
		return r;
	}
	return 0;
}

static int collect_msg(void *cookie, const struct nlmsghdr *h)
{
	struct collect *k = cookie;
	char msg[8];
	int e;

	if (h->nlmsg_seq != k->seq || h->nlmsg_pid != k->pid)
		return 0;
	if (h->nlmsg_flags & NLM_F_DUMP_INTR)
		k->intr = 1;
	if (h->nlmsg_type == NLMSG_DONE) {
		k->done = 1;
		return 1;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		if (np_wire_error(h, &e, msg, sizeof(msg)) < 0)
			return -EBADMSG;
		k->done = 1;
		return e < 0 ? e : 1;
	}
	return collect_one(k, h);
}

static int dump(struct np_conn *c, struct collect *k, uint16_t type, uint8_t family)
{
	unsigned char req[64];
	size_t len;
	ssize_t n;
	int r;

	k->seq = ++c->seq;
	k->pid = c->pid;
	k->done = 0;
	len = np_wire_dump_req(req, sizeof(req), type, family, k->seq);
	if (send(c->fd, req, len, 0) < 0)
		return -errno;
	while (!k->done) {
		n = recv_one(c);
		if (n < 0)
			return (int)n;
		r = np_wire_walk(c->rbuf, (size_t)n, collect_msg, k);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_link(const void *a, const void *b)
{
	const struct np_link *x = a, *y = b;
	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

static int cmp_link_name(const void *a, const void *b)
{
	const struct np_link *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int cmp_route(const void *a, const void *b)
{
	return np_route_key_cmp(a, b);
}

/* How many routes from the first are in key order. */
static size_t sorted_prefix(const struct np_route *r, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (np_route_key_cmp(&r[i - 1], &r[i]) > 0)
			return i;
	return n;
}

/* The kernel dumps a table's routes in its trie's order, mostly the order
 * of their keys; a few come later out of it (IPv6's local table puts its
 * /128s before ff00::/8). So the routes in order stay, the rest is sorted
 * and merged in from the end: a qsort of 10,000 112-byte routes is ~2 ms. */
void np_routes_sort(struct np_route *r, size_t n)
{
	size_t k = sorted_prefix(r, n), m = n - k, w = n;
	struct np_route *tail;

	if (m == 0)
		return;
	qsort(r + k, m, sizeof(*r), cmp_route);
	tail = xmalloc(m * sizeof(*tail));
	memcpy(tail, r + k, m * sizeof(*tail));
	while (m > 0) /* the larger of the two ends goes last; on a tie the tail's */
		r[--w] = k > 0 && np_route_key_cmp(&r[k - 1], &tail[m - 1]) > 0 ? r[--k]
									: tail[--m];
	free(tail);
}

static int cmp_addr(const void *a, const void *b)
{
	return np_addr_key_cmp(a, b);
}

void np_state_free(struct np_state *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nroutes; i++)
		np_route_free(&st->routes[i]);
	free(st->routes);
	free(st->links);
	free(st->by_name);
	free(st->addrs);
	memset(st, 0, sizeof(*st));
}

static int read_once(struct np_conn *c, int what, struct np_state *st, int *intr)
{
	struct collect k = { .st = st };
	int r;

	r = dump(c, &k, RTM_GETLINK, AF_UNSPEC);
	if (r == 0 && (what & NP_READ_ROUTES))
		r = dump(c, &k, RTM_GETROUTE, AF_INET);
	if (r == 0 && (what & NP_READ_ROUTES))
		r = dump(c, &k, RTM_GETROUTE, AF_INET6);
	if (r == 0 && (what & NP_READ_ADDRS))
		r = dump(c, &k, RTM_GETADDR, AF_UNSPEC);
	*intr = k.intr;
	return r;
}

int np_state_read(struct np_conn *c, int what, struct np_state *st, struct cut_err *err)
{
	int r, intr = 0, tries;

	memset(st, 0, sizeof(*st));
	for (tries = 0; tries < NP_DUMP_TRIES; tries++) {
		r = read_once(c, what, st, &intr);
		if (r < 0 || !intr)
			break;
		np_state_free(st); /* changed while we read: read again */
	}
	if (r == 0 && intr)
		r = -EAGAIN;
	if (r < 0) {
		np_state_free(st);
		return cut_errf(err, r == -E2BIG ? CUT_ELIMIT : r,
				r == -E2BIG ? "this host holds more routes than cutover reads" : NULL,
				"%s: reading routes and addresses from the kernel: %s", c->host,
				r == -EAGAIN ? "they kept changing while read" : cut_strerror(r));
	}
	if (st->nlinks) {
		qsort(st->links, st->nlinks, sizeof(*st->links), cmp_link);
		st->by_name = xmalloc(st->nlinks * sizeof(*st->by_name));
		memcpy(st->by_name, st->links, st->nlinks * sizeof(*st->by_name));
		qsort(st->by_name, st->nlinks, sizeof(*st->by_name), cmp_link_name);
	}
	np_routes_sort(st->routes, st->nroutes);
	if (st->naddrs)
		qsort(st->addrs, st->naddrs, sizeof(*st->addrs), cmp_addr);
	return 0;
}

/* Is i where key's routes start (or would be): every route before it
 * smaller, none from it on? */
static bool key_place(const struct np_state *st, const struct np_route *key, size_t i)
{
	return i <= st->nroutes && (i == 0 || np_route_key_cmp(&st->routes[i - 1], key) < 0) &&
	       (i == st->nroutes || np_route_key_cmp(&st->routes[i], key) >= 0);
}

static size_t key_place_search(const struct np_state *st, const struct np_route *key)
{
	size_t lo = 0, hi = st->nroutes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (np_route_key_cmp(&st->routes[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t routes_from(const struct np_state *st, const struct np_route *key, size_t lo,
			  size_t *first)
{
	size_t end;

	for (end = lo; end < st->nroutes && np_route_key_cmp(&st->routes[end], key) == 0; end++)
		;
	*first = lo;
	return end - lo;
}

size_t np_state_route_place(const struct np_state *st, const struct np_route *key)
{
	return key_place_search(st, key);
}

size_t np_state_routes_at(const struct np_state *st, const struct np_route *key, size_t *first)
{
	return routes_from(st, key, key_place_search(st, key), first);
}

size_t np_state_routes_near(const struct np_state *st, const struct np_route *key, size_t *near,
			    size_t *first)
{
	size_t lo = *near + 1, k;

	if (!key_place(st, key, lo) && !key_place(st, key, lo = *near) &&
	    !(*near > 0 && key_place(st, key, lo = *near - 1)))
		lo = key_place_search(st, key);
	k = routes_from(st, key, lo, first);
	*near = lo;
	return k;
}

const struct np_addr *np_state_addr_at(const struct np_state *st, const struct np_addr *key)
{
	if (!st->naddrs)
		return NULL;
	return bsearch(key, st->addrs, st->naddrs, sizeof(*st->addrs), cmp_addr);
}

const struct np_link *np_state_link(const struct np_state *st, uint32_t ifindex)
{
	struct np_link key = { .ifindex = ifindex };

	if (!st || !st->nlinks)
		return NULL;
	return bsearch(&key, st->links, st->nlinks, sizeof(*st->links), cmp_link);
}

const char *np_state_ifname(void *cookie, uint32_t ifindex)
{
	const struct np_link *l = np_state_link(cookie, ifindex);

	return l ? l->name : NULL;
}

uint32_t np_state_ifindex(void *cookie, const char *name)
{
	const struct np_state *st = cookie;
	struct np_link key = { 0 };
	const struct np_link *l;

	if (!st || !st->nlinks || strlen(name) >= sizeof(key.name))
		return UINT32_MAX;
	memcpy(key.name, name, strlen(name) + 1);
	l = bsearch(&key, st->by_name, st->nlinks, sizeof(*st->by_name), cmp_link_name);
	return l ? l->ifindex : UINT32_MAX;
}

/* ---- batches ---- */

static void crash_check(unsigned long window)
{
	const char *at = getenv("CUTOVER_NETPLAN_CRASH_WINDOW");
	long long v;

	if (at && parse_int(at, 1, 1000000, &v) == 0 && (unsigned long)v == window)
		kill(getpid(), SIGKILL);
}

/* Only the last request of a window asks for an ACK: the kernel answers
 * every request that fails (with its sequence number) whether it asked or
 * not, and handles a sendmsg's requests in order, so when the last one's
 * answer arrives, every request of the window without an error applied.
 * (10,000 ACKs cost the kernel and us more than the routes themselves.) */
struct acks {
	struct np_req_item *items;
	uint32_t seq0;          /* seq of items[0] */
	size_t from, count;     /* the window: items[from, from + count) */
	bool last_answered;
	bool refused;
};

static int ack_msg(void *cookie, const struct nlmsghdr *h)
{
	struct acks *a = cookie;
	struct np_req_item *it;
	char msg[512];
	uint32_t idx;
	int e;

	if (h->nlmsg_type != NLMSG_ERROR)
		return 0;
	idx = h->nlmsg_seq - a->seq0;
	if (idx < a->from || idx >= a->from + a->count)
		return 0;
	it = &a->items[idx];
	if (it->error != 1 || np_wire_error(h, &e, msg, sizeof(msg)) < 0)
		return 0;
	it->error = e;
	if (e < 0) {
		a->refused = true;
		it->message = msg[0] ? xstrdup(msg) : NULL;
	}
	if (idx == a->from + a->count - 1)
		a->last_answered = true;
	return 0;
}

/* The last request answered: the others without an error applied. */
static void window_done(struct acks *a)
{
	size_t i;

	for (i = a->from; i < a->from + a->count; i++)
		if (a->items[i].error == 1)
			a->items[i].error = 0;
}

static size_t build_item(struct np_conn *c, const struct np_req_item *it, size_t pos,
			 uint32_t seq)
{
	if (it->is_addr)
		return np_wire_addr_req(c->wbuf + pos, c->window_bytes - pos, it->op, seq, it->addr);
	return np_wire_route_req(c->wbuf + pos, c->window_bytes - pos, it->op, seq, it->route);
}

/* Fills wbuf with items from `from`; returns how many fit. Only the last
 * asks for an ACK (struct acks says why). */
static size_t fill_window(struct np_conn *c, struct np_req_item *items, size_t n, size_t from,
			  uint32_t seq0, size_t *bytes)
{
	size_t count = 0, pos = 0, last = 0, len;
	struct nlmsghdr *h;

	while (from + count < n && count < c->window) {
		len = build_item(c, &items[from + count], pos, seq0 + (uint32_t)(from + count));
		if (len == 0)
			break;
		h = (struct nlmsghdr *)(c->wbuf + pos);
		h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		last = pos;
		pos += len;
		count++;
	}
	if (count)
		((struct nlmsghdr *)(c->wbuf + last))->nlmsg_flags |= NLM_F_ACK;
	*bytes = pos;
	return count;
}

static int read_acks(struct np_conn *c, struct acks *a)
{
	ssize_t n;
	int r;

	a->last_answered = false;
	while (!a->last_answered) {
		n = recv_one(c);
		if (n < 0) {
			size_t i;
			for (i = a->from; i < a->from + a->count; i++)
				if (a->items[i].error == 1)
					a->items[i].error = 2; /* sent, answer lost */
			return (int)n;
		}
		r = np_wire_walk(c->rbuf, (size_t)n, ack_msg, a);
		if (r < 0)
			return r;
	}
	window_done(a);
	return 0;
}

int np_conn_send(struct np_conn *c, struct np_req_item *items, size_t n, struct cut_err *err)
{
	struct acks a = { .items = items, .seq0 = c->seq + 1 };
	size_t i, bytes;
	int r;

	for (i = 0; i < n; i++) {
		items[i].error = 1;
		items[i].message = NULL;
	}
	c->seq += (uint32_t)n + 1;
	while (a.from < n && !a.refused) {
		a.count = fill_window(c, items, n, a.from, a.seq0, &bytes);
		if (a.count == 0)
			return cut_errf(err, -EMSGSIZE, NULL, "%s: a request does not fit one message",
					c->host);
		if (send(c->fd, c->wbuf, bytes, 0) < 0) {
			r = -errno;
			return cut_errf(err, r, NULL, "%s: netlink send: %s", c->host, strerror(-r));
		}
		crash_check(++c->windows_sent);
		r = read_acks(c, &a);
		if (r < 0)
			return cut_errf(err, r, "roll back: the journal knows what was sent",
					"%s: reading the kernel's answers: %s", c->host, strerror(-r));
		a.from += a.count;
	}
	return a.refused ? CUT_EPEER : 0;
}
