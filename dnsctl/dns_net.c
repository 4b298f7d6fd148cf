/* dnsctl/dns_net.c — DNS over one TCP connection: 2-byte framing, deadlines,
 * pipelined queries.
 *
 * No resolver library: an UPDATE is sent exactly once (never retried behind
 * our back), and the answer is kept even when its TSIG does not verify, so
 * the rcode can be reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns_internal.h"
#include "util.h"

/* Queries in flight on one connection: all of them, up to this many (a
 * 1,000-record verify is written at once, ~30 KB); message ids stay unique. */
#define PIPELINE_WINDOW 16384

void dns_peer_name(char *buf, size_t len, const char *address, unsigned port)
{
	snprintf(buf, len, "%s#%u", address, port);
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_monotonic_ms();

	if (left <= 0)
		return 0;
	return left > 60000 ? 60000 : (int)left;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, remaining_ms(deadline));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? CUT_ETIMEOUT : 0;
}

static int resolve(const char *address, unsigned port, struct sockaddr_storage *ss,
		   socklen_t *sl)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(address, ps, &hints, &ai) != 0)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int connect_fd(struct dns_conn *c, const struct sockaddr_storage *ss, socklen_t sl,
		      int64_t deadline)
{
	int one = 1, soerr = 0, r;
	socklen_t el = sizeof(soerr);

	c->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)ss, sl) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	r = wait_fd(c->fd, POLLOUT, deadline);
	if (r < 0)
		return r;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0)
		return -errno;
	return soerr ? -soerr : 0;
}

int dns_conn_open(struct dns_conn *c, const char *address, unsigned port, int64_t deadline,
		  struct cut_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	dns_peer_name(c->peer, sizeof(c->peer), address, port);
	if (resolve(address, port, &ss, &sl) < 0)
		return cut_errf(err, CUT_EINPUT, "give a numeric IPv4 or IPv6 address",
				"%s: not a numeric address", c->peer);
	r = connect_fd(c, &ss, sl, deadline);
	if (r < 0) {
		dns_conn_close(c);
		if (r == CUT_ETIMEOUT)
			return cut_errf(err, r, "check that the server runs and the address is right",
					"%s: no TCP connection before the timeout", c->peer);
		return cut_errf(err, CUT_EPEER, "check that the server runs, listens on TCP there "
				"and that nothing filters it", "%s: cannot connect: %s", c->peer,
				cut_strerror(r));
	}
	return 0;
}

void dns_conn_close(struct dns_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
}

int dns_conn_send(struct dns_conn *c, const uint8_t *buf, size_t len, int64_t deadline,
		  struct cut_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = send(c->fd, buf + done, len - done, MSG_NOSIGNAL);
		int r;

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return cut_errf(err, CUT_EPEER, NULL, "%s: sending: %s", c->peer,
					cut_strerror(-errno));
		r = wait_fd(c->fd, POLLOUT, deadline);
		if (r < 0)
			return cut_errf(err, r, "raise the server's timeout in the plan",
					"%s: could not send before the timeout", c->peer);
	}
	return 0;
}

/* Reads what is there into c->in; 0, -ECONNRESET on EOF, -EAGAIN. */
static int fill(struct dns_conn *c)
{
	ssize_t n;
	int one = 1;

	if (c->in_cap - c->in_len < 4096) {
		c->in_cap = c->in_cap ? c->in_cap * 2 : 65536 + 4096;
		c->in = xrealloc(c->in, c->in_cap);
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	/* BIND writes each answer on its own: without this, delayed ACKs stall us */
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	c->in_len += (size_t)n;
	return 0;
}

/* A whole message at the front of c->in? Returns its length or 0. */
static size_t framed(const struct dns_conn *c)
{
	size_t l;

	if (c->in_len < 2)
		return 0;
	l = (size_t)c->in[0] << 8 | c->in[1];
	return c->in_len >= l + 2 ? l + 2 : 0;
}

static void consume(struct dns_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

int dns_conn_recv(struct dns_conn *c, int64_t deadline, const uint8_t **ret, size_t *ret_len,
		  struct cut_err *err)
{
	for (;;) {
		size_t f = framed(c);
		int r;

		if (f) {
			*ret = c->in + 2;
			*ret_len = f - 2;
			return 0;
		}
		r = fill(c);
		if (r == -ECONNRESET)
			return cut_errf(err, -ECONNRESET, "look at the server's log",
					"%s: the server closed the connection before answering",
					c->peer);
		if (r == -EAGAIN) {
			r = wait_fd(c->fd, POLLIN, deadline);
			if (r < 0)
				return cut_errf(err, r, "raise the server's timeout in the plan, or "
						"look at the server's load", "%s: no answer before "
						"the timeout", c->peer);
			continue;
		}
		if (r < 0)
			return cut_errf(err, CUT_EPEER, NULL, "%s: receiving: %s", c->peer,
					cut_strerror(r));
	}
}

void dns_conn_recv_done(struct dns_conn *c, size_t len)
{
	consume(c, len + 2);
}

static size_t build_query(uint8_t *out, uint16_t id, const struct dns_question *q)
{
	size_t o = 2;

	out[o++] = (uint8_t)(id >> 8);
	out[o++] = (uint8_t)id;
	memset(out + o, 0, 10);
	out[o + 3] = 1; /* qdcount */
	o += 10;
	memcpy(out + o, q->name, q->name_len);
	o += q->name_len;
	out[o++] = (uint8_t)(q->type >> 8);
	out[o++] = (uint8_t)q->type;
	out[o++] = 0;
	out[o++] = DNS_C_IN;
	out[0] = (uint8_t)((o - 2) >> 8);
	out[1] = (uint8_t)(o - 2);
	return o;
}

struct pipeline {
	struct dns_conn *c;
	const struct dns_question *q;
	size_t n, sent, got, window;
	size_t *slot;        /* id -> index + 1 */
	uint8_t *out;        /* queries not yet written; room for window of them */
	size_t out_off, out_len;
};

#define QUERY_MAX (DNS_NAME_WIRE_MAX + 20)

/* Queues queries while fewer than the window are in flight. */
static void queue_more(struct pipeline *p)
{
	if (p->sent == p->n || p->sent - p->got >= p->window)
		return;
	memmove(p->out, p->out + p->out_off, p->out_len - p->out_off);
	p->out_len -= p->out_off;
	p->out_off = 0;
	while (p->sent < p->n && p->sent - p->got < p->window) {
		uint16_t id = (uint16_t)(p->sent & 0xFFFF);
		p->out_len += build_query(p->out + p->out_len, id, &p->q[p->sent]);
		p->slot[id] = p->sent + 1;
		p->sent++;
	}
}

static int write_some(struct pipeline *p)
{
	ssize_t w;

	if (p->out_off == p->out_len)
		return 0;
	w = send(p->c->fd, p->out + p->out_off, p->out_len - p->out_off, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	p->out_off += (size_t)w;
	return 0;
}

static int take_answers(struct pipeline *p, dns_answer_fn cb, void *cookie, struct cut_err *err)
{
	size_t f;

	while ((f = framed(p->c)) != 0) {
		const uint8_t *m = p->c->in + 2;
		struct dns_msg h;
		size_t idx;
		int r;

		if (dns_msg_scan(m, f - 2, &h) < 0 || !h.qr || !p->slot[h.id])
			return cut_errf(err, CUT_EPEER, "look at the server's log",
					"%s: a malformed or unexpected answer", p->c->peer);
		idx = p->slot[h.id] - 1;
		p->slot[h.id] = 0;
		p->got++;
		r = cb(cookie, idx, m, f - 2, &h);
		consume(p->c, f);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pipeline_step(struct pipeline *p, int64_t deadline, dns_answer_fn cb, void *cookie,
			 struct cut_err *err)
{
	struct pollfd pf = { .fd = p->c->fd, .events = POLLIN };
	int r;

	queue_more(p);
	if (p->out_off < p->out_len)
		pf.events |= POLLOUT;
	r = poll(&pf, 1, remaining_ms(deadline));
	if (r < 0)
		return errno == EINTR ? 0 : cut_errf(err, -errno, NULL, "poll: %s", cut_strerror(-errno));
	if (r == 0)
		return cut_errf(err, CUT_ETIMEOUT, "raise the timeout, or look at the server's load",
				"%s: %zu of %zu answers before the timeout", p->c->peer, p->got, p->n);
	if (pf.revents & POLLOUT) {
		r = write_some(p);
		if (r < 0)
			return cut_errf(err, CUT_EPEER, NULL, "%s: sending: %s", p->c->peer,
					cut_strerror(r));
	}
	if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
		r = fill(p->c);
		if (r == -ECONNRESET)
			return cut_errf(err, CUT_EPEER, "look at the server's log",
					"%s: the server closed the connection after %zu of %zu answers",
					p->c->peer, p->got, p->n);
		if (r < 0 && r != -EAGAIN)
			return cut_errf(err, CUT_EPEER, NULL, "%s: receiving: %s", p->c->peer,
					cut_strerror(r));
	}
	return take_answers(p, cb, cookie, err);
}

int dns_query_many(struct dns_conn *c, const struct dns_question *q, size_t n, int64_t deadline,
		   dns_answer_fn cb, void *cookie, struct cut_err *err)
{
	struct pipeline p = { .c = c, .q = q, .n = n };
	int r = 0;

	p.window = n < PIPELINE_WINDOW ? n : PIPELINE_WINDOW;
	p.slot = xcalloc(65536, sizeof(*p.slot));
	p.out = xmalloc((p.window + 1) * QUERY_MAX);
	queue_more(&p);
	r = write_some(&p); /* all of them at once, as far as the socket takes them */
	if (r < 0)
		r = cut_errf(err, CUT_EPEER, NULL, "%s: sending: %s", c->peer, cut_strerror(r));
	while (p.got < n && r == 0)
		r = pipeline_step(&p, deadline, cb, cookie, err);
	free(p.slot);
	free(p.out);
	return r;
}
