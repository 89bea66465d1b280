/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's outbound flow cache: the SPD's decision for a 5-tuple (IKE's
 * per-tunnel policies first, then rte_acl), remembered in a direct-mapped
 * table in front of both. Any control message the worker applies (new
 * SPD, SA or tunnel policy in or out) moves the generation and so empties
 * the cache at once: an entry can never name an SA that the control
 * thread has since retired (it frees nothing before every worker has
 * applied the message that made it unreachable).
 */
#ifndef ESPGW_FLOW_CACHE_H
#define ESPGW_FLOW_CACHE_H

#include "dataplane/spd_key.h"

#define FC_SIZE 2048		/* entries per worker, a power of two */

enum fc_kind { FC_NOMATCH = 1, FC_SPD, FC_DYN };

struct fc_ent {
	struct spd_key6 k;		/* IPv4 in the first 4 bytes of each address */
	uint32_t gen;			/* valid while the worker's fc_gen equals it */
	uint8_t kind;			/* enum fc_kind */
	uint8_t action;			/* FC_SPD: enum spd_action */
	struct dp_sa *sa;		/* FC_SPD PROTECT (NULL: SA down), FC_DYN */
} __rte_aligned(64);

/* the key of a parsed packet; family in pad[0] */
static inline uint32_t
fc_key(struct spd_key6 *k, const struct pkt_info *pi)
{
	unsigned al = pi->family == AF_INET ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->proto = pi->proto;
	k->pad[0] = pi->family;
	memcpy(k->src, pi->src, al);
	memcpy(k->dst, pi->dst, al);
	k->sport = pi->sport;
	k->dport = pi->dport;
	/* five independent multiplies: no dependency chain, no dispatch */
	const uint64_t *x = (const void *)k;
	uint64_t h = x[0] * 0x9e3779b97f4a7c15ull ^ x[1] * 0xc2b2ae3d27d4eb4full ^
		     x[2] * 0x165667b19e3779f9ull ^ x[3] * 0xd6e8feb86659fd93ull ^
		     x[4] * 0xff51afd7ed558ccdull;
	return (uint32_t)((h ^ (h >> 29)) >> 40) & (FC_SIZE - 1);
}

static inline bool
fc_key_eq(const struct spd_key6 *a, const struct spd_key6 *b)
{
	const uint64_t *x = (const void *)a, *y = (const void *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) |
		(x[4] ^ y[4])) == 0;
}

#endif
