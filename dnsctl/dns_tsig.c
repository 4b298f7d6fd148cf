/* dnsctl/dns_tsig.c — TSIG (RFC 8945) over one serialisation, HMAC by OpenSSL.
 *
 * ldns 1.8.3 cannot do hmac-sha384 and serialises a packet twice to sign and
 * send it; here the message is built once, the MAC computed over those bytes
 * and the TSIG RR appended.
 */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "dns_internal.h"

#define TSIG_FUDGE 300

static const struct {
	const char *key_alg;  /* as secret.h spells it */
	const char *wire_name;
	const char *digest;
} algs[] = {
	{ "hmac-md5", "hmac-md5.sig-alg.reg.int", "MD5" },
	{ "hmac-sha1", "hmac-sha1", "SHA1" },
	{ "hmac-sha224", "hmac-sha224", "SHA224" },
	{ "hmac-sha256", "hmac-sha256", "SHA256" },
	{ "hmac-sha384", "hmac-sha384", "SHA384" },
	{ "hmac-sha512", "hmac-sha512", "SHA512" },
};

static int find_alg(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].key_alg, name) == 0)
			return (int)i;
	return -EINVAL;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put48(uint8_t *p, uint64_t v)
{
	put16(p, (uint16_t)(v >> 32));
	p[2] = (uint8_t)(v >> 24);
	p[3] = (uint8_t)(v >> 16);
	p[4] = (uint8_t)(v >> 8);
	p[5] = (uint8_t)v;
}

struct hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

static int hmac_init(struct hmac *h, const struct tsig_key *k, const char *digest)
{
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	h->ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
	if (!h->ctx || !EVP_MAC_init(h->ctx, k->secret, k->secret_len, params))
		return -EINVAL;
	return 0;
}

static void hmac_update(struct hmac *h, const void *p, size_t n)
{
	EVP_MAC_update(h->ctx, p, n);
}

static int hmac_final(struct hmac *h, uint8_t *out, size_t *len)
{
	int ok = EVP_MAC_final(h->ctx, out, len, EVP_MAX_MD_SIZE);

	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	return ok ? 0 : -EINVAL;
}

static void hmac_abort(struct hmac *h)
{
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
}

/* The TSIG variables after the message (RFC 8945 4.3.3). */
static void hmac_variables(struct hmac *h, const uint8_t *name, size_t name_len,
			   const uint8_t *alg, size_t alg_len, uint64_t time, uint16_t fudge,
			   uint16_t error, const uint8_t *other, uint16_t other_len)
{
	uint8_t fixed[16];

	hmac_update(h, name, name_len);
	put16(fixed, DNS_C_ANY);
	memset(fixed + 2, 0, 4); /* TTL */
	hmac_update(h, fixed, 6);
	hmac_update(h, alg, alg_len);
	put48(fixed, time);
	put16(fixed + 6, fudge);
	put16(fixed + 8, error);
	put16(fixed + 10, other_len);
	hmac_update(h, fixed, 12);
	if (other_len)
		hmac_update(h, other, other_len);
}

struct tsig_names {
	uint8_t name[DNS_NAME_WIRE_MAX], alg[DNS_NAME_WIRE_MAX];
	size_t name_len, alg_len;
	int alg_idx;
};

static int tsig_names(const struct tsig_key *k, struct tsig_names *n)
{
	const char *why;

	n->alg_idx = find_alg(k->algorithm);
	if (n->alg_idx < 0)
		return -EINVAL;
	if (dns_name_to_wire(k->name, n->name, &n->name_len, &why) < 0 ||
	    dns_name_to_wire(algs[n->alg_idx].wire_name, n->alg, &n->alg_len, &why) < 0)
		return -EINVAL;
	return 0;
}

int dns_tsig_check_key(const struct tsig_key *k, const char **why)
{
	struct tsig_names n;
	uint8_t w[DNS_NAME_WIRE_MAX];
	size_t wl;

	if (find_alg(k->algorithm) < 0) {
		*why = "its algorithm cannot sign (use hmac-sha256, -sha384 or -sha512)";
		return -EINVAL;
	}
	if (dns_name_to_wire(k->name, w, &wl, why) < 0 || tsig_names(k, &n) < 0) {
		*why = "its name is not a domain name (TSIG sends it as one: letters, digits, "
		       "'-', '.' — rename the key here and on the server)";
		return -EINVAL;
	}
	return 0;
}

int dns_tsig_sign(const struct tsig_key *k, uint8_t *buf, size_t *len, size_t cap, uint64_t now,
		  uint8_t *mac, size_t *mac_len)
{
	struct tsig_names n;
	struct hmac h;
	size_t o = *len, rdlen;
	int r = tsig_names(k, &n);

	if (r < 0)
		return r;
	r = hmac_init(&h, k, algs[n.alg_idx].digest);
	if (r < 0) {
		hmac_abort(&h);
		return r;
	}
	hmac_update(&h, buf, *len);
	hmac_variables(&h, n.name, n.name_len, n.alg, n.alg_len, now, TSIG_FUDGE, 0, NULL, 0);
	if (hmac_final(&h, mac, mac_len) < 0)
		return -EINVAL;
	rdlen = n.alg_len + 6 + 2 + 2 + *mac_len + 6;
	if (o + n.name_len + 10 + rdlen > cap)
		return -ENOSPC;
	memcpy(buf + o, n.name, n.name_len);
	o += n.name_len;
	put16(buf + o, DNS_T_TSIG);
	put16(buf + o + 2, DNS_C_ANY);
	memset(buf + o + 4, 0, 4);
	put16(buf + o + 8, (uint16_t)rdlen);
	o += 10;
	memcpy(buf + o, n.alg, n.alg_len);
	o += n.alg_len;
	put48(buf + o, now);
	put16(buf + o + 6, TSIG_FUDGE);
	put16(buf + o + 8, (uint16_t)*mac_len);
	o += 10;
	memcpy(buf + o, mac, *mac_len);
	o += *mac_len;
	memcpy(buf + o, buf, 2); /* original id */
	memset(buf + o + 2, 0, 4); /* error, other len */
	o += 6;
	put16(buf + 10, (uint16_t)(((buf[10] << 8) | buf[11]) + 1));
	*len = o;
	return 0;
}

int dns_tsig_verify(const struct tsig_key *k, const uint8_t *m, size_t len,
		    const struct dns_msg *hdr, const uint8_t *req_mac, size_t req_mac_len,
		    uint64_t now)
{
	uint8_t head[12], mac[EVP_MAX_MD_SIZE], pre[2];
	struct tsig_names n;
	struct hmac h;
	size_t mac_len;
	int r;

	if (!hdr->tsig_off || hdr->tsig_off < 12 || hdr->tsig_off > len)
		return -EBADMSG;
	r = tsig_names(k, &n);
	if (r < 0)
		return r;
	if (hdr->tsig_name_len != n.name_len || memcmp(hdr->tsig_name, n.name, n.name_len) != 0 ||
	    hdr->tsig_alg_len != n.alg_len || memcmp(hdr->tsig_alg, n.alg, n.alg_len) != 0 ||
	    hdr->tsig_mac_len == 0)
		return -EBADMSG;
	if (hmac_init(&h, k, algs[n.alg_idx].digest) < 0) {
		hmac_abort(&h);
		return -EINVAL;
	}
	put16(pre, (uint16_t)req_mac_len);
	hmac_update(&h, pre, 2);
	hmac_update(&h, req_mac, req_mac_len);
	memcpy(head, m, 12);
	put16(head, hdr->tsig_orig_id);
	put16(head + 10, (uint16_t)(hdr->ar - 1));
	hmac_update(&h, head, 12);
	hmac_update(&h, m + 12, hdr->tsig_off - 12);
	hmac_variables(&h, hdr->tsig_name, hdr->tsig_name_len, hdr->tsig_alg, hdr->tsig_alg_len,
		       hdr->tsig_time, hdr->tsig_fudge, hdr->tsig_error, hdr->tsig_other,
		       hdr->tsig_other_len);
	if (hmac_final(&h, mac, &mac_len) < 0)
		return -EINVAL;
	if (mac_len != hdr->tsig_mac_len || CRYPTO_memcmp(mac, hdr->tsig_mac, mac_len) != 0)
		return -EBADMSG;
	if (hdr->tsig_time + hdr->tsig_fudge < now || now + hdr->tsig_fudge < hdr->tsig_time)
		return -ETIME;
	return 0;
}
