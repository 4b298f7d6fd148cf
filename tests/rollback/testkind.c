#include "testkind.h"

#include <stdio.h>
#include <string.h>

const char *test_file_read(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void test_file_write(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fputs(content, f);
	fclose(f);
}

static void apply_one(const struct step_ctx *ctx, struct step *s, bool inverse)
{
	json_t *p = inverse ? s->inverse : s->apply;
	const char *path = json_string_value(json_object_get(p, "path"));
	const char *from = json_string_value(json_object_get(p, "from"));
	const char *to = json_string_value(json_object_get(p, "to"));
	const char *now;

	if (!path || !from || !to) {
		step_set_result(s, CUT_EINPUT, "payload incomplete");
		return;
	}
	now = test_file_read(path);
	if (strcmp(now, to) == 0) {
		step_set_result(s, 0, NULL);
		return;
	}
	if (strcmp(now, from) != 0 && !ctx->force) {
		step_set_result(s, CUT_ECONFLICT, "%s holds \"%s\", expected \"%s\"", path, now, from);
		return;
	}
	if (strcmp(to, "FAIL") == 0) {
		step_set_result(s, CUT_EPEER, "refused to write FAIL to %s", path);
		return;
	}
	if (ctx->dry_run) {
		if (ctx->say)
			ctx->say(ctx->say_cookie, s->describe);
		return;
	}
	test_file_write(path, to);
	step_set_result(s, 0, NULL);
}

static int test_file_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n,
			   bool inverse, struct cut_err *err)
{
	int first = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		apply_one(ctx, steps[i], inverse);
		if (steps[i]->result < 0 && !first) {
			first = steps[i]->result;
			cut_errf(err, first, NULL, "%s", steps[i]->message ? steps[i]->message : "");
		}
	}
	return first;
}

const struct step_kind test_file_kind = {
	.name = "test.file",
	.apply = test_file_apply,
	.batch_max = 3,
};

void test_file_step(struct step *s, const char *path, const char *from, const char *to)
{
	step_init(s, "test.file", json_pack("{s:s,s:s,s:s}", "path", path, "from", from, "to", to),
		  json_pack("{s:s,s:s,s:s}", "path", path, "from", to, "to", from),
		  "%s: %s -> %s", path, from, to);
}
