/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MOBIKE (RFC 4555): an IKE SA and its CHILD_SAs move to new addresses.
 * Both sides announce MOBIKE_SUPPORTED in IKE_AUTH (3.2); only the
 * original initiator moves the SA, with an INFORMATIONAL request carrying
 * UPDATE_SA_ADDRESSES from its new address, NAT detection and a COOKIE2
 * (3.5, 3.8); the responder takes the request's addresses, answers with
 * its own NAT detection and the cookie, and re-points the CHILD_SAs
 * through the embedder (child_move), in place. The peer's additional
 * addresses (ADDITIONAL_IP4/6_ADDRESS, NO_ADDITIONAL_ADDRESSES) are kept
 * for listings. With MOBIKE an SA's addresses change in no other way.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

#define COOKIE2_MIN 8
#define COOKIE2_MAX 64

bool
ike_mobike_wanted(const struct ike_sa *sa)
{
	return sa->v1 == NULL && !sa->conn->d.mobike_off;
}

/* IKE_AUTH: the initiator announces it, the responder answers a peer that did */
void
ike_mobike_put(struct ike_buf *b, const struct ike_sa *sa, bool request)
{
	if (request ? ike_mobike_wanted(sa) : sa->mobike)
		ike_put_notify(b, 0, N_MOBIKE_SUPPORTED, NULL, 0, NULL, 0);
}

/* the peer's ADDITIONAL_*_ADDRESS list (3.6): each one replaces the last */
static void
peer_addresses(struct ike_sa *sa, const struct ike_msg *m)
{
	bool first = true;

	for (unsigned i = 0; i < m->n; i++) {
		struct ike_notify_pl n;
		struct ike_err er;
		unsigned al;
		if (m->pl[i].type != PL_NOTIFY || ike_notify_parse(&m->pl[i], &n, &er) < 0)
			continue;
		if (n.type == N_NO_ADDITIONAL_ADDRESSES) {
			sa->n_peer_addrs = 0;
			continue;
		}
		if (n.type != N_ADDITIONAL_IP4_ADDRESS && n.type != N_ADDITIONAL_IP6_ADDRESS)
			continue;
		al = n.type == N_ADDITIONAL_IP6_ADDRESS ? 16 : 4;
		if (first)
			sa->n_peer_addrs = 0;
		first = false;
		if (n.data_len != al || sa->n_peer_addrs >= IKE_MAX_PEER_ADDRS)
			continue;
		memset(&sa->peer_addrs[sa->n_peer_addrs], 0, sizeof(sa->peer_addrs[0]));
		sa->peer_addrs[sa->n_peer_addrs].family = al == 16 ? AF_INET6 : AF_INET;
		memcpy(sa->peer_addrs[sa->n_peer_addrs].a, n.data, al);
		sa->n_peer_addrs++;
	}
}

/* IKE_AUTH, either role: the peer's announcement (and its addresses) */
void
ike_mobike_auth(struct ike_sa *sa, const struct ike_msg *m)
{
	if (ike_has_notify(m, N_MOBIKE_SUPPORTED) && ike_mobike_wanted(sa))
		sa->mobike = true;
	if (sa->mobike)
		peer_addresses(sa, m);
}

/* the IKE SA's addresses and NAT state changed: its CHILD_SAs follow */
static void
moved(struct ike_engine *e, struct ike_sa *sa, bool was_natt)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	log_info("ike %s: IKE_SA %016lx_%016lx now %s[%u] - %s[%u]%s%s", sa->conn->d.name,
		 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r,
		 ip_addr_fmt(&sa->local.addr, a, sizeof(a)), sa->local.port,
		 ip_addr_fmt(&sa->remote.addr, b, sizeof(b)), sa->remote.port,
		 sa->natt ? ", behind a NAT" : "",
		 sa->natt != was_natt ? (sa->natt ? " (ESP now in UDP)" : " (ESP now plain)") : "");
	e->st.mobike_moves++;
	ike_children_move(e, sa);
	sa->keepalive_at = 0;
}

/*
 * Responder: UPDATE_SA_ADDRESSES in an INFORMATIONAL request (3.5) from
 * the original initiator. The request's own addresses are the new ones
 * (dispatch kept them in resp_local/resp_remote); our answer's notifies go
 * into ib. Returns true when it put any.
 */
bool
ike_mobike_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		   struct ike_buf *ib)
{
	struct ike_notify_pl ck;
	struct ike_ep old_l = sa->local, old_r = sa->remote;
	bool had = ib->len > 0, natt, behind, was_natt = sa->natt, natd, no_nat;

	if (!sa->mobike)
		return false;
	peer_addresses(sa, m);
	/* return routability (3.5): the cookie comes back as it came */
	if (ike_find_notify(m, N_COOKIE2, &ck) && ck.data_len >= COOKIE2_MIN &&
	    ck.data_len <= COOKIE2_MAX)
		ike_put_notify(ib, 0, N_COOKIE2, NULL, 0, ck.data, ck.data_len);
	if (!ike_has_notify(m, N_UPDATE_SA_ADDRESSES))
		return ib->len > 0 && !had;
	if (sa->initiator) {
		/* only the original initiator moves an SA (3.1): ignored */
		log_warn("ike %s: UPDATE_SA_ADDRESSES from the responder ignored",
			 sa->conn->d.name);
		return ib->len > 0 && !had;
	}
	natd = ike_has_notify(m, N_NAT_DETECTION_SOURCE_IP);
	sa->local = sa->resp_local;
	sa->remote = sa->resp_remote;
	behind = sa->behind_nat;
	natt = natd ? ike_nat_detected(m, sa) : sa->natt;
	if (natd)
		ike_put_nat_notifies(ib, sa);
	no_nat = natt && ike_has_notify(m, N_NO_NATS_ALLOWED);
	if (no_nat)	/* 3.9: the initiator wants no NAT between us */
		ike_put_notify(ib, 0, N_UNEXPECTED_NAT_DETECTED, NULL, 0, NULL, 0);
	if (no_nat || m->h.msg_id + 1 < sa->mobike_last_id) {
		/* the addresses stay: no NAT wanted (3.9), or an older update
		 * overtaken by a newer one (3.5), answered only */
		sa->local = old_l;
		sa->remote = old_r;
		sa->behind_nat = behind;
		return ib->len > 0 && !had;
	}
	sa->mobike_last_id = m->h.msg_id + 1;
	sa->natt = natt;
	moved(e, sa, was_natt);
	return ib->len > 0 && !had;
}

/* initiator: the UPDATE_SA_ADDRESSES request from our (new) address */
void
ike_mobike_send(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t inner[256];
	struct ike_buf ib;

	sa->mobike_move = false;
	if (ike_random(sa->cookie2, sizeof(sa->cookie2)) < 0)
		return;
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_notify(&ib, 0, N_UPDATE_SA_ADDRESSES, NULL, 0, NULL, 0);
	ike_put_nat_notifies(&ib, sa);
	ike_put_notify(&ib, 0, N_COOKIE2, NULL, 0, sa->cookie2, sizeof(sa->cookie2));
	sa->pend = P_MOBIKE;
	ike_send_informational(e, sa, inner, ib.len, PL_NOTIFY);
}

/* initiator: the answer to our update */
void
ike_mobike_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl ck;
	bool was_natt = sa->natt;
	uint16_t err = ike_error_notify(m);

	sa->pend = P_NONE;
	if (!ike_find_notify(m, N_COOKIE2, &ck) || ck.data_len != sizeof(sa->cookie2) ||
	    CRYPTO_memcmp(ck.data, sa->cookie2, sizeof(sa->cookie2)) != 0) {
		/* 3.5: not an answer to this update; the SA cannot be trusted to move */
		ike_sa_kill(e, sa, "MOBIKE: COOKIE2 missing or not ours");
		return;
	}
	if (err) {
		log_warn("ike %s: the peer refused our new addresses (%s)", sa->conn->d.name,
			 ike_notify_name(err));
		return;
	}
	peer_addresses(sa, m);
	if (ike_has_notify(m, N_NAT_DETECTION_SOURCE_IP))
		sa->natt = ike_nat_detected(m, sa);
	moved(e, sa, was_natt);
}

int
ike_move(struct ike_engine *e, const char *name, const struct ip_addr *local, uint64_t now)
{
	int n = 0;

	e->now = now;
	if (ike_conn_by_name(e, name) == NULL)
		return -1;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (strcmp(sa->conn->d.name, name) || sa->state != S_ESTABLISHED ||
		    !sa->mobike || !sa->initiator || local->family != sa->remote.addr.family)
			continue;
		/* from now on everything leaves from there, a retransmission too */
		sa->local.addr = *local;
		sa->mobike_move = true;
		if (sa->req == NULL)
			ike_mobike_send(e, sa);
		ike_sched(e, sa);
		n++;
	}
	return n;
}
