/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: drain control messages, then for each RX queue take a
 * burst, classify it, and hand the pieces to the inbound (ESP to us),
 * outbound (SPD) and punt paths; flush TX at the end. Nothing here
 * allocates (apart from the mbufs the NIC hands us), locks or logs.
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

#define IDLE_SPIN 64		/* empty polls before we start pausing */
#define IDLE_PAUSE 512		/* ... and before we start sleeping */

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

static inline void
tx_enqueue(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct tx_buf *t = &w->tx[port];

	if (t->n == RTE_DIM(t->m)) {
		w_drop(w, m, ESPGW_DROP_TX_FULL);
		return;
	}
	t->m[t->n++] = m;
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
	tx_enqueue(w, h->port, m);
}

/* Route an IP packet (data at L3), resolve the next hop, queue for TX. */
void
w_forward(struct dp_worker *w, struct rte_mbuf *m, bool ttl)
{
	struct pkt_info pi;

	if (pkt_parse_l3(m, &pi) < 0) {
		w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
		return;
	}
	w_forward_pi(w, m, &pi, ttl);
}

/* The same, for a packet the caller has parsed already. */
void
w_forward_pi(struct dp_worker *w, struct rte_mbuf *m, const struct pkt_info *p,
	     bool ttl)
{
	struct pkt_info pi = *p;
	struct w_hop h;

	if (w_resolve(w, pi.family, pi.dst, &h) < 0) {
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
worker_flush(struct dp_worker *w)
{
	for (unsigned p = 0; p < dp.n_ports; p++) {
		struct tx_buf *t = &w->tx[p];
		uint16_t sent = 0;
		if (t->n == 0)
			continue;
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

static void
sad_key(const struct dp_sa *sa, union rte_ipsec_sad_key *k)
{
	memset(k, 0, sizeof(*k));
	/* keys hold wire-order bytes, as lookups read them from packets */
	if (sa->outer_family == AF_INET6) {
		k->v6.spi = rte_cpu_to_be_32(sa->spi);
		memcpy(k->v6.dip, sa->desc.local.a, 16);
		memcpy(k->v6.sip, sa->desc.remote.a, 16);
	} else {
		k->v4.spi = rte_cpu_to_be_32(sa->spi);
		memcpy(&k->v4.dip, sa->desc.local.a, 4);
		memcpy(&k->v4.sip, sa->desc.remote.a, 4);
	}
}

/* Add an inbound SA to this worker's SAD, or remove it. */
static void
sad_apply(struct dp_worker *w, struct dp_sa *sa, bool add)
{
	union rte_ipsec_sad_key k;
	struct rte_ipsec_sad *sad[2];
	int type, n = 1;

	sad_key(sa, &k);
	if (sa->desc.lookup == SAD_SPI) {
		/* SPI-only SAs serve both families */
		type = RTE_IPSEC_SAD_SPI_ONLY;
		sad[0] = w->sad4;
		sad[1] = w->sad6;
		n = 2;
	} else {
		type = sa->desc.lookup == SAD_SPI_DST ? RTE_IPSEC_SAD_SPI_DIP :
		       RTE_IPSEC_SAD_SPI_DIP_SIP;
		sad[0] = sa->outer_family == AF_INET6 ? w->sad6 : w->sad4;
	}
	for (int i = 0; i < n; i++) {
		if (add)
			rte_ipsec_sad_add(sad[i], &k, type, sa);
		else
			rte_ipsec_sad_del(sad[i], &k, type);
	}
}

static void
handle_msg(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_sa *sa = m->obj;

	switch (m->type) {
	case MSG_SA_ADD:
		memset(&w->sa_ctr[sa->id], 0, sizeof(w->sa_ctr[0]));
		if (sa->dir == SA_DIR_INBOUND)
			sad_apply(w, sa, true);
		break;
	case MSG_SA_DEL:
		if (sa->dir == SA_DIR_INBOUND)
			sad_apply(w, sa, false);
		break;
	case MSG_SPD_SWAP:
		w->spd = m->obj;
		break;
	case MSG_RT_SWAP:
		w->rt = m->obj;
		break;
	case MSG_DPOL_ADD:
		/* the control thread counts per prefix: it never overfills one */
		dp_dyn_add(w->dyn, m->obj);
		break;
	case MSG_DPOL_DEL:
		dp_dyn_del(w->dyn, m->obj);
		break;
	case MSG_QUIT:
		break;
	}
	/* the ack: the ring is sized so that it cannot be full */
	while (rte_ring_sp_enqueue(w->ev_ring, m) != 0)
		rte_pause();
}

static uint32_t
sum16(const void *p, size_t n, uint32_t sum)
{
	return sum + rte_raw_cksum(p, n);
}

static uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * A local stack that leaves checksums to the NIC (TX checksum offload, a
 * veth's default) hands AF_PACKET UDP/TCP packets whose checksum field
 * holds only the folded pseudo-header sum (Linux CHECKSUM_PARTIAL). Sent
 * on encrypted, the far host drops them. Such a field is recognised (it
 * equals that sum) and completed; any other checksum, right or wrong, is
 * left as it is. Not for fragments: their L4 header spans several.
 */
static void
l4_csum_complete(struct dp_worker *w, struct rte_mbuf *m, int family, uint32_t hl,
		 uint8_t proto)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), l4 = len - hl, off;
	uint16_t field, ps;
	uint32_t s;

	if (proto == IPPROTO_UDP)
		off = 6;
	else if (proto == IPPROTO_TCP)
		off = 16;
	else
		return;
	if (l4 < off + 2 || (proto == IPPROTO_TCP && l4 < 20))
		return;
	if (family == AF_INET) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
			return;
		s = sum16(&ip->src_addr, 8, 0);
	} else {
		if (hl != sizeof(struct rte_ipv6_hdr))
			return;
		s = sum16(p + 8, 32, 0);
	}
	s += rte_cpu_to_be_16((uint16_t)l4) + rte_cpu_to_be_16(proto);
	ps = fold(s);
	memcpy(&field, p + hl + off, 2);
	if (field != ps || (proto == IPPROTO_UDP && field == 0))
		return;
	/* complete it: the field already holds the pseudo-header part */
	ps = (uint16_t)~fold(sum16(p + hl, l4, 0));
	if (proto == IPPROTO_UDP && ps == 0)
		ps = 0xffff;	/* RFC 768: 0 would mean "no checksum" */
	memcpy(p + hl + off, &ps, 2);
	w->ctr.l4_csum_completed++;
}

/*
 * The upper-layer protocol of an IPv6 packet (len bytes at p) and the
 * length of all headers before it, past hop-by-hop, routing, destination
 * options and fragment headers. 0: found; 1: it is a fragment (proto is
 * the fragment header's next header); -1: a header runs past the packet.
 */
static int
ip6_upper(const uint8_t *p, uint32_t len, uint8_t *proto, uint32_t *hl)
{
	uint32_t off = sizeof(struct rte_ipv6_hdr);
	uint8_t nh = p[6];
	int frag = 0;

	for (unsigned n = 0; n < 8; n++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 8 > len || off + (p[off + 1] + 1u) * 8 > len)
				return -1;
			nh = p[off];
			off += (p[off + 1] + 1u) * 8;
			continue;
		case IPPROTO_FRAGMENT:
			if (off + 8 > len)
				return -1;
			nh = p[off];
			off += 8;
			frag = 1;
			continue;
		default:
			break;
		}
		break;
	}
	*proto = nh;
	*hl = off;
	return frag;
}

/*
 * RFC 3948 3: UDP to port 4500 whose first four bytes are not the zero
 * non-ESP marker is ESP: drop the UDP header so that the packet reads as
 * plain ESP (tunnel mode discards the outer header; espgw refuses UDP
 * encapsulation for transport SAs). Anything else stays UDP.
 */
static int
natt_decap(struct rte_mbuf *m, int family, uint32_t hl)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_udp_hdr *u = (const void *)(p + hl);
	uint32_t len = rte_pktmbuf_data_len(m);
	static const uint8_t zero[4];

	/* (IPv6 extension headers before it: not decapsulated, left to punt) */
	if ((family == AF_INET6 && hl != sizeof(struct rte_ipv6_hdr)) ||
	    len < hl + sizeof(*u) + 8 || u->dst_port != RTE_BE16(4500) ||
	    rte_be_to_cpu_16(u->dgram_len) != len - hl ||
	    memcmp(p + hl + sizeof(*u), zero, 4) == 0)
		return -1;
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (void *)p;
		if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
			return -1;
		ip->total_length = rte_cpu_to_be_16(len - sizeof(*u));
		ip->next_proto_id = IPPROTO_ESP;
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)p;
		ip6->payload_len = rte_cpu_to_be_16(len - hl - sizeof(*u));
		ip6->proto = IPPROTO_ESP;
	}
	memmove(p + sizeof(*u), p, hl);
	rte_pktmbuf_adj(m, sizeof(*u));
	return 0;
}

/*
 * Classify a burst from one port. Packets leave the function in one of
 * the lists (L3 at data start, L2 stripped), punted, or dropped.
 */
void
worker_burst(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts,
	 uint16_t n)
{
	struct rte_mbuf *in[DP_BURST], *out[DP_BURST];
	unsigned n_in = 0, n_out = 0;

	/* librte_ipsec needs l2_len/l3_len: the mbuf's second cache line */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(&pkts[i]->cacheline1);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eh;
		uint16_t et;
		uint32_t l3len, hl;
		uint8_t proto;
		const uint8_t *dst;
		int family, nh;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		w->pctr[port].rx_bytes += rte_pktmbuf_pkt_len(m);
		if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < sizeof(*eh)) {
			w_drop(w, m, ESPGW_DROP_L2_MALFORMED);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		et = rte_be_to_cpu_16(eh->ether_type);
		if (et == RTE_ETHER_TYPE_ARP) {
			w_punt(w, m, PUNT_ARP, port);
			continue;
		}
		if (et != RTE_ETHER_TYPE_IPV4 && et != RTE_ETHER_TYPE_IPV6) {
			w_drop(w, m, ESPGW_DROP_L2_MALFORMED);
			continue;
		}
		rte_pktmbuf_adj(m, sizeof(*eh));
		l3len = rte_pktmbuf_data_len(m);
		m->l2_len = 0;
		if (et == RTE_ETHER_TYPE_IPV4) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, void *);
			uint32_t tot;
			if (l3len < sizeof(*ip) || (ip->version_ihl >> 4) != 4) {
				w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
				continue;
			}
			hl = (ip->version_ihl & 0xf) * 4u;
			tot = rte_be_to_cpu_16(ip->total_length);
			if (hl < 20 || tot < hl || tot > l3len || hl > l3len) {
				w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
				continue;
			}
			if (ip4_hdr_sum(ip, hl / 4) != 0xffff) {
				w_drop(w, m, ESPGW_DROP_IP_CHECKSUM);
				continue;
			}
			/* Ethernet pads short frames: the IP length is the truth */
			rte_pktmbuf_trim(m, l3len - tot);
			family = AF_INET;
			proto = ip->next_proto_id;
			dst = (const uint8_t *)&ip->dst_addr;
			if (proto == IPPROTO_ESP &&
			    (rte_be_to_cpu_16(ip->fragment_offset) &
			     (RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))) {
				/* we do not reassemble ESP (RFC 4303 3.4.1 allows it) */
				w_drop(w, m, ESPGW_DROP_IP_FRAGMENT);
				continue;
			}
		} else {
			struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, void *);
			uint32_t tot;
			if (l3len < sizeof(*ip6) ||
			    (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6) {
				w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
				continue;
			}
			hl = sizeof(*ip6);
			tot = hl + rte_be_to_cpu_16(ip6->payload_len);
			if (tot > l3len) {
				w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
				continue;
			}
			rte_pktmbuf_trim(m, l3len - tot);
			family = AF_INET6;
			dst = ip6->dst_addr;
			/* RFC 8200 4: ESP may follow hop-by-hop, routing and
			 * destination options; the header length covers them */
			switch (ip6_upper(rte_pktmbuf_mtod(m, const uint8_t *), tot, &proto, &hl)) {
			case 0:
				break;
			case 1:
				if (proto == IPPROTO_ESP) {
					/* we do not reassemble ESP (RFC 4303 3.4.1 allows it) */
					w_drop(w, m, ESPGW_DROP_IP_FRAGMENT);
					continue;
				}
				hl = sizeof(*ip6);	/* other fragments: as before */
				proto = ip6->proto;
				break;
			default:
				w_drop(w, m, ESPGW_DROP_IP_MALFORMED);
				continue;
			}
			if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)) {
				/* multicast (ND) and link-local: the control thread's */
				w_punt(w, m, PUNT_LOCAL, port);
				continue;
			}
		}
		m->l3_len = hl;
		m->port = port;
		if (proto == IPPROTO_ESP) {
			in[n_in++] = m;
			continue;
		}
		nh = w_route(w, family, dst);
		if (nh >= 0 && w->rt->nh[nh].type == NH_LOCAL) {
			/* ESP in UDP to us goes the ESP way; IKE and the rest are punted */
			if (proto == IPPROTO_UDP && natt_decap(m, family, hl) == 0)
				in[n_in++] = m;
			else
				w_punt(w, m, PUNT_LOCAL, port);
			continue;
		}
		if (unlikely(dp.port[port].kernel_port))
			l4_csum_complete(w, m, family, hl, proto);
		out[n_out++] = m;
	}
	stage_mark(w, ST_CLASSIFY);
	if (n_in)
		esp_inbound(w, in, n_in);
	if (n_out)
		esp_outbound(w, out, n_out);
}

static void
drain_ctl_tx(struct dp_worker *w)
{
	struct rte_mbuf *m[DP_BURST];
	unsigned k = rte_ring_sc_dequeue_burst(dp.ctl_route, (void **)m, DP_BURST, NULL);

	/* the control thread's own packets take the outbound path */
	for (unsigned i = 0; i < k; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		m[i]->l2_len = 0;
		m[i]->l3_len = (p[0] >> 4) == 4 ? (p[0] & 0xf) * 4u : sizeof(struct rte_ipv6_hdr);
	}
	if (k)
		esp_outbound(w, m, k);

	for (unsigned p = 0; p < dp.n_ports; p++) {
		k = rte_ring_sc_dequeue_burst(dp.port[p].ctl_tx, (void **)m, DP_BURST, NULL);
		for (unsigned i = 0; i < k; i++)
			tx_enqueue(w, p, m[i]);
	}
}

unsigned
worker_msgs(struct dp_worker *w, bool *quit)
{
	void *msgs[16];
	unsigned k = rte_ring_sc_dequeue_burst(w->msg_ring, msgs, RTE_DIM(msgs), NULL);

	for (unsigned i = 0; i < k; i++) {
		struct dp_msg *m = msgs[i];
		if (m->type == MSG_QUIT)
			*quit = true;
		handle_msg(w, m);
	}
	return k;
}

int
worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	bool quit = false;

	while (!quit) {
		unsigned work = 0, k;

		k = worker_msgs(w, &quit);
		work += k;
		stage_mark(w, ST_OTHER);
		for (unsigned q = 0; q < w->n_rxq; q++) {
			uint16_t port = w->rxq[q].port;
			uint16_t n = rte_eth_rx_burst(dp.port[port].port_id,
						      w->rxq[q].queue, pkts, DP_BURST);
			if (n == 0)
				continue;
			w->pctr[port].rx_pkts += n;
			stage_mark(w, ST_RX);
			worker_burst(w, port, pkts, n);
			work += n;
		}
		if (w->idx == 0)
			drain_ctl_tx(w);
		worker_flush(w);
		stage_mark(w, ST_TX);
		w->ctr.polls++;
		/*
		 * Adaptive back-off (as l3fwd-power / VPP adaptive mode): spin,
		 * then pause, then sleep once the queues stay empty, so an idle
		 * gateway gives its cores back. Any work resets it.
		 */
		if (work != 0) {
			w->idle = 0;
			continue;
		}
		w->ctr.idle_polls++;
		if (++w->idle < IDLE_SPIN)
			continue;
		if (w->idle < IDLE_PAUSE) {
			rte_pause();
			continue;
		}
		w->ctr.sleeps++;
		if (dp.idle_sleep_us)
			usleep(dp.idle_sleep_us);
	}
	return 0;
}
