/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CREATE_CHILD_SA rekeying the IKE_SA (1.3.2, 2.18), both roles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

void
ike_send_rekey_ike(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t inner[MSG_CAP];
	struct ike_proposal props[IKE_MAX_CONN_PROPS];
	const struct ike_conn *c = sa->conn;
	struct ike_buf ib;
	struct dgrams d;

	if (sa->req != NULL)
		return;
	ike_random(&sa->pend_spi, sizeof(sa->pend_spi));
	sa->pend_nilen = NONCE_LEN;
	ike_random(sa->pend_ni, sa->pend_nilen);
	ike_dh_free(sa->pend_dh);
	/* the group in use: the peer accepted it once */
	sa->pend_dh = ike_dh_new(sa->keys.a.dh);
	if (sa->pend_dh == NULL)
		return;
	for (unsigned i = 0; i < c->n_ike; i++) {
		props[i] = c->ike[i];
		props[i].spi_size = 8;
		props[i].spi = sa->pend_spi;
	}
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_sa(&ib, props, c->n_ike);
	ike_put_nonce(&ib, sa->pend_ni, sa->pend_nilen);
	ike_put_ke_of(&ib, sa->keys.a.dh, sa->pend_dh);
	if (ib.overflow ||
	    ike_seal(sa, &d, CREATE_CHILD_SA, false, sa->my_id, inner, ib.len, PL_SA) < 0)
		return;
	sa->pend = P_REKEY_IKE;
	log_info("ike %s: rekeying IKE_SA %016lx_%016lx", c->d.name, (unsigned long)sa->spi_i,
		 (unsigned long)sa->spi_r);
	ike_send_request(e, sa, &d);
}

void
ike_rekey_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pn = ike_find(m, PL_NONCE);
	uint8_t gir[IKE_MAX_DH];
	struct ike_algs a;
	struct ike_sa *nsa;
	unsigned np, chosen;
	size_t glen;
	struct ike_err er;
	uint16_t err = ike_error_notify(m);
	struct collision *coll = sa->coll;

	sa->coll = NULL;
	if (coll && coll->child >= 0) {
		free(coll);
		coll = NULL;
	}
	if (err || psa == NULL || pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 || np != 1 ||
	    props[0].spi_size != 8 || props[0].spi == 0 ||
	    ike_proposal_select(props, 1, sa->conn->ike, sa->conn->n_ike, false, false, &a,
				&chosen) < 0 || a.dh != sa->keys.a.dh ||
	    ike_pfs_secret(e, sa, sa->pend_dh, m, a.dh, gir, &glen) < 0) {
		log_warn("ike %s: IKE_SA rekey refused%s%s, retrying in 10 s", sa->conn->d.name,
			 err ? ": " : "", err ? ike_notify_name(err) : "");
		if (sa->state == S_ESTABLISHED)
			sa->rekey_at = e->now + 10000;
		free(coll);
		return;
	}
	nsa = ike_successor(e, sa, true, sa->pend_spi, props[0].spi, &a, gir, glen,
			    sa->pend_ni, sa->pend_nilen, pn->body, pn->len);
	ike_wipe(gir, sizeof(gir));
	if (coll) {
		/* 2.8.1: the CHILD_SAs moved to the peer's new IKE_SA already */
		struct ike_sa *theirs = ike_sa_by_our_spi(e, coll->ike_spi);
		bool redundant = ike_ours_redundant(coll, sa->pend_ni, sa->pend_nilen, pn->body, pn->len);
		free(coll);
		if (redundant) {
			/* ours goes; the peer deletes the old one */
			if (nsa) {
				log_info("ike %s: collision: deleting our redundant IKE_SA",
					 sa->conn->d.name);
				ike_send_ike_delete(e, nsa);
			}
			return;
		}
		if (theirs && nsa) {
			/* theirs goes (the peer deletes it): ours takes the CHILD_SAs */
			memcpy(nsa->ch, theirs->ch, sizeof(nsa->ch));
			memset(theirs->ch, 0, sizeof(theirs->ch));
			nsa->route_prio = theirs->route_prio;
			theirs->state = S_DELETING;
			theirs->rekey_at = 0;
			theirs->last_heard = e->now;
			ike_sched(e, theirs);
		}
	}
	if (nsa == NULL)
		return;
	/* the old IKE_SA goes, without its (moved) CHILD_SAs */
	ike_send_ike_delete(e, sa);
}

void
ike_rekey_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		  const struct ike_proposal *props, unsigned np)
{
	const struct ike_pl *pn = ike_find(m, PL_NONCE), *pke = ike_find(m, PL_KE);
	uint8_t inner[MSG_CAP], gir[IKE_MAX_DH], nr[NONCE_LEN];
	struct ike_proposal sel;
	struct ike_algs a;
	struct ike_dh *dh = NULL;
	struct ike_buf ib;
	struct ike_err er;
	struct ike_sa *nsa;
	const uint8_t *ke;
	unsigned chosen;
	size_t kelen, glen;
	uint16_t g;
	uint64_t spi_r;

	if (pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE || pke == NULL ||
	    ike_ke_parse(pke, &g, &ke, &kelen, &er) < 0) {
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return;
	}
	/* not while a CHILD_SA exchange of ours is out (2.25.2) */
	if (sa->pend != P_NONE && sa->pend != P_REKEY_IKE) {
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TEMPORARY_FAILURE);
		return;
	}
	if (ike_proposal_select(props, np, sa->conn->ike, sa->conn->n_ike, false, false, &a,
				&chosen) < 0 || props[chosen].spi_size != 8 || props[chosen].spi == 0) {
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (ike_ke_respond(e, sa, m, a.dh, g, ke, kelen, &dh, gir, &glen) < 0)
		return;
	ike_random(nr, sizeof(nr));
	ike_random(&spi_r, sizeof(spi_r));
	sel = props[chosen];
	sel.spi = spi_r;
	sel.n = 0;
	sel.t[sel.n++] = (struct ike_transform){ TT_ENCR, a.encr, a.encr_bits };
	sel.t[sel.n++] = (struct ike_transform){ TT_PRF, a.prf, 0 };
	if (a.integ)
		sel.t[sel.n++] = (struct ike_transform){ TT_INTEG, a.integ, 0 };
	sel.t[sel.n++] = (struct ike_transform){ TT_DH, a.dh, 0 };
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_sa(&ib, &sel, 1);
	ike_put_nonce(&ib, nr, sizeof(nr));
	ike_put_ke_of(&ib, g, dh);
	ike_dh_free(dh);
	/* answer on the old IKE_SA, then the new one takes over */
	ike_send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, inner, ib.len, PL_SA);
	nsa = ike_successor(e, sa, false, props[chosen].spi, spi_r, &a, gir, glen, pn->body,
			    pn->len, nr, sizeof(nr));
	ike_wipe(gir, sizeof(gir));
	if (nsa && sa->pend == P_REKEY_IKE)
		ike_note_collision(sa, -1, 0, spi_r, pn->body, pn->len, nr, sizeof(nr));
}
