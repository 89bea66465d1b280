/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 in the engine: a datagram of major version 1 to its ISAKMP SA and
 * exchange (decryption with the right IV, retransmissions recognised by
 * their digest and answered with our last message, RFC 2408 5 / RFC 2409
 * 5), the peer's informational exchanges (Delete, Notify, DPD per RFC
 * 3706), and the SA's timed work: retransmission, DPD, lifetimes, rekeys,
 * NAT keepalives. The top of the IKEv1 files: it calls the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

/* an informational exchange from the peer (v1_inform.c sends them) */
static void
info_delete(struct ike_engine *e, struct ike_sa *sa, const struct ike_pl *p)
{
	struct ike_delete_pl d;
	struct ike_err er;
	struct ike_sa *to;

	if (v1_delete_parse(p, &d, &er) < 0) {
		e->st.rx_dropped++;
		return;
	}
	if (d.proto == V1_PROTO_ISAKMP) {
		uint8_t ck[16];
		v1_cookies(sa, ck);
		for (unsigned i = 0; i < d.n; i++) {
			if (memcmp(d.spis + 16 * i, ck, 16))
				continue;
			/* a re-established phase 1 takes our phase 2 SAs, also
			 * one still being negotiated (the Delete overtook its
			 * last message) */
			if ((to = v1_sibling(e, sa)) != NULL || (to = v1_in_progress(e, sa)) != NULL)
				v1_adopt(to, sa);
			ike_sa_kill(e, sa, "deleted by the peer");
			return;
		}
		return;
	}
	if (d.proto != V1_PROTO_ESP)
		return;
	for (unsigned i = 0; i < d.n; i++) {
		const uint8_t *s = d.spis + 4 * i;
		uint32_t spi = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
		struct child *c = ike_child_by_spi_out(sa, spi);
		if (c) {
			log_info("ike %s: CHILD_SA %08x/%08x deleted by the peer", sa->conn->d.name,
				 c->spi_in, c->spi_out);
			ike_child_remove(e, sa, c);
		}
	}
}

static void
info_notify(struct ike_engine *e, struct ike_sa *sa, const struct ike_pl *p)
{
	struct ike_notify_pl n;
	struct ike_err er;
	uint32_t seq;

	if (v1_notify_parse(p, &n, &er) < 0) {
		e->st.rx_dropped++;
		return;
	}
	if ((n.type == V1N_DPD_R_U_THERE || n.type == V1N_DPD_R_U_THERE_ACK) && n.data_len == 4) {
		seq = (uint32_t)n.data[0] << 24 | (uint32_t)n.data[1] << 16 |
		      (uint32_t)n.data[2] << 8 | n.data[3];
		if (n.type == V1N_DPD_R_U_THERE)
			v1_send_dpd(e, sa, V1N_DPD_R_U_THERE_ACK, seq);
		else if (sa->v1->dpd_out && seq == sa->v1->dpd_seq)
			sa->v1->dpd_out = false;
		return;
	}
	if (n.type < 16384)
		log_info("ike %s: IKEv1 peer reports error %u", sa->conn->d.name, n.type);
}

static void
info_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	if (!(m->h.flags & V1_FLAG_E)) {
		/* an unauthenticated notify: believed only while phase 1 runs */
		struct ike_notify_pl n;
		struct ike_err er;
		const struct ike_pl *p = ike_find(m, V1_N);
		if (p && v1_notify_parse(p, &n, &er) == 0 && sa->state != S_ESTABLISHED) {
			log_info("ike %s: IKEv1 phase 1 refused by the peer: notify %u",
				 sa->conn->d.name, n.type);
			ike_sa_kill(e, sa, "refused by the peer");
		} else {
			e->st.rx_dropped++;
		}
		return;
	}
	if (v1_id_seen(sa, m->h.msg_id) || !v1_hash1_ok(sa, m, NULL, 0)) {
		e->st.rx_dropped++;
		log_debug("ike %s: IKEv1 informational replayed or with a wrong HASH dropped",
			  sa->conn->d.name);
		return;
	}
	v1_id_note(sa, m->h.msg_id);
	sa->last_heard = e->now;
	for (unsigned i = 1; i < m->n && sa->state != S_DEAD; i++) {
		if (m->pl[i].type == V1_D)
			info_delete(e, sa, &m->pl[i]);
		else if (m->pl[i].type == V1_N)
			info_notify(e, sa, &m->pl[i]);
	}
}

/* ---- input ---- */

static struct ike_sa *
find(struct ike_engine *e, const struct ike_hdr *h, const struct ike_ep *remote)
{
	struct ike_sa *sa;

	if (h->spi_r == 0) {
		/* a first message again: the responder SA it made */
		for (sa = e->by_peer[ike_spi_hash(h->spi_i)]; sa; sa = sa->hnext_peer)
			if (sa->v1 && sa->state != S_DEAD && sa->spi_i == h->spi_i &&
			    ip_addr_eq(&sa->remote.addr, &remote->addr))
				return sa;
		return NULL;
	}
	for (sa = e->by_our[ike_spi_hash(h->spi_i)]; sa; sa = sa->hnext_our)
		if (sa->v1 && sa->initiator && sa->state != S_DEAD && sa->spi_i == h->spi_i &&
		    (sa->spi_r == h->spi_r || sa->spi_r == 0))
			return sa;
	for (sa = e->by_our[ike_spi_hash(h->spi_r)]; sa; sa = sa->hnext_our)
		if (sa->v1 && !sa->initiator && sa->state != S_DEAD && sa->spi_r == h->spi_r &&
		    sa->spi_i == h->spi_i)
			return sa;
	return NULL;
}

static bool
phase1(uint8_t x)
{
	return x == V1_MAIN || x == V1_AGGRESSIVE;
}

void
v1_input(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	 const uint8_t *buf, size_t len)
{
	static uint8_t plain[IKE_MAX_MSG];
	static unsigned depth;		/* a joined message is not joined again */
	struct ike_msg m;
	struct ike_err er;
	struct ike_sa *sa;
	uint8_t dig[32], iv[V1_BLK];
	struct v1_qm *q = NULL;
	int n = 0;

	memset(&m, 0, sizeof(m));
	if (v1_hdr_parse(buf, len, &m.h, &er) < 0) {
		e->st.rx_dropped++;
		log_debug("ike: IKEv1 message dropped: %s", er.why);
		return;
	}
	m.raw = buf;
	m.raw_len = len;
	sa = find(e, &m.h, remote);
	if (sa == NULL) {
		if (m.h.spi_r != 0 || !phase1(m.h.exchange) || (m.h.flags & V1_FLAG_E) ||
		    m.h.msg_id != 0 ||
		    v1_chain_parse(m.h.next, buf + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &m, &er) < 0) {
			e->st.rx_dropped++;
			return;
		}
		v1_p1_request(e, &m, local, remote);
		return;
	}
	if (m.h.next == V1_FRAG && !(m.h.flags & V1_FLAG_E) && depth == 0) {
		static uint8_t whole[IKE_MAX_MSG];
		if (v1_chain_parse(m.h.next, buf + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &m,
				   &er) < 0 || (n = v1_frag_input(e, sa, &m, whole, sizeof(whole))) == -1) {
			e->st.rx_dropped++;
			return;
		}
		sa->last_heard = e->now;
		if (n != FRAG_MORE) {
			depth++;
			v1_input(e, local, remote, whole, (size_t)n);
			depth--;
		}
		ike_sched(e, sa);
		return;
	}
	/* the peer sent its last message again: so do we (RFC 2408 5) */
	v1_msg_digest(buf, len, dig);
	if (phase1(m.h.exchange) && m.h.msg_id != 0) {
		e->st.rx_dropped++;
		return;
	}
	if (phase1(m.h.exchange)) {
		if (!memcmp(dig, sa->v1->last_rx, 32)) {
			if (sa->req || sa->resp) {
				e->st.retransmits++;
				ike_xmit(e, sa, sa->req ? sa->req : sa->resp,
					 sa->req ? sa->req_len : sa->resp_len);
			}
			return;
		}
		if (sa->state == S_ESTABLISHED) {
			e->st.rx_dropped++;
			return;
		}
	} else if (sa->state != S_ESTABLISHED && m.h.exchange != V1_INFO) {
		e->st.rx_dropped++;
		return;
	}
	if (m.h.flags & V1_FLAG_E) {
		if (sa->v1->plen == 0) {
			e->st.rx_dropped++;
			return;
		}
		if (phase1(m.h.exchange)) {
			memcpy(iv, sa->v1->iv, V1_BLK);
		} else if (m.h.exchange == V1_QUICK && (q = v1_qm_find(sa, m.h.msg_id)) != NULL) {
			if (!memcmp(dig, q->last_rx, 32)) {
				if (q->tx) {
					e->st.retransmits++;
					v1_send(e, sa, q->tx, q->tx_len);
				}
				return;
			}
			memcpy(iv, q->iv, V1_BLK);
		} else if (m.h.exchange == V1_TRANSACTION &&
			   (q = v1_cfg_find(sa, m.h.msg_id)) != NULL) {
			/* the peer's request again: our reply again; an answer
			 * to ours decrypts on from our request */
			if (!memcmp(dig, q->last_rx, 32) || !q->initiator || !q->awaits) {
				if (!memcmp(dig, q->last_rx, 32) && !q->initiator && q->tx) {
					e->st.retransmits++;
					v1_send(e, sa, q->tx, q->tx_len);
				} else {
					e->st.rx_dropped++;
				}
				return;
			}
			memcpy(iv, q->iv, V1_BLK);
		} else if (v1_iv_p2(sa, m.h.msg_id, iv) < 0) {
			return;
		}
		n = v1_decrypt(sa->v1, buf, len, iv, plain);
		if (n < 0 || v1_chain_parse(m.h.next, plain, (size_t)n, true, &m, &er) < 0) {
			e->st.rx_dropped++;
			if (phase1(m.h.exchange) && sa->state != S_ESTABLISHED) {
				/* keys from another PSK decrypt to noise (5.4); so
				 * does a forged message: drop, the SA waits on */
				e->st.auth_failed++;
				log_info("ike %s: IKEv1 phase 1 message undecryptable: a different "
					 "PSK?", sa->conn->d.name);
			}
			log_debug("ike %s: IKEv1 message dropped: %s", sa->conn->d.name,
				  n < 0 ? "not decryptable" : er.why);
			if (n > 0)
				ike_wipe(plain, (size_t)n);
			return;
		}
	} else if (v1_chain_parse(m.h.next, buf + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &m,
				  &er) < 0) {
		e->st.rx_dropped++;
		return;
	}
	if (phase1(m.h.exchange)) {
		uint8_t old_iv[V1_BLK];
		struct ike_ep ol = sa->local, orm = sa->remote;
		memcpy(old_iv, sa->v1->iv, V1_BLK);
		if (m.h.flags & V1_FLAG_E)
			memcpy(sa->v1->iv, iv, V1_BLK);
		/* the initiator floated to port 4500 (RFC 3947 4): follow */
		if (local->port == IKE_NATT_PORT) {
			sa->local = *local;
			sa->remote = *remote;
		}
		enum ike_state was = sa->state;
		if (v1_p1_input(e, sa, &m) == 0) {
			memcpy(sa->v1->last_rx, dig, 32);
			sa->last_heard = e->now;
			if (was != S_ESTABLISHED && sa->state == S_ESTABLISHED)
				v1_cfg_begin(e, sa);
		} else {
			/* refused: as if it never came */
			e->st.rx_dropped++;
			memcpy(sa->v1->iv, old_iv, V1_BLK);
			sa->local = ol;
			sa->remote = orm;
		}
	} else if (m.h.exchange == V1_QUICK) {
		v1_qm_input(e, sa, &m, iv, dig);
	} else if (m.h.exchange == V1_INFO) {
		info_input(e, sa, &m);
	} else if (m.h.exchange == V1_TRANSACTION && (m.h.flags & V1_FLAG_E)) {
		v1_cfg_input(e, sa, &m, iv, dig);
	} else {
		e->st.rx_dropped++;
	}
	if (n > 0)
		ike_wipe(plain, (size_t)n);
	ike_sched(e, sa);
}

/* ---- timers ---- */

/* a routed CHILD_SA whose rekey time has come, or one past its life */
static struct child *
child_at(struct ike_sa *sa, uint64_t now, bool rekey)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (rekey ? c->state == CH_INSTALLED && c->routed && c->rekey_at && now >= c->rekey_at
			  : child_up(c) && c->expire_at && now >= c->expire_at)
			return c;
	}
	return NULL;
}

void
v1_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	const struct ike_conn *c = sa->conn;
	struct v1_sa *v = sa->v1;
	struct child *x;

	if (sa->req != NULL) {
		if (now - sa->req_sent < sa->req_timeout)
			return;
		if (++sa->req_tries > c->d.retransmit_tries) {
			ike_sa_end_as(sa, IKE_END_DEAD);
			ike_sa_kill(e, sa, "no answer from the peer");
			if (sa->initiator)
				ike_dpd_action(e, c);
			return;
		}
		e->st.retransmits++;
		sa->req_sent = now;
		sa->req_timeout *= 2;
		ike_xmit(e, sa, sa->req, sa->req_len);
		return;
	}
	if (sa->state != S_ESTABLISHED) {
		if (now - sa->last_heard > IKE_HALF_OPEN_MS)
			ike_sa_kill(e, sa, "IKEv1 phase 1 timed out");
		return;
	}
	if (v1_cfg_step(e, sa, now) || v1_qm_step(e, sa, now) || v1_qm_route_due(e, sa, now))
		return;
	if (v->retire_at && now >= v->retire_at) {
		v1_terminate(e, sa);
	} else if (sa->expire_at && now >= sa->expire_at) {
		e->st.expired++;
		ike_sa_end_as(sa, IKE_END_LIFETIME);
		log_warn("ike %s: ISAKMP SA reached its hard lifetime", c->d.name);
		v1_terminate(e, sa);
	} else if ((x = child_at(sa, now, false)) != NULL) {
		if (x->state == CH_REKEYED) {
			log_info("ike %s: rekeyed CHILD_SA %08x/%08x deleted", c->d.name, x->spi_in,
				 x->spi_out);
		} else {
			e->st.expired++;
			log_warn("ike %s: CHILD_SA %08x/%08x reached its hard lifetime", c->d.name,
				 x->spi_in, x->spi_out);
		}
		v1_send_child_delete(e, sa, x);
	} else if (sa->rekey_at && now >= sa->rekey_at) {
		/* phase 1 is re-established, not rekeyed: a new one takes the
		 * phase 2 SAs when it is up (v1_settle) */
		sa->rekey_at = 0;
		if (c->d.remote.family && c->d.xauth != CONN_XAUTH_SERVER)
			v1_p1_start(e, c, sa->spi_i);
	} else if ((x = child_at(sa, now, true)) != NULL) {
		x->rekey_at = 0;
		v1_qm_start(e, sa, (int)(x - sa->ch));
	} else if (sa->behind_nat && c->d.keepalive && now >= sa->keepalive_at) {
		static const uint8_t ka = 0xff;
		if (sa->keepalive_at) {
			e->st.keepalives++;
			e->ops->send(e->ctx, &sa->local, &sa->remote, &ka, 1);
		}
		sa->keepalive_at = now + c->d.keepalive * 1000ull;
	} else if (c->d.dpd_delay && v->dpd_vid) {
		if (v->dpd_out && now - v->dpd_sent >= c->d.retransmit_ms) {
			if (++v->dpd_tries > c->d.retransmit_tries) {
				ike_sa_end_as(sa, IKE_END_DEAD);
				ike_sa_kill(e, sa, "peer dead (DPD)");
				ike_dpd_action(e, c);
				return;
			}
		} else if (v->dpd_out || now - sa->last_heard < c->d.dpd_delay * 1000ull) {
			return;
		} else {
			v->dpd_tries = 0;
		}
		/* R-U-THERE with the next sequence number (RFC 3706 5) */
		if (v->dpd_seq == 0)
			ike_random(&v->dpd_seq, sizeof(v->dpd_seq));
		v->dpd_seq++;
		v->dpd_out = true;
		v->dpd_sent = now;
		v1_send_dpd(e, sa, V1N_DPD_R_U_THERE, v->dpd_seq);
	}
}

