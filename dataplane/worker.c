/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every path of a worker shares: routing, the neighbour cache, TX
 * buffers, punting, and the control messages that change the worker's
 * tables (SAD, SPD, routes). Nothing here allocates, locks or logs.
 * classify.c takes a burst apart; worker_loop.c is the poll loop.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_pause.h>
#include <unistd.h>

#include <rte_udp.h>

#include "dataplane/worker.h"


const char *const dp_stage_name[ST_MAX] = {
#define X(id, name) [ST_##id] = name,
	ESPGW_STAGES(X)
#undef X
};

int
w_route(struct dp_worker *w, int family, const uint8_t *dst)
{
	uint32_t nh4;
	uint32_t nh6;

	if (family == AF_INET) {
		uint32_t a;
		memcpy(&a, dst, 4);
		if (rte_lpm_lookup(w->rt->lpm4, rte_be_to_cpu_32(a), &nh4) != 0)
			return -1;
		return nh4;
	}
	if (rte_lpm6_lookup(w->rt->lpm6, dst, &nh6) != 0)
		return -1;
	return nh6;
}

void
w_punt(struct dp_worker *w, struct rte_mbuf *m, uint8_t reason, uint16_t port)
{
	struct dp_punt_meta *md = dp_meta(m);

	md->reason = reason;
	md->port = port;
	if (rte_ring_sp_enqueue(w->punt_ring, m) != 0) {
		w_drop(w, m, ESPGW_DROP_PUNT_FULL);
		return;
	}
	w->ctr.punted++;
}

/*
 * Neighbour lookups go through a small per-worker cache in front of the
 * shared hash; an entry is good while the table's generation (bumped by
 * every control-thread write) is unchanged.
 */
static bool
neigh_cached(struct dp_worker *w, uint16_t port, int family, const uint8_t *a,
	     struct rte_ether_addr *mac)
{
	unsigned alen = ip_alen(family);
	struct neigh_cache *c = &w->ncache[(a[alen - 1] ^ port) & (NCACHE - 1)];
	uint32_t gen = __atomic_load_n(&dp.neigh_gen, __ATOMIC_ACQUIRE);

	if (c->gen == gen && c->port == port && c->family == family &&
	    memcmp(c->a, a, alen) == 0) {
		*mac = c->mac;
		return true;
	}
	if (!dp_neigh_get(port, family, a, mac))
		return false;
	c->gen = gen;
	c->port = port;
	c->family = family;
	memcpy(c->a, a, alen);
	c->mac = *mac;
	return true;
}

int
w_resolve(struct dp_worker *w, int family, const uint8_t *dst, struct w_hop *h)
{
	const struct dp_nexthop *nh;
	int i = w_route(w, family, dst);

	if (i < 0)
		return -1;
	nh = &w->rt->nh[i];
	h->port = nh->port;
	h->local = nh->type == NH_LOCAL;
	h->family = family;
	h->addr = nh->via.family ? nh->via.a : dst;
	h->resolved = !h->local && neigh_cached(w, h->port, family, h->addr, &h->dmac);
	return 0;
}

void
w_send(struct dp_worker *w, struct rte_mbuf *m, const struct w_hop *h)
{
	struct rte_ether_hdr *eh;

	if (!h->resolved) {
		struct dp_punt_meta *md = dp_meta(m);
		md->family = h->family;
		memcpy(md->nh, h->addr, ip_alen(h->family));
		/* the control thread resolves and holds it until then */
		w_punt(w, m, PUNT_NEIGH_MISS, h->port);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		w_drop(w, m, ESPGW_DROP_ENCAP_FAILED);
		return;
	}
	eh->dst_addr = h->dmac;
	eh->src_addr = dp.port[h->port].mac;
	eh->ether_type = rte_cpu_to_be_16(h->family == AF_INET ?
					  RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	w_tx_enqueue(w, h->port, m);
}

/*
 * w_resolve() through a memo: a destination the same as the last one the
 * memo resolved gets its hop again, when that one was resolved and not
 * local (a miss or a local packet takes the full path every time).
 */
int
w_hop_memo(struct dp_worker *w, struct w_memo *mo, int family, const uint8_t *dst,
	   struct w_hop *h)
{
	unsigned al = family == AF_INET ? 4 : 16;

	if (mo->valid && mo->family == family && memcmp(mo->dst, dst, al) == 0) {
		*h = mo->h;
		return 0;
	}
	mo->valid = false;
	if (w_resolve(w, family, dst, h) < 0)
		return -1;
	if (h->resolved && !h->local) {
		mo->valid = true;
		mo->family = family;
		memcpy(mo->dst, dst, al);
		mo->h = *h;
		mo->h.addr = NULL;	/* may point into a packet: unused once resolved */
	}
	return 0;
}

/*
 * Route a parsed IP packet (data at L3), resolve the next hop (through
 * the memo mo when given), queue for TX.
 */
static void
forward(struct dp_worker *w, struct rte_mbuf *m, const struct pkt_info *pi, bool ttl,
	struct w_memo *mo)
{
	struct w_hop h;
	int rc = mo ? w_hop_memo(w, mo, pi->family, pi->dst, &h) :
		 w_resolve(w, pi->family, pi->dst, &h);

	if (rc < 0) {
		w_drop(w, m, ESPGW_DROP_NO_ROUTE);
		return;
	}
	if (h.local) {
		/* decrypted traffic for the gateway itself (ping through the tunnel) */
		w_punt(w, m, PUNT_INNER_LOCAL, h.port);
		return;
	}
	if (ttl && !w_dec_ttl(m)) {
		/* RFC 1812 5.3.1 / RFC 4443 3.3: time exceeded in transit, told
		 * from our address on the port it would have left by */
		m->port = h.port;
		w_drop_notify(w, m, ESPGW_DROP_TTL_EXPIRED, PUNT_TTL);
		return;
	}
	w_send(w, m, &h);
}

void
w_forward(struct dp_worker *w, struct rte_mbuf *m, bool ttl)
{
	struct pkt_info pi;

	if (pkt_parse_l3(m, &pi) < 0) {
		w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
		return;
	}
	forward(w, m, &pi, ttl, NULL);
}

void
w_forward_memo(struct dp_worker *w, struct rte_mbuf *m, const struct pkt_info *pi,
	       struct w_memo *mo)
{
	forward(w, m, pi, true, mo);
}

void
worker_flush(struct dp_worker *w)
{
	for (unsigned p = 0; p < dp.n_ports; p++) {
		struct tx_buf *t = &w->tx[p];
		uint16_t sent = 0;
		if (t->n == 0)
			continue;
		w_cap_burst(w, t->m, t->n, CAP_TX, (uint16_t)p);
		while (sent < t->n) {
			uint16_t k = rte_eth_tx_burst(dp.port[p].port_id, w->idx,
						      t->m + sent, t->n - sent);
			if (k == 0)
				break;
			sent += k;
		}
		for (uint16_t i = 0; i < sent; i++)
			w->pctr[p].tx_bytes += rte_pktmbuf_pkt_len(t->m[i]);
		w->pctr[p].tx_pkts += sent;
		for (uint16_t i = sent; i < t->n; i++)
			w_drop(w, t->m[i], ESPGW_DROP_TX_FULL);
		t->n = 0;
	}
}

void
worker_handle_msg(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_sa *sa = m->obj;

	/* whatever it changes, no flow decision made before it stands */
	w->fc_gen++;
	switch (m->type) {
	case MSG_SA_ADD:
		memset(&w->sa_ctr[sa->id], 0, sizeof(w->sa_ctr[0]));
		if (sa->dir == SA_DIR_INBOUND)
			dp_sad_apply(w, sa, true);
		break;
	case MSG_SA_DEL:
		if (sa->dir == SA_DIR_INBOUND)
			dp_sad_apply(w, sa, false);
		break;
	case MSG_SPD_SWAP:
		w->spd = m->obj;
		break;
	case MSG_RT_SWAP:
		w->rt = m->obj;
		break;
	case MSG_DPOL_ADD:
		/* the control thread counts per prefix: it never overfills one */
		dp_dyn_add(w->dyn, m->obj, &m->spare[w->idx]);
		break;
	case MSG_DPOL_DEL:
		dp_dyn_del(w->dyn, m->obj, &m->spare[w->idx]);
		break;
	case MSG_CAP_SET:
		w->cap = m->obj;
		break;
	case MSG_SA_MOVE:	/* the swap is done: the ack says we let go of the old path */
	case MSG_QUIT:
		break;
	}
	/* the ack: the ring is sized so that it cannot be full */
	while (rte_ring_sp_enqueue(w->ev_ring, m) != 0)
		rte_pause();
}
