/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection's IKE proposals as IKEv1 phase 1 transforms (RFC 2409
 * appendix A attributes), and whether a version 1 connection can run at
 * all. Below the exchanges: it reads the connection and nothing else.
 */
#include <stdio.h>

#include "control/ike/v1.h"

static uint16_t
hash_of_prf(uint16_t prf)
{
	return prf == PRF_HMAC_SHA1 ? P1_HASH_SHA1 : prf == PRF_HMAC_SHA2_256 ? P1_HASH_SHA256 : prf == PRF_HMAC_SHA2_384 ?
	       P1_HASH_SHA384 : prf == PRF_HMAC_SHA2_512 ? P1_HASH_SHA512 : 0;
}

static uint32_t
p1_life(const struct ike_conn *c)
{
	return c->d.life_time ? c->d.life_time : c->d.rekey_time ? c->d.rekey_time * 11 / 10 : 0;
}

/*
 * The connection's IKE proposals as phase 1 transforms: AES-CBC with a
 * SHA-2 hash and a group (an AEAD proposal has no IKEv1 form), each with
 * our certificate's signature method, then with the PSK, as we have them.
 * IKEv1 negotiates one method for both sides.
 */
unsigned
v1_our_xforms(const struct ike_conn *c, struct v1_xform *x, unsigned max)
{
	int methods[2] = { auth_by_cert(c) && c->creds.ca ? ike_v1_method(&c->creds) : -1,
			   c->psk_len ? P1_AUTH_PSK : -1 };

	/* with XAUTH, its methods instead (only RSA among signatures has one) */
	if (c->d.xauth != CONN_XAUTH_NONE) {
		methods[0] = methods[0] == P1_AUTH_RSA_SIG ? P1_AUTH_XAUTH_INIT_RSA : -1;
		methods[1] = methods[1] == P1_AUTH_PSK ? P1_AUTH_XAUTH_INIT_PSK : -1;
	}
	unsigned n = 0;

	for (unsigned i = 0; i < c->n_ike * 2 && n < max; i++) {
		if (methods[i % 2] < 0)
			continue;
		struct v1_xform t = { .num = (uint8_t)(n + 1), .id = V1_KEY_IKE,
				      .auth = (uint16_t)methods[i % 2], .life_s = p1_life(c) };
		for (unsigned k = 0; k < c->ike[i / 2].n; k++) {
			const struct ike_transform *tr = &c->ike[i / 2].t[k];
			if (tr->type == TT_ENCR && tr->id == ENCR_AES_CBC) {
				t.encr = P1_ENCR_AES;
				t.encr_bits = tr->key_len;
			} else if (tr->type == TT_ENCR && tr->id == ENCR_3DES) {
				t.encr = P1_ENCR_3DES;
			} else if (tr->type == TT_PRF) {
				t.hash = hash_of_prf(tr->id);
			} else if (tr->type == TT_DH) {
				t.group = tr->id;
			}
		}
		if (t.encr && t.hash && ike_dh_supported(t.group))
			x[n++] = t;
	}
	return n;
}

int
v1_conn_check(const struct ike_conn *c, char *err, size_t el)
{
	struct v1_xform x[IKE_MAX_CONN_PROPS];
	unsigned k = 0;

	for (unsigned i = 0; i < c->n_esp; i++)
		for (unsigned t = 0; t < c->esp[i].n; t++)
			k += c->esp[i].t[t].type == TT_ENCR &&
			     c->esp[i].t[t].id != ENCR_CHACHA20_POLY1305;
	if (v1_our_xforms(c, x, IKE_MAX_CONN_PROPS) == 0) {
		snprintf(err, el, "connection %s: IKEv1 needs an IKE proposal of AES-CBC, a SHA-2 "
			 "hash and a group (it has no AEAD phase 1), e.g. aes128-sha256-modp2048",
			 c->d.name);
		return -1;
	}
	if (k == 0) {
		snprintf(err, el, "connection %s: IKEv1 has no ChaCha20-Poly1305: give an AES ESP "
			 "proposal", c->d.name);
		return -1;
	}
	if (c->d.xauth != CONN_XAUTH_NONE && c->psk_len == 0 &&
	    ike_v1_method(&c->creds) != P1_AUTH_RSA_SIG) {
		snprintf(err, el, "connection %s: XAUTH goes with a PSK or an RSA certificate "
			 "(there is no XAUTH method for ECDSA)", c->d.name);
		return -1;
	}
	if (c->psk_len == 0 && auth_by_cert(c) && ike_v1_method(&c->creds) < 0) {
		snprintf(err, el, "connection %s: IKEv1 signs with RSA or ECDSA P-256/384/521 keys "
			 "only", c->d.name);
		return -1;
	}
	return 0;
}
