/* dnsctl/dns_steps.c — from the plan to steps, and what the primaries hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"
#include "dnsctl.h"
#include "util.h"

/* ---- keys ---- */

int dns_tsig_key_usable(const struct tsig_key *k, const char *key_file, struct cut_err *err)
{
	const char *why;

	if (dns_tsig_check_key(k, &why) == 0)
		return 0;
	return cut_errf(err, CUT_EINPUT, "fix the key in the key file and on the server, or name "
			"another key with key_name", "%s: key \"%s\" (%s): %s", key_file, k->name,
			k->algorithm, why);
}

/* Reads a signed server's key file as a sending command does. */
static int check_key_file(const struct dns_server *s, struct cut_err *err)
{
	struct tsig_key *k = NULL;
	int r = tsig_key_load(s->key_file, s->key_name, &k, err);

	if (r == 0)
		r = dns_tsig_key_usable(k, s->key_file, err);
	tsig_key_free(k);
	return r;
}

int dns_plan_check_keys(const struct dns_plan *p, bool allow_unsigned, struct cut_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < p->nzones; i++) {
		const struct dns_server *s = &p->servers[p->zones[i].primary];

		if (s->is_unsigned) {
			if (!allow_unsigned)
				return cut_errf(err, CUT_EUNSAFE, "anyone who can reach the server could "
						"do the same; pass --allow-unsigned only if that is "
						"really so", "primary \"%s\" (%s#%u) of zone %s takes "
						"unsigned updates: refused", s->name, s->address,
						s->port, p->zones[i].name);
			continue;
		}
		r = check_key_file(s, err);
		if (r < 0) {
			cut_err_prefix(err, "primary \"%s\" of zone %s", s->name, p->zones[i].name);
			return r;
		}
	}
	return 0;
}

void dns_plan_check_key_files(const struct dns_plan *p, struct schema *sc)
{
	size_t i;

	for (i = 0; i < p->nservers; i++) {
		const struct dns_server *s = &p->servers[i];
		struct cut_err err;

		if (!s->primary || !s->key_file)
			continue;
		cut_err_clear(&err);
		if (check_key_file(s, &err) < 0)
			schema_error(sc, s->key_path, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	}
}

/* ---- payloads ---- */

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Defaults are left out of payloads (dns_payload.c fills them back in): a
 * journal holds a payload per record, and 1,000 records are 1,000 of them. */
static json_t *server_json(const struct dns_server *s, const struct dns_step_opts *o)
{
	json_t *j = json_pack("{s:s,s:i}", "address", s->address, "port", (int)s->port);

	if (s->timeout_ms != DNS_TIMEOUT_DEFAULT_MS)
		json_object_set_new(j, "timeout_ms", json_integer((json_int_t)s->timeout_ms));
	if (s->key_file)
		json_object_set_new(j, "key_file", json_string(s->key_file));
	if (s->key_name)
		json_object_set_new(j, "key_name", json_string(s->key_name));
	if (s->is_unsigned && o->allow_unsigned)
		json_object_set_new(j, "unsigned", json_true());
	return j;
}

static json_t *verify_json(const struct dns_plan *p, const struct dns_zone *z)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < z->nverify; i++) {
		const struct dns_server *s = &p->servers[z->verify[i]];
		json_array_append_new(a, json_pack("{s:s,s:i}", "address", s->address, "port",
						   (int)s->port));
	}
	return a;
}

/* What every payload of one zone shares: built once, referenced by each
 * (payloads are never changed once built). */
struct zone_json {
	json_t *server;   /* NULL until the zone's first record */
	json_t *verify;   /* NULL when the zone has no verify servers */
	json_t *zone;
};

static void zone_json_init(struct zone_json *zj, const struct dns_plan *p, size_t zi,
			   const struct dns_step_opts *o)
{
	const struct dns_zone *z = &p->zones[zi];

	if (zj->server)
		return;
	zj->server = server_json(&p->servers[z->primary], o);
	zj->verify = z->nverify ? verify_json(p, z) : NULL;
	zj->zone = json_string(z->name);
}

static void zone_json_free(struct zone_json *zj, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(zj[i].server);
		json_decref(zj[i].verify);
		json_decref(zj[i].zone);
	}
	free(zj);
}

struct side {
	uint16_t type, to_type;
	json_t *owner, *type_json, *to_type_json, *from, *to; /* borrowed: each payload
							       * takes its own reference */
	uint32_t ttl;
};

static json_t *payload(const struct dns_plan *p, const struct dns_record *r, const struct side *sd,
		       const struct zone_json *zj, const struct dns_step_opts *o)
{
	const struct dns_zone *z = &p->zones[r->zone];
	/* Member by member: json_pack parses its format string for each of the
	 * 2,000 payloads of a 1,000-record switch; the keys are literals, so no
	 * UTF-8 check either. */
	json_t *j = json_object();

	json_object_set_nocheck(j, "server", zj->server);
	json_object_set_nocheck(j, "zone", zj->zone);
	json_object_set_nocheck(j, "owner", sd->owner);
	json_object_set_nocheck(j, "type", sd->type_json);
	json_object_set_nocheck(j, "from", sd->from);
	json_object_set_nocheck(j, "to", sd->to);
	json_object_set_new_nocheck(j, "ttl", json_integer((json_int_t)sd->ttl));

	if (sd->to_type != sd->type)
		json_object_set_nocheck(j, "to_type", sd->to_type_json);
	if (zj->verify)
		json_object_set_nocheck(j, "verify", zj->verify);
	if (z->verify_ns)
		json_object_set_new_nocheck(j, "verify_ns", json_true());
	if (o->verify_wait_ms != DNS_ROLLBACK_WAIT_MS)
		json_object_set_new_nocheck(j, "verify_wait_ms",
					    json_integer((json_int_t)o->verify_wait_ms));
	return j;
}

/* The inverse names the apply payload: the same change reversed, with this
 * TTL (dns_payload.c). Half the payloads to build, journal and free. */
static json_t *inverse_payload(json_t *apply_name, uint32_t ttl)
{
	json_t *j = json_object();

	json_object_set_nocheck(j, "inverse_of", apply_name);
	json_object_set_new_nocheck(j, "ttl", json_integer((json_int_t)ttl));
	return j;
}

static char *join(char *const *v, size_t n)
{
	size_t i, len = 1, o = 0;
	char *s;

	if (n == 0)
		return xstrdup("nothing");
	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	s = xcalloc(1, len);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, len - o, "%s%s", i ? ", " : "", v[i]);
	return s;
}

/* Records ordered by zone, so each zone is one run of steps (one batch). */
static size_t *by_zone(const struct dns_plan *p)
{
	size_t *order = xcalloc(p->nrecords + 1, sizeof(*order)), z, i, n = 0;

	for (z = 0; z < p->nzones; z++)
		for (i = 0; i < p->nrecords; i++)
			if (p->records[i].zone == z)
				order[n++] = i;
	return order;
}

static int check_plan(const struct dns_plan *p, struct cut_err *err)
{
	size_t i;

	for (i = 0; i < p->nrecords; i++)
		if (p->records[i].zone >= p->nzones ||
		    p->zones[p->records[i].zone].primary >= p->nservers)
			return cut_errf(err, CUT_EINPUT, "run `cutover check PLAN`",
					"%s: the plan has errors", p->records[i].path);
	return 0;
}

/* The TTL a rollback gives `from` back: the plan's restore_ttl, else the TTL
 * the primary held before the switch (the lowered one after a prelower, whose
 * own rollback then restores the one before), else the switch's TTL. */
static uint32_t restore_ttl(const struct dns_record *rec, const struct dns_current *c)
{
	if (rec->restore_ttl_set || !c || rec->nfrom == 0 || !c->matches)
		return rec->restore_ttl;
	return c->ttl;
}

int dns_switch_steps(const struct dns_plan *p, const struct dns_current *cur,
		     const struct dns_step_opts *o, struct step **ret, size_t *ret_n,
		     struct cut_err *err)
{
	struct zone_json *zj;
	struct step *steps;
	json_t *apply_name;
	size_t *order, i;
	int r = check_plan(p, err);

	if (r < 0)
		return r;
	apply_name = json_string_nocheck("apply");
	order = by_zone(p);
	steps = xcalloc(p->nrecords + 1, sizeof(*steps));
	zj = xcalloc(p->nzones + 1, sizeof(*zj));
	for (i = 0; i < p->nrecords; i++) {
		const struct dns_record *rec = &p->records[order[i]];
		json_t *from = strv_json(rec->from, rec->nfrom), *to = strv_json(rec->to, rec->nto);
		json_t *owner = json_string(rec->owner), *t = json_string(dns_type_name(rec->type));
		json_t *tt = rec->to_type == rec->type ? json_incref(t)
						       : json_string(dns_type_name(rec->to_type));
		struct side fwd = { rec->type, rec->to_type, owner, t, tt, from, to, rec->ttl };
		char *a = join(rec->from, rec->nfrom), *b = join(rec->to, rec->nto);

		zone_json_init(&zj[rec->zone], p, rec->zone, o);
		step_init(&steps[i], dns_rrset_kind.name, payload(p, rec, &fwd, &zj[rec->zone], o),
			  inverse_payload(apply_name, restore_ttl(rec, cur ? &cur[order[i]] : NULL)),
			  "%s %s %s -> %s %s", rec->owner,
			  dns_type_name(rec->type), a, dns_type_name(rec->to_type), b);
		json_decref(from);
		json_decref(to);
		json_decref(owner);
		json_decref(t);
		json_decref(tt);
		free(a);
		free(b);
	}
	json_decref(apply_name);
	zone_json_free(zj, p->nzones);
	free(order);
	*ret = steps;
	*ret_n = p->nrecords;
	return 0;
}

int dns_prelower_steps(const struct dns_plan *p, const struct dns_current *cur,
		       const struct dns_step_opts *o, struct step **ret, size_t *ret_n,
		       struct cut_err *err)
{
	struct zone_json *zj;
	struct step *steps;
	json_t *apply_name;
	size_t *order, i, n = 0;
	int r = check_plan(p, err);

	if (r < 0)
		return r;
	apply_name = json_string_nocheck("apply");
	order = by_zone(p);
	steps = xcalloc(p->nrecords + 1, sizeof(*steps));
	zj = xcalloc(p->nzones + 1, sizeof(*zj));
	for (i = 0; i < p->nrecords; i++) {
		const struct dns_record *rec = &p->records[order[i]];
		const struct dns_current *c = &cur[order[i]];
		struct side low;
		json_t *from, *owner, *t;

		if (rec->nfrom == 0 || !c->matches || c->ttl <= p->lowered_ttl)
			continue;
		from = strv_json(rec->from, rec->nfrom);
		owner = json_string(rec->owner);
		t = json_string(dns_type_name(rec->type));
		low = (struct side){ rec->type, rec->type, owner, t, t, from, from, p->lowered_ttl };
		zone_json_init(&zj[rec->zone], p, rec->zone, o);
		step_init(&steps[n++], dns_ttl_kind.name, payload(p, rec, &low, &zj[rec->zone], o),
			  inverse_payload(apply_name, c->ttl), "%s %s TTL %u -> %u", rec->owner,
			  dns_type_name(rec->type), c->ttl, p->lowered_ttl);
		json_decref(from);
		json_decref(owner);
		json_decref(t);
	}
	json_decref(apply_name);
	zone_json_free(zj, p->nzones);
	free(order);
	*ret = steps;
	*ret_n = n;
	return 0;
}

/* ---- reading what the primaries hold ---- */

struct cur_read {
	const struct dns_plan *p;
	const size_t *rec;       /* question -> record index, or (size_t)-1 - zone */
	const uint16_t *beside;  /* the type a question asks for what else the owner
				  * holds (ANY or one of beside_types); 0 if not one */
	bool from_rrsets;        /* also the `from` RRsets and the zones' SOAs */
	struct dns_current *cur;
	uint32_t *negttl;
	struct dns_rdset *want;
	int rcode;
	size_t bad_q;
};

static void read_soa(struct cur_read *cr, size_t z, const uint8_t *m, size_t len)
{
	const char *why;
	uint8_t zw[DNS_NAME_WIRE_MAX];
	size_t zl;
	struct dns_rdset s;
	uint32_t ttl, min;

	if (dns_name_to_wire(cr->p->zones[z].name, zw, &zl, &why) < 0 ||
	    dns_msg_rrset(m, len, zw, zl, DNS_T_SOA, &s, &ttl) < 0)
		return;
	if (s.n == 1 && s.v[0].len >= 20) {
		const uint8_t *q = s.v[0].data + s.v[0].len - 4;
		min = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
		cr->negttl[z] = min < ttl ? min : ttl;
	}
	dns_rdset_free(&s);
}

/* Types that may share a name with a CNAME (RFC 4035 §2.5, RFC 2136 §3.4.2.2). */
static bool beside_cname_ok(uint16_t type)
{
	return type == DNS_T_CNAME || type == DNS_T_RRSIG || type == DNS_T_NSEC;
}

/* Notes a type the owner holds besides the RRset being replaced. In an
 * answer to ANY a HINFO may be the server's stand-in for "not answering
 * ANY" (RFC 8482 §4.2); a real one shows in the answer to HINFO. */
static int read_beside(struct dns_current *cur, const struct dns_record *r, uint16_t asked,
		       const uint8_t *ow, size_t ol, const uint8_t *m, size_t len,
		       const struct dns_msg *h)
{
	struct dns_msg_rr rr;
	size_t off = 0, idx = 0;
	int k;

	while ((k = dns_msg_next_answer(m, len, h, &off, &idx, &rr)) > 0) {
		if (rr.class != DNS_C_IN || rr.owner_len != ol || memcmp(rr.owner, ow, ol) != 0 ||
		    rr.type == r->type || beside_cname_ok(rr.type) ||
		    (asked == DNS_T_ANY && rr.type == 13 /* HINFO */))
			continue;
		cur->beside = rr.type;
		return 0;
	}
	return k < 0 ? CUT_EPEER : 0;
}

static int on_current(void *cookie, size_t qi, const uint8_t *m, size_t len,
		      const struct dns_msg *h)
{
	struct cur_read *cr = cookie;
	size_t ri = cr->rec[qi];
	const struct dns_record *r;
	uint8_t ow[DNS_NAME_WIRE_MAX];
	size_t ol;
	const char *why;
	struct dns_rdset has;
	uint32_t ttl;

	if ((h->rcode != DNS_R_NOERROR && h->rcode != DNS_R_NXDOMAIN) || !h->aa) {
		cr->rcode = h->rcode ? (int)h->rcode : -1;
		cr->bad_q = qi;
		return 0;
	}
	if (ri >= cr->p->nrecords) {
		read_soa(cr, (size_t)-1 - ri, m, len);
		return 0;
	}
	r = &cr->p->records[ri];
	if (dns_name_to_wire(r->owner, ow, &ol, &why) < 0)
		return CUT_EPEER;
	if (cr->beside[qi])
		return read_beside(&cr->cur[ri], r, cr->beside[qi], ow, ol, m, len, h);
	if (dns_msg_rrset(m, len, ow, ol, r->type, &has, &ttl) < 0)
		return CUT_EPEER;
	cr->cur[ri].matches = dns_rdset_equal(&has, &cr->want[ri]);
	cr->cur[ri].ttl = has.n ? ttl : 0;
	cr->cur[ri].has = dns_rdset_to_text(r->type, &has);
	dns_rdset_free(&has);
	return 0;
}

static bool becomes_cname(const struct dns_record *r)
{
	return r->to_type == DNS_T_CNAME && r->type != DNS_T_CNAME && r->nto;
}

/* Asked one by one beside ANY for an owner that becomes a CNAME: a server
 * may answer ANY with one RRset of the owner's (RFC 8482; Knot does so over
 * TCP too), so ANY alone can miss what would keep the CNAME out. */
static const uint16_t beside_types[] = {
	DNS_T_A, DNS_T_NS, DNS_T_PTR, 13 /* HINFO */, DNS_T_MX, DNS_T_TXT, DNS_T_AAAA,
	29 /* LOC */, DNS_T_SRV, 35 /* NAPTR */, 39 /* DNAME */, 43 /* DS */, 44 /* SSHFP */,
	52 /* TLSA */, 53 /* SMIMEA */, 61 /* OPENPGPKEY */, 64 /* SVCB */, 65 /* HTTPS */,
	99 /* SPF */, 256 /* URI */, 257 /* CAA */,
};
#define NBESIDE (sizeof(beside_types) / sizeof(beside_types[0]))

/* Appends the questions for what else record r's owner (name, len) holds:
 * ANY and each of beside_types but r's own type. Returns the new count. */
static size_t ask_beside(const struct dns_record *r, size_t ri, const uint8_t *name, size_t len,
			 struct dns_question *q, size_t *rec, uint16_t *beside, size_t n)
{
	size_t t;

	q[n] = (struct dns_question){ name, len, DNS_T_ANY };
	beside[n] = DNS_T_ANY;
	rec[n++] = ri;
	for (t = 0; t < NBESIDE; t++) {
		if (beside_types[t] == r->type)
			continue;
		q[n] = (struct dns_question){ name, len, beside_types[t] };
		beside[n] = beside_types[t];
		rec[n++] = ri;
	}
	return n;
}

/* Questions for one primary: its zones' SOAs, their records' `from` and,
 * for a record that becomes a CNAME, everything its owner holds. */
static size_t questions_for(const struct dns_plan *p, size_t server, bool from_rrsets,
			    struct dns_question *q, size_t *rec, uint16_t *beside,
			    uint8_t (*names)[DNS_NAME_WIRE_MAX])
{
	size_t z, i, n = 0, len;
	const char *why;

	for (z = 0; z < p->nzones; z++) {
		if (p->zones[z].primary != server)
			continue;
		if (from_rrsets && dns_name_to_wire(p->zones[z].name, names[n], &len, &why) == 0) {
			q[n] = (struct dns_question){ names[n], len, DNS_T_SOA };
			rec[n++] = (size_t)-1 - z;
		}
		for (i = 0; i < p->nrecords; i++) {
			const struct dns_record *r = &p->records[i];
			uint8_t *name = names[n];
			if (r->zone != z || (!from_rrsets && !becomes_cname(r)) ||
			    dns_name_to_wire(r->owner, name, &len, &why) < 0)
				continue;
			if (from_rrsets) {
				q[n] = (struct dns_question){ name, len, r->type };
				rec[n++] = i;
			}
			if (becomes_cname(r))
				n = ask_beside(r, i, name, len, q, rec, beside, n);
		}
	}
	return n;
}

static int read_server(const struct dns_plan *p, size_t server, struct cur_read *cr,
		       struct cut_err *err)
{
	const struct dns_server *s = &p->servers[server];
	size_t cap = p->nrecords + p->nzones + 1, nq, i;
	struct dns_question *q;
	uint8_t (*names)[DNS_NAME_WIRE_MAX];
	size_t *rec;
	uint16_t *beside;
	struct dns_conn c;
	int r;

	for (i = 0; i < p->nrecords; i++)
		cap += becomes_cname(&p->records[i]) ? 1 + NBESIDE : 0;
	q = xcalloc(cap, sizeof(*q));
	names = xcalloc(cap, sizeof(*names));
	rec = xcalloc(cap, sizeof(*rec));
	beside = xcalloc(cap, sizeof(*beside));

	nq = questions_for(p, server, cr->from_rrsets, q, rec, beside, names);
	cr->rec = rec;
	cr->beside = beside;
	cr->rcode = 0;
	r = nq ? dns_conn_open(&c, s->address, s->port, now_monotonic_ms() + s->timeout_ms, err) : 0;
	if (r == 0 && nq) {
		r = dns_query_many(&c, q, nq, now_monotonic_ms() + s->timeout_ms, on_current, cr, err);
		dns_conn_close(&c);
	}
	if (r == 0 && cr->rcode) {
		size_t ri = rec[cr->bad_q];
		r = cut_errf(err, CUT_EPEER, "check the zone name and that the server is its primary",
			     "%s#%u: not authoritative for %s (%s)", s->address, s->port,
			     ri < p->nrecords ? p->records[ri].owner : p->zones[(size_t)-1 - ri].name,
			     cr->rcode > 0 ? dns_rcode_name((unsigned)cr->rcode) : "no AA bit");
	}
	free(q);
	free(names);
	free(rec);
	free(beside);
	return r;
}

int dns_read_current(const struct dns_plan *p, bool from_rrsets, struct dns_current **ret,
		     uint32_t **ret_negttl, struct cut_err *err)
{
	struct cur_read cr = { .p = p, .from_rrsets = from_rrsets };
	size_t i;
	int r = check_plan(p, err);

	*ret = NULL;
	*ret_negttl = NULL;
	if (r < 0)
		return r;
	cr.cur = xcalloc(p->nrecords + 1, sizeof(*cr.cur));
	cr.negttl = xcalloc(p->nzones + 1, sizeof(*cr.negttl));
	cr.want = xcalloc(p->nrecords + 1, sizeof(*cr.want));
	for (i = 0; i < p->nrecords && r == 0; i++) {
		const char *why;
		r = dns_rdset_from_texts(p->records[i].type, (const char *const *)p->records[i].from,
					 p->records[i].nfrom, &cr.want[i], &why);
		if (r < 0)
			r = cut_errf(err, CUT_EINPUT, NULL, "%s: %s", p->records[i].path, why);
	}
	for (i = 0; i < p->nservers && r == 0; i++)
		if (p->servers[i].primary)
			r = read_server(p, i, &cr, err);
	for (i = 0; i < p->nrecords; i++)
		dns_rdset_free(&cr.want[i]);
	free(cr.want);
	if (r < 0) {
		dns_current_free(cr.cur, p->nrecords);
		free(cr.negttl);
		return r;
	}
	*ret = cr.cur;
	*ret_negttl = cr.negttl;
	return 0;
}

void dns_current_free(struct dns_current *c, size_t n)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < n; i++)
		free(c[i].has);
	free(c);
}

int dns_refuse_cname_clash(const struct dns_plan *p, const struct dns_current *cur,
			   struct cut_err *err)
{
	size_t i;

	for (i = 0; i < p->nrecords; i++) {
		const struct dns_record *r = &p->records[i];
		const struct dns_server *s = &p->servers[p->zones[r->zone].primary];
		char other[DNS_TYPE_TEXT_MAX];

		if (!becomes_cname(r) || !cur[i].beside)
			continue;
		dns_type_text(cur[i].beside, other);
		return cut_errf(err, CUT_EUNSAFE, "a CNAME cannot share its name with other data "
				"(RFC 1034 §3.6.2): delete or move the name's other records first, "
				"then switch", "%s: %s %s -> CNAME: %s#%u also holds %s at that name; "
				"the server would delete the %s RRset and ignore the CNAME (RFC 2136 "
				"§3.4.2.2), leaving the name without it: nothing was changed", r->path,
				r->owner, dns_type_name(r->type), s->address, s->port, other,
				dns_type_name(r->type));
	}
	return 0;
}

int dns_refuse_high_ttl(const struct dns_plan *p, const struct dns_current *cur,
			struct cut_err *err)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < p->nrecords; i++) {
		if (p->records[i].nfrom == 0 || !cur[i].matches || cur[i].ttl <= p->lowered_ttl)
			continue;
		if (!bad++)
			first = i;
	}
	if (!bad)
		return 0;
	{
		const struct dns_record *r = &p->records[first];
		const struct dns_server *s = &p->servers[p->zones[r->zone].primary];

		return cut_errf(err, CUT_EUNSAFE, "run `cutover dns prelower PLAN` again and wait "
				"the old TTL, or pass --ignore-ttl if resolvers may keep the old "
				"answer", "%zu record%s above the lowered TTL %u s: %s %s has TTL %u "
				"on %s#%u (added or raised since the prelower?): resolvers may cache "
				"the old answer that long%s", bad, bad == 1 ? "" : "s", p->lowered_ttl,
				r->owner, dns_type_name(r->type), cur[first].ttl, s->address, s->port,
				bad > 1 ? "; …" : "");
	}
}
