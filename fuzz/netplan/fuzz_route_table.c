/* libFuzzer: the table of a journaled "routes" step, as a rollback reads it
 * back, forward and as its inverse: lines of PATH, BEFORE and AFTER, each
 * route a payload text. Device names resolve against an empty host (no
 * device), as on a host where they are gone. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jsonfile.h"
#include "np.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_state st;
	struct np_decoder d;
	char msg[256];
	json_t *p, *text = json_text((const char *)data, size);

	if (!text)
		return 0;
	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	d.st = &st;
	p = json_object();
	json_object_set_new(p, "routes", text);
	(void)np_decode_table(&d, 0, p, false, msg, sizeof(msg));
	np_decoder_free(&d);
	memset(&d, 0, sizeof(d));
	d.st = &st;
	(void)np_decode_table(&d, 0, p, true, msg, sizeof(msg)); /* the inverse */
	np_decoder_free(&d);
	json_decref(p);
	return 0;
}
