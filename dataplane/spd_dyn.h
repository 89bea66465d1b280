/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-tunnel protect policies (IKE's CHILD_SAs), looked up by destination
 * prefix ahead of the rte_acl SPD. Each worker has its own table and is
 * its only writer (MSG_DPOL_ADD/DEL through its ring); the policies
 * themselves are the control thread's, immutable, and freed after every
 * worker acknowledged their removal.
 */
#ifndef ESPGW_SPD_DYN_H
#define ESPGW_SPD_DYN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"

#define DP_DYN_BUCKET 8		/* policies per destination prefix */
#define DP_DYN_MIN_PRIO 999999	/* every static policy is below this */

struct dp_sa;

struct dp_dpol {
	struct selector sel;
	uint32_t priority;
	struct dp_sa *sa;		/* outbound */
};

struct dp_dyn;

struct dp_dyn *dp_dyn_create(const char *name, unsigned entries);
/* -1: the destination prefix has DP_DYN_BUCKET policies already */
int dp_dyn_add(struct dp_dyn *d, const struct dp_dpol *p);
void dp_dyn_del(struct dp_dyn *d, const struct dp_dpol *p);
const struct dp_dpol *dp_dyn_lookup(const struct dp_dyn *d, int family, const uint8_t *src,
				    const uint8_t *dst, uint8_t proto, uint16_t sport,
				    uint16_t dport);
bool dp_dyn_empty(const struct dp_dyn *d);

#endif
