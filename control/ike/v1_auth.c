/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 phase 1 authentication (RFC 2409 5): the proof each side sends,
 * HASH_I/HASH_R with a pre-shared key, or its certificate and SIG_I/SIG_R
 * (RSA, ECDSA per RFC 4754) over that hash; and the check of the peer's:
 * the configured identity, then the hash or the certificate (chained to
 * the connection's CA, carrying the ID) and its signature.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

static bool
by_sig(const struct ike_sa *sa)
{
	return v1_base_auth(sa->v1->chosen.auth) != P1_AUTH_PSK;
}

/* an ID payload's body as an identity (phase 1: type, 3 bytes, data) */
static int
id_of(const struct ike_pl *p, struct ike_id *id)
{
	if (p == NULL || p->len < 5 || p->len - 4u > sizeof(id->data))
		return -1;
	id->type = p->body[0];
	id->len = (uint8_t)(p->len - 4);
	memcpy(id->data, p->body + 4, id->len);
	return 0;
}

/* SIG_x over HASH_x by the peer's certificate, which must chain to our CA
 * and carry its ID (RFC 2409 5.1) */
static int
check_sig(struct ike_sa *sa, const struct ike_msg *m, const struct ike_id *pid,
	  const uint8_t *hash)
{
	const uint8_t *certs[8];
	size_t lens[8];
	unsigned nc = 0;
	const struct ike_pl *sig = ike_find(m, V1_SIG);
	uint8_t method = v1_base_auth(sa->v1->chosen.auth) == P1_AUTH_RSA_SIG ? IKE_V1_RSA_SIG : IKE_V1_ECDSA_SIG;
	char why[160];

	for (unsigned i = 0; i < m->n && nc < 8; i++)
		if (m->pl[i].type == V1_CERT && m->pl[i].len > 1 && m->pl[i].body[0] == 4) {
			certs[nc] = m->pl[i].body + 1;
			lens[nc++] = m->pl[i].len - 1u;
		}
	if (sig == NULL || nc == 0) {
		log_info("ike %s: IKEv1 phase 1: no %s", sa->conn->d.name,
			 sig ? "certificate" : "signature");
		return -1;
	}
	if (ike_verify(&sa->conn->creds, certs, lens, nc, pid, hash,
		       ike_prf_len(v1_auth_prf(sa->v1)), method,
		       sig->body, sig->len, why, sizeof(why)) < 0) {
		log_warn("ike %s: IKEv1 peer refused: %s", sa->conn->d.name, why);
		return -1;
	}
	return 0;
}

/* the peer's ID and HASH (or certificate and SIG): its identity is the one
 * configured, its proof right */
int
v1_check_auth(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *id = ike_find(m, V1_ID), *h = ike_find(m, V1_HASH);
	const struct ike_id *want = &sa->conn->remote_id;
	uint8_t exp[IKE_MAX_PRF];
	size_t n = sa->v1->plen;
	struct ike_id pid;

	if (id_of(id, &pid) < 0 || (h == NULL && !by_sig(sa))) {
		log_info("ike %s: IKEv1 phase 1: no ID or HASH", sa->conn->d.name);
		return -1;
	}
	if (want->type && !ike_id_equal(want, &pid)) {
		log_info("ike %s: IKEv1 peer identity is not the configured one", sa->conn->d.name);
		e->st.auth_failed++;
		return -1;
	}
	if (v1_hash_auth(sa, !sa->initiator, id->body, id->len, exp) < 0) {
		e->st.auth_failed++;
		return -1;
	}
	if (by_sig(sa)) {
		if (check_sig(sa, m, &pid, exp) < 0) {
			e->st.auth_failed++;
			return -1;
		}
		sa->peer_ident = pid;
		return 0;
	}
	if (h->len != n || CRYPTO_memcmp(exp, h->body, n) != 0) {
		log_info("ike %s: IKEv1 phase 1 authentication failed (HASH_%c)", sa->conn->d.name,
			 sa->initiator ? 'R' : 'I');
		e->st.auth_failed++;
		return -1;
	}
	sa->peer_ident = pid;
	return 0;
}

/* our proof: HASH_x, or our certificate and SIG_x over HASH_x (5.1) */
void
v1_put_proof(struct ike_buf *b, struct ike_sa *sa)
{
	uint8_t h[IKE_MAX_PRF], sig[1024], der[8192];
	size_t n;

	if (v1_hash_auth(sa, sa->initiator, sa->v1->id_b, sa->v1->id_len, h) < 0)
		return;
	if (!by_sig(sa)) {
		v1_put_pl(b, V1_HASH, h, sa->v1->plen);
		return;
	}
	n = ike_cert_der(&sa->conn->creds, der + 1, sizeof(der) - 1);
	der[0] = 4;			/* X.509 certificate, signature */
	if (n)
		v1_put_pl(b, V1_CERT, der, n + 1);
	n = ike_v1_sign(&sa->conn->creds, h, ike_prf_len(v1_auth_prf(sa->v1)), sig, sizeof(sig));
	if (n)
		v1_put_pl(b, V1_SIG, sig, n);
}

void
v1_put_id_proof(struct ike_buf *b, struct ike_sa *sa)
{
	v1_put_pl(b, V1_ID, sa->v1->id_b, sa->v1->id_len);
	v1_put_proof(b, sa);
}

/* a certificate request (any CA) when we authenticate by signature */
void
v1_put_cr(struct ike_buf *b, struct ike_sa *sa)
{
	static const uint8_t x509 = 4;

	if (by_sig(sa))
		v1_put_pl(b, V1_CR, &x509, 1);
}

/* aggressive mode's third message proves the ID of the first (kept in msg1) */
int
v1_am3_auth(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *h = ike_find(m, V1_HASH);
	struct ike_pl idp = { .type = V1_ID, .body = sa->msg1, .len = (uint16_t)sa->msg1_len };
	uint8_t exp[IKE_MAX_PRF];
	struct ike_id pid;

	if (sa->msg1 == NULL || id_of(&idp, &pid) < 0 ||
	    v1_hash_auth(sa, true, sa->msg1, sa->msg1_len, exp) < 0)
		return -1;
	if (by_sig(sa) ? check_sig(sa, m, &pid, exp) < 0 :
	    !h || h->len != sa->v1->plen || CRYPTO_memcmp(exp, h->body, h->len) != 0)
		return -1;
	sa->peer_ident = pid;
	return 0;
}

