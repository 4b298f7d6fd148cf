/* dnsctl/dns_rdata.c — RDATA between presentation text and canonical wire.
 *
 * A and AAAA, nearly every record a cutover switches, go through inet_pton;
 * the other types through ldns's parser once, when the plan or a payload is
 * read. Sets are sorted so two RRsets compare with one pass.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"
#include "util.h"

/* Parses text as the data of a zone file line; origin (a zone, "example.com.")
 * completes names without a trailing dot as $ORIGIN does; NULL: the root. */
static int rr_from_text(uint16_t type, const char *text, const char *origin, ldns_rr **ret,
			const char **why)
{
	ldns_rdf *org = NULL;
	char *line;
	ldns_status st;

	if (strpbrk(text, "\n;()")) {
		*why = "no newlines, ';' or parentheses in record data";
		return -EINVAL;
	}
	if (origin && ldns_str2rdf_dname(&org, origin) != LDNS_STATUS_OK) {
		*why = "the zone is not a valid name";
		return -EINVAL;
	}
	line = xasprintf("x. 0 IN %s %s", dns_type_name(type), text);
	st = ldns_rr_new_frm_str(ret, line, 0, org, NULL);
	free(line);
	ldns_rdf_deep_free(org);
	if (st != LDNS_STATUS_OK) {
		*why = ldns_get_errorstr_by_id(st);
		if (!*why)
			*why = "not valid data for this type";
		return -EINVAL;
	}
	if (ldns_rr_rd_count(*ret) == 0) {
		ldns_rr_free(*ret);
		*why = "no data";
		return -EINVAL;
	}
	ldns_rr2canonical(*ret);
	return 0;
}

int dns_rdata_from_text(uint16_t type, const char *text, uint8_t *out, size_t *ret_len,
			const char **why)
{
	ldns_buffer *b;
	ldns_rr *rr;
	int r;

	if (type == DNS_T_A || type == DNS_T_AAAA) {
		if (inet_pton(type == DNS_T_A ? AF_INET : AF_INET6, text, out) != 1) {
			*why = type == DNS_T_A ? "not an IPv4 address" : "not an IPv6 address";
			return -EINVAL;
		}
		*ret_len = type == DNS_T_A ? 4 : 16;
		return 0;
	}
	r = rr_from_text(type, text, NULL, &rr, why);
	if (r < 0)
		return r;
	b = ldns_buffer_new(512);
	if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK || ldns_buffer_position(b) > 65535) {
		*why = "cannot encode the data";
		r = -EINVAL;
	} else {
		*ret_len = ldns_buffer_position(b);
		memcpy(out, ldns_buffer_begin(b), *ret_len);
	}
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return r;
}

static char *rr_rdata_text(const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(256);
	char *s;
	size_t i;

	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i)
			ldns_buffer_printf(b, " ");
		ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
	}
	s = xstrndup((const char *)ldns_buffer_begin(b), ldns_buffer_position(b));
	ldns_buffer_free(b);
	return s;
}

/* An address's text: inet_ntop's for IPv6; IPv4 here, because glibc formats
 * it with sprintf and a 1,000-record switch has 2,000 of them. */
static void address_text(uint16_t type, const uint8_t *bin, char *buf, size_t size)
{
	size_t i, n = 0;

	if (type != DNS_T_A) {
		inet_ntop(AF_INET6, bin, buf, (socklen_t)size);
		return;
	}
	for (i = 0; i < 4; i++) {
		unsigned v = bin[i];
		if (i)
			buf[n++] = '.';
		if (v >= 100)
			buf[n++] = (char)('0' + v / 100);
		if (v >= 10)
			buf[n++] = (char)('0' + v / 10 % 10);
		buf[n++] = (char)('0' + v % 10);
	}
	buf[n] = '\0';
}

int dns_rdata_canon_text(uint16_t type, const char *text, const char *origin, char **ret,
			 const char **why)
{
	uint8_t bin[16];
	char buf[INET6_ADDRSTRLEN];
	ldns_rr *rr;
	size_t len;
	int r;

	if (type == DNS_T_A || type == DNS_T_AAAA) {
		r = dns_rdata_from_text(type, text, bin, &len, why);
		if (r < 0)
			return r;
		address_text(type, bin, buf, sizeof(buf));
		*ret = xstrdup(buf);
		return 0;
	}
	r = rr_from_text(type, text, origin, &rr, why);
	if (r < 0)
		return r;
	*ret = rr_rdata_text(rr);
	ldns_rr_free(rr);
	return 0;
}

char *dns_rdata_to_text(uint16_t type, const uint8_t *data, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	uint8_t *wire;
	ldns_rr *rr;
	size_t pos = 0;
	char *s;

	if ((type == DNS_T_A && len == 4) || (type == DNS_T_AAAA && len == 16)) {
		address_text(type, data, buf, sizeof(buf));
		return xstrdup(buf);
	}
	wire = xmalloc(len + 2);
	wire[0] = (uint8_t)(len >> 8);
	wire[1] = (uint8_t)len;
	memcpy(wire + 2, data, len);
	rr = ldns_rr_new();
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	if (ldns_wire2rdf(rr, wire, len + 2, &pos) == LDNS_STATUS_OK)
		s = rr_rdata_text(rr);
	else
		s = xstrdup("(undecodable data)");
	ldns_rr_free(rr);
	free(wire);
	return s;
}

char *dns_rdset_to_text(uint16_t type, const struct dns_rdset *s)
{
	size_t i, len = 0, cap = 64;
	char *out;

	if (s->n == 0)
		return xstrdup("nothing");
	out = xmalloc(cap);
	out[0] = '\0';
	for (i = 0; i < s->n; i++) {
		char *t = dns_rdata_to_text(type, s->v[i].data, s->v[i].len);
		size_t tl = strlen(t);
		while (len + tl + 3 > cap) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
		if (i) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, t, tl + 1);
		len += tl;
		free(t);
	}
	return out;
}

void dns_rdset_add(struct dns_rdset *s, const uint8_t *data, size_t len)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n].len = (uint16_t)len;
	s->v[s->n].data = xmalloc(len ? len : 1);
	memcpy(s->v[s->n].data, data, len);
	s->n++;
}

static int rd_cmp(const void *a, const void *b)
{
	const struct dns_rd *x = a, *y = b;
	size_t l = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, l);

	if (c)
		return c;
	return (int)x->len - (int)y->len;
}

/* Sorts and drops duplicates (an RRset is a set). */
void dns_rdset_sort(struct dns_rdset *s)
{
	size_t i, o = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), rd_cmp);
	for (i = 0; i < s->n; i++) {
		if (o && rd_cmp(&s->v[o - 1], &s->v[i]) == 0) {
			free(s->v[i].data);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
}

bool dns_rdset_equal(const struct dns_rdset *a, const struct dns_rdset *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (rd_cmp(&a->v[i], &b->v[i]) != 0)
			return false;
	return true;
}

void dns_rdset_free(struct dns_rdset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].data);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int dns_rdset_from_texts(uint16_t type, const char *const *texts, size_t n, struct dns_rdset *ret,
			 const char **why)
{
	uint8_t *buf = xmalloc(65536);
	size_t i, len;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < n && r == 0; i++) {
		r = dns_rdata_from_text(type, texts[i], buf, &len, why);
		if (r == 0)
			dns_rdset_add(ret, buf, len);
	}
	free(buf);
	if (r < 0)
		dns_rdset_free(ret);
	else
		dns_rdset_sort(ret);
	return r;
}

int dns_rdset_from_json(uint16_t type, const json_t *arr, struct dns_rdset *ret, const char **why)
{
	const char *texts[DNS_RDATA_MAX_WIRE];
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr) || n > DNS_RDATA_MAX_WIRE) {
		*why = "not an array of at most 64 strings";
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		texts[i] = json_string_value(json_array_get(arr, i));
		if (!texts[i]) {
			*why = "not an array of strings";
			return -EINVAL;
		}
	}
	return dns_rdset_from_texts(type, texts, n, ret, why);
}
