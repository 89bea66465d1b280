/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 neighbour discovery messages as bytes (nd.h). */
#define LOG_SUBSYS LOG_SS_NET
#include <string.h>

#include <rte_arp.h>

#include "control/nd.h"

#define ND_HDR_LEN 24		/* type, code, checksum, flags, target */

int
nd_lladdr(const uint8_t *icmp, uint32_t len, uint8_t opt, struct rte_ether_addr *ll)
{
	int found = 0;

	if (len < ND_HDR_LEN)
		return -1;
	for (uint32_t o = ND_HDR_LEN; o < len; o += icmp[o + 1] * 8u) {
		if (len - o < 2 || icmp[o + 1] == 0 || icmp[o + 1] * 8u > len - o)
			return -1;
		if (icmp[o] == opt && icmp[o + 1] == 1) {
			memcpy(ll->addr_bytes, icmp + o + 2, RTE_ETHER_ADDR_LEN);
			found = 1;
		}
	}
	return found;
}

void
nd_build(struct nd_msg *nd, uint8_t type, uint32_t flags, const uint8_t *target,
	 const struct rte_ether_addr *mac)
{
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->flags = rte_cpu_to_be_32(flags);
	memcpy(nd->target, target, sizeof(nd->target));
	nd->opt_type = type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LL : ND_OPT_TARGET_LL;
	nd->opt_len = 1;
	nd->lladdr = *mac;
}

void
nd_arp_fill(struct rte_ether_hdr *eh, uint16_t op, const struct rte_ether_addr *sha,
	    const uint8_t *sip, const struct rte_ether_addr *tha, const uint8_t *tip)
{
	struct rte_arp_hdr *a = (void *)(eh + 1);

	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	if (tha)
		eh->dst_addr = *tha;
	eh->src_addr = *sha;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	memcpy(&a->arp_data.arp_sip, sip, 4);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	if (tha)
		a->arp_data.arp_tha = *tha;
	memcpy(&a->arp_data.arp_tip, tip, 4);
}
