/* dnsctl/dns_payload.c — reading the payload of a dns.rrset / dns.ttl step.
 *
 * A payload comes from a journal that may be old, copied or damaged: every
 * member is checked before use and the error names it.
 *
 *   { "server": { "address": "192.0.2.53", "port": 53, "key_file": "/etc/…",
 *                 "key_name": "cutover", "unsigned": false, "timeout_ms": 5000 },
 *     "zone": "example.com.", "owner": "www.example.com.",
 *     "type": "A", "to_type": "CNAME", "from": ["192.0.2.10"],
 *     "to": ["lb.example.net."], "ttl": 60,
 *     "verify": [ { "address": "127.0.0.1", "port": 5302 } ], "verify_ns": true,
 *     "verify_wait_ms": 30000 }
 *
 * Defaults may be left out (and are, when cutover writes a payload):
 * server.timeout_ms 5000, to_type = type, verify [], verify_ns false,
 * verify_wait_ms 30000.
 *
 * A step's inverse names its apply payload rather than repeating it:
 *
 *   { "inverse_of": "apply", "ttl": 3600 }
 *
 * is the apply's change reversed — "from" and "to", "type" and "to_type"
 * swapped — with that TTL (a dns.ttl step's apply has from = to, so its
 * inverse is the same RRset at the old TTL). Journals written before this
 * hold the inverse in full, as a payload of the form above; both are read.
 */
#include <errno.h>
#include <string.h>

#include "dns_internal.h"
#include "dnsctl.h"

static int bad(struct cut_err *err, const char *key, const char *why)
{
	return cut_errf(err, CUT_EINPUT, "the journal was not written by this cutover, or is damaged",
			"step payload: \"%s\" %s", key, why);
}

int dns_server_decode(const json_t *payload, struct dns_server_ref *s, struct cut_err *err)
{
	const json_t *srv = json_object_get(payload, "server");
	const char *addr;
	json_int_t port, tmo;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(srv))
		return bad(err, "server", "is missing");
	addr = json_string_value(json_object_get(srv, "address"));
	port = json_integer_value(json_object_get(srv, "port"));
	tmo = json_integer_value(json_object_get(srv, "timeout_ms"));
	if (!addr || strlen(addr) >= sizeof(s->t.address))
		return bad(err, "server.address", "is missing or too long");
	if (port < 1 || port > 65535)
		return bad(err, "server.port", "is not a port");
	snprintf(s->t.address, sizeof(s->t.address), "%s", addr);
	s->t.port = (unsigned)port;
	s->key_file = json_string_value(json_object_get(srv, "key_file"));
	s->key_name = json_string_value(json_object_get(srv, "key_name"));
	s->is_unsigned = json_is_true(json_object_get(srv, "unsigned"));
	s->timeout_ms = tmo > 0 && tmo <= 600000 ? tmo : DNS_TIMEOUT_DEFAULT_MS;
	return 0;
}

int dns_server_check_signing(const struct dns_server_ref *s, struct cut_err *err)
{
	if (!s->key_file && !s->is_unsigned)
		return bad(err, "server.key_file", "is missing (and the server is not unsigned)");
	return 0;
}

static int decode_types(const json_t *payload, struct dns_change *c, struct cut_err *err)
{
	const char *t = json_string_value(json_object_get(payload, "type"));
	const char *tt = json_string_value(json_object_get(payload, "to_type"));

	c->type = t ? dns_type_by_name(t) : 0;
	c->to_type = tt ? dns_type_by_name(tt) : c->type;
	if (!c->type)
		return bad(err, "type", "is not a type cutover switches");
	if (!c->to_type)
		return bad(err, "to_type", "is not a type cutover switches");
	return 0;
}

static int decode_sets(const json_t *payload, struct dns_change *c, struct cut_err *err)
{
	const char *why;

	c->from_text = json_object_get(payload, "from");
	c->to_text = json_object_get(payload, "to");
	if (dns_rdset_from_json(c->type, c->from_text, &c->from, &why) < 0)
		return cut_errf(err, CUT_EINPUT, NULL, "step payload %s %s: \"from\": %s", c->owner,
				dns_type_name(c->type), why);
	if (dns_rdset_from_json(c->to_type, c->to_text, &c->to, &why) < 0)
		return cut_errf(err, CUT_EINPUT, NULL, "step payload %s %s: \"to\": %s", c->owner,
				dns_type_name(c->to_type), why);
	return 0;
}

int dns_change_decode(const json_t *payload, struct dns_change *c, struct cut_err *err)
{
	const char *why;
	json_int_t ttl;
	int r;

	memset(c, 0, sizeof(*c));
	c->payload = payload;
	c->zone = json_string_value(json_object_get(payload, "zone"));
	c->owner = json_string_value(json_object_get(payload, "owner"));
	ttl = json_integer_value(json_object_get(payload, "ttl"));
	if (!c->zone || !c->owner)
		return bad(err, c->zone ? "owner" : "zone", "is missing");
	if (dns_name_to_wire(c->owner, c->owner_wire, &c->owner_len, &why) < 0)
		return bad(err, "owner", why);
	if (!dns_name_in_zone(c->owner, c->zone))
		return bad(err, "owner", "is outside its zone");
	if (ttl < 0 || ttl > (json_int_t)DNS_TTL_MAX)
		return bad(err, "ttl", "is not a TTL");
	c->ttl = (uint32_t)ttl;
	r = decode_types(payload, c, err);
	if (r == 0)
		r = decode_sets(payload, c, err);
	if (r < 0)
		dns_change_clear(c);
	return r;
}

/* Journals before inverses named their apply payload hold them in full. */
static bool inverse_in_full(const struct step *s)
{
	return !json_object_get(s->inverse, "inverse_of");
}

const json_t *dns_step_payload(const struct step *s, bool inverse)
{
	return inverse && inverse_in_full(s) ? s->inverse : s->apply;
}

static void reverse(struct dns_change *c, uint32_t ttl)
{
	struct dns_rdset set = c->from;
	const json_t *text = c->from_text;
	uint16_t type = c->type;

	c->from = c->to;
	c->to = set;
	c->from_text = c->to_text;
	c->to_text = text;
	c->type = c->to_type;
	c->to_type = type;
	c->ttl = ttl;
}

int dns_step_decode(const struct step *s, bool inverse, struct dns_change *c, struct cut_err *err)
{
	const char *of;
	const json_t *ttl;
	int r;

	if (!inverse)
		return dns_change_decode(s->apply, c, err);
	if (inverse_in_full(s))
		return dns_change_decode(s->inverse, c, err);
	memset(c, 0, sizeof(*c));
	of = json_string_value(json_object_get(s->inverse, "inverse_of"));
	ttl = json_object_get(s->inverse, "ttl");
	if (!of || strcmp(of, "apply") != 0)
		return bad(err, "inverse_of", "is not \"apply\"");
	if (!json_is_integer(ttl) || json_integer_value(ttl) < 0 ||
	    json_integer_value(ttl) > (json_int_t)DNS_TTL_MAX)
		return bad(err, "ttl", "of the inverse is not a TTL");
	r = dns_change_decode(s->apply, c, err);
	if (r == 0)
		reverse(c, (uint32_t)json_integer_value(ttl));
	return r;
}

void dns_change_clear(struct dns_change *c)
{
	dns_rdset_free(&c->from);
	dns_rdset_free(&c->to);
}
