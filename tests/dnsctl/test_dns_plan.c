/* Unit tests of the plan's "dns" section: one row per case, each naming
 * the path and the words its error must carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns_internal.h"
#include "dnsctl.h"
#include "jsonfile.h"
#include "schema.h"

#define PRIM "\"primaries\":[{\"name\":\"p\",\"address\":\"127.0.0.1\",\"port\":5300," \
	     "\"key_file\":\"/k\"}]"
#define ZONE "\"zones\":[{\"name\":\"example.com\",\"primary\":\"p\"}]"
#define REC(x) "\"records\":[" x "]"
#define WWW "{\"name\":\"www.example.com\",\"type\":\"A\",\"from\":[\"192.0.2.1\"]," \
	    "\"to\":[\"198.51.100.1\"]}"

struct row {
	const char *name;
	const char *json;     /* the dns section */
	const char *path;     /* path of the first error; NULL: no error */
	const char *words;    /* in its message */
};

static const struct row rows[] = {
	{ "valid", "{" PRIM "," ZONE "," REC(WWW) "}", NULL, NULL },
	{ "unknown key", "{" PRIM "," ZONE "," REC(WWW) ",\"ttl\":1}", "dns.ttl", "unknown" },
	{ "no key and not unsigned",
	  "{\"primaries\":[{\"name\":\"p\",\"address\":\"127.0.0.1\"}]," ZONE "," REC(WWW) "}",
	  "dns.primaries[0]", "TSIG key" },
	{ "key and unsigned",
	  "{\"primaries\":[{\"name\":\"p\",\"address\":\"127.0.0.1\",\"key_file\":\"k\","
	  "\"unsigned\":true}]," ZONE "," REC(WWW) "}", "dns.primaries[0].unsigned", "not both" },
	{ "host name address",
	  "{\"primaries\":[{\"name\":\"p\",\"address\":\"ns.example\",\"key_file\":\"k\"}],"
	  ZONE "," REC(WWW) "}", "dns.primaries[0].address", "not an IP address" },
	{ "port out of range",
	  "{\"primaries\":[{\"name\":\"p\",\"address\":\"::1\",\"port\":70000,\"key_file\":\"k\"}],"
	  ZONE "," REC(WWW) "}", "dns.primaries[0].port", NULL },
	{ "zone with unknown primary",
	  "{" PRIM ",\"zones\":[{\"name\":\"example.com\",\"primary\":\"q\"}]," REC(WWW) "}",
	  "dns.zones[0].primary", "no primary named" },
	{ "verify names unknown server",
	  "{" PRIM ",\"zones\":[{\"name\":\"example.com\",\"primary\":\"p\",\"verify\":[\"x\"]}],"
	  REC(WWW) "}", "dns.zones[0].verify[0]", "no server named" },
	{ "name outside every zone",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"www.example.org\",\"type\":\"A\",\"from\":[],"
				 "\"to\":[\"192.0.2.1\"]}") "}", "dns.records[0].name", "in no zone" },
	{ "bad A data",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"www.example.com\",\"type\":\"A\",\"from\":[],"
				 "\"to\":[\"1.2.3\"]}") "}", "dns.records[0].to[0]", "IPv4" },
	{ "bad AAAA data",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"v6.example.com\",\"type\":\"AAAA\",\"from\":[],"
				 "\"to\":[\"192.0.2.1\"]}") "}", "dns.records[0].to[0]", "IPv6" },
	{ "two CNAME targets",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"w.example.com\",\"type\":\"A\",\"to_type\":"
				 "\"CNAME\",\"from\":[],\"to\":[\"a.example.\",\"b.example.\"]}") "}",
	  "dns.records[0].to", "CNAME targets" },
	{ "unsupported type",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"w.example.com\",\"type\":\"DNSKEY\",\"from\":[],"
				 "\"to\":[]}") "}", "dns.records[0].type", "not one cutover" },
	{ "bad name",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"w w.example.com\",\"type\":\"A\",\"from\":[],"
				 "\"to\":[\"192.0.2.1\"]}") "}", "dns.records[0].name", "not a domain" },
	{ "same RRset twice", "{" PRIM "," ZONE "," REC(WWW "," WWW) "}", "dns.records[1]",
	  "already switched" },
	{ "bad ttl", "{" PRIM "," ZONE ",\"lowered_ttl\":\"soon\"," REC(WWW) "}", "dns.lowered_ttl",
	  NULL },
	{ "nothing to switch",
	  "{" PRIM "," ZONE "," REC("{\"name\":\"w.example.com\",\"type\":\"A\",\"from\":[],"
				 "\"to\":[]}") "}", "dns.records[0]", "nothing to switch" },
	{ "records not an array", "{" PRIM "," ZONE ",\"records\":{}}", "dns.records", NULL },
};

static void test_rows(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		char text[4096];
		struct diags d;
		struct jsonfile *jf;
		struct dns_plan *p = NULL;
		struct schema sc;

		snprintf(text, sizeof(text), "{\"dns\":%s}", row->json);
		diags_init(&d);
		jf = jsonfile_parse("plan.json", text, strlen(text), &d);
		assert_non_null(jf->root);
		sc = (struct schema){ .jf = jf, .d = &d };
		assert_int_equal(dns_plan_parse(&sc, json_object_get(jf->root, "dns"), "plan.json", &p),
				 0);
		if (!row->path) {
			if (d.errors)
				fail_msg("%s: unexpected error %s: %s", row->name, d.v[0].path, d.v[0].msg);
		} else {
			if (!d.errors)
				fail_msg("%s: no error", row->name);
			if (strcmp(d.v[0].path, row->path) != 0)
				fail_msg("%s: error at %s (%s), expected %s", row->name, d.v[0].path,
					 d.v[0].msg, row->path);
			if (row->words && !strstr(d.v[0].msg, row->words))
				fail_msg("%s: \"%s\" lacks \"%s\"", row->name, d.v[0].msg, row->words);
			assert_true(d.v[0].line > 0);
		}
		dns_plan_free(p);
		jsonfile_free(jf);
		diags_free(&d);
	}
}

static const char typed_plan[] =
	"{\"dns\":{" PRIM ",\"servers\":[{\"name\":\"s\",\"address\":"
	"\"127.0.0.2\",\"port\":5301}],\"zones\":[{\"name\":\"Example.COM.\","
	"\"primary\":\"p\",\"verify\":[\"s\"],\"verify_ns\":false}],"
	"\"lowered_ttl\":\"2m\",\"records\":[{\"name\":\"API.example.com\","
	"\"type\":\"a\",\"to_type\":\"CNAME\",\"from\":[\"192.0.2.1\"],\"to\":"
	"[\"LB.Example.NET.\"],\"restore_ttl\":\"1h\",\"gates\":[\"web\"]}]}}";

static struct dns_plan *parse_typed(struct jsonfile **jf, struct diags *d)
{
	struct dns_plan *p;
	struct schema sc;

	diags_init(d);
	*jf = jsonfile_parse("plan.json", typed_plan, strlen(typed_plan), d);
	sc = (struct schema){ .jf = *jf, .d = d };
	assert_int_equal(dns_plan_parse(&sc, json_object_get((*jf)->root, "dns"), "/etc/plan.json",
					&p), 0);
	assert_int_equal(d->errors, 0);
	return p;
}

static void test_typed(void **state)
{
	struct diags d;
	struct jsonfile *jf;
	struct dns_plan *p;

	(void)state;
	p = parse_typed(&jf, &d);
	assert_string_equal(p->zones[0].name, "example.com.");
	assert_false(p->zones[0].verify_ns);
	assert_int_equal(p->zones[0].nverify, 1);
	assert_string_equal(p->records[0].owner, "api.example.com.");
	assert_string_equal(dns_type_name(p->records[0].to_type), "CNAME");
	assert_string_equal(p->records[0].to[0], "lb.example.net.");
	assert_int_equal(p->records[0].ttl, 120);
	assert_int_equal(p->records[0].restore_ttl, 3600);
	assert_string_equal(p->records[0].gates[0], "web");
	assert_string_equal(p->servers[0].key_file, "/k");
	dns_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
}

/* Record data is zone-file syntax: a name without a trailing dot is relative
 * to the record's zone ($ORIGIN), never anchored at the root. */
static void test_relative_data(void **state)
{
	static const char text[] =
		"{\"dns\":{" PRIM ",\"zones\":[{\"name\":\"example.com\",\"primary\":\"p\"},"
		"{\"name\":\"sub.example.com\",\"primary\":\"p\"}],\"records\":["
		"{\"name\":\"www.sub.example.com\",\"type\":\"A\",\"to_type\":\"CNAME\","
		"\"from\":[\"192.0.2.1\"],\"to\":[\"lb-123\"]},"
		"{\"name\":\"example.com\",\"type\":\"MX\",\"from\":[\"10 mx1\"],"
		"\"to\":[\"10 mx2\",\"20 MX.Example.NET.\",\"30 @\"]}]}}";
	struct diags d;
	struct jsonfile *jf;
	struct dns_plan *p = NULL;
	struct schema sc;
	size_t i, mx = 0, cn = 1;

	(void)state;
	diags_init(&d);
	jf = jsonfile_parse("plan.json", text, strlen(text), &d);
	assert_non_null(jf->root);
	sc = (struct schema){ .jf = jf, .d = &d };
	assert_int_equal(dns_plan_parse(&sc, json_object_get(jf->root, "dns"), "plan.json", &p), 0);
	assert_int_equal(d.errors, 0);
	for (i = 0; i < p->nrecords; i++)
		if (p->records[i].type == DNS_T_A)
			cn = i, mx = 1 - i;
	print_message("case: CNAME target lb-123 in zone sub.example.com\n");
	assert_string_equal(p->records[cn].to[0], "lb-123.sub.example.com.");
	print_message("case: MX 10 mx1 / 10 mx2 in zone example.com, absolute kept, @\n");
	assert_string_equal(p->records[mx].from[0], "10 mx1.example.com.");
	assert_string_equal(p->records[mx].to[0], "10 mx2.example.com.");
	assert_string_equal(p->records[mx].to[1], "20 mx.example.net.");
	assert_string_equal(p->records[mx].to[2], "30 example.com.");
	dns_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
}

static void assert_set(uint16_t type, const struct dns_rdset *set, const char *want)
{
	char *text = dns_rdset_to_text(type, set);

	assert_string_equal(text, want);
	free(text);
}

/* The switch step of typed_plan with inverse as given, decoded backward:
 * 0 or the error, whose message must hold words. */
static int decode_inverse(const struct step *built, json_t *inverse, const char *words)
{
	struct step s = *built;
	struct dns_change c;
	struct cut_err err;
	int r;

	s.inverse = inverse;
	cut_err_clear(&err);
	r = dns_step_decode(&s, true, &c, &err);
	if (r == 0)
		dns_change_clear(&c);
	else if (!strstr(err.msg, words))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, words);
	json_decref(inverse);
	return r;
}

/* A switch step's inverse names its apply payload; decoded, it is the
 * apply's change reversed with the TTL to restore, batched alike. An
 * inverse in full (journals written before) still reads; a damaged one
 * is refused naming the key. */
static void test_step_inverse(void **state)
{
	struct dns_step_opts o = { .verify_wait_ms = DNS_ROLLBACK_WAIT_MS };
	struct dns_change fwd, inv;
	struct cut_err err;
	struct jsonfile *jf;
	struct step *steps;
	struct diags d;
	struct dns_plan *p;
	char *k1, *k2;
	size_t n;

	(void)state;
	p = parse_typed(&jf, &d);
	assert_int_equal(dns_switch_steps(p, NULL, &o, &steps, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(json_object_size(steps[0].inverse), 2);
	assert_int_equal(dns_step_decode(&steps[0], false, &fwd, &err), 0);
	assert_int_equal(dns_step_decode(&steps[0], true, &inv, &err), 0);
	assert_string_equal(dns_type_name(fwd.type), "A");
	assert_string_equal(dns_type_name(fwd.to_type), "CNAME");
	assert_int_equal(fwd.ttl, 120);
	assert_set(fwd.type, &fwd.from, "192.0.2.1");
	assert_set(fwd.to_type, &fwd.to, "lb.example.net.");
	assert_string_equal(inv.owner, "api.example.com.");
	assert_string_equal(dns_type_name(inv.type), "CNAME");
	assert_string_equal(dns_type_name(inv.to_type), "A");
	assert_int_equal(inv.ttl, 3600);
	assert_set(inv.type, &inv.from, "lb.example.net.");
	assert_set(inv.to_type, &inv.to, "192.0.2.1");
	assert_string_equal(json_string_value(json_array_get(inv.to_text, 0)), "192.0.2.1");
	k1 = dns_rrset_kind.batch_key(&steps[0], false);
	k2 = dns_rrset_kind.batch_key(&steps[0], true);
	assert_string_equal(k1, k2);
	free(k1);
	free(k2);
	dns_change_clear(&fwd);
	dns_change_clear(&inv);

	assert_int_equal(decode_inverse(&steps[0], json_pack(
		"{s:{s:s,s:i,s:s},s:s,s:s,s:s,s:s,s:[s],s:[s],s:i}", "server", "address",
		"127.0.0.1", "port", 5300, "key_file", "/k", "zone", "example.com.", "owner",
		"api.example.com.", "type", "CNAME", "to_type", "A", "from", "lb.example.net.",
		"to", "192.0.2.1", "ttl", 3600), NULL), 0);
	assert_int_equal(decode_inverse(&steps[0], json_pack("{s:s,s:i}", "inverse_of", "to",
							    "ttl", 60), "inverse_of"), CUT_EINPUT);
	assert_int_equal(decode_inverse(&steps[0], json_pack("{s:s}", "inverse_of", "apply"),
					"ttl"), CUT_EINPUT);
	assert_int_equal(decode_inverse(&steps[0], json_pack("{s:s,s:i}", "inverse_of", "apply",
							    "ttl", -1), "ttl"), CUT_EINPUT);
	assert_int_equal(decode_inverse(&steps[0], json_pack("{s:s,s:s}", "inverse_of", "apply",
							    "ttl", "1h"), "ttl"), CUT_EINPUT);
	step_clear(&steps[0]);
	free(steps);
	dns_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
}

/* The inverse gives `from` back the TTL the primary held before the switch
 * (read then), not the lowered TTL; a restore_ttl in the plan wins. */
static void test_inverse_ttl_held(void **state)
{
	static const char text[] =
		"{\"dns\":{" PRIM "," ZONE ",\"lowered_ttl\":\"60s\",\"records\":["
		"{\"name\":\"a.example.com\",\"type\":\"A\",\"from\":[\"192.0.2.1\"],"
		"\"to\":[\"192.0.2.2\"]},"
		"{\"name\":\"b.example.com\",\"type\":\"A\",\"from\":[\"192.0.2.1\"],"
		"\"to\":[\"192.0.2.2\"],\"restore_ttl\":\"5m\"}]}}";
	struct dns_step_opts o = { .verify_wait_ms = DNS_ROLLBACK_WAIT_MS };
	struct dns_current cur[2] = { { .matches = true, .ttl = 7200 },
				      { .matches = true, .ttl = 7200 } };
	struct dns_change inv;
	struct cut_err err;
	struct jsonfile *jf;
	struct step *steps;
	struct diags d;
	struct dns_plan *p = NULL;
	struct schema sc;
	size_t n, i;

	(void)state;
	diags_init(&d);
	jf = jsonfile_parse("plan.json", text, strlen(text), &d);
	sc = (struct schema){ .jf = jf, .d = &d };
	assert_int_equal(dns_plan_parse(&sc, json_object_get(jf->root, "dns"), "plan.json", &p), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(dns_switch_steps(p, cur, &o, &steps, &n, &err), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		bool a = strstr(steps[i].describe, "a.example.com") != NULL;
		print_message("case: %s\n", a ? "TTL held (7200), no restore_ttl"
					     : "restore_ttl 5m given");
		assert_int_equal(dns_step_decode(&steps[i], true, &inv, &err), 0);
		assert_int_equal(inv.ttl, a ? 7200 : 300);
		dns_change_clear(&inv);
		step_clear(&steps[i]);
	}
	free(steps);
	dns_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
}

/* A step whose change decodes but whose server does not: verify refuses it
 * naming the key, and (under ASan) frees the change it decoded. */
static void test_verify_bad_server(void **state)
{
	struct dns_step_opts o = { .verify_wait_ms = DNS_ROLLBACK_WAIT_MS };
	struct dns_verify_report rep;
	const struct step *one[1];
	struct cut_err err;
	struct jsonfile *jf;
	struct step *steps;
	struct diags d;
	struct dns_plan *p;
	size_t n;

	(void)state;
	p = parse_typed(&jf, &d);
	assert_int_equal(dns_switch_steps(p, NULL, &o, &steps, &n, &err), 0);
	json_object_set_new(json_object_get(steps[0].apply, "server"), "port", json_integer(0));
	one[0] = &steps[0];
	cut_err_clear(&err);
	assert_int_equal(dns_verify(one, 1, false, 0, NULL, NULL, &rep, &err), CUT_EINPUT);
	assert_non_null(strstr(err.msg, "server.port"));
	dns_verify_report_free(&rep);
	step_clear(&steps[0]);
	free(steps);
	dns_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
}

/* A key that loads but cannot sign (its name is no domain name) is refused
 * before anything is journaled, naming the key file and the key. */
static void test_key_cannot_sign(void **state)
{
	static const struct {
		const char *name, *key, *words;
	} rows[] = {
		{ "name with a space", "key \"cutover key\" { algorithm hmac-sha256; secret "
		  "\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=\"; };\n", "\"cutover key\"" },
		{ "usable key", "key \"cutover\" { algorithm hmac-sha256; secret "
		  "\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=\"; };\n", NULL },
	};
	char dir[] = "/tmp/cutover-keytest-XXXXXX", path[128];
	struct dns_server srv = { .name = "p", .address = "127.0.0.1", .port = 5300,
				  .primary = true, .timeout_ms = 5000 };
	struct dns_zone zone = { .name = "example.com.", .primary = 0 };
	struct dns_plan p = { .servers = &srv, .nservers = 1, .zones = &zone, .nzones = 1 };
	struct cut_err err;
	size_t i;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.key", dir);
	srv.key_file = path;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("case: %s\n", rows[i].name);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(rows[i].key, f);
		fclose(f);
		assert_int_equal(chmod(path, 0600), 0);
		cut_err_clear(&err);
		if (!rows[i].words) {
			assert_int_equal(dns_plan_check_keys(&p, false, &err), 0);
			continue;
		}
		assert_int_equal(dns_plan_check_keys(&p, false, &err), CUT_EINPUT);
		if (!strstr(err.msg, path) || !strstr(err.msg, rows[i].words) ||
		    strstr(err.msg, "c2VjcmV0"))
			fail_msg("%s: %s", rows[i].name, err.msg);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_typed),
		cmocka_unit_test(test_relative_data),
		cmocka_unit_test(test_verify_bad_server),
		cmocka_unit_test(test_inverse_ttl_held),
		cmocka_unit_test(test_key_cannot_sign),
		cmocka_unit_test(test_step_inverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
