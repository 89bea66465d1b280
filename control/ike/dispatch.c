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

/* an INFORMATIONAL response: the exchange it ends */
static void
info_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	if (sa->pend == P_MOBIKE)
		ike_mobike_response(e, sa, m);
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

/* the gateway sends an established IKE SA of ours elsewhere (RFC 5685
 * 5): a new IKE SA there replaces it once up */
static void
redirected(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct ip_addr to;

	if (sa->state == S_ESTABLISHED && sa->initiator && !sa->conn->d.redirect_ignore &&
	    !sa->retire_on_redirect && ike_find_notify(m, N_REDIRECT, &n) &&
	    ike_redirect_parse(&n, NULL, 0, &to) == 0)
		ike_follow_redirect(e, sa, &to);
}

/* a decrypted message that passed its rules, to its exchange */
static void
exchange(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	bool response = m->h.flags & IKE_FLAG_R;

	switch (m->h.exchange) {
	case IKE_AUTH:
		ike_mobike_auth(sa, m);
		/* (with EAP, 2.16, several rounds before the AUTH payloads) */
		if (!response && sa->state == S_INIT_DONE && ike_eap_wanted(sa, m))
			ike_eap_request(e, sa, m);
		else if (!response && sa->state == S_INIT_DONE)
			ike_auth_request(e, sa, m);
		else if (response && sa->state == S_AUTH_SENT && sa->eap)
			ike_eap_response(e, sa, m);
		else if (response && sa->state == S_AUTH_SENT)
			ike_auth_response(e, sa, m);
		else
			e->st.rx_dropped++;
		break;
	case INFORMATIONAL:
		if (!response && (sa->state == S_ESTABLISHED || sa->state == S_DELETING)) {
			ike_info_request(e, sa, m);
			redirected(e, sa, m);
		}
		else if (response)
			info_response(e, sa, m);
		break;
	case CREATE_CHILD_SA:
		if (!response && sa->state == S_ESTABLISHED)
			create_child_request(e, sa, m);
		else if (response)
			create_child_response(e, sa, m);
		else
			ike_send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id,
						 N_TEMPORARY_FAILURE);
		break;
	default:
		e->st.rx_dropped++;
	}
}

/*
 * Message IDs (2.2, 2.3), window size 1: true for the request or response
 * we expect next; a retransmitted request gets our last response again.
 */
static bool
msg_id_ok(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *skf;

	if (m->h.flags & IKE_FLAG_R)
		return sa->req != NULL && m->h.msg_id == sa->my_id;
	if (m->h.msg_id + 1 == sa->peer_id) {
		/* of a fragmented one, only fragment 1 asks again (RFC 7383 2.6.1) */
		skf = ike_find(m, PL_SKF);
		if (sa->have_resp &&
		    (skf == NULL || (skf->len >= 2 && skf->body[0] == 0 && skf->body[1] == 1)))
			ike_xmit_resp(e, sa);
		return false;
	}
	return m->h.msg_id == sa->peer_id;
}

/*
 * The SK payload, or the message once all its fragments are in, decrypted
 * into plain and parsed onto m: its length, FRAG_MORE, -1 (not authentic),
 * or OPEN_UNREADABLE (authentic, but its payload chain is refused: er).
 */
#define OPEN_UNREADABLE (-3)	/* (FRAG_MORE is -2) */

static int
open_sk(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, uint8_t *plain, size_t cap,
	struct ike_err *er)
{
	const struct ike_pl *sk = ike_find(m, PL_SK), *skf = ike_find(m, PL_SKF);
	uint8_t first;
	int n;

	if ((sk == NULL && skf == NULL) || sa->state == S_INIT_SENT)
		return -1;
	if (sk) {
		n = ike_sk_open(&sa->keys, m->h.flags & IKE_FLAG_I, m, sk, plain, cap);
		first = sk->body[-4];
	} else {
		n = ike_frag_input(e, sa, m, skf, plain, cap, &first);
		if (n == FRAG_MORE)
			return n;
	}
	if (n < 0)
		return -1;
	if (ike_chain_parse(first, plain, (size_t)n, m, er) < 0) {
		ike_wipe(plain, (size_t)n);
		return OPEN_UNREADABLE;		/* authentic, but not readable */
	}
	return n;
}

/* a request that breaks its exchange's payload rules or carries an
 * unknown critical payload (2.21.2, 2.5) */
static void
refuse_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
	       const struct ike_err *er)
{
	bool crit = er->notify == N_UNSUPPORTED_CRITICAL_PAYLOAD;

	log_info("ike %s: %s request refused: %s", sa->conn->d.name,
		 ike_exchange_name(m->h.exchange), er->why);
	ike_send_notify_data_response(e, sa, m->h.exchange, m->h.msg_id,
				      crit ? N_UNSUPPORTED_CRITICAL_PAYLOAD : N_INVALID_SYNTAX,
				      &er->pl_type, crit ? 1 : 0);
	if (m->h.exchange == IKE_AUTH)
		ike_sa_kill(e, sa, crit ? "IKE_AUTH with an unknown critical payload" :
				   "malformed IKE_AUTH");
}

/*
 * A request we cannot read still gets an answer without keys where RFC
 * 7296 asks for one: a higher major version, INVALID_MAJOR_VERSION naming
 * ours (1.5, 2.5); an unknown critical payload in IKE_SA_INIT,
 * UNSUPPORTED_CRITICAL_PAYLOAD with its type (2.5, 3.10.1).
 */
static void
unparsed_request(struct ike_engine *e, const struct ike_hdr *h, const struct ike_err *er,
		 const struct ike_ep *local, const struct ike_ep *remote)
{
	if (h->spi_i == 0 || (h->flags & IKE_FLAG_R))
		return;
	if (er->notify == N_INVALID_MAJOR_VERSION && h->version >> 4 > 2)
		ike_send_init_error(e, h, local, remote, N_INVALID_MAJOR_VERSION, NULL, 0);
	else if (er->notify == N_UNSUPPORTED_CRITICAL_PAYLOAD && h->exchange == IKE_SA_INIT &&
		 h->spi_r == 0 && h->msg_id == 0)
		ike_send_init_error(e, h, local, remote, N_UNSUPPORTED_CRITICAL_PAYLOAD,
				    &er->pl_type, 1);
}

void
ike_input(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	  const uint8_t *buf, size_t len, uint64_t now)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_msg m;
	struct ike_err er;
	struct ike_sa *sa;
	bool response;
	int n;

	e->now = now;
	e->st.rx++;
	/* both versions share the ports: the header's major version tells */
	if (len > 17 && buf[17] >> 4 == 1) {
		v1_input(e, local, remote, buf, len);
		return;
	}
	if (ike_msg_parse(buf, len, &m, &er) < 0) {
		e->st.rx_dropped++;
		log_debug("ike: dropped a message: %s", er.why);
		unparsed_request(e, &m.h, &er, local, remote);
		return;
	}
	response = m.h.flags & IKE_FLAG_R;
	if (m.h.exchange == IKE_SA_INIT && !response) {
		if (m.h.spi_r != 0 || m.h.msg_id != 0 || !(m.h.flags & IKE_FLAG_I)) {
			e->st.rx_dropped++;
		} else if (ike_msg_check(&m, &er) < 0) {
			e->st.rx_dropped++;
			log_debug("ike: IKE_SA_INIT refused: %s", er.why);
			ike_send_init_error(e, &m.h, local, remote, N_INVALID_SYNTAX, NULL, 0);
		} else {
			ike_init_request(e, &m, local, remote);
		}
		return;
	}
	sa = ike_sa_find(e, &m.h);
	if (sa == NULL) {
		e->st.rx_dropped++;
		return;
	}
	if (m.h.exchange == IKE_SA_INIT) {
		if (sa->state != S_INIT_SENT || m.h.msg_id != 0) {
			e->st.rx_dropped++;
			return;
		}
		/* a response that breaks the rules is a refusal: none of it is read */
		if (ike_msg_check(&m, &er) < 0)
			m.n = 0;
		ike_init_response(e, sa, &m);
		ike_sched(e, sa);
		return;
	}
	if (!response) {
		/* its response goes back where it came from (2.11) */
		sa->resp_local = *local;
		sa->resp_remote = *remote;
	}
	if (!msg_id_ok(e, sa, &m)) {
		e->st.rx_dropped += m.h.msg_id + 1 != sa->peer_id || response;
		return;
	}
	n = open_sk(e, sa, &m, plain, sizeof(plain), &er);
	if (n == FRAG_MORE) {
		sa->last_heard = now;
		ike_sched(e, sa);
		return;
	}
	if (n < 0 && n != OPEN_UNREADABLE) {
		/* integrity failure: drop silently (2.21.2) */
		e->st.rx_dropped++;
		return;
	}
	sa->last_heard = now;
	/* a peer that moved behind a NAT: follow it, its CHILD_SAs too
	 * (2.23); with MOBIKE only an update moves an SA (RFC 4555 3.5) */
	if ((remote->port == IKE_NATT_PORT || local->port == IKE_NATT_PORT) && !sa->mobike &&
	    (memcmp(&sa->local, local, sizeof(*local)) || memcmp(&sa->remote, remote, sizeof(*remote)))) {
		sa->local = *local;
		sa->remote = *remote;
		ike_children_move(e, sa);
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
	/* authentic but unreadable (an unknown critical payload), or against
	 * its exchange's payload rules: refused */
	if (n == OPEN_UNREADABLE || ike_msg_check(&m, &er) < 0) {
		e->st.rx_dropped++;
		n = n < 0 ? 0 : n;	/* (an unreadable one's plaintext is wiped) */
		if (!response) {
			refuse_request(e, sa, &m, &er);
			ike_wipe(plain, (size_t)n);
			ike_sched(e, sa);
			return;
		}
		log_info("ike %s: %s response refused: %s", sa->conn->d.name,
			 ike_exchange_name(m.h.exchange), er.why);
		m.n = m.n_plain;	/* a refusal: none of its payloads is read */
	}
	exchange(e, sa, &m);
	ike_wipe(plain, (size_t)n);
	ike_sched(e, sa);
}
