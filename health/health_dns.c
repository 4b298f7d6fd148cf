/* health/health_dns.c — dns probes: one UDP query, polled on the monitor's loop.
 *
 * A probe passes when the target answers the check's name and type with
 * NOERROR and at least one record of that type (whose data contains
 * body_contains, when given).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health_int.h"
#include "util.h"

#define DNS_ANSWER_MAX 65535

static int target_sockaddr(const struct health_target *t, struct sockaddr_storage *ss,
			   socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, t->addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)t->port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, t->addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)t->port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int build_query(const struct health_check *c, uint8_t **wire, size_t *wlen,
		       uint16_t *id)
{
	ldns_pkt *q = NULL;
	ldns_status s;

	s = ldns_pkt_query_new_frm_str(&q, c->host, (ldns_rr_type)c->qtype, LDNS_RR_CLASS_IN, 0);
	if (s != LDNS_STATUS_OK)
		return -EINVAL;
	ldns_pkt_set_random_id(q);
	*id = ldns_pkt_id(q);
	s = ldns_pkt2wire(wire, q, wlen);
	ldns_pkt_free(q);
	return s == LDNS_STATUS_OK ? 0 : -EINVAL;
}

int dns_probe_send(struct probe *p, char *reason, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int r;

	if (target_sockaddr(p->target, &ss, &slen) < 0 ||
	    build_query(p->check, &wire, &wlen, &p->id) < 0) {
		snprintf(reason, len, "cannot build a query for %s", p->check->host);
		return -EINVAL;
	}
	p->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0 || connect(p->fd, (struct sockaddr *)&ss, slen) < 0 ||
	    send(p->fd, wire, wlen, 0) != (ssize_t)wlen) {
		r = -errno;
		snprintf(reason, len, "cannot send the query: %s", strerror(errno));
		free(wire);
		return r;
	}
	free(wire);
	return 0;
}

void dns_probe_clear(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static bool rr_contains(const ldns_rr *rr, const char *want)
{
	size_t i;
	bool found = false;

	for (i = 0; i < ldns_rr_rd_count(rr) && !found; i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, i));
		found = s && strstr(s, want);
		free(s);
	}
	return found;
}

/* Judges an answer already known to be ours. */
static void judge(const struct health_check *c, ldns_pkt *a, struct health_probe *res)
{
	ldns_rr_list *ans = ldns_pkt_answer(a);
	size_t i, typed = 0;
	char *type = ldns_rr_type2str((ldns_rr_type)c->qtype);

	res->status = ldns_pkt_get_rcode(a);
	if (res->status != LDNS_RCODE_NOERROR) {
		ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)res->status);
		snprintf(res->reason, sizeof(res->reason), "DNS %s for %s", lt ? lt->name : "error",
			 c->host);
		goto out;
	}
	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if ((int)ldns_rr_get_type(rr) != c->qtype)
			continue;
		typed++;
		if (!c->body_contains || rr_contains(rr, c->body_contains)) {
			res->ok = true;
			snprintf(res->reason, sizeof(res->reason), "DNS NOERROR, %s found", type);
			goto out;
		}
	}
	if (typed)
		snprintf(res->reason, sizeof(res->reason), "no %s record of %s contains \"%.64s\"",
			 type, c->host, c->body_contains);
	else
		snprintf(res->reason, sizeof(res->reason), "no %s record for %s in the answer", type,
			 c->host);
out:
	free(type);
}

int dns_probe_receive(struct probe *p, struct health_probe *res)
{
	uint8_t buf[DNS_ANSWER_MAX];
	ldns_pkt *a = NULL;
	ssize_t n;

	n = recv(p->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	res->ok = false;
	if (n < 0) {
		snprintf(res->reason, sizeof(res->reason), "%s",
			 errno == ECONNREFUSED ? "connection refused (no DNS server there)" : strerror(errno));
		return 1;
	}
	if (ldns_wire2pkt(&a, buf, (size_t)n) != LDNS_STATUS_OK)
		return 0; /* not a DNS message: keep waiting for the answer */
	if (ldns_pkt_id(a) != p->id || !ldns_pkt_qr(a)) {
		ldns_pkt_free(a);
		return 0;
	}
	if (ldns_pkt_tc(a))
		snprintf(res->reason, sizeof(res->reason), "answer truncated (too large for UDP)");
	else
		judge(p->check, a, res);
	ldns_pkt_free(a);
	return 1;
}
