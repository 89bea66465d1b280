/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the rekeys of CHILD_SAs and IKE_SAs share: the PFS secret and the
 * resolution of rekey collisions (RFC 7296 2.8.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

/* their KE (if any) against our new DH: the shared secret */
int
ike_pfs_secret(struct ike_engine *e, const struct ike_sa *sa, struct ike_dh *dh,
	       const struct ike_msg *m, uint16_t group, uint8_t *gir, size_t *glen)
{
	const struct ike_pl *pke = ike_find(m, PL_KE);
	struct ike_err er;
	const uint8_t *ke;
	size_t kelen;
	uint16_t g;

	*glen = 0;
	if (dh == NULL)
		return pke == NULL ? 0 : -1;
	if (pke == NULL || ike_ke_parse(pke, &g, &ke, &kelen, &er) < 0 || g != group)
		return -1;
	return ike_dh_peer(e, sa, dh, ke, kelen, gir, glen);
}

/* nonces compare as octet strings; a prefix is the lower */
static bool
nonce_lower(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c < 0 || (c == 0 && al < bl);
}

/* while our rekey is out, the peer's rekey of the same SA succeeded too */
void
ike_note_collision(struct ike_sa *sa, int child, uint32_t child_spi, uint64_t ike_spi,
	       const uint8_t *n1, size_t l1, const uint8_t *n2, size_t l2)
{
	struct collision *c = sa->coll ? sa->coll : calloc(1, sizeof(*c));

	if (c == NULL)
		return;
	sa->coll = c;
	c->child = child;
	c->child_spi = child_spi;
	c->ike_spi = ike_spi;
	if (nonce_lower(n2, l2, n1, l1)) {
		n1 = n2;
		l1 = l2;
	}
	memcpy(c->nonce, n1, l1);
	c->nlen = l1;
	log_info("ike %s: the peer rekeys the same %s SA (collision, RFC 7296 2.8.1)",
		 sa->conn->d.name, child >= 0 ? "CHILD" : "IKE");
}

/*
 * Our exchange (nonces a, b) completed after a collision: is its SA the
 * redundant one, i.e. does it hold the lowest of the four nonces?
 */
bool
ike_ours_redundant(const struct collision *c, const uint8_t *a, size_t al, const uint8_t *b,
	       size_t bl)
{
	if (nonce_lower(b, bl, a, al)) {
		a = b;
		al = bl;
	}
	return nonce_lower(a, al, c->nonce, c->nlen);
}

/*
 * The responder's side of a KE in CREATE_CHILD_SA (1.3): of the group
 * we chose (INVALID_KE_PAYLOAD naming ours otherwise), our DH and the
 * shared secret. 0, or -1 with the answer sent.
 */
int
ike_ke_respond(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m, uint16_t want,
	       uint16_t g, const uint8_t *ke, size_t kelen, struct ike_dh **dh, uint8_t *gir,
	       size_t *glen)
{
	*dh = NULL;
	if (g != want) {
		uint8_t gb[2] = { want >> 8, want & 255 }, inner[32];
		struct ike_buf ib;
		ike_buf_init(&ib, inner, sizeof(inner));
		ib.np_off = (size_t)-1;
		ike_put_notify(&ib, 0, N_INVALID_KE_PAYLOAD, NULL, 0, gb, 2);
		ike_send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, inner, ib.len,
					    PL_NOTIFY);
		return -1;
	}
	*dh = ike_dh_new(g);
	if (*dh == NULL || ike_dh_peer(e, sa, *dh, ke, kelen, gir, glen) < 0) {
		ike_dh_free(*dh);
		*dh = NULL;
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return -1;
	}
	return 0;
}
