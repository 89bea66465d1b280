/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the workers punt to the control thread, dispatched by reason
 * (control/punt.h says which file does what); the gateway's own local
 * services: IKE to the engine, ICMP/ICMPv6 echo to our addresses.
 */
#define LOG_SUBSYS LOG_SS_NET
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/ike_ctl.h"
#include "control/nd.h"
#include "control/punt.h"

/*
 * ICMPv6 a gateway that is neither an advertising router nor a multicast
 * router takes no part in, silently discarded (not counted as a drop: a
 * host's Router Solicitations at link up and its MLD reports are normal
 * on every IPv6 link): Router Solicitation (RFC 4861 6.2.6: only an
 * advertising interface answers), Router Advertisement and Redirect
 * (espgw's routes are configured), MLDv1 query, report and done (RFC
 * 2710) and MLDv2 report (RFC 3810).
 */
static bool
link_control_ignored(const uint8_t *l3, uint32_t len)
{
	const struct rte_ipv6_hdr *ip6 = (const void *)l3;
	const uint8_t *p = l3 + sizeof(*ip6);
	uint8_t nh = ip6->proto;

	if (len < sizeof(*ip6) + 8)
		return false;
	len -= sizeof(*ip6);
	if (nh == IPPROTO_HOPOPTS) {	/* MLD comes with a Router Alert option */
		uint32_t hl = (p[1] + 1u) * 8;
		if (len < hl + 8)
			return false;
		nh = p[0];
		p += hl;
	}
	if (nh != IPPROTO_ICMPV6)
		return false;
	switch (p[0]) {
	case 130: case 131: case 132:	/* MLDv1 */
	case 133: case 134: case 137:	/* RS, RA, Redirect */
	case 143:			/* MLDv2 report */
		return true;
	}
	return false;
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
		neigh_learn(port, (l3[0] >> 4) == 4 ? AF_INET : AF_INET6,
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
		neigh_learn(port, AF_INET, (uint8_t *)&ip->src_addr, &smac);
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
		if (link_control_ignored(l3, len)) {
			/* not a drop: every IPv6 neighbour sends them */
			ctl.st.punt_other++;
			goto drop;
		}
		if (ip6->proto != IPPROTO_ICMPV6 || len < sizeof(*ip6) + 8)
			goto other;
		if (ic[0] == ND_NEIGHBOR_SOLICIT || ic[0] == ND_NEIGHBOR_ADVERT) {
			neigh_nd_input(port, m, ip6, ic, len - sizeof(*ip6), &smac);
			return;
		}
		if (ic[0] != ICMP6_ECHO_REQUEST || !ctl_port_has_addr(port, AF_INET6, ip6->dst_addr))
			goto other;
		ctl.st.punt_icmp++;
		neigh_learn(port, AF_INET6, ip6->src_addr, &smac);
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
	eh->src_addr = dp_port_get(port)->mac;
	dp_ctl_tx(port, m);
	return;
other:
	/* to us, but not IKE, ARP/ND or an echo request for our address */
	ctl.st.punt_other++;
	ctl.st.drops[ESPGW_DROP_NOT_FOR_US]++;
drop:
	rte_pktmbuf_free(m);
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
			neigh_arp_input(port, m[i]);
			break;
		case PUNT_LOCAL:
			handle_local_ip(port, m[i]);
			break;
		case PUNT_NEIGH_MISS:
			ctl_resolve(port, md->family, md->nh);
			neigh_hold(m[i], port, md->family, md->nh);
			break;
		case PUNT_MTU:
			icmp_send_too_big(m[i], port, md->mtu);
			rte_pktmbuf_free(m[i]);
			break;
		case PUNT_TTL:
			icmp_send_time_exceeded(m[i], port);
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
