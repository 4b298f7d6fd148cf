/* Fuzz target: the JSON reader with error recovery and the plan's top level. */
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct jsonfile *jf;
	struct plan *p;
	char line[2048];
	size_t i;

	diags_init(&d);
	jf = jsonfile_parse("fuzz.json", (const char *)data, size, &d);
	p = plan_from_jsonfile(jf, "fuzz.json", &d);
	for (i = 0; i < d.n; i++)
		diag_format(&d.v[i], line, sizeof(line));
	plan_free(p);
	diags_free(&d);
	return 0;
}
