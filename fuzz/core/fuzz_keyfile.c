/* Fuzz target: the BIND key-file parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_key *k = NULL;
	struct cut_err err;
	/* the first byte picks whether a name is asked for */
	const char *name = size && (data[0] & 1) ? "cutover-key" : NULL;

	if (tsig_key_parse("fuzz.key", (const char *)data, size, name, &k, &err) == 0)
		tsig_key_free(k);
	return 0;
}
