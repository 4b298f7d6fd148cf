/* health/health_dns.c — dns probes: one UDP query, polled on the monitor's loop.
 *
 * A probe passes when the target answers the check's name and type with
 * NOERROR and at least one record of that type (whose whole data equals
 * body_contains, when given: addresses compared as addresses, names in any
 * case with or without the final dot, other fields as ldns prints them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* ---- comparing a record's data with the expected text ---- */

#define BLANKS " \t"

/* Two names equal: any case, with or without the final dot. */
static bool name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen > 1 && a[alen - 1] == '.')
		alen--;
	if (blen > 1 && b[blen - 1] == '.')
		blen--;
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* An A or AAAA field equal to the address written in tok[0..len). */
static bool addr_equal(const ldns_rdf *f, const char *tok, size_t len, int af)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	size_t size = af == AF_INET ? 4 : 16;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	return inet_pton(af, buf, bin) == 1 && ldns_rdf_size(f) == size &&
	       memcmp(bin, ldns_rdf_data(f), size) == 0;
}

/* Any other field: as printed, or a quoted string's text without its
 * quotes. *n: the length matched. */
static bool text_equal(const char *text, const char *p, size_t *n)
{
	size_t len = strlen(text);

	if (strncmp(p, text, len) == 0) {
		*n = len;
		return true;
	}
	if (len >= 2 && text[0] == '"' && text[len - 1] == '"' &&
	    strncmp(p, text + 1, len - 2) == 0) {
		*n = len - 2;
		return true;
	}
	return false;
}

/* One field against the text at *pos, which must end there or at a blank;
 * on a match *pos moves past it. */
static bool field_equal(const ldns_rdf *f, const char **pos)
{
	const char *p = *pos;
	size_t tok = strcspn(p, BLANKS), n = tok;
	char *text = NULL;
	bool ok;

	switch (ldns_rdf_get_type(f)) {
	case LDNS_RDF_TYPE_A:
		ok = addr_equal(f, p, tok, AF_INET);
		break;
	case LDNS_RDF_TYPE_AAAA:
		ok = addr_equal(f, p, tok, AF_INET6);
		break;
	case LDNS_RDF_TYPE_DNAME:
		text = ldns_rdf2str(f);
		ok = text && name_equal(text, strlen(text), p, tok);
		break;
	default:
		text = ldns_rdf2str(f);
		ok = text && text_equal(text, p, &n);
		break;
	}
	free(text);
	if (!ok || (p[n] != '\0' && !strchr(BLANKS, p[n])))
		return false;
	*pos = p + n;
	return true;
}

/* The record's whole data equals want: every field, in order, separated by
 * blanks ("10 mail.example.com" for an MX). */
static bool rr_equal(const ldns_rr *rr, const char *want)
{
	const char *p = want + strspn(want, BLANKS);
	size_t i, sp;

	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		sp = strspn(p, BLANKS);
		if (i > 0 && sp == 0)
			return false;
		p += sp;
		if (!field_equal(ldns_rr_rdf(rr, i), &p))
			return false;
	}
	return i > 0 && p[strspn(p, BLANKS)] == '\0';
}

/* "10 mail.example.com.": the record's fields as a zone file has them. */
static char *rr_data(const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(128);
	char *s;
	size_t i;

	if (!b)
		return NULL;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i)
			ldns_buffer_printf(b, " ");
		ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
	}
	s = ldns_buffer_export2str(b);
	ldns_buffer_free(b);
	return s;
}

/* ---- judging an answer ---- */

/* The typed records of the answer: the first that passes (or -1), the
 * first of the type (or -1) and how many there are. */
static void find_records(const struct health_check *c, ldns_rr_list *ans, long *match,
			 long *first, size_t *typed)
{
	size_t i;

	*match = *first = -1;
	*typed = 0;
	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if ((int)ldns_rr_get_type(rr) != c->qtype)
			continue;
		if (*typed == 0)
			*first = (long)i;
		(*typed)++;
		if (*match < 0 && (!c->body_contains || rr_equal(rr, c->body_contains)))
			*match = (long)i;
	}
}

static void say_found(const ldns_rr *rr, const char *type, struct health_probe *res)
{
	char *data = rr_data(rr);

	res->ok = true;
	snprintf(res->reason, sizeof(res->reason), "DNS NOERROR, %s %.*s", type,
		 (int)utf8_cut(data ? data : "found", 160), data ? data : "found");
	free(data);
}

static void say_other(const struct health_check *c, const ldns_rr *rr, size_t typed,
		      const char *type, struct health_probe *res)
{
	char *data = rr_data(rr);
	char more[32] = "";

	if (typed > 1)
		snprintf(more, sizeof(more), " and %zu more", typed - 1);
	if (!data)
		data = xstrdup("?");
	snprintf(res->reason, sizeof(res->reason),
		 "no %s record of %s is \"%.*s\" (the answer has %.*s%s)", type, c->host,
		 (int)utf8_cut(c->body_contains, 64), c->body_contains,
		 (int)utf8_cut(data, 64), data, more);
	free(data);
}

/* Judges an answer already known to be ours. */
static void judge(const struct health_check *c, ldns_pkt *a, struct health_probe *res)
{
	ldns_rr_list *ans = ldns_pkt_answer(a);
	char *type = ldns_rr_type2str((ldns_rr_type)c->qtype);
	long match, first;
	size_t typed;

	res->status = ldns_pkt_get_rcode(a);
	if (res->status != LDNS_RCODE_NOERROR) {
		ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)res->status);
		snprintf(res->reason, sizeof(res->reason), "DNS %s for %s", lt ? lt->name : "error",
			 c->host);
		goto out;
	}
	find_records(c, ans, &match, &first, &typed);
	if (match >= 0)
		say_found(ldns_rr_list_rr(ans, (size_t)match), type, res);
	else if (typed)
		say_other(c, ldns_rr_list_rr(ans, (size_t)first), typed, type, res);
	else
		snprintf(res->reason, sizeof(res->reason), "no %s record for %s in the answer", type,
			 c->host);
out:
	free(type);
}

int dns_probe_receive(struct probe *p, struct health_probe *res)
{
	uint8_t buf[DNS_ANSWER_MAX];
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
	return dns_answer_judge(p->check, p->id, buf, (size_t)n, res);
}

int dns_answer_judge(const struct health_check *c, uint16_t id, const uint8_t *wire, size_t len,
		     struct health_probe *res)
{
	ldns_pkt *a = NULL;

	if (ldns_wire2pkt(&a, wire, len) != LDNS_STATUS_OK)
		return 0; /* not a DNS message: keep waiting for the answer */
	if (ldns_pkt_id(a) != id || !ldns_pkt_qr(a)) {
		ldns_pkt_free(a);
		return 0;
	}
	if (ldns_pkt_tc(a))
		snprintf(res->reason, sizeof(res->reason), "answer truncated (too large for UDP)");
	else
		judge(c, a, res);
	ldns_pkt_free(a);
	return 1;
}
