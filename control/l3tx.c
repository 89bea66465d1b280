/* SPDX-License-Identifier: BSD-3-Clause */
/* Routing and sending the packets the control thread originates. */
#define LOG_SUBSYS LOG_SS_NET
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/punt.h"

/* The port and next-hop address of a destination we send to. */
static bool
ctl_next_hop(int family, const uint8_t *dst, uint16_t *port, const uint8_t **hop)
{
	return dp_rt_lookup(ctl.rt, family, dst, port, hop) == 0;
}

/* Route a packet we originate: returns port and next-hop MAC. */
bool
ctl_route(int family, const uint8_t *dst, uint16_t *port,
	  struct rte_ether_addr *mac)
{
	const uint8_t *hop;

	if (!ctl_next_hop(family, dst, port, &hop))
		return false;
	if (dp_neigh_get(*port, family, hop, mac))
		return true;
	if (family == AF_INET)
		neigh_send_arp(*port, hop);
	else
		neigh_send_ns(*port, hop);
	return false;
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
		neigh_hold(m, port, family, hop);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	eh->dst_addr = mac;
	eh->src_addr = dp_port_get(port)->mac;
	eh->ether_type = rte_cpu_to_be_16(family == AF_INET ? RTE_ETHER_TYPE_IPV4 :
					  RTE_ETHER_TYPE_IPV6);
	dp_ctl_tx(port, m);
}
