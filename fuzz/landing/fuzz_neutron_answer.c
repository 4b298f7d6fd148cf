/* Fuzzes what a Neutron server (or anything answering on its port) can
 * send: the first byte picks the resource type, the rest is the answer to
 * a list call; it is also read as an error and as external networks, and
 * the state is resolved as a plan would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "neutron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lz_state st = { 0 };
	struct cut_err err;
	char type[128], msg[1024];
	const char *body;
	json_t *j;

	if (size < 1 || size > (1u << 20))
		return 0;
	body = (const char *)data + 1;
	size--;
	if (lz_openstack.parse_list((enum lz_type)(data[0] % LZ_NTYPES), "fuzz", NULL, body, size, &st,
				    &err) == 0)
		(void)lz_openstack.parse_list(LZ_SUBNET, "fuzz", "p1", body, size, &st, &err);
	(void)lz_openstack.parse_externals(body, size, &st, &err);
	lz_state_resolve(&st);
	lz_state_clear(&st);
	neutron_error_message(400, body, size, type, sizeof(type), msg, sizeof(msg));
	/* both go into JSON (--json, the journal): they must be UTF-8 */
	j = json_string(type);
	if (!j)
		abort();
	json_decref(j);
	j = json_string(msg);
	if (!j)
		abort();
	json_decref(j);
	(void)lz_openstack.retryable(500, body, size);
	free(lz_openstack.next_page(body, size));
	return 0;
}
