/* Fuzzes the plan's "dns" section: JSON text in, every error reported, no
 * crash, nothing leaked. */
#include <stdint.h>
#include <stdlib.h>

#include "dnsctl.h"
#include "jsonfile.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct jsonfile *jf;
	struct dns_plan *p = NULL;
	struct schema sc;
	json_t *dns;

	if (size > 1 << 16)
		return 0;
	diags_init(&d);
	jf = jsonfile_parse("fuzz.json", (const char *)data, size, &d);
	dns = jf && jf->root ? json_object_get(jf->root, "dns") : NULL;
	if (dns) {
		sc = (struct schema){ .jf = jf, .d = &d };
		if (dns_plan_parse(&sc, dns, "/tmp/fuzz.json", &p) == 0)
			dns_plan_free(p);
	}
	jsonfile_free(jf);
	diags_free(&d);
	return 0;
}
