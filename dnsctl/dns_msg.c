/* dnsctl/dns_msg.c — a bounds-checked walk over what servers answer.
 *
 * Everything here reads bytes a server controls: every offset is checked
 * against the length, compression pointers must point backwards and are
 * followed a bounded number of times, names stop at 255 bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "dns_internal.h"

#define PTR_HOPS_MAX 64

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dns_msg_name(const uint8_t *m, size_t len, size_t *off, uint8_t out[DNS_NAME_WIRE_MAX],
		 size_t *ret_len)
{
	size_t pos = *off, o = 0, end = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EBADMSG;
		l = m[pos];
		if ((l & 0xC0) == 0xC0) {
			size_t target;
			if (pos + 1 >= len || ++hops > PTR_HOPS_MAX)
				return -EBADMSG;
			target = (size_t)(l & 0x3F) << 8 | m[pos + 1];
			if (!end)
				end = pos + 2;
			if (target >= pos)
				return -EBADMSG;
			pos = target;
			continue;
		}
		if (l & 0xC0)
			return -EBADMSG;
		if (o + l + 1 > DNS_NAME_WIRE_MAX || pos + 1 + l > len)
			return -EBADMSG;
		out[o++] = l;
		if (l == 0)
			break;
		for (size_t i = 0; i < l; i++)
			out[o++] = (uint8_t)tolower(m[pos + 1 + i]);
		pos += 1u + l;
	}
	*off = end ? end : pos + 1;
	*ret_len = o;
	return 0;
}

static int skip_question(const uint8_t *m, size_t len, size_t *off)
{
	uint8_t name[DNS_NAME_WIRE_MAX];
	size_t nl;

	if (dns_msg_name(m, len, off, name, &nl) < 0 || *off + 4 > len)
		return -EBADMSG;
	*off += 4;
	return 0;
}

/* Reads one RR's fixed part; leaves *off after its rdata. */
static int read_rr(const uint8_t *m, size_t len, size_t *off, struct dns_msg_rr *rr)
{
	if (dns_msg_name(m, len, off, rr->owner, &rr->owner_len) < 0 || *off + 10 > len)
		return -EBADMSG;
	rr->type = get16(m + *off);
	rr->class = get16(m + *off + 2);
	rr->ttl = get32(m + *off + 4);
	rr->rdlen = get16(m + *off + 8);
	rr->rdata_off = *off + 10;
	if (rr->rdata_off + rr->rdlen > len)
		return -EBADMSG;
	*off = rr->rdata_off + rr->rdlen;
	return 0;
}

static int read_tsig(const uint8_t *m, const struct dns_msg_rr *rr, struct dns_msg *h)
{
	size_t p = rr->rdata_off, end = rr->rdata_off + rr->rdlen;

	memcpy(h->tsig_name, rr->owner, rr->owner_len);
	h->tsig_name_len = rr->owner_len;
	if (dns_msg_name(m, end, &p, h->tsig_alg, &h->tsig_alg_len) < 0 || p + 10 > end)
		return -EBADMSG;
	h->tsig_time = (uint64_t)get16(m + p) << 32 | get32(m + p + 2);
	h->tsig_fudge = get16(m + p + 6);
	h->tsig_mac_len = get16(m + p + 8);
	p += 10;
	if (p + h->tsig_mac_len + 6 > end)
		return -EBADMSG;
	h->tsig_mac = m + p;
	p += h->tsig_mac_len;
	h->tsig_orig_id = get16(m + p);
	h->tsig_error = get16(m + p + 2);
	h->tsig_other_len = get16(m + p + 4);
	p += 6;
	if (p + h->tsig_other_len != end)
		return -EBADMSG;
	h->tsig_other = m + p;
	return 0;
}

static int scan_records(const uint8_t *m, size_t len, struct dns_msg *h)
{
	size_t off = 12, i, total = (size_t)h->an + h->ns + h->ar;
	struct dns_msg_rr rr;

	for (i = 0; i < h->qd; i++)
		if (skip_question(m, len, &off) < 0)
			return -EBADMSG;
	for (i = 0; i < total; i++) {
		size_t start = off;
		if (read_rr(m, len, &off, &rr) < 0)
			return -EBADMSG;
		if (rr.type == DNS_T_TSIG) {
			if (i != total - 1 || h->ar == 0)
				return -EBADMSG; /* TSIG must be the last RR */
			h->tsig_off = start;
			if (read_tsig(m, &rr, h) < 0)
				return -EBADMSG;
		}
	}
	return 0;
}

int dns_msg_scan(const uint8_t *m, size_t len, struct dns_msg *h)
{
	memset(h, 0, sizeof(*h));
	if (len < 12)
		return -EBADMSG;
	h->id = get16(m);
	h->flags = get16(m + 2);
	h->qd = get16(m + 4);
	h->an = get16(m + 6);
	h->ns = get16(m + 8);
	h->ar = get16(m + 10);
	h->qr = (h->flags & 0x8000) != 0;
	h->opcode = (h->flags >> 11) & 0xF;
	h->aa = (h->flags & 0x0400) != 0;
	h->tc = (h->flags & 0x0200) != 0;
	h->rcode = h->flags & 0xF;
	return scan_records(m, len, h);
}

int dns_msg_next_answer(const uint8_t *m, size_t len, const struct dns_msg *h, size_t *off,
			size_t *idx, struct dns_msg_rr *rr)
{
	size_t i;

	if (*off == 0) {
		*off = 12;
		*idx = 0;
		for (i = 0; i < h->qd; i++)
			if (skip_question(m, len, off) < 0)
				return -EBADMSG;
	}
	if (*idx >= h->an)
		return 0;
	if (read_rr(m, len, off, rr) < 0)
		return -EBADMSG;
	(*idx)++;
	return 1;
}

/* Copies a (compressed) name in rdata as canonical wire. */
static int copy_name(const uint8_t *m, size_t len, size_t *p, uint8_t *out, size_t *o)
{
	uint8_t name[DNS_NAME_WIRE_MAX];
	size_t nl;

	if (dns_msg_name(m, len, p, name, &nl) < 0)
		return -EBADMSG;
	memcpy(out + *o, name, nl);
	*o += nl;
	return 0;
}

static int copy_raw(const uint8_t *m, size_t end, size_t *p, size_t n, uint8_t *out, size_t *o)
{
	if (*p + n > end)
		return -EBADMSG;
	memcpy(out + *o, m + *p, n);
	*p += n;
	*o += n;
	return 0;
}

int dns_msg_rdata_canon(const uint8_t *m, size_t len, const struct dns_msg_rr *rr, uint8_t *out,
			size_t *ret_len)
{
	size_t p = rr->rdata_off, end = rr->rdata_off + rr->rdlen, o = 0, fixed = 0;
	int r = 0;

	switch (rr->type) {
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		r = copy_name(m, len, &p, out, &o);
		break;
	case DNS_T_MX:
		fixed = 2;
		break;
	case DNS_T_SRV:
		fixed = 6;
		break;
	case DNS_T_SOA:
		r = copy_name(m, len, &p, out, &o);
		if (r == 0)
			r = copy_name(m, len, &p, out, &o);
		if (r == 0)
			r = copy_raw(m, end, &p, 20, out, &o);
		break;
	default:
		r = copy_raw(m, end, &p, rr->rdlen, out, &o);
	}
	if (r == 0 && fixed) {
		r = copy_raw(m, end, &p, fixed, out, &o);
		if (r == 0)
			r = copy_name(m, len, &p, out, &o);
	}
	if (r < 0 || p != end)
		return -EBADMSG;
	*ret_len = o;
	return 0;
}

int dns_msg_rrset(const uint8_t *m, size_t len, const uint8_t *owner, size_t owner_len,
		  uint16_t type, struct dns_rdset *ret, uint32_t *ret_ttl)
{
	struct dns_msg h;
	struct dns_msg_rr rr;
	uint8_t buf[DNS_MSG_MAX];
	size_t off = 0, idx = 0, bl;
	int r;

	memset(ret, 0, sizeof(*ret));
	*ret_ttl = 0;
	if (dns_msg_scan(m, len, &h) < 0)
		return -EBADMSG;
	while ((r = dns_msg_next_answer(m, len, &h, &off, &idx, &rr)) > 0) {
		if (rr.type != type || rr.class != DNS_C_IN || rr.owner_len != owner_len ||
		    memcmp(rr.owner, owner, owner_len) != 0)
			continue;
		if (dns_msg_rdata_canon(m, len, &rr, buf, &bl) < 0) {
			r = -EBADMSG;
			break;
		}
		dns_rdset_add(ret, buf, bl);
		*ret_ttl = rr.ttl;
	}
	if (r < 0) {
		dns_rdset_free(ret);
		return r;
	}
	dns_rdset_sort(ret);
	return 0;
}
