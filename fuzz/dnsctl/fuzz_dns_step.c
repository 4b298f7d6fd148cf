/* Fuzzes the reading of a dns.rrset / dns.ttl step as a journal holds it:
 * {"apply": PAYLOAD, "inverse": PAYLOAD or {"inverse_of": "apply", "ttl": N}}
 * decoded forward and backward, its server and batch key read; no crash,
 * nothing leaked. */
#include <stdint.h>
#include <stdlib.h>

#include "dns_internal.h"
#include "dnsctl.h"

static void decode(const struct step *s, bool inverse)
{
	struct dns_server_ref srv;
	struct dns_change c;
	struct cut_err err;
	char *key;

	cut_err_clear(&err);
	if (dns_step_decode(s, inverse, &c, &err) == 0)
		dns_change_clear(&c);
	cut_err_clear(&err);
	(void)dns_server_decode(dns_step_payload(s, inverse), &srv, &err);
	key = dns_rrset_kind.batch_key(s, inverse);
	free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct step s = { .kind = "dns.rrset" };
	json_t *root;

	if (size > 1 << 16)
		return 0;
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return 0;
	s.apply = json_object_get(root, "apply");
	s.inverse = json_object_get(root, "inverse");
	decode(&s, false);
	decode(&s, true);
	json_decref(root);
	return 0;
}
