/* dnsctl/dns_name.c — names, types and rcodes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "dns_internal.h"

static bool label_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*' || c == '/';
}

int dns_name_to_wire(const char *text, uint8_t out[DNS_NAME_WIRE_MAX], size_t *ret_len,
		     const char **why)
{
	size_t len = 0, tl = strlen(text);
	const char *p = text, *end = text + tl;

	if (tl > 0 && text[tl - 1] == '.')
		end--;
	if (tl == 1 && text[0] == '.') {
		out[0] = 0;
		*ret_len = 1;
		return 0;
	}
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t ll = dot ? (size_t)(dot - p) : (size_t)(end - p), i;

		if (ll == 0 || ll > 63) {
			*why = ll ? "a label is longer than 63 characters" : "an empty label (\"..\")";
			return -EINVAL;
		}
		if (len + ll + 2 > DNS_NAME_WIRE_MAX) {
			*why = "the name is longer than 255 bytes";
			return -EINVAL;
		}
		out[len++] = (uint8_t)ll;
		for (i = 0; i < ll; i++) {
			unsigned char c = (unsigned char)p[i];
			if (!label_char_ok(c)) {
				*why = "only letters, digits, '-', '_' and '*' belong in a name";
				return -EINVAL;
			}
			out[len++] = (uint8_t)tolower(c);
		}
		p += ll + (dot ? 1 : 0);
	}
	if (len == 0) {
		*why = "the name is empty";
		return -EINVAL;
	}
	out[len++] = 0;
	*ret_len = len;
	return 0;
}

int dns_name_canon(const char *text, char out[256], const char **why)
{
	uint8_t wire[DNS_NAME_WIRE_MAX];
	size_t wl, i = 0, o = 0;
	int r = dns_name_to_wire(text, wire, &wl, why);

	if (r < 0)
		return r;
	if (wl == 1) {
		snprintf(out, 256, ".");
		return 0;
	}
	while (wire[i]) {
		memcpy(out + o, wire + i + 1, wire[i]);
		o += wire[i];
		out[o++] = '.';
		i += wire[i] + 1u;
	}
	out[o] = '\0';
	return 0;
}

bool dns_name_in_zone(const char *name, const char *zone)
{
	size_t ln = strlen(name), lz = strlen(zone);

	if (strcmp(zone, ".") == 0)
		return true;
	if (ln < lz || strcmp(name + ln - lz, zone) != 0)
		return false;
	return ln == lz || name[ln - lz - 1] == '.';
}

static const struct {
	uint16_t type;
	const char *name;
} types[] = {
	{ DNS_T_A, "A" },     { DNS_T_AAAA, "AAAA" }, { DNS_T_CNAME, "CNAME" },
	{ DNS_T_TXT, "TXT" }, { DNS_T_MX, "MX" },     { DNS_T_SRV, "SRV" },
	{ DNS_T_PTR, "PTR" }, { DNS_T_NS, "NS" },     { DNS_T_SOA, "SOA" },
};

uint16_t dns_type_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(types[i].name, name) == 0 && types[i].type != DNS_T_SOA &&
		    types[i].type != DNS_T_NS)
			return types[i].type;
	return 0;
}

const char *dns_type_name(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	return "TYPE?";
}

void dns_type_text(uint16_t type, char out[DNS_TYPE_TEXT_MAX])
{
	const char *name = dns_type_name(type);
	const ldns_rr_descriptor *d;

	if (strcmp(name, "TYPE?") != 0) {
		snprintf(out, DNS_TYPE_TEXT_MAX, "%s", name);
		return;
	}
	/* the types a plan does not switch (LOC, SSHFP, …): ldns knows their
	 * names; RFC 3597's TYPEnnn for the rest */
	d = ldns_rr_descript(type);
	if (d && d->_name && d->_name[0] && strncmp(d->_name, "TYPE", 4) != 0)
		snprintf(out, DNS_TYPE_TEXT_MAX, "%s", d->_name);
	else
		snprintf(out, DNS_TYPE_TEXT_MAX, "TYPE%u", type);
}

const char *dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	switch (rcode) {
	case DNS_TSIG_BADSIG:
		return "BADSIG";
	case DNS_TSIG_BADKEY:
		return "BADKEY";
	case DNS_TSIG_BADTIME:
		return "BADTIME";
	}
	return "RCODE?";
}
