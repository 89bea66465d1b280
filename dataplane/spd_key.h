/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 5-tuple keys rte_acl classifies on. Built per packet (IPv4 options
 * move the ports, so we cannot point rte_acl into the header itself).
 * Values are in wire order, as rte_acl expects of the data it reads.
 */
#ifndef ESPGW_SPD_KEY_H
#define ESPGW_SPD_KEY_H

#include <string.h>

#include <rte_byteorder.h>

#include "dataplane/worker.h"

struct spd_key4 {
	uint8_t proto;		/* rte_acl wants a 1-byte first field */
	uint8_t pad[3];
	uint32_t src, dst;
	uint16_t sport, dport;
};

struct spd_key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

_Static_assert(sizeof(struct spd_key4) == 16, "spd_key4 layout");
_Static_assert(sizeof(struct spd_key6) == 40, "spd_key6 layout");

static inline void
spd_key4_fill(struct spd_key4 *k, const struct pkt_info *pi)
{
	k->proto = pi->proto;
	memcpy(&k->src, pi->src, 4);
	memcpy(&k->dst, pi->dst, 4);
	k->sport = rte_cpu_to_be_16(pi->sport);
	k->dport = rte_cpu_to_be_16(pi->dport);
}

static inline void
spd_key6_fill(struct spd_key6 *k, const struct pkt_info *pi)
{
	k->proto = pi->proto;
	memcpy(k->src, pi->src, 16);
	memcpy(k->dst, pi->dst, 16);
	k->sport = rte_cpu_to_be_16(pi->sport);
	k->dport = rte_cpu_to_be_16(pi->dport);
}

#endif
