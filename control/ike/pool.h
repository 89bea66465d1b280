/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual IP pools (remote access): addresses leased to an owner (the
 * user's XAUTH name, or its IKE identity). An owner gets its address back
 * while nobody else took it (strongSwan's online/offline leases): a lease
 * released goes offline and is reclaimed, oldest first, only when every
 * address has been handed out once. Leases are counted per holder, so an
 * owner with two IKE SAs (a re-establishment) keeps one address.
 * Pools are reference counted: a reload that drops or changes one leaves
 * it to the SAs that hold its leases until they end.
 */
#ifndef ESPGW_IKE_POOL_H
#define ESPGW_IKE_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/desc.h"

struct ike_pool;

/* a lease held: its pool (a reference) and its index in it */
struct ike_lease {
	struct ike_pool *pool;		/* NULL: none, or fixed */
	bool fixed;			/* an address given from outside (RADIUS), no pool's */
	uint32_t idx;
	struct ip_addr addr;
};

/* the lease holds an address (of a pool, or fixed) */
static inline bool
ike_lease_held(const struct ike_lease *l)
{
	return l->pool != NULL || l->fixed;
}

struct ike_pool *ike_pool_new(const struct pool_desc *d);
/* another reference (a reload keeping the pool); one less */
struct ike_pool *ike_pool_get(struct ike_pool *p);
void ike_pool_put(struct ike_pool *p);
const struct pool_desc *ike_pool_desc(const struct ike_pool *p);
/* same name and addresses: a reload keeps the pool (and its leases) */
bool ike_pool_same(const struct ike_pool *p, const struct pool_desc *d);
/* the DNS servers may change without a new pool */
void ike_pool_set_dns(struct ike_pool *p, const struct pool_desc *d);
/* an address for owner into l (which takes a reference); -1: exhausted */
int ike_pool_acquire(struct ike_pool *p, const char *owner, struct ike_lease *l);
void ike_pool_release(struct ike_lease *l);

/* for listings */
struct ike_pool_stats {
	uint32_t size, online, offline, unused;
};
void ike_pool_stats(const struct ike_pool *p, struct ike_pool_stats *s);
/* the i-th lease ever made (i < online + offline): its address, owner, state */
bool ike_pool_lease(const struct ike_pool *p, uint32_t i, struct ip_addr *a, const char **owner,
		    bool *online);

#endif
