/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery messages (RFC 4861 4.3, 4.4) as bytes: the
 * option walk of a received NS/NA, and the NS/NA the gateway sends. No
 * DPDK state: the fuzz target links this alone.
 */
#ifndef ESPGW_ND_H
#define ESPGW_ND_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>

#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ND_NA_FLAG_SOLICITED 0x40000000u
#define ND_NA_FLAG_OVERRIDE 0x20000000u

/* an NS or NA with one link-layer address option, as we send them */
struct nd_msg {
	uint8_t type, code;
	rte_be16_t cksum;
	rte_be32_t flags;		/* NA: router, solicited, override */
	uint8_t target[16];
	uint8_t opt_type, opt_len;	/* ND_OPT_*_LL, 1 (units of 8 bytes) */
	struct rte_ether_addr lladdr;
} __rte_packed __rte_aligned(2);
_Static_assert(sizeof(struct nd_msg) == 32, "RFC 4861 4.3/4.4 with one option");

/*
 * The options of an NS or NA of len bytes (from its ICMPv6 header on):
 * the link-layer address option of type opt into *ll. 1 found, 0 none,
 * -1 malformed (shorter than 24 bytes, an option of length 0 or past the
 * end: RFC 4861 7.1.1 and 7.1.2 say discard).
 */
int nd_lladdr(const uint8_t *icmp, uint32_t len, uint8_t opt, struct rte_ether_addr *ll);

/*
 * An Ethernet frame with an ARP request or reply (RFC 826) from sha/sip
 * about tip (4-byte addresses as on the wire); tha NULL: a broadcast
 * request, else the frame goes to tha. 42 bytes at eh.
 */
void nd_arp_fill(struct rte_ether_hdr *eh, uint16_t op, const struct rte_ether_addr *sha,
		 const uint8_t *sip, const struct rte_ether_addr *tha, const uint8_t *tip);

/* an NS or NA for target carrying our mac (checksum left to the IPv6 layer) */
void nd_build(struct nd_msg *nd, uint8_t type, uint32_t flags, const uint8_t *target,
	      const struct rte_ether_addr *mac);

#endif
