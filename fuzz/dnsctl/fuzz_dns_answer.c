/* Fuzzes everything dnsctl reads from a server: the bounds-checked walk, the
 * answer RRsets with their canonical RDATA and text, and TSIG on answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

static void rrsets(const uint8_t *m, size_t len, const struct dns_msg *h)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_CNAME, DNS_T_SOA, DNS_T_MX,
					  DNS_T_TXT, DNS_T_SRV, DNS_T_NS };
	struct dns_msg_rr rr;
	size_t off = 0, idx = 0, i;
	int r;

	while ((r = dns_msg_next_answer(m, len, h, &off, &idx, &rr)) > 0) {
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			struct dns_rdset s;
			uint32_t ttl;
			if (dns_msg_rrset(m, len, rr.owner, rr.owner_len, types[i], &s, &ttl) == 0) {
				char *t = dns_rdset_to_text(types[i], &s);
				free(t);
				dns_rdset_free(&s);
			}
		}
		if (idx > 4)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_key k = { .name = "cutover-key", .algorithm = "hmac-sha256", .secret_len = 32 };
	uint8_t mac[32] = { 0 };
	struct dns_msg h;

	if (size > DNS_MSG_MAX)
		return 0;
	if (dns_msg_scan(data, size, &h) < 0)
		return 0;
	rrsets(data, size, &h);
	if (h.tsig_off)
		(void)dns_tsig_verify(&k, data, size, &h, mac, sizeof(mac), 1700000000u);
	return 0;
}
