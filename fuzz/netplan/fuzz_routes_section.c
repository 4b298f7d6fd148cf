/* libFuzzer: a plan file's "routes" section, through the JSON reader with
 * positions and netplan_plan_parse(), as `cutover check` reads it. */
#include <stddef.h>
#include <stdint.h>

#include "netplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netplan_plan *p = NULL;
	struct jsonfile *jf;
	struct schema sc;
	struct diags d;
	json_t *section;

	diags_init(&d);
	jf = jsonfile_parse("fuzz.json", (const char *)data, size, &d);
	sc.jf = jf;
	sc.d = &d;
	section = jf ? json_object_get(jf->root, "routes") : NULL;
	if (section && netplan_plan_parse(&sc, section, &p) == 0) {
		const char *const *gates;
		(void)netplan_gates(p, &gates);
	}
	netplan_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
	return 0;
}
