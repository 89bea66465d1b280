/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 in the engine: a datagram of major version 1 to its ISAKMP SA and
 * exchange (decryption with the right IV, retransmissions recognised by
 * their digest and answered with our last message, RFC 2408 5 / RFC 2409
 * 5), informational exchanges (Delete, Notify, DPD per RFC 3706), and the
 * SA's timed work: retransmission, DPD, lifetimes, rekeys, NAT keepalives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

#define RETIRE_MS 2000		/* a replaced ISAKMP SA's time before its Delete */

void
v1_msg_digest(const uint8_t *b, size_t n, uint8_t out[32])
{
	struct ike_iov v = { b, n };

	v1_hash(PRF_HMAC_SHA2_256, &v, 1, out);
}

/* one datagram to the peer */
void
v1_send(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n)
{
	e->st.tx++;
	e->ops->send(e->ctx, &sa->local, &sa->remote, b, n);
}

/* an unencrypted notify answering a first message we refuse */
void
v1_notify_plain(struct ike_engine *e, const struct ike_hdr *rh, const struct ike_ep *local,
		const struct ike_ep *remote, uint16_t type)
{
	uint8_t mem[256];
	struct ike_buf b;

	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, rh->spi_i, rh->spi_r, V1_INFO, 0, 0);
	v1_put_notify(&b, V1_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
	if (ike_msg_finish(&b)) {
		e->st.tx++;
		e->ops->send(e->ctx, local, remote, b.p, b.len);
	}
}

static uint32_t
rand_msg_id(void)
{
	uint32_t id = 0;

	while (id == 0)
		ike_random(&id, sizeof(id));
	return id;
}

/* an informational exchange: HASH(1) = prf(SKEYID_a, M-ID | N/D) */
void
v1_send_info(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner, size_t ilen,
	     uint8_t first)
{
	uint32_t id = rand_msg_id();
	uint8_t mem[MSG_CAP], iv[V1_BLK], mid[4] = { id >> 24, id >> 16, id >> 8, id };
	struct ike_buf b;
	size_t h;

	if (sa->v1->plen == 0 || ilen > MSG_CAP - 256 || v1_iv_p2(sa, id, iv) < 0)
		return;
	v1_id_note(sa, id);
	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, sa->spi_i, sa->spi_r, V1_INFO, 0, id);
	h = ike_pl_begin(&b, V1_HASH);
	for (size_t i = 0; i < sa->v1->plen; i++)
		ike_put8(&b, 0);
	ike_pl_end(&b, h);
	b.p[h] = first;
	ike_put(&b, inner, ilen);
	struct ike_iov v[] = { { mid, 4 }, { inner, ilen } };
	if (b.overflow || v1_hash_a(sa, v, 2, b.p + h + 4) < 0 || v1_encrypt(sa->v1, &b, iv) == 0)
		return;
	v1_send(e, sa, b.p, b.len);
}

/* an inner chain of one payload built by fn into mem: its length */
static size_t
one_payload(uint8_t *mem, size_t cap, void (*fn)(struct ike_buf *, const void *), const void *arg)
{
	struct ike_buf b;
	uint8_t tmp[IKE_HDR_LEN + 512];

	(void)cap;
	ike_buf_init(&b, tmp, sizeof(tmp));
	b.len = IKE_HDR_LEN;		/* np_off (16) lies in the unused header */
	fn(&b, arg);
	if (b.overflow)
		return 0;
	memcpy(mem, tmp + IKE_HDR_LEN, b.len - IKE_HDR_LEN);
	return b.len - IKE_HDR_LEN;
}

static void
put_child_delete(struct ike_buf *b, const void *arg)
{
	const struct child *c = arg;
	uint8_t spi[4] = { c->spi_in >> 24, c->spi_in >> 16, c->spi_in >> 8, c->spi_in };

	v1_put_delete(b, V1_PROTO_ESP, spi, 4, 1);
}

static void
cookies(const struct ike_sa *sa, uint8_t ck[16])
{
	for (int i = 0; i < 8; i++) {
		ck[i] = (uint8_t)(sa->spi_i >> (56 - 8 * i));
		ck[8 + i] = (uint8_t)(sa->spi_r >> (56 - 8 * i));
	}
}

static void
put_ike_delete(struct ike_buf *b, const void *arg)
{
	uint8_t ck[16];

	cookies(arg, ck);
	v1_put_delete(b, V1_PROTO_ISAKMP, ck, 16, 1);
}

struct dpd_arg {
	const struct ike_sa *sa;
	uint16_t type;
	uint32_t seq;
};

static void
put_dpd(struct ike_buf *b, const void *arg)
{
	const struct dpd_arg *d = arg;
	uint8_t ck[16], seq[4] = { d->seq >> 24, d->seq >> 16, d->seq >> 8, d->seq };

	cookies(d->sa, ck);
	v1_put_notify(b, V1_PROTO_ISAKMP, d->type, ck, 16, seq, 4);
}

/* our CHILD_SA's delete (our inbound SPI), and it goes */
void
v1_send_child_delete(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	uint8_t in[64];
	size_t n = one_payload(in, sizeof(in), put_child_delete, c);

	if (n)
		v1_send_info(e, sa, in, n, V1_D);
	ike_child_remove(e, sa, c);
}

static void
send_dpd(struct ike_engine *e, struct ike_sa *sa, uint16_t type, uint32_t seq)
{
	uint8_t in[64];
	struct dpd_arg a = { sa, type, seq };
	size_t n = one_payload(in, sizeof(in), put_dpd, &a);

	if (n)
		v1_send_info(e, sa, in, n, V1_N);
}

/* a Delete of the ISAKMP SA to the peer, and it ends here */
static void
terminate(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t in[64];
	size_t n;

	if (sa->state == S_ESTABLISHED) {
		for (int i = 0; i < MAX_CHILD; i++)
			if (child_up(&sa->ch[i]))
				v1_send_child_delete(e, sa, &sa->ch[i]);
		n = one_payload(in, sizeof(in), put_ike_delete, sa);
		if (n)
			v1_send_info(e, sa, in, n, V1_D);
	}
	ike_sa_kill(e, sa, "deleted");
}

/* another established ISAKMP SA of the same connection and peer */
struct ike_sa *
v1_sibling(struct ike_engine *e, const struct ike_sa *sa)
{
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next)
		if (o != sa && o->v1 && o->conn == sa->conn && o->state == S_ESTABLISHED &&
		    ip_addr_eq(&o->remote.addr, &sa->remote.addr))
			return o;
	return NULL;
}

/* a phase 1 of sa's connection with the same peer under way */
static struct ike_sa *
in_progress(struct ike_engine *e, const struct ike_sa *sa)
{
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next)
		if (o != sa && o->v1 && o->conn == sa->conn &&
		    (o->state == S_INIT_SENT || o->state == S_INIT_DONE) &&
		    ip_addr_eq(&o->remote.addr, &sa->remote.addr))
			return o;
	return NULL;
}

/* CHILD_SAs of old move to sa (phase 1 re-established: phase 2 SAs stay),
 * leaving two slots free for quick modes */
static void
adopt(struct ike_sa *sa, struct ike_sa *old)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		unsigned free_slots = 0;
		struct child *f = NULL;
		for (int k = 0; k < MAX_CHILD; k++)
			if (sa->ch[k].state == CH_FREE) {
				free_slots++;
				f = f ? f : &sa->ch[k];
			}
		bool busy = false;
		for (int q = 0; q < V1_MAX_QM; q++)
			busy |= old->v1->qm[q].used && !old->v1->qm[q].done &&
				(old->v1->qm[q].slot == i || old->v1->qm[q].rekey_of == i);
		/* installed ones only, and none a quick mode in flight refers to */
		if (!child_up(&old->ch[i]) || busy || free_slots <= 2)
			continue;
		*f = old->ch[i];
		memset(&old->ch[i], 0, sizeof(old->ch[i]));
	}
	if (old->route_prio > sa->route_prio)
		sa->route_prio = old->route_prio;
}

/*
 * Phase 1 done: up. A peer that restarted (INITIAL-CONTACT) leaves nothing
 * of before. Our own re-establishment of an ISAKMP SA takes its phase 2
 * SAs and deletes it. As responder, a new phase 1 from a peer we have one
 * with (no INITIAL-CONTACT) is the peer's re-establishment: it takes the
 * phase 2 SAs too, and the old SA stays, childless, until the peer deletes
 * it or its lifetime ends (as charon does it: its own old SA lingers the
 * same way). Quick modes in flight keep their SAs where they are. An
 * initiator with no CHILD_SA then starts quick mode.
 */
void
v1_established(struct ike_engine *e, struct ike_sa *sa)
{
	bool have = false;

	ike_established(e, sa);
	/* (the connection's other SAs: none when it holds only this one) */
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next) {
		if (o == sa || !o->v1 || o->conn != sa->conn || o->state != S_ESTABLISHED ||
		    !ip_addr_eq(&o->remote.addr, &sa->remote.addr))
			continue;
		if (sa->v1->initial_contact) {
			ike_sa_kill(e, o, "replaced (INITIAL-CONTACT)");
		} else if (!sa->initiator || sa->v1->reauth_of == o->spi_i) {
			log_info("ike %s: ISAKMP SA %016lx_%016lx re-established, its CHILD_SAs "
				 "move over", sa->conn->d.name, (unsigned long)o->spi_i,
				 (unsigned long)o->spi_r);
			adopt(sa, o);
			/* deleted a little later, after the peer has moved its own
			 * phase 2 SAs over (charon does that in a job of its own) */
			if (sa->initiator) {
				o->v1->retire_at = e->now + RETIRE_MS;
				ike_sched(e, o);
			}
		}
	}
	for (int i = 0; i < MAX_CHILD; i++)
		have |= child_up(&sa->ch[i]);
	if (sa->initiator && !have && v1_qm_start(e, sa, -1) < 0)
		log_warn("ike %s: quick mode could not start", sa->conn->d.name);
}

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
		cookies(sa, ck);
		for (unsigned i = 0; i < d.n; i++) {
			if (memcmp(d.spis + 16 * i, ck, 16))
				continue;
			/* a re-established phase 1 takes our phase 2 SAs, also
			 * one still being negotiated (the Delete overtook its
			 * last message) */
			if ((to = v1_sibling(e, sa)) != NULL || (to = in_progress(e, sa)) != NULL)
				adopt(to, sa);
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
			send_dpd(e, sa, V1N_DPD_R_U_THERE_ACK, seq);
		else if (sa->v1->dpd_out && seq == sa->v1->dpd_seq)
			sa->v1->dpd_out = false;
		return;
	}
	if (n.type < 16384)
		log_info("ike %s: IKEv1 peer reports error %u", sa->conn->d.name, n.type);
}

/* HASH(1) of an informational or quick mode message: prf(SKEYID_a, M-ID |
 * pre | the payloads after HASH), in constant time */
static bool
hash_ok(const struct ike_sa *sa, const struct ike_msg *m, const uint8_t *pre, size_t prelen)
{
	const struct ike_pl *h = m->n ? &m->pl[0] : NULL;
	const struct ike_pl *last = m->n ? &m->pl[m->n - 1] : NULL;
	uint8_t exp[IKE_MAX_PRF];
	uint32_t id = m->h.msg_id;
	uint8_t mid[4] = { id >> 24, id >> 16, id >> 8, id };
	const uint8_t *from, *to;

	if (h == NULL || h->type != V1_HASH || h->len != sa->v1->plen)
		return false;
	from = h->body + h->len;
	to = last->body + last->len;
	struct ike_iov v[] = { { mid, 4 }, { pre, prelen }, { from, (size_t)(to - from) } };
	return v1_hash_a(sa, v, 3, exp) == 0 && CRYPTO_memcmp(exp, h->body, h->len) == 0;
}

bool
v1_hash1_ok(const struct ike_sa *sa, const struct ike_msg *m, const uint8_t *pre, size_t prelen)
{
	return hash_ok(sa, m, pre, prelen);
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
	if (v1_id_seen(sa, m->h.msg_id) || !hash_ok(sa, m, NULL, 0)) {
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

bool
v1_id_seen(const struct ike_sa *sa, uint32_t id)
{
	for (unsigned i = 0; i < V1_SEEN; i++)
		if (sa->v1->seen[i] == id && id != 0)
			return true;
	return false;
}

void
v1_id_note(struct ike_sa *sa, uint32_t id)
{
	sa->v1->seen[sa->v1->seen_next++ % V1_SEEN] = id;
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
		if (v1_p1_input(e, sa, &m) == 0) {
			memcpy(sa->v1->last_rx, dig, 32);
			sa->last_heard = e->now;
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
	} else {
		e->st.rx_dropped++;
	}
	if (n > 0)
		ike_wipe(plain, (size_t)n);
	ike_sched(e, sa);
}

/* ---- timers ---- */

static uint64_t
min_at(uint64_t a, uint64_t at)
{
	return at && at < a ? at : a;
}

uint64_t
v1_due(const struct ike_engine *e, const struct ike_sa *sa)
{
	const struct ike_conn *c = sa->conn;
	uint64_t due = IKE_NEVER;

	if (sa->state == S_DEAD)
		return e->now;
	if (sa->req != NULL)
		return sa->req_sent + sa->req_timeout;
	if (sa->state != S_ESTABLISHED)
		return sa->last_heard + IKE_HALF_OPEN_MS + 1;
	due = min_at(due, v1_qm_due(sa));
	due = min_at(due, sa->v1->retire_at);
	due = min_at(due, sa->expire_at);
	due = min_at(due, sa->rekey_at);
	for (int i = 0; i < MAX_CHILD; i++) {
		const struct child *x = &sa->ch[i];
		if (child_up(x))
			due = min_at(due, x->expire_at);
		if (x->state == CH_INSTALLED && x->routed)
			due = min_at(due, x->rekey_at);
	}
	if (sa->behind_nat && c->d.keepalive)
		due = min_at(due, sa->keepalive_at ? sa->keepalive_at : e->now);
	if (c->d.dpd_delay && sa->v1->dpd_vid)
		due = min_at(due, sa->v1->dpd_out ? sa->v1->dpd_sent + c->d.retransmit_ms :
				  sa->last_heard + c->d.dpd_delay * 1000ull);
	return due;
}

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
			ike_sa_kill(e, sa, "no answer from the peer");
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
	if (v1_qm_step(e, sa, now))
		return;
	if (v->retire_at && now >= v->retire_at) {
		terminate(e, sa);
	} else if (sa->expire_at && now >= sa->expire_at) {
		e->st.expired++;
		log_warn("ike %s: ISAKMP SA reached its hard lifetime", c->d.name);
		terminate(e, sa);
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
		 * phase 2 SAs when it is up (v1_established) */
		sa->rekey_at = 0;
		if (c->d.remote.family)
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
				ike_sa_kill(e, sa, "peer dead (DPD)");
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
		send_dpd(e, sa, V1N_DPD_R_U_THERE, v->dpd_seq);
	}
}

void
v1_free(struct v1_sa *v)
{
	if (v == NULL)
		return;
	for (int i = 0; i < V1_MAX_QM; i++)
		v1_qm_free(&v->qm[i]);
	v1_frx_free(v);
	free(v->sai_b);
	ike_wipe(v, sizeof(*v));
	free(v);
}

void
v1_terminate(struct ike_engine *e, struct ike_sa *sa)
{
	terminate(e, sa);
}

const char *
v1_mode_name(const struct ike_sa *sa)
{
	return sa->v1->mode == V1_AGGRESSIVE ? "aggressive" : "main";
}
