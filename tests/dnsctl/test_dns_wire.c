/* Unit tests of dnsctl's wire code: names, RDATA, the UPDATE message, TSIG
 * (checked against ldns, an independent implementation) and the walker over
 * server answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "dns_internal.h"
#include "dnsctl.h"

static void test_names(void **state)
{
	static const struct {
		const char *name, *in;
		int ok;
		const char *canon;
	} rows[] = {
		{ "plain", "www.example.com", 1, "www.example.com." },
		{ "trailing dot, upper case", "WWW.Example.COM.", 1, "www.example.com." },
		{ "root", ".", 1, "." },
		{ "empty label", "www..example", 0, NULL },
		{ "space", "w w.example", 0, NULL },
		{ "label of 64", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x", 0,
		  NULL },
		{ "underscore service", "_sip._tcp.example.com", 1, "_sip._tcp.example.com." },
		{ "empty", "", 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[256];
		const char *why = NULL;
		int r = dns_name_canon(rows[i].in, out, &why);
		if ((r == 0) != rows[i].ok)
			fail_msg("%s: got %d", rows[i].name, r);
		if (rows[i].ok)
			assert_string_equal(out, rows[i].canon);
		else
			assert_non_null(why);
	}
	assert_true(dns_name_in_zone("www.example.com.", "example.com."));
	assert_true(dns_name_in_zone("example.com.", "example.com."));
	assert_false(dns_name_in_zone("wwwexample.com.", "example.com."));
}

static void test_rdata(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		const char *in, *canon;
	} rows[] = {
		{ "A", DNS_T_A, "192.0.2.1", "192.0.2.1" },
		{ "A, one to three digits", DNS_T_A, "0.9.10.255", "0.9.10.255" },
		{ "A, hundreds with zeros inside", DNS_T_A, "100.200.109.90", "100.200.109.90" },
		{ "AAAA compressed form", DNS_T_AAAA, "2001:DB8:0::1", "2001:db8::1" },
		{ "CNAME lower-cased", DNS_T_CNAME, "LB.Example.NET.", "lb.example.net." },
		{ "MX", DNS_T_MX, "10 mx.example.", "10 mx.example." },
		{ "TXT", DNS_T_TXT, "\"v=spf1 -all\"", "\"v=spf1 -all\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = NULL;
		const char *why;
		if (dns_rdata_canon_text(rows[i].type, rows[i].in, NULL, &out, &why) < 0)
			fail_msg("%s: %s", rows[i].name, why);
		assert_string_equal(out, rows[i].canon);
		free(out);
	}
}

static json_t *change_payload(const char *owner, const char *from, const char *to)
{
	return json_pack("{s:{s:s,s:i,s:s},s:s,s:s,s:s,s:s,s:[s],s:[s],s:i}", "server", "address",
			 "127.0.0.1", "port", 5300, "key_file", "/k", "zone", "example.com.", "owner",
			 owner, "type", "A", "to_type", "A", "from", from, "to", to, "ttl", 60);
}

static size_t build_many(size_t n, size_t *ret_len)
{
	struct dns_change *ch = calloc(n, sizeof(*ch));
	const struct dns_change **ptrs = calloc(n, sizeof(*ptrs));
	json_t **pl = calloc(n, sizeof(*pl));
	uint8_t *msg;
	size_t i, len, cap;
	long fit;
	ldns_pkt *pkt = NULL;
	struct cut_err err;

	for (i = 0; i < n; i++) {
		char owner[64], a[32], b[32];
		snprintf(owner, sizeof(owner), "host%zu.example.com.", i);
		snprintf(a, sizeof(a), "10.1.%zu.%zu", i / 250, i % 250 + 1);
		snprintf(b, sizeof(b), "10.2.%zu.%zu", i / 250, i % 250 + 1);
		pl[i] = change_payload(owner, a, b);
		assert_int_equal(dns_change_decode(pl[i], &ch[i], &err), 0);
		ptrs[i] = &ch[i];
	}
	fit = dns_update_build("example.com.", ptrs, NULL, n, 0x1234, &msg, &len, &cap);
	assert_true(fit > 0);
	assert_true(len - 2 <= DNS_MSG_MAX - DNS_TSIG_RESERVE);
	/* ldns reads it back: prerequisites and updates add up */
	assert_int_equal(ldns_wire2pkt(&pkt, msg + 2, len - 2), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(pkt), (size_t)fit);     /* prerequisites */
	assert_int_equal(ldns_pkt_nscount(pkt), (size_t)fit * 2); /* delete + add */
	ldns_pkt_free(pkt);
	free(msg);
	for (i = 0; i < n; i++) {
		dns_change_clear(&ch[i]);
		json_decref(pl[i]);
	}
	free(ch);
	free(ptrs);
	free(pl);
	*ret_len = len;
	return (size_t)fit;
}

static void test_update_size(void **state)
{
	size_t len;

	(void)state;
	assert_int_equal(build_many(1000, &len), 1000);  /* 1,000 switches: one message */
	assert_true(len < 64000);
	assert_true(build_many(3000, &len) < 3000);      /* 3,000: split */
}

static struct tsig_key *key(const char *alg)
{
	struct tsig_key *k = calloc(1, sizeof(*k));
	size_t i;

	snprintf(k->name, sizeof(k->name), "cutover-key");
	snprintf(k->algorithm, sizeof(k->algorithm), "%s", alg);
	for (i = 0; i < 32; i++)
		k->secret[i] = (unsigned char)(i * 7 + 1);
	k->secret_len = 32;
	return k;
}

static char *b64(const struct tsig_key *k)
{
	char *out = calloc(1, 128);
	int n = EVP_EncodeBlock((unsigned char *)out, k->secret, (int)k->secret_len);

	assert_true(n > 0);
	return out;
}

/* Our signature on a request verifies with ldns. */
static void test_tsig_sign_checked_by_ldns(void **state)
{
	static const char *const algs[] = { "hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha512" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct tsig_key *k = key(algs[i]);
		uint8_t buf[1024], mac[64];
		size_t len = 0, mac_len;
		ldns_pkt *q;
		uint8_t *wire;
		size_t wl;
		char *secret = b64(k);

		q = ldns_pkt_query_new(ldns_dname_new_frm_str("example.com."), LDNS_RR_TYPE_SOA,
				       LDNS_RR_CLASS_IN, 0);
		assert_int_equal(ldns_pkt2wire(&wire, q, &wl), LDNS_STATUS_OK);
		memcpy(buf, wire, wl);
		len = wl;
		free(wire);
		ldns_pkt_free(q);
		assert_int_equal(dns_tsig_sign(k, buf, &len, sizeof(buf), (uint64_t)time(NULL), mac,
					       &mac_len), 0);
		assert_int_equal(ldns_wire2pkt(&q, buf, len), LDNS_STATUS_OK);
		if (!ldns_pkt_tsig_verify(q, buf, len, "cutover-key", secret, NULL))
			fail_msg("%s: ldns does not accept our TSIG", algs[i]);
		ldns_pkt_free(q);
		free(secret);
		free(k);
	}
}

/* An answer ldns signs verifies here, and fails when a byte changes. */
static void test_tsig_verify_answer(void **state)
{
	struct tsig_key *k = key("hmac-sha256");
	char *secret = b64(k);
	uint8_t req_mac[32];
	ldns_rdf *mac_rdf;
	ldns_pkt *a;
	uint8_t *wire;
	size_t wl;
	struct dns_msg h;

	(void)state;
	memset(req_mac, 0x5a, sizeof(req_mac));
	mac_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 0, NULL);
	{
		uint8_t data[34];
		data[0] = 0;
		data[1] = 32;
		memcpy(data + 2, req_mac, 32);
		ldns_rdf_deep_free(mac_rdf);
		mac_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, sizeof(data), data);
	}
	a = ldns_pkt_query_new(ldns_dname_new_frm_str("example.com."), LDNS_RR_TYPE_SOA,
			       LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_id(a, 77);
	assert_int_equal(ldns_pkt_tsig_sign(a, "cutover-key", secret, 300, "hmac-sha256.", mac_rdf),
			 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, a, &wl), LDNS_STATUS_OK);
	assert_int_equal(dns_msg_scan(wire, wl, &h), 0);
	assert_int_equal(dns_tsig_verify(k, wire, wl, &h, req_mac, sizeof(req_mac),
					 (uint64_t)time(NULL)), 0);
	req_mac[0] ^= 1;
	assert_int_equal(dns_tsig_verify(k, wire, wl, &h, req_mac, sizeof(req_mac),
					 (uint64_t)time(NULL)), -EBADMSG);
	req_mac[0] ^= 1;
	assert_int_equal(dns_tsig_verify(k, wire, wl, &h, req_mac, sizeof(req_mac),
					 (uint64_t)time(NULL) + 3600), -ETIME);
	free(wire);
	ldns_pkt_free(a);
	ldns_rdf_deep_free(mac_rdf);
	free(secret);
	free(k);
}

static void test_malformed_answers(void **state)
{
	static const struct {
		const char *name;
		uint8_t m[40];
		size_t len;
	} rows[] = {
		{ "short header", { 0, 1, 0x80 }, 3 },
		{ "question past the end", { 0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w' }, 15 },
		{ "pointer to itself",
		  { 0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1 }, 18 },
		{ "pointer forward",
		  { 0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 20, 0, 1, 0, 1 }, 18 },
		{ "reserved label bits",
		  { 0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1 }, 18 },
		{ "answer rdata past the end",
		  { 0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 9, 1 }, 24 },
		{ "TSIG not last",
		  { 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0,
		    0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0 }, 34 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct dns_msg h;
		if (dns_msg_scan(rows[i].m, rows[i].len, &h) != -EBADMSG)
			fail_msg("%s: accepted", rows[i].name);
	}
}

/* Messages name a type by its mnemonic: the switchable ones, the others
 * ldns knows (other data beside a CNAME is often LOC, SSHFP, NAPTR), and
 * RFC 3597's TYPEnnn for the rest. */
static void test_type_text(void **state)
{
	char t[DNS_TYPE_TEXT_MAX];

	(void)state;
	dns_type_text(1, t);
	assert_string_equal(t, "A");
	dns_type_text(29, t);
	assert_string_equal(t, "LOC");
	dns_type_text(44, t);
	assert_string_equal(t, "SSHFP");
	dns_type_text(65280, t);
	assert_string_equal(t, "TYPE65280");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_type_text),
		cmocka_unit_test(test_rdata),
		cmocka_unit_test(test_update_size),
		cmocka_unit_test(test_tsig_sign_checked_by_ldns),
		cmocka_unit_test(test_tsig_verify_answer),
		cmocka_unit_test(test_malformed_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
