/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify a received burst: L2/L3 checks, ESP to us (and ESP in UDP,
 * RFC 3948) to the inbound path, what is for the gateway to the control
 * thread, the rest to the outbound path (SPD).
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

/* ESP in UDP to us (RFC 3948) becomes plain ESP (pkt_checks.c) */
static int
natt_decap(struct rte_mbuf *m, int family, uint32_t hl)
{
	if (pkt_natt_strip(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), family, hl) < 0)
		return -1;
	rte_pktmbuf_adj(m, sizeof(struct rte_udp_hdr));
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
	struct pkt_info pis[DP_BURST];	/* out[]'s selectors: parsed once, here */
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
		const uint8_t *src, *dst;
		int family, nh;
		bool ports;			/* a first fragment or a whole packet */

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
			src = (const uint8_t *)&ip->src_addr;
			dst = (const uint8_t *)&ip->dst_addr;
			ports = (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0;
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
			src = ip6->src_addr;
			dst = ip6->dst_addr;
			ports = true;
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
				ports = false;
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
		/* the SPD's selectors (RFC 4301 4.4.1.1): the upper-layer
		 * protocol past IPv6 extension headers, and its ports */
		pis[n_out] = (struct pkt_info){ .family = family, .proto = proto, .src = src,
						.dst = dst };
		if (ports && (proto == IPPROTO_UDP || proto == IPPROTO_TCP ||
			      proto == IPPROTO_SCTP) && rte_pktmbuf_data_len(m) >= hl + 4) {
			const uint16_t *pp = rte_pktmbuf_mtod_offset(m, const uint16_t *, hl);
			pis[n_out].sport = rte_be_to_cpu_16(pp[0]);
			pis[n_out].dport = rte_be_to_cpu_16(pp[1]);
		}
		out[n_out++] = m;
	}
	stage_mark(w, ST_CLASSIFY);
	/* ESP with no SA of ours and not to us is transit: the SPD decides */
	if (n_in) {
		unsigned t = esp_inbound(w, in, n_in, out + n_out);
		for (; t > 0; t--, n_out++)
			if (pkt_parse_l3(out[n_out], &pis[n_out]) < 0)
				pis[n_out].family = 0;
	}
	if (n_out)
		esp_outbound(w, out, pis, n_out);
}
