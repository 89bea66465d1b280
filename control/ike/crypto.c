/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv2 cryptography through OpenSSL 3 (see crypto.h). */
#include <string.h>

#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/param_build.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "control/ike/crypto.h"

bool
ike_encr_aead(uint16_t encr)
{
	return encr == ENCR_AES_GCM_16 || encr == ENCR_CHACHA20_POLY1305;
}

size_t
ike_encr_key_len(uint16_t encr, uint16_t bits)
{
	switch (encr) {
	case ENCR_AES_CBC:
		return bits == 128 || bits == 256 ? bits / 8u : 0;
	case ENCR_AES_GCM_16:
		return bits == 128 || bits == 256 ? bits / 8u + 4 : 0;
	case ENCR_CHACHA20_POLY1305:
		return bits == 0 || bits == 256 ? 36 : 0;
	default:
		return 0;
	}
}

static const char *
md_name(uint16_t alg)
{
	/* PRF and INTEG IDs share their hash in the same order */
	switch (alg) {
	case PRF_HMAC_SHA1: return "SHA1";
	case PRF_HMAC_SHA2_256: return "SHA256";
	case PRF_HMAC_SHA2_384: return "SHA384";
	case PRF_HMAC_SHA2_512: return "SHA512";
	default: return NULL;
	}
}

static uint16_t
integ_prf(uint16_t integ)
{
	switch (integ) {
	case AUTH_HMAC_SHA2_256_128: return PRF_HMAC_SHA2_256;
	case AUTH_HMAC_SHA2_384_192: return PRF_HMAC_SHA2_384;
	case AUTH_HMAC_SHA2_512_256: return PRF_HMAC_SHA2_512;
	default: return 0;
	}
}

size_t
ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case PRF_HMAC_SHA1: return 20;
	case PRF_HMAC_SHA2_256: return 32;
	case PRF_HMAC_SHA2_384: return 48;
	case PRF_HMAC_SHA2_512: return 64;
	default: return 0;
	}
}

size_t
ike_integ_key_len(uint16_t integ)
{
	return ike_prf_len(integ_prf(integ));
}

size_t
ike_integ_icv_len(uint16_t integ)
{
	return ike_integ_key_len(integ) / 2;
}

bool
ike_dh_supported(uint16_t g)
{
	return g == DH_MODP2048 || g == DH_ECP256 || g == DH_ECP384 || g == DH_ECP521 ||
	       g == DH_CURVE25519;
}

int
ike_random(void *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

int
spi_perm_init(struct spi_perm *p)
{
	/* cycle-walking is one-to-one only from inputs inside its domain */
	p->ctr = 256;
	return ike_random(p->key, sizeof(p->key));
}

static uint16_t
spi_round(const struct spi_perm *p, unsigned r, uint16_t x)
{
	uint8_t in[3] = { (uint8_t)r, (uint8_t)(x >> 8), (uint8_t)x }, out[32];
	unsigned int ol = sizeof(out);

	if (HMAC(EVP_sha256(), p->key, sizeof(p->key), in, sizeof(in), out, &ol) == NULL)
		abort();	/* OpenSSL without SHA-256: nothing else would work either */
	return (uint16_t)(out[0] << 8 | out[1]);
}

static uint32_t
spi_permute(const struct spi_perm *p, uint32_t v)
{
	uint16_t l = (uint16_t)(v >> 16), r = (uint16_t)v;

	for (unsigned i = 0; i < 4; i++) {
		uint16_t t = r;
		r = l ^ spi_round(p, i, r);
		l = t;
	}
	return (uint32_t)l << 16 | r;
}

uint32_t
spi_perm_next(struct spi_perm *p)
{
	uint32_t v = spi_permute(p, p->ctr);

	/* the counter stays in 256..2^32-1 too: a value below 256 met on
	 * the walk must never also be a counter value */
	p->ctr = p->ctr == UINT32_MAX ? 256 : p->ctr + 1;
	while (v < 256)		/* cycle-walk past the reserved range */
		v = spi_permute(p, v);
	return v;
}

void
ike_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

static EVP_MAC *hmac;

int
ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *v,
	unsigned nv, uint8_t *out)
{
	const char *md = md_name(prf);
	OSSL_PARAM p[2];
	EVP_MAC_CTX *c;
	size_t ol;
	int rc = -1;

	if (md == NULL)
		return -1;
	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	if ((c = EVP_MAC_CTX_new(hmac)) == NULL)
		return -1;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	p[1] = OSSL_PARAM_construct_end();
	/* an empty HMAC key is legal; OpenSSL wants a non-NULL pointer */
	if (EVP_MAC_init(c, klen ? key : (const uint8_t *)"", klen, p) != 1)
		goto out;
	for (unsigned i = 0; i < nv; i++)
		if (v[i].n && EVP_MAC_update(c, v[i].p, v[i].n) != 1)
			goto out;
	if (EVP_MAC_final(c, out, &ol, IKE_MAX_PRF) == 1 && ol == ike_prf_len(prf))
		rc = 0;
out:
	EVP_MAC_CTX_free(c);
	return rc;
}

int
ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *v,
	     unsigned nv, uint8_t *out, size_t outlen)
{
	uint8_t t[IKE_MAX_PRF];
	struct ike_iov iv[10];
	size_t plen = ike_prf_len(prf), done = 0;
	uint8_t n = 1;

	if (plen == 0 || nv > 8 || outlen > 255 * plen)
		return -1;
	while (done < outlen) {
		unsigned k = 0;
		if (n > 1)
			iv[k++] = (struct ike_iov){ t, plen };
		for (unsigned i = 0; i < nv; i++)
			iv[k++] = v[i];
		iv[k++] = (struct ike_iov){ &n, 1 };
		if (ike_prf(prf, key, klen, iv, k, t) < 0) {
			ike_wipe(t, sizeof(t));
			return -1;
		}
		memcpy(out + done, t, outlen - done < plen ? outlen - done : plen);
		done += plen;
		n++;
	}
	ike_wipe(t, sizeof(t));
	return 0;
}

/* ---- key exchange ---- */

struct ike_dh {
	uint16_t group;
	EVP_PKEY *key;
};

static const char *
ec_curve(uint16_t g, size_t *flen)
{
	switch (g) {
	case DH_ECP256: *flen = 32; return "P-256";
	case DH_ECP384: *flen = 48; return "P-384";
	case DH_ECP521: *flen = 66; return "P-521";
	default: return NULL;
	}
}

struct ike_dh *
ike_dh_new(uint16_t group)
{
	struct ike_dh *d = calloc(1, sizeof(*d));
	size_t flen;
	const char *curve = ec_curve(group, &flen);

	if (d == NULL)
		return NULL;
	d->group = group;
	if (group == DH_CURVE25519) {
		d->key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	} else if (curve) {
		d->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	} else if (group == DH_MODP2048) {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		OSSL_PARAM p[2] = {
			OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							 "modp_2048", 0),
			OSSL_PARAM_construct_end(),
		};
		if (c && EVP_PKEY_keygen_init(c) == 1 && EVP_PKEY_CTX_set_params(c, p) == 1)
			EVP_PKEY_generate(c, &d->key);
		EVP_PKEY_CTX_free(c);
	}
	if (d->key == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

size_t
ike_dh_public(struct ike_dh *d, uint8_t *out, size_t cap)
{
	size_t flen, n = 0;

	if (d->group == DH_CURVE25519) {
		n = cap;
		return EVP_PKEY_get_raw_public_key(d->key, out, &n) == 1 ? n : 0;
	}
	if (ec_curve(d->group, &flen)) {
		uint8_t pt[1 + 2 * 66];
		/* RFC 5903: x | y without the SEC1 0x04 prefix */
		if (EVP_PKEY_get_octet_string_param(d->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						    pt, sizeof(pt), &n) != 1 ||
		    n != 1 + 2 * flen || pt[0] != 4 || cap < 2 * flen)
			return 0;
		memcpy(out, pt + 1, 2 * flen);
		return 2 * flen;
	}
	if (d->group == DH_MODP2048) {
		BIGNUM *y = NULL;
		if (cap < 256 || EVP_PKEY_get_bn_param(d->key, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1)
			return 0;
		n = BN_bn2binpad(y, out, 256) == 256 ? 256 : 0;
		BN_free(y);
		return n;
	}
	return 0;
}

/* the peer's public value as an EVP_PKEY of our key's domain */
static EVP_PKEY *
peer_key(struct ike_dh *d, const uint8_t *peer, size_t plen)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *c = NULL;
	size_t flen;
	const char *curve = ec_curve(d->group, &flen);

	if (d->group == DH_CURVE25519) {
		if (plen != 32)
			return NULL;
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, plen);
	}
	if (curve) {
		uint8_t pt[1 + 2 * 66];
		OSSL_PARAM p[3];
		if (plen != 2 * flen)
			return NULL;
		pt[0] = 4;
		memcpy(pt + 1, peer, plen);
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							(char *)curve, 0);
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, plen + 1);
		p[2] = OSSL_PARAM_construct_end();
		c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (c == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
		    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) != 1)
			pk = NULL;
	} else if (d->group == DH_MODP2048) {
		OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
		BIGNUM *y = BN_bin2bn(peer, (int)plen, NULL);
		OSSL_PARAM *p = NULL;
		if (plen == 256 && bld && y &&
		    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						    "modp_2048", 0) == 1 &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) == 1)
			p = OSSL_PARAM_BLD_to_param(bld);
		c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		if (p == NULL || c == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
		    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) != 1)
			pk = NULL;
		OSSL_PARAM_free(p);
		OSSL_PARAM_BLD_free(bld);
		BN_free(y);
	}
	EVP_PKEY_CTX_free(c);
	return pk;
}

int
ike_dh_shared(struct ike_dh *d, const uint8_t *peer, size_t plen, uint8_t *out, size_t *olen)
{
	EVP_PKEY *pk = peer_key(d, peer, plen);
	EVP_PKEY_CTX *c = NULL;
	size_t n = IKE_MAX_DH;
	int rc = -1;
	uint8_t acc = 0;

	if (pk == NULL)
		return -1;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, d->key, NULL);
	/* validate_peer: on-curve points, 1 < y < p-1 for MODP */
	if (c == NULL || EVP_PKEY_derive_init(c) != 1 ||
	    (d->group == DH_MODP2048 && EVP_PKEY_CTX_set_dh_pad(c, 1) != 1) ||
	    EVP_PKEY_derive_set_peer_ex(c, pk, 1) != 1 ||
	    EVP_PKEY_derive(c, out, &n) != 1)
		goto done;
	/* an all-zero X25519 result means a small-order peer point */
	for (size_t i = 0; i < n; i++)
		acc |= out[i];
	if (acc == 0)
		goto done;
	*olen = n;
	rc = 0;
done:
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	return rc;
}

uint16_t
ike_dh_group(const struct ike_dh *d)
{
	return d->group;
}

void
ike_dh_free(struct ike_dh *d)
{
	if (d) {
		EVP_PKEY_free(d->key);	/* OpenSSL clears private key material */
		free(d);
	}
}

/* ---- keys ---- */

static void
be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 255;
}

int
ike_derive_ike_keys(struct ike_keys *k, const struct ike_algs *a, const uint8_t *gir,
		    size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
		    size_t nrlen, uint64_t spi_i, uint64_t spi_r, const uint8_t *old_skd,
		    uint16_t old_prf)
{
	uint8_t seed[IKE_MAX_PRF], spis[16], nonces[2 * IKE_MAX_NONCE];
	uint8_t km[7 * IKE_MAX_PRF];
	size_t off = 0, total;
	int rc;

	memset(k, 0, sizeof(*k));
	k->a = *a;
	k->prf_len = ike_prf_len(a->prf);
	k->ekey_len = ike_encr_key_len(a->encr, a->encr_bits);
	k->akey_len = ike_encr_aead(a->encr) ? 0 : ike_integ_key_len(a->integ);
	k->icv_len = ike_encr_aead(a->encr) ? 16 : ike_integ_icv_len(a->integ);
	if (k->prf_len == 0 || k->ekey_len == 0 || (!ike_encr_aead(a->encr) && k->akey_len == 0) ||
	    nilen > IKE_MAX_NONCE || nrlen > IKE_MAX_NONCE)
		return -1;
	memcpy(nonces, ni, nilen);
	memcpy(nonces + nilen, nr, nrlen);
	if (old_skd) {
		struct ike_iov v[3] = { { gir, girlen }, { ni, nilen }, { nr, nrlen } };
		rc = ike_prf(old_prf, old_skd, ike_prf_len(old_prf), v, 3, seed);
	} else {
		struct ike_iov v[1] = { { gir, girlen } };
		rc = ike_prf(a->prf, nonces, nilen + nrlen, v, 1, seed);
	}
	if (rc < 0)
		return -1;
	be64(spis, spi_i);
	be64(spis + 8, spi_r);
	total = 3 * k->prf_len + 2 * k->akey_len + 2 * k->ekey_len;
	{
		struct ike_iov v[2] = { { nonces, nilen + nrlen }, { spis, 16 } };
		rc = ike_prf_plus(a->prf, seed, k->prf_len, v, 2, km, total);
	}
	ike_wipe(seed, sizeof(seed));
	if (rc == 0) {
		memcpy(k->sk_d, km, k->prf_len); off += k->prf_len;
		memcpy(k->sk_ai, km + off, k->akey_len); off += k->akey_len;
		memcpy(k->sk_ar, km + off, k->akey_len); off += k->akey_len;
		memcpy(k->sk_ei, km + off, k->ekey_len); off += k->ekey_len;
		memcpy(k->sk_er, km + off, k->ekey_len); off += k->ekey_len;
		memcpy(k->sk_pi, km + off, k->prf_len); off += k->prf_len;
		memcpy(k->sk_pr, km + off, k->prf_len);
	}
	ike_wipe(km, sizeof(km));
	return rc;
}

void
ike_keys_wipe(struct ike_keys *k)
{
	ike_wipe(k, sizeof(*k));
}

int
ike_derive_child_keys(struct ike_child_keys *ck, const struct ike_keys *k,
		      const struct ike_algs *esp, const uint8_t *gir, size_t girlen,
		      const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	uint8_t km[2 * (IKE_MAX_KEY + IKE_MAX_PRF)];
	struct ike_iov v[3] = { { gir, girlen }, { ni, nilen }, { nr, nrlen } };
	size_t e, a;
	int rc;

	memset(ck, 0, sizeof(*ck));
	e = ike_encr_key_len(esp->encr, esp->encr_bits);
	a = ike_encr_aead(esp->encr) ? 0 : ike_integ_key_len(esp->integ);
	if (e == 0 || (!ike_encr_aead(esp->encr) && a == 0))
		return -1;
	ck->ekey_len = e;
	ck->akey_len = a;
	/* order: initiator->responder encr, integ; then responder->initiator */
	rc = ike_prf_plus(k->a.prf, k->sk_d, k->prf_len, gir ? v : v + 1, gir ? 3 : 2, km,
			  2 * (e + a));
	if (rc == 0) {
		memcpy(ck->ei, km, e);
		memcpy(ck->ai, km + e, a);
		memcpy(ck->er, km + e + a, e);
		memcpy(ck->ar, km + 2 * e + a, a);
	}
	ike_wipe(km, sizeof(km));
	return rc;
}

/* ---- SK payload ---- */

static const EVP_CIPHER *
sk_cipher(uint16_t encr, size_t ekey)
{
	switch (encr) {
	case ENCR_AES_GCM_16:
		return ekey == 20 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	case ENCR_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	case ENCR_AES_CBC:
		return ekey == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	default:
		return NULL;
	}
}

/* AEAD seal/open over one buffer: nonce = salt | iv (RFC 5282, 7634) */
static int
aead(const struct ike_keys *k, const uint8_t *key, bool enc, const uint8_t *iv,
     const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
     uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t klen = k->ekey_len - 4;
	uint8_t nonce[12];
	int n, rc = -1;

	memcpy(nonce, key + klen, 4);
	memcpy(nonce + 4, iv, 8);
	if (c == NULL || EVP_CipherInit_ex(c, sk_cipher(k->a.encr, k->ekey_len), NULL, NULL,
					   NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1 ||
	    (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag) != 1) ||
	    EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) != 1 ||
	    (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1) ||
	    EVP_CipherFinal_ex(c, out + len, &n) != 1 ||
	    (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static int
cbc(const struct ike_keys *k, const uint8_t *key, bool enc, const uint8_t *iv,
    const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, rc = -1;

	if (c && EVP_CipherInit_ex(c, sk_cipher(k->a.encr, k->ekey_len), NULL, key, iv,
				   enc) == 1 &&
	    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	    EVP_CipherUpdate(c, out, &n, in, (int)len) == 1 && EVP_CipherFinal_ex(c, out + n, &n) == 1)
		rc = 0;
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static int
mac(const struct ike_keys *k, const uint8_t *key, const uint8_t *d, size_t n, uint8_t *icv)
{
	uint8_t full[IKE_MAX_PRF];
	struct ike_iov v = { d, n };

	if (ike_prf(integ_prf(k->a.integ), key, k->akey_len, &v, 1, full) < 0)
		return -1;
	memcpy(icv, full, k->icv_len);
	return 0;
}

size_t
ike_sk_seal(const struct ike_keys *k, bool as_initiator, struct ike_buf *b, uint8_t first,
	    const uint8_t *inner, size_t ilen)
{
	return ike_skf_seal(k, as_initiator, b, first, inner, ilen, 0, 0);
}

size_t
ike_skf_seal(const struct ike_keys *k, bool as_initiator, struct ike_buf *b, uint8_t first,
	     const uint8_t *inner, size_t ilen, uint16_t frag, uint16_t total)
{
	bool ae = ike_encr_aead(k->a.encr);
	size_t ivlen = ae ? 8 : 16, blk = ae ? 1 : 16;
	size_t plen = (ilen + 1 + blk - 1) / blk * blk;	/* + pad length byte */
	const uint8_t *ek = as_initiator ? k->sk_ei : k->sk_er;
	const uint8_t *ak = as_initiator ? k->sk_ai : k->sk_ar;
	size_t sk = ike_pl_begin(b, total ? PL_SKF : PL_SK), ivo, cto;
	uint8_t *pt;

	if (total) {
		/* RFC 7383 2.5: Fragment Number and Total Fragments, then as SK */
		ike_put16(b, frag);
		ike_put16(b, total);
	}
	if (b->overflow || b->cap - b->len < ivlen + plen + k->icv_len)
		return 0;
	/* the SK payload's next = the first inner payload (fragment 1 of SKF) */
	b->p[sk] = first;
	ivo = b->len;
	if (ike_random(b->p + ivo, ivlen) < 0)
		return 0;
	cto = ivo + ivlen;
	b->len = cto + plen + k->icv_len;
	ike_pl_end(b, sk);
	if (ike_msg_finish(b) == 0)
		return 0;
	/* plaintext in place: inner | padding (zeros) | pad length */
	pt = b->p + cto;
	if (ilen)	/* an empty INFORMATIONAL has no inner chain */
		memmove(pt, inner, ilen);
	memset(pt + ilen, 0, plen - ilen);
	pt[plen - 1] = plen - ilen - 1;
	if (ae) {
		/* AAD: the IKE header through the SK payload header (RFC 5282 5.1) */
		if (aead(k, ek, true, b->p + ivo, b->p, ivo, pt, plen, pt, pt + plen) < 0)
			return 0;
	} else {
		if (cbc(k, ek, true, b->p + ivo, pt, plen, pt) < 0 ||
		    mac(k, ak, b->p, cto + plen, pt + plen) < 0)
			return 0;
	}
	return b->len;
}

int
ike_sk_open(const struct ike_keys *k, bool from_initiator, const struct ike_msg *m,
	    const struct ike_pl *sk, uint8_t *out, size_t cap)
{
	bool ae = ike_encr_aead(k->a.encr);
	size_t ivlen = ae ? 8 : 16, ctlen;
	const uint8_t *ek = from_initiator ? k->sk_ei : k->sk_er;
	const uint8_t *ak = from_initiator ? k->sk_ai : k->sk_ar;
	const uint8_t *iv = sk->body, *ct, *icv;
	uint8_t tag[IKE_MAX_PRF];
	unsigned pad;

	if (sk->len < ivlen + k->icv_len + 1)
		return -1;
	ctlen = sk->len - ivlen - k->icv_len;
	ct = iv + ivlen;
	icv = ct + ctlen;
	if (ctlen > cap || (!ae && ctlen % 16))
		return -1;
	if (ae) {
		memcpy(tag, icv, 16);
		if (aead(k, ek, false, iv, m->raw, (size_t)(iv - m->raw), ct, ctlen, out, tag) < 0)
			return -1;
	} else {
		if (mac(k, ak, m->raw, (size_t)(icv - m->raw), tag) < 0 ||
		    CRYPTO_memcmp(tag, icv, k->icv_len) != 0 ||
		    cbc(k, ek, false, iv, ct, ctlen, out) < 0)
			return -1;
	}
	pad = out[ctlen - 1];
	if (pad + 1u > ctlen)
		return -1;
	return (int)(ctlen - 1 - pad);
}
