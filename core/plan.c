#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool change_id_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > PLAN_CHANGE_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

struct schema plan_schema(const struct plan *p, struct diags *d)
{
	struct schema sc = { .jf = p ? p->jf : NULL, .d = d };
	return sc;
}

struct plan *plan_from_jsonfile(struct jsonfile *jf, const char *path, struct diags *d)
{
	static const char *const keys[] = {
		"change", "journal", "description", "dns", "routes", "health", NULL,
	};
	struct plan *p = xcalloc(1, sizeof(*p));
	const char *journal = NULL;
	struct schema sc;
	json_t *root;

	p->jf = jf;
	sc = plan_schema(p, d);
	root = jf->root;
	if (!json_is_object(root)) {
		if (root)
			schema_error(&sc, "", "write the plan as one JSON object { … }",
				     "the plan must be a JSON object");
		return p;
	}
	schema_keys(&sc, "", root, keys);
	if (schema_string(&sc, "", root, "change", SCHEMA_REQUIRED, NULL, &p->change) && p->change &&
	    !change_id_ok(p->change)) {
		schema_error(&sc, "change", "use letters, digits, '.', '_' or '-' (at most 64)",
			     "invalid change id");
		p->change = NULL;
	}
	if (schema_string(&sc, "", root, "journal", SCHEMA_REQUIRED, NULL, &journal) && journal)
		p->journal = path_relative_to(path, journal);
	schema_string(&sc, "", root, "description", SCHEMA_OPTIONAL, NULL, &p->description);
	p->dns = schema_member(&sc, "", root, "dns", JSON_OBJECT, SCHEMA_OPTIONAL);
	p->routes = schema_member(&sc, "", root, "routes", JSON_OBJECT, SCHEMA_OPTIONAL);
	p->health = schema_member(&sc, "", root, "health", JSON_OBJECT, SCHEMA_OPTIONAL);
	return p;
}

int plan_load(const char *path, const char *const defer[], struct plan **ret, struct diags *d,
	      struct cut_err *err)
{
	struct jsonfile *jf;
	int r;

	*ret = NULL;
	r = jsonfile_load_deferring(path, defer, &jf, d, err);
	if (r < 0)
		return r;
	*ret = plan_from_jsonfile(jf, path, d);
	return 0;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	jsonfile_free(p->jf);
	free(p->journal);
	free(p);
}
