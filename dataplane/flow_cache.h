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

/* a flow: source, destination (IPv4 in the low half), then protocol,
 * family and ports; built in registers and stored as whole words */
struct fc_key {
	uint64_t w[5];
};

struct fc_ent {
	struct fc_key k;
	uint32_t gen;			/* valid while the worker's fc_gen equals it */
	uint8_t kind;			/* enum fc_kind */
	uint8_t action;			/* FC_SPD: enum spd_action */
	struct dp_sa *sa;		/* FC_SPD PROTECT (NULL: SA down), FC_DYN */
} __rte_aligned(64);

/* the key of a parsed packet and its slot */
static inline uint32_t
fc_key(struct fc_key *k, const struct pkt_info *pi)
{
	uint64_t s0, s1 = 0, d0, d1 = 0, h;

	if (pi->family == AF_INET) {
		uint32_t a, b;
		memcpy(&a, pi->src, 4);
		memcpy(&b, pi->dst, 4);
		s0 = a;
		d0 = b;
	} else {
		memcpy(&s0, pi->src, 8);
		memcpy(&s1, pi->src + 8, 8);
		memcpy(&d0, pi->dst, 8);
		memcpy(&d1, pi->dst + 8, 8);
	}
	k->w[0] = s0;
	k->w[1] = s1;
	k->w[2] = d0;
	k->w[3] = d1;
	k->w[4] = pi->proto | (uint64_t)pi->family << 8 | (uint64_t)pi->sport << 16 |
		  (uint64_t)pi->dport << 32;
	/* five independent multiplies: no dependency chain, no dispatch */
	h = s0 * 0x9e3779b97f4a7c15ull ^ s1 * 0xc2b2ae3d27d4eb4full ^
	    d0 * 0x165667b19e3779f9ull ^ d1 * 0xd6e8feb86659fd93ull ^
	    k->w[4] * 0xff51afd7ed558ccdull;
	return (uint32_t)((h ^ (h >> 29)) >> 40) & (FC_SIZE - 1);
}

static inline bool
fc_key_eq(const struct fc_key *a, const struct fc_key *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3]) | (a->w[4] ^ b->w[4])) == 0;
}

#endif
