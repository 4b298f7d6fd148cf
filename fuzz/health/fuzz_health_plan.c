/* Fuzz target: the plan's "health" section (check names, targets, statuses,
 * tls, durations, thresholds) after the JSON reader. */
#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "jsonfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct health_plan *hp = NULL;
	struct jsonfile *jf;
	struct schema sc;
	struct diags d;
	char line[2048];
	size_t i;

	diags_init(&d);
	jf = jsonfile_parse("fuzz.json", (const char *)data, size, &d);
	sc.jf = jf;
	sc.d = &d;
	if (jf && jf->root && health_plan_parse(&sc, jf->root, &hp) == 0) {
		for (i = 0; i < health_plan_count(hp); i++)
			(void)health_plan_find(hp, health_plan_get(hp, i)->name);
	}
	for (i = 0; i < d.n; i++)
		diag_format(&d.v[i], line, sizeof(line));
	health_plan_free(hp);
	jsonfile_free(jf);
	diags_free(&d);
	return 0;
}
