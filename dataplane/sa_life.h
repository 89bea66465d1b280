/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA lifetimes in packets and bytes (RFC 4301 4.4.2.1) as the workers
 * count them: the limits of an SA, and the accounting of each burst
 * against its shared budget. No DPDK state: unit-tested without EAL.
 */
#ifndef ESPGW_SA_LIFE_H
#define ESPGW_SA_LIFE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/desc.h"

struct sa_limits {
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;	/* 0: none */
	bool hard_is_seq;		/* hard_packets is the sequence space */
};

/* what workers share of one SA, updated atomically per burst */
struct dp_sa_life {
	uint64_t bytes, packets;
	uint32_t soft_sent, hard_hit;	/* each event reported once */
};

/*
 * The limits of an SA with lifetime l. Outbound without ESN the counter
 * must not cycle (RFC 4303 3.3.3): the hard packet limit is at most the
 * 32-bit sequence space and the soft one at most 1/16 before its end.
 */
void sa_life_limits(struct sa_limits *lim, const struct lifetime *l, bool outbound, bool esn);
bool sa_life_any(const struct sa_limits *lim);

/*
 * n packets of `bytes` bytes use the SA: how many of them still may. The
 * packets that cross the byte limit are the last ones allowed; the packet
 * limit is exact. *soft and *hard are true for the one call that first
 * reaches each limit. shared: several workers may call at once (atomic
 * updates); otherwise plain ones.
 */
unsigned sa_life_account(const struct sa_limits *lim, struct dp_sa_life *c, unsigned n,
			 uint64_t bytes, bool shared, bool *soft, bool *hard);

#endif
