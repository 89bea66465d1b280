/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dispatch and timers: a message to its SA and exchange (message IDs,
 * 2.3; decryption; fragments), and each SA's due work (retransmission,
 * lifetimes, rekeys, DPD, NAT keepalives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

static void
create_child_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	enum pending p = sa->pend;

	sa->pend = P_NONE;
	if (p == P_REKEY_CHILD || p == P_NEW_CHILD)
		ike_child_response(e, sa, m);
	else if (p == P_REKEY_IKE)
		ike_rekey_response(e, sa, m);
	if (sa->pend == P_NONE) {	/* no next exchange took it over */
		ike_dh_free(sa->pend_dh);
		sa->pend_dh = NULL;
	}
}

/* a CHILD_SA's exchange or the IKE_SA's rekey: the proposals tell (1.3) */
static void
create_child_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	const struct ike_pl *psa = ike_find(m, PL_SA);
	struct ike_err er;
	unsigned np;

	if (psa == NULL || ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0)
		ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
	else if (props[0].proto == PROTO_IKE)
		ike_rekey_request(e, sa, m, props, np);
	else
		ike_child_create_request(e, sa, m, props, np);
}

void
ike_input(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	  const uint8_t *buf, size_t len, uint64_t now)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_msg m;
	struct ike_err er;
	struct ike_sa *sa;
	const struct ike_pl *sk, *skf;
	bool response;
	uint8_t first;
	int n;

	e->now = now;
	e->st.rx++;
	if (ike_msg_parse(buf, len, &m, &er) < 0) {
		e->st.rx_dropped++;
		log_debug("ike: dropped a message: %s", er.why);
		return;
	}
	response = m.h.flags & IKE_FLAG_R;
	if (m.h.exchange == IKE_SA_INIT && !response) {
		if (m.h.spi_r == 0 && m.h.msg_id == 0 && (m.h.flags & IKE_FLAG_I))
			ike_init_request(e, &m, local, remote);
		else
			e->st.rx_dropped++;
		return;
	}
	sa = ike_sa_find(e, &m.h);
	if (sa == NULL) {
		e->st.rx_dropped++;
		return;
	}
	if (m.h.exchange == IKE_SA_INIT) {
		if (sa->state == S_INIT_SENT && m.h.msg_id == 0)
			ike_init_response(e, sa, &m);
		else
			e->st.rx_dropped++;
		return;
	}
	/* message IDs (2.2, 2.3): window size 1 */
	if (response) {
		if (sa->req == NULL || m.h.msg_id != sa->my_id) {
			e->st.rx_dropped++;
			return;
		}
	} else if (m.h.msg_id + 1 == sa->peer_id) {
		/* a retransmission of the request we answered last; of a
		 * fragmented one, only fragment 1 asks again (RFC 7383 2.6.1) */
		skf = ike_find(&m, PL_SKF);
		if (sa->have_resp &&
		    (skf == NULL || (skf->len >= 2 && skf->body[0] == 0 && skf->body[1] == 1)))
			ike_xmit(e, sa, sa->resp, sa->resp_len);
		return;
	} else if (m.h.msg_id != sa->peer_id) {
		e->st.rx_dropped++;
		return;
	}
	sk = ike_find(&m, PL_SK);
	skf = ike_find(&m, PL_SKF);
	if ((sk == NULL && skf == NULL) || sa->state == S_INIT_SENT) {
		e->st.rx_dropped++;
		return;
	}
	if (sk) {
		n = ike_sk_open(&sa->keys, m.h.flags & IKE_FLAG_I, &m, sk, plain, sizeof(plain));
		first = sk->body[-4];
	} else {
		n = ike_frag_input(e, sa, &m, skf, plain, sizeof(plain), &first);
		if (n == FRAG_MORE) {
			sa->last_heard = now;
			return;
		}
	}
	if (n < 0 || ike_chain_parse(first, plain, (size_t)n, &m, &er) < 0) {
		/* integrity failure: drop silently (2.21.2) */
		e->st.rx_dropped++;
		return;
	}
	sa->last_heard = now;
	/* a peer that moved behind a NAT: follow it (2.23) */
	if (remote->port == IKE_NATT_PORT || local->port == IKE_NATT_PORT) {
		sa->local = *local;
		sa->remote = *remote;
	}
	if (!response) {
		sa->peer_id++;
		sa->have_resp = false;
	} else {
		/* our request is answered: the window moves on */
		free(sa->req);
		sa->req = NULL;
		sa->my_id++;
	}
	switch (m.h.exchange) {
	case IKE_AUTH:
		if (!response && sa->state == S_INIT_DONE)
			ike_auth_request(e, sa, &m);
		else if (response && sa->state == S_AUTH_SENT)
			ike_auth_response(e, sa, &m);
		else
			e->st.rx_dropped++;
		break;
	case INFORMATIONAL:
		if (!response && (sa->state == S_ESTABLISHED || sa->state == S_DELETING)) {
			ike_info_request(e, sa, &m);
		} else if (response) {
			if (sa->pend == P_DELETE_CHILD) {
				/* the old CHILD_SA of a rekey: both sides are done with it */
				struct child *c = &sa->ch[sa->pend_old];
				sa->pend = P_NONE;
				if (c->state != CH_FREE && c->spi_in == sa->pend_child_spi)
					ike_child_remove(e, sa, c);
			}
			if (sa->state == S_DELETING)
				ike_sa_kill(e, sa, "deleted");
		}
		break;
	case CREATE_CHILD_SA:
		if (!response && sa->state == S_ESTABLISHED)
			create_child_request(e, sa, &m);
		else if (response)
			create_child_response(e, sa, &m);
		else
			ike_send_notify_response(e, sa, CREATE_CHILD_SA, m.h.msg_id,
					     N_TEMPORARY_FAILURE);
		break;
	default:
		e->st.rx_dropped++;
	}
}

/* a routed CHILD_SA whose rekey time has come */
static struct child *
child_due(struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (c->state == CH_INSTALLED && c->routed && c->rekey_at && now >= c->rekey_at)
			return c;
	}
	return NULL;
}

static struct child *
child_expired(struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (child_up(c) && c->state != CH_DELETING && c->expire_at && now >= c->expire_at)
			return c;
	}
	return NULL;
}

int
ike_rekey(struct ike_engine *e, const char *name, bool ike, uint64_t now)
{
	int n = 0;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != S_ESTABLISHED || strcmp(sa->conn->name, name))
			continue;
		n++;
		if (ike)
			sa->rekey_at = now;
		else
			for (int i = 0; i < MAX_CHILD; i++)
				if (sa->ch[i].routed && sa->ch[i].state == CH_INSTALLED)
					sa->ch[i].rekey_at = now;
	}
	return n;
}

uint64_t
ike_timer(struct ike_engine *e, uint64_t now)
{
	uint64_t next = 1000;
	struct ike_sa **pp = &e->sas;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		const struct ike_conn *c = sa->conn;
		if (sa->state == S_DEAD)
			continue;
		if (sa->req != NULL) {
			if (now - sa->req_sent >= sa->req_timeout) {
				if (++sa->req_tries > c->retransmit_tries) {
					ike_sa_kill(e, sa, sa->state == S_ESTABLISHED ?
						"peer dead (no answer)" : "no answer from the peer");
					continue;
				}
				e->st.retransmits++;
				sa->req_sent = now;
				sa->req_timeout *= 2;
				ike_xmit(e, sa, sa->req, sa->req_len);
			}
			if (sa->req_sent + sa->req_timeout - now < next)
				next = sa->req_sent + sa->req_timeout - now;
		} else if (sa->state == S_ESTABLISHED && sa->expire_at && now >= sa->expire_at) {
			/* not rekeyed in time: the hard lifetime ends it */
			e->st.expired++;
			log_warn("ike %s: IKE_SA %016lx_%016lx reached its hard lifetime", c->name,
				 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r);
			ike_sa_terminate(e, sa);
			continue;
		} else if (sa->state == S_ESTABLISHED && child_expired(sa, now) != NULL) {
			struct child *x = child_expired(sa, now);
			e->st.expired++;
			log_warn("ike %s: CHILD_SA %08x/%08x reached its hard lifetime", c->name,
				 x->spi_in, x->spi_out);
			ike_send_child_delete(e, sa, x);
			continue;
		} else if (sa->state == S_ESTABLISHED && sa->rekey_at && now >= sa->rekey_at) {
			sa->rekey_at = 0;
			ike_send_rekey_ike(e, sa);
			continue;
		} else if (sa->state == S_ESTABLISHED && child_due(sa, now) != NULL) {
			ike_send_rekey_child(e, sa, child_due(sa, now));
			continue;
		} else if (sa->state == S_ESTABLISHED && sa->behind_nat && c->keepalive &&
			   now >= sa->keepalive_at) {
			/* keep our NAT's mapping for port 4500 open (RFC 3948 2.3) */
			static const uint8_t ka = 0xff;
			if (sa->keepalive_at) {
				e->st.keepalives++;
				e->ops->send(e->ctx, &sa->local, &sa->remote, &ka, 1);
			}
			sa->keepalive_at = now + c->keepalive * 1000ull;
		} else if (sa->state == S_ESTABLISHED && c->dpd_delay &&
			   now - sa->last_heard >= c->dpd_delay * 1000ull) {
			/* liveness check: an empty INFORMATIONAL request (2.4) */
			sa->last_heard = now;
			ike_send_informational(e, sa, NULL, 0, PL_NONE);
		} else if (sa->state == S_INIT_DONE && now - sa->last_heard > 30000) {
			ike_sa_kill(e, sa, "half-open IKE_SA timed out");
		} else if (sa->state == S_DELETING && now - sa->last_heard > 30000) {
			ike_sa_kill(e, sa, "rekeyed IKE_SA not deleted by the peer");
		}
	}
	/* reap */
	while (*pp) {
		struct ike_sa *sa = *pp;
		if (sa->state == S_DEAD) {
			*pp = sa->next;
			ike_sa_unindex(e, sa);
			ike_sa_free(sa);
		} else {
			pp = &sa->next;
		}
	}
	return next;
}
