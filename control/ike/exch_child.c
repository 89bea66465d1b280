/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CREATE_CHILD_SA for CHILD_SAs (1.3.1, 1.3.3), both roles: new ones and
 * rekeys, PFS, make before break, rekey collisions (2.8.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

/* the PFS group: the DH transform of our first ESP proposal, if any */
static uint16_t
pfs_group(const struct ike_conn *c)
{
	for (unsigned i = 0; i < c->esp[0].n; i++)
		if (c->esp[0].t[i].type == TT_DH)
			return c->esp[0].t[i].id;
	return 0;
}

static void
send_create_child(struct ike_engine *e, struct ike_sa *sa, struct child *old,
		  const struct ike_ts *ts_l, const struct ike_ts *ts_r)
{
	uint8_t inner[MSG_CAP], spi[4];
	struct dgrams d;
	struct child *nc = ike_child_free_slot(sa);
	uint16_t g = pfs_group(sa->conn);
	struct ike_buf ib;

	if (nc == NULL || sa->req != NULL)
		return;
	memset(nc, 0, sizeof(*nc));
	nc->state = CH_CREATING;
	nc->initiator = true;
	nc->spi_in = ike_child_spi_new(e);
	nc->ts_l = *ts_l;
	nc->ts_r = *ts_r;
	sa->pend_nilen = NONCE_LEN;
	ike_random(sa->pend_ni, sa->pend_nilen);
	ike_dh_free(sa->pend_dh);
	sa->pend_dh = g ? ike_dh_new(g) : NULL;
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	if (old) {
		spi[0] = old->spi_in >> 24;
		spi[1] = old->spi_in >> 16;
		spi[2] = old->spi_in >> 8;
		spi[3] = old->spi_in;
		/* the SA being rekeyed, by the SPI we receive on (1.3.3) */
		ike_put_notify(&ib, PROTO_ESP, N_REKEY_SA, spi, 4, NULL, 0);
	}
	ike_put_esp_offer(&ib, sa->conn, nc->spi_in, sa->pend_dh != NULL);
	ike_put_nonce(&ib, sa->pend_ni, sa->pend_nilen);
	if (sa->pend_dh)
		ike_put_ke_of(&ib, g, sa->pend_dh);
	ike_put_ts(&ib, PL_TSI, &nc->ts_l, 1);
	ike_put_ts(&ib, PL_TSR, &nc->ts_r, 1);
	if (ib.overflow || (g && sa->pend_dh == NULL) ||
	    ike_seal(sa, &d, CREATE_CHILD_SA, false, sa->my_id, inner, ib.len,
		 old ? PL_NOTIFY : PL_SA) < 0) {
		memset(nc, 0, sizeof(*nc));
		return;
	}
	sa->pend = old ? P_REKEY_CHILD : P_NEW_CHILD;
	sa->pend_old = old ? (int)(old - sa->ch) : -1;
	sa->pend_new = (int)(nc - sa->ch);
	sa->pend_child_spi = old ? old->spi_in : 0;
	if (old)
		log_info("ike %s: rekeying CHILD_SA %08x/%08x", sa->conn->d.name, old->spi_in,
			 old->spi_out);
	else
		log_info("ike %s: asking for another CHILD_SA", sa->conn->d.name);
	ike_send_request(e, sa, &d);
}

void
ike_send_rekey_child(struct ike_engine *e, struct ike_sa *sa, struct child *old)
{
	send_create_child(e, sa, old, &old->ts_l, &old->ts_r);
}

/* as IKE_AUTH's initiator: the connection's further CHILD_SAs, one by one */
void
ike_more_children(struct ike_engine *e, struct ike_sa *sa)
{
	const struct ike_conn *c = sa->conn;

	if (sa->first_child && sa->req == NULL && sa->state == S_ESTABLISHED) {
		/* a childless IKE SA's first CHILD_SA (RFC 6023) */
		sa->first_child = false;
		send_create_child(e, sa, NULL, &c->local_ts, &c->remote_ts);
	} else if (sa->more_next < c->n_more && sa->req == NULL && sa->state == S_ESTABLISHED) {
		unsigned k = sa->more_next++;
		send_create_child(e, sa, NULL, &c->more_l[k], &c->more_r[k]);
	}
}

void
ike_child_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	/* a rekey of old, or (pend_old -1) a further CHILD_SA */
	struct child *old = sa->pend_old >= 0 ? &sa->ch[sa->pend_old] : NULL;
	struct child *nc = &sa->ch[sa->pend_new];
	struct ike_ts want_l = old ? old->ts_l : nc->ts_l, want_r = old ? old->ts_r : nc->ts_r;
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pn = ike_find(m, PL_NONCE),
			    *pti = ike_find(m, PL_TSI), *ptr = ike_find(m, PL_TSR);
	uint8_t gir[IKE_MAX_DH];
	size_t glen;
	unsigned np, chosen, ni, nr;
	struct ike_err er;
	uint16_t err = ike_error_notify(m);
	struct collision *coll = sa->coll;
	bool old_ok = old && old->state != CH_FREE && old->spi_in == sa->pend_child_spi;
	int rc;

	sa->coll = NULL;
	if (coll && coll->child < 0) {
		free(coll);
		coll = NULL;
	}
	if (err || psa == NULL || pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE ||
	    pti == NULL || ptr == NULL ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 || np != 1 ||
	    props[0].spi_size != 4 ||
	    ike_proposal_select(props, 1, sa->conn->esp, sa->conn->n_esp, true,
				sa->pend_dh == NULL, &nc->esp, &chosen) < 0 ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nr, &er) < 0 ||
	    !ike_ts_narrow(&tsi[0], &want_l, &nc->ts_l) ||
	    !ike_ts_narrow(&tsr[0], &want_r, &nc->ts_r) ||
	    ike_pfs_secret(e, sa, sa->pend_dh, m, pfs_group(sa->conn), gir, &glen) < 0) {
		log_warn("ike %s: %s refused%s%s", sa->conn->d.name,
			 old ? "CHILD_SA rekey" : "another CHILD_SA", err ? ": " : "",
			 err ? ike_notify_name(err) : "");
		memset(nc, 0, sizeof(*nc));
		if (old_ok)
			old->rekey_at = e->now + 10000;	/* try again */
		free(coll);
		if (old == NULL)
			ike_more_children(e, sa);
		return;
	}
	nc->spi_out = (uint32_t)props[0].spi;
	nc->prop_num = props[0].num;
	rc = ike_child_install(e, sa, nc, glen ? gir : NULL, glen, sa->pend_ni, sa->pend_nilen,
			   pn->body, pn->len);
	ike_wipe(gir, sizeof(gir));
	if (rc < 0) {
		memset(nc, 0, sizeof(*nc));
		if (old_ok)
			old->rekey_at = e->now + 10000;
		free(coll);
		return;
	}
	if (old == NULL) {
		ike_child_route(e, sa, nc);
		ike_more_children(e, sa);
		return;
	}
	e->st.child_rekeyed++;
	if (coll) {
		struct child *theirs = &sa->ch[coll->child];
		bool redundant = ike_ours_redundant(coll, sa->pend_ni, sa->pend_nilen, pn->body, pn->len);
		uint32_t theirs_spi = coll->child_spi;
		free(coll);
		if (redundant) {
			/* ours goes; the peer moves traffic to its own and deletes the old */
			log_info("ike %s: collision: deleting our redundant CHILD_SA %08x/%08x",
				 sa->conn->d.name, nc->spi_in, nc->spi_out);
			ike_send_child_delete(e, sa, nc);
			return;
		}
		/* the peer deletes its own; ours replaces the old as usual */
		if (theirs->state != CH_FREE && theirs->spi_in == theirs_spi) {
			theirs->state = CH_REDUNDANT;
		}
	}
	if (!old_ok) {
		ike_child_route(e, sa, nc);		/* the old one is gone already */
		return;
	}
	/* the responder has the new SAs already: switch, then retire the old */
	ike_child_switch(e, sa, nc, old);
	ike_send_child_delete(e, sa, old);
}

void
ike_child_create_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			 const struct ike_proposal *props, unsigned np)
{
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS], vts;
	const struct ike_pl *pn = ike_find(m, PL_NONCE), *pti = ike_find(m, PL_TSI),
			    *ptr = ike_find(m, PL_TSR), *pke = ike_find(m, PL_KE);
	const struct ike_conn *c = sa->conn;
	struct child *old = NULL, *nc;
	struct ike_notify_pl n;
	uint8_t inner[MSG_CAP], gir[IKE_MAX_DH], nr[NONCE_LEN];
	struct ike_dh *dh = NULL;
	struct ike_buf ib;
	struct ike_err er;
	unsigned chosen, ni, nrn;
	size_t glen = 0;
	bool ts_ok = false;
	int rc;

	/* nothing new on an IKE_SA we are rekeying (2.25.2) */
	if (sa->pend == P_REKEY_IKE) {
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TEMPORARY_FAILURE);
		return;
	}
	if (ike_find_notify(m, N_REKEY_SA, &n)) {
		old = n.proto == PROTO_ESP && n.spi_size == 4 ? ike_child_by_spi_out(sa, (uint32_t)n.spi)
							       : NULL;
		if (old == NULL) {
			ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id,
					     N_CHILD_SA_NOT_FOUND);
			return;
		}
		/* one we close, or rekeyed already: not again (2.25.1) */
		if (old->state != CH_INSTALLED) {
			ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id,
					     N_TEMPORARY_FAILURE);
			return;
		}
	}
	if (pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE || pti == NULL || ptr == NULL ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nrn, &er) < 0) {
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return;
	}
	nc = ike_child_free_slot(sa);
	if (nc == NULL || (old == NULL && ike_live_children(sa) >= c->d.max_children)) {
		log_info("ike %s: CHILD_SA refused: %u already (max_children)", c->d.name,
			 ike_live_children(sa));
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_NO_ADDITIONAL_SAS);
		return;
	}
	memset(nc, 0, sizeof(*nc));
	if (ike_proposal_select(props, np, c->esp, c->n_esp, true, pke == NULL, &nc->esp,
				&chosen) < 0) {
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (pke != NULL) {
		const uint8_t *ke;
		size_t kelen;
		uint16_t g;
		if (ike_ke_parse(pke, &g, &ke, &kelen, &er) < 0 || nc->esp.dh == 0) {
			ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
			return;
		}
		if (ike_ke_respond(e, sa, m, nc->esp.dh, g, ke, kelen, &dh, gir, &glen) < 0)
			return;
	}
	/* a rekey keeps its selectors; a new CHILD_SA falls in one of the
	 * connection's pairs (the first, or one of more_*) */
	for (unsigned p = 0; p <= (old ? 0 : c->n_more) && !ts_ok; p++) {
		const struct ike_ts *wl = old ? &old->ts_l : p ? &c->more_l[p - 1] : &c->local_ts;
		const struct ike_ts *wr = old ? &old->ts_r : p ? &c->more_r[p - 1] : &c->remote_ts;
		for (unsigned i = 0; i < ni && !ts_ok; i++)
			if (ike_ts_narrow(&tsi[i], old ? wr : ike_peer_ts(sa, &tsi[i], wr, &vts),
					  &nc->ts_r))
				for (unsigned j = 0; j < nrn && !ts_ok; j++)
					ts_ok = ike_ts_narrow(&tsr[j], wl, &nc->ts_l);
	}
	if (!ts_ok) {
		ike_dh_free(dh);
		memset(nc, 0, sizeof(*nc));
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TS_UNACCEPTABLE);
		return;
	}
	ike_ts_prefix(&nc->ts_l);
	ike_ts_prefix(&nc->ts_r);
	nc->state = CH_CREATING;
	nc->initiator = false;
	nc->spi_in = ike_child_spi_new(e);
	nc->spi_out = (uint32_t)props[chosen].spi;
	nc->prop_num = props[chosen].num;
	ike_random(nr, sizeof(nr));
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_esp_chosen(&ib, nc);
	ike_put_nonce(&ib, nr, sizeof(nr));
	if (dh)
		ike_put_ke_of(&ib, nc->esp.dh, dh);
	ike_put_ts(&ib, PL_TSI, &nc->ts_r, 1);
	ike_put_ts(&ib, PL_TSR, &nc->ts_l, 1);
	ike_dh_free(dh);
	rc = ike_child_install(e, sa, nc, glen ? gir : NULL, glen, pn->body, pn->len, nr, sizeof(nr));
	ike_wipe(gir, sizeof(gir));
	if (rc < 0) {
		memset(nc, 0, sizeof(*nc));
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TEMPORARY_FAILURE);
		return;
	}
	ike_send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, inner, ib.len, PL_SA);
	if (old != NULL) {
		/* make before break: traffic moves when the initiator deletes the old one */
		old->state = CH_REKEYED;
		e->st.child_rekeyed++;
		if (sa->pend == P_REKEY_CHILD && &sa->ch[sa->pend_old] == old)
			ike_note_collision(sa, (int)(nc - sa->ch), nc->spi_in, 0, pn->body, pn->len,
				       nr, sizeof(nr));
	} else {
		ike_child_route(e, sa, nc);
	}
}
