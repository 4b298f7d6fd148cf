/* Fuzz target: a DNS health check's judgement of an answer (health_dns.c):
 * the message read by ldns, its rcode, and each record of the asked type
 * compared field by field with body_contains (addresses as addresses, names
 * in any case with or without the final dot, quoted text with or without
 * its quotes).
 *
 * Input: 2 bytes, the type asked (big-endian); body_contains up to the
 * first NUL byte (none when empty); after it, the answer as it arrives over
 * UDP. The query id is the answer's own, so that the judgement is reached. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct health_check c = { .name = "fuzz", .kind = HEALTH_DNS, .host = "www.example.com" };
	struct health_probe res = { 0 };
	const uint8_t *nul, *wire;
	size_t body_len, wlen;
	char *body;

	if (size < 2)
		return 0;
	c.qtype = data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	nul = memchr(data, '\0', size);
	body_len = nul ? (size_t)(nul - data) : size;
	wire = nul ? nul + 1 : data + size;
	wlen = size - body_len - (nul ? 1 : 0);
	body = xcalloc(1, body_len + 1);
	memcpy(body, data, body_len);
	c.body_contains = body_len ? body : NULL;
	(void)dns_answer_judge(&c, wlen >= 2 ? (uint16_t)(wire[0] << 8 | wire[1]) : 0, wire, wlen,
			       &res);
	free(body);
	return 0;
}
