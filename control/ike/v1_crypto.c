/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 keys (RFC 2409 5, appendix B): SKEYID for pre-shared keys,
 * SKEYID_d/_a/_e and the encryption key expanded from SKEYID_e; the CBC
 * IV chain of phase 1 and the IV of each phase 2 and informational
 * exchange; encryption with the padding of 5.3; HASH_I/HASH_R; NAT-D
 * (RFC 3947 3.2); KEYMAT (5.5). The PRF is HMAC with the negotiated hash.
 */
#include <string.h>

#include <openssl/evp.h>

#include "control/ike/v1.h"

static const EVP_MD *
md_of(uint16_t prf)
{
	switch (prf) {
	case PRF_HMAC_SHA1: return EVP_sha1();
	case PRF_HMAC_SHA2_256: return EVP_sha256();
	case PRF_HMAC_SHA2_384: return EVP_sha384();
	case PRF_HMAC_SHA2_512: return EVP_sha512();
	default: return NULL;
	}
}

int
v1_hash(uint16_t prf, const struct ike_iov *v, unsigned nv, uint8_t *out)
{
	const EVP_MD *md = md_of(prf);
	EVP_MD_CTX *c;
	int rc = -1;

	if (md == NULL || (c = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(c, md, NULL) != 1)
		goto out;
	for (unsigned i = 0; i < nv; i++)
		if (v[i].n && EVP_DigestUpdate(c, v[i].p, v[i].n) != 1)
			goto out;
	rc = EVP_DigestFinal_ex(c, out, NULL) == 1 ? 0 : -1;
out:
	EVP_MD_CTX_free(c);
	return rc;
}

static void
be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * SKEYID = prf(pre-shared-key, Ni_b | Nr_b) (5.4); then
 * SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0),
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1),
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2),
 * and the cipher key from SKEYID_e, expanded (appendix B) when short.
 */
int
v1_skeyid(struct ike_sa *sa, const uint8_t *gxy, size_t glen)
{
	struct v1_sa *v = sa->v1;
	uint8_t ck[16], e[IKE_MAX_PRF], k[2 * IKE_MAX_PRF];
	uint8_t n0 = 0, n1 = 1, n2 = 2;
	const struct ike_conn *c = sa->conn;
	size_t have;
	int rc = -1;

	v->plen = ike_prf_len(v->prf);
	v->eklen = v->chosen.encr == P1_ENCR_3DES ? 24 : v->chosen.encr_bits / 8u;
	v->blk = v->chosen.encr == P1_ENCR_3DES ? 8 : 16;
	if (v->plen == 0 || (v->eklen != 16 && v->eklen != 24 && v->eklen != 32))
		return -1;
	be64(ck, sa->spi_i);
	be64(ck + 8, sa->spi_r);
	struct ike_iov nn[] = { { sa->ni, sa->nilen }, { sa->nr, sa->nrlen } };
	if (v1_base_auth(v->chosen.auth) != P1_AUTH_PSK) {
		/* signatures: SKEYID = prf(Ni_b | Nr_b, g^xy) */
		uint8_t nk[2 * IKE_MAX_NONCE];
		struct ike_iov g = { gxy, glen };
		memcpy(nk, sa->ni, sa->nilen);
		memcpy(nk + sa->nilen, sa->nr, sa->nrlen);
		if (ike_prf(v->prf, nk, sa->nilen + sa->nrlen, &g, 1, v->skeyid) < 0)
			goto out;
	} else if (ike_prf(v->prf, (const uint8_t *)c->d.psk, sa->conn->psk_len, nn, 2,
			   v->skeyid) < 0) {
		goto out;
	}
	struct ike_iov d[] = { { gxy, glen }, { ck, 16 }, { &n0, 1 } };
	if (ike_prf(v->prf, v->skeyid, v->plen, d, 3, v->skeyid_d) < 0)
		goto out;
	struct ike_iov a[] = { { v->skeyid_d, v->plen }, { gxy, glen }, { ck, 16 }, { &n1, 1 } };
	if (ike_prf(v->prf, v->skeyid, v->plen, a, 4, v->skeyid_a) < 0)
		goto out;
	struct ike_iov ee[] = { { v->skeyid_a, v->plen }, { gxy, glen }, { ck, 16 }, { &n2, 1 } };
	if (ike_prf(v->prf, v->skeyid, v->plen, ee, 4, e) < 0)
		goto out;
	if (v->plen >= v->eklen) {
		memcpy(v->ekey, e, v->eklen);
	} else {
		/* K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1), ... */
		struct ike_iov z = { &n0, 1 };
		if (ike_prf(v->prf, e, v->plen, &z, 1, k) < 0)
			goto out;
		for (have = v->plen; have < v->eklen; have += v->plen) {
			struct ike_iov kk = { k + have - v->plen, v->plen };
			if (ike_prf(v->prf, e, v->plen, &kk, 1, k + have) < 0)
				goto out;
		}
		memcpy(v->ekey, k, v->eklen);
	}
	rc = 0;
out:
	ike_wipe(e, sizeof(e));
	ike_wipe(k, sizeof(k));
	return rc;
}

/* hash(g^xi | g^xr), the first V1_BLK bytes (appendix B) */
int
v1_iv_p1(struct ike_sa *sa)
{
	struct v1_sa *v = sa->v1;
	uint8_t h[IKE_MAX_PRF];
	struct ike_iov g[] = { { v->gxi, v->gxi_len }, { v->gxr, v->gxr_len } };

	if (v1_hash(v->prf, g, 2, h) < 0)
		return -1;
	memcpy(v->iv, h, V1_BLK);
	return 0;
}

/* hash(last phase 1 CBC block | M-ID) */
int
v1_iv_p2(const struct ike_sa *sa, uint32_t msg_id, uint8_t *iv)
{
	uint8_t h[IKE_MAX_PRF], id[4] = { msg_id >> 24, msg_id >> 16, msg_id >> 8, msg_id };
	struct ike_iov g[] = { { sa->v1->iv, sa->v1->blk }, { id, 4 } };

	if (v1_hash(sa->v1->prf, g, 2, h) < 0)
		return -1;
	memcpy(iv, h, V1_BLK);
	return 0;
}

static const EVP_CIPHER *
cbc(size_t klen)
{
	return klen == 16 ? EVP_aes_128_cbc() : klen == 32 ? EVP_aes_256_cbc() :
	       klen == 24 ? EVP_des_ede3_cbc() : NULL;
}

static int
crypt(const struct v1_sa *v, bool enc, const uint8_t *in, size_t n, uint8_t *out,
      const uint8_t *iv)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, rc = -1;

	if (c == NULL || cbc(v->eklen) == NULL)
		goto out;
	if (EVP_CipherInit_ex(c, cbc(v->eklen), NULL, v->ekey, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_CipherUpdate(c, out, &l1, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(c, out + l1, &l2) != 1 || (size_t)(l1 + l2) != n)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

size_t
v1_encrypt(const struct v1_sa *v, struct ike_buf *b, uint8_t *iv)
{
	size_t body, pad;

	if (b->overflow || b->len < IKE_HDR_LEN)
		return 0;
	/* zeros, the last byte the count of the others (RFC 2409 5.3) */
	body = b->len - IKE_HDR_LEN;
	pad = v->blk - body % v->blk;
	for (size_t i = 1; i < pad; i++)
		ike_put8(b, 0);
	ike_put8(b, (uint8_t)(pad - 1));
	if (b->overflow)
		return 0;
	b->p[19] |= V1_FLAG_E;
	if (ike_msg_finish(b) == 0)
		return 0;
	if (crypt(v, true, b->p + IKE_HDR_LEN, b->len - IKE_HDR_LEN, b->p + IKE_HDR_LEN, iv) < 0)
		return 0;
	memcpy(iv, b->p + b->len - v->blk, v->blk);
	return b->len;
}

int
v1_decrypt(const struct v1_sa *v, const uint8_t *msg, size_t len, uint8_t *iv, uint8_t *out)
{
	size_t n = len - IKE_HDR_LEN;

	if (len < IKE_HDR_LEN + v->blk || n % v->blk)
		return -1;
	if (crypt(v, false, msg + IKE_HDR_LEN, n, out, iv) < 0)
		return -1;
	memcpy(iv, msg + len - v->blk, v->blk);
	return (int)n;
}

/* HASH_I/R's PRF: the negotiated one, or with ECDSA the curve's (RFC 4754 8) */
uint16_t
v1_auth_prf(const struct v1_sa *v)
{
	switch (v->chosen.auth) {
	case 9: return PRF_HMAC_SHA2_256;
	case 10: return PRF_HMAC_SHA2_384;
	case 11: return PRF_HMAC_SHA2_512;
	default: return v->prf;
	}
}

int
v1_hash_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_b, size_t id_len,
	     uint8_t *out)
{
	const struct v1_sa *v = sa->v1;
	uint8_t ci[8], cr[8];

	be64(ci, sa->spi_i);
	be64(cr, sa->spi_r);
	struct ike_iov i[] = {
		{ of_initiator ? v->gxi : v->gxr, of_initiator ? v->gxi_len : v->gxr_len },
		{ of_initiator ? v->gxr : v->gxi, of_initiator ? v->gxr_len : v->gxi_len },
		{ of_initiator ? ci : cr, 8 }, { of_initiator ? cr : ci, 8 },
		{ v->sai_b, v->sai_len }, { id_b, id_len },
	};
	return ike_prf(v1_auth_prf(v), v->skeyid, v->plen, i, 6, out);
}

int
v1_hash_a(const struct ike_sa *sa, const struct ike_iov *v, unsigned nv, uint8_t *out)
{
	return ike_prf(sa->v1->prf, sa->v1->skeyid_a, sa->v1->plen, v, nv, out);
}

int
v1_natd(const struct ike_sa *sa, const struct ike_ep *ep, uint8_t *out)
{
	uint8_t ck[16], port[2] = { ep->port >> 8, ep->port & 255 };

	be64(ck, sa->spi_i);
	be64(ck + 8, sa->spi_r);
	struct ike_iov v[] = {
		{ ck, 16 }, { ep->addr.a, ep->addr.family == AF_INET6 ? 16u : 4u }, { port, 2 },
	};
	return v1_hash(sa->v1->prf, v, 3, out);
}

/*
 * KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g^xy |] 3 | SPI | Ni_b | Nr_b),
 * Kn = prf(SKEYID_d, Kn-1 | [g^xy |] 3 | SPI | Ni_b | Nr_b) (5.5)
 */
int
v1_keymat(const struct ike_sa *sa, const uint8_t *gxy, size_t glen, uint32_t spi,
	  const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl, uint8_t *out, size_t len)
{
	const struct v1_sa *v = sa->v1;
	uint8_t k[IKE_MAX_PRF], proto = V1_PROTO_ESP;
	uint8_t s[4] = { spi >> 24, spi >> 16, spi >> 8, spi };
	size_t done = 0;

	while (done < len) {
		struct ike_iov i[] = {
			{ k, done ? v->plen : 0 }, { gxy, gxy ? glen : 0 }, { &proto, 1 },
			{ s, 4 }, { ni, nil }, { nr, nrl },
		};
		if (ike_prf(v->prf, v->skeyid_d, v->plen, i, 6, k) < 0) {
			ike_wipe(k, sizeof(k));
			return -1;
		}
		memcpy(out + done, k, len - done < v->plen ? len - done : v->plen);
		done += v->plen;
	}
	ike_wipe(k, sizeof(k));
	return 0;
}
