/* Fuzzes a landing-zone template end to end: the JSON reader, parameter
 * substitution (with one override), every check and the graph. */
#include <stddef.h>
#include <stdint.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lz_param over[] = { { "env", "fuzz" } };
	struct lz_graph *g;
	struct diags d;

	if (size > (1u << 20))
		return 0;
	diags_init(&d);
	g = lz_template_parse("fuzz.json", "", (const char *)data, size, over, 1, &d);
	lz_graph_free(g);
	diags_free(&d);
	return 0;
}
