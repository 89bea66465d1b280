/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the workers punt to the control thread: ARP (RFC 826), IPv6
 * neighbour discovery (RFC 4861), ICMP/ICMPv6 echo to our addresses,
 * next hops to resolve, and packets too big for the tunnel, which get an
 * ICMP "fragmentation needed" / ICMPv6 "packet too big" (RFC 4301 8.2).
 */
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "common/log.h"
#include "control/ctl.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_PACKET_TOO_BIG 2
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2

static bool
our_addr(uint16_t port, int family, const uint8_t *a)
{
	const struct dp_port *p = &dp.port[port];

	for (unsigned i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].addr.family == family &&
		    memcmp(p->addrs[i].addr.a, a, ip_alen(family)) == 0)
			return true;
	return false;
}

static const uint8_t *
first_addr(uint16_t port, int family)
{
	const struct dp_port *p = &dp.port[port];

	for (unsigned i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].addr.family == family)
			return p->addrs[i].addr.a;
	return NULL;
}

/*
 * Packets waiting for their next hop (as a host's unresolved queue): a
 * few per address, a bounded number in all, released when the neighbour
 * is learned and dropped as neigh-miss when it is not within a second.
 */
#define HOLD_MAX 64
#define HOLD_PER_ADDR 4

static struct held {
	struct rte_mbuf *m;		/* L3 at data start; NULL = free slot */
	uint16_t port;
	uint8_t family;
	uint8_t a[16];
	time_t since;
} held[HOLD_MAX];

static void
hold(struct rte_mbuf *m, uint16_t port, int family, const uint8_t *a)
{
	struct held *free_slot = NULL;
	unsigned same = 0;

	for (unsigned i = 0; i < HOLD_MAX; i++) {
		if (held[i].m == NULL)
			free_slot = free_slot ? free_slot : &held[i];
		else if (held[i].port == port && held[i].family == family &&
			 !memcmp(held[i].a, a, ip_alen(family)))
			same++;
	}
	if (free_slot == NULL || same >= HOLD_PER_ADDR) {
		ctl.st.drops[ESPGW_DROP_NEIGH_MISS]++;
		rte_pktmbuf_free(m);
		return;
	}
	*free_slot = (struct held){ m, port, family, { 0 }, time(NULL) };
	memcpy(free_slot->a, a, ip_alen(family));
	ctl.st.neigh_held++;
}

static void
release(uint16_t port, int family, const uint8_t *a, const struct rte_ether_addr *mac)
{
	for (unsigned i = 0; i < HOLD_MAX; i++) {
		struct held *h = &held[i];
		struct rte_ether_hdr *eh;
		if (h->m == NULL || h->port != port || h->family != family ||
		    memcmp(h->a, a, ip_alen(family)) != 0)
			continue;
		eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(h->m, sizeof(*eh));
		if (eh == NULL) {
			ctl.st.drops[ESPGW_DROP_ENCAP_FAILED]++;
			rte_pktmbuf_free(h->m);
		} else {
			eh->dst_addr = *mac;
			eh->src_addr = dp.port[port].mac;
			eh->ether_type = rte_cpu_to_be_16(family == AF_INET ?
				RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
			ctl.st.neigh_released++;
			dp_ctl_tx(port, h->m);
		}
		h->m = NULL;
	}
}

void
ctl_neigh_expire(void)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < HOLD_MAX; i++)
		if (held[i].m != NULL && now - held[i].since >= 1) {
			ctl.st.drops[ESPGW_DROP_NEIGH_MISS]++;
			rte_pktmbuf_free(held[i].m);
			held[i].m = NULL;
		}
}

static void
learn(uint16_t port, int family, const uint8_t *a, const struct rte_ether_addr *mac)
{
	struct ip_addr ip = { .family = family };

	if (rte_is_zero_ether_addr(mac) || rte_is_multicast_ether_addr(mac))
		return;
	memcpy(ip.a, a, ip_alen(family));
	dp_neigh_set(port, &ip, mac);
	release(port, family, a, mac);
}

static void
handle_arp(uint16_t port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	struct rte_arp_hdr *arp = (void *)(eh + 1);

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*arp) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != 6 || arp->arp_plen != 4) {
		rte_pktmbuf_free(m);
		return;
	}
	ctl.st.punt_arp++;
	/* RFC 826 merge: learn the sender when the request is for us */
	if (!our_addr(port, AF_INET, (const uint8_t *)&arp->arp_data.arp_tip)) {
		rte_pktmbuf_free(m);
		return;
	}
	learn(port, AF_INET, (const uint8_t *)&arp->arp_data.arp_sip,
	      &arp->arp_data.arp_sha);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);
		return;
	}
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_sha = dp.port[port].mac;
	{
		uint32_t t = arp->arp_data.arp_tip;
		arp->arp_data.arp_tip = arp->arp_data.arp_sip;
		arp->arp_data.arp_sip = t;
	}
	eh->dst_addr = eh->src_addr;
	eh->src_addr = dp.port[port].mac;
	dp_ctl_tx(port, m);
}

static void
send_arp_request(uint16_t port, const uint8_t *ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *arp;
	const uint8_t *src = first_addr(port, AF_INET);

	if (m == NULL || src == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	eh = (void *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*arp));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	arp = (void *)(eh + 1);
	memset(&eh->dst_addr, 0xff, 6);
	eh->src_addr = dp.port[port].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = dp.port[port].mac;
	memcpy(&arp->arp_data.arp_sip, src, 4);
	memset(&arp->arp_data.arp_tha, 0, 6);
	memcpy(&arp->arp_data.arp_tip, ip, 4);
	dp_ctl_tx(port, m);
}

/* Build Ethernet + IPv6 + ICMPv6 headers in m (payload already after). */
static void
icmp6_finish(struct rte_mbuf *m, uint16_t port, const struct rte_ether_addr *dmac,
	     const uint8_t *src, const uint8_t *dst, uint16_t icmp_len)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	struct rte_ipv6_hdr *ip6 = (void *)(eh + 1);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);

	eh->dst_addr = *dmac;
	eh->src_addr = dp.port[port].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(icmp_len);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	icmp[2] = icmp[3] = 0;
	{
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, icmp);
		memcpy(icmp + 2, &ck, 2);
	}
}

static void
send_ns(uint16_t port, const uint8_t *target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	const uint8_t *src = first_addr(port, AF_INET6);
	uint8_t *p, dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	struct rte_ether_addr mc = { { 0x33, 0x33, 0xff } };

	if (m == NULL || src == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	/* solicited-node multicast (RFC 4291 2.7.1) */
	memcpy(dst + 13, target + 13, 3);
	memcpy(mc.addr_bytes + 3, target + 13, 3);
	p = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 32);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(p, 0, 14 + 40 + 32);
	p[54] = ND_NEIGHBOR_SOLICIT;
	memcpy(p + 54 + 8, target, 16);
	p[54 + 24] = ND_OPT_SOURCE_LL;
	p[54 + 25] = 1;
	memcpy(p + 54 + 26, dp.port[port].mac.addr_bytes, 6);
	icmp6_finish(m, port, &mc, src, dst, 32);
	dp_ctl_tx(port, m);
}

static void
handle_nd(uint16_t port, struct rte_mbuf *m, struct rte_ipv6_hdr *ip6,
	  uint8_t *icmp, uint32_t len, const struct rte_ether_addr *smac)
{
	const uint8_t *target = icmp + 8;
	uint8_t type = icmp[0];
	struct rte_ether_addr ll = *smac;

	ctl.st.punt_nd++;
	/* RFC 4861 7.1.1: hop limit 255, code 0, at least 24 bytes */
	if (ip6->hop_limits != 255 || icmp[1] != 0 || len < 24)
		goto drop;
	for (uint32_t o = 24; o + 8 <= len && icmp[o + 1] != 0; o += icmp[o + 1] * 8u) {
		if (o + icmp[o + 1] * 8u > len)
			goto drop;
		if ((icmp[o] == ND_OPT_SOURCE_LL && type == ND_NEIGHBOR_SOLICIT) ||
		    (icmp[o] == ND_OPT_TARGET_LL && type == ND_NEIGHBOR_ADVERT))
			memcpy(ll.addr_bytes, icmp + o + 2, 6);
	}
	if (type == ND_NEIGHBOR_ADVERT) {
		learn(port, AF_INET6, target, &ll);
		goto drop;
	}
	if (!our_addr(port, AF_INET6, target))
		goto drop;
	learn(port, AF_INET6, ip6->src_addr, &ll);
	{
		uint8_t dst[16], src[16];
		uint8_t *p;
		memcpy(dst, ip6->src_addr, 16);
		memcpy(src, target, 16);
		rte_pktmbuf_reset(m);
		p = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 32);
		if (p == NULL)
			goto drop;
		memset(p, 0, 14 + 40 + 32);
		p[54] = ND_NEIGHBOR_ADVERT;
		p[54 + 4] = 0x60;	/* solicited, override */
		memcpy(p + 54 + 8, src, 16);
		p[54 + 24] = ND_OPT_TARGET_LL;
		p[54 + 25] = 1;
		memcpy(p + 54 + 26, dp.port[port].mac.addr_bytes, 6);
		icmp6_finish(m, port, &ll, src, dst, 32);
		dp_ctl_tx(port, m);
	}
	return;
drop:
	rte_pktmbuf_free(m);
}

/* Echo reply in place; the Ethernet header is still in the headroom. */
static void
handle_local_ip(uint16_t port, struct rte_mbuf *m)
{
	uint8_t *l3 = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct rte_ether_hdr *eh = (void *)rte_pktmbuf_prepend(m, sizeof(*eh));
	struct rte_ether_addr smac;

	if (eh == NULL)
		goto drop;
	smac = eh->src_addr;
	/* IKE (UDP 500, and 4500 behind the non-ESP marker) */
	if (ctl_ike_input(l3, len)) {
		learn(port, (l3[0] >> 4) == 4 ? AF_INET : AF_INET6,
		      (l3[0] >> 4) == 4 ? l3 + 12 : l3 + 8, &smac);
		goto drop;
	}
	if ((l3[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (void *)l3;
		uint32_t hl = (ip->version_ihl & 0xf) * 4u;
		struct rte_icmp_hdr *ic = (void *)(l3 + hl);
		if (ip->next_proto_id != IPPROTO_ICMP || len < hl + sizeof(*ic) ||
		    ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
		    (ip->fragment_offset & rte_cpu_to_be_16(0x3fff)))
			goto other;
		ctl.st.punt_icmp++;
		learn(port, AF_INET, (uint8_t *)&ip->src_addr, &smac);
		ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = ~rte_raw_cksum(ic, len - hl);
		{
			uint32_t t = ip->src_addr;
			ip->src_addr = ip->dst_addr;
			ip->dst_addr = t;
		}
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)l3;
		uint8_t *ic = l3 + sizeof(*ip6);
		if (ip6->proto != IPPROTO_ICMPV6 || len < sizeof(*ip6) + 8)
			goto other;
		if (ic[0] == ND_NEIGHBOR_SOLICIT || ic[0] == ND_NEIGHBOR_ADVERT) {
			handle_nd(port, m, ip6, ic, len - sizeof(*ip6), &smac);
			return;
		}
		if (ic[0] != ICMP6_ECHO_REQUEST || !our_addr(port, AF_INET6, ip6->dst_addr))
			goto other;
		ctl.st.punt_icmp++;
		learn(port, AF_INET6, ip6->src_addr, &smac);
		ic[0] = ICMP6_ECHO_REPLY;
		{
			uint8_t t[16];
			memcpy(t, ip6->src_addr, 16);
			memcpy(ip6->src_addr, ip6->dst_addr, 16);
			memcpy(ip6->dst_addr, t, 16);
		}
		ip6->hop_limits = 64;
		ic[2] = ic[3] = 0;
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, ic);
		memcpy(ic + 2, &ck, 2);
	}
	eh->dst_addr = smac;
	eh->src_addr = dp.port[port].mac;
	dp_ctl_tx(port, m);
	return;
other:
	/* to us, but not IKE, ARP/ND or an echo request for our address */
	ctl.st.punt_other++;
	ctl.st.drops[ESPGW_DROP_NOT_FOR_US]++;
drop:
	rte_pktmbuf_free(m);
}

/* The port and next-hop address of a destination we send to. */
static bool
ctl_next_hop(int family, const uint8_t *dst, uint16_t *port, const uint8_t **hop)
{
	uint32_t nh;
	int rc;

	if (family == AF_INET) {
		uint32_t a;
		memcpy(&a, dst, 4);
		rc = rte_lpm_lookup(ctl.rt->lpm4, rte_be_to_cpu_32(a), &nh);
	} else {
		rc = rte_lpm6_lookup(ctl.rt->lpm6, dst, &nh);
	}
	if (rc != 0 || ctl.rt->nh[nh].type != NH_FORWARD)
		return false;
	*port = ctl.rt->nh[nh].port;
	*hop = ctl.rt->nh[nh].via.family ? ctl.rt->nh[nh].via.a : dst;
	return true;
}

/* Route a packet we originate: returns port and next-hop MAC. */
static bool
ctl_route(int family, const uint8_t *dst, uint16_t *port,
	  struct rte_ether_addr *mac)
{
	const uint8_t *hop;

	if (!ctl_next_hop(family, dst, port, &hop))
		return false;
	if (dp_neigh_get(*port, family, hop, mac))
		return true;
	if (family == AF_INET)
		send_arp_request(*port, hop);
	else
		send_ns(*port, hop);
	return false;
}

/* RFC 792 / RFC 4443 3.1: tell the sender the MTU the tunnel leaves. */
static void
send_too_big(struct rte_mbuf *orig, uint16_t in_port, uint16_t mtu)
{
	uint8_t *l3 = rte_pktmbuf_mtod(orig, uint8_t *);
	uint32_t olen = rte_pktmbuf_data_len(orig);
	int family = (l3[0] >> 4) == 4 ? AF_INET : AF_INET6;
	const uint8_t *osrc = family == AF_INET ? l3 + 12 : l3 + 8;
	const uint8_t *src = first_addr(in_port, family);
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	uint16_t port;
	uint8_t *p;

	if (src == NULL || !ctl_route(family, osrc, &port, &mac))
		return;
	m = rte_pktmbuf_alloc(dp.pool);
	if (m == NULL)
		return;
	if (family == AF_INET) {
		uint32_t hl = (l3[0] & 0xf) * 4u, quote = RTE_MIN(olen, hl + 8);
		struct rte_ether_hdr *eh;
		struct rte_ipv4_hdr *ip;
		struct rte_icmp_hdr *ic;
		p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + quote);
		if (p == NULL)
			goto fail;
		eh = (void *)p;
		ip = (void *)(p + 14);
		ic = (void *)(p + 34);
		memset(p, 0, 14 + 20 + 8);
		eh->dst_addr = mac;
		eh->src_addr = dp.port[port].mac;
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + 8 + quote);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, osrc, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic->icmp_type = 3;	/* destination unreachable */
		ic->icmp_code = 4;	/* fragmentation needed and DF set */
		ic->icmp_seq_nb = rte_cpu_to_be_16(mtu);	/* RFC 1191 next-hop MTU */
		memcpy(ic + 1, l3, quote);
		ic->icmp_cksum = ~rte_raw_cksum(ic, 8 + quote);
	} else {
		/* as much of the original as fits in the minimum MTU */
		uint32_t quote = RTE_MIN(olen, 1280u - 40 - 8);
		uint32_t mtu32 = rte_cpu_to_be_32(mtu);
		p = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 8 + quote);
		if (p == NULL)
			goto fail;
		memset(p, 0, 14 + 40 + 8);
		p[54] = ICMP6_PACKET_TOO_BIG;
		memcpy(p + 58, &mtu32, 4);
		memcpy(p + 62, l3, quote);
		icmp6_finish(m, port, &mac, src, osrc, 8 + quote);
	}
	ctl.st.icmp_errors_sent++;
	dp_ctl_tx(port, m);
	return;
fail:
	rte_pktmbuf_free(m);
}

/*
 * ICMP errors are rate-limited (RFC 1812 4.3.2.8, RFC 4443 2.4(f)): a
 * token bucket of ICMP_ERR_BURST refilled at ICMP_ERR_RATE per second.
 */
#define ICMP_ERR_RATE 100
#define ICMP_ERR_BURST 50

static bool
icmp_error_allowed(void)
{
	static uint64_t last_ns;
	static double tokens = ICMP_ERR_BURST;
	uint64_t now = ctl_clock_ns();

	tokens += (double)(now - last_ns) * ICMP_ERR_RATE / 1e9;
	if (tokens > ICMP_ERR_BURST)
		tokens = ICMP_ERR_BURST;
	last_ns = now;
	if (tokens < 1) {
		ctl.st.icmp_errors_limited++;
		return false;
	}
	tokens -= 1;
	return true;
}

/*
 * RFC 792 / RFC 1812 5.3.1 (type 11) and RFC 4443 3.3 (type 3): time
 * exceeded in transit, from our address on the port the packet would have
 * left by, quoting as much of it as keeps the error within 576 bytes (IPv4)
 * or the IPv6 minimum MTU. It takes the workers' outbound path, so an
 * error for a host behind a tunnel goes through the tunnel.
 */
static void
send_time_exceeded(struct rte_mbuf *orig, uint16_t port)
{
	const uint8_t *l3 = rte_pktmbuf_mtod(orig, const uint8_t *);
	uint32_t olen = rte_pktmbuf_data_len(orig);
	int family = (l3[0] >> 4) == 4 ? AF_INET : AF_INET6;
	const uint8_t *osrc = family == AF_INET ? l3 + 12 : l3 + 8;
	const uint8_t *src = first_addr(port, family);
	struct rte_mbuf *m;
	uint8_t *p;

	if (src == NULL || !icmp_error_allowed())
		return;
	/* never about an ICMP error (RFC 1812 4.3.2.7): only echo is quoted */
	if (family == AF_INET && l3[9] == IPPROTO_ICMP && olen > (l3[0] & 0xfu) * 4u &&
	    l3[(l3[0] & 0xf) * 4] != RTE_IP_ICMP_ECHO_REQUEST &&
	    l3[(l3[0] & 0xf) * 4] != RTE_IP_ICMP_ECHO_REPLY)
		return;
	if (family == AF_INET6 && l3[6] == IPPROTO_ICMPV6 && olen > 40 && l3[40] < 128)
		return;
	m = rte_pktmbuf_alloc(dp.pool);
	if (m == NULL)
		return;
	if (family == AF_INET) {
		uint32_t quote = RTE_MIN(olen, 576u - 20 - 8);
		struct rte_ipv4_hdr *ip;
		struct rte_icmp_hdr *ic;
		p = (uint8_t *)rte_pktmbuf_append(m, 20 + 8 + quote);
		if (p == NULL)
			goto fail;
		ip = (void *)p;
		ic = (void *)(p + 20);
		memset(p, 0, 28);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + 8 + quote);
		ip->time_to_live = 65;	/* the outbound path takes one */
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, osrc, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic->icmp_type = 11;	/* time exceeded, code 0: TTL in transit */
		memcpy(ic + 1, l3, quote);
		ic->icmp_cksum = ~rte_raw_cksum(ic, 8 + quote);
	} else {
		uint32_t quote = RTE_MIN(olen, 1280u - 40 - 8);
		struct rte_ipv6_hdr *ip6;
		uint16_t ck;
		p = (uint8_t *)rte_pktmbuf_append(m, 40 + 8 + quote);
		if (p == NULL)
			goto fail;
		ip6 = (void *)p;
		memset(p, 0, 48);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(8 + quote);
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = 65;
		memcpy(ip6->src_addr, src, 16);
		memcpy(ip6->dst_addr, osrc, 16);
		p[40] = 3;		/* time exceeded, code 0: hop limit */
		memcpy(p + 48, l3, quote);
		ck = rte_ipv6_udptcp_cksum(ip6, p + 40);
		memcpy(p + 42, &ck, 2);
	}
	ctl.st.icmp_errors_sent++;
	dp_ctl_route(m, port);
	return;
fail:
	rte_pktmbuf_free(m);
}

/*
 * Send an IP packet the control thread built (L3 at data start): to its
 * next hop now, or held until ARP/ND finds it.
 */
void
ctl_send_l3(struct rte_mbuf *m, int family, const uint8_t *dst)
{
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eh;
	const uint8_t *hop;
	uint16_t port;

	if (!ctl_next_hop(family, dst, &port, &hop)) {
		ctl.st.drops[ESPGW_DROP_NO_ROUTE]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (!dp_neigh_get(port, family, hop, &mac)) {
		ctl_resolve(port, family, hop);
		hold(m, port, family, hop);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	eh->dst_addr = mac;
	eh->src_addr = dp.port[port].mac;
	eh->ether_type = rte_cpu_to_be_16(family == AF_INET ? RTE_ETHER_TYPE_IPV4 :
					  RTE_ETHER_TYPE_IPV6);
	dp_ctl_tx(port, m);
}

struct pending_res {
	uint16_t port;
	uint8_t family;
	uint8_t a[16];
	struct timespec at;
};

/* Ask for a next hop at most every 200 ms: misses come in bursts. */
void
ctl_resolve(uint16_t port, int family, const uint8_t *a)
{
	static struct pending_res recent[64];
	static unsigned next;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (unsigned i = 0; i < RTE_DIM(recent); i++) {
		struct pending_res *r = &recent[i];
		long ms = (now.tv_sec - r->at.tv_sec) * 1000 +
			  (now.tv_nsec - r->at.tv_nsec) / 1000000;
		if (r->family == family && r->port == port &&
		    !memcmp(r->a, a, ip_alen(family)) && ms < 200)
			return;
	}
	recent[next] = (struct pending_res){ port, family, { 0 }, now };
	memcpy(recent[next].a, a, ip_alen(family));
	next = (next + 1) % RTE_DIM(recent);
	if (family == AF_INET)
		send_arp_request(port, a);
	else
		send_ns(port, a);
}

void
ctl_punt_poll(void)
{
	struct rte_mbuf *m[32];
	unsigned n = dp_punt_dequeue(m, RTE_DIM(m));

	for (unsigned i = 0; i < n; i++) {
		struct dp_punt_meta *md = dp_meta(m[i]);
		uint16_t port = md->port;
		switch (md->reason) {
		case PUNT_ARP:
			handle_arp(port, m[i]);
			break;
		case PUNT_LOCAL:
			handle_local_ip(port, m[i]);
			break;
		case PUNT_NEIGH_MISS:
			ctl_resolve(port, md->family, md->nh);
			hold(m[i], port, md->family, md->nh);
			break;
		case PUNT_MTU:
			send_too_big(m[i], port, md->mtu);
			rte_pktmbuf_free(m[i]);
			break;
		case PUNT_TTL:
			send_time_exceeded(m[i], port);
			rte_pktmbuf_free(m[i]);
			break;
		case PUNT_ACQUIRE:
			ctl_ike_acquire(rte_pktmbuf_mtod(m[i], const uint8_t *),
					rte_pktmbuf_data_len(m[i]));
			ctl.st.drops[ESPGW_DROP_SPD_TRAP]++;
			rte_pktmbuf_free(m[i]);
			break;
		default:
			/* PUNT_INNER_LOCAL: a decrypted packet for the gateway itself */
			ctl.st.punt_other++;
			ctl.st.drops[ESPGW_DROP_NOT_FOR_US]++;
			rte_pktmbuf_free(m[i]);
		}
	}
}
