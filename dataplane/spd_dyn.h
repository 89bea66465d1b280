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
#include "common/desc.h"

#define DP_DYN_BUCKET 8		/* policies per destination prefix */
#define DP_DYN_MIN_PRIO POLICY_PRIO_TRAP	/* every static policy is below this */

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
/* a burst (at most DP_DYN_BURST, family 0: not looked up): best[i] is
 * packet i's policy or NULL */
#define DP_DYN_BURST 64
struct pkt_info;
void dp_dyn_lookup_burst(const struct dp_dyn *d, const struct pkt_info *pk, unsigned n,
			 const struct dp_dpol **best);
bool dp_dyn_empty(const struct dp_dyn *d);

#endif
