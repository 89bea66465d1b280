/* SPDX-License-Identifier: BSD-3-Clause */
/* Checks on packet bytes that need no DPDK state (pkt_checks.h). */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/pkt_checks.h"

bool
pkt_esp_len_ok(uint32_t plen, uint32_t iv_len, uint32_t icv_len)
{
	uint32_t align = iv_len == 16 ? 16 : 4;
	uint32_t min = sizeof(struct rte_esp_hdr) + iv_len + 2 + icv_len;

	if (plen < min)
		return false;
	return ((plen - sizeof(struct rte_esp_hdr) - iv_len - icv_len) & (align - 1)) == 0;
}

int
pkt_natt_strip(uint8_t *p, uint32_t len, int family, uint32_t hl)
{
	const struct rte_udp_hdr *u = (const void *)(p + hl);
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
	return 0;
}
