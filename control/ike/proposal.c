/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposals and traffic selectors: the algorithm words of the
 * configuration, proposal choice (3.3.6), selector narrowing (2.9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

static const struct {
	const char *name;
	uint8_t type;
	uint16_t id, bits;
} alg_words[] = {
	{ "aes128gcm16", TT_ENCR, ENCR_AES_GCM_16, 128 },
	{ "aes256gcm16", TT_ENCR, ENCR_AES_GCM_16, 256 },
	{ "aes128gcm", TT_ENCR, ENCR_AES_GCM_16, 128 },
	{ "aes256gcm", TT_ENCR, ENCR_AES_GCM_16, 256 },
	{ "aes128", TT_ENCR, ENCR_AES_CBC, 128 },
	{ "aes256", TT_ENCR, ENCR_AES_CBC, 256 },
	{ "chacha20poly1305", TT_ENCR, ENCR_CHACHA20_POLY1305, 0 },
	/* for old IKEv1 peers only, and only when a connection names them */
	{ "3des", TT_ENCR, ENCR_3DES, 0 },
	{ "sha1", TT_INTEG, AUTH_HMAC_SHA1_96, 0 },
	{ "prfsha1", TT_PRF, PRF_HMAC_SHA1, 0 },
	{ "sha256", TT_INTEG, AUTH_HMAC_SHA2_256_128, 0 },
	{ "sha384", TT_INTEG, AUTH_HMAC_SHA2_384_192, 0 },
	{ "sha512", TT_INTEG, AUTH_HMAC_SHA2_512_256, 0 },
	{ "prfsha256", TT_PRF, PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", TT_PRF, PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", TT_PRF, PRF_HMAC_SHA2_512, 0 },
	{ "modp2048", TT_DH, DH_MODP2048, 0 },
	{ "ecp256", TT_DH, DH_ECP256, 0 },
	{ "ecp384", TT_DH, DH_ECP384, 0 },
	{ "ecp521", TT_DH, DH_ECP521, 0 },
	{ "x25519", TT_DH, DH_CURVE25519, 0 },
	{ "curve25519", TT_DH, DH_CURVE25519, 0 },
	{ "esn", TT_ESN, 1, 0 },
	{ "noesn", TT_ESN, 0, 0 },
};

static const char *
alg_word(uint8_t type, uint16_t id, uint16_t bits)
{
	for (unsigned i = 0; i < sizeof(alg_words) / sizeof(alg_words[0]); i++)
		if (alg_words[i].type == type && alg_words[i].id == id &&
		    (type != TT_ENCR || alg_words[i].bits == bits))
			return alg_words[i].name;
	return "?";
}

size_t
ike_algs_fmt(const struct ike_algs *a, bool esp, char *out, size_t n)
{
	int k = snprintf(out, n, "%s%s%s%s%s%s%s", alg_word(TT_ENCR, a->encr, a->encr_bits),
			 a->integ ? "-" : "", a->integ ? alg_word(TT_INTEG, a->integ, 0) : "",
			 esp ? "" : "-", esp ? "" : alg_word(TT_PRF, a->prf, 0),
			 a->dh ? "-" : "", a->dh ? alg_word(TT_DH, a->dh, 0) : "");

	if (esp && k > 0 && (size_t)k < n)
		k += snprintf(out + k, n - k, a->esn ? "-esn" : "");
	return k > 0 ? (size_t)k : 0;
}

static bool
has_type(const struct ike_proposal *p, uint8_t t)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->t[i].type == t)
			return true;
	return false;
}

int
ike_proposal_parse(const char *s, bool esp, struct ike_proposal *p, char *err, size_t el)
{
	char buf[256], *save, *tok;
	bool aead = false;

	memset(p, 0, sizeof(*p));
	p->num = 1;
	p->proto = esp ? PROTO_ESP : PROTO_IKE;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, el, "proposal too long");
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
		unsigned i;
		for (i = 0; i < sizeof(alg_words) / sizeof(alg_words[0]); i++)
			if (!strcmp(tok, alg_words[i].name))
				break;
		if (i == sizeof(alg_words) / sizeof(alg_words[0]) ||
		    (esp && alg_words[i].type == TT_PRF) || (!esp && alg_words[i].type == TT_ESN)) {
			snprintf(err, el, "proposal '%s': unknown or misplaced algorithm '%s'", s, tok);
			return -1;
		}
		if (p->n == IKE_MAX_TRANSFORMS)
			break;
		p->t[p->n++] = (struct ike_transform){ alg_words[i].type, alg_words[i].id,
						       alg_words[i].bits };
		if (alg_words[i].type == TT_ENCR && ike_encr_aead(alg_words[i].id))
			aead = true;
	}
	if (!has_type(p, TT_ENCR)) {
		snprintf(err, el, "proposal '%s': no encryption algorithm", s);
		return -1;
	}
	if (aead && has_type(p, TT_INTEG)) {
		snprintf(err, el, "proposal '%s': an AEAD cipher takes no integrity algorithm", s);
		return -1;
	}
	if (!aead && !has_type(p, TT_INTEG)) {
		snprintf(err, el, "proposal '%s': no integrity algorithm", s);
		return -1;
	}
	if (!esp) {
		if (!has_type(p, TT_PRF)) {
			/* the PRF follows the integrity algorithm's hash */
			for (unsigned i = 0; i < p->n && !aead; i++)
				if (p->t[i].type == TT_INTEG && p->n < IKE_MAX_TRANSFORMS)
					p->t[p->n++] = (struct ike_transform){ TT_PRF,
						p->t[i].id == AUTH_HMAC_SHA1_96 ? PRF_HMAC_SHA1 :
						p->t[i].id - AUTH_HMAC_SHA2_256_128 + PRF_HMAC_SHA2_256, 0 };
			if (!has_type(p, TT_PRF)) {
				snprintf(err, el, "proposal '%s': an AEAD IKE proposal needs a prf", s);
				return -1;
			}
		}
		if (!has_type(p, TT_DH)) {
			snprintf(err, el, "proposal '%s': no key exchange group", s);
			return -1;
		}
	} else if (!has_type(p, TT_ESN)) {
		p->t[p->n++] = (struct ike_transform){ TT_ESN, 0, 0 };
	}
	return 0;
}

void
ike_ts_of_prefix(const struct ip_prefix *p, struct ike_ts *ts)
{
	unsigned al = ip_alen(p->addr.family);

	memset(ts, 0, sizeof(*ts));
	ts->type = al == 4 ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
	ts->port_hi = 65535;
	for (unsigned i = 0; i < al; i++) {
		int bits = (int)p->len - 8 * (int)i;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		ts->lo[i] = p->addr.a[i] & mask;
		ts->hi[i] = p->addr.a[i] | (uint8_t)~mask;
	}
}

int
ike_ts_from_prefix(const char *s, struct ike_ts *ts)
{
	struct ip_prefix p;

	if (ip_prefix_parse(s, &p) < 0)
		return -1;
	ike_ts_of_prefix(&p, ts);
	return 0;
}

int
ike_id_parse(const char *s, struct ike_id *id)
{
	struct ip_addr a;

	memset(id, 0, sizeof(*id));
	if (strlen(s) > 255 || !*s)
		return -1;
	if (ip_addr_parse(s, &a) == 0) {
		id->type = a.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		id->len = ip_alen(a.family);
		memcpy(id->data, a.a, id->len);
		return 0;
	}
	if (strchr(s, '=')) {
		size_t n;
		if (ike_dn_parse(s, id->data, sizeof(id->data), &n) < 0)
			return -1;
		id->type = ID_DER_ASN1_DN;
		id->len = (uint8_t)n;
		return 0;
	}
	id->type = strchr(s, '@') && s[0] != '@' ? ID_RFC822_ADDR : ID_FQDN;
	if (s[0] == '@')
		s++;
	id->len = strlen(s);
	memcpy(id->data, s, id->len);
	return 0;
}

bool
ike_offers(const struct ike_proposal *p, const struct ike_transform *t)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->t[i].type == t->type && p->t[i].id == t->id &&
		    p->t[i].key_len == t->key_len)
			return true;
	return false;
}

int
ike_proposal_select(const struct ike_proposal *peer, unsigned np,
		    const struct ike_proposal *ours, unsigned no, bool esp, bool ignore_dh,
		    struct ike_algs *out, unsigned *chosen)
{
	static const uint8_t types[] = { TT_ENCR, TT_PRF, TT_INTEG, TT_DH, TT_ESN };

	for (unsigned i = 0; i < np; i++) {
		const struct ike_proposal *p = &peer[i];
		if (p->proto != (esp ? PROTO_ESP : PROTO_IKE))
			continue;
		if (esp ? p->spi_size != 4 : (p->spi_size != 0 && p->spi_size != 8))
			continue;
		for (unsigned j = 0; j < no; j++) {
			struct ike_algs a = { 0 };
			bool ok = true;
			for (unsigned t = 0; t < sizeof(types) && ok; t++) {
				const struct ike_transform *pick = NULL;
				bool peer_has = false;
				if (ignore_dh && types[t] == TT_DH)
					continue;
				for (unsigned k = 0; k < p->n && !pick; k++) {
					if (p->t[k].type != types[t])
						continue;
					/* "none" counts as absent for INTEG and DH */
					if ((types[t] == TT_INTEG || types[t] == TT_DH) && p->t[k].id == 0)
						continue;
					peer_has = true;
					if (ike_offers(&ours[j], &p->t[k]))
						pick = &p->t[k];
				}
				if (pick == NULL) {
					ok = !peer_has && !has_type(&ours[j], types[t]);
					continue;
				}
				switch (types[t]) {
				case TT_ENCR: a.encr = pick->id; a.encr_bits = pick->key_len; break;
				case TT_PRF: a.prf = pick->id; break;
				case TT_INTEG: a.integ = pick->id; break;
				case TT_DH: a.dh = pick->id; break;
				case TT_ESN: a.esn = pick->id == 1; break;
				}
			}
			if (ok) {
				*out = a;
				*chosen = i;
				return 0;
			}
		}
	}
	return -1;
}

static bool
low_bits_zero(const uint8_t *a, unsigned al, unsigned h)
{
	for (unsigned i = 0; i < h; i++)
		if (a[al - 1 - i / 8] >> (i % 8) & 1)
			return false;
	return true;
}

void
ike_ts_prefix(struct ike_ts *t)
{
	unsigned al = t->type == TS_IPV4_ADDR_RANGE ? 4 : 16;
	uint8_t end[16];

	/* the most host bits h such that lo is aligned and lo + 2^h - 1 <= hi */
	for (unsigned h = al * 8;; h--) {
		if (!low_bits_zero(t->lo, al, h))
			continue;
		memcpy(end, t->lo, al);
		for (unsigned i = 0; i < h; i++)
			end[al - 1 - i / 8] |= (uint8_t)(1u << (i % 8));
		if (memcmp(end, t->hi, al) <= 0) {
			memcpy(t->hi, end, al);
			return;
		}
	}
}

bool
ike_ts_narrow(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	unsigned al = a->type == TS_IPV4_ADDR_RANGE ? 4 : 16;

	if (a->type != b->type)
		return false;
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	*out = *a;
	out->proto = a->proto ? a->proto : b->proto;
	out->port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
	out->port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
	if (out->port_lo > out->port_hi)
		return false;
	if (memcmp(b->lo, a->lo, al) > 0)
		memcpy(out->lo, b->lo, al);
	if (memcmp(b->hi, a->hi, al) < 0)
		memcpy(out->hi, b->hi, al);
	return memcmp(out->lo, out->hi, al) <= 0;
}

int
ike_ts_to_prefix(const struct ike_ts *t, struct ip_prefix *p)
{
	unsigned al = t->type == TS_IPV4_ADDR_RANGE ? 4 : 16, len = 0;
	bool host_bits = false;

	for (unsigned i = 0; i < al; i++) {
		uint8_t diff = t->lo[i] ^ t->hi[i];
		/* the differing bits must be a suffix: lo all zero, hi all one */
		if (host_bits ? (t->lo[i] != 0 || t->hi[i] != 0xff) :
				(diff & (uint8_t)(diff + 1)) != 0 || (t->lo[i] & diff) ||
				(t->hi[i] & diff) != diff)
			return -1;
		if (!host_bits) {
			len += 8 - __builtin_popcount(diff);
			host_bits = diff != 0;
		}
	}
	memset(p, 0, sizeof(*p));
	p->addr.family = al == 4 ? AF_INET : AF_INET6;
	memcpy(p->addr.a, t->lo, al);
	p->len = (uint8_t)len;
	return 0;
}
